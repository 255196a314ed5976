"""The search index: Pagefind (https://pagefind.app) reads the built site and writes a static
index that the search page queries in the browser, with no server and no network.

Pagefind is a compiled program that the `pagefind[bin]` package installs beside Python; a
system-wide `pagefind` is used when that package is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

FOLDER = "pagefind"  # the index, in the site
ENTRY = f"{FOLDER}/pagefind-entry.json"  # what Pagefind's scripts read first
INSTALL_HINT = "pip install 'pagefind[bin]'"


def find_pagefind() -> Path | None:
    """The Pagefind program: $RASSEGNA_PAGEFIND, the `pagefind_bin` package's, or one on PATH."""
    if named := os.environ.get("RASSEGNA_PAGEFIND"):
        return Path(named) if Path(named).is_file() else None
    try:
        from pagefind_bin import get_executable  # type: ignore[import-untyped]

        return Path(get_executable())
    except (ImportError, FileNotFoundError):
        found = shutil.which("pagefind")
        return Path(found) if found else None


class SearchError(Exception):
    """Pagefind failed: its own words, shortened."""


class Cancelled(Exception):
    """Indexing was stopped before it finished: the site keeps the index it had."""


def index_site(pagefind: Path, site: Path, cancelled: Callable[[], bool] = lambda: False) -> list[tuple[str, bytes]]:
    """Index the HTML of `site` (what `data-pagefind-body` marks): the files of the index by
    their path in the site. The index is written outside the site, so that a failure leaves
    the site's own index as it was; `cancelled` is asked as Pagefind runs (see Cancelled)."""
    with tempfile.TemporaryDirectory(prefix="rassegna-search-") as folder:
        command = [str(pagefind), "--site", str(site), "--output-path", folder, "--silent"]
        with tempfile.TemporaryFile() as log:  # not a pipe: nobody reads it while Pagefind runs
            try:
                run = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
            except OSError as exc:
                raise SearchError(f"cannot run {pagefind}: {exc.strerror or exc}") from None
            while run.poll() is None:
                if cancelled():
                    run.kill()
                    run.wait()
                    raise Cancelled()
                time.sleep(POLL_SECONDS)
            log.seek(0)
            words = log.read().decode("utf-8", "replace").strip().splitlines()
        if run.returncode != 0:
            raise SearchError(" ".join(words[-3:]) or f"{pagefind} exited with status {run.returncode}")
        root = Path(folder)
        files = sorted(path for path in root.rglob("*") if path.is_file())
        return [(f"{FOLDER}/{path.relative_to(root).as_posix()}", path.read_bytes()) for path in files]


POLL_SECONDS = 0.05

"""The search index: Pagefind (https://pagefind.app) reads the built pages and writes a static
index that the search page queries in the browser, with no server and no network.

Pagefind holds a whole index in memory while it makes it (about 230 KB and 3 ms a page), and
cannot update one. So the pages are indexed in bundles of a few thousand, by article month and
entity initial, that the search page merges (Pagefind's multisite search): memory is bounded by
a bundle, and an edit makes again only the bundles of the pages it changed.

    pagefind/pagefind-ui.js, pagefind-ui.css   the search box (from any bundle: all are alike)
    pagefind/bundles.json                      the bundles, and the pages each one indexed
    pagefind/<bundle>/                          one Pagefind index

Pagefind is a compiled program that the `pagefind[bin]` package installs beside Python; a
system-wide `pagefind` is used when that package is missing.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

FOLDER = "pagefind"  # the index, in the site
BUNDLES = f"{FOLDER}/bundles.json"  # what the search page reads first
UI = ("pagefind-ui.js", "pagefind-ui.css")  # the search page's, kept once at the top
UNUSED = ("pagefind-modular-ui", "pagefind-component-ui", "pagefind-highlight")  # other front ends
BUNDLE_PAGES = 3000  # at most, unless one month or initial has more
INSTALL_HINT = "pip install 'pagefind[bin]'"
POLL_SECONDS = 0.05


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


@dataclass(frozen=True)
class Bundle:
    folder: str  # under FOLDER: the first unit it holds
    pages: tuple[str, ...]  # the files of the site it indexes

    def key(self, site: Path) -> str:
        """Its pages as they are in `site`: a page added, removed or written again changes it
        (the writer leaves unchanged files untouched, so their stat is the same)."""
        made = hashlib.sha256()
        for page in self.pages:
            try:
                stat = os.stat(site / page)
                made.update(f"{page} {stat.st_mtime_ns} {stat.st_size} {stat.st_ino}\n".encode())
            except OSError:
                made.update(f"{page} -\n".encode())
        return made.hexdigest()[:20]


def bundles(pages: Iterable[tuple[str, str]], size: int | None = None) -> list[Bundle]:
    """The pages to index, as (file in the site, unit) in order, gathered in bundles of whole
    consecutive units of at most `size` pages (a bigger unit is a bundle by itself). Pages added
    to the last unit, as an archive grows, change only the last bundle."""
    size = size or BUNDLE_PAGES
    groups: list[tuple[str, list[str]]] = []
    for unit, members in itertools.groupby(pages, key=lambda page: page[1]):
        files = [file for file, _ in members]
        if groups and len(groups[-1][1]) + len(files) <= size:
            groups[-1][1].extend(files)
        else:
            groups.append((unit, files))
    return [Bundle(unit, tuple(files)) for unit, files in groups]


def recorded(site: Path) -> dict[str, str]:
    """The bundles the site's index has, with their keys; none if it has no readable index."""
    return {folder: str(entry.get("pages")) for folder, entry in recorded_entries(site).items()}


def recorded_entries(site: Path) -> dict[str, dict[str, object]]:
    try:
        listed = json.loads((site / BUNDLES).read_bytes())["bundles"]
        return {str(bundle["folder"]): dict(bundle) for bundle in listed}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def out_of_date(site: Path, planned: list[Bundle], damaged: Iterable[str] = ()) -> list[Bundle] | None:
    """The bundles to make again: new ones, those with a page written since they were made, and
    those with a file among `damaged` (all of them for a damaged search box; the list of
    bundles is read, and if it cannot be, all are made again). None if the index is up to date."""
    have = recorded(site)
    folders = {path.split("/")[1] if path.count("/") > 1 else "" for path in damaged if path != BUNDLES}
    todo = [b for b in planned if "" in folders or b.folder in folders or have.get(b.folder) != b.key(site)]
    return None if not todo and list(have) == [bundle.folder for bundle in planned] else todo


def kept(index: Iterable[str], planned: list[Bundle], todo: list[Bundle]) -> list[str]:
    """The files of the index there is no need to make again: the bundles not in `todo`, and
    the search box while any bundle is."""
    keep = {bundle.folder for bundle in planned} - {bundle.folder for bundle in todo}
    top = {f"{FOLDER}/{name}" for name in UI}
    return [path for path in index if path in top or path.split("/")[1] in keep and path.count("/") > 1]


def index_site(
    pagefind: Path, site: Path, planned: list[Bundle], todo: list[Bundle], cancelled: Callable[[], bool] = lambda: False
) -> Iterator[tuple[str, bytes]]:
    """The files, by path in the site, of the bundles in `todo` (`planned` being all of them),
    the search box and the list of bundles: each bundle's as soon as Pagefind has made it.
    Nothing is written into the site; `cancelled` is asked as Pagefind runs (see Cancelled)."""
    keys = [bundle.key(site) for bundle in planned]  # the pages as they are indexed
    empty = {folder for folder, entry in recorded_entries(site).items() if entry.get("empty")}
    box = False  # the search box's files: from the first bundle made
    for bundle in todo:
        files = index_pages(pagefind, site, bundle.pages, cancelled)
        empty.discard(bundle.folder)
        if not files:
            empty.add(bundle.folder)  # a theme's pages with nothing marked to index
        for name, data in files:
            if name in UI and not box:
                yield f"{FOLDER}/{name}", data
            elif not name.startswith(UI + UNUSED):
                yield f"{FOLDER}/{bundle.folder}/{name}", data
        box = box or bool(files)
    listed = [
        {"folder": bundle.folder, "pages": key, **({"empty": True} if bundle.folder in empty else {})}
        for bundle, key in zip(planned, keys, strict=True)
    ]
    yield BUNDLES, json.dumps({"bundles": listed}, indent=1).encode() + b"\n"


def index_pages(
    pagefind: Path, site: Path, pages: Iterable[str], cancelled: Callable[[], bool]
) -> list[tuple[str, bytes]]:
    """Pagefind's index of these pages of the site, file by file. Pagefind indexes a folder:
    it is given one of links to the pages, under their paths in the site (their URLs)."""
    marked = [page for page in pages if b"data-pagefind-body" in (site / page).read_bytes()]
    if not marked:
        return []  # Pagefind would fail: a theme whose pages mark nothing to index
    with _scratch(site) as folder:
        source, output = Path(folder, "pages"), Path(folder, "index")
        for page in marked:
            _link(site / page, source / page)
        _run([str(pagefind), "--site", str(source), "--output-path", str(output), "--silent"], cancelled)
        files = sorted(path for path in output.rglob("*") if path.is_file())
        return [(path.relative_to(output).as_posix(), path.read_bytes()) for path in files]


def _scratch(site: Path) -> tempfile.TemporaryDirectory[str]:
    """A folder beside the site if it can be (links to its pages then need no copies), named
    as the writer's staging folders are, so that one a killed build left is removed with them."""
    try:
        return tempfile.TemporaryDirectory(prefix=f".{site.name}.rassegna-new-search-", dir=site.parent)
    except OSError:
        return tempfile.TemporaryDirectory(prefix="rassegna-search-")


def _link(page: Path, link: Path) -> None:
    link.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(page, link)
    except OSError:  # another file system, or one without links
        shutil.copyfile(page, link)


def _run(command: list[str], cancelled: Callable[[], bool]) -> None:
    with tempfile.TemporaryFile() as log:  # not a pipe: nobody reads it while Pagefind runs
        try:
            run = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        except OSError as exc:
            raise SearchError(f"cannot run {command[0]}: {exc.strerror or exc}") from None
        while run.poll() is None:
            if cancelled():
                run.kill()
                run.wait()
                raise Cancelled()
            time.sleep(POLL_SECONDS)
        log.seek(0)
        words = log.read().decode("utf-8", "replace").strip().splitlines()
    if run.returncode != 0:
        raise SearchError(" ".join(words[-3:]) or f"{command[0]} exited with status {run.returncode}")

"""Shared fixtures: projects written from dicts, the shipped site built once per session."""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import textwrap
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

import pytest

from generator.build import BuildOptions, BuildResult, build

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
CORPORA = SHARED / "corpora"
ARTIFACTS = REPO / "test-artifacts"

MakeProject = Callable[[dict[str, str]], Path]


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Write {relative path: text} under root; text is dedented so tests can indent it."""
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


@pytest.fixture
def make_project(tmp_path: Path) -> MakeProject:
    """A content directory from a dict; 'site.yml' gets a default unless given."""

    def make(files: dict[str, str]) -> Path:
        content = tmp_path / "content"
        files = {"site.yml": "title: Test\nlanguage: en\n", **files}
        return write_tree(content, files)

    return make


def site_tree(root: Path) -> dict[str, bytes]:
    """Every file of a built site with its bytes; the marker without its build stamp, which is
    different in every build; not the search index, which Pagefind makes differently from run
    to run (https://github.com/Pagefind/pagefind/issues/638), and which the server makes after
    its rebuilds (tests/test_search.py checks it)."""
    files = {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.relative_to(root).as_posix().startswith("pagefind/")
    }
    marker = files[".rassegna"].splitlines(keepends=True)
    files[".rassegna"] = b"".join(line for line in marker if not line.startswith(b"build "))
    return files


def build_project(content: Path, **options: object) -> BuildResult:
    """Build in this process by default: tests/test_parallel.py covers the worker processes."""
    options.setdefault("jobs", 1)
    options.setdefault("templates", REPO / "templates")
    out = options.pop("out", content.parent / "site")
    return build(BuildOptions(content=content, out=out, **options))  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def shipped_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("shipped") / "site"
    build(BuildOptions(content=REPO / "content", out=out, templates=REPO / "templates"))
    return out


PROJECT_SITE = "https://example.github.io/archive/"  # a GitHub project site: every link under /archive/


@pytest.fixture(scope="session")
def project_site_build(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], tuple[BuildResult, Path]]:
    """An archive built for PROJECT_SITE, once per session: the corpora are large, and both the
    link check and the crawl test read the same build."""
    builds: dict[Path, tuple[BuildResult, Path]] = {}

    def built(content: Path) -> tuple[BuildResult, Path]:
        if content not in builds:
            out = tmp_path_factory.mktemp("project-site") / "archive"
            builds[content] = (build_project(content, out=out, base_url=PROJECT_SITE, jobs=2), out)
        return builds[content]

    return built


def copy_content(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


CHROMIUM = Path("/usr/bin/chromium")
_browser_skips: list[str] = []


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    """Headless Chromium via Playwright; skipped with a notice when missing, a failure in CI."""
    reason = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = "playwright is not installed (pip install -e '.[test]')"
    if reason is None and not CHROMIUM.exists():
        reason = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    if reason is not None:
        missing(reason)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        yield launched
        launched.close()


def missing(reason: str) -> NoReturn:
    """A browser test cannot run here: skipped with a notice at the end, a failure in CI."""
    if os.environ.get("CI"):
        pytest.fail(f"browser tests must run in CI: {reason}")
    _browser_skips.append(reason)
    pytest.skip(reason)


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    if _browser_skips:
        terminalreporter.write_sep("!", "BROWSER TESTS SKIPPED", yellow=True, bold=True)
        terminalreporter.write_line(f"{_browser_skips[0]}; the browser tests did not run.")


@contextlib.contextmanager
def serve_directory(root: Path) -> Iterator[str]:
    """A static HTTP server on 127.0.0.1 for `root`; yields its origin."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

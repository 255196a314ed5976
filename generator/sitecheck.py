"""Check a built site as GitHub Pages would publish it: every internal link and #fragment
resolves, every image has alternative text, no two paths differ only in case, and no file
or total is over GitHub Pages' limits."""

from __future__ import annotations

import bisect
import html
import os
import re
import stat
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from generator.errors import Diagnostics

MB = 1024 * 1024
FILE_WARNING = 50 * MB  # git warns above this, and GitHub refuses files over 100 MB
FILE_LIMIT = 100 * MB
SITE_LIMIT = 1024 * MB  # a published GitHub Pages site may be no larger than 1 GB


@dataclass(frozen=True)
class BrokenLink:
    page: str  # output file, relative to the site root
    href: str
    reason: str
    line: int = 0

    def __str__(self) -> str:
        return f"{self.page}: broken link {self.href}: {self.reason}"


@dataclass
class _Scanner:
    links: list[tuple[str, int]]  # href or src, line
    ids: set[str]
    images: list[tuple[str, int]]  # src of an <img> without alt text, line


def check_site(site: Path, base_path: str, diagnostics: Diagnostics) -> int:
    """Report the site's problems as diagnostics on its files; the number of files checked."""
    sizes = _file_sizes(site, diagnostics)
    pages = _scan_pages(site, sizes)
    for link in _broken_links(pages, set(sizes), base_path):
        diagnostics.error(site / link.page, link.line, f"broken link '{link.href}': {link.reason}")
    for page, (src, line) in ((page, image) for page, scanner in pages.items() for image in scanner.images):
        diagnostics.warning(
            site / page, line, f"image '{src}' has no alt text: describe it (alt=\"...\", or ![what it shows](...))"
        )
    for first, other in _case_twins(sizes):
        diagnostics.error(
            site / other,
            0,
            f"differs from {first} only in case or accents: on macOS and Windows one replaces the other; rename one",
        )
    _check_sizes(site, sizes, diagnostics)
    return len(sizes)


def check_links(site: Path, base_path: str = "/") -> list[BrokenLink]:
    """Every internal href/src of every HTML page, as a browser at `base_path` would follow it."""
    files = _file_sizes(site)
    return _broken_links(_scan_pages(site, files), set(files), base_path)


def _scan_pages(site: Path, files: dict[str, int]) -> dict[str, _Scanner]:
    return {name: _scan(site / name) for name in sorted(files) if name.endswith(".html")}


def _broken_links(pages: dict[str, _Scanner], files: set[str], base_path: str) -> list[BrokenLink]:
    checker = _Follower(files, pages, base_path)
    broken = []
    for page, scanner in pages.items():
        page_url = base_path + (page[: -len("index.html")] if page.endswith("index.html") else page)
        for href, line in scanner.links:
            problem = checker.follow(page_url, href)
            if problem:
                broken.append(BrokenLink(page, href, problem, line))
    return broken


def _file_sizes(site: Path, diagnostics: Diagnostics | None = None) -> dict[str, int]:
    """Every file GitHub Pages would publish (hidden ones are left out of the upload), by size;
    what cannot be published is reported."""
    sizes = {}
    for folder, folders, names in os.walk(site):
        folders[:] = [name for name in folders if not name.startswith(".")]
        for name in names:
            path = Path(folder, name)
            if name.startswith("."):
                continue
            try:
                status = path.stat()
            except OSError as exc:
                if diagnostics is not None:
                    diagnostics.error(path, 0, f"cannot be read ({exc.strerror}): a broken link? remove it")
                continue
            if stat.S_ISREG(status.st_mode):
                sizes[path.relative_to(site).as_posix()] = status.st_size
            elif diagnostics is not None:
                diagnostics.error(path, 0, "is not a regular file: remove it")
    return sizes


# What a browser does not follow: comments, and a script's code (its own tag may have a src).
_UNREAD_RE = re.compile(r"<!--.*?-->|(<script\b[^>]*>).*?</script>", re.S | re.I)
_TAG_RE = re.compile(
    r"<([a-zA-Z][a-zA-Z0-9]*)(?=[^>]*\s(?:href|src|id|name)\s*=)[^>]*>", re.I
)  # tags that link or are linked to
_ATTR_IN_TAG_RE = re.compile(
    r"""\s(href|src|id|name|alt|role|aria-hidden)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""", re.I
)  # the attributes these checks read
_NEWLINE_RE = re.compile("\n")
_NO_ALT_NEEDED = {("role", "presentation"), ("role", "none"), ("aria-hidden", "true")}


def _blanked(unread: re.Match[str]) -> str:
    """A comment, or a script's code after its attributes, as its line breaks only."""
    kept = unread.group(1) or ""  # the script's own tag
    return kept + "\n" * unread.group().count("\n", len(kept))


def _scan(path: Path) -> _Scanner:
    scanner = _Scanner([], set(), [])
    text = path.read_text(encoding="utf-8", errors="replace")
    text = _UNREAD_RE.sub(_blanked, text)
    newlines = [newline.start() for newline in _NEWLINE_RE.finditer(text)]
    for tag in _TAG_RE.finditer(text):
        attrs = {name.lower(): html.unescape(next((v for v in values if v), "")) for name, *values in
                 _ATTR_IN_TAG_RE.findall(tag.group())}  # fmt: skip
        line = bisect.bisect(newlines, tag.start()) + 1
        if "id" in attrs:
            scanner.ids.add(attrs["id"])
        if "name" in attrs and tag.group(1).lower() == "a":
            scanner.ids.add(attrs["name"])  # an old-style anchor
        scanner.links += [(attrs[name], line) for name in ("href", "src") if name in attrs]
        if tag.group(1).lower() == "img" and not attrs.get("alt", "").strip() and not _NO_ALT_NEEDED & attrs.items():
            scanner.images.append((attrs.get("src", ""), line))
    return scanner


def _case_twins(sizes: dict[str, int]) -> list[tuple[str, str]]:
    """Paths that name the same file where names ignore case and Unicode normalisation."""
    groups: dict[str, list[str]] = defaultdict(list)
    for path in sorted(sizes):
        groups[unicodedata.normalize("NFC", path).casefold()].append(path)
    return [(group[0], other) for group in groups.values() for other in group[1:]]


def _check_sizes(site: Path, sizes: dict[str, int], diagnostics: Diagnostics) -> None:
    for path, size in sorted(sizes.items()):
        if size > FILE_LIMIT:
            diagnostics.error(site / path, 0, f"{size / MB:.1f} MB: GitHub refuses files over 100 MB; make it smaller")
        elif size > FILE_WARNING:
            diagnostics.warning(site / path, 0, f"{size / MB:.1f} MB: over the 50 MB GitHub advises; make it smaller")
    total = sum(sizes.values())
    if total > SITE_LIMIT:
        diagnostics.error(
            site,
            0,
            f"the site is {total / MB:,.0f} MB: GitHub Pages publishes at most 1 GB; move large files elsewhere",
        )


class _Follower:
    def __init__(self, files: set[str], pages: dict[str, _Scanner], base_path: str) -> None:
        self.files, self.pages, self.base_path = files, pages, base_path
        self.seen: dict[str, str | None] = {}

    def follow(self, page_url: str, href: str) -> str | None:
        if _EXTERNAL_RE.match(href):
            return None
        url = href if href.startswith("/") else urljoin(page_url, href)
        if url not in self.seen:
            self.seen[url] = self._check(url)
        return self.seen[url]

    def _check(self, url: str) -> str | None:
        target = urlsplit(url)
        path = unquote(target.path)
        if not path.startswith(self.base_path):
            return f"points outside the site's base path {self.base_path}"
        relative = path[len(self.base_path) :]
        if relative == "" or relative.endswith("/"):
            relative += "index.html"
        if relative not in self.files:
            if relative + "/index.html" in self.files:
                return "points at a directory without its trailing '/'"
            return f"no file {relative}"
        fragment = unquote(target.fragment)
        if fragment:
            scanner = self.pages.get(relative)
            if scanner is None:
                return f"#{fragment} in a file that is not an HTML page"
            if fragment not in scanner.ids and fragment.lower() != "top":  # '#top' is the page's top
                return f"no element with id '{fragment}' in {relative}"
        return None


# A scheme ('https:', 'mailto:', 'data:') or a protocol-relative '//host': not ours to check.
_EXTERNAL_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*:|//)")

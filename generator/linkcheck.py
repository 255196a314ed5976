"""Check a built site: every internal link and #fragment resolves to a file and an id."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit


@dataclass(frozen=True)
class BrokenLink:
    page: str  # output file, relative to the site root
    href: str
    reason: str

    def __str__(self) -> str:
        return f"{self.page}: broken link {self.href}: {self.reason}"


_SCRIPT_RE = re.compile(r"<script\b.*?</script>", re.S | re.I)
_TAG_RE = re.compile(r"<[a-zA-Z][^>]*>")
_ATTR_IN_TAG_RE = re.compile(r"""\s(href|src|id)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""")


@dataclass
class _Scanner:
    links: list[str]
    ids: set[str]


def check_links(site: Path, base_path: str = "/") -> list[BrokenLink]:
    """Every internal href/src of every HTML page, as a browser at `base_path` would follow it."""
    files = {path.relative_to(site).as_posix() for path in site.rglob("*") if path.is_file()}
    pages = {name: _scan(site / name) for name in sorted(files) if name.endswith(".html")}
    checker = _Follower(files, pages, base_path)
    broken = []
    for page, scanner in pages.items():
        page_url = base_path + (page[: -len("index.html")] if page.endswith("index.html") else page)
        for href in scanner.links:
            problem = checker.follow(page_url, href)
            if problem:
                broken.append(BrokenLink(page, href, problem))
    return broken


def _scan(path: Path) -> _Scanner:
    scanner = _Scanner([], set())
    text = _SCRIPT_RE.sub("", path.read_text(encoding="utf-8"))
    for tag in _TAG_RE.finditer(text):
        for name, *values in _ATTR_IN_TAG_RE.findall(tag.group()):
            value = html.unescape(next((v for v in values if v), ""))
            if name == "id":
                scanner.ids.add(value)
            else:
                scanner.links.append(value)
    return scanner


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
            if fragment not in scanner.ids:
                return f"no element with id '{fragment}' in {relative}"
        return None


# A scheme ('https:', 'mailto:', 'data:') or a protocol-relative '//host': not ours to check.
_EXTERNAL_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*:|//)")

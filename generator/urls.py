"""The URL scheme in one place: every page's path, the base_url prefix, URL -> output file."""

from __future__ import annotations

import functools
import html
import re
import uuid
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

_PLAIN = re.compile(r"[a-z0-9/#._-]*")


@dataclass(frozen=True)
class Urls:
    """Site paths are relative to the site root ('articles/x/'); URLs carry the base path."""

    base_url: str  # normalised: ends with '/'

    @functools.cached_property
    def base_path(self) -> str:
        path = urlsplit(self.base_url).path or "/"
        return path if path.endswith("/") else path + "/"

    @property
    def origin(self) -> str | None:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None

    def url(self, path: str) -> str:
        """Root-relative URL of a site path: works at any depth, including from 404.html."""
        if _PLAIN.fullmatch(path):  # slugs: nothing to quote, and the common case by far
            return self.base_path + path
        return self.base_path + quote(path, safe="/#:@!$&'()*+,;=-._~")

    def absolute(self, path: str) -> str | None:
        origin = self.origin
        return origin + self.url(path) if origin else None

    def iri(self, path: str, site_title: str) -> str:
        """An absolute identifier for a page (Atom ids, annotation ids): its URL when the
        base URL has a host, otherwise a stable URN made from the site title and path."""
        return self.absolute(path) or uuid.uuid5(uuid.NAMESPACE_URL, f"rassegna:{site_title}:{path}").urn

    @staticmethod
    def file_for(path: str) -> str:
        """The output file that serves a site path: pretty URLs are directories."""
        return path + "index.html" if path == "" or path.endswith("/") else path


def paged(path: str, page: int) -> str:
    return path if page == 1 else f"{path}page/{page}/"


def home(page: int = 1) -> str:
    return paged("", page)


def article(slug: str) -> str:
    return f"articles/{slug}/"


def entities() -> str:
    return "entities/"


def archive_map() -> str:
    return "map/"


def entity(entity_id: str, page: int = 1) -> str:
    return paged(f"entities/{entity_id}/", page)


def entity_feed(entity_id: str) -> str:
    return f"entities/{entity_id}/feed.xml"


def tags() -> str:
    return "tags/"


def tag(slug: str, page: int = 1) -> str:
    return paged(f"tags/{slug}/", page)


def tag_feed(slug: str) -> str:
    return f"tags/{slug}/feed.xml"


def year(value: int, page: int = 1) -> str:
    return paged(f"{value:04d}/", page)


def month(year: int, month: int, page: int = 1) -> str:
    return paged(f"{year:04d}/{month:02d}/", page)


def search() -> str:
    return "search/"


_OLD_SEGMENT = re.compile(r"[A-Za-z0-9._~-]+")


def moved_from(text: str) -> str | None:
    """An old address of a page, as `aliases:` gives it ('/old/path/', '/old.html', under the
    site's base path), as a site path ('old/path/', 'old.html'); None if it is not one."""
    if not text.startswith("/") or text.startswith("//"):
        return None
    path = text[1:]
    if path and not path.endswith("/") and not path.endswith((".html", ".htm")):
        path += "/"
    segments = path.removesuffix("/").split("/")
    if not path or any(s in (".", "..") or not _OLD_SEGMENT.fullmatch(s) for s in segments):
        return None
    return path


def annotation_page(slug: str) -> str:
    return f"articles/{slug}/annotations.jsonld"


ANNOTATIONS = "annotations.jsonld"
FEED = "feed.xml"
SITEMAP = "sitemap.xml"


def sitemap_part(number: int) -> str:
    """One of the sitemaps that sitemap.xml indexes, when the site has too many URLs for one."""
    return f"sitemap-{number}.xml"


NOT_FOUND = "404.html"
STYLESHEET = "assets/style.css"
FAVICON = "assets/favicon.svg"


# Schemes a link may never have, whatever it is shown in (pages, feeds, JSON-LD, exports):
# script runs from them. data: only for images.
_UNSAFE_SCHEMES = ("javascript:", "vbscript:", "livescript:", "file:", "data:")
_SAFE_DATA = re.compile(r"data:image/(?:gif|png|jpeg|webp);", re.IGNORECASE)
_INVISIBLE = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]+")


def is_safe_link(url: str) -> bool:
    """False for a link whose scheme could run script, however it is disguised: entities
    decoded (`&#9;`), percent-escapes undone (`%09`), white space and control characters
    removed (`jav\\tascript:`), any case."""
    plain = html.unescape(unquote(html.unescape(url)))
    squeezed = _INVISIBLE.sub("", plain).lower()
    if squeezed.startswith("data:"):
        return _SAFE_DATA.match(squeezed) is not None
    return not squeezed.startswith(_UNSAFE_SCHEMES)

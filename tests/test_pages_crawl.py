"""The built site works on GitHub Pages: served under /archive/ by a server in this file that
answers as GitHub Pages does, every page is reachable from the home page, no link, asset or
#fragment is broken, and the 404 page keeps its stylesheet at any depth.

The server is written here, independently of generator/serve.py: the site is checked against
GitHub Pages' rules, not against our own server. Those rules: the site lives under /archive/
and nothing else is served; `/dir` is redirected (301) to `/dir/`, which serves
`dir/index.html`; paths are case-sensitive; anything missing, at any depth, is a 404 with the
body of the site's 404.html. (GitHub Pages also serves `/page` from `page.html`; the generator
never links that way, so that leniency is left out and such a link counts as broken.)

The crawler starts at the home page, follows every same-host href/src/srcset of the HTML pages
and every url(...) of the stylesheets, and does not follow redirects: a link that only works
through a 301 is a flaw.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import http.server
import mimetypes
import multiprocessing
import os
import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar, NamedTuple
from urllib.parse import unquote, urldefrag, urljoin, urlsplit, urlunsplit

import pytest

from generator.build import BuildResult
from tests.conftest import CORPORA, PROJECT_SITE, REPO, write_tree

PUBLIC = PROJECT_SITE
BASE = "/archive/"
WORKERS = 4  # processes: parsing HTML is most of the crawl's time and holds the GIL
CHUNK = 16  # URLs sent to a worker at once
SHOWN = 20  # problems listed in a failure message

CORPUS_DIRS = sorted(path.parent for path in CORPORA.glob("*/content/site.yml")) if CORPORA.is_dir() else []
ARCHIVES = [
    pytest.param(REPO / "content", id="shipped"),
    *(pytest.param(path, id=path.parent.name, marks=pytest.mark.corpora) for path in CORPUS_DIRS),
]
if not CORPUS_DIRS:  # say so in the summary rather than dropping the corpora silently
    ARCHIVES.append(
        pytest.param(
            None, id="corpora", marks=[pytest.mark.corpora, pytest.mark.skip(reason=f"no corpora in {CORPORA}")]
        )
    )


# --- a server that answers like GitHub Pages ------------------------------------------------

TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "application/javascript; charset=utf-8",
    ".xml": "application/xml",
    ".json": "application/json",
    ".jsonld": "application/ld+json",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
}


@dataclass
class GitHubPages:
    """Where a request path leads in a site published at `base`."""

    root: Path
    base: str = BASE
    listings: dict[Path, frozenset[str]] = field(default_factory=dict)

    def locate(self, request_path: str) -> tuple[int, Path | str | None]:
        """(200, file), (301, location) or (404, None)."""
        path = urlsplit(request_path).path
        if path == self.base.rstrip("/"):
            return 301, self.base
        if not path.startswith(self.base):
            return 404, None
        *folders, name = unquote(path[len(self.base) :]).split("/")
        directory: Path | None = self.root
        for folder in folders:
            directory = self.child(directory, folder)
            if directory is None or not directory.is_dir():
                return 404, None
        assert directory is not None
        target = self.child(directory, name or "index.html")
        if target is not None and target.is_dir():
            # only a folder with an index is a page; GitHub Pages 404s the others
            return (301, path + "/") if self.child(target, "index.html") else (404, None)
        if target is None or not target.is_file():
            return 404, None
        return 200, target

    def child(self, directory: Path | None, name: str) -> Path | None:
        """The entry `name` of `directory`, matched exactly: case-sensitive on any filesystem,
        and never '', '.' or '..'."""
        if directory is None or name in ("", ".", ".."):
            return None
        if directory not in self.listings:  # the site does not change while served
            self.listings[directory] = frozenset(os.listdir(directory))
        return directory / name if name in self.listings[directory] else None


class _PagesHandler(http.server.BaseHTTPRequestHandler):
    pages: ClassVar[GitHubPages]
    protocol_version = "HTTP/1.1"  # connections kept alive, as GitHub Pages keeps them
    disable_nagle_algorithm = True  # else each kept-alive response waits for a delayed ACK

    def do_GET(self) -> None:
        self.respond(with_body=True)

    def do_HEAD(self) -> None:
        self.respond(with_body=False)

    def respond(self, with_body: bool) -> None:
        status, target = self.pages.locate(self.path)
        headers = {"Content-Type": "text/html; charset=utf-8"}
        if status == 200:
            assert isinstance(target, Path)
            body = target.read_bytes()
            headers["Content-Type"] = content_type(target)
        elif status == 301:
            assert isinstance(target, str)
            body, headers["Location"] = b"", target
        else:
            not_found = self.pages.root / "404.html"
            body = not_found.read_bytes() if not_found.is_file() else b"<h1>404</h1>"
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def content_type(path: Path) -> str:
    return TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


class _Server(http.server.ThreadingHTTPServer):
    request_queue_size = 64  # the crawler's workers connect at once


@contextlib.contextmanager
def github_pages(root: Path, base: str = BASE) -> Iterator[str]:
    """Serve `root` at `base` on 127.0.0.1; yields the origin, 'http://127.0.0.1:PORT'."""
    handler = type("Handler", (_PagesHandler,), {"pages": GitHubPages(root, base)})
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield origin
    finally:
        disconnect(origin)
        server.shutdown()
        server.server_close()


# --- fetching, without following redirects --------------------------------------------------


@dataclass(frozen=True)
class Response:
    status: int
    content_type: str  # without parameters: 'text/html'
    location: str | None
    body: bytes


class _Connections(threading.local):
    def __init__(self) -> None:
        self.open: dict[str, http.client.HTTPConnection] = {}  # by 'host:port'


_connections = _Connections()


def fetch(url: str) -> Response:
    """GET `url` over one kept-alive connection per thread and server: a new connection for
    every request, as urllib opens, makes each request three times slower. http.client never
    follows a redirect: a 301 comes back to be judged."""
    parts = urlsplit(url)
    connection = _connections.open.get(parts.netloc)
    if connection is None:
        connection = _connections.open[parts.netloc] = http.client.HTTPConnection(parts.netloc, timeout=30)
    connection.request("GET", urlunsplit(("", "", parts.path, parts.query, "")))
    response = connection.getresponse()
    body = response.read()
    content_type = response.headers.get_content_type()
    return Response(response.status, content_type, response.headers.get("Location"), body)


def disconnect(origin: str) -> None:
    """Close this thread's connection to `origin`, which would keep a server thread waiting."""
    connection = _connections.open.pop(urlsplit(origin).netloc, None)
    if connection is not None:
        connection.close()


# --- reading pages and stylesheets ----------------------------------------------------------

LINK_TAGS = {"a", "area", "link", "script", "img", "source", "iframe", "video", "audio", "track"}
LINK_ATTRIBUTES = ("href", "src", "poster")


class Link(NamedTuple):  # a tuple: hundreds of thousands cross from the worker processes
    text: str  # as written in the page
    url: str  # resolved, fragment included
    stylesheet: bool = False  # must be served as text/css, or browsers ignore it


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, bool]] = []  # (attribute value, is a stylesheet)
        self.ids: set[str] = set()
        self.base: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value for name, value in attrs if value is not None}
        if "id" in values:
            self.ids.add(values["id"])
        if tag == "a" and "name" in values:
            self.ids.add(values["name"])
        if tag == "base" and "href" in values and self.base is None:
            self.base = values["href"]
        if tag == "form" and "action" in values:  # a search box leads to the search page
            self.links.append((values["action"], False))
        if tag not in LINK_TAGS:
            return
        stylesheet = tag == "link" and "stylesheet" in values.get("rel", "").lower().split()
        self.links += [(values[name], stylesheet) for name in LINK_ATTRIBUTES if name in values]
        if "srcset" in values:  # 'a.png 1x, b.png 2x': the URL is each candidate's first word
            self.links += [(c.split()[0], False) for c in values["srcset"].split(",") if c.strip()]


@dataclass(frozen=True)
class Page:
    """A parsed HTML page: its links, resolved against its URL (or its <base>), and its anchors."""

    links: tuple[Link, ...]
    ids: frozenset[str]


def parse_page(url: str, body: bytes) -> Page:
    parser = _PageParser()
    parser.feed(body.decode("utf-8", errors="replace"))
    parser.close()
    base = urljoin(url, parser.base) if parser.base else url
    links = (Link(text, resolve(base, text), css) for text, css in dict.fromkeys(parser.links))
    return Page(tuple(links), frozenset(parser.ids))


def resolve(base: str, text: str) -> str:
    """urljoin(base, text), as a browser resolves a link. The root-relative links are the same
    on every page: those are resolved once, against the origin alone."""
    text = text.strip()
    if text.startswith("/") and not text.startswith("//"):
        origin = "/".join(base.split("/", 3)[:3])  # 'http://127.0.0.1:PORT'
        return _join(origin, text)
    return urljoin(base, text)


@functools.lru_cache(maxsize=1 << 16)
def _join(base: str, text: str) -> str:
    return urljoin(base, text)


CSS_URL_RE = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)|@import\s+(?:"([^"]*)"|'([^']*)')""")


def css_links(url: str, body: bytes) -> tuple[Link, ...]:
    texts = ("".join(groups) for groups in CSS_URL_RE.findall(body.decode("utf-8", errors="replace")))
    return tuple(dict.fromkeys(Link(text, resolve(url, text)) for text in texts if text.strip()))


# --- the crawl ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Visit:
    status: int
    content_type: str
    location: str | None
    page: Page | None  # an HTML page that answered 200
    links: tuple[Link, ...]  # a page's links, a stylesheet's url(...)s


@dataclass(frozen=True)
class Problem:
    page: str
    link: str
    problem: str

    def __str__(self) -> str:
        return f"{self.page}: {self.link}: {self.problem}"


@dataclass
class Crawl:
    visits: dict[str, Visit]  # every URL fetched, without its fragment
    problems: list[Problem]

    def pages(self) -> set[str]:
        """The paths of the HTML pages reached."""
        return {urlsplit(url).path for url, seen in self.visits.items() if seen.page is not None}


def visit(url: str) -> Visit:
    response = fetch(url)
    page = None
    links: tuple[Link, ...] = ()
    if response.status == 200 and response.content_type == "text/html":
        page = parse_page(url, response.body)
        links = page.links
    elif response.status == 200 and response.content_type == "text/css":
        links = css_links(url, response.body)
    return Visit(response.status, response.content_type, response.location, page, links)


def crawl(origin: str, start: str = BASE, public: str | None = PUBLIC) -> Crawl:
    """Fetch everything reachable from `start`, breadth first, then judge every link. Links
    to `public` (the site's address on GitHub, as in <link rel="canonical">) are checked here."""
    internal = Internal(origin, public)
    visits: dict[str, Visit] = {}
    wave = [origin + start]
    # spawned, not forked: a forked worker would inherit the server's threads and locks
    with ProcessPoolExecutor(WORKERS, mp_context=multiprocessing.get_context("spawn")) as pool:
        while wave:
            visits.update(zip(wave, pool.map(visit, wave, chunksize=CHUNK), strict=True))
            targets = (internal.target(link.url) for url in wave for link in visits[url].links)
            wave = list(dict.fromkeys(t[0] for t in targets if t is not None and t[0] not in visits))
    problems = [problem for url, seen in visits.items() for problem in judge(url, seen, visits, internal)]
    home = visits[origin + start]
    if home.page is None:
        problems.insert(0, Problem("(start)", start, f"not an HTML page: HTTP {home.status} {home.content_type}"))
    return Crawl(visits, problems)


@dataclass
class Internal:
    """Which links are ours: those to the served origin, and those to the public address."""

    origin: str
    public: str | None
    known: dict[str, tuple[str, str] | None] = field(default_factory=dict)

    def target(self, url: str) -> tuple[str, str] | None:
        """(the URL to fetch from the test server, the #fragment) for a link of ours; None for
        another site, data:, mailto:... Remembered: the same links come back page after page."""
        if url not in self.known:
            self.known[url] = self.find(url)
        return self.known[url]

    def find(self, url: str) -> tuple[str, str] | None:
        if self.public and url.startswith(self.public):
            url = self.origin + BASE + url[len(self.public) :]
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != self.origin:
            return None
        return urldefrag(url).url, unquote(parts.fragment)


def judge(url: str, seen: Visit, visits: dict[str, Visit], internal: Internal) -> Iterator[Problem]:
    """The problems of the links of one fetched page or stylesheet."""
    page = urlsplit(url).path
    for link in seen.links:
        found = internal.target(link.url)
        if found is None:
            continue
        target_url, fragment = found
        target = visits[target_url]
        if target.status != 200:
            moved = f" to {target.location}" if target.location else ""
            yield Problem(page, link.text, f"HTTP {target.status}{moved}")
        elif link.stylesheet and target.content_type != "text/css":
            yield Problem(page, link.text, f"stylesheet served as {target.content_type}")
        elif fragment and target.page is None:
            yield Problem(page, link.text, f"#{fragment} in a {target.content_type} file")
        elif fragment and target.page is not None and fragment not in target.page.ids:
            yield Problem(page, link.text, f"no element with id '{fragment}'")


def html_pages(site: Path, base: str = BASE) -> set[str]:
    """The URL path of every HTML file of a built site but 404.html, which no page links to."""
    paths = {path.relative_to(site).as_posix() for path in site.rglob("*.html")} - {"404.html"}
    return {base + re.sub(r"(^|/)index\.html$", r"\1", path) for path in paths}


def report(problems: list[Problem]) -> str:
    lines = [str(problem) for problem in problems[:SHOWN]]
    more = len(problems) - SHOWN
    return "\n".join(lines + ([f"... and {more} more"] if more > 0 else []))


# --- the archives ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Served:
    site: Path
    origin: str


@pytest.fixture(scope="module", params=ARCHIVES)
def served(
    request: pytest.FixtureRequest, project_site_build: Callable[[Path], tuple[BuildResult, Path]]
) -> Iterator[Served]:
    """An archive built with --base-url https://example.github.io/archive/, served at /archive/."""
    result, out = project_site_build(request.param)
    assert [d for d in result.diagnostics if d.level == "error"] == []
    with github_pages(out) as origin:
        yield Served(out, origin)


def test_every_page_is_reachable_and_no_link_is_broken(served: Served) -> None:
    result = crawl(served.origin)
    assert result.problems == [], f"{len(result.problems)} broken links:\n{report(result.problems)}"
    unreached = sorted(html_pages(served.site) - result.pages())
    assert unreached == [], f"{len(unreached)} pages no link leads to: {unreached[:SHOWN]}"


def test_missing_pages_get_the_404_page_with_its_stylesheet(served: Served) -> None:
    not_found = (served.site / "404.html").read_bytes()
    article = min(path.name for path in (served.site / "articles").iterdir())
    missing = [
        "no/such/deep/page/",
        "missing.html",
        "ARTICLES/",  # a real folder in another case
        f"articles/{article.upper()}/",
        f"articles/{article}/index.HTML",
    ]
    for path in missing:
        url = served.origin + BASE + path
        response = fetch(url)
        assert (response.status, response.body) == (404, not_found), url
        # as a browser would: the 404 page's links resolved against the URL that was asked for
        page = parse_page(url, response.body)
        stylesheets = [link for link in page.links if link.stylesheet]
        assert stylesheets, "the 404 page has no stylesheet"
        for link in page.links:
            target = urldefrag(link.url).url
            if target.startswith(served.origin) and target != url:  # '#content' stays on this page
                asset = fetch(target)
                assert asset.status == 200, (url, link)
                assert not link.stylesheet or asset.content_type == "text/css", (url, link, asset.content_type)


def test_folders_without_their_slash_are_redirected_and_the_rest_is_not_served(served: Served) -> None:
    article = min(path.name for path in (served.site / "articles").iterdir())
    for path in ["/archive", "/archive/entities", f"/archive/articles/{article}"]:
        response = fetch(served.origin + path)
        assert (response.status, response.location) == (301, path + "/")
    for path in ["/", "/index.html", "/assets/style.css", "/archive-other/"]:
        assert fetch(served.origin + path).status == 404, path


# --- the crawler itself ---------------------------------------------------------------------


def test_the_crawler_finds_what_is_broken(tmp_path: Path) -> None:
    """A small site with one flaw of each kind, and a page no link leads to."""
    site = write_tree(
        tmp_path / "archive",
        {
            "index.html": """
                <link rel="stylesheet" href="/archive/style.css">
                <link rel="canonical" href="https://example.github.io/archive/">
                <a href="#top" id="top">top</a> <a href="mailto:x@example.com">mail</a>
                <a href="a/">a</a> <a href="a/#here">here</a> <a href="a/#named">named</a> <a href="a/#gone">gone</a>
                <a href="missing/">missing</a> <a href="/archive/a">a without its slash</a>
                <img src="a/pic.png" srcset="a/pic.png 1x, a/pic@2x.png 2x">
            """,
            "a/index.html": '<p id="here">here</p><a href="../">home</a><a name="named"></a>',
            "a/pic.png": "png",
            "style.css": "body { background: url('a/pic.png'); } h1 { background: url(gone.png) }",
            "orphan/index.html": "nobody links here",
            "404.html": "not found",
        },
    )
    with github_pages(site) as origin:
        result = crawl(origin)
    assert [str(problem) for problem in result.problems] == [
        "/archive/: a/#gone: no element with id 'gone'",
        "/archive/: missing/: HTTP 404",
        "/archive/: /archive/a: HTTP 301 to /archive/a/",
        "/archive/: a/pic@2x.png: HTTP 404",
        "/archive/style.css: gone.png: HTTP 404",
    ]
    assert html_pages(site) - result.pages() == {"/archive/orphan/"}

"""`rassegna serve`: the site and nothing outside it, under its base path, the way GitHub Pages
answers; HEAD and ranges; a server that survives broken clients; the live-reload script only in
served HTML; the event stream; the command line from start to Ctrl-C.

The server runs in a thread on 127.0.0.1, port 0, over the shipped archive built under
https://example.github.io/archive/. Requests that must reach the server as written ('..',
backslashes, NUL bytes, garbage) go through a raw socket.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import os
import queue
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from generator.build import BuildOptions
from generator.serve import EVENTS_PATH, Preview, Reloader, SiteServer, byte_range, locate, with_client
from tests.conftest import REPO, MakeProject, build_project, copy_content, site_tree

BASE_URL = "https://example.github.io/archive/"
BASE = "/archive/"
SLUG = "bytedance-caccia-esperti-ai"
SECRET = b"TOP SECRET: outside the site\n"
BIG = bytes(range(256)) * (8 * 4096)  # 8 MiB: more than the socket buffers hold
TIMEOUT = 5.0


# --- the site ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped archive built under /archive/, untouched."""
    out = tmp_path_factory.mktemp("built") / "archive"
    build_project(REPO / "content", out=out, base_url=BASE_URL)
    return out


@pytest.fixture(scope="module")
def root(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the built site to serve, with secrets beside it, symlinks in it and a big file.

    www/secret.txt                  outside the site
    www/archive-private/            outside, though its name starts with the site's
    www/archive/leak.txt            -> ../secret.txt
    www/archive/leak-abs.txt        -> /.../www/secret.txt
    www/archive/chain.txt           -> leak.txt
    www/archive/leak-dir            -> ../archive-private
    www/archive/assets/leak.css     -> ../../secret.txt
    www/archive/trap/index.html     -> ../../secret.txt (a folder whose index leaves the site)
    www/archive/alias.css           -> assets/style.css (inside: served)
    www/archive/alias-entities      -> entities (inside: served)
    www/archive/big.bin             8 MiB
    """
    www = tmp_path_factory.mktemp("www")
    site = www / "archive"
    shutil.copytree(built, site, symlinks=True)
    (www / "secret.txt").write_bytes(SECRET)
    private = www / "archive-private"
    private.mkdir()
    (private / "secret.txt").write_bytes(SECRET)
    (private / "index.html").write_bytes(b"<html><body>" + SECRET + b"</body></html>")
    (site / "leak.txt").symlink_to("../secret.txt")
    (site / "leak-abs.txt").symlink_to(www / "secret.txt")
    (site / "chain.txt").symlink_to("leak.txt")
    (site / "leak-dir").symlink_to("../archive-private", target_is_directory=True)
    (site / "assets" / "leak.css").symlink_to("../../secret.txt")
    (site / "trap").mkdir()
    (site / "trap" / "index.html").symlink_to("../../secret.txt")
    (site / "alias.css").symlink_to("assets/style.css")
    (site / "alias-entities").symlink_to("entities", target_is_directory=True)
    (site / "big.bin").write_bytes(BIG)
    return site


@dataclass
class Running:
    port: int
    reloader: Reloader


@contextlib.contextmanager
def running(root: Path, base_path: str = BASE, reloader: Reloader | None = None) -> Iterator[Running]:
    """A SiteServer in a thread on 127.0.0.1, port 0; stopped and closed afterwards."""
    reloader = reloader or Reloader()
    server = SiteServer(("127.0.0.1", 0), root, lambda: base_path, reloader)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Running(server.server_address[1], reloader)
    finally:
        reloader.stop()
        server.shutdown()
        server.server_close()
        thread.join(TIMEOUT)


@pytest.fixture(scope="module")
def server(root: Path) -> Iterator[Running]:
    with running(root) as serving:
        yield serving


@pytest.fixture
def events_server(root: Path) -> Iterator[Running]:
    """A server with a Reloader of its own: the events of one test never reach another."""
    with running(root) as serving:
        yield serving


# --- talking to it -----------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes


def parse(data: bytes) -> Response:
    """An HTTP/1.x response read to the end of the connection."""
    head, separator, body = data.partition(b"\r\n\r\n")
    assert separator, f"no complete response head in {data[:200]!r}"
    lines = head.decode("latin-1").split("\r\n")
    assert re.fullmatch(r"HTTP/1\.[01] \d{3}( .*)?", lines[0]), lines[0]
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Response(int(lines[0].split()[1]), headers, body)


def exchange(port: int, data: bytes, timeout: float = TIMEOUT) -> bytes:
    """Send `data` as it is and read until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def raw(port: int, target: str | bytes, method: str = "GET", headers: dict[str, str] | None = None) -> Response:
    """One request with the target sent byte for byte: no client normalises it."""
    if isinstance(target, str):
        target = target.encode("latin-1")
    lines = [method.encode() + b" " + target + b" HTTP/1.1", b"Host: 127.0.0.1", b"Connection: close"]
    lines += [f"{name}: {value}".encode() for name, value in (headers or {}).items()]
    return parse(exchange(port, b"\r\n".join(lines) + b"\r\n\r\n"))


def served(root: Path, relative: str) -> bytes:
    """What the server should send for a file of the site: HTML with the script (in English,
    SiteServer's default), the rest as is."""
    data = (root / relative).read_bytes()
    return with_client(data) if relative.endswith(".html") else data


def injected_script(body: bytes, original: bytes) -> bytes:
    """The script the server added to `original`: checks that `body` is `original` with one
    <script> element inserted just before its last </body>, and returns that element."""
    at = original.rfind(b"</body>")
    assert at >= 0
    added = len(body) - len(original)
    assert added > 0, "nothing was added"
    assert body[:at] == original[:at], "the page before </body> differs"
    assert body[at + added :] == original[at:], "the page from </body> on differs"
    script = body[at : at + added]
    assert script.startswith(b"<script>") and script.endswith(b"</script>\n"), script[:80]
    assert script.count(b"<script") == 1 and script.count(b"</script>") == 1
    return script


# --- 1. nothing outside the site ---------------------------------------------------------

REFUSED = [
    "/archive/../secret.txt",
    "/archive/%2e%2e/secret.txt",
    "/archive/%2E%2E/secret.txt",
    "/archive/..%2fsecret.txt",
    "/archive/%2e%2e%2fsecret.txt",
    "/archive/articles/../../secret.txt",
    "/archive/articles/%2e%2e/%2e%2e/secret.txt",
    "/archive/../archive-private/secret.txt",
    "/archive/%2e%2e%2farchive-private%2fsecret.txt",
    "/archive/..",
    "/archive/./index.html",
    "/../secret.txt",
    "/archive/..\\secret.txt",
    "/archive/%5c..%5csecret.txt",
    "/archive/..%5csecret.txt",
    "/archive/index.html%00",
    "/archive/%00/../secret.txt",
    "/archive/leak.txt%00.css",
]


@pytest.mark.parametrize("target", REFUSED)
def test_locate_refuses_dot_dot_backslashes_and_nul(root: Path, target: str) -> None:
    """'..' and '.' (plain or percent-encoded), backslashes and NUL bytes name no file: 403."""
    found = locate(root, BASE, target)
    assert (found.status, found.file, found.location) == (403, None, None)


@pytest.mark.parametrize(
    "target", ["/archive/leak.txt", "/archive/leak-abs.txt", "/archive/chain.txt", "/archive/assets/leak.css"]
)
def test_locate_refuses_file_symlinks_that_leave_the_site(root: Path, target: str) -> None:
    """A symlinked file whose target is outside the site (relative, absolute, chained): 403."""
    assert locate(root, BASE, target).status == 403


@pytest.mark.parametrize(
    "target", ["/archive/leak-dir", "/archive/leak-dir/", "/archive/leak-dir/secret.txt", "/archive/trap/"]
)
def test_locate_refuses_directory_symlinks_that_leave_the_site(root: Path, target: str) -> None:
    """A symlinked folder outside the site, even one whose name starts with the site's, or a
    folder whose index.html leaves it: 403."""
    assert locate(root, BASE, target).status == 403


def test_locate_follows_symlinks_that_stay_inside(root: Path) -> None:
    """Symlinks to a file or a folder of the site are followed."""
    assert locate(root, BASE, "/archive/alias.css").file == (root / "assets/style.css").resolve()
    assert locate(root, BASE, "/archive/alias-entities/").file == (root / "entities/index.html").resolve()
    found = locate(root, BASE, "/archive/alias-entities")
    assert (found.status, found.location) == (301, "/archive/alias-entities/")


def test_locate_maps_urls_to_files_github_pages_way(root: Path) -> None:
    """dir/ is dir/index.html, dir redirects, the query and fragment are ignored, missing is 404.html."""
    real = root.resolve()
    assert locate(root, BASE, "/archive/") == locate(root, BASE, "/archive/?page=2#top")
    assert locate(root, BASE, "/archive/").file == real / "index.html"
    assert locate(root, BASE, "/archive/entities/tiktok/").file == real / "entities/tiktok/index.html"
    assert locate(root, BASE, "/archive/assets/style.css?v=3").file == real / "assets/style.css"
    found = locate(root, BASE, f"/archive/articles/{SLUG}")
    assert (found.status, found.location) == (301, f"/archive/articles/{SLUG}/")
    for target in ("/", "/archive"):
        found = locate(root, BASE, target)
        assert (found.status, found.location) == (302, BASE)
    for target in ("/nope", "/archive/nope", "/archive/articles/", "/archive/%252e%252e/secret.txt"):
        found = locate(root, BASE, target)
        assert (found.status, found.file) == (404, root / "404.html"), target


def test_locate_without_a_404_page(tmp_path: Path) -> None:
    """A site without 404.html: a 404 with no file, never an error."""
    (tmp_path / "index.html").write_text("<html><body>home</body></html>")
    found = locate(tmp_path, "/", "/missing")
    assert (found.status, found.file) == (404, None)


def raw_targets() -> list[str | bytes]:
    """REFUSED, plus what only a raw request line can carry: a NUL byte and absolute-form URLs."""
    return [
        *REFUSED,
        b"/archive/\x00/../secret.txt",
        b"/archive/..\\..\\secret.txt",
        "http://127.0.0.1/archive/../secret.txt",
        "/archive/leak.txt",
        "/archive/leak-abs.txt",
        "/archive/chain.txt",
        "/archive/assets/leak.css",
        "/archive/leak-dir/",
        "/archive/leak-dir/secret.txt",
        "/archive/leak-dir/index.html",
        "/archive/trap/",
        "/archive/trap/index.html",
        "/archive-private/secret.txt",
        "/secret.txt",
    ]


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("target", raw_targets())
def test_the_server_never_sends_a_file_outside_the_site(server: Running, target: str | bytes, method: str) -> None:
    """Sent as written, each of these gets 403 or 404 and never the outside file's bytes."""
    response = raw(server.port, target, method)
    assert response.status in (403, 404)
    assert SECRET not in response.body
    if method == "HEAD":
        assert response.body == b""


def test_the_server_refuses_dot_dot_sent_by_http_client(server: Running) -> None:
    """http.client sends '..' as it is too: refused."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
    try:
        for target in ("/archive/../secret.txt", "/archive/articles/../../archive-private/secret.txt"):
            connection.request("GET", target)
            response = connection.getresponse()
            body = response.read()
            assert response.status == 403, target
            assert SECRET not in body
    finally:
        connection.close()


def test_symlinks_inside_the_site_are_served(server: Running, root: Path) -> None:
    """A symlinked file and a symlinked folder that stay inside are served like the originals."""
    css = raw(server.port, "/archive/alias.css")
    assert (css.status, css.body) == (200, (root / "assets/style.css").read_bytes())
    assert css.headers["content-type"] == "text/css; charset=utf-8"
    page = raw(server.port, "/archive/alias-entities/")
    assert (page.status, page.body) == (200, served(root, "entities/index.html"))


# --- 2. the base path --------------------------------------------------------------------


@pytest.mark.parametrize("target", ["/", "/archive", "/archive?x=1"])
def test_the_root_and_the_bare_base_redirect_to_the_base(server: Running, target: str) -> None:
    """'/' and '/archive' lead to '/archive/', which is the home page."""
    response = raw(server.port, target)
    assert response.status in (301, 302, 307, 308)
    assert response.headers["location"] == BASE
    assert response.headers["content-length"] == "0" and response.body == b""


def test_a_folder_without_its_slash_redirects(server: Running, root: Path) -> None:
    """'/archive/articles/<slug>' redirects to '.../<slug>/', which serves the article."""
    for folder in (f"articles/{SLUG}", "entities", "entities/tiktok", "tags"):
        response = raw(server.port, BASE + folder)
        assert response.status == 301, folder
        assert response.headers["location"] == f"{BASE}{folder}/"
        page = raw(server.port, response.headers["location"])
        assert (page.status, page.body) == (200, served(root, f"{folder}/index.html"))
    home = raw(server.port, BASE)
    assert (home.status, home.body) == (200, served(root, "index.html"))


@pytest.mark.parametrize(
    "target",
    [
        "/nope",
        "/nope/",
        "/archivex/",
        "/archive/nope",
        "/archive/nope/",
        "/archive/articles/",
        "/archive/articles/nope/",
        f"/archive/articles/{SLUG}/nope.html",
        "/archive/a/b/c/d/e/f.html",
        "/archive/entities/tiktok/feed.xml/x",
        "/archive/%252e%252e/secret.txt",
    ],
)
def test_a_missing_path_gets_404_with_the_404_page(server: Running, root: Path, target: str) -> None:
    """At any depth, in or out of the base path: status 404, the body of 404.html (and the script)."""
    response = raw(server.port, target)
    assert response.status == 404
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.body == with_client((root / "404.html").read_bytes())
    assert int(response.headers["content-length"]) == len(response.body)


@pytest.mark.parametrize(
    ("target", "existing"),
    [
        ("/ARCHIVE/", "/archive/"),
        ("/Archive/", "/archive/"),
        ("/archive/INDEX.html", "/archive/index.html"),
        ("/archive/Entities/", "/archive/entities/"),
        ("/archive/entities/TikTok/", "/archive/entities/tiktok/"),
        ("/archive/assets/STYLE.css", "/archive/assets/style.css"),
        ("/archive/Feed.xml", "/archive/feed.xml"),
    ],
)
def test_paths_are_case_sensitive(server: Running, target: str, existing: str) -> None:
    """Another case of an existing path is not that path: 404, as on GitHub Pages."""
    assert raw(server.port, existing).status == 200
    assert raw(server.port, target).status == 404


@pytest.mark.parametrize("target", ["/archive/index.html/", "/archive/assets/style.css/", "/archive/feed.xml/"])
def test_a_file_with_a_trailing_slash_is_not_found(server: Running, target: str) -> None:
    """'file.css/' names a folder that does not exist: 404 (GitHub Pages, http.server, nginx)."""
    assert raw(server.port, target).status == 404


# --- 3. HEAD, ranges, many clients -------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    ["/archive/", f"/archive/articles/{SLUG}/", "/archive/assets/style.css", "/archive/feed.xml", "/archive/nope"],
)
def test_head_has_the_headers_of_get_and_no_body(server: Running, target: str) -> None:
    """HEAD: the status and headers GET gets, Content-Length the GET body's length, no body."""
    get = raw(server.port, target)
    head = raw(server.port, target, "HEAD")
    assert head.status == get.status
    assert head.body == b""
    assert int(head.headers["content-length"]) == len(get.body) > 0
    for name in ("content-type", "accept-ranges", "cache-control"):
        assert head.headers[name] == get.headers[name], name


def test_head_on_a_redirect_has_no_body(server: Running) -> None:
    response = raw(server.port, "/archive", "HEAD")
    assert (response.status, response.headers["location"], response.body) == (302, BASE, b"")


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [("bytes=0-9", 0, 9), ("bytes=5-", 5, -1), ("bytes=-4", -4, -1), ("bytes=3-3", 3, 3), ("bytes=0-999999999", 0, -1)],
)
@pytest.mark.parametrize("relative", ["assets/style.css", "index.html", "feed.xml"])
def test_a_range_gets_206_with_those_bytes(
    server: Running, root: Path, relative: str, header: str, first: int, last: int
) -> None:
    """bytes=0-9, bytes=5-, bytes=-4: 206, the bytes of the whole answer and their Content-Range."""
    whole = served(root, relative)
    size = len(whole)
    first, last = first % size, last % size
    response = raw(server.port, BASE + relative, headers={"Range": header})
    assert response.status == 206
    assert response.body == whole[first : last + 1]
    assert response.headers["content-range"] == f"bytes {first}-{last}/{size}"
    assert int(response.headers["content-length"]) == last - first + 1


@pytest.mark.parametrize("header", ["bytes={size}-", "bytes={size}-{more}", "bytes=-0", "bytes=9-5"])
def test_an_unsatisfiable_range_gets_416(server: Running, root: Path, header: str) -> None:
    """A range past the end (or empty): 416 with 'bytes */size' and no body."""
    size = len(served(root, "assets/style.css"))
    response = raw(server.port, "/archive/assets/style.css", headers={"Range": header.format(size=size, more=size + 9)})
    assert response.status == 416
    assert response.headers["content-range"] == f"bytes */{size}"
    assert response.body == b""


@pytest.mark.parametrize("header", ["bytes=0-1,4-5", "items=0-9", "bytes=a-b", ""])
def test_a_range_it_does_not_take_gets_the_whole_file(server: Running, root: Path, header: str) -> None:
    """Several ranges, another unit, nonsense: 200 and the whole file is a valid answer."""
    response = raw(server.port, "/archive/assets/style.css", headers={"Range": header})
    assert (response.status, response.body) == (200, served(root, "assets/style.css"))


def test_a_range_on_a_404_is_ignored(server: Running, root: Path) -> None:
    response = raw(server.port, "/archive/nope", headers={"Range": "bytes=0-9"})
    assert (response.status, response.body) == (404, with_client((root / "404.html").read_bytes()))


def test_byte_range() -> None:
    """The Range header read: (first, last), None for the whole file, False for 416."""
    assert byte_range("bytes=0-9", 100) == (0, 9)
    assert byte_range("bytes=5-", 100) == (5, 99)
    assert byte_range("bytes=-4", 100) == (96, 99)
    assert byte_range("bytes=-400", 100) == (0, 99)
    assert byte_range("bytes=90-200", 100) == (90, 99)
    assert byte_range(" bytes = 1 - 2 ", 100) == (1, 2)
    assert byte_range("bytes=100-", 100) is False
    assert byte_range("bytes=-0", 100) is False
    assert byte_range("bytes=0-", 0) is False
    assert byte_range("bytes=-5", 0) is False
    assert byte_range("bytes=7-3", 100) is False
    assert byte_range("", 100) is None
    assert byte_range("bytes=-", 100) is None
    assert byte_range("bytes=0-1,5-6", 100) is None
    assert byte_range("pages=0-1", 100) is None


def test_200_concurrent_requests_all_get_their_bytes(server: Running, root: Path) -> None:
    """200 clients at once, over HTML, CSS, XML and JSON-LD: each gets 200 and its own bytes."""
    files = [
        "index.html",
        f"articles/{SLUG}/index.html",
        "entities/tiktok/index.html",
        "assets/style.css",
        "feed.xml",
        "sitemap.xml",
        "annotations.jsonld",
    ]
    expected = {relative: served(root, relative) for relative in files}
    count = 200
    barrier = threading.Barrier(count, timeout=20)
    results: list[tuple[str, int, bytes] | BaseException] = [RuntimeError("no answer")] * count

    def fetch(index: int) -> None:
        relative = files[index % len(files)]
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=20)
        try:
            barrier.wait()
            connection.request("GET", BASE + relative)
            response = connection.getresponse()
            results[index] = (relative, response.status, response.read())
        except BaseException as exc:  # reported below, with the others
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=fetch, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    failures = [result for result in results if isinstance(result, BaseException)]
    assert failures == []
    for relative, status, body in results:  # type: ignore[misc]
        assert status == 200, relative
        assert body == expected[relative], relative


# --- 4. broken clients -------------------------------------------------------------------


def assert_still_serving(port: int, root: Path) -> None:
    response = raw(port, BASE)
    assert (response.status, response.body) == (200, served(root, "index.html"))


def answer_to(port: int, data: bytes) -> bytes:
    """What the server answers to `data`; b'' if it reset the connection before we read it
    (it may close with part of an over-long request unread)."""
    try:
        return exchange(port, data)
    except ConnectionResetError:
        return b""


def error_code(answer: bytes) -> int:
    """The status of an error answer: from its status line, or, when the request was too broken
    to tell its HTTP version, from the bare error page http.server sends (HTTP/0.9 style)."""
    if answer.startswith(b"HTTP/"):
        return parse(answer).status
    match = re.search(rb"<p>Error code: (\d{3})</p>", answer)
    assert match, answer[:200]
    return int(match[1])


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\x00\xff\xfe\r\n\r\n", 400),  # a TLS hello
        (bytes(range(256)) * 4, 400),
        (b"\r\n\r\n", None),  # an empty request line: the connection is closed
        (b"GET\r\n\r\n", 400),
        (b"GET /archive/ HTTP/1.1 extra words\r\n\r\n", 400),
        (b"GET /archive/%ff%fe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 400),
        (b"GET /archive/%c0%ae%c0%ae/secret.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 400),
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        (b"GET /archive/ HTTP/1.1\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n", 431),
        (b"GET /archive/ HTTP/1.1\r\n" + b"X-Many: 1\r\n" * 150 + b"\r\n", 431),
        (b"GET /archive/ HTTP/9.9\r\n\r\n", 505),
        (b"GET /archive/ HTTP/x\r\n\r\n", 400),
        (b"BREW /archive/ HTTP/1.1\r\nHost: x\r\n\r\n", 501),
        (b"POST /archive/ HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc", 501),
    ],
)
def test_a_malformed_request_does_not_stop_the_server(
    server: Running, root: Path, data: bytes, status: int | None
) -> None:
    """Garbage, an over-long line or header, an invalid percent-encoding, a bad version or
    method: an error answer with its status, and the next GET is served."""
    answer = answer_to(server.port, data)
    if status is None:
        assert answer == b""
    elif answer or status not in (414, 431, 501):  # those may be cut by a reset: part of the request is unread
        assert error_code(answer) == status
    assert SECRET not in answer
    assert_still_serving(server.port, root)


def test_clients_that_connect_and_leave_at_once(server: Running, root: Path) -> None:
    """Connect and close, or close halfway through the request line, or reset: nothing breaks."""
    for index in range(30):
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT)
        if index % 3 == 1:
            sock.sendall(b"GET /archi")
        if index % 3 == 2:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST
        sock.close()
    assert_still_serving(server.port, root)


def test_a_client_that_leaves_mid_response(server: Running, root: Path) -> None:
    """A client that reads the start of a big file and resets the connection: the server
    carries on, and serves that file whole to the next client."""
    for _ in range(5):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.settimeout(TIMEOUT)
        try:
            sock.connect(("127.0.0.1", server.port))
            sock.sendall(b"GET /archive/big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
            start = sock.recv(4096)
            assert start.startswith(b"HTTP/1.1 200 ")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        finally:
            sock.close()
    whole = raw(server.port, "/archive/big.bin")
    assert (whole.status, len(whole.body), whole.body == BIG) == (200, len(BIG), True)
    assert_still_serving(server.port, root)


def test_an_idle_connection_does_not_hold_up_others(server: Running, root: Path) -> None:
    """A client that sends half a request and waits: other clients are served meanwhile."""
    idle = socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT)
    try:
        idle.sendall(b"GET /archive/ HTT")
        assert_still_serving(server.port, root)
    finally:
        idle.close()


def test_keep_alive_serves_several_requests_on_one_connection(server: Running, root: Path) -> None:
    """HTTP/1.1: three requests (HEAD among them) on one connection get three answers in order."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
    try:
        for method, relative in (("GET", "assets/style.css"), ("HEAD", "index.html"), ("GET", "feed.xml")):
            connection.request(method, BASE + relative)
            response = connection.getresponse()
            body = response.read()
            assert response.status == 200
            assert body == (b"" if method == "HEAD" else served(root, relative))
    finally:
        connection.close()


def test_http_1_0_gets_an_answer_and_the_connection_closes(server: Running, root: Path) -> None:
    """An HTTP/1.0 request without Host: served, and the connection closed after the answer."""
    response = parse(exchange(server.port, b"GET /archive/assets/style.css HTTP/1.0\r\n\r\n"))
    assert (response.status, response.body) == (200, served(root, "assets/style.css"))


def test_pipelined_requests_get_their_answers_in_order(server: Running, root: Path) -> None:
    """Three requests sent at once on one connection: three answers, in order, each as long as
    its Content-Length says."""
    targets = ["assets/style.css", "nope", "feed.xml"]
    requests = [f"GET {BASE}{target} HTTP/1.1\r\nHost: x\r\n" for target in targets]
    requests[-1] += "Connection: close\r\n"
    data = exchange(server.port, "".join(request + "\r\n" for request in requests).encode())
    answers = []
    while data:
        head, _, rest = data.partition(b"\r\n\r\n")
        response = parse(head + b"\r\n\r\n")
        length = int(response.headers["content-length"])
        answers.append((response.status, rest[:length]))
        data = rest[length:]
    assert answers == [
        (200, served(root, "assets/style.css")),
        (404, with_client((root / "404.html").read_bytes())),
        (200, served(root, "feed.xml")),
    ]


# --- 5. the live-reload script -----------------------------------------------------------


def test_every_served_page_carries_the_script_once(server: Running, root: Path, built: Path) -> None:
    """Each HTML page of the site is served with the script just before its last </body>,
    and is otherwise the built file."""
    pages = sorted(path.relative_to(built).as_posix() for path in built.rglob("*.html"))
    assert len(pages) > 20
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
    try:
        for relative in pages:
            connection.request("GET", BASE + relative)
            response = connection.getresponse()
            body = response.read()
            assert response.status == 200, relative
            assert response.getheader("Content-Type") == "text/html; charset=utf-8"
            script = injected_script(body, (root / relative).read_bytes())
            assert body.count(b"EventSource") == 1 and b"EventSource" in script, relative
    finally:
        connection.close()


def test_the_script_listens_to_the_event_stream(server: Running, root: Path) -> None:
    """The page's EventSource is opened on the event stream's path, and no placeholder is left
    (82a03fa sent the literal '%(events)s')."""
    script = injected_script(raw(server.port, BASE).body, (root / "index.html").read_bytes())
    assert f'new EventSource("{EVENTS_PATH}")'.encode() in script
    assert b"%(" not in script and b"%s" not in script


def test_the_built_site_has_no_script(built: Path) -> None:
    """No file of a build (the same build the command makes) mentions the script or the stream."""
    files = site_tree(built)
    assert "index.html" in files and "404.html" in files
    for relative, data in files.items():
        assert b"__rassegna__" not in data, relative
        assert b"EventSource" not in data, relative


def test_rassegna_build_writes_no_script(tmp_path: Path) -> None:
    """`rassegna build` from the command line: no file of its output holds the script."""
    content = copy_content(REPO / "content", tmp_path / "content")
    result = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--content", str(content), "--out", str(tmp_path / "site")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=child_env(),
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    files = site_tree(tmp_path / "site")
    assert len(files) > 40
    for relative, data in files.items():
        assert b"__rassegna__" not in data and b"EventSource" not in data, relative


@pytest.mark.parametrize(
    ("relative", "content_type"),
    [
        ("assets/style.css", "text/css; charset=utf-8"),
        ("feed.xml", "application/xml; charset=utf-8"),
        ("sitemap.xml", "application/xml; charset=utf-8"),
        ("entities/tiktok/feed.xml", "application/xml; charset=utf-8"),
        ("annotations.jsonld", "application/ld+json"),
        (f"articles/{SLUG}/annotations.jsonld", "application/ld+json"),
        ("robots.txt", "text/plain; charset=utf-8"),
    ],
)
def test_other_files_are_served_as_built(server: Running, root: Path, relative: str, content_type: str) -> None:
    """CSS, XML, JSON-LD, text: byte for byte the built file, no script, the right type."""
    response = raw(server.port, BASE + relative)
    assert response.status == 200
    assert response.headers["content-type"] == content_type
    assert response.body == (root / relative).read_bytes()
    assert b"EventSource" not in response.body and b"__rassegna__" not in response.body


def test_with_client_goes_before_the_last_body_end() -> None:
    """The script goes before the last </body>; a page without one gets it at the end."""
    script = with_client(b"")
    assert script.startswith(b"<script>") and script.endswith(b"</script>\n")
    assert with_client(b"<p></body>x</body>\n") == b"<p></body>x" + script + b"</body>\n"
    assert with_client(b"<p>no end tag") == b"<p>no end tag" + script


# --- 6. the event stream -----------------------------------------------------------------


class EventStream:
    """A page's connection to the event stream, over a raw socket."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.sock.sendall(f"GET {EVENTS_PATH} HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n".encode())
        self.buffer = b""
        self.response = parse(self.until(b"\r\n\r\n") + b"\r\n\r\n")

    def until(self, separator: bytes, timeout: float = TIMEOUT) -> bytes:
        deadline = time.monotonic() + timeout
        while separator not in self.buffer:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = self.sock.recv(4096)
            if not chunk:
                raise EOFError(f"the stream ended; unread: {self.buffer!r}")
            self.buffer += chunk
        block, _, self.buffer = self.buffer.partition(separator)
        return block

    def block(self, timeout: float = TIMEOUT) -> dict[str, str]:
        """The fields of the next message that is not a comment."""
        while True:
            lines = [line for line in self.until(b"\n\n", timeout).decode().split("\n") if not line.startswith(":")]
            if lines:
                return dict(line.split(": ", 1) for line in lines)

    def next(self, timeout: float = TIMEOUT) -> tuple[str, object]:
        """The next event: its name and its data, decoded."""
        fields = self.block(timeout)
        return fields["event"], json.loads(fields["data"])

    def close(self) -> None:
        self.sock.close()


@contextlib.contextmanager
def stream(port: int) -> Iterator[EventStream]:
    page = EventStream(port)
    try:
        yield page
    finally:
        page.close()


def test_a_page_is_greeted_with_hello(events_server: Running) -> None:
    """The stream: 200, text/event-stream, not cached; first a retry delay and 'hello' with the server's id."""
    with stream(events_server.port) as page:
        assert page.response.status == 200
        assert page.response.headers["content-type"] == "text/event-stream"
        assert page.response.headers["cache-control"] == "no-store"
        assert page.block() == {
            "retry": "1000",
            "event": "hello",
            "data": json.dumps(events_server.reloader.server_id),
        }


def test_the_stream_is_served_whatever_the_base_path(events_server: Running) -> None:
    """The stream lives at /__rassegna__/events, outside /archive/; a query string is ignored."""
    sock = socket.create_connection(("127.0.0.1", events_server.port), timeout=TIMEOUT)
    try:
        sock.sendall(f"GET {EVENTS_PATH}?t=1 HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        data = b""
        while b"event: hello" not in data:
            chunk = sock.recv(4096)
            assert chunk, data
            data += chunk
        assert data.startswith(b"HTTP/1.1 200 ")
    finally:
        sock.close()


def test_reload_failed_and_fixed_reach_the_page(events_server: Running) -> None:
    """reloaded(), failed() and fixed() arrive as 'reload', 'failed' and 'fixed' with JSON data."""
    reloader = events_server.reloader
    with stream(events_server.port) as page:
        assert page.next()[0] == "hello"
        reloader.reloaded(["assets/style.css"])
        assert page.next() == ("reload", ["assets/style.css"])
        reloader.reloaded(None)
        assert page.next() == ("reload", None)
        messages = ["content/articles/x.md:4: error: duplicate key 'title'", 'ünïcode "quoted"']
        reloader.failed(messages)
        assert page.next() == ("failed", messages)
        reloader.fixed()
        assert page.next() == ("fixed", None)
        reloader.fixed()  # nothing is shown any more: no second 'fixed'
        reloader.reloaded(["index.html", "feed.xml"])
        assert page.next() == ("reload", ["index.html", "feed.xml"])


def test_a_page_that_connects_during_a_failure_sees_it_at_once(events_server: Running) -> None:
    """While a failure is shown, a new page gets 'hello' then 'failed'; after a good build, only 'hello'."""
    reloader = events_server.reloader
    reloader.failed(["content/site.yml:1: error: broken"])
    with stream(events_server.port) as page:
        assert page.next()[0] == "hello"
        assert page.next(timeout=1) == ("failed", ["content/site.yml:1: error: broken"])
    reloader.reloaded(["index.html"])
    with stream(events_server.port) as page:
        assert page.next()[0] == "hello"
        reloader.reloaded(["feed.xml"])
        assert page.next() == ("reload", ["feed.xml"])  # not 'failed', and not the earlier reload


def test_every_open_page_gets_every_event(events_server: Running) -> None:
    """Five pages at once: each gets the same events in the same order."""
    reloader = events_server.reloader
    with contextlib.ExitStack() as stack:
        pages = [stack.enter_context(stream(events_server.port)) for _ in range(5)]
        for page in pages:
            assert page.next()[0] == "hello"
        reloader.failed(["one"])
        reloader.reloaded(["a.css"])
        reloader.reloaded(None)
        for page in pages:
            assert [page.next() for _ in range(3)] == [("failed", ["one"]), ("reload", ["a.css"]), ("reload", None)]


class LateReloader(Reloader):
    """Publishes one more event just after the first wait() that returns events: what happens
    when a rebuild ends while a page's thread is between wait() and its next step."""

    late_sent = False

    def wait(self, after: int, timeout: float) -> tuple[int, str] | None:
        news = super().wait(after, timeout)
        if news and news[1] and not self.late_sent:
            self.late_sent = True
            self.publish("reload", ["late.css"])
        return news


def test_an_event_published_just_after_a_wait_is_not_lost(root: Path) -> None:
    """Two events in quick succession: the page gets both, whatever the timing."""
    reloader = LateReloader()
    with running(root, reloader=reloader) as serving, stream(serving.port) as page:
        assert page.next()[0] == "hello"
        reloader.reloaded(["first.css"])
        assert page.next() == ("reload", ["first.css"])
        if not reloader.late_sent:  # a stream that no longer calls wait(): the late event, now
            reloader.late_sent = True
            reloader.publish("reload", ["late.css"])
        assert page.next(timeout=2) == ("reload", ["late.css"])


def test_stopping_the_reloader_ends_the_streams(root: Path) -> None:
    """Reloader.stop() (the server shutting down) closes the open streams."""
    reloader = Reloader()
    with running(root, reloader=reloader) as serving, stream(serving.port) as page:
        assert page.next()[0] == "hello"
        reloader.stop()
        with pytest.raises(EOFError):
            page.next(timeout=TIMEOUT)


def test_a_failed_rebuild_keeps_the_site_and_tells_the_pages(make_project: MakeProject, tmp_path: Path) -> None:
    """Preview: a build that fails publishes 'failed' and leaves the site; undoing the edit
    publishes 'fixed'; a good edit publishes a reload listing the files that changed."""
    article = "---\ntitle: Good\ndate: 2025-02-10\n---\nA good article.\n"
    content = make_project({"articles/good.md": article})
    options = BuildOptions(content=content, out=tmp_path / "site", templates=REPO / "templates", jobs=1)
    reloader, out = Reloader(), io.StringIO()
    preview = Preview(options, reloader, out)
    preview.rebuild()
    before = site_tree(tmp_path / "site")
    assert "articles/good/index.html" in before
    (content / "articles/good.md").write_text("---\ntitle: Good\ndate: 2025-02-10\ntitle: Twice\n---\nBroken.\n")
    preview.rebuild()
    assert reloader.failure is not None and any("good.md" in message for message in reloader.failure)
    assert "build failed: the last good site is still served (1 problem)" in out.getvalue()
    assert site_tree(tmp_path / "site") == before
    assert reloader.greeting()[1].count("event: failed") == 1
    (content / "articles/good.md").write_text(article)  # back as it was: nothing to reload
    preview.rebuild()
    assert reloader.failure is None and reloader.events[-1][1] == "event: fixed\ndata: null\n\n"
    assert site_tree(tmp_path / "site") == before
    (content / "articles/good.md").write_text(article.replace("A good article.", "A better article."))
    count = reloader.count
    preview.rebuild()
    assert reloader.failure is None
    assert reloader.count == count + 1
    event = reloader.events[-1][1]
    assert event.startswith("event: reload\n")
    changed = json.loads(event.split("data: ", 1)[1])
    assert "articles/good/index.html" in changed
    assert b"A better article." in (tmp_path / "site/articles/good/index.html").read_bytes()


# --- 7. the command line -----------------------------------------------------------------


def child_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}


SERVING = re.compile(
    r"serving (?P<out>.+) at (?P<url>http://(?P<host>[^/]+):(?P<port>\d+)(?P<path>/\S*)) \(Ctrl-C to stop\)"
)


@dataclass
class Command:
    process: subprocess.Popen[str]
    lines: queue.Queue[str | None]  # stdout, line by line; None at the end
    stdout: list[str] = field(default_factory=list)
    match: re.Match[str] | None = None

    def line(self, timeout: float) -> str | None:
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            return None
        if line is not None:
            self.stdout.append(line)
        return line

    def wait_for_serving(self, timeout: float = 30) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.line(deadline - time.monotonic())
            if line is None:
                break
            if match := SERVING.fullmatch(line.rstrip("\n")):
                self.match = match
                return match
        raise AssertionError(f"no 'serving ... at http://...' line; stdout: {self.stdout}")

    def rest(self, timeout: float = TIMEOUT) -> list[str]:
        """The rest of stdout, once the process has ended."""
        deadline = time.monotonic() + timeout
        while self.line(max(0.0, deadline - time.monotonic())) is not None:
            pass
        return self.stdout

    @property
    def port(self) -> int:
        assert self.match is not None
        return int(self.match["port"])


def default_sigint() -> None:
    """In the child: SIGINT back to its default. A shell starts background jobs with SIGINT
    ignored, and Python then installs no handler: Ctrl-C could not be tested from there."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@contextlib.contextmanager
def rassegna_serve(project: Path, *extra: str) -> Iterator[Command]:
    """`python -m generator serve --content <project>/content --out <project>/site --port 0`,
    run in `project`; killed afterwards if it is still running."""
    command = [sys.executable, "-m", "generator", "serve", "--content", str(project / "content")]
    command += ["--out", str(project / "site"), "--port", "0", *extra]
    process = subprocess.Popen(
        command,
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
        preexec_fn=default_sigint,
    )
    lines: queue.Queue[str | None] = queue.Queue()
    stderr: list[str] = []

    def read_stdout() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    def read_stderr() -> None:
        assert process.stderr is not None
        stderr.extend(process.stderr)

    readers = [threading.Thread(target=read, daemon=True) for read in (read_stdout, read_stderr)]
    for reader in readers:
        reader.start()
    try:
        yield Command(process, lines)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(TIMEOUT)
        for reader in readers:
            reader.join(TIMEOUT)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project root with a copy of the shipped content (and the bundled templates)."""
    copy_content(REPO / "content", tmp_path / "content")
    return tmp_path


def test_serve_serves_then_stops_on_ctrl_c(project: Path) -> None:
    """The command builds, prints where it serves, serves the home page with the script, and on
    SIGINT (a page still connected) prints 'stopped' and exits 0 within a few seconds."""
    with rassegna_serve(project) as command:
        match = command.wait_for_serving()
        assert match["out"] == str(project / "site")
        assert match["path"] == "/"
        home = raw(command.port, "/")
        assert home.status == 200
        script = injected_script(home.body, (project / "site/index.html").read_bytes())
        assert f'new EventSource("{EVENTS_PATH}")'.encode() in script
        article = raw(command.port, f"/articles/{SLUG}/")
        assert article.status == 200
        with stream(command.port) as page:  # an open page does not keep the server running
            assert page.next()[0] == "hello"
            command.process.send_signal(signal.SIGINT)
            assert command.process.wait(TIMEOUT) == 0
            with pytest.raises((EOFError, ConnectionResetError)):
                page.next()
        stdout = command.rest()
        assert stdout[-1] == "stopped\n"
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", command.port), timeout=1).close()
    for relative, data in site_tree(project / "site").items():
        assert b"__rassegna__" not in data and b"EventSource" not in data, relative


def listening_sockets(pid: int) -> list[tuple[str, int]]:
    """The (address, port) pairs process `pid` listens on, read from /proc."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            if match := re.fullmatch(r"socket:\[(\d+)\]", os.readlink(fd)):
                inodes.add(match[1])
    found = []
    for table, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
        path = Path(f"/proc/{pid}/net/{table}")
        if not path.exists():
            continue
        for row in path.read_text().splitlines()[1:]:
            columns = row.split()
            local, state, inode = columns[1], columns[3], columns[9]
            if state != "0A" or inode not in inodes:  # 0A: LISTEN
                continue
            address, port = local.split(":")
            words = struct.pack(
                f"={len(address) // 8}I", *(int(address[i : i + 8], 16) for i in range(0, len(address), 8))
            )
            found.append((socket.inet_ntop(family, words), int(port, 16)))
    return found


@pytest.mark.skipif(not Path("/proc/self/net/tcp").exists(), reason="needs Linux /proc")
def test_serve_listens_on_loopback_only_by_default(project: Path) -> None:
    """Without --host: the URL printed is on 127.0.0.1, the one listening socket is bound to
    127.0.0.1 (not 0.0.0.0), and the URL carries the base path of --base-url."""
    with rassegna_serve(project, "--base-url", BASE_URL) as command:
        match = command.wait_for_serving()
        assert match["host"] == "127.0.0.1"
        assert match["url"] == f"http://127.0.0.1:{command.port}{BASE}"
        assert listening_sockets(command.process.pid) == [("127.0.0.1", command.port)]
        with pytest.raises(OSError):  # 127.0.0.2 is loopback too, but not the bound address
            socket.create_connection(("127.0.0.2", command.port), timeout=1).close()
        assert raw(command.port, "/").headers["location"] == BASE
        assert raw(command.port, BASE).status == 200


def test_serve_rebuilds_on_save_and_tells_the_pages(project: Path) -> None:
    """Saving an article rebuilds it: the open page gets 'reload' with the changed files, and
    the server sends the new text."""
    source = project / "content/articles" / f"{SLUG}.md"
    text = source.read_text(encoding="utf-8")
    with rassegna_serve(project) as command:
        command.wait_for_serving()
        with stream(command.port) as page:
            assert page.next()[0] == "hello"
            event = None
            for attempt in range(4):  # the watcher starts just after the line is printed
                source.write_text(f"{text}\nRiga aggiunta {attempt}.\n", encoding="utf-8")
                with contextlib.suppress(TimeoutError):
                    event = page.next(timeout=3)
                    break
            assert event is not None, "no event after saving the article"
            name, changed = event
            assert name == "reload"
            assert isinstance(changed, list) and f"articles/{SLUG}/index.html" in changed
        body = raw(command.port, f"/articles/{SLUG}/").body
        assert re.search(rb"Riga aggiunta [0-3]\.", body)
        command.process.send_signal(signal.SIGINT)
        assert command.process.wait(TIMEOUT) == 0

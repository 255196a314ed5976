"""`rassegna serve`: build, serve the site under its base path, rebuild on every save and
reload the open pages.

Three parts: a `Reloader` that tells connected pages what happened (Server-Sent Events), an
HTTP handler that serves the site directory and nothing outside it, and the watch loop that
rebuilds (through incremental.Workspace) and publishes. The live-reload script is added to
HTML pages as they are served: the built files never contain it.
"""

from __future__ import annotations

import collections
import http.server
import json
import mimetypes
import os
import re
import signal
import threading
import time
import urllib.parse
import webbrowser
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import watchfiles

from generator.build import BuildOptions, check_options, site_language
from generator.cache import cache_dir
from generator.config import load_config
from generator.errors import ContentError, Diagnostics, UsageError
from generator.files import EDITOR_FILES
from generator.i18n import ENGLISH_UI, Language
from generator.incremental import Workspace, watched_path
from generator.load import CHANGED_WHILE_BUILDING
from generator.progress import ProgressReporter
from generator.project import PACKAGED_THEME, find_theme
from generator.search import Cancelled
from generator.text import counted
from generator.urls import Urls

EVENTS_PATH = "/__rassegna__/events"
WATCH_STEP_MS = 25  # a burst of changes ends after this long without one; editors save within a few ms
THEME_POLL_MS = 1000  # how often the watch looks for a templates/ folder made or removed
IDLE_SECONDS = 30.0
HEARTBEAT_SECONDS = 15.0  # a comment line now and then: a closed page is noticed and dropped
CSS_ONLY_LIMIT = 200  # more changed files than this: every page reloads, no list is sent
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".jsonld": "application/ld+json",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
}
# Files editors write beside the one being saved (vim's write test, backups, locks).

CLIENT = """<script>(function () {
  var seen = null, box = null;
  function overlay(title, lines) {
    if (!box) {
      box = document.createElement("div");
      box.id = "rassegna-overlay";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;padding:2rem;" +
        "background:rgba(20,20,20,.92);color:#fff;font:14px/1.5 ui-monospace,monospace;white-space:pre-wrap";
      document.body.appendChild(box);
    }
    box.textContent = title + "\\n\\n" + lines.join("\\n");
  }
  var source = new EventSource("%(events)s");
  source.addEventListener("hello", function (event) {
    if (seen !== null && seen !== event.data) location.reload();  // the server restarted
    seen = event.data;
  });
  source.addEventListener("failed", function (event) {
    overlay("rassegna: " + %(failed)s, JSON.parse(event.data));
  });
  source.addEventListener("fixed", function () {
    if (box) { box.remove(); box = null; }
  });
  source.addEventListener("reload", function (event) {
    var changed = JSON.parse(event.data);
    var css = changed !== null && changed.length > 0 && changed.every(function (p) { return /\\.css$/.test(p); });
    if (!css) { location.reload(); return; }
    document.querySelectorAll('link[rel="stylesheet"]').forEach(function (link) {
      var url = new URL(link.href);
      url.searchParams.set("rassegna", Date.now());
      link.href = url.href;
    });
    if (box) { box.remove(); box = null; }
  });
})();</script>
"""


class Reloader:
    """What the connected pages are told: numbered events, and the current failure if any."""

    def __init__(self) -> None:
        self.condition = threading.Condition()
        self.events: collections.deque[tuple[int, str]] = collections.deque(maxlen=64)
        self.count = 0
        self.failure: list[str] | None = None  # the messages of the failed build being shown
        self.stopping = False
        self.server_id = f"{os.getpid()}-{time.time_ns()}"

    def publish(self, event: str, data: object) -> None:
        with self.condition:
            self.count += 1
            self.events.append((self.count, f"event: {event}\ndata: {json.dumps(data)}\n\n"))
            self.condition.notify_all()

    def reloaded(self, changed: list[str] | None) -> None:
        self.failure = None
        self.publish("reload", changed)

    def failed(self, messages: list[str]) -> None:
        self.failure = messages
        self.publish("failed", messages)

    def fixed(self) -> None:
        if self.failure is not None:
            self.failure = None
            self.publish("fixed", None)

    def stop(self) -> None:
        with self.condition:
            self.stopping = True
            self.condition.notify_all()

    def greeting(self) -> tuple[int, str]:
        """The count of events so far, and what a page that connects now is told first."""
        with self.condition:
            text = f"retry: 1000\nevent: hello\ndata: {json.dumps(self.server_id)}\n\n"
            if self.failure is not None:
                text += f"event: failed\ndata: {json.dumps(self.failure)}\n\n"
            return self.count, text

    def wait(self, after: int, timeout: float) -> tuple[int, str] | None:
        """The count of events and the text of those after number `after` ('' on timeout);
        None when the server stops."""
        with self.condition:
            self.condition.wait_for(lambda: self.stopping or self.count > after, timeout)
            if self.stopping:
                return None
            return self.count, "".join(text for number, text in self.events if number > after)


@dataclass(frozen=True)
class Found:
    """Where a request leads: a file to send with a status, or a redirect."""

    status: int
    file: Path | None = None
    location: str | None = None


def locate(root: Path, base_path: str, target: str) -> Found:
    """The file of the site in `root` that the request target names, GitHub Pages' way: under
    `base_path`, `dir` redirected to `dir/`, `dir/` served as `dir/index.html`, anything
    missing as 404.html. Nothing outside `root` is ever named: '..', backslashes, NUL bytes and
    symlinks that leave it are refused with 403."""
    raw = urllib.parse.urlsplit(target).path or "/"
    path = urllib.parse.unquote(raw, errors="strict") if "%" in raw else raw
    if "\\" in path or "\0" in path or not path.startswith("/"):
        return Found(403)
    if any(part in (".", "..") for part in path.split("/")):
        return Found(403)
    if not path.startswith(base_path):
        if path in ("/", base_path.rstrip("/")):
            return Found(302, location=base_path)
        return _not_found(root)
    relative = path[len(base_path) :]
    candidate = root / relative if relative else root
    real_root = os.path.realpath(root)
    real = os.path.realpath(candidate)
    if real != real_root and not real.startswith(real_root + os.sep):
        return Found(403)
    if os.path.isdir(real):
        if not path.endswith("/"):
            return Found(301, location=urllib.parse.quote(path + "/"))
        candidate = candidate / "index.html"
        real = os.path.realpath(candidate)
        if not real.startswith(real_root + os.sep):
            return Found(403)
    elif path.endswith("/"):  # 'file/' names a folder that is not there
        return _not_found(root)
    if os.path.isfile(real):
        return Found(200, Path(real))
    return _not_found(root)


def _not_found(root: Path) -> Found:
    page = root / "404.html"
    return Found(404, page if page.is_file() else None)


def with_client(html: bytes, ui: Language = ENGLISH_UI) -> bytes:
    """The page with the live-reload script, before its closing </body>."""
    message = ui.tr("the build failed: the problems are below; until they are fixed you see the last good site.")
    failed = json.dumps(message).replace("<", "\\u003c")
    script = (CLIENT % {"events": EVENTS_PATH, "failed": failed}).encode()
    at = html.rfind(b"</body>")
    return html + script if at < 0 else html[:at] + script + html[at:]


def byte_range(header: str, size: int) -> tuple[int, int] | None | bool:
    """A `Range: bytes=...` header: (first, last) inclusive; None to send the whole file (no
    range, or several); False when it cannot be satisfied."""
    match = re.fullmatch(r"\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*", header)
    if match is None:
        return None  # several ranges, or another unit: the whole file is a valid answer
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        length = int(last)
        return (max(0, size - length), size - 1) if length and size else False
    start, end = int(first), int(last) if last else size - 1
    if start >= size or (last and end < start):
        return False
    return start, min(end, size - 1)


def _read(file: Path) -> bytes | None:
    try:
        return file.read_bytes()
    except OSError:
        return None


def _content_type(file: Path) -> str:
    return TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"


class SiteServer(http.server.ThreadingHTTPServer):
    daemon_threads = True  # open event streams never keep the process alive
    request_queue_size = 256  # many pages and assets at once

    def __init__(
        self,
        address: tuple[str, int],
        root: Path,
        base_path: Callable[[], str],
        reloader: Reloader,
        language: Callable[[], Language] = lambda: ENGLISH_UI,
    ) -> None:
        self.root, self.base_path, self.reloader, self.language = root, base_path, reloader, language
        super().__init__(address, SiteHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that went away, or a broken request: the server carries on


class SiteHandler(http.server.BaseHTTPRequestHandler):
    # A client that connects and says nothing, or stops reading, is dropped after this long:
    # an idle connection must not hold a thread forever (event streams write a heartbeat
    # every HEARTBEAT_SECONDS, well within it).
    timeout = IDLE_SECONDS
    server: SiteServer
    protocol_version = "HTTP/1.1"
    server_version = "rassegna"

    def do_GET(self) -> None:
        if urllib.parse.urlsplit(self.path).path == EVENTS_PATH:
            self.stream_events()
        else:
            self.send_file(head=False)

    def do_HEAD(self) -> None:
        self.send_file(head=True)

    def send_file(self, head: bool) -> None:
        try:
            found = locate(self.server.root, self.server.base_path(), self.path)
        except UnicodeDecodeError:
            found = Found(400)
        if found.location is not None:
            self.send_response(found.status)
            self.send_header("Location", found.location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        file, status = found.file, found.status
        body = _read(file) if file is not None else None
        if file is None or body is None:
            status = status if file is None else 404  # removed by a rebuild since it was found
            body, content_type = f"<!doctype html><title>{status}</title><h1>{status}</h1>\n".encode(), TYPES[".html"]
        else:
            content_type = _content_type(file)
        if content_type.startswith("text/html"):
            body = with_client(body, self.server.language())
        self.send_body(status, content_type, body, head)

    def send_body(self, status: int, content_type: str, body: bytes, head: bool) -> None:
        wanted = byte_range(self.headers.get("Range", ""), len(body)) if status == 200 else None
        if wanted is False:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{len(body)}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if isinstance(wanted, tuple):
            first, last = wanted
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {first}-{last}/{len(body)}")
            body = body[first : last + 1]
        else:
            self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def stream_events(self) -> None:
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        reloader = self.server.reloader
        seen, greeting = reloader.greeting()
        try:
            self.wfile.write(greeting.encode())
            self.wfile.flush()
            while (news := reloader.wait(seen, HEARTBEAT_SECONDS)) is not None:
                seen, text = news
                self.wfile.write((text or ": ping\n\n").encode())
                self.wfile.flush()
        except OSError:
            return  # the page was closed

    def log_message(self, format: str, *args: Any) -> None:
        pass  # one line per request would drown the build messages


class Preview:
    """The watch loop: rebuilds on every change and tells the pages."""

    def __init__(self, options: BuildOptions, reloader: Reloader, out: TextIO) -> None:
        self.options, self.reloader, self.out = options, reloader, out
        self.workspace = Workspace(options)
        self.indexing: threading.Thread | None = None  # making the search index again, after rebuilds
        self.cancel = threading.Event()  # tells it to stop
        config = load_config(options.content / "site.yml", Diagnostics(), options.base_url)
        self.base_path = Urls(config.base_url).base_path  # until a build succeeds
        theme = find_theme(options.templates, options.content)
        self.language = site_language(config.language, theme, options.content / "site.yml", Diagnostics())

    def rebuild(self, changed: Iterable[str] | None = None) -> None:
        """Build; publish a reload with the changed files, or the failure."""
        try:
            with ProgressReporter(self.out) as progress:  # shown when a full build takes a while
                result = self.workspace.rebuild(changed, progress)
        except ContentError as exc:
            if all(d.message == CHANGED_WHILE_BUILDING for d in exc.diagnostics):
                print("a file changed while the site was being built: building again", file=self.out)
                return  # the watcher has seen the change: its rebuild comes next
            self.report_failure([str(d) for d in exc.diagnostics])
            return
        except (UsageError, OSError) as exc:  # OSError: say, the cache deleted meanwhile
            self.report_failure([str(exc)])
            return
        assert self.workspace.built is not None
        self.base_path, self.language = result.base_path, self.workspace.built.ui
        for diagnostic in result.diagnostics:  # as `rassegna build` reports them, on every build
            print(diagnostic, file=self.out)
        changed_files = result.changed
        changed = counted(len(changed_files), "file")
        print(f"rebuilt in {result.seconds * 1000:.0f} ms: {changed} changed", file=self.out)
        if changed_files:
            self.reloader.reloaded(list(changed_files) if len(changed_files) <= CSS_ONLY_LIMIT else None)
        else:
            self.reloader.fixed()
        self.workspace.settle()  # after the pages are told

    def watch(self, stop: threading.Event) -> None:
        """Rebuild after each burst of changes, until `stop` is set. A templates/ folder made or
        removed beside content/ is noticed within THEME_POLL_MS: a full rebuild, and the
        watch goes on over the new folders."""
        ignored = [str(self.options.out.resolve()), str(cache_dir(self.options.out).parent)]
        watch_filter = EditorFilter(ignore_paths=ignored)
        built = self.workspace.built
        folders = built.theme.folders if built is not None else self.theme_folders()  # those built with
        while not stop.is_set():
            roots = [self.options.content, *folders]
            watching = watchfiles.watch(
                *roots,
                watch_filter=watch_filter,
                stop_event=stop,
                step=WATCH_STEP_MS,
                rust_timeout=THEME_POLL_MS,
                yield_on_timeout=True,
            )
            for changes in watching:
                if (now := self.theme_folders()) != folders:
                    folders = now  # before the rebuild: a change while it runs is seen next time
                    self.rebuild()
                    break
                if changes:
                    self.stop_indexing()
                    self.rebuild({watched_path(path, roots) for _, path in changes})
                elif self.workspace.index_behind and (self.indexing is None or not self.indexing.is_alive()):
                    self.indexing = threading.Thread(target=self.index_again, daemon=True)
                    self.indexing.start()
        self.stop_indexing()

    def report_failure(self, messages: list[str]) -> None:
        for message in messages:
            print(message, file=self.out)
        problems = counted(len(messages), "problem")
        print(f"build failed: the last good site is still served ({problems})", file=self.out)
        self.reloader.failed(messages)

    def index_again(self) -> None:
        """The search index, brought up to date in a quiet moment after rebuilds (in a thread of
        its own; the next edit stops it, and it starts again after that edit's rebuild)."""
        started = time.perf_counter()
        try:
            made, bundles = self.workspace.index_again(self.cancel.is_set)
        except Cancelled:
            return
        except (ContentError, OSError) as exc:
            messages = [str(d) for d in exc.diagnostics] if isinstance(exc, ContentError) else [str(exc)]
            for message in messages:
                print(message, file=self.out)
            self.workspace.index_behind = False  # until the next rebuild: not again and again
            return
        if made:
            seconds = time.perf_counter() - started
            print(f"search index: {made} of {counted(bundles, 'bundle')} made in {seconds:.1f} s", file=self.out)

    def stop_indexing(self) -> None:
        """Before a rebuild: the index being made is of pages about to change."""
        if self.indexing is not None:
            self.cancel.set()
            self.indexing.join()
            self.indexing = None
            self.cancel.clear()

    def theme_folders(self) -> tuple[Path, ...]:
        try:
            return find_theme(self.options.templates, self.options.content).folders
        except UsageError:  # --templates removed while serving: the rebuild says so
            return (PACKAGED_THEME,)


class EditorFilter(watchfiles.DefaultFilter):
    """watchfiles' default filter, plus the files editors write beside the one being saved."""

    def __call__(self, change: watchfiles.Change, path: str) -> bool:
        return super().__call__(change, path) and not EDITOR_FILES.search(os.path.basename(path))  # as the loader


def serve(options: BuildOptions, host: str, port: int, open_browser: bool, out: TextIO) -> int:
    """Build, serve, watch; until Ctrl-C."""
    check_options(options, find_theme(options.templates, options.content))  # what no edit can mend: exit 2 now
    reloader = Reloader()
    preview = Preview(options, reloader, out)
    preview.rebuild()
    try:
        server = SiteServer((host, port), options.out, lambda: preview.base_path, reloader, lambda: preview.language)
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port} ({exc.strerror}); pass another --port") from exc
    threading.Thread(target=server.serve_forever, daemon=True).start()
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{server.server_address[1]}{preview.base_path}"
    print(f"serving {options.out} at {url} (Ctrl-C to stop)", file=out, flush=True)
    if open_browser:
        webbrowser.open(url)
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, signal.default_int_handler)  # `kill` stops it as Ctrl-C does
    try:
        preview.watch(stop)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        reloader.stop()
        server.shutdown()
        server.server_close()
        preview.workspace.save()
    print("stopped", file=out, flush=True)
    return 0

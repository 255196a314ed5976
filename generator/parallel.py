"""Run a function over chunks of work in worker processes, results in input order.

The function is a picklable object that carries what every chunk needs (a stage's settings,
the entities' names): it reaches each worker once, through the pool's initializer, and only
the chunks and their results travel after that. Workers come from a fork server, a clean
process started before any thread of ours, so that a pool is safe to start from the threaded
watch server; nothing reaches them through the parent's memory. One job, or a little work,
runs in this process: the output never depends on the number of jobs.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS_PER_JOB = 64
# Imported once by the fork server, so that its workers start with the generator loaded.
PRELOAD = ["generator.build"]

_installed: Callable[[Sequence[Any]], list[Any]] | None = None  # a worker's stage function


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def start_method() -> str:
    """forkserver where the system has it (forking a process that runs threads can copy a held
    lock), else spawn: both start workers that share nothing with the parent."""
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


def _context() -> Any:
    context = multiprocessing.get_context(start_method())
    if start_method() == "forkserver":
        context.set_forkserver_preload(PRELOAD)
    return context


def _install(function: Callable[[Sequence[Any]], list[Any]]) -> None:
    """In a new worker: keep the stage function; leave Ctrl-C to the parent, which stops the
    pool (a worker must not print a traceback of its own)."""
    global _installed
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _installed = function


def _run(chunk: Sequence[Any]) -> list[Any]:
    assert _installed is not None, "a worker runs chunks only after _install"
    return _installed(chunk)


def jobs_for(jobs: int, items: int) -> int:
    return max(1, min(jobs, items // MIN_ITEMS_PER_JOB))


def map_in_chunks(
    function: Callable[[Sequence[T]], list[R]],
    items: Sequence[T],
    jobs: int,
    progress: Callable[[int, int], None] | None = None,
) -> list[R]:
    """function(chunk) -> results for that chunk, over `jobs` processes; results in order.
    `progress(done, total)` is called as chunks finish."""
    jobs = jobs_for(jobs, len(items))
    size = max(1, -(-len(items) // (jobs * 8)))  # several chunks a job: a slow one does not stall the end
    chunks = (items[start : start + size] for start in range(0, len(items), size))
    results: list[R] = []
    for part in stream(function, chunks, jobs):
        results.extend(part)
        if progress:
            progress(len(results), len(items))
    return results


def stream(function: Callable[[Sequence[T]], list[R]], chunks: Iterable[Sequence[T]], jobs: int) -> Iterator[list[R]]:
    """function(chunk) for each chunk as `chunks` yields it, in order. With jobs > 1 the chunks
    are made while the workers run (a pipe's worth ahead), so a long stream of work is never
    held in memory whole."""
    if jobs <= 1:
        yield from map(function, chunks)
        return
    with _pool(jobs, function) as pool:
        yield from pool.imap(_run, chunks, chunksize=1)


def _pool(jobs: int, function: Callable[[Sequence[Any]], list[Any]]) -> Any:
    """Worker processes for `function`. The processes the pool starts (the forkserver among
    them, which would print a traceback if Ctrl-C came while it imports the generator) start
    with Ctrl-C ignored, which Python then leaves so; this process holds a Ctrl-C that comes
    meanwhile and gets it once the pool is up (Linux keeps a blocked signal pending even while
    it is ignored)."""
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        return _start(jobs, function)
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    handler = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return _start(jobs, function)
    finally:
        signal.signal(signal.SIGINT, handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _start(jobs: int, function: Callable[[Sequence[Any]], list[Any]]) -> Any:
    return _context().Pool(jobs, initializer=_install, initargs=(function,))

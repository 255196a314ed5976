"""Run a function over chunks of work in forked worker processes, results in input order.

Workers are forked after the caller has set `shared`, so they read the whole site
without pickling it; only each chunk's results travel back. One job, or a little
work, runs in this process: the output never depends on the number of jobs.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

shared: dict[str, Any] = {}  # read by the workers; set before they are forked
MIN_ITEMS_PER_JOB = 64


def _leave_interrupts_to_the_parent() -> None:
    """Ctrl-C reaches every process of the terminal's group: the parent stops the pool, and a
    worker must not print a traceback of its own."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def map_in_chunks(
    function: Callable[[Sequence[T]], list[R]],
    items: Sequence[T],
    jobs: int,
    progress: Callable[[int, int], None] | None = None,
) -> list[R]:
    """function(chunk) -> results for that chunk, over `jobs` processes; results in order.
    `progress(done, total)` is called as chunks finish."""
    jobs = max(1, min(jobs, len(items) // MIN_ITEMS_PER_JOB))
    forked = jobs > 1 and "fork" in multiprocessing.get_all_start_methods()
    size = max(1, -(-len(items) // (jobs * 8)))  # several chunks a job: a slow one does not stall the end
    chunks = [items[start : start + size] for start in range(0, len(items), size)]
    results: list[R] = []
    if not forked:
        for chunk in chunks:
            results.extend(function(chunk))
            if progress:
                progress(len(results), len(items))
        return results
    with multiprocessing.get_context("fork").Pool(jobs, initializer=_leave_interrupts_to_the_parent) as pool:
        for part in pool.imap(function, chunks, chunksize=1):
            results.extend(part)
            if progress:
                progress(len(results), len(items))
    return results

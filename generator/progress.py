"""How a build shows its progress: a bar on a terminal, plain lines elsewhere (CI, logs)."""

from __future__ import annotations

import os
import sys
import time
from types import TracebackType
from typing import Any

# The same words as the build's summary: "N articles", "N files rendered".
LABELS = {
    "read": "reading articles",
    "render": "rendering articles",
    "write": "rendering files",
    "search": "indexing for search",
}
DELAY = 2.0  # seconds: quick builds show no progress at all


class ProgressReporter:
    """A context manager whose instances are the build's `progress(stage, done, total)`."""

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self.interactive = self.stream.isatty() and not os.environ.get("CI")
        self.bar: Any = None
        self.tasks: dict[str, Any] = {}
        self.last_line = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.started < DELAY:
            return
        if self.interactive:
            self._bar(stage, done, total)
        elif done == total or now - self.last_line >= 5:  # a line a stage, or every 5 s
            print(f"{LABELS.get(stage, stage)}: {done}/{total}", file=self.stream, flush=True)
            self.last_line = now

    def _bar(self, stage: str, done: int, total: int) -> None:
        if self.bar is None:
            # imported here: most builds never show a bar, and rich takes a while to import
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
            self.bar = Progress(*columns, transient=True)
            self.bar.start()
        if stage not in self.tasks:
            self.tasks[stage] = self.bar.add_task(LABELS.get(stage, stage), total=total)
        self.bar.update(self.tasks[stage], completed=done)

    def __enter__(self) -> ProgressReporter:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self.bar is not None:
            self.bar.stop()

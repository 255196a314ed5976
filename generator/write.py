"""Owns the output directory: one writer per path, nothing outside it, swapped in whole."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from generator.errors import UsageError

MARKER = ".rassegna"
MARKER_TEXT = "This directory was built by rassegna; `rassegna build` replaces it and `rassegna clean` removes it.\n"


def check_output_dir(out: Path, protected: Iterable[Path]) -> None:
    """Refuse an output directory that is, contains or lies inside a source directory."""
    target = out.resolve()
    if target == target.parent:
        raise UsageError(f"--out {out} is the file-system root; choose a directory such as 'site'")
    for source in protected:
        resolved = source.resolve()
        if target == resolved or target in resolved.parents or resolved in target.parents:
            raise UsageError(
                f"--out {out} overlaps the source directory {source}: "
                "the build replaces --out whole, so it must be a separate directory such as 'site'"
            )
    if target.exists() and not target.is_dir():
        raise UsageError(f"--out {out} is a file, not a directory")
    if target.is_dir() and any(target.iterdir()) and not (target / MARKER).is_file():
        raise UsageError(
            f"--out {out} is a directory that rassegna did not build (no {MARKER} file in it): "
            "the build would replace it; remove it yourself or choose another directory"
        )


def write_file(target: Path, data: bytes, previous: Path) -> None:
    """Write `data`; when the current site has the same bytes, link that file instead, so an
    unchanged page keeps its modification time (and a deployment stays small)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        if previous.stat().st_size == len(data) and previous.read_bytes() == data:
            os.link(previous, target)
            return
    except OSError:
        pass  # no previous file, or a file system without hard links: write it
    target.write_bytes(data)


class SiteWriter:
    """Writes a new site into a temporary directory beside `out`, then swaps it in."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.temp = out.parent / f".{out.name}.rassegna-new-{os.getpid()}"
        self.written: set[str] = set()

    def __enter__(self) -> SiteWriter:
        self.out.parent.mkdir(parents=True, exist_ok=True)
        if self.temp.exists():
            shutil.rmtree(self.temp)
        self.temp.mkdir()
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.write(MARKER, MARKER_TEXT.encode())
            self._swap()
        else:
            shutil.rmtree(self.temp, ignore_errors=True)  # the previous site stays as it was

    def reserve(self, path: str) -> Path:
        """Claim an output path (one writer per path) and return the file to write it to."""
        return self._target(path)

    def write(self, path: str, data: bytes) -> None:
        target = self._target(path)
        write_file(target, data, self.previous(target))

    def copy(self, path: str, source: Path) -> None:
        target = self._target(path)
        write_file(target, source.read_bytes(), self.previous(target))

    def previous(self, target: Path) -> Path:
        """Where the file that `target` replaces lives in the current site."""
        return self.out / target.relative_to(self.temp)

    def _target(self, path: str) -> Path:
        relative = PurePosixPath(path)
        if relative.is_absolute() or ".." in relative.parts or not relative.parts:
            raise ValueError(f"refusing to write outside the output directory: {path!r}")
        key = str(relative)
        if key in self.written:
            raise ValueError(f"two pages would write the same file: {key}")
        self.written.add(key)
        return self.temp.joinpath(*relative.parts)

    def _swap(self) -> None:
        old = self.out.parent / f".{self.out.name}.rassegna-old-{os.getpid()}"
        if self.out.exists():
            os.replace(self.out, old)
        os.replace(self.temp, self.out)
        shutil.rmtree(old, ignore_errors=True)

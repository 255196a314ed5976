"""File signatures: the cheap way to see which files may have changed, in the sources and in
the site, without reading them."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

Signature = tuple[int, int, int]  # mtime_ns, size, inode


def walk(root: Path, follow_symlinks: bool = True) -> dict[str, Signature]:
    """Every file under `root` with its signature, by posix path relative to `root`."""
    found: dict[str, Signature] = {}
    if root.is_dir():
        _walk(str(root), "", found, follow_symlinks)
    return found


def _walk(folder: str, prefix: str, found: dict[str, Signature], follow: bool) -> None:
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=follow):
                _walk(entry.path, f"{prefix}{entry.name}/", found, follow)
            elif entry.is_file(follow_symlinks=follow) or not follow:
                stat = entry.stat(follow_symlinks=follow)
                found[prefix + entry.name] = (stat.st_mtime_ns, stat.st_size, stat.st_ino)


def signatures_of(root: Path, paths: Iterable[str]) -> dict[str, Signature]:
    """The signature of each of `paths` (relative to `root`) that exists."""
    signatures = {}
    for path in paths:
        try:
            stat = os.stat(os.path.join(root, path), follow_symlinks=False)
        except OSError:
            continue
        signatures[path] = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
    return signatures

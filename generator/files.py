"""File signatures: the cheap way to see which files may have changed, in the sources and in
the site, without reading them."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from stat import S_ISDIR

# mtime_ns, size, inode, ctime_ns: an edit that puts the mtime back (`touch -r`) still changes
# the ctime, which no one can set.
Signature = tuple[int, int, int, int]


def walk(root: Path, follow_symlinks: bool = True) -> dict[str, Signature]:
    """Every file under `root` with its signature, by posix path relative to `root`. A link to
    a folder is never followed (as the loader never reads through one); with
    `follow_symlinks`, a link to a file has its target's signature, so an edit of the target
    is seen, and a broken link or a loop its own."""
    found: dict[str, Signature] = {}
    if root.is_dir():
        _walk(str(root), "", found, follow_symlinks)
    return found


def _walk(folder: str, prefix: str, found: dict[str, Signature], follow: bool) -> None:
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return  # an unreadable folder: the loader reports it
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            _walk(entry.path, f"{prefix}{entry.name}/", found, follow)
            continue
        try:
            stat = entry.stat(follow_symlinks=follow)
        except OSError:  # a broken link, or a loop: the loader reports it
            stat = entry.stat(follow_symlinks=False)
        if not follow or not S_ISDIR(stat.st_mode):
            found[prefix + entry.name] = (stat.st_mtime_ns, stat.st_size, stat.st_ino, stat.st_ctime_ns)


def link_problem(path: Path, root: Path) -> str | None:
    """Why `path`, a symbolic link, may not be read: it leads outside `root`, nowhere, or in a
    loop. None for a file that is not a link, and for a link to a file inside `root`."""
    if not path.is_symlink():
        return None
    target = os.readlink(path)
    try:
        resolved = path.resolve(strict=True)
    except FileNotFoundError:
        return f"a symbolic link to {target}, which does not exist: remove the link or fix its target"
    except (OSError, RuntimeError):  # ELOOP, or pathlib's "Symlink loop"
        return f"a symbolic link that leads round in a loop ({target}): replace it with the file itself"
    if not resolved.is_relative_to(root.resolve()):
        return (
            f"a symbolic link to {target}, outside {root}: rassegna reads only files inside the content "
            "and templates folders; copy the file in instead"
        )
    if resolved.is_dir():
        return f"a symbolic link to the folder {target}: rassegna never follows one; move the files in instead"
    return None


def signatures_of(root: Path, paths: Iterable[str]) -> dict[str, Signature]:
    """The signature of each of `paths` (relative to `root`) that exists."""
    signatures = {}
    for path in paths:
        try:
            stat = os.stat(os.path.join(root, path), follow_symlinks=False)
        except OSError:
            continue
        signatures[path] = (stat.st_mtime_ns, stat.st_size, stat.st_ino, stat.st_ctime_ns)
    return signatures


# What no walker of the content reads: editors' swap, backup and lock files, and the files an
# operating system leaves behind. Hidden names are skipped too, but for `.well-known/`, which
# a site may publish (security.txt, Apple's and Android's app links).
EDITOR_FILES = re.compile(r"(^4913$|~$|^\.#|\.sw[a-p]x?$|^#.*#$|\.tmp$|^\.~lock\.|^Thumbs\.db$|^desktop\.ini$)")
PUBLISHED_HIDDEN = (".well-known",)


def is_ignored(name: str) -> bool:
    """A file or folder name that no walker of the content takes (one rule for all of them)."""
    return EDITOR_FILES.search(name) is not None or (name.startswith(".") and name not in PUBLISHED_HIDDEN)

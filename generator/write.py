"""Owns the output directory: one writer per path, nothing outside it, swapped in whole."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import posixpath
import shutil
import sys
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from generator.errors import UsageError
from generator.files import Signature, signatures_of, walk

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

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


def remove_site(out: Path) -> bool:
    """Remove a site that rassegna built (and any staging folder a killed build left beside
    it); False if there was none. A directory without the marker is refused, never removed."""
    remove_staging(out)
    if not out.exists() and not out.is_symlink():
        return False
    if out.is_symlink() or not out.is_dir() or not (out / MARKER).is_file():
        raise UsageError(
            f"{out} was not built by rassegna (no {MARKER} file in it, or not a plain directory): "
            "it is left as it is; remove it yourself if you mean to"
        )
    shutil.rmtree(out)
    return True


def remove_staging(out: Path) -> None:
    """The staging folders that killed builds left beside `out` (call it holding the lock)."""
    for folder in out.parent.glob(f".{out.name}.rassegna-new-*") if out.parent.is_dir() else ():
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def exclusive(lock: Path, out: Path) -> Iterator[None]:
    """One build at a time into `out`: a second one is refused, never mixed in. The lock goes
    with the process, so a killed build holds none."""
    if fcntl is None:  # no flock on this system: builds are not serialised
        yield
        return
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("a") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UsageError(
                f"another rassegna is building {out} right now: wait for it to finish, then build again"
            ) from None
        yield


def read_stamp(out: Path) -> str | None:
    """The build stamp in the site's marker: which cached build state describes this site."""
    return _marker_field(out, "build")


def read_base_url(out: Path) -> str | None:
    """The base URL the site was built for, as its marker records it."""
    return _marker_field(out, "base_url")


def _marker_field(out: Path, name: str) -> str | None:
    try:
        lines = (out / MARKER).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    values = [line.removeprefix(f"{name} ") for line in lines if line.startswith(f"{name} ")]
    return values[-1] if values else None


def site_files(out: Path) -> dict[str, Signature]:
    """Every file of a built site (marker excluded) with its signature."""
    found = walk(out, follow_symlinks=False)
    found.pop(MARKER, None)
    return {path: _without_ctime(signature) for path, signature in found.items()}


def site_signatures(out: Path, paths: Iterable[str]) -> dict[str, Signature]:
    """The signatures of files of the site, as site_files gives them (a folder's too)."""
    return {path: _without_ctime(signature) for path, signature in signatures_of(out, paths).items()}


def written_signatures(out: Path, paths: Iterable[str]) -> dict[str, Signature]:
    """The signatures of files of the site and of every folder they are in, as `folder/` (the
    site's own as `./`): a file added or removed by hand changes its folder's, so that a
    rebuild sees it without walking the site."""
    paths = list(paths)
    return site_signatures(out, [*paths, *folders_of(paths)])


def is_folder(path: str) -> bool:
    """Whether a key of written_signatures names a folder."""
    return path.endswith("/")


def folders_of(paths: Iterable[str]) -> set[str]:
    folders = {SITE_FOLDER}
    for path in paths:
        parent = posixpath.dirname(path)
        while parent and f"{parent}/" not in folders:
            folders.add(f"{parent}/")
            parent = posixpath.dirname(parent)
    return folders


SITE_FOLDER = "./"


def _without_ctime(signature: Signature) -> Signature:
    """A site's files share inodes with the tree swapped out, whose removal changes their ctime:
    in the site, size, mtime and inode tell an edit by hand."""
    return (*signature[:3], 0)


class SiteWriter:
    """Writes the files that differ from the current site into a directory beside it, then
    moves them in and removes the files no page makes any more. Until `commit`, the site is
    untouched: a failed build leaves it as it was, and an unchanged file keeps its mtime."""

    def __init__(self, out: Path, base_url: str = "/", atomic: bool = False) -> None:
        self.out = out
        self.atomic = atomic  # swap in a whole new tree; else move the changed files in place
        self.base_url = base_url  # recorded in the marker, for `rassegna check --site`
        self.temp = out.parent / f".{out.name}.rassegna-new-{os.getpid()}"
        self.folders: set[Path] = set()  # made in temp by this process: one mkdir each
        self.removed = False

    def __enter__(self) -> SiteWriter:
        self.out.parent.mkdir(parents=True, exist_ok=True)
        remove_staging(self.out)  # this build's, and any that a killed build left
        self.temp.mkdir()
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if not self.removed:  # after a swap the old site is there, and being removed
            shutil.rmtree(self.temp, ignore_errors=True)

    def write(self, path: str, data: bytes) -> bool:
        """Stage `data` for `path` unless the site already has these bytes; True if staged."""
        current = self.out / _relative(path)
        try:
            if current.stat().st_size == len(data) and current.read_bytes() == data:
                return False
        except OSError:
            pass  # not in the site yet
        target = self.temp / _relative(path)
        if target.parent not in self.folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            self.folders.add(target.parent)
        target.write_bytes(data)
        return True

    def copy(self, path: str, source: Path) -> bool:
        return self.write(path, source.read_bytes())

    def commit(self, staged: Iterable[str], stale: Iterable[str], stamp: str) -> None:
        """Make the site the staged files, the current site's other files but `stale`, and the
        marker with `stamp`.

        By default the changed files are moved in one by one, under a marker without a stamp:
        a build cut short there leaves a site that `rassegna check --site` calls incomplete and
        that the next build completes (no cache trusts it). That costs what changed. `atomic`
        completes the new tree beside the old one (unchanged files hard-linked, so they keep
        their mtime) and exchanges the two in one step, so a reader, a crash or a kill sees the
        old site or the new one, never a mix; that costs a link and a folder per file of the
        site, seconds for a large one."""
        staged, stale = list(staged), set(stale)
        if self.out.exists() and not staged and not stale:
            self._mark(stamp)  # the same files: only the marker is new
            return
        if self.out.exists() and not self.atomic:
            self._commit_in_place(staged, stale, stamp)
            return
        if self.out.exists():
            self._link_the_rest(set(staged) | stale)
        (self.temp / MARKER).write_bytes(self._marker(stamp))
        if not self.out.exists():
            os.replace(self.temp, self.out)  # a new site: in one step
            return
        old = _exchange(self.temp, self.out)
        self.removed = True
        _remove_in_background(old)

    def _link_the_rest(self, taken: set[str]) -> None:
        for path in site_files(self.out):
            if path in taken:
                continue
            target = self.temp / _relative(path)
            if target.parent not in self.folders:
                target.parent.mkdir(parents=True, exist_ok=True)
                self.folders.add(target.parent)
            try:
                os.link(self.out / _relative(path), target, follow_symlinks=False)
            except OSError as exc:
                if exc.errno not in _NO_HARD_LINKS:
                    raise
                shutil.copy2(self.out / _relative(path), target, follow_symlinks=False)

    def _commit_in_place(self, staged: list[str], stale: set[str], stamp: str) -> None:
        """The quick path of `rassegna serve` (a few pages): move them in one by one. Until the
        last step the marker has no stamp: a commit cut short leaves a site no cache trusts."""
        self._mark(None)
        for path in sorted(stale, reverse=True):  # first: a stale file may sit where a folder goes
            target = self.out / _relative(path)
            target.unlink(missing_ok=True)
            _remove_empty_parents(target.parent, self.out)
        for path in staged:
            target = self.out / _relative(path)
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)  # a page where a folder of files no longer made was
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.temp / _relative(path), target)
        self._mark(stamp)

    def _mark(self, stamp: str | None) -> None:
        temp = self.out / f".{MARKER}.new-{os.getpid()}"
        try:
            temp.write_bytes(self._marker(stamp))
            os.replace(temp, self.out / MARKER)
        finally:
            temp.unlink(missing_ok=True)

    def _marker(self, stamp: str | None) -> bytes:
        return (MARKER_TEXT + f"base_url {self.base_url}\n" + (f"build {stamp}\n" if stamp else "")).encode()


_removals: list[threading.Thread] = []


def _remove_in_background(folder: Path) -> None:
    """The old site, swapped out: removing it takes a syscall a file, which may as well overlap
    what the build does next (saving its cache). `finish_removals` waits for it."""
    removal = threading.Thread(target=shutil.rmtree, args=(folder,), kwargs={"ignore_errors": True})
    removal.start()
    _removals.append(removal)


def finish_removals() -> None:
    while _removals:
        _removals.pop().join()


def _exchange(new: Path, current: Path) -> Path:
    """Put `new` where `current` is, in one step where the system can (Linux's renameat2 with
    RENAME_EXCHANGE); the old tree is returned, at `new`'s place, to be removed."""
    if _renameat2 is not None:
        if _renameat2(_AT_FDCWD, os.fsencode(new), _AT_FDCWD, os.fsencode(current), _RENAME_EXCHANGE) == 0:
            return new
    aside = new.with_name(new.name + "-old")  # elsewhere: two renames, with the site missing between them
    os.rename(current, aside)
    os.rename(new, current)
    return aside


def _find_renameat2() -> Any:
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return function


_AT_FDCWD, _RENAME_EXCHANGE = -100, 2
_NO_HARD_LINKS = {errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK}  # then a copy
_renameat2 = _find_renameat2() if sys.platform.startswith("linux") else None


def _relative(path: str) -> PurePosixPath:
    relative = PurePosixPath(path)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise ValueError(f"refusing to write outside the output directory: {path!r}")
    return relative


def _remove_empty_parents(folder: Path, root: Path) -> None:
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return  # not empty
        folder = folder.parent

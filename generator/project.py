"""Where a project's files are: its root, found from any folder inside it, and its theme,
looked up file by file in the project's templates/ first, then in the theme rassegna ships."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from generator.errors import UsageError
from generator.files import walk

PACKAGE = Path(__file__).resolve().parent
# Installed, the wheel carries the theme as generator/theme/; in a checkout it is ../templates/.
PACKAGED_THEME = PACKAGE / "theme" if (PACKAGE / "theme").is_dir() else PACKAGE.parent / "templates"
MARKER = Path("content") / "site.yml"  # what makes a folder a project's root


def find_root(start: Path) -> Path | None:
    """The nearest folder, `start` or above it, that holds content/site.yml (as git finds .git)."""
    for folder in (start, *start.parents):
        if (folder / MARKER).is_file():
            return folder
    return None


def shown(path: Path) -> Path:
    """A path as the user should read it: relative to where they stand ('../../content') when
    it is below there or in the project they stand in; elsewhere, in full."""
    try:
        relative = Path(os.path.relpath(path))
    except ValueError:  # on another drive
        return Path(path).absolute()
    if relative.parts[:1] != ("..",):
        return relative
    root = find_root(Path.cwd())
    return relative if root is not None and Path(path).resolve().is_relative_to(root) else Path(path).absolute()


@dataclass(frozen=True)
class Theme:
    """Template folders in lookup order: the first that has a file wins."""

    folders: tuple[Path, ...]

    @property
    def project(self) -> Path:
        """The folder a user edits: the first one (the packaged theme when the project has none)."""
        return self.folders[0]

    def find(self, name: str) -> Path | None:
        return next((folder / name for folder in self.folders if (folder / name).is_file()), None)

    def files(self, under: str) -> dict[str, Path]:
        """Every file below `under` in any folder, by its path there; an override wins."""
        found: dict[str, Path] = {}
        for folder in reversed(self.folders):
            for path in _walk(folder / under):
                found[path.relative_to(folder / under).as_posix()] = path
        return dict(sorted(found.items()))

    def owner(self, path: Path) -> Path | None:
        """The folder of the theme a file lies in."""
        return next((folder for folder in self.folders if folder == path or folder in path.parents), None)


def find_theme(explicit: Path | None, content: Path) -> Theme:
    """--templates, else the project's templates/ beside content/ if it has one; then the
    packaged theme, which has every template a build needs."""
    if explicit is not None and not explicit.is_dir():
        raise UsageError(f"--templates {explicit} is not a directory; point it at a folder of templates")
    own = explicit if explicit is not None else project_of(content) / "templates"
    folders = [own] if own.is_dir() and own.resolve() != PACKAGED_THEME else []
    return Theme((*folders, PACKAGED_THEME))


def project_of(content: Path) -> Path:
    """The folder that holds `content`: its parent, also for '.' or '..'."""
    return content.parent if content.name not in ("", ".", "..") else shown(content.resolve().parent)


def _walk(folder: Path) -> Iterator[Path]:
    """Files and links (never followed: the build checks each) below `folder`."""
    yield from (folder / name for name in sorted(walk(folder, follow_symlinks=False)))

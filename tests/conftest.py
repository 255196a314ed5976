"""Shared fixtures: projects written from dicts, the shipped site built once per session."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.build import BuildOptions, BuildResult, build

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
CORPORA = SHARED / "corpora"
ARTIFACTS = REPO / "test-artifacts"

MakeProject = Callable[[dict[str, str]], Path]


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Write {relative path: text} under root; text is dedented so tests can indent it."""
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


@pytest.fixture
def make_project(tmp_path: Path) -> MakeProject:
    """A content directory from a dict; 'site.yml' gets a default unless given."""

    def make(files: dict[str, str]) -> Path:
        content = tmp_path / "content"
        files = {"site.yml": "title: Test\nlanguage: en\n", **files}
        return write_tree(content, files)

    return make


def build_project(content: Path, **options: object) -> BuildResult:
    out = options.pop("out", content.parent / "site")
    return build(BuildOptions(content=content, out=out, templates=REPO / "templates", **options))  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def shipped_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("shipped") / "site"
    build(BuildOptions(content=REPO / "content", out=out, templates=REPO / "templates"))
    return out


def copy_content(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target

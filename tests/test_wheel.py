"""The wheel users install: every module and every theme file of the checkout in it, and a
rassegna that starts from it outside the checkout (init, build, check)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO


def tracked(*patterns: str) -> list[str]:
    listed = subprocess.run(["git", "ls-files", "--", *patterns], cwd=REPO, capture_output=True, text=True)
    if listed.returncode != 0:
        pytest.skip("not a git checkout: the wheel is checked against the files git tracks")
    return [line for line in listed.stdout.splitlines() if line]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built from a copy of the files git tracks, as a clean clone would: a build/ folder left
    in the checkout by an earlier build must not fill in what the configuration leaves out."""
    source, out = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("dist")
    for path in tracked("."):
        (source / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / path, source / path)
    built = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(source)], capture_output=True, text=True
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    [path] = out.glob("rassegna-*.whl")
    return path


def test_the_wheel_has_every_module_every_theme_file_and_the_licence(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = tracked("generator/*.py", "generator/**/*.py")
    theme = [f"generator/theme/{path.removeprefix('templates/')}" for path in tracked("templates")]
    assert modules and "generator/markdown/__init__.py" in modules
    assert sorted(set(modules) - names) == []
    assert sorted(set(theme) - names) == []
    assert "generator/theme/locale/it/LC_MESSAGES/messages.po" in names
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)
    assert not [name for name in names if name.startswith(("tests/", "content/", "templates/", "bench/"))]


def test_rassegna_from_the_wheel_starts_an_archive_and_builds_it(wheel: Path, tmp_path: Path) -> None:
    """The wheel's files alone (unpacked with pip --target), the libraries of this environment."""
    target = tmp_path / "installed"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)], check=True
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    where = tmp_path / "elsewhere"
    where.mkdir()

    def rassegna(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        code = "import sys, generator.cli; sys.exit(generator.cli.main())"
        return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True, text=True)

    located = subprocess.run(
        [sys.executable, "-c", "import generator.project as p; print(p.PACKAGED_THEME)"],
        cwd=where,
        env=env,
        capture_output=True,
        text=True,
    )
    assert located.stdout.strip() == str(target / "generator" / "theme")
    assert rassegna("init", "proj", "--lang", "it", cwd=where).returncode == 0
    built = rassegna("build", "--strict", "--base-url", "https://someone.github.io/proj/", cwd=where / "proj")
    assert built.returncode == 0, built.stderr
    checked = rassegna("check", "--site", "site", "--strict", cwd=where / "proj")
    assert checked.returncode == 0, checked.stdout
    home = (where / "proj/site/index.html").read_text(encoding="utf-8")
    assert 'href="/proj/assets/style.css' in home and "Ultimi articoli" in home

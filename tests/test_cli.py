"""The command line: version, help, the one-line summary, progress off a terminal."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator import __version__, progress
from generator.progress import ProgressReporter
from tests.conftest import REPO


def rassegna(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, capture_output=True, text=True)


def test_version_and_help() -> None:
    assert rassegna("--version").stdout.strip() == f"rassegna {__version__}"
    help_text = rassegna("build", "--help").stdout
    for option in ("--content", "--out", "--base-url", "--drafts", "--strict", "--jobs", "--templates"):
        assert option in help_text
    assert rassegna().returncode == 2


def test_a_build_ends_with_a_one_line_summary(tmp_path: Path) -> None:
    result = rassegna("build", "--out", str(tmp_path / "site"))
    assert result.returncode == 0, result.stderr
    # 27 pages, the date archives of the seed's year and month, the map
    summary = r"built 30 pages \(1 article, 19 entities\) in \d+\.\d\d s into .*site: "
    made = r"; search index: 1 of 1 bundle made in \d+\.\d\d s"  # a small archive's index: one bundle
    first = re.fullmatch(summary + r"(\d+) files rendered, (\d+) written" + made, result.stdout.splitlines()[0])
    assert first, result.stdout
    index = [path for path in (tmp_path / "site" / "pagefind").rglob("*") if path.is_file()]
    assets = [path for path in (tmp_path / "site" / "assets").iterdir()]
    assert int(first[2]) == int(first[1]) + len(assets) + len(index)  # every page, the assets, the search index
    again = rassegna("build", "--out", str(tmp_path / "site"))
    assert re.fullmatch(summary + "nothing changed", again.stdout.splitlines()[0]), again.stdout


def test_bad_jobs_is_a_usage_error(tmp_path: Path) -> None:
    result = rassegna("build", "--jobs", "0", "--out", str(tmp_path / "site"))
    assert result.returncode == 2
    assert "must be a whole number of at least 1, not '0'" in result.stderr


def test_progress_off_a_terminal_is_plain_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "DELAY", 0.0)
    stream = io.StringIO()
    with ProgressReporter(stream) as report:
        for done in range(1, 11):
            report("render", done, 10)
        report("write", 5, 5)
    assert stream.getvalue().splitlines() == [
        "rendering articles: 1/10",
        "rendering articles: 10/10",
        "rendering files: 5/5",
    ]


def test_quick_builds_show_no_progress() -> None:
    stream = io.StringIO()
    with ProgressReporter(stream) as report:
        report("render", 10, 10)
    assert stream.getvalue() == ""


def test_clean_removes_only_what_rassegna_built(tmp_path: Path) -> None:
    """`rassegna clean` removes the site and its build cache; a directory without the marker,
    or a symlink, is refused and left whole."""
    out = tmp_path / "site"
    assert rassegna("build", "--content", str(REPO / "content"), "--out", str(out)).returncode == 0
    cache = tmp_path / ".rassegna-cache" / "site"
    assert (out / "index.html").is_file() and cache.is_dir()
    cleaned = rassegna("clean", "--out", str(out))
    assert cleaned.returncode == 0
    assert cleaned.stdout.splitlines() == [f"removed {out}", f"removed {cache}"]
    assert not out.exists() and not (tmp_path / ".rassegna-cache").exists()
    assert rassegna("clean", "--out", str(out)).stdout.startswith("nothing to remove")

    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me\n")
    refused = rassegna("clean", "--out", str(mine))
    assert refused.returncode == 2
    assert f"{mine} was not built by rassegna" in refused.stderr
    assert (mine / "notes.txt").read_text() == "keep me\n"

    assert rassegna("build", "--content", str(REPO / "content"), "--out", str(out)).returncode == 0
    link = tmp_path / "link"
    link.symlink_to(out)
    assert rassegna("clean", "--out", str(link)).returncode == 2
    assert (out / "index.html").is_file()


def test_new_writes_valid_files_and_never_overwrites(tmp_path: Path) -> None:
    """`rassegna new`: a slug from the title, today's date, the site's language, front matter
    the build accepts whatever the title holds; a second time, a usage error."""
    content = tmp_path / "content"
    shutil.copytree(REPO / "content", content)
    title = 'Perché l\'IA: "generale" # e: altro?'
    made = rassegna("new", "article", title, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    article = content / "articles" / "perche-l-ia-generale-e-altro.md"
    assert made.stdout.strip() == f"created {Path('content/articles/perche-l-ia-generale-e-altro.md')}"
    text = article.read_text(encoding="utf-8")
    assert f"date: {dt.date.today().isoformat()}" in text and "lang: it" in text
    entity = rassegna("new", "entity", "Mistral AI", "--type", "organization", cwd=tmp_path)
    assert entity.returncode == 0 and (content / "entities" / "mistral-ai.md").is_file()
    built = rassegna("build", "--strict", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    page = (tmp_path / "site" / "articles" / "perche-l-ia-generale-e-altro" / "index.html").read_text()
    assert "Perché l&#39;IA: &#34;generale&#34; # e: altro?" in page
    assert (tmp_path / "site" / "entities" / "mistral-ai" / "index.html").is_file()

    again = rassegna("new", "article", title, cwd=tmp_path)
    assert again.returncode == 2 and "already exists" in again.stderr
    assert article.read_text(encoding="utf-8") == text
    assert rassegna("new", "entity", "X", "--type", "animal", cwd=tmp_path).returncode == 2
    assert rassegna("new", "article", "  ", cwd=tmp_path).returncode == 2

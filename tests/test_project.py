"""A project as a user has it: `rassegna init`, commands run from any folder inside it, the
packaged theme with a project's overrides file by file, and what the commands say."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import yaml

from generator import __version__
from generator.build import BuildOptions
from generator.project import PACKAGED_THEME
from generator.serve import Preview, Reloader
from tests.conftest import REPO, MakeProject, build_project, write_tree


def rassegna(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, capture_output=True, text=True)


def init(tmp_path: Path, *args: str) -> Path:
    result = rassegna("init", "proj", *args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return tmp_path / "proj"


# --- rassegna init -----------------------------------------------------------------------------


def test_init_writes_an_archive_that_builds_without_a_warning(tmp_path: Path) -> None:
    result = rassegna("init", "proj", "--lang", "it", "--title", "Archivio di prova", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "created proj/content/site.yml",
        "created proj/content/articles/benvenuti.md",
        "created proj/content/entities/ada-lovelace.md",
        "created proj/content/entities/londra.md",
        "created proj/.gitignore",
        "created proj/.github/workflows/pages.yml",
        "",
        "next:",
        "  cd proj",
        "  rassegna build    build the site into site/",
        "  rassegna serve    preview it at http://127.0.0.1:8000/, rebuilt on every save",
        "  to publish it: push the folder to a GitHub repository and turn Pages on "
        "(Settings → Pages → Source: GitHub Actions)",
    ]
    project = tmp_path / "proj"
    site = yaml.safe_load((project / "content/site.yml").read_text(encoding="utf-8"))
    assert site == {
        "title": "Archivio di prova",
        "description": "Un archivio annotato di articoli.",
        "language": "it",
        "base_url": "/",
        "autolink": "first",
        "autolink_scope": "archive",
    }
    assert (project / ".gitignore").read_text().splitlines()[1:] == [
        "/site/",
        "/.rassegna-cache/",
        "/.site.rassegna-new-*/",
    ]
    built = rassegna("build", "--strict", cwd=project)
    assert built.returncode == 0, built.stderr
    assert built.stderr == ""
    page = (project / "site/articles/benvenuti/index.html").read_text(encoding="utf-8")
    assert 'href="/entities/ada-lovelace/"' in page and 'href="/entities/londra/"' in page  # mention, autolink
    assert 'class="annotated" aria-details="note-1"' in page
    assert "Chi e cosa in questo articolo" in page  # Italian labels


def test_init_in_another_language_writes_english_example_content(tmp_path: Path) -> None:
    project = init(tmp_path, "--lang", "de")
    article = (project / "content/articles/welcome.md").read_text(encoding="utf-8")
    assert "\nlang: en\n" in article  # an English example in a German archive says so
    built = rassegna("build", cwd=project)
    assert built.returncode == 0, built.stderr
    assert "no catalog of UI strings for language 'de'" in built.stderr


def test_init_never_writes_over_a_file(tmp_path: Path) -> None:
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj/.gitignore").write_text("node_modules/\n")
    result = rassegna("init", "proj", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "kept proj/.gitignore: it exists already" in result.stdout.splitlines()
    assert (tmp_path / "proj/.gitignore").read_text() == "node_modules/\n"
    again = rassegna("init", "proj", cwd=tmp_path)
    assert again.returncode == 2
    assert again.stderr == "rassegna: error: proj/content/site.yml already exists: proj is a rassegna project already\n"


def test_init_refuses_a_bad_language(tmp_path: Path) -> None:
    result = rassegna("init", "proj", "--lang", "italiano", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "rassegna: error: --lang must be a BCP 47 code such as 'it' or 'en', not 'italiano'\n"
    assert not (tmp_path / "proj").exists()


def test_the_new_archive_workflow_is_the_repository_s_but_for_the_install(tmp_path: Path) -> None:
    ours = yaml.safe_load((REPO / ".github/workflows/pages.yml").read_text(encoding="utf-8"))
    theirs = yaml.safe_load((init(tmp_path) / ".github/workflows/pages.yml").read_text(encoding="utf-8"))
    steps = [step for step in theirs["jobs"]["build"]["steps"] if step.get("name") != "Install rassegna"]
    assert [s.get("run") for s in steps] == [
        s.get("run") for s in ours["jobs"]["build"]["steps"] if s.get("name") != "Install rassegna"
    ]
    [install] = [s["run"] for s in theirs["jobs"]["build"]["steps"] if s.get("name") == "Install rassegna"]
    assert install == f'pip install "rassegna=={__version__}"'
    assert theirs["jobs"]["deploy"] == ours["jobs"]["deploy"]
    assert theirs["permissions"] == ours["permissions"] and theirs["concurrency"] == ours["concurrency"]


# --- project discovery -------------------------------------------------------------------------


def test_commands_work_from_any_folder_inside_the_project(tmp_path: Path) -> None:
    project = init(tmp_path)
    inside = project / "content/articles"
    built = rassegna("build", cwd=inside)
    assert built.returncode == 0, built.stderr
    assert built.stdout.splitlines()[0].split(" into ")[1].startswith("../../site:")
    assert (
        built.stdout.splitlines()[1]
        == "preview: rassegna serve (rebuilds on every save), then open http://127.0.0.1:8000/"
    )
    assert (project / "site/index.html").is_file() and not (inside / "site").exists()
    (project / "content/articles/welcome.md").write_text("---\ntitle: [broken\n---\n")
    broken = rassegna("build", cwd=inside)
    assert broken.returncode == 1
    assert broken.stderr.startswith("../../content/articles/welcome.md:")  # relative to where the user stands
    new = rassegna("new", "entity", "Charles Babbage", "--type", "person", cwd=inside)
    assert new.stdout == "created ../../content/entities/charles-babbage.md\n"
    checked = rassegna("check", cwd=project / ".github")
    assert "../content/articles/welcome.md:" in checked.stdout


def test_outside_a_project_the_command_says_how_to_start_one(tmp_path: Path) -> None:
    result = rassegna("build", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        f"rassegna: error: no rassegna project here: no content/site.yml in {tmp_path} or a folder above it; "
        "run 'rassegna init' to start one, or pass --content DIR\n"
    )


# --- the theme, file by file -------------------------------------------------------------------


def test_one_template_overrides_just_that_page(make_project: MakeProject, tmp_path: Path) -> None:
    content = make_project({"articles/a.md": "---\ntitle: A\ndate: 2025-03-01\n---\nText.\n"})
    write_tree(tmp_path / "templates", {"404.html": "<!doctype html><title>Lost</title><p>Nothing here.\n"})
    build_project(content, templates=None)
    site = tmp_path / "site"
    assert (site / "404.html").read_text() == "<!doctype html><title>Lost</title><p>Nothing here.\n"
    assert "<title>A — Test</title>" in (site / "articles/a/index.html").read_text()  # the packaged article.html
    assert (site / "assets/style.css").read_bytes() == (PACKAGED_THEME / "assets/style.css").read_bytes()


def test_one_asset_overrides_just_that_file(make_project: MakeProject, tmp_path: Path) -> None:
    content = make_project({"articles/a.md": "---\ntitle: A\ndate: 2025-03-01\n---\nText.\n"})
    write_tree(tmp_path / "templates", {"assets/style.css": "body { color: teal; }\n", "assets/extra.js": "//\n"})
    build_project(content, templates=None)
    site = tmp_path / "site"
    assert (site / "assets/style.css").read_text() == "body { color: teal; }\n"
    assert (site / "assets/extra.js").is_file()
    assert '<link rel="stylesheet"' in (site / "index.html").read_text()


def test_an_override_extends_the_packaged_base_template(make_project: MakeProject, tmp_path: Path) -> None:
    """An override extends the packaged base.html like the packaged pages do."""
    content = make_project({"articles/a.md": "---\ntitle: A\ndate: 2025-03-01\n---\nText.\n"})
    write_tree(
        tmp_path / "templates",
        {"tags.html": '{% extends "base.html" %}{% block main %}<p class="mine">{{ _("All tags") }}</p>{% endblock %}'},
    )
    build_project(content, templates=None)
    assert '<p class="mine">All tags</p>' in (tmp_path / "site/tags/index.html").read_text()


def test_an_edited_override_rebuilds_the_pages(make_project: MakeProject, tmp_path: Path) -> None:
    content = make_project({"articles/a.md": "---\ntitle: A\ndate: 2025-03-01\n---\nText.\n"})
    build_project(content, templates=None)
    write_tree(tmp_path / "templates", {"404.html": "<!doctype html><title>Lost</title>\n"})
    result = build_project(content, templates=None)
    assert (tmp_path / "site/404.html").read_text() == "<!doctype html><title>Lost</title>\n"
    assert "404.html" in result.changed
    (tmp_path / "templates/404.html").unlink()
    build_project(content, templates=None)
    assert (tmp_path / "site/404.html").read_bytes() != b"<!doctype html><title>Lost</title>\n"


# --- messages ----------------------------------------------------------------------------------


def test_serve_reports_warnings_on_the_first_build_and_each_rebuild(make_project: MakeProject, tmp_path: Path) -> None:
    article = "---\ntitle: A\ndate: 2025-03-01\n---\nText.\n"
    content = make_project({"articles/a.md": article})
    options = BuildOptions(content=content, out=tmp_path / "site", templates=REPO / "templates", jobs=1)
    out = io.StringIO()
    preview = Preview(options, Reloader(), out)
    preview.rebuild()
    assert "warning" not in out.getvalue()
    (content / "articles/a.md").write_text(article.replace("Text.", "Text on [[charles-babbage]]."))
    preview.rebuild({str(content / "articles/a.md")})
    warning = (
        f"{content}/articles/a.md:5: warning: unknown entity 'charles-babbage': it gets a stub page; "
        "create content/entities/charles-babbage.md to describe it, or fix the reference"
    )
    assert out.getvalue().splitlines().count(warning) == 1
    page = (tmp_path / "site/entities/charles-babbage/index.html").read_text()
    assert '<h1 data-pagefind-weight="10">Charles Babbage</h1>' in page  # the id made readable


def test_a_stub_takes_the_name_the_article_shows(make_project: MakeProject, tmp_path: Path) -> None:
    content = make_project({"articles/a.md": "---\ntitle: A\ndate: 2025-03-01\n---\nDa [[ada-l|Ada Lovelace]].\n"})
    build_project(content)
    assert (
        '<h1 data-pagefind-weight="10">Ada Lovelace</h1>' in (tmp_path / "site/entities/ada-l/index.html").read_text()
    )


def test_init_with_a_file_where_a_folder_goes_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj/.github").write_text("not a folder\n")
    result = rassegna("init", "proj", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        "rassegna: error: proj/.github is a file, where the new archive needs a folder: move it, or choose another DIR\n"
    )
    assert sorted(p.name for p in (tmp_path / "proj").iterdir()) == [".github"]


def test_content_given_as_dot_finds_the_project_templates(tmp_path: Path) -> None:
    project = init(tmp_path)
    write_tree(project / "templates", {"404.html": "<!doctype html><title>Lost</title>\n"})
    result = rassegna("build", "--content", ".", "--out", "../site", cwd=project / "content")
    assert result.returncode == 0, result.stderr
    assert (project / "site/404.html").read_text() == "<!doctype html><title>Lost</title>\n"


def test_a_templates_folder_made_while_serving_is_used(make_project: MakeProject, tmp_path: Path) -> None:
    """The quick path of a reworded article does not keep the old theme, and the watch notices
    the new folder by itself."""
    article = "---\ntitle: A\ndate: 2025-03-01\n---\nText.\n"
    content = make_project({"articles/a.md": article})
    out = io.StringIO()
    preview = Preview(BuildOptions(content=content, out=tmp_path / "site", jobs=1), Reloader(), out)
    preview.rebuild()
    lost = "<!doctype html><title>Lost</title>\n"
    write_tree(tmp_path / "templates", {"404.html": lost})
    (content / "articles/a.md").write_text(article.replace("Text.", "Other text."))
    preview.rebuild({str(content / "articles/a.md")})
    assert (tmp_path / "site/404.html").read_text() == lost
    assert "Other text." in (tmp_path / "site/articles/a/index.html").read_text()

    stop = threading.Event()
    watcher = threading.Thread(target=preview.watch, args=(stop,), daemon=True)
    watcher.start()
    try:
        time.sleep(0.5)  # the watch has started
        shutil.rmtree(tmp_path / "templates")
        deadline = time.monotonic() + 10
        while (tmp_path / "site/404.html").read_text() == lost and time.monotonic() < deadline:
            time.sleep(0.05)
        assert (tmp_path / "site/404.html").read_text() != lost  # the packaged 404 page again
        write_tree(tmp_path / "templates", {"404.html": lost})
        while (tmp_path / "site/404.html").read_text() != lost and time.monotonic() < deadline:
            time.sleep(0.05)
        assert (tmp_path / "site/404.html").read_text() == lost, out.getvalue()
    finally:
        stop.set()
        watcher.join(timeout=10)

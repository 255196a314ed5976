"""Bad input gets a clear error, never a traceback.

Every test drives the real command line from the project's parent directory with
relative paths, so messages read `content/articles/x.md:4: error: ...`, and checks:
the exact diagnostic lines, the file line they point at (a line of the file, not
of the YAML block), exit status 1 for content errors and 2 for usage errors, every
problem of a project in one run, and a failed build leaving the previous site as
it was.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.conftest import REPO, MakeProject

TEMPLATES = REPO / "templates"

GOOD = "---\ntitle: Good\ndate: 2025-02-10\n---\nA good article.\n"
ACME = "---\nname: Acme\ntype: organization\n---\nNotes about Acme.\n"


# --- helpers ------------------------------------------------------------------------------


def write_project(make_project: MakeProject, files: Mapping[str, str | bytes]) -> Path:
    """content/ from {path: text or bytes}; bytes are written as they are (e.g. not UTF-8)."""
    content = make_project({path: data for path, data in files.items() if isinstance(data, str)})
    for path, data in files.items():
        if isinstance(data, bytes):
            (content / path).parent.mkdir(parents=True, exist_ok=True)
            (content / path).write_bytes(data)
    return content


def rassegna(
    cwd: Path, *args: str, content: str = "content", out: str = "site", templates: Path | str = TEMPLATES
) -> subprocess.CompletedProcess[str]:
    """`python -m generator build` run in `cwd`, with relative --content and --out."""
    command = [sys.executable, "-m", "generator", "build", "--content", content, "--out", out]
    command += ["--templates", str(templates), *args]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env, timeout=120)


def has_lines(stderr: str, block: str) -> bool:
    """`block` (one or more whole lines) appears in stderr as consecutive whole lines."""
    return f"\n{block}\n" in f"\n{stderr}"


def assert_no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr, result.stderr


def assert_reports(result: subprocess.CompletedProcess[str], *blocks: str, status: int = 1) -> None:
    """Exit `status`, no traceback, and every expected block of lines on stderr."""
    assert_no_traceback(result)
    assert result.returncode == status, result.stderr
    missing = [block for block in blocks if not has_lines(result.stderr, block)]
    assert not missing, f"missing from stderr:\n{chr(10).join(missing)}\n--- stderr ---\n{result.stderr}"


def diagnostic_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ": error: " in line or ": warning: " in line]


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file (its bytes) and directory (None) under `folder`."""
    return {
        path.relative_to(folder).as_posix(): None if path.is_dir() else path.read_bytes()
        for path in sorted(folder.rglob("*"))
    }


def leftovers(parent: Path) -> list[str]:
    """Temporary directories the writer would leave beside the output (.site.rassegna-new-<pid>);
    the build cache (.rassegna-cache) is meant to stay."""
    return sorted(
        path.name for path in parent.iterdir() if ".rassegna-" in path.name and path.name != ".rassegna-cache"
    )


def template_copy(tmp_path: Path, **replaced: str) -> Path:
    """A copy of the templates as tmp_path/templates-copy, with some files replaced."""
    copy = tmp_path / "templates-copy"
    shutil.copytree(TEMPLATES, copy)
    for name, text in replaced.items():
        (copy / name).write_text(text, encoding="utf-8")
    return copy


# --- one broken file, one exact message ---------------------------------------------------

ERROR_CASES = [
    pytest.param(
        "articles/x.md",
        "title: No fences\ndate: 2025-02-10\n\nBody.\n",
        "content/articles/x.md:1: error: no front matter: start the file with a line '---', then the YAML keys, then '---'",
        id="no-front-matter",
    ),
    pytest.param(
        "articles/x.md",
        "---\ntitle: Never closed\ndate: 2025-02-10\n\nBody.\n",
        "content/articles/x.md:1: error: front matter is not closed: add a line '---' after the YAML keys",
        id="front-matter-not-closed",
    ),
    pytest.param(
        "articles/x.md",
        "---\ntitle: Bad list\ndate: 2025-02-10\ntags: [a, b\n---\nBody.\n",
        "content/articles/x.md:4: error: front matter is not valid YAML: did not find expected ',' or ']'\n"
        "    4 | tags: [a, b",
        id="invalid-yaml-flow-list",
    ),
    pytest.param(
        "articles/x.md",
        "---\n# a comment\ntitle: Bad indent\n  date: 2025-02-10\n---\nBody.\n",
        "content/articles/x.md:4: error: front matter is not valid YAML: mapping values are not allowed in this context\n"
        "    4 |   date: 2025-02-10",
        id="invalid-yaml-indentation",
    ),
    pytest.param(
        "articles/x.md",
        "---\n- title\n- date\n---\nBody.\n",
        "content/articles/x.md:2: error: front matter must be a mapping of keys to values, such as 'title: ...'",
        id="front-matter-is-a-list",
    ),
    pytest.param(
        "articles/x.md",
        "---\ndate: 2025-02-10\n---\nBody.\n",
        "content/articles/x.md:1: error: missing required key 'title': add a line 'title: ...'",
        id="missing-title",
    ),
    pytest.param(
        "articles/x.md",
        "---\ntitle: Undated\n---\nBody.\n",
        "content/articles/x.md:1: error: missing required key 'date': add 'date: YYYY-MM-DD'",
        id="missing-date",
    ),
    pytest.param(
        "articles/x.md",
        "---\n# imported by hand\ntitle: Vague\n\ndate: yesterday\n---\nBody.\n",
        "content/articles/x.md:5: error: 'date' must be a date such as 2025-02-10 or an ISO 8601 date-time, not 'yesterday'",
        id="bad-date",
    ),
    pytest.param(
        "articles/x.md",
        "---\ntitle: Leap\ndate: 2025-02-30\n---\nBody.\n",
        "content/articles/x.md:3: error: 'date' is not a real date: '2025-02-30' (day is out of range for month)",
        id="impossible-date",
    ),
    pytest.param(
        "articles/x.md",
        "---\ntitle: Slugged\ndate: 2025-02-10\nslug: Bad Slug!\n---\nBody.\n",
        "content/articles/x.md:4: error: 'slug' must use only a-z, 0-9 and single hyphens, like 'bad-slug'",
        id="bad-slug",
    ),
    pytest.param(
        "articles/x.md",
        b"---\ntitle: Caf\xe9 (Latin-1)\ndate: 2025-02-10\n---\nBody.\n",
        "content/articles/x.md:2: error: the file is not UTF-8 text: save it with UTF-8 encoding",
        id="article-not-utf8",
    ),
    pytest.param(
        "articles/x.md",
        "---\ntitle: Noted\ndate: 2025-02-10\nannotations:\n  - quote: A good\n    note: fine\n  - note: where is the quote?\n---\nA good article.\n",
        "content/articles/x.md:7: error: annotation is missing 'quote': give the exact passage as 'quote' and the text as 'note'",
        id="annotation-missing-quote",
    ),
    pytest.param(
        "articles/x.md",
        "---\ntitle: Noted\ndate: 2025-02-10\nannotations:\n  - quote: A good\n    note: fine\n    kind: joke\n---\nA good article.\n",
        "content/articles/x.md:7: error: annotation 'kind' must be one of note, fact-check, translation, correction, context, not 'joke'",
        id="annotation-bad-kind",
    ),
    pytest.param(
        "entities/acme.md",
        "---\nname: Acme\ntype: company\n---\n",
        "content/entities/acme.md:3: error: 'type' must be one of person, organization, place, product, topic, event, not 'company'",
        id="entity-bad-type",
    ),
    pytest.param(
        "entities/Acme Corp.md",
        "---\nname: Acme\ntype: organization\n---\n",
        "content/entities/Acme Corp.md:1: error: the file name is the entity id and must use only a-z, 0-9 and single hyphens: rename it to 'acme-corp.md'",
        id="entity-file-name-not-an-id",
    ),
    pytest.param(
        "entities/acme.md",
        "---\ntype: organization\n---\n",
        "content/entities/acme.md:1: error: missing required key 'name': add a line 'name: ...'",
        id="entity-missing-name",
    ),
    pytest.param(
        "entities/acme.md",
        "---\nname: Acme\ntype: organization\nwikidata: 42\n---\n",
        "content/entities/acme.md:4: error: 'wikidata' must be an item id such as Q42, not '42'",
        id="entity-bad-wikidata",
    ),
    pytest.param(
        "entities/acme.md",
        b"---\nname: Acme\ntype: organization\ndescription: S\xe3o Paulo office\n---\n",
        "content/entities/acme.md:4: error: the file is not UTF-8 text: save it with UTF-8 encoding",
        id="entity-not-utf8",
    ),
    pytest.param(
        "site.yml",
        "language: en\n",
        "content/site.yml:1: error: missing required key 'title': add a line 'title: ...'",
        id="site-missing-title",
    ),
    pytest.param(
        "site.yml",
        "title: T\nautolink: some\n",
        "content/site.yml:2: error: 'autolink' must be one of first, all, none, not 'some'",
        id="site-bad-autolink",
    ),
    pytest.param(
        "site.yml",
        "title: T\n# list length\nper_page: 0\n",
        "content/site.yml:3: error: 'per_page' must be a whole number of at least 1",
        id="site-per-page-zero",
    ),
    pytest.param(
        "site.yml",
        "title: T\nper_page: ten\n",
        "content/site.yml:2: error: 'per_page' must be a whole number of at least 1",
        id="site-per-page-text",
    ),
    pytest.param(
        "site.yml",
        "title: T\nautolink: [first\n",
        "content/site.yml:2: error: site.yml is not valid YAML: did not find expected ',' or ']'\n    2 | autolink: [first",
        id="site-invalid-yaml",
    ),
    # --- known bugs: the right behaviour, failing today ---
    pytest.param(
        "site.yml",
        b"title: Rassegna stampa \xe9\n",
        "content/site.yml:1: error: the file is not UTF-8 text: save it with UTF-8 encoding",
        id="site-not-utf8",
    ),
    pytest.param(
        "site.yml",
        "- title: T\n",
        "content/site.yml:1: error: site.yml must be a mapping of keys to values, such as 'title: ...'",
        id="site-is-a-list",
    ),
    pytest.param(
        "articles/x.md",
        "---\ntitle:\ndate: 2025-02-10\n---\nBody.\n",
        "content/articles/x.md:2: error: 'title' must not be empty",
        id="empty-title",
    ),
    pytest.param(
        "articles/x.md",
        '---\ntitle: "Unclosed quote\ndate: 2025-02-10\nslug: fine\n---\nBody.\n',
        'content/articles/x.md:2: error: front matter is not valid YAML: found unexpected end of stream\n    2 | title: "Unclosed quote',
        id="yaml-unclosed-quote",
    ),
    pytest.param(
        "articles/x.md",
        "---\ntitle: Lang\ndate: 2025-02-10\nlang: not a language!\n---\nBody.\n",
        "content/articles/x.md:4: error: 'lang' must be a BCP 47 language code such as 'it' or 'en-GB', not 'not a language!'",
        id="article-bad-lang",
    ),
]


@pytest.mark.parametrize(("path", "data", "expected"), ERROR_CASES)
def test_broken_file_is_reported_with_its_line(
    make_project: MakeProject, tmp_path: Path, path: str, data: str | bytes, expected: str
) -> None:
    write_project(make_project, {"articles/good.md": GOOD, path: data})
    result = rassegna(tmp_path)
    assert_reports(result, expected)
    assert result.stderr.splitlines()[-1].startswith("build failed: ")
    assert not (tmp_path / "site").exists()


def test_duplicate_key_is_an_error(make_project: MakeProject, tmp_path: Path) -> None:
    write_project(make_project, {"articles/x.md": "---\ntitle: Twice\ndate: 2025-02-10\ntitle: Again\n---\nBody.\n"})
    result = rassegna(tmp_path)
    assert_reports(result)  # the wording is free; the place and the key are not
    assert any(
        line.startswith("content/articles/x.md:4: error: ") and "'title'" in line
        for line in diagnostic_lines(result.stderr)
    ), result.stderr


def test_one_file_with_several_problems_reports_each(make_project: MakeProject, tmp_path: Path) -> None:
    write_project(
        make_project,
        {
            "articles/x.md": "---\nslug: Not A Slug\ndate: 2025-13-01\ntags: {a: 1}\ndraft: maybe\nsumary: typo\n---\nBody.\n"
        },
    )
    result = rassegna(tmp_path)
    assert_reports(
        result,
        "content/articles/x.md:1: error: missing required key 'title': add a line 'title: ...'",
        "content/articles/x.md:2: error: 'slug' must use only a-z, 0-9 and single hyphens, like 'not-a-slug'",
        "content/articles/x.md:3: error: 'date' is not a real date: '2025-13-01' (month must be in 1..12)",
        "content/articles/x.md:4: error: 'tags' must be a list, such as [a, b] or lines starting '- '",
        "content/articles/x.md:5: error: 'draft' must be true or false",
        "content/articles/x.md:6: warning: unknown key 'sumary' is ignored (did you mean 'summary'?)",
    )
    assert result.stderr.splitlines()[-1] == "build failed: 5 errors; site was left as it was"


def test_every_broken_file_is_reported_in_one_run(make_project: MakeProject, tmp_path: Path) -> None:
    write_project(
        make_project,
        {
            "site.yml": "title: T\nautolink: sometimes\n",
            "articles/good.md": GOOD,
            "articles/no-front-matter.md": "Just text.\n",
            "articles/bad-date.md": "---\ntitle: B\ndate: 10/02/2025\n---\nBody.\n",
            "articles/latin1.md": b"---\ntitle: L\ndate: 2025-02-10\n---\nna\xefve body\n",
            "articles/Café.md": GOOD,
            "articles/cafe.md": GOOD,
            "entities/acme.md": "---\nname: Acme\ntype: company\n---\n",
            "entities/nameless.md": "---\ntype: person\n---\n",
        },
    )
    result = rassegna(tmp_path)
    expected = [
        "content/site.yml:2: error: 'autolink' must be one of first, all, none, not 'sometimes'",
        "content/articles/no-front-matter.md:1: error: no front matter: start the file with a line '---', then the YAML keys, then '---'",
        "content/articles/bad-date.md:3: error: 'date' must be a date such as 2025-02-10 or an ISO 8601 date-time, not '10/02/2025'",
        "content/articles/latin1.md:5: error: the file is not UTF-8 text: save it with UTF-8 encoding",
        "content/articles/cafe.md:1: error: slug 'cafe' is also the slug of content/articles/Café.md: both would write articles/cafe/; give one of them another 'slug'",
        "content/entities/acme.md:3: error: 'type' must be one of person, organization, place, product, topic, event, not 'company'",
        "content/entities/nameless.md:1: error: missing required key 'name': add a line 'name: ...'",
    ]
    assert_reports(result, *expected)
    assert sorted(diagnostic_lines(result.stderr)) == sorted(expected)  # each once, nothing else
    assert result.stderr.splitlines()[-1] == f"build failed: {len(expected)} errors; site was left as it was"


# --- warnings: the build goes on ----------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "data", "expected"),
    [
        pytest.param(
            "articles/x.md",
            "---\ntitle: T\ndate: 2025-02-10\nsumary: typo\n---\nBody.\n",
            "content/articles/x.md:4: warning: unknown key 'sumary' is ignored (did you mean 'summary'?)",
            id="article-key-typo",
        ),
        pytest.param(
            "articles/x.md",
            "---\ntitle: T\ndate: 2025-02-10\ncolour: red\n---\nBody.\n",
            "content/articles/x.md:4: warning: unknown key 'colour' is ignored; known keys: title, date, updated, slug, lang, "
            "summary, source, authors, tags, about, entities, annotations, draft, aliases",
            id="article-key-unknown",
        ),
        pytest.param(
            "entities/acme.md",
            "---\nname: Acme\ntype: organization\nalias: [ACME]\n---\n",
            "content/entities/acme.md:4: warning: unknown key 'alias' is ignored (did you mean 'aliases'?)",
            id="entity-key-typo",
        ),
        pytest.param(
            "site.yml",
            "title: T\nautolnk: all\n",
            "content/site.yml:2: warning: unknown key 'autolnk' is ignored (did you mean 'autolink'?)",
            id="site-key-typo",
        ),
        pytest.param(
            "site.yml",
            "title: T\ntheme: dark\n",
            "content/site.yml:2: warning: unknown key 'theme' is ignored; known keys: title, description, language, base_url, autolink, autolink_scope, per_page, cname, search",
            id="site-key-unknown",
        ),
        pytest.param(
            "articles/x.md",
            "---\ntitle: T\ndate: 2025-02-10\non: 2025-02-11\n---\nBody.\n",
            "content/articles/x.md:4: warning: unknown key 'on' is ignored; known keys: title, date, updated, slug, lang, "
            "summary, source, authors, tags, about, entities, annotations, draft, aliases",
            id="yaml-boolean-key",
        ),
    ],
)
def test_unknown_key_is_a_warning(
    make_project: MakeProject, tmp_path: Path, path: str, data: str, expected: str
) -> None:
    write_project(make_project, {"articles/good.md": GOOD, path: data})
    result = rassegna(tmp_path)
    assert_reports(result, expected, status=0)
    assert (tmp_path / "site" / "index.html").is_file()


ARTICLE_WITH_UNKNOWN_ENTITIES = (
    "---\ntitle: Mentions\ndate: 2025-02-10\nentities:\n  - acme\n  - {name: Big Corp, type: organization}\n"
    "---\nFirst line.\n\nA mention of [[Zed Zed|Zed]].\n"
)


def unknown_entity_lines(level: str) -> list[str]:
    """The two diagnostics ARTICLE_WITH_UNKNOWN_ENTITIES gets ('acme' has a file), as `level`."""
    stub = "it gets a stub page; create content/entities/{}.md to describe it, or fix the reference"
    return [
        f"content/articles/x.md:6: {level}: unknown entity 'Big Corp': {stub.format('big-corp')}",
        f"content/articles/x.md:10: {level}: unknown entity 'Zed Zed': {stub.format('zed-zed')}",
    ]


def test_unknown_entity_is_a_warning_and_gets_a_stub_page(make_project: MakeProject, tmp_path: Path) -> None:
    write_project(make_project, {"entities/acme.md": ACME, "articles/x.md": ARTICLE_WITH_UNKNOWN_ENTITIES})
    result = rassegna(tmp_path)
    assert_reports(result, *unknown_entity_lines("warning"), status=0)
    assert len(diagnostic_lines(result.stderr)) == 2  # 'acme' has a file: no warning
    for stub in ("big-corp", "zed-zed"):
        assert (tmp_path / "site" / "entities" / stub / "index.html").is_file()


def test_unknown_entity_with_strict_is_an_error(make_project: MakeProject, tmp_path: Path) -> None:
    write_project(make_project, {"entities/acme.md": ACME, "articles/x.md": ARTICLE_WITH_UNKNOWN_ENTITIES})
    result = rassegna(tmp_path, "--strict")
    assert_reports(result, *unknown_entity_lines("error"))
    assert result.stderr.splitlines()[-1] == "build failed: 2 errors; site was left as it was"
    assert not (tmp_path / "site").exists()


# --- duplicate slugs ----------------------------------------------------------------------


def test_file_names_that_slugify_alike_are_an_error_naming_both(make_project: MakeProject, tmp_path: Path) -> None:
    write_project(make_project, {"articles/Café.md": GOOD, "articles/2025/cafe.md": GOOD})
    result = rassegna(tmp_path)
    assert_reports(
        result,
        "content/articles/Café.md:1: error: slug 'cafe' is also the slug of content/articles/2025/cafe.md: "
        "both would write articles/cafe/; give one of them another 'slug'",
    )


def test_explicit_slug_equal_to_a_file_name_slug_is_an_error(make_project: MakeProject, tmp_path: Path) -> None:
    write_project(
        make_project, {"articles/a.md": GOOD, "articles/b.md": "---\ntitle: B\ndate: 2025-02-10\nslug: a\n---\nBody.\n"}
    )
    result = rassegna(tmp_path)
    assert_reports(result)
    (line,) = diagnostic_lines(result.stderr)
    assert line.endswith("both would write articles/a/; give one of them another 'slug'")
    assert "content/articles/a.md" in line and "content/articles/b.md" in line


def test_duplicate_explicit_slugs_point_at_the_slug_line(make_project: MakeProject, tmp_path: Path) -> None:
    same = "---\ntitle: {}\ndate: 2025-02-10\nslug: same\n---\nBody.\n"
    write_project(make_project, {"articles/a.md": same.format("A"), "articles/b.md": same.format("B")})
    result = rassegna(tmp_path)
    assert_reports(
        result,
        "content/articles/b.md:4: error: slug 'same' is also the slug of content/articles/a.md: "
        "both would write articles/same/; give one of them another 'slug'",
    )


# --- templates ----------------------------------------------------------------------------

BROKEN_SYNTAX = '{% extends "base.html" %}\n{% block main %}\n<h1>{{ article.title }}</h1>\n{% if %}\n{% endblock %}\n'
BROKEN_NAME = (
    '{% extends "base.html" %}\n{% block main %}\n<h1>{{ article.title }}</h1>\n{{ no_such_name }}\n{% endblock %}\n'
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            BROKEN_SYNTAX,
            "templates-copy/article.html:4: error: Expected an expression, got 'end of statement block'",
            id="syntax",
        ),
        pytest.param(
            BROKEN_NAME, "templates-copy/article.html:4: error: 'no_such_name' is undefined", id="undefined-name"
        ),
    ],
)
def test_template_error_is_reported_with_its_line(
    make_project: MakeProject, tmp_path: Path, text: str, expected: str
) -> None:
    write_project(make_project, {"articles/good.md": GOOD})
    template_copy(tmp_path, **{"article.html": text})
    result = rassegna(tmp_path, templates="templates-copy")
    assert_reports(result, expected)
    assert not (tmp_path / "site").exists()
    assert leftovers(tmp_path) == []


def test_every_broken_template_is_reported_in_one_run(make_project: MakeProject, tmp_path: Path) -> None:
    write_project(make_project, {"articles/good.md": "---\ntitle: Good\ndate: 2025-02-10\ntags: [x]\n---\nBody.\n"})
    tag = '{% extends "base.html" %}\n{% block main %}\n{% for %}\n{% endblock %}\n'
    template_copy(tmp_path, **{"article.html": BROKEN_SYNTAX, "tag.html": tag})
    result = rassegna(tmp_path, templates="templates-copy")
    assert_reports(
        result,
        "templates-copy/article.html:4: error: Expected an expression, got 'end of statement block'",
        "templates-copy/tag.html:3: error: Expected an expression, got 'end of statement block'",
    )


def test_content_and_template_errors_are_reported_in_one_run(make_project: MakeProject, tmp_path: Path) -> None:
    write_project(make_project, {"articles/good.md": GOOD, "articles/bad.md": "---\ntitle: B\ndate: never\n---\n"})
    template_copy(tmp_path, **{"article.html": BROKEN_SYNTAX})
    result = rassegna(tmp_path, templates="templates-copy")
    assert_reports(
        result,
        "content/articles/bad.md:3: error: 'date' must be a date such as 2025-02-10 or an ISO 8601 date-time, not 'never'",
        "templates-copy/article.html:4: error: Expected an expression, got 'end of statement block'",
    )


def test_template_not_utf8(make_project: MakeProject, tmp_path: Path) -> None:
    write_project(make_project, {"articles/good.md": GOOD})
    templates = template_copy(tmp_path)
    (templates / "article.html").write_bytes(
        b'{% extends "base.html" %}\n{% block main %}\nS\xe3o Paulo\n{% endblock %}\n'
    )
    result = rassegna(tmp_path, templates="templates-copy")
    assert_reports(
        result, "templates-copy/article.html:3: error: the file is not UTF-8 text: save it with UTF-8 encoding"
    )


# --- static files that collide with generated files ----------------------------------------


@pytest.mark.parametrize("name", ["index.html", "assets/style.css", "feed.xml"])
def test_static_file_colliding_with_a_generated_file(make_project: MakeProject, tmp_path: Path, name: str) -> None:
    write_project(make_project, {"articles/good.md": GOOD, f"static/{name}": "mine\n"})
    result = rassegna(tmp_path)
    assert_no_traceback(result)
    assert result.returncode == 1
    assert any(line.startswith(f"content/static/{name}") for line in diagnostic_lines(result.stderr)), result.stderr
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("name", [".nojekyll", ".rassegna"])
def test_hidden_static_files_are_not_copied(make_project: MakeProject, tmp_path: Path, name: str) -> None:
    """One rule for every walker of the content: hidden files are skipped (but .well-known/)."""
    write_project(make_project, {"articles/good.md": GOOD, f"static/{name}": "mine\n"})
    result = rassegna(tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / name).read_text() != "mine\n"


# --- nothing lost: a failed build leaves the previous site as it was -----------------------


@pytest.mark.parametrize(
    ("broken", "template"),
    [
        pytest.param(
            {"articles/good.md": "---\ntitle: Good\ndate: 2025-02-31\n---\nBody.\n"}, None, id="content-error"
        ),
        pytest.param({"articles/x.md": ARTICLE_WITH_UNKNOWN_ENTITIES}, None, id="strict-warning"),
        pytest.param({}, BROKEN_NAME, id="template-error-while-writing"),
    ],
)
def test_failed_build_leaves_previous_site_byte_identical(
    make_project: MakeProject, tmp_path: Path, broken: dict[str, str], template: str | None
) -> None:
    write_project(make_project, {"articles/good.md": GOOD, "entities/acme.md": ACME, "static/extra.txt": "x\n"})
    first = rassegna(tmp_path)
    assert first.returncode == 0, first.stderr
    before = snapshot(tmp_path / "site")
    assert ".rassegna" in before and "articles/good/index.html" in before

    write_project(make_project, broken)
    templates: Path | str = TEMPLATES
    if template is not None:
        template_copy(tmp_path, **{"article.html": template})
        templates = "templates-copy"
    result = rassegna(tmp_path, "--strict", templates=templates)

    assert_no_traceback(result)
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines()[-1].endswith("; site was left as it was")
    assert snapshot(tmp_path / "site") == before
    assert leftovers(tmp_path) == []


def test_successful_rebuild_replaces_the_site_and_leaves_no_temporary_directory(
    make_project: MakeProject, tmp_path: Path
) -> None:
    content = write_project(make_project, {"articles/good.md": GOOD})
    assert rassegna(tmp_path).returncode == 0
    (content / "articles" / "good.md").unlink()
    write_project(make_project, {"articles/other.md": GOOD})
    result = rassegna(tmp_path)
    assert result.returncode == 0, result.stderr
    files = snapshot(tmp_path / "site")
    assert "articles/other/index.html" in files and "articles/good/index.html" not in files
    assert leftovers(tmp_path) == []


# --- usage errors: exit 2, nothing touched ------------------------------------------------


def overlap_message(out: str, source: Path) -> str:
    return (
        f"rassegna: error: --out {out} overlaps the source directory {source}: "
        "the build replaces --out whole, so it must be a separate directory such as 'site'"
    )


@pytest.mark.parametrize(
    ("content", "out", "source"),
    [
        pytest.param("content", "content", "content", id="out-is-content"),
        pytest.param("content", "content/site", "content", id="out-inside-content"),
        pytest.param("content/articles", "content", "content/articles", id="out-contains-content"),
        pytest.param("content", ".", "content", id="out-is-parent-of-content"),
    ],
)
def test_out_overlapping_content_is_a_usage_error(
    make_project: MakeProject, tmp_path: Path, content: str, out: str, source: str
) -> None:
    write_project(make_project, {"articles/good.md": GOOD})
    before = snapshot(tmp_path)
    result = rassegna(tmp_path, content=content, out=out)
    assert_reports(result, overlap_message(out, Path(source)), status=2)
    assert snapshot(tmp_path) == before


def test_out_overlapping_templates_is_a_usage_error(make_project: MakeProject, tmp_path: Path) -> None:
    write_project(make_project, {"articles/good.md": GOOD})
    template_copy(tmp_path)
    result = rassegna(tmp_path, out="templates-copy/site", templates="templates-copy")
    assert_reports(result, overlap_message("templates-copy/site", Path("templates-copy")), status=2)
    assert not (tmp_path / "templates-copy" / "site").exists()


def test_out_not_built_by_rassegna_is_a_usage_error(make_project: MakeProject, tmp_path: Path) -> None:
    write_project(make_project, {"articles/good.md": GOOD})
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "thesis.tex").write_text("precious\n")
    result = rassegna(tmp_path)
    assert_reports(
        result,
        "rassegna: error: --out site is a directory that rassegna did not build (no .rassegna file in it): "
        "the build would replace it; remove it yourself or choose another directory",
        status=2,
    )
    assert snapshot(tmp_path / "site") == {"thesis.tex": b"precious\n"}


def test_out_that_is_a_file_is_a_usage_error(make_project: MakeProject, tmp_path: Path) -> None:
    write_project(make_project, {"articles/good.md": GOOD})
    (tmp_path / "site").write_text("not a directory\n")
    result = rassegna(tmp_path)
    assert_reports(result, "rassegna: error: --out site is a file, not a directory", status=2)
    assert (tmp_path / "site").read_text() == "not a directory\n"


def test_missing_content_directory_is_a_usage_error(tmp_path: Path) -> None:
    result = rassegna(tmp_path, content="missing")
    assert_reports(result, "rassegna: error: content directory 'missing' not found; pass --content DIR", status=2)
    assert not (tmp_path / "site").exists()


def test_templates_that_are_not_a_folder_is_a_usage_error(make_project: MakeProject, tmp_path: Path) -> None:
    write_project(make_project, {"articles/good.md": GOOD})
    (tmp_path / "not-a-folder").write_text("x\n")
    result = rassegna(tmp_path, templates="not-a-folder")
    assert_reports(
        result,
        "rassegna: error: --templates not-a-folder is not a directory; point it at a folder of templates",
        status=2,
    )
    result = rassegna(tmp_path, templates="missing")
    assert_reports(
        result, "rassegna: error: --templates missing is not a directory; point it at a folder of templates", status=2
    )


def test_bad_base_url_option_is_a_usage_error(make_project: MakeProject, tmp_path: Path) -> None:
    write_project(make_project, {"articles/good.md": GOOD})
    result = rassegna(tmp_path, "--base-url", "ftp://example.org/")
    assert_reports(
        result,
        "rassegna: error: --base-url 'ftp://example.org/' must be an http(s) address such as "
        "https://user.github.io/archive/, or a path such as /archive/",
        status=2,
    )


def test_an_article_edited_during_the_build_stops_it_with_its_line(
    make_project: MakeProject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bodies are read again from their files where they are rendered: a file saved between
    the two reads must not give a page made of two versions."""
    from generator import build as build_module
    from generator.errors import ContentError
    from tests.conftest import build_project

    content = write_project(make_project, {"articles/good.md": GOOD, "entities/acme.md": ACME})
    resolve = build_module.resolve

    def resolve_then_edit(*args: object) -> object:
        site = resolve(*args)  # type: ignore[arg-type]
        (content / "articles" / "good.md").write_text(GOOD.replace("A good", "An edited"), encoding="utf-8")
        return site

    monkeypatch.setattr(build_module, "resolve", resolve_then_edit)
    with pytest.raises(ContentError) as failed:
        build_project(content)
    assert [str(d) for d in failed.value.diagnostics] == [
        f"{content / 'articles' / 'good.md'}:5: error: the file changed while the site was being built: build again"
    ]
    assert not (tmp_path / "site").exists()

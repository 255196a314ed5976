from pathlib import Path

from generator.errors import Diagnostics
from generator.load import load_content
from generator.resolve import resolve
from tests.conftest import MakeProject

ENTITY = """
---
name: {name}
type: {type}
aliases: {aliases}
---
"""


def site_of(make_project: MakeProject, body: str, entities: str = "[]") -> tuple[object, Diagnostics]:
    content = make_project(
        {
            "entities/stati-uniti.md": ENTITY.format(
                name="Stati Uniti", type="place", aliases="[USA, Stati Uniti d'America]"
            ),
            "entities/cina.md": ENTITY.format(name="Cina", type="place", aliases="[China]"),
            "articles/a.md": f"---\ntitle: A\ndate: 2025-01-01\nentities: {entities}\n---\n{body}\n",
        }
    )
    diagnostics = Diagnostics()
    return resolve(load_content(content, diagnostics), diagnostics), diagnostics


def test_references_resolve_by_id_name_or_alias_ignoring_case_and_accents(make_project: MakeProject) -> None:
    site, diagnostics = site_of(make_project, "", "[usa, CÌNA, stati-uniti, stati uniti d'america]")
    assert site.article_entities["a"] == ("stati-uniti", "cina")
    assert diagnostics.items == []


def test_body_mentions_count_as_references(make_project: MakeProject) -> None:
    site, _ = site_of(make_project, "Gli [[usa|USA]] e la [[China]].")
    assert site.article_entities["a"] == ("stati-uniti", "cina")


def test_unknown_references_become_stubs_with_a_warning(make_project: MakeProject) -> None:
    site, diagnostics = site_of(make_project, "Poi [[Zheshang Securities]].", "[{name: Volcano Engine, type: product}]")
    assert site.entities["volcano-engine"].type == "product"
    assert site.entities["volcano-engine"].is_stub
    assert site.entities["zheshang-securities"].type == "topic"
    assert [str(d) for d in diagnostics.items] == [
        f"{Path(site.root) / 'articles/a.md'}:4: warning: unknown entity 'Volcano Engine': it gets a stub page; "
        "create content/entities/volcano-engine.md to describe it, or fix the reference",
        f"{Path(site.root) / 'articles/a.md'}:6: warning: unknown entity 'Zheshang Securities': it gets a stub page; "
        "create content/entities/zheshang-securities.md to describe it, or fix the reference",
    ]


def test_a_stub_is_shared_by_every_article_that_names_it(make_project: MakeProject) -> None:
    site, diagnostics = site_of(make_project, "[[Acme]] e [[acme]].", "[Acme]")
    assert site.article_entities["a"] == ("acme",)
    assert len(diagnostics.warnings) == 1


def test_articles_are_newest_first(make_project: MakeProject) -> None:
    content = make_project(
        {
            "articles/old.md": "---\ntitle: Old\ndate: 2020-01-01\n---\n",
            "articles/new.md": "---\ntitle: New\ndate: 2025-01-01T10:00:00+02:00\n---\n",
            "articles/mid.md": "---\ntitle: Mid\ndate: 2024-06-01\n---\n",
        }
    )
    diagnostics = Diagnostics()
    site = resolve(load_content(content, diagnostics), diagnostics)
    assert [a.slug for a in site.articles] == ["new", "mid", "old"]

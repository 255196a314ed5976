from generator.errors import Diagnostics
from generator.graph import build_graph
from generator.load import load_content
from generator.model import RenderedArticle
from generator.resolve import resolve
from tests.conftest import MakeProject


def graph_of(make_project: MakeProject, articles: dict[str, tuple[str, list[str], list[str]]]):  # type: ignore[no-untyped-def]
    files = {
        f"articles/{slug}.md": f"---\ntitle: {slug}\ndate: {date}\nentities: {entities}\ntags: {tags}\n---\n"
        for slug, (date, entities, tags) in articles.items()
    }
    for name in "abcd":
        files[f"entities/{name}.md"] = f"---\nname: {name.upper()}\ntype: topic\n---\n"
    content = make_project(files)
    diagnostics = Diagnostics()
    site = resolve(load_content(content, diagnostics), diagnostics)
    rendered = {a.slug: RenderedArticle("", (), "") for a in site.articles}
    return build_graph(site, rendered)


def test_backlinks_co_mentions_tags_and_related(make_project: MakeProject) -> None:
    graph = graph_of(
        make_project,
        {
            "one": ("2025-01-01", ["a", "b", "c"], ["Tecnologia"]),
            "two": ("2025-01-02", ["a", "b"], ["tecnologia", "Cina"]),
            "three": ("2025-01-03", ["a", "d"], []),
        },
    )
    assert graph.entity_articles["a"] == ("three", "two", "one")
    assert graph.co_mentions["a"] == (("b", 2), ("c", 1), ("d", 1))
    assert graph.related_articles["one"] == ("two", "three")
    assert graph.tags["tecnologia"].name == "tecnologia"  # as the newest article spells it
    assert graph.tags["tecnologia"].articles == ("two", "one")
    assert graph.article_tags["two"] == ("tecnologia", "cina")

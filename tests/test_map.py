"""The map of the archive: the co-mention network of the most mentioned entities, laid out at
build time (the same archive, the same bytes), each node a link to its entity; an entity's
page shows its own neighbourhood the same way."""

from __future__ import annotations

import re
from pathlib import Path

from generator.layout import force_layout, placed_labels, radial_layout, text_width
from tests.conftest import MakeProject, build_project

ENTITIES = {f"entities/{e}.md": f"---\nname: {e.title()}\ntype: {t}\n---\n" for e, t in [("anna", "person"), ("bit", "organization"), ("roma", "place"), ("dati", "topic"), ("solo", "person")]}  # fmt: skip
ARTICLES = {
    "articles/a1.md": "---\ntitle: A1\ndate: 2025-01-01\n---\n[[anna]] [[bit]] [[roma]]\n",
    "articles/a2.md": "---\ntitle: A2\ndate: 2025-01-02\n---\n[[anna]] [[bit]]\n",
    "articles/a3.md": "---\ntitle: A3\ndate: 2025-01-03\n---\n[[anna]] [[dati]]\n",
    "articles/a4.md": "---\ntitle: A4\ndate: 2025-01-04\n---\n[[solo]]\n",
}


def test_the_map_draws_each_entity_as_a_link_sized_by_articles(make_project: MakeProject, tmp_path: Path) -> None:
    content = make_project({"site.yml": "title: T\nlanguage: it\n", **ENTITIES, **ARTICLES})
    build_project(content)
    page = (tmp_path / "site/map/index.html").read_text(encoding="utf-8")
    nodes = re.findall(r'<a href="(/entities/\w+/)" class="node type-(\w+)"><circle cx="[\d.]+" cy="[\d.]+" r="([\d.]+)">', page)  # fmt: skip
    radius = {url: float(r) for url, _, r in nodes}
    assert set(radius) == {f"/entities/{e}/" for e in ("anna", "bit", "roma", "dati", "solo")}
    assert radius["/entities/anna/"] == 22.0 and radius["/entities/anna/"] > radius["/entities/bit/"] > radius["/entities/roma/"]  # fmt: skip
    assert ("/entities/anna/", "person") in {(u, t) for u, t, _ in nodes}
    widths = sorted(float(w) for w in re.findall(r'<line [^>]*stroke-width="([\d.]+)"></line>', page))
    assert widths == [3.5, 3.5, 3.5, 6.0]  # anna-bit share two articles; solo shares none
    assert '<title id="map-title">Mappa dell&#39;archivio</title>' in page
    listed = re.search(r'<ol class="map-list">.*?</ol>', page, re.S)[0]  # type: ignore[index]
    assert re.search(r'<a href="/entities/anna/">Anna</a> <span class="count">3</span> — soprattutto con <a href="/entities/bit/">Bit</a> \(2\)', listed)  # fmt: skip
    again = tmp_path / "again"
    build_project(content, out=again, cache=False)
    assert (again / "map/index.html").read_bytes() == (tmp_path / "site/map/index.html").read_bytes()


def test_an_entity_page_shows_its_neighbourhood(make_project: MakeProject, tmp_path: Path) -> None:
    content = make_project({"site.yml": "title: T\nlanguage: it\n", **ENTITIES, **ARTICLES})
    build_project(content)
    page = (tmp_path / "site/entities/anna/index.html").read_text(encoding="utf-8")
    drawn = re.findall(r'<a href="(/entities/\w+/)" class="node', page)
    assert drawn == [
        "/entities/anna/",
        "/entities/bit/",
        "/entities/dati/",
        "/entities/roma/",
    ]  # itself, then by articles in common
    assert '<title id="neighbourhood">Anna e le entità citate negli stessi articoli</title>' in page
    assert 'class="node' not in (tmp_path / "site/entities/solo/index.html").read_text(
        encoding="utf-8"
    )  # nobody with it


def test_the_layouts_are_deterministic_and_inside_the_box() -> None:
    nodes = [f"n{i}" for i in range(30)]
    edges = {(f"n{i}", f"n{(i * 7) % 30}"): float(i % 5 + 1) for i in range(30)}
    first = force_layout(nodes, edges, 800, 500)
    assert first == force_layout(nodes, edges, 800, 500)
    assert all(0 <= x <= 800 and 0 <= y <= 500 for x, y in first.values())
    assert len(set(first.values())) == 30  # no two on the same spot
    around = radial_layout("c", ["a", "b", "d", "e"], 400, 400)
    assert around["c"] == (200.0, 200.0) and around["a"] == (200.0, 56.0)  # the closest at the top


def test_a_label_goes_where_it_covers_nothing_or_is_shortened_or_left_out() -> None:
    font = 15
    # b sits where a's label would go (right of a, on the right half): a's goes elsewhere
    nodes = [(600.0, 300.0, 10.0, "Alpha"), (640.0, 300.0, 10.0, "Beta")]
    (ax, ay, a_anchor, a_text), (bx, by, b_anchor, b_text) = placed_labels(nodes, 1000, 700, font)  # type: ignore[misc]
    assert (a_text, b_text) == ("Alpha", "Beta")
    assert (ax, a_anchor) != (616.0, "start")  # not over b's circle
    assert (bx, b_anchor) == (656.0, "start") and by == ay  # b's own side was free
    # near the right edge a long label turns left rather than leave the box
    ((x, _, anchor, _),) = placed_labels([(990.0, 300.0, 5.0, "Repubblica Italiana")], 1000, 700, font)  # type: ignore[misc]
    assert anchor == "end" and x - text_width("Repubblica Italiana", font) >= 0
    # boxed in by the circles of more important nodes: a shorter label, or none (the circle's
    # title names it); the most important may cover the edge of a lesser circle, never its middle
    long = "Intelligenza artificiale generale"
    crowd = [(500.0 + dx, 350.0 + dy, 12.0, "") for dx in (-40, 0, 40) for dy in (-30, 0, 30) if dx or dy]
    last = placed_labels([*crowd, (500.0, 350.0, 12.0, long)], 1000, 700, font)[-1]
    assert last is None or last[3] != long
    below = [(500.0, 350.0, 20.0, "Stati Uniti"), (470.0, 395.0, 8.0, ""), (530.0, 395.0, 8.0, "")]
    (x, y, anchor, text) = placed_labels(below, 1000, 700, font)[0]  # type: ignore[misc]
    assert text == "Stati Uniti" and anchor == "start"  # below was taken by the two small circles
    crowded = [(500.0, 350.0, 12.0, long), *crowd]
    first = placed_labels(crowded, 1000, 700, font)[0]
    if first is not None:  # over the edges of the circles around, never over their middles
        fx, fy, _, shown = first
        span = (fx - text_width(shown, font), fx + text_width(shown, font))
        assert not any(span[0] < cx < span[1] and fy - 0.9 * font < cy < fy + 0.25 * font for cx, cy, _, _ in crowd)
    assert placed_labels(below, 1000, 700, font) == placed_labels(below, 1000, 700, font)  # the same bytes

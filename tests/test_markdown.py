import re

import pytest

from generator.markdown import Linker, render_article, render_notes

ENTITIES = {
    "bytedance": "ByteDance",
    "tiktok": "TikTok",
    "ia": "Intelligenza artificiale",
    "agi": "Intelligenza artificiale generale",
    "usa": "USA",
}


def linker(mode: str = "first") -> Linker:
    lookup = {name.casefold(): eid for eid, name in ENTITIES.items()} | {eid: eid for eid in ENTITIES}
    return Linker(
        resolve=lambda text: lookup.get(text.casefold()),
        url=lambda eid: f"/e/{eid}/",
        names={name: eid for eid, name in ENTITIES.items()},
        mode=mode,
    )


def links(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<a class="mention[^"]*" href="/e/([^/]+)/"[^>]*>([^<]*)</a>', html)


def test_explicit_mentions_link_by_id_or_name_with_shown_text() -> None:
    page = render_article("Parla [[bytedance|la casa madre]] e [[TikTok]].", linker("none"))
    assert links(page.html) == [("bytedance", "la casa madre"), ("tiktok", "TikTok")]


def test_unresolved_mentions_stay_text() -> None:
    page = render_article("Vedi [[nessuno|Nessuno]].", linker())
    assert "Nessuno" in page.html and "<a" not in page.html
    assert page.mentions == ()


def test_autolink_links_the_first_mention_of_each_entity() -> None:
    page = render_article("ByteDance e TikTok. Poi ByteDance ancora.\n\nE ByteDance.", linker("first"))
    assert links(page.html) == [("bytedance", "ByteDance"), ("tiktok", "TikTok")]


def test_autolink_all_links_every_mention() -> None:
    page = render_article("ByteDance e ByteDance.", linker("all"))
    assert links(page.html) == [("bytedance", "ByteDance"), ("bytedance", "ByteDance")]


def test_an_explicit_mention_counts_as_the_first() -> None:
    page = render_article("[[bytedance|BD]] poi ByteDance.", linker("first"))
    assert links(page.html) == [("bytedance", "BD")]


@pytest.mark.parametrize(
    "body",
    [
        "ByteDancer e AByteDance",  # whole words only
        "`ByteDance` in code",
        "[ByteDance](https://example.com)",
        "## ByteDance\n",
        "    ByteDance in a code block\n",
        "bytedance lower case",  # case-sensitive: 'usa' is an Italian verb, 'USA' a country
    ],
)
def test_autolink_leaves_alone(body: str) -> None:
    assert links(render_article(body, linker("all")).html) == []


def test_the_longest_name_wins() -> None:
    page = render_article("l’Intelligenza artificiale generale arriva.", linker())
    assert links(page.html) == [("agi", "Intelligenza artificiale generale")]


def test_links_never_nest() -> None:
    html = render_article("[vedi [[bytedance|BD]]](https://example.com) e [ByteDance](https://x.org)", linker()).html
    assert not re.search(r"<a [^>]*>[^<]*<a ", html)


def test_mentions_record_their_sentence_and_anchor() -> None:
    page = render_article("Prima frase. Poi gli USA e\nByteDance discutono. Fine.", linker())
    first, second = page.mentions
    assert first.entity == "usa" and first.anchor == "m1"
    assert first.sentence == "Poi gli USA e ByteDance discutono."
    assert first.sentence[first.start : first.end] == "USA"
    assert second.sentence[second.start : second.end] == "ByteDance"
    assert 'id="m1"' in page.html and 'id="m2"' in page.html


def test_summary_is_the_first_paragraph_in_plain_text() -> None:
    page = render_article("## Titolo\n\nIl *primo* paragrafo con ByteDance.\n\nIl secondo.", linker())
    assert page.summary == "Il primo paragrafo con ByteDance."


def test_gfm_tables_strikethrough_and_footnotes() -> None:
    html = render_article("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~no~~ sì[^1]\n\n[^1]: Nota.", linker()).html
    assert "<table>" in html and "<s>no</s>" in html
    assert 'href="#fn1"' in html and 'id="fn1"' in html


def test_raw_html_is_escaped_and_quotes_are_kept() -> None:
    html = render_article('<script>alert(1)</script> "citato" -- ok', linker()).html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "&quot;citato&quot; -- ok" in html


def test_headings_get_ids() -> None:
    page = render_article("## I piani di ByteDance\n\ntesto", linker())
    assert '<h2 id="i-piani-di-bytedance">' in page.html
    assert page.headings == (("i-piani-di-bytedance", "I piani di ByteDance"),)


def test_notes_link_mentions_but_do_not_autolink() -> None:
    html = render_notes("Parte di [[bytedance|ByteDance]]; TikTok no.", linker("all"))
    assert links(html) == [("bytedance", "ByteDance")]


def test_a_bare_id_shows_the_entity_name() -> None:
    named = Linker(resolve=linker().resolve, url=linker().url, names={}, name=lambda e: ENTITIES[e], mode="none")
    page = render_article("[[bytedance]] e [[TikTok]] e [[usa|gli Stati Uniti]].", named)
    assert links(page.html) == [("bytedance", "ByteDance"), ("tiktok", "TikTok"), ("usa", "gli Stati Uniti")]

"""Archive-wide autolinking: which names of entities an article does not declare become links
(mentions.is_mention and mentions.decide), and what the site makes of the entities found."""

import re
from pathlib import Path

import pytest

from generator.errors import ContentError
from generator.markdown import Linker, render_article
from generator.render import common_words
from tests.conftest import MakeProject, build_project

NAMES = {  # entity id -> (name, type, aliases)
    "apple": ("Apple", "organization", ("apple",)),
    "stato": ("Stato", "topic", ("stato",)),
    "governo": ("governo", "topic", ()),
    "will": ("Will", "person", ()),
    "berlusconi": ("Berlusconi", "person", ()),
    "silvio": ("Silvio Berlusconi", "person", ()),
    "corea": ("Corea", "place", ()),
    "rossi": ("Anna Rossi", "person", ()),
    "evansville": ("Evansville, Indiana", "place", ()),
    "indiana": ("Indiana", "place", ()),
    "civic": ("Civic Passion", "organization", ()),
    "cheng": ("Cheng Chung-tai of Civic Passion", "person", ()),
    "book": ("Eat, Pray, Love", "product", ()),
    "love": ("Love", "organization", ()),
    "usa": ("United States", "place", ("US",)),
}


def linker(declared: tuple[str, ...] = (), common: frozenset[str] = frozenset(), mode: str = "all") -> Linker:
    names = {name: eid for eid, (main, _, aliases) in NAMES.items() for name in (main, *aliases)}
    return Linker(
        resolve=lambda text: text if text in NAMES else None,
        url=lambda eid: f"/e/{eid}/",
        names=names,
        name=lambda eid: NAMES[eid][0],
        type_of=lambda eid: NAMES[eid][1],
        mode=mode,
        declared=frozenset(declared),
        common=common,
    )


def links(body: str, **options: object) -> list[tuple[str, str]]:
    html = render_article(body, linker(**options)).html  # type: ignore[arg-type]
    return re.findall(r'<a class="mention[^"]*" href="/e/([^/]+)/"[^>]*>([^<]*)</a>', html)


def test_names_match_with_their_case() -> None:
    assert links("Una APPLE, una Apple.", mode="first") == [("apple", "Apple")]
    assert links("Il nostro stato e una apple.") == [("stato", "stato"), ("apple", "apple")]  # aliases in lowercase


def test_a_lowercase_name_the_archive_uses_often_is_a_word() -> None:
    assert links("Il governo cade.") == [("governo", "governo")]
    assert links("Il governo cade.", common=frozenset({"governo"})) == []
    assert links("Il governo cade.", common=frozenset({"governo"}), declared=("governo",)) == [("governo", "governo")]


@pytest.mark.parametrize(
    "body",
    ["Will he come?", "Si vedrà. Will arriva.", "«Apple» è una mela.", "- Apple pie", "Fine. *Apple* pie."],
)
def test_a_capitalised_word_opening_a_sentence_is_not_a_mention(body: str) -> None:
    assert links(body) == []


def test_it_is_when_the_article_names_the_entity_elsewhere() -> None:
    assert links("Apple cresce. I conti di Apple.", mode="first") == [("apple", "Apple"), ("apple", "Apple")][:1]
    assert links("Apple cresce. I conti di Apple.") == [("apple", "Apple"), ("apple", "Apple")]
    assert links("Apple cresce.", declared=("apple",)) == [("apple", "Apple")]
    assert links("Stato e mercato: lo Stato.", mode="first") == [("stato", "Stato")]  # the first that is one


def test_a_name_that_is_not_a_mention_does_not_use_up_the_first_link() -> None:
    common = frozenset({"stato"})
    assert links("Lo stato di Apple. Poi lo Stato.", mode="first", common=common) == [
        ("apple", "Apple"),
        ("stato", "Stato"),
    ]
    assert links("Un apple. Poi la Apple.", mode="first", common=frozenset({"apple"})) == [("apple", "Apple")]


def test_a_surname_is_the_person_named_in_full() -> None:
    body = "Parla Silvio Berlusconi. Poi Berlusconi tace."
    assert links(body) == [("silvio", "Silvio Berlusconi"), ("silvio", "Berlusconi")]
    assert links("Poi Berlusconi tace.") == [("berlusconi", "Berlusconi")]
    assert links(body, declared=("berlusconi",)) == [("silvio", "Silvio Berlusconi"), ("berlusconi", "Berlusconi")]


def test_a_surname_that_names_something_else_stays_that() -> None:
    body = "Cheng Chung-tai of Civic Passion won. Civic Passion grew."
    assert links(body) == [("cheng", "Cheng Chung-tai of Civic Passion"), ("civic", "Civic Passion")]


def test_a_town_titled_with_its_region_is_two_places() -> None:
    """'Evansville, Indiana' (as Wikipedia titles a town) names the town and the state it is
    in: each links to its page; without the region's entity, the name links whole."""
    assert links("Born in Evansville, Indiana, in 1950.") == [("evansville", "Evansville"), ("indiana", "Indiana")]
    assert links("From Evansville, Indiana, to Indiana.", mode="first") == [
        ("evansville", "Evansville"),
        ("indiana", "Indiana"),
    ]
    assert links("Evansville, Indiana, is a city.") == [("evansville", "Evansville"), ("indiana", "Indiana")]
    assert links("Ho letto Eat, Pray, Love.") == [("book", "Eat, Pray, Love")]  # not places: one name
    saved = NAMES.pop("indiana")
    try:
        assert links("Born in Evansville, Indiana, in 1950.") == [("evansville", "Evansville, Indiana")]
    finally:
        NAMES["indiana"] = saved


def test_a_currency_is_not_the_country() -> None:
    assert links("Costa US$ 20, lo dicono negli US.") == [("usa", "US")]
    assert links("Costa **US**$ 20.") == []  # the '$' seen past the emphasis
    assert links("Costa US$ 20.", declared=("usa",)) == []


def test_a_web_address_is_not_a_mention() -> None:
    """A dot that joins a name to a word makes it part of an address or a file name."""
    assert links("Il sito Apple.com e www.Apple.it, di Apple.") == [("apple", "Apple")]
    assert links("Vedi Apple.com.", declared=("apple",)) == []
    assert links("Parla Apple. Anche la Corea.") == [("apple", "Apple"), ("corea", "Corea")]  # full stops


def test_a_sentence_end_is_seen_in_a_long_paragraph() -> None:
    """Only the text just before a name is looked at, however long the paragraph."""
    padding = "parola " * 5000
    assert links(f"{padding}e la Corea. Apple cresce.") == [("corea", "Corea")]
    assert links(f"{padding}e la Corea, Apple cresce.") == [("corea", "Corea"), ("apple", "Apple")]


def test_a_speaker_label_is_not_a_mention() -> None:
    body = "**Anna Rossi:** Sì.\n\n**Anna Rossi**: No.\n\nLo dice Anna Rossi."
    assert links(body) == [("rossi", "Anna Rossi")]
    assert links("**Anna Rossi**: Apple cresce.\n\n**Anna Rossi:** Apple cala.") == []  # each opens a sentence


def test_whole_words_across_emphasis_and_links() -> None:
    assert links("Le **Apple**s, una Apple**s**, e la **Apple**.") == [("apple", "Apple")]
    assert links("Una Apple[s](https://example.org) e [x](https://example.org)Apple.") == []
    assert links("Le *Apple*s e la Corea.", declared=("apple",)) == [("corea", "Corea")]


def test_never_in_links_code_or_headings() -> None:
    body = "## La Corea\n\n`Corea` e [la Corea](https://example.org), poi la Corea."
    assert links(body) == [("corea", "Corea")]


def test_common_words_are_in_more_than_one_article_in_two_hundred() -> None:
    assert common_words([("governo",), ("governo", "stato"), ()], 3) == {"governo"}
    assert common_words([("governo",)] * 2 + [()] * 398, 400) == frozenset()  # 2 of 400: not more
    assert common_words([("governo",)] * 3 + [()] * 397, 400) == {"governo"}


ARTICLE = "---\ntitle: {title}\ndate: 2024-05-0{day}\nentities: [{entities}]\n---\n{body}\n"


def entity(name: str, kind: str = "organization", *aliases: str) -> str:
    return f"---\nname: {name}\ntype: {kind}\naliases: [{', '.join(aliases)}]\n---\nAbout {name}.\n"


def archive(make_project: MakeProject, scope: str = "") -> Path:
    setting = f"autolink_scope: {scope}\n" if scope else ""
    return make_project(
        {
            "site.yml": f"title: T\nlanguage: it\nautolink: all\nsearch: false\n{setting}",
            "articles/a.md": ARTICLE.format(
                title="A", day=1, entities="Acme", body="Acme compra Globex. Il governo approva."
            ),
            "articles/b.md": ARTICLE.format(title="B", day=2, entities="Acme", body="Acme e Globex. Il governo tace."),
            "articles/c.md": ARTICLE.format(title="C", day=3, entities="Acme", body="Acme, da sola."),
            "entities/acme.md": entity("Acme"),
            "entities/globex.md": entity("Globex"),
            "entities/governo.md": entity("governo", "topic"),
        }
    )


def test_the_site_lists_the_entities_found_in_the_text(make_project: MakeProject) -> None:
    content = archive(make_project)
    site = content.parent / "site"
    build_project(content, out=site)
    globex = (site / "entities" / "globex" / "index.html").read_text()
    assert "/articles/a/" in globex and "/articles/b/" in globex and "/articles/c/" not in globex
    article = (site / "articles" / "a" / "index.html").read_text()
    assert 'class="mention auto is-organization" href="/entities/globex/"' in article
    assert '<li><a href="/entities/globex/">Globex</a></li>' in article  # its list of entities
    acme = (site / "entities" / "acme" / "index.html").read_text()
    assert re.search(r'<li><a href="/entities/globex/">Globex</a>.*?<span class="value">2</span>', acme)  # co-mentions
    # 'governo' is in two of three articles: more than one in two hundred, an ordinary word
    assert 'href="/entities/governo/"' not in article


def test_scope_article_links_only_the_declared_entities(make_project: MakeProject) -> None:
    content = archive(make_project, "article")
    site = content.parent / "site"
    build_project(content, out=site)
    assert 'href="/entities/globex/"' not in (site / "articles" / "a" / "index.html").read_text()
    assert "/articles/a/" not in (site / "entities" / "globex" / "index.html").read_text()


def test_a_wrong_scope_is_a_clear_error(make_project: MakeProject, capsys: pytest.CaptureFixture[str]) -> None:
    content = archive(make_project, "everything")
    with pytest.raises(ContentError) as failure:
        build_project(content, out=content.parent / "site")
    assert any(
        "'autolink_scope' must be one of archive, article, not 'everything'" in d.message
        for d in failure.value.diagnostics
    )


def test_a_name_that_is_also_an_id_links_only_where_the_article_says_which(make_project: MakeProject) -> None:
    """'Mercury' is the planet's id and an alias of Freddie Mercury: [[Mercury]] means the
    planet, but the word in a text may be either, so it links only in an article that declares
    one of them (a reference does) or names Freddie Mercury in full (his surname is him)."""
    bodies = {
        "a": "We saw Mercury tonight.",
        "b": "[[Mercury]] rose. We saw Mercury tonight.",
        "c": "Freddie Mercury sang. Mercury was a star.",
    }
    content = make_project(
        {
            "site.yml": "title: T\nlanguage: en\nautolink: all\nsearch: false\n",
            **{
                f"articles/{slug}.md": ARTICLE.format(title=slug, day=1, entities="", body=body)
                for slug, body in bodies.items()
            },
            "entities/mercury.md": entity("Mercury", "place"),
            "entities/freddie-mercury.md": entity("Freddie Mercury", "person", "Mercury"),
        }
    )
    build_project(content, out=content.parent / "site")

    def found(slug: str) -> list[tuple[str, str]]:
        html = (content.parent / "site" / "articles" / slug / "index.html").read_text()
        return re.findall(r'<a class="mention[^"]*" href="/entities/([^/]+)/"[^>]*>([^<]*)</a>', html)

    assert found("a") == []
    assert found("b") == [("mercury", "Mercury"), ("mercury", "Mercury")]
    assert found("c") == [("freddie-mercury", "Freddie Mercury"), ("freddie-mercury", "Mercury")]


def test_a_name_of_two_entities_links_the_one_declared_even_if_no_other_name_does() -> None:
    both = ("cina-paese", "cina-porcellana")
    linker = Linker(
        resolve=lambda text: None,
        url=lambda eid: f"/e/{eid}/",
        names={},
        owners={"Cina": both},
        type_of=lambda eid: "place",
        mode="all",
        declared=frozenset({"cina-paese"}),
    )
    html = render_article("La Cina esporta.", linker).html
    assert re.findall(r'href="/e/([^/]+)/"[^>]*>([^<]*)</a>', html) == [("cina-paese", "Cina")]

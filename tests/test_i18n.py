"""The site's language: CLDR dates, numbers and plurals through Babel; gettext catalogs, the
packaged ones and a project's own; the shipped catalogs in step with the sources."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from generator.errors import Diagnostics
from generator.i18n import Language, catalog_names, load_language
from generator.project import PACKAGED_THEME
from tests.conftest import REPO, MakeProject, build_project, write_tree

PACKAGED_LOCALE = PACKAGED_THEME / "locale"
SITE_YML = Path("content/site.yml")


def language(tag: str, *folders: Path) -> tuple[Language, Diagnostics]:
    diagnostics = Diagnostics()
    return load_language(tag, [*folders, PACKAGED_LOCALE], diagnostics, SITE_YML), diagnostics


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("it", "10 febbraio 2025"),
        ("it-IT", "10 febbraio 2025"),
        ("en", "February 10, 2025"),
        ("en-GB", "10 February 2025"),
        ("de", "10. Februar 2025"),
        ("fr", "10 février 2025"),
    ],
)
def test_dates_come_from_cldr(tag: str, expected: str) -> None:
    assert language(tag)[0].date(dt.datetime(2025, 2, 10, 9, 30)) == expected


def test_plural_forms_follow_the_catalog_rule_and_numbers_the_locale() -> None:
    italian, english = language("it")[0], language("en")[0]
    article = ("%(num)s article", "%(num)s articles")
    assert italian.ngettext(*article, 1) == "1 articolo"
    assert italian.ngettext(*article, 1155) == "1.155 articoli"
    assert italian.ngettext(*article, 1_000_000) == "1.000.000 di articoli"  # CLDR's 'many'
    assert english.ngettext(*article, 1) == "1 article"
    assert english.ngettext(*article, 1155) == "1,155 articles"
    assert language("de")[0].number(1155) == "1.155"


def test_shipped_catalogs_translate_labels() -> None:
    italian, diagnostics = language("it")
    assert italian.gettext("Most mentioned") == "Le entità più citate"
    assert italian.gettext("Search the archive") == "Cerca nell'archivio"
    assert italian.ngettext("%(num)s more", "%(num)s more", 2) % {"num": 2} == "altri 2"
    assert italian.type_label("person", plural=True) == "Persone"
    assert italian.kind_label("fact-check") == "Verifica"
    assert not diagnostics.items


def test_a_language_without_a_catalog_gets_english_labels_and_a_warning() -> None:
    german, diagnostics = language("de")
    assert german.gettext("Most mentioned") == "Most mentioned"
    assert german.date(dt.date(2025, 3, 1)) == "1. März 2025"
    assert [str(d) for d in diagnostics.items] == [
        "content/site.yml: warning: no catalog of UI strings for language 'de': labels are in English, "
        "dates in de; to translate them, add templates/locale/de/LC_MESSAGES/messages.po "
        "(see the README: Translating the interface)"
    ]


def test_a_project_catalog_overrides_some_strings_and_keeps_the_rest(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "it/LC_MESSAGES/messages.po": """
            msgid ""
            msgstr "Content-Type: text/plain; charset=UTF-8\\n"

            msgid "Most mentioned"
            msgstr "I più citati"

            msgid "Related articles"
            msgstr ""
            """
        },
    )
    italian, diagnostics = language("it", tmp_path)
    assert italian.gettext("Most mentioned") == "I più citati"
    assert italian.gettext("Related articles") == "Articoli correlati"  # empty: the packaged one
    assert italian.gettext("All tags") == "Tutti i tag"
    assert not diagnostics.items


def test_a_project_can_add_a_language_with_regional_fallback(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "de/LC_MESSAGES/messages.po": """
            msgid ""
            msgstr ""
            "Content-Type: text/plain; charset=UTF-8\\n"
            "Plural-Forms: nplurals=2; plural=(n != 1);\\n"

            msgid "Most mentioned"
            msgstr "Am häufigsten genannt"

            msgid "%(num)s article"
            msgid_plural "%(num)s articles"
            msgstr[0] "%(num)s Artikel"
            msgstr[1] "%(num)s Artikel"
            """
        },
    )
    swiss, diagnostics = language("de-CH", tmp_path)
    assert swiss.gettext("Most mentioned") == "Am häufigsten genannt"
    assert swiss.ngettext("%(num)s article", "%(num)s articles", 1155) == "1'155 Artikel"  # CLDR's Swiss grouping
    assert not diagnostics.items


def test_a_broken_catalog_is_an_error_at_its_line(tmp_path: Path) -> None:
    write_tree(tmp_path, {"it/LC_MESSAGES/messages.po": 'msgid "Tags"\nmsgstr "Etichette"\nmsgid\n'})
    _, diagnostics = language("it", tmp_path)
    [problem] = diagnostics.items
    assert problem.path == str(tmp_path / "it/LC_MESSAGES/messages.po")
    assert (problem.level, problem.line) == ("error", 3)
    assert problem.message == "not a valid gettext catalog: missing msgstr for msgid ''; check it with msgfmt -c"


def test_a_german_site_shows_german_dates_and_says_its_labels_are_english(make_project: MakeProject) -> None:
    content = make_project(
        {
            "site.yml": "title: Archiv\nlanguage: de\n",
            "articles/a.md": "---\ntitle: Eins\ndate: 2025-03-01\n---\nText.\n",
        }
    )
    result = build_project(content)
    page = (content.parent / "site/articles/a/index.html").read_text(encoding="utf-8")
    assert '<time datetime="2025-03-01">1. März 2025</time>' in page
    assert '<html lang="de">' in page
    assert [d.message.split(":")[0] for d in result.diagnostics] == ["no catalog of UI strings for language 'de'"]


# --- the catalogs in step with the sources ---------------------------------------------------


def extracted() -> set[tuple[str | tuple[str, ...], str | None]]:
    """What `pybabel extract -F babel.cfg -k N_ -k tr` finds in the sources now: (id, context)."""
    method_map = [("generator/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.xml", "jinja2")]
    keywords = {**DEFAULT_KEYWORDS, "N_": None, "tr": None}
    found = set()
    for _, _, message, _, context in extract_from_dir(REPO, method_map, keywords=keywords):
        found.add((message if isinstance(message, str) else tuple(message), context))
    return found


def catalog_ids(path: Path) -> set[tuple[str | tuple[str, ...], str | None]]:
    with path.open("rb") as file:
        return {(m.id if isinstance(m.id, str) else tuple(m.id), m.context) for m in read_po(file) if m.id}


def test_the_template_catalog_has_every_message_of_the_sources() -> None:
    assert catalog_ids(PACKAGED_LOCALE / "messages.pot") == extracted(), (
        "run: pybabel extract -F babel.cfg -k N_ -k tr --no-location --sort-output -o templates/locale/messages.pot . "
        "&& pybabel update -i templates/locale/messages.pot -d templates/locale --no-wrap"
    )


@pytest.mark.parametrize("tag", ["it", "en"])
def test_shipped_catalogs_have_every_message(tag: str) -> None:
    path = PACKAGED_LOCALE / tag / "LC_MESSAGES" / "messages.po"
    assert catalog_ids(path) == catalog_ids(PACKAGED_LOCALE / "messages.pot")
    if tag == "it":
        with path.open("rb") as file:
            untranslated = [m.id for m in read_po(file) if m.id and not all(m.string if m.pluralizable else [m.string])]
        assert untranslated == []


def test_a_translation_must_fit_its_message_placeholders(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "it/LC_MESSAGES/messages.po": """
            msgid ""
            msgstr "Content-Type: text/plain; charset=UTF-8\\n"

            msgid "Atom feed of %(name)s"
            msgstr "Feed di %(nome)s"

            msgid "Most mentioned"
            msgstr "Il 100% delle citazioni"

            msgid "All tags"
            msgstr "Il 100%% dei tag"
            """
        },
    )
    italian, diagnostics = language("it", tmp_path)
    where = tmp_path / "it/LC_MESSAGES/messages.po"
    assert [str(d) for d in diagnostics.items] == [
        f"{where}:4: error: the translation of 'Atom feed of %(name)s' uses %(nome)s, which the message does not have",
        f"{where}:7: error: the translation of 'Most mentioned' is not a valid %-format string: "
        "write a literal % as %%",
    ]
    assert italian.gettext("Atom feed of %(name)s") == "Feed Atom di %(name)s"  # the packaged one
    assert italian.tr("All tags") == "Il 100% dei tag"


@pytest.mark.parametrize(
    ("tag", "names"),
    [
        ("de-CH", ["de_CH", "de"]),
        ("pt-br", ["pt_br", "pt_BR", "pt"]),
        ("zh-Hant-TW", ["zh_Hant_TW", "zh_Hant", "zh"][:2]),
        ("sr-Latn", ["sr_Latn"]),
        ("it", ["it"]),
    ],
)
def test_catalog_folders_from_the_most_specific(tag: str, names: list[str]) -> None:
    assert catalog_names(tag, language(tag)[0].locale) == names

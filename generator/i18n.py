"""UI strings and dates in the site's language: Italian and English catalogs."""

from __future__ import annotations

import datetime as dt
import functools

MONTHS = {
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
    "en": "January February March April May June July August September October November December",
}

CATALOGS: dict[str, dict[str, str]] = {
    "it": {
        "skip": "Vai al contenuto",
        "nav": "Navigazione principale",
        "home": "Home",
        "latest": "Ultimi articoli",
        "most_mentioned": "Le entità più citate",
        "entities": "Entità",
        "all_entities": "Tutte le entità",
        "tags": "Tag",
        "all_tags": "Tutti i tag",
        "tag_title": "Articoli con il tag «{name}»",
        "articles": "Articoli",
        "article_count.one": "{n} articolo",
        "article_count.other": "{n} articoli",
        "entity_count.one": "{n} entità",
        "entity_count.other": "{n} entità",
        "by": "di {authors}",
        "source": "Fonte",
        "read_original": "Leggi l'originale",
        "published": "pubblicato il {date}",
        "about": "Parla di",
        "in_this_article": "Chi e cosa in questo articolo",
        "related_articles": "Articoli correlati",
        "shared_entities": "in comune: {names}",
        "part_of": "Fa parte di",
        "includes": "Comprende",
        "related": "Collegate",
        "notes": "Note",
        "profile": "Scheda",
        "mentioned_in": "Articoli che la citano",
        "mentioned_with": "Citate insieme",
        "stub": "Questa entità non ha ancora una scheda: è citata negli articoli ma non descritta.",
        "no_articles": "Nessun articolo la cita.",
        "website": "Sito web",
        "page_of": "Pagina {n} di {total}",
        "newer": "← Più recenti",
        "older": "Meno recenti →",
        "pagination": "Pagine",
        "feed": "Feed Atom",
        "feed_of": "Feed Atom di {name}",
        "build_failed": "la generazione del sito non è riuscita: qui sotto i problemi; "
        "finché non li correggi vedi l'ultima versione riuscita.",
        "not_found": "Pagina non trovata",
        "not_found_text": "La pagina che cerchi non esiste o è stata spostata.",
        "back_home": "Torna alla pagina iniziale",
        "made_with": "Archivio generato con rassegna",
        "go_to_mention": "vai al punto dell'articolo",
        "note_n": "Nota {n}",
        "back_to_passage": "Torna al passo annotato",
        "archive_note": "Nota dell'archivio",
        "annotations": "Note dell'archivio",
        "annotation_in": "in «{title}»",
        "go_to_passage": "vai al passo",
        "kind.note": "Nota",
        "kind.fact-check": "Verifica",
        "kind.translation": "Traduzione",
        "kind.correction": "Correzione",
        "kind.context": "Contesto",
        "type.person": "Persona",
        "type.organization": "Organizzazione",
        "type.place": "Luogo",
        "type.product": "Prodotto",
        "type.topic": "Tema",
        "type.event": "Evento",
        "types.person": "Persone",
        "types.organization": "Organizzazioni",
        "types.place": "Luoghi",
        "types.product": "Prodotti",
        "types.topic": "Temi",
        "types.event": "Eventi",
    },
    "en": {
        "skip": "Skip to content",
        "nav": "Main navigation",
        "home": "Home",
        "latest": "Latest articles",
        "most_mentioned": "Most mentioned",
        "entities": "Entities",
        "all_entities": "All entities",
        "tags": "Tags",
        "all_tags": "All tags",
        "tag_title": "Articles tagged “{name}”",
        "articles": "Articles",
        "article_count.one": "{n} article",
        "article_count.other": "{n} articles",
        "entity_count.one": "{n} entity",
        "entity_count.other": "{n} entities",
        "by": "by {authors}",
        "source": "Source",
        "read_original": "Read the original",
        "published": "published on {date}",
        "about": "About",
        "in_this_article": "Who and what in this article",
        "related_articles": "Related articles",
        "shared_entities": "shared: {names}",
        "part_of": "Part of",
        "includes": "Includes",
        "related": "Related",
        "notes": "Notes",
        "profile": "Profile",
        "mentioned_in": "Articles that mention it",
        "mentioned_with": "Mentioned with",
        "stub": "This entity has no page of its own yet: articles mention it, nobody has described it.",
        "no_articles": "No article mentions it.",
        "website": "Website",
        "page_of": "Page {n} of {total}",
        "newer": "← Newer",
        "older": "Older →",
        "pagination": "Pages",
        "feed": "Atom feed",
        "feed_of": "Atom feed of {name}",
        "build_failed": "the build failed: the problems are below; until they are fixed you see the last good site.",
        "not_found": "Page not found",
        "not_found_text": "The page you are looking for does not exist or has moved.",
        "back_home": "Back to the home page",
        "made_with": "Archive built with rassegna",
        "go_to_mention": "go to the passage",
        "note_n": "Note {n}",
        "back_to_passage": "Back to the annotated passage",
        "archive_note": "The archive's note",
        "annotations": "Notes from the archive",
        "annotation_in": "in “{title}”",
        "go_to_passage": "go to the passage",
        "kind.note": "Note",
        "kind.fact-check": "Fact check",
        "kind.translation": "Translation",
        "kind.correction": "Correction",
        "kind.context": "Context",
        "type.person": "Person",
        "type.organization": "Organisation",
        "type.place": "Place",
        "type.product": "Product",
        "type.topic": "Topic",
        "type.event": "Event",
        "types.person": "People",
        "types.organization": "Organisations",
        "types.place": "Places",
        "types.product": "Products",
        "types.topic": "Topics",
        "types.event": "Events",
    },
}


@functools.cache
def catalog_language(language: str) -> str:
    """'it-IT' -> 'it'; a language without a catalog falls back to English."""
    base = language.split("-")[0].lower()
    return base if base in CATALOGS else "en"


def translate(language: str, key: str, **values: object) -> str:
    text = CATALOGS[catalog_language(language)][key]
    return text.format(**values) if values else text


def plural(language: str, key: str, n: int) -> str:
    form = "one" if n == 1 else "other"
    return translate(
        language, f"{key}.{form}", n=f"{n:,}".replace(",", "." if catalog_language(language) == "it" else ",")
    )


def format_date(value: dt.date, language: str) -> str:
    """'10 febbraio 2025' in Italian, '10 February 2025' in English."""
    if isinstance(value, dt.datetime):
        value = value.date()
    month = MONTHS[catalog_language(language)].split()[value.month - 1]
    return f"{value.day} {month} {value.year}"

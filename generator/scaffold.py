"""`rassegna new`: a new article or entity file with valid front matter, never over another."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import yaml

from generator.config import load_config
from generator.errors import Diagnostics, UsageError
from generator.model import ENTITY_TYPES
from generator.text import slug_or_digest

BODIES = {
    "it": ("Il testo dell'articolo.", "Chi o che cosa è, in poche righe."),
    "en": ("The text of the article.", "Who or what it is, in a few lines."),
}


def new_article(content: Path, title: str, today: dt.date | None = None) -> Path:
    """content/articles/<slug>.md: the title, today's date and the site's language."""
    language = _site_language(content)
    fields = {
        "title": _required(title, "title"),
        "date": today or dt.date.today(),
        "lang": language,
        "summary": "",
        "tags": [],
        "entities": [],
    }
    slug = slug_or_digest(title, "articolo" if language == "it" else "article")
    return _write(content / "articles" / f"{slug}.md", fields, BODIES.get(language, BODIES["en"])[0])


def new_entity(content: Path, name: str, entity_type: str) -> Path:
    """content/entities/<slug>.md: the name, the type, room for aliases and a description."""
    if entity_type not in ENTITY_TYPES:
        raise UsageError(f"--type must be one of {', '.join(ENTITY_TYPES)}, not '{entity_type}'")
    language = _site_language(content)
    fields = {"name": _required(name, "name"), "type": entity_type, "aliases": [], "description": ""}
    path = content / "entities" / f"{slug_or_digest(name, 'entity')}.md"
    return _write(path, fields, BODIES.get(language, BODIES["en"])[1])


def _site_language(content: Path) -> str:
    if not content.is_dir():
        raise UsageError(f"content directory '{content}' not found; pass --content DIR")
    return load_config(content / "site.yml", Diagnostics()).language


def _required(text: str, what: str) -> str:
    if not text.strip():
        raise UsageError(f'the {what} is empty: give it in quotes, e.g. rassegna new article "Titolo"')
    return text.strip()


def _write(path: Path, fields: Mapping[str, object], body: str) -> Path:
    """Front matter through the YAML dumper: any title is quoted as YAML needs it."""
    front = yaml.safe_dump(fields, allow_unicode=True, sort_keys=False, width=1000)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as file:  # "x": never over an existing file
            file.write(f"---\n{front}---\n\n{body}\n")
    except FileExistsError:
        raise UsageError(f"{path} already exists: edit it, or choose another title or name") from None
    return path

"""`rassegna new` and `rassegna init`: new files with valid front matter, never over another."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.config import base_url_problem, load_config, normalize_base_url
from generator.errors import Diagnostics, UsageError
from generator.model import ENTITY_TYPES
from generator.text import is_language_tag, slug_or_digest

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


# --- rassegna init -------------------------------------------------------------------------

STARTER: dict[str, dict[str, Any]] = {
    "it": {
        "title": "Il mio archivio",
        "description": "Un archivio annotato di articoli.",
        "article": {
            "slug": "benvenuti",
            "title": "Benvenuti nell'archivio",
            "summary": "Com'è fatto un articolo, e come collega le persone e i luoghi che cita.",
            "tags": ["archivio"],
            "body": "[[ada-lovelace|Ada Lovelace]] pubblicò nel 1843, a Londra, quello che è considerato "
            "il primo algoritmo scritto per una macchina: una nota alla sua traduzione di un articolo "
            "sulla macchina analitica.\n\n"
            "Ogni nome che un articolo cita diventa un link alla pagina della sua entità; ogni nota "
            "dell'archivio sta accanto al passo che spiega.",
            "quote": "il primo algoritmo scritto per una macchina",
            "note": "È la «Nota G»: descrive come la macchina analitica avrebbe calcolato i numeri di Bernoulli.",
        },
        "entities": [
            ("ada-lovelace", "Ada Lovelace", "person", "Matematica inglese (1815–1852).", []),
            ("londra", "Londra", "place", "Capitale del Regno Unito.", ["London"]),
        ],
    },
    "en": {
        "title": "My archive",
        "description": "An annotated archive of articles.",
        "article": {
            "slug": "welcome",
            "title": "Welcome to the archive",
            "summary": "What an article looks like, and how it links the people and places it mentions.",
            "tags": ["archive"],
            "body": "[[ada-lovelace|Ada Lovelace]] published in 1843, in London, what is held to be "
            "the first algorithm written for a machine: a note to her translation of an article on "
            "the Analytical Engine.\n\n"
            "Every name an article mentions becomes a link to its entity's page; every note of the "
            "archive stands beside the passage it explains.",
            "quote": "the first algorithm written for a machine",
            "note": "It is “Note G”: it describes how the Analytical Engine would compute Bernoulli numbers.",
        },
        "entities": [
            ("ada-lovelace", "Ada Lovelace", "person", "English mathematician (1815–1852).", []),
            ("london", "London", "place", "The capital of the United Kingdom.", []),
        ],
    },
}

GITIGNORE = "# rassegna's output, its build cache, and the staging folder of a build cut short\n/site/\n/.rassegna-cache/\n/.site.rassegna-new-*/\n"

# The Pages workflow of a new archive: as this repository's own, but installing rassegna
# from the package index, as a user of the published package does.
WORKFLOW = """\
# Publish the archive on GitHub Pages: on every push to main, and by hand from the Actions tab.
# Turn Pages on once: Settings → Pages → Build and deployment → Source: GitHub Actions.
name: Publish on GitHub Pages

on:
  push:
    branches: [main]
  workflow_dispatch:

permissions:
  contents: read
  pages: write
  id-token: write

# One deployment at a time; a run queued behind it waits instead of cancelling it.
concurrency:
  group: pages
  cancel-in-progress: false

jobs:
  build:
    # A push to a repository without Pages turned on skips the run instead of failing it.
    if: github.event_name == 'workflow_dispatch' || github.event.repository.has_pages
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v6
      - uses: actions/setup-python@v6
        with:
          python-version: "3.12"
      - name: Find the site's address
        id: pages
        uses: actions/configure-pages@v6
      - name: Install rassegna
        run: pip install "rassegna==%(version)s"
      - name: Build the archive for its address
        run: rassegna build --base-url "${{ steps.pages.outputs.base_url }}/" --out site
      - name: Check links, fragments and GitHub Pages' size limits
        run: rassegna check --site site
      - uses: actions/upload-pages-artifact@v4
        with:
          path: site

  deploy:
    needs: build
    runs-on: ubuntu-latest
    environment:
      name: github-pages
      url: ${{ steps.deployment.outputs.page_url }}
    steps:
      - name: Publish
        id: deployment
        uses: actions/deploy-pages@v5
"""


@dataclass(frozen=True)
class Written:
    created: list[Path]
    kept: list[Path]  # already there: never written over


def init_project(
    root: Path, language: str, title: str | None, base_url: str, version: str, today: dt.date | None = None
) -> Written:
    """A new archive in `root`: site.yml, an example article with a mention and an annotation,
    its two entities, .gitignore and the Pages workflow. Files that exist are kept."""
    if not is_language_tag(language):
        raise UsageError(f"--lang must be a BCP 47 code such as 'it' or 'en', not '{language}'")
    if (problem := base_url_problem(normalize_base_url(base_url))) is not None:
        raise UsageError(problem.replace("base_url", "--base-url", 1))
    if (root / "content" / "site.yml").is_file():
        raise UsageError(f"{root / 'content' / 'site.yml'} already exists: {root} is a rassegna project already")
    starter = STARTER.get(language.split("-")[0].lower(), STARTER["en"])
    site = {
        "title": title.strip() if title and title.strip() else starter["title"],
        "description": starter["description"],
        "language": language,
        "base_url": normalize_base_url(base_url),
        "autolink": "first",
        "autolink_scope": "archive",  # every entity's names, in every article
    }
    files = {
        root / "content" / "site.yml": _yaml(site),
        root / "content" / "articles" / f"{starter['article']['slug']}.md": _starter_article(starter, language, today),
        **{
            root / "content" / "entities" / f"{i}.md": _entity_file(n, t, d, a) for i, n, t, d, a in starter["entities"]
        },
        root / ".gitignore": GITIGNORE,
        root / ".github" / "workflows" / "pages.yml": WORKFLOW % {"version": version},
    }
    for path in files:  # before writing anything: no half-made archive
        if blocked := next((folder for folder in path.parents if folder.exists() and not folder.is_dir()), None):
            raise UsageError(
                f"{blocked} is a file, where the new archive needs a folder: move it, or choose another DIR"
            )
    created, kept = [], []
    for path, text in files.items():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("x", encoding="utf-8") as file:
                file.write(text)
            created.append(path)
        except FileExistsError:
            kept.append(path)
        except OSError as exc:
            raise UsageError(f"cannot write {path}: {exc.strerror}") from exc
    return Written(created, kept)


def _starter_article(starter: dict[str, Any], language: str, today: dt.date | None) -> str:
    article = starter["article"]
    base = language.split("-")[0].lower()
    fields: dict[str, object] = {"title": article["title"], "date": today or dt.date.today()}
    if base not in STARTER:
        fields["lang"] = "en"  # the example is in English on a site in another language
    fields |= {
        "summary": article["summary"],
        "tags": article["tags"],
        "about": [starter["entities"][0][0]],
        "entities": [entity[0] for entity in starter["entities"]],
        "annotations": [{"quote": article["quote"], "kind": "context", "note": article["note"]}],
    }
    return f"---\n{_yaml(fields)}---\n\n{article['body']}\n"


def _entity_file(name: str, entity_type: str, description: str, aliases: list[str]) -> str:
    fields: dict[str, object] = {"name": name, "type": entity_type, "description": description}
    if aliases:
        fields["aliases"] = aliases
    return f"---\n{_yaml(fields)}---\n"


def _yaml(fields: Mapping[str, object]) -> str:
    return yaml.safe_dump(dict(fields), allow_unicode=True, sort_keys=False, width=1000)

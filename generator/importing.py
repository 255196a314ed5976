"""`rassegna import annotations FILE`: annotations made elsewhere written into the front matter
of the articles they annotate.

FILE holds W3C Web Annotations (one, a list, an AnnotationPage such as our own exports) or
Hypothesis' JSON export (`{"annotations": [...]}`, or the API's `{"rows": [...]}`). Each one
is placed by its target's URL (an article of this archive, under any host) and its
TextQuoteSelector; the note is its Markdown body if it has one, else its text. What cannot be
placed is refused with its reason, and nothing is written unless everything can be.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from generator import urls as paths
from generator.build import check_inputs, linker_for
from generator.errors import ContentError, Diagnostics
from generator.export import ANCHOR, PURPOSES
from generator.frontmatter import split_document
from generator.load import article_body, load_content
from generator.markdown import render_article
from generator.model import Annotation, Article, Site
from generator.resolve import resolve
from generator.text import normalize_text
from generator.urls import Urls

KINDS_OF_PURPOSE = {"commenting": "note", "assessing": "fact-check", "editing": "correction", "describing": "context"}
KEY_ORDER = ("quote", "prefix", "suffix", "kind", "lang", "entity", "note")


@dataclass
class Incoming:
    """An annotation of FILE, as the front matter will have it."""

    line: int  # in FILE, where it starts (as near as JSON lets us say)
    label: str  # its id, or its number in FILE
    source: str  # the URL of the page it annotates
    fields: dict[str, str]  # quote, prefix, suffix, kind, lang, entity (a URL until placed), note
    written: bool  # quote, prefix and suffix as the front matter wrote them (our own export)


@dataclass(frozen=True)
class Imported:
    articles: dict[str, int]  # file -> annotations added
    skipped: int  # already there


def import_annotations(content: Path, file: Path) -> Imported:
    """Add the annotations of `file` to their articles; raise ContentError (nothing written)."""
    check_inputs(content, None)
    problems, archive = Diagnostics(), Diagnostics()
    incoming = read_annotations(file, problems)
    loaded = load_content(content, archive)
    site = resolve(loaded, archive)
    if archive.errors:  # the articles must be readable to be placed in
        raise ContentError(archive.sorted() + problems.sorted())
    by_article: dict[Article, list[Incoming]] = {}  # in the order FILE has them
    for annotation in incoming:
        article = article_of(site, annotation.source)
        if article is None:
            where = f"its target {annotation.source} is no article of this archive"
            problems.error(file, annotation.line, f"annotation {annotation.label}: {where}; check the URL")
            continue
        by_article.setdefault(article, []).append(annotation)
    digests = {path: record.digest for path, record in loaded.files.items()}
    additions = {
        article: placed(site, article, article_body(article, digests[str(article.path)]), found, file, problems)
        for article, found in by_article.items()
    }
    if problems.errors:
        raise ContentError(problems.sorted())
    added, skipped = {}, 0
    for article, entries in additions.items():
        text = article.path.read_text(encoding="utf-8")
        have = existing(text)
        new = [entry for entry in entries if not any(_same(entry, known) for known in have)]
        skipped += len(entries) - len(new)
        if new:
            article.path.write_text(with_annotations(text, have + new), encoding="utf-8")
            added[str(article.path)] = len(new)
    return Imported(added, skipped)


def _same(one: dict[str, Any], other: dict[str, Any]) -> bool:
    return all(
        str(one.get(k, "")).strip() == str(other.get(k, "")).strip() for k in ("quote", "prefix", "suffix", "note")
    )


# -- reading FILE ----------------------------------------------------------------------------


def read_annotations(file: Path, problems: Diagnostics) -> list[Incoming]:
    try:
        text = file.read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        problems.error(file, 0, f"cannot read it: {exc}")
        return []
    except json.JSONDecodeError as exc:
        problems.error(file, exc.lineno, f"not JSON: {exc.msg}; export the annotations as JSON (W3C or Hypothesis)")
        return []
    items = list(_items(data))
    if not items:
        problems.error(file, 1, "no annotations in it: expected a W3C Annotation, a list or an AnnotationPage of them, or Hypothesis' export")  # fmt: skip
    found = []
    for number, item in enumerate(items, 1):
        label = str(item.get("id") or f"#{number}")
        line = _line_of(text, item.get("id"))
        try:
            found.append(_incoming(item, label, line))
        except ValueError as exc:
            problems.error(file, line, f"annotation {label}: {exc}")
    return found


def _items(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _items(item)
    elif isinstance(data, dict):
        if data.get("type") == "AnnotationPage" or isinstance(data.get("items"), list):
            yield from _items(data.get("items", []))
        elif isinstance(data.get("annotations"), list):  # Hypothesis' export
            yield from _items(data["annotations"])
        elif isinstance(data.get("rows"), list):  # Hypothesis' API
            yield from _items(data["rows"])
        elif "target" in data:
            yield data


def _line_of(text: str, identifier: Any) -> int:
    if not isinstance(identifier, str):
        return 1
    at = text.find(json.dumps(identifier, ensure_ascii=False)[1:-1])
    return text.count("\n", 0, at) + 1 if at >= 0 else 1


def _incoming(item: dict[str, Any], label: str, line: int) -> Incoming:
    target = _target(item)
    source = target.get("source") or item.get("uri")
    if not isinstance(source, str):
        raise ValueError("its target has no source URL")
    quote = _quote_selector(target)
    written = item.get(ANCHOR) if isinstance(item.get(ANCHOR), dict) else None
    fields = {
        "quote": str(written.get("quote", "")) if written else normalize_text(str(quote.get("exact", ""))).strip(),
        "prefix": str(written.get("prefix", "")) if written else str(quote.get("prefix", "")),
        "suffix": str(written.get("suffix", "")) if written else str(quote.get("suffix", "")),
        **_from_bodies(item),
    }
    if not fields["quote"]:
        raise ValueError("its TextQuoteSelector quotes nothing")
    if not fields.get("note", "").strip():
        raise ValueError("it has no note (no text in its body)")
    return Incoming(line, label, source, fields, written is not None)


def _target(item: dict[str, Any]) -> dict[str, Any]:
    targets = item.get("target")
    for target in targets if isinstance(targets, list) else [targets]:
        if isinstance(target, dict):
            return target
        if isinstance(target, str):
            return {"source": target}
    raise ValueError("it has no target")


def _quote_selector(target: dict[str, Any]) -> dict[str, Any]:
    selectors = target.get("selector")
    for selector in selectors if isinstance(selectors, list) else [selectors]:
        if isinstance(selector, dict) and selector.get("type") == "TextQuoteSelector":
            return selector
    raise ValueError("its target has no TextQuoteSelector: the archive places a note by the passage it quotes")


def _from_bodies(item: dict[str, Any]) -> dict[str, str]:
    """The note, its kind, language and entity, from W3C bodies or Hypothesis' fields."""
    bodies = item.get("body", [])
    bodies = [body for body in (bodies if isinstance(bodies, list) else [bodies]) if isinstance(body, dict)]
    textual = [body for body in bodies if body.get("purpose") != "tagging" and "value" in body]
    by_format = {body.get("format", "text/plain"): body for body in reversed(textual)}
    note_body = by_format.get("text/markdown") or by_format.get("text/plain") or by_format.get("text/html")
    fields: dict[str, str] = {}
    if note_body is not None:
        value = str(note_body["value"])
        fields["note"] = value if note_body.get("format") != "text/html" else html_text(value)
        if isinstance(note_body.get("language"), str):
            fields["lang"] = note_body["language"]
    elif isinstance(item.get("text"), str):  # Hypothesis: Markdown
        fields["note"] = item["text"]
    tags = [body.get("value") for body in bodies if body.get("purpose") == "tagging"] + list(item.get("tags") or [])
    kinds = [tag for tag in tags if tag in PURPOSES]
    purpose = (note_body or {}).get("purpose") or item.get("motivation")
    fields["kind"] = kinds[0] if kinds else KINDS_OF_PURPOSE.get(str(purpose), "note")
    for body in bodies:
        if body.get("type") == "SpecificResource" and body.get("purpose") == "identifying":
            fields["entity"] = str(body.get("source", ""))
    return fields


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_text(html: str) -> str:
    """An HTML note as text: the front matter's notes are Markdown, and HTML in them is not kept."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return normalize_text("".join(parser.parts)).strip()


# -- placing them ----------------------------------------------------------------------------


def article_of(site: Site, url: str) -> Article | None:
    """The article a URL names: its exact identifier, or a URL whose path ends in its path
    (the same page served from another host or base path)."""
    urls = Urls(site.config.base_url)
    by_iri = {urls.iri(paths.article(a.slug), site.config.title): a for a in site.articles}
    if url in by_iri:
        return by_iri[url]
    found = re.search(r"(?:^|/)articles/([^/]+)/?(?:index\.html)?$", urlsplit(url).path)
    by_slug = {article.slug: article for article in site.articles}
    return by_slug.get(found[1]) if found else None


def placed(
    site: Site, article: Article, body: str | None, found: list[Incoming], file: Path, problems: Diagnostics
) -> list[dict[str, str]]:
    """The front matter entries for `found`, each anchored once in the article's text: with the
    context it was written with, or with the least of its selector's context that makes the
    quote unique (whole words, the suffix first)."""
    entries: list[dict[str, str]] = []
    for annotation in found:
        fields = dict(annotation.fields)
        entity = _entity_id(site, fields.pop("entity", ""))
        if entity is not None:
            fields["entity"] = entity
        if fields.get("lang") == article.lang:
            fields.pop("lang")
        given = (fields["prefix"], fields["suffix"])
        context = _anchoring(site, article, body, fields, [given] if annotation.written else _contexts(*given))
        if isinstance(context, str):
            problems.error(file, annotation.line, f"annotation {annotation.label}: {context}")
            continue
        fields["prefix"], fields["suffix"] = context
        entries.append({key: fields[key] for key in KEY_ORDER if fields.get(key)})
    return entries


def _anchoring(
    site: Site, article: Article, body: str | None, fields: dict[str, str], contexts: list[tuple[str, str]]
) -> tuple[str, str] | str:
    """The first (prefix, suffix) with which the quote is found once in the article, or why
    none is."""
    problem = "its quote is not in the article"
    for prefix, suffix in contexts:
        candidate = Annotation(fields["quote"], fields["note"], 0, fields["kind"], prefix, suffix)
        found = _anchoring_problem(site, article, body, candidate)
        if found is None:
            return prefix, suffix
        problem = found
    return problem


def _entity_id(site: Site, url: str) -> str | None:
    found = re.search(r"(?:^|/)entities/([^/]+)/?$", urlsplit(url).path) if url else None
    return found[1] if found and found[1] in site.entities else None


def _contexts(prefix: str, suffix: str) -> list[tuple[str, str]]:
    """No context, then more and more of the suffix, then of the prefix, word by word, then both."""
    suffixes = [suffix[:end] for end in _word_ends(suffix)]
    prefixes = [prefix[start:] for start in _word_starts(prefix)]
    return [("", ""), *(("", s) for s in suffixes), *((p, "") for p in prefixes), (prefix, suffix)]


def _word_ends(text: str) -> list[int]:
    """Where each word of `text` ends, from its start; the last may be cut short: not one."""
    return [match.end() for match in re.finditer(r"\s*\S+", text)][:-1]


def _word_starts(text: str) -> list[int]:
    """Where each word of `text` starts, from its end back; the first may be cut short: not one."""
    return [match.start() for match in re.finditer(r"\S+\s*", text)][:0:-1]


def _anchoring_problem(site: Site, article: Article, body: str | None, annotation: Annotation) -> str | None:
    if body is None:
        return "its article changed while it was being read; try again"
    rendered = render_article(body, linker_for(site), (annotation,), lang=article.lang)
    if rendered.problems:
        return rendered.problems[0][1]
    return None if len(rendered.notes) == 1 else "its quote is not in the article"


# -- writing the front matter ----------------------------------------------------------------


def existing(text: str) -> list[dict[str, Any]]:
    """The annotations the front matter has (it was loaded without errors: it parses)."""
    found = split_document(text).data.get("annotations")
    return list(found) if isinstance(found, list) else []


def with_annotations(text: str, annotations: list[dict[str, Any]]) -> str:
    """The document with its front matter's `annotations:` replaced (or added at its end); the
    rest of the front matter and the body are left as they were written."""
    lines = text.split("\n")
    close = next(index for index in range(1, len(lines)) if lines[index].rstrip() in ("---", "..."))
    start = next((index for index in range(1, close) if re.match(r"annotations\s*:", lines[index])), None)
    if start is None:
        start = end = close
    else:
        end = start + 1
        while end < close and (not lines[end].strip() or lines[end][:1] in (" ", "\t", "-")):
            end += 1
    styled = [{key: _styled(key, value) for key, value in entry.items()} for entry in annotations]
    block = yaml.dump({"annotations": styled}, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=88)
    return "\n".join([*lines[:start], *block.rstrip("\n").split("\n"), *lines[end:]])


class _Dumper(yaml.SafeDumper):
    """YAML as the shipped articles write annotations: passages in double quotes (their spaces
    are part of them), long notes folded."""

    def write_double_quoted(self, text: str, split: bool = True) -> None:
        super().write_double_quoted(text, split=False)  # a passage on one line, as it is searched for


class _Quoted(str):
    pass


class _Folded(str):
    pass


_Dumper.add_representer(_Quoted, lambda dumper, text: dumper.represent_scalar("tag:yaml.org,2002:str", text, style='"'))
_Dumper.add_representer(_Folded, lambda dumper, text: dumper.represent_scalar("tag:yaml.org,2002:str", text, style=">"))


def _styled(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if key in ("quote", "prefix", "suffix"):
        return _Quoted(value)
    return _Folded(value) if key == "note" and len(value) > 60 else value

"""Every mention GUM's annotators made, named or not, for bench/score_autolink.py.

The gum-wikinews corpus writes a mention inline as `[[id|text]]` only where a name heads its
phrase: 'English captain Harry Kane', 'the Polaroid camera' and 'the Scientology organization'
are mentions of Harry Kane, Polaroid and the Church of Scientology in GUM, but plain text in
the corpus. This module reads GUM's own files (`upstream/dep/*.conllu`) with the corpus's
converter, so that the entity ids are those it wrote, and tells which links of a built article
lie inside a mention of their own entity: a second view of precision, beside the strict one.
"""

from __future__ import annotations

import csv
import importlib.util
import re
from collections import Counter
from collections.abc import Iterator
from difflib import SequenceMatcher
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType
from typing import Any

CONVERTER = "convert_gum_wikinews.py"
Span = tuple[str, int, int]  # entity id, start and end in a text
TOKEN = re.compile(r"\w+|[^\w\s]")


def available(corpus: Path) -> bool:
    return (corpus.parent / CONVERTER).is_file() and (corpus / "upstream" / "dep").is_dir()


def documents(corpus: Path) -> dict[str, tuple[str, list[Span]]]:
    """Each article's text as GUM has it and GUM's mentions in it, by slug."""
    converter = _load(corpus.parent / CONVERTER)
    with open(corpus / "documents.tsv", encoding="utf-8") as table:
        slugs = {row["gum_doc"]: row["slug"] for row in csv.DictReader(table, delimiter="\t")}
    return {
        slugs[path.stem]: _document(converter, path) for path in sorted((corpus / "upstream" / "dep").glob("*.conllu"))
    }


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("convert_gum_wikinews", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _document(g: ModuleType, path: Path) -> tuple[str, list[Span]]:
    _meta, sentences, words, unit_of, _mentions, entities, _ = g.convert_doc(str(path))
    units_of = {id(sentence): sentence["units"] for sentence in sentences}
    text, starts, ends = "", {}, {}
    for sentence in sentences:  # spaced as the corpus spaces it
        for unit in sentence["units"]:
            for word in unit["words"]:
                starts.setdefault(word, len(text))
            text += unit["text"]
            ends.update(dict.fromkeys(unit["words"], len(text)))
            text += " " if unit["space_after"] else ""
        text += " "
    spans = []
    for entity in entities.values():
        for mention in entity["mentions"]:
            mention["text"] = g.surface(words, unit_of, units_of, mention["ls"], mention["le"])
        entity_id = _entity_id(g, entity)
        spans += [(entity_id, starts[m["start"]], ends[m["end"]]) for m in entity["mentions"]]
    return text, spans


def _entity_id(g: ModuleType, entity: dict[str, Any]) -> str:
    """The id the converter gives a group of mentions (as its `convert`, first pass, does)."""
    mentions = entity["mentions"]
    if entity["identity"]:
        name = g.wiki_title(entity["identity"])
        for m in mentions:
            if not m["named"] and m["text"] and m["text"].casefold() == g.base_title(name).casefold():
                m["named"] = True
        canon = g.content_tokens(name)
    else:
        named = Counter(m["text"] for m in mentions if m["named"] and m["text"])
        plain = {t: c for t, c in named.items() if not g.content_tokens(t) & g.TITLE_WORDS}
        pool = {t: c for t, c in plain.items() if len(g.content_tokens(t)) >= 2} or plain or named
        canon = g.content_tokens(min(pool.items(), key=lambda kv: (-kv[1], kv[0]))[0]) if pool else set()
    for m in mentions:
        if m["named"] and m["text"] and g.title_only(m["text"], canon):
            m["named"] = False
    if not entity["identity"]:
        name = g.pick_name(Counter(m["text"] for m in mentions if m["named"] and m["text"]))
    return str(g.slugify(name))


class BodyText(HTMLParser):
    """An article page's body as text, and where each mention link sits in it."""

    BREAKS = {"p", "li", "h2", "h3", "h4", "br", "blockquote", "figcaption", "tr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0  # open <div>s since the body's
        self.parts: list[str] = []
        self.length = 0
        self.links: list[Span] = []
        self.opened: tuple[str, int] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "div" and (self.depth or "body" in classes):
            self.depth += 1
        elif tag == "a" and self.depth and "mention" in classes:
            self.opened = (dict(attrs).get("data-entity") or "", self.length)
        elif tag in self.BREAKS and self.depth:
            self._add(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self.depth:
            self.depth -= 1
        elif tag == "a" and self.opened:
            self.links.append((*self.opened, self.length))
            self.opened = None

    def handle_data(self, data: str) -> None:
        if self.depth:
            self._add(data)

    def _add(self, text: str) -> None:
        self.parts.append(text)
        self.length += len(text)


def links_inside(page: str, document: tuple[str, list[Span]]) -> Iterator[tuple[str, str, bool | None]]:
    """Each mention link of the page as (entity, text, whether it lies inside a GUM mention of
    its entity; None: its words were not found in GUM's text). Texts are aligned word by word."""
    body = BodyText()
    body.feed(page)
    text, spans = document
    page_text = "".join(body.parts)
    ours, theirs = _tokens(page_text), _tokens(text)
    matcher = SequenceMatcher(None, [t[0] for t in ours], [t[0] for t in theirs], autojunk=False)
    aligned = {i + k: j + k for i, j, size in matcher.get_matching_blocks() for k in range(size)}
    first = {start: i for i, (_, start, _) in enumerate(ours)}
    last = {end: i for i, (_, _, end) in enumerate(ours)}
    for entity, start, end in body.links:
        a, z = first.get(start), last.get(end)
        if a is None or z is None or any(k not in aligned for k in range(a, z + 1)):
            yield entity, page_text[start:end], None
            continue
        begin, finish = theirs[aligned[a]][1], theirs[aligned[z]][2]
        yield entity, page_text[start:end], any(e == entity and s <= begin and finish <= f for e, s, f in spans)


def _tokens(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(), m.start(), m.end()) for m in TOKEN.finditer(text)]

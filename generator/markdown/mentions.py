"""Entity mentions: `[[id|text]]` (an inline rule), autolinking of names and aliases (a core
rule over text tokens) and the mention index (a core rule recording each mention's sentence)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import ahocorasick
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from generator.markdown.highlight import highlighted, markers_after
from generator.model import Mention
from generator.text import MENTION_RE, sentence_around

MENTION = "entity_mention"


@dataclass(frozen=True)
class Linker:
    """What the renderer needs to know about entities, passed in rather than looked up."""

    resolve: Callable[[str], str | None]  # a reference as written -> entity id
    url: Callable[[str], str]  # entity id -> page URL
    names: dict[str, str]  # surface form to autolink -> entity id
    name: Callable[[str], str] = str  # entity id -> display name, shown for [[id]]
    type_of: Callable[[str], str | None] = lambda entity_id: None  # entity id -> its type, for the mention's colour
    mode: str = "first"  # autolink: first | all | none
    matcher: Any = None  # an automaton over every entity's names (shared by all articles); None: built from `names`


def mention_rule(state: StateInline, silent: bool) -> bool:
    if not state.src.startswith("[[", state.pos):
        return False
    match = MENTION_RE.match(state.src, state.pos)
    if match is None:
        return False
    if not silent:
        target, label = match.group(1).strip(), match.group(2)
        linker: Linker = state.env["linker"]
        entity = linker.resolve(target)
        token = state.push(MENTION, "a", 0)
        # [[id]] shows the entity's name; [[USA]] or [[id|text]] show what was written
        token.content = label.strip() if label else linker.name(entity) if entity and entity == target else target
        token.meta = {"entity": entity, "target": target, "label": label.strip() if label else None}
    state.pos = match.end()
    return True


def autolink_rule(state: StateCore) -> None:
    linker: Linker = state.env["linker"]
    matcher = (
        (linker.matcher or name_matcher(tuple(sorted(linker.names))))
        if linker.mode != "none" and linker.names
        else None
    )
    linked: set[str] = set()
    in_heading = False
    for block in state.tokens:
        if block.type in ("heading_open", "heading_close"):
            in_heading = block.type == "heading_open"
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        link_depth = 0
        for token in block.children:
            if token.type == "link_open":
                link_depth += 1
            elif token.type == "link_close":
                link_depth -= 1
            elif token.type == MENTION and link_depth:
                token = _text_token(token.content)  # no link inside a link
            elif token.type == MENTION and token.meta["entity"]:
                linked.add(token.meta["entity"])
            elif token.type == "text" and matcher and not link_depth and not in_heading:
                children.extend(_autolink(token.content, matcher, linker, linked))
                continue
            children.append(token)
        block.children = children


def _autolink(text: str, matcher: Any, linker: Linker, linked: set[str]) -> list[Token]:
    tokens, position = [], 0
    for start, end, name in find_names(text, matcher, linker.names):
        entity = linker.names[name]
        if linker.mode == "first" and entity in linked:
            continue
        linked.add(entity)
        if start > position:
            tokens.append(_text_token(text[position:start]))
        tokens.append(Token(MENTION, "a", 0, content=name, meta={"entity": entity, "auto": True}))
        position = end
    if position < len(text):
        tokens.append(_text_token(text[position:]))
    return tokens


def find_names(text: str, matcher: Any, wanted: dict[str, str]) -> list[tuple[int, int, str]]:
    """Whole-word occurrences of the wanted names, leftmost-longest, never overlapping."""
    found = []
    for last, name in matcher.iter(text):
        if name not in wanted:
            continue  # another article's entity
        start, end = last - len(name) + 1, last + 1
        if _is_word(text, start - 1) or _is_word(text, end):
            continue
        found.append((start, end, name))
    found.sort(key=lambda match: (match[0], match[0] - match[1]))
    chosen, reached = [], 0
    for match in found:
        if match[0] >= reached:
            chosen.append(match)
            reached = match[1]
    return chosen


def _is_word(text: str, index: int) -> bool:
    return 0 <= index < len(text) and (text[index].isalnum() or text[index] == "_")


@functools.lru_cache(maxsize=64)
def name_matcher(names: Sequence[str]) -> Any:
    """An Aho-Corasick automaton over the names: one pass over a text finds all of them."""
    automaton = ahocorasick.Automaton()
    for name in names:
        automaton.add_word(name, name)
    automaton.make_automaton()
    return automaton


def _text_token(content: str) -> Token:
    return Token("text", "", 0, content=content)


def index_rule(state: StateCore) -> None:
    """Give every mention an anchor and record the sentence it stands in."""
    mentions: list[Mention] = state.env["mentions"]
    if not state.env.get("index", True):
        return  # notes and entity pages: mentions link, but are not indexed or anchored
    heading: Token | None = None
    for block in state.tokens:
        if block.type == "heading_open":
            heading = block
        if block.type != "inline" or not block.children:
            continue
        text, spans = plain_text(block.children)
        if heading is not None:
            state.env["headings"].append((heading.attrGet("id") or "", text))
            heading = None
        elif state.env["first_paragraph"] is None and text.strip():
            state.env["first_paragraph"] = text.strip()
        for token, start, end in spans:
            anchor = f"m{len(mentions) + 1}"
            token.meta["anchor"] = anchor
            sentence, s_start, s_end = sentence_around(text, start, end)
            mentions.append(Mention(token.meta["entity"], anchor, sentence, s_start, s_end))


def plain_text(children: list[Token]) -> tuple[str, list[tuple[Token, int, int]]]:
    """The text of an inline block as a reader sees it, and where each mention sits in it."""
    parts: list[str] = []
    spans: list[tuple[Token, int, int]] = []
    length = 0
    for token in children:
        if token.type in ("text", "code_inline"):
            piece = token.content
        elif token.type in ("softbreak", "hardbreak"):
            piece = " "
        elif token.type == MENTION:
            piece = token.content
            if token.meta.get("entity"):
                spans.append((token, length, length + len(piece)))
        else:
            continue
        parts.append(piece)
        length += len(piece)
    return "".join(parts), spans


def render_mention(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    entity = token.meta.get("entity")
    if not entity:
        return highlighted(token.content, token.meta, env)
    text = highlighted(token.content, token.meta, env, markers=False)  # a note marker is a link: not inside this one
    anchor = token.meta.get("anchor")
    id_attr = f' id="{anchor}"' if anchor else ""
    linker: Linker = env["linker"]
    entity_type = linker.type_of(entity)
    kind = ("mention auto" if token.meta.get("auto") else "mention") + (f" is-{entity_type}" if entity_type else "")
    url = escapeHtml(linker.url(entity))
    link = f'<a class="{kind}" href="{url}"{id_attr} data-entity="{escapeHtml(entity)}">{text}</a>'
    return link + markers_after(token.meta, env)

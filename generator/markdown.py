"""Article bodies: Markdown -> HTML with entity mentions linked, and the mention index.

Parsing and rendering are separate calls. Three plugins do the work on markdown-it's
token stream: `[[id|text]]` mentions (an inline rule), autolinking of names and aliases
(a core rule over text tokens) and the mention index (a core rule that records, for
each mention, the sentence around it). Everything the plugins need arrives in `env`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.footnote import footnote_plugin

from generator.model import Mention, RenderedArticle
from generator.text import MENTION_RE, sentence_around, slugify

MENTION = "entity_mention"


@dataclass(frozen=True)
class Linker:
    """What the renderer needs to know about entities, passed in rather than looked up."""

    resolve: Callable[[str], str | None]  # a reference as written -> entity id
    url: Callable[[str], str]  # entity id -> page URL
    names: dict[str, str]  # surface form to autolink -> entity id
    mode: str = "first"  # autolink: first | all | none


def render_article(body: str, linker: Linker) -> RenderedArticle:
    env: dict[str, Any] = {"linker": linker, "mentions": [], "first_paragraph": None, "headings": []}
    html = parser().render(body, env)
    summary = env["first_paragraph"] or ""
    return RenderedArticle(html, tuple(env["mentions"]), summary, tuple(env["headings"]))


def render_notes(text: str, linker: Linker) -> str:
    """Markdown that is not an article body (entity notes): mentions link, nothing autolinks."""
    plain = Linker(linker.resolve, linker.url, {}, "none")
    return str(parser().render(text, {"linker": plain, "mentions": [], "first_paragraph": None, "headings": []}))


@functools.cache
def parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.use(footnote_plugin)
    md.use(anchors_plugin, min_level=2, max_level=4, slug_func=slugify)
    md.inline.ruler.before("link", MENTION, _mention_rule)
    md.core.ruler.push("autolink_entities", _autolink_rule)
    md.core.ruler.push("index_mentions", _index_rule)
    md.add_render_rule(MENTION, _render_mention)
    return md


def _mention_rule(state: StateInline, silent: bool) -> bool:
    if not state.src.startswith("[[", state.pos):
        return False
    match = MENTION_RE.match(state.src, state.pos)
    if match is None:
        return False
    if not silent:
        target, label = match.group(1).strip(), (match.group(2) or match.group(1)).strip()
        token = state.push(MENTION, "a", 0)
        token.content = label
        token.meta = {"entity": state.env["linker"].resolve(target)}
    state.pos = match.end()
    return True


def _autolink_rule(state: StateCore) -> None:
    linker: Linker = state.env["linker"]
    pattern = autolink_pattern(tuple(sorted(linker.names))) if linker.mode != "none" and linker.names else None
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
            elif token.type == "text" and pattern and not link_depth and not in_heading:
                children.extend(_autolink(token.content, pattern, linker, linked))
                continue
            children.append(token)
        block.children = children


def _autolink(text: str, pattern: re.Pattern[str], linker: Linker, linked: set[str]) -> list[Token]:
    tokens, position = [], 0
    for match in pattern.finditer(text):
        entity = linker.names[match.group()]
        if linker.mode == "first" and entity in linked:
            continue
        linked.add(entity)
        if match.start() > position:
            tokens.append(_text_token(text[position : match.start()]))
        mention = Token(MENTION, "a", 0, content=match.group(), meta={"entity": entity, "auto": True})
        tokens.append(mention)
        position = match.end()
    if position < len(text):
        tokens.append(_text_token(text[position:]))
    return tokens


@functools.lru_cache(maxsize=4096)
def autolink_pattern(names: Sequence[str]) -> re.Pattern[str]:
    """One pattern for all names, longest first so that the longest name wins; whole words only."""
    alternatives = "|".join(re.escape(name) for name in sorted(names, key=lambda n: (-len(n), n)))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


def _text_token(content: str) -> Token:
    return Token("text", "", 0, content=content)


def _index_rule(state: StateCore) -> None:
    """Give every mention an anchor and record the sentence it stands in."""
    mentions: list[Mention] = state.env["mentions"]
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


def _render_mention(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    entity = token.meta.get("entity")
    text = escapeHtml(token.content)
    if not entity:
        return text
    anchor = token.meta.get("anchor")
    id_attr = f' id="{anchor}"' if anchor else ""
    kind = "mention auto" if token.meta.get("auto") else "mention"
    url = escapeHtml(env["linker"].url(entity))
    return f'<a class="{kind}" href="{url}"{id_attr} data-entity="{escapeHtml(entity)}">{text}</a>'

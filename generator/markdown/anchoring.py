"""Anchor annotations on the plain text of the rendered body and place their notes.

The text is the one a reader sees (NFC, white-space runs folded to one space), block
by block, so a quote may cross inline markup but never a block boundary. A quote is
found exactly, narrowed by prefix/suffix; not found or found twice is a problem,
reported with the closest passage or the number of matches.
"""

from __future__ import annotations

import bisect
import difflib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from generator.i18n import ENGLISH_UI, Language
from generator.markdown.mentions import MENTION
from generator.model import AnchoredNote, Annotation
from generator.text import normalize_text

NOTES = "annotation_notes"
GROUP_OPEN = "annotation_group_open"
GROUP_CLOSE = "annotation_group_close"
_TEXT_TOKENS = ("text", "code_inline", MENTION)


@dataclass
class _Piece:
    start: int  # of its normalised text in the block's text
    child: int  # index of the token among the block's children; -1 for a line break
    content: str  # the token's content (NFC)
    dropped_space: bool  # a leading space folded into the previous piece's


@dataclass
class _Block:
    index: int  # of the inline token in the token stream
    start: int  # of its text in the document text
    text: str
    pieces: list[_Piece]


_SPACES = re.compile(r"\s+")


def anchor_rule(state: StateCore) -> None:
    annotations: tuple[Annotation, ...] = state.env.get("annotations", ())
    if not annotations:
        return
    blocks = _blocks(state.tokens)
    document = "\n".join(block.text for block in blocks)  # '\n' never matches: quotes stay in one block
    found: list[tuple[int, int, Annotation]] = []
    for annotation in annotations:
        start = _locate(document, annotation, state.env["problems"])
        if start is not None:
            found.append((start, start + len(normalize_text(annotation.quote).strip()), annotation))
    found.sort(key=lambda item: (item[1], item[0]))  # numbered as their markers are read: by where they end
    starts = [block.start for block in blocks]
    groups: dict[int, list[AnchoredNote]] = {}
    for number, (start, end, annotation) in enumerate(found, 1):
        block = blocks[bisect.bisect_right(starts, start) - 1]
        _highlight(state.tokens[block.index].children or [], block, start - block.start, end - block.start, number)
        note = _note(number, annotation, document, start, end, state.env["render_note"])
        state.env["notes"].append(note)
        groups.setdefault(_top_block(state.tokens, block.index), []).append(note)
    _insert_notes(state.tokens, groups)


def _blocks(tokens: list[Token]) -> list[_Block]:
    blocks, position = [], 0
    for index, token in enumerate(tokens):
        if token.type != "inline" or not token.children:
            continue
        parts: list[str] = []
        pieces: list[_Piece] = []
        length, after_space = 0, False
        for child_index, child in enumerate(token.children):
            if child.type in _TEXT_TOKENS:
                if not child.content.isascii():
                    child.content = unicodedata.normalize("NFC", child.content)
                content, text = child.content, _SPACES.sub(" ", child.content)
            elif child.type in ("softbreak", "hardbreak"):
                child_index, content, text = -1, " ", " "
            else:
                continue
            dropped = after_space and text.startswith(" ")
            text = text[1:] if dropped else text
            pieces.append(_Piece(length, child_index, content, dropped))
            parts.append(text)
            length += len(text)
            after_space = text.endswith(" ") if text else after_space
        blocks.append(_Block(index, position, "".join(parts), pieces))
        position += length + 1
    return blocks


def _raw_offset(piece: _Piece, offset: int) -> int:
    """Where the `offset`-th character of a piece's folded text is in its raw content."""
    folded, previous_space = 0, piece.dropped_space
    for raw, char in enumerate(piece.content):
        space = char.isspace()
        if space and previous_space:
            continue
        if folded >= offset:
            return raw
        folded += 1
        previous_space = space
    return len(piece.content)


def _locate(document: str, annotation: Annotation, problems: list[tuple[Annotation, str]]) -> int | None:
    quote = normalize_text(annotation.quote).strip()
    prefix, suffix = normalize_text(annotation.prefix), normalize_text(annotation.suffix)
    flat = document.replace("\n", " ")
    every = _occurrences(document, quote)
    chosen = [
        start
        for start in every
        if (not prefix or flat[max(0, start - len(prefix)) : start] == prefix)
        and (not suffix or flat[start + len(quote) : start + len(quote) + len(suffix)] == suffix)
    ]
    shown = _quoted(quote)
    if len(chosen) == 1:
        return chosen[0]
    if len(chosen) > 1:
        problems.append(
            (annotation, f"annotation quote {shown} matches {len(chosen)} times; add a 'prefix' or 'suffix' "
             "(the words just before or after the passage you mean) to pick one")
        )  # fmt: skip
    elif every:
        context = " and ".join(
            f"{key} {_quoted(value)}" for key, value in (("prefix", prefix), ("suffix", suffix)) if value
        )
        problems.append((annotation, f"annotation quote {shown} occurs {len(every)} time(s), but never with {context}"))
    elif quote in flat:
        problems.append(
            (annotation, f"annotation quote {shown} runs from one block (paragraph, heading, list item) into the "
             "next; a quote must stay inside one block")
        )  # fmt: skip
    else:
        closest = _closest(flat, quote)
        hint = f"; the closest passage is {_quoted(closest)}" if closest else ""
        problems.append((annotation, f"annotation quote {shown} is not in the text{hint}"))
    return None


def _occurrences(text: str, quote: str) -> list[int]:
    found, start = [], text.find(quote)
    while quote and start != -1:
        found.append(start)
        start = text.find(quote, start + 1)
    return found


def _closest(text: str, quote: str) -> str:
    """The run of as many words as the quote has that looks most like it."""
    words = [match.span() for match in re.finditer(r"\S+", text)]
    size = max(1, len(quote.split()))
    starts = range(max(1, len(words) - size + 1)) if words else range(0)
    candidates = [text[words[i][0] : words[min(i + size, len(words)) - 1][1]] for i in starts]
    best = difflib.get_close_matches(quote, candidates, n=1, cutoff=0.0)
    return best[0] if best else ""


def _quoted(text: str, limit: int = 80) -> str:
    return f"«{text if len(text) <= limit else text[: limit - 1] + '…'}»"


def _highlight(children: list[Token], block: _Block, start: int, end: int, number: int) -> None:
    """Mark text[start:end] of a block in every token it touches; the marker goes after it."""
    starts = [piece.start for piece in block.pieces]
    first = bisect.bisect_right(starts, start) - 1
    last = bisect.bisect_right(starts, end - 1) - 1
    final: tuple[Token, int] | None = None
    for piece in block.pieces[first : last + 1]:
        if piece.child < 0:
            continue  # a line break: nothing to mark
        low = _raw_offset(piece, max(start - piece.start, 0))
        high = _raw_offset(piece, end - piece.start)
        if high > low:
            child = children[piece.child]
            child.meta.setdefault("highlights", []).append((low, high, number))
            final = (child, high)
    if final is not None:
        owner, offset = _outside_links(children, final)
        owner.meta.setdefault("markers", []).append((offset, number))


def _outside_links(children: list[Token], final: tuple[Token, int]) -> tuple[Token, int]:
    """Where a note marker goes: after the passage, or, for a passage that ends inside a link,
    after the link (the marker is a link, and a link cannot hold another)."""
    index = next(i for i, child in enumerate(children) if child is final[0])
    depth = sum({"link_open": 1, "link_close": -1}.get(child.type, 0) for child in children[:index])
    if depth <= 0:
        return final
    for child in children[index + 1 :]:
        depth += {"link_open": 1, "link_close": -1}.get(child.type, 0)
        if depth == 0:
            return child, 0
    return final


def _note(
    number: int, annotation: Annotation, document: str, start: int, end: int, render: Callable[[str], str]
) -> AnchoredNote:
    flat = document.replace("\n", " ")
    return AnchoredNote(
        number=number,
        annotation=annotation,
        exact=flat[start:end],
        html=render(annotation.note),
    )


def _top_block(tokens: list[Token], index: int) -> int:
    """The index of the closing token of the top-level block that holds tokens[index]."""
    for position in range(index, len(tokens)):
        if tokens[position].level == 0 and tokens[position].nesting == -1:
            return position
    return len(tokens) - 1


def _opening(tokens: list[Token], close: int) -> int:
    depth = 0
    for position in range(close, -1, -1):
        depth += tokens[position].nesting
        if depth == 0:
            return position
    return 0


def _insert_notes(tokens: list[Token], groups: dict[int, list[AnchoredNote]]) -> None:
    """Each block's notes go before it, in a group with it: on a wide screen they float into
    the margin beside its first line (a float cannot rise above what precedes it); on a narrow
    one the stylesheet shows them after it."""
    for close in sorted(groups, reverse=True):  # from the end, so earlier indexes stay valid
        notes = Token(NOTES, "div", 0, meta={"notes": groups[close]})
        tokens.insert(close + 1, Token(GROUP_CLOSE, "div", -1))
        opening = _opening(tokens, close)
        tokens[opening:opening] = [Token(GROUP_OPEN, "div", 1), notes]


def render_group_open(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    return '<div class="annotated-block">\n'


def render_group_close(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    return "</div>\n"


def render_notes_block(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    ui = env.get("ui", ENGLISH_UI)
    parts = ['<div class="notes">\n']
    for note in tokens[idx].meta["notes"]:
        parts.append(note_html(note, ui, env.get("article_lang", ui.tag)))
    parts.append("</div>\n")
    return "".join(parts)


def note_html(note: AnchoredNote, ui: Language, article_lang: str) -> str:
    n, kind = note.number, note.annotation.kind
    label = escapeHtml(ui.kind_label(kind))
    back = escapeHtml(ui.tr("Back to the annotated passage"))
    lang = note.annotation.lang or article_lang
    return (
        f'<aside class="annotation kind-{kind}" id="note-{n}" aria-labelledby="note-{n}-label">\n'
        f'<p class="annotation-label" id="note-{n}-label"><a class="note-back" href="#ann-{n}" '
        f'aria-label="{back} {n}">{n}</a> <span class="kind">{label}</span></p>\n'
        f'<div class="annotation-body" lang="{escapeHtml(lang)}">\n{note.html}</div>\n</aside>\n'
    )

"""Render a token's text with annotation highlights and note markers cut into it.

An annotated passage may cross elements; each text node it touches gets its own
<mark>, so the markup stays well nested. `meta["highlights"]` holds (start, end, note
number) spans of the token's content; `meta["markers"]` holds (offset, note number).
"""

from __future__ import annotations

from typing import Any

from markdown_it.common.utils import escapeHtml

from generator.i18n import ENGLISH_UI


def highlighted(content: str, meta: dict[str, Any], env: Any, markers: bool = True) -> str:
    spans: list[tuple[int, int, int]] = meta.get("highlights", [])
    points: list[tuple[int, int]] = meta.get("markers", []) if markers else []
    if not spans and not points:
        return escapeHtml(content)
    cuts = sorted({0, len(content), *(s for s, _, _ in spans), *(e for _, e, _ in spans), *(p for p, _ in points)})
    out = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        piece = escapeHtml(content[start:end])
        covering = sorted({n for s, e, n in spans if s <= start and end <= e})
        if covering and piece:  # overlapping passages: one <mark> per note, nested
            opening = "".join(f'<mark class="annotated" aria-details="note-{n}">' for n in covering)
            out.append(opening + piece + "</mark>" * len(covering))
        else:
            out.append(piece)
        out.extend(marker(n, env) for p, n in points if p == end)
    return "".join(out)


def markers_after(meta: dict[str, Any], env: Any) -> str:
    return "".join(marker(n, env) for _, n in meta.get("markers", []))


def marker(number: int, env: Any) -> str:
    """A note's marker. Its number is drawn by the stylesheet from `data-n`, so that it is not
    part of the page's text: annotation clients find a passage by the text around it."""
    label = escapeHtml(env.get("ui", ENGLISH_UI).tr("Note %(n)s", n=number))
    return f'<sup class="note-ref"><a href="#note-{number}" id="ann-{number}" aria-label="{label}" data-n="{number}"></a></sup>'


def render_link_close(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    """A link's end, and the markers of passages that ended inside the link."""
    return str(self.renderToken(tokens, idx, options, env)) + markers_after(tokens[idx].meta, env)


def render_text(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    return highlighted(token.content, token.meta, env)


def render_code_inline(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    return f"<code{self.renderAttrs(token)}>{highlighted(token.content, token.meta, env)}</code>"

"""Article bodies: Markdown -> HTML with entity mentions linked, annotations anchored,
and the mention index.

Parsing and rendering are markdown-it's; the project's plugins work on its token
stream (mentions.py: `[[id|text]]`, autolinking, the mention index; anchoring.py:
notes anchored to passages). Everything they need arrives in `env`.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.footnote import footnote_plugin

from generator.i18n import ENGLISH_UI, Language
from generator.markdown import anchoring, highlight, mentions
from generator.markdown.mentions import MENTION, Linker, lowercase_names, name_matcher
from generator.model import Annotation, RenderedArticle
from generator.text import fingerprint, slugify
from generator.urls import is_safe_link

# One line that starts with a letter and has no character Markdown gives a meaning to inline
# (nor a hard break): its paragraph is the escaped text, whatever the parser's rules.
_PLAIN_LINE = re.compile(r"[ ]{0,3}[^\W\d_][^\n\\`*_\[\]<>&!|~:#=+{}$]*?[ \t]?")

__all__ = [
    "Linker",
    "MENTION",
    "lowercase_names",
    "name_matcher",
    "parser",
    "references",
    "render_article",
    "render_notes",
    "unlinked_names",
]


def render_article(
    body: str, linker: Linker, notes: tuple[Annotation, ...] = (), ui: Language = ENGLISH_UI, lang: str | None = None
) -> RenderedArticle:
    """Render a body; `ui` gives the labels (the site's language), `lang` is the article's."""
    env = _article_env(linker, notes, ui, lang)
    md = parser()
    tokens = md.parse(body, env)
    html = md.renderer.render(tokens, md.options, env)
    found = tuple(env["mentions"])
    return RenderedArticle(
        html=html,
        mentions=found,
        mentions_key=fingerprint(found),
        summary=env["first_paragraph"] or "",
        headings=tuple(env["headings"]),
        notes=tuple(env["notes"]),
        problems=tuple(env["problems"]),
        errors=_too_deep(tokens),
    )


MAX_NESTING = 100  # markdown-it stops at this depth and drops the rest of the text


def _too_deep(tokens: list[Any]) -> tuple[tuple[int, str], ...]:
    """Text past the parser's nesting limit would be lost without a word: say where."""
    line = 0
    for token in tokens:
        line = token.map[0] if token.map else line
        levels = [token.level, *(child.level for child in token.children or ())]
        if max(levels) >= MAX_NESTING - 1:
            return (
                (
                    line,
                    f"the text is nested too deeply here (lists, quotes or emphasis more than {MAX_NESTING // 2} "
                    "levels inside each other): what follows would be lost; flatten it",
                ),
            )
    return ()


def references(body: str) -> list[tuple[int, str, str | None]]:
    """Every [[target|text]] of a body as the parser reads it, so never one inside code:
    (line in the body, target, shown text)."""
    nowhere = Linker(resolve=lambda text: None, url=lambda entity_id: "", names={}, mode="none")
    found = []
    for block in parser().parse(body, _article_env(nowhere, (), ENGLISH_UI, None)):
        if block.type != "inline" or not block.children or block.map is None:
            continue
        line = block.map[0]
        for token in block.children:
            if token.type in ("softbreak", "hardbreak"):
                line += 1
            elif token.type == MENTION:
                found.append((line, token.meta["target"], token.meta["label"]))
    return found


def unlinked_names(body: str, linker: Linker, names: dict[str, str], matcher: Any) -> list[tuple[int, str]]:
    """The `names` (any entity's names and aliases; `matcher` finds them) that stand in a
    body's text outside every link, after autolinking: (line in the body, name), in order."""
    found = []
    for block in parser().parse(body, _article_env(linker, (), ENGLISH_UI, None)):
        if block.type != "inline" or not block.children or block.map is None:
            continue
        depth, line = 0, block.map[0]
        for token in block.children:
            depth += {"link_open": 1, "link_close": -1}.get(token.type, 0)
            if token.type in ("softbreak", "hardbreak"):
                line += 1  # a line break in the source
            elif token.type == "text" and not depth:
                found += [(line, name) for _, _, name in mentions.find_names(token.content, matcher, names)]
    return found


def _article_env(linker: Linker, notes: tuple[Annotation, ...], ui: Language, lang: str | None) -> dict[str, Any]:
    return {
        "linker": linker,
        "ui": ui,
        "article_lang": lang or ui.tag,
        "annotations": notes,
        "render_note": lambda text: render_notes(text, linker),
        "mentions": [],
        "notes": [],
        "problems": [],
        "first_paragraph": None,
        "headings": [],
    }


def render_notes(text: str, linker: Linker) -> str:
    """Markdown that is not an article body (entity notes, annotation notes): mentions link,
    nothing autolinks, nothing is indexed."""
    if _PLAIN_LINE.fullmatch(text):  # most notes are one plain sentence: no parser needed
        return f"<p>{escapeHtml(text.strip())}</p>\n"
    plain = Linker(linker.resolve, linker.url, {}, linker.name, linker.type_of, "none", None)
    env = {"linker": plain, "ui": ENGLISH_UI, "index": False, "mentions": [], "headings": []}
    return str(parser().render(text, env))


def heading_id(text: str) -> str:
    """A heading's id: its slug; 'section' for one made only of a mention or of symbols (an empty
    id is invalid HTML, and the plugin numbers repeats: section-1, section-2)."""
    return slugify(text) or "section"


@functools.cache
def parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": False, "maxNesting": MAX_NESTING})
    md.validateLink = is_safe_link  # type: ignore[method-assign]  # stricter than markdown-it's: see urls
    md.enable(["table", "strikethrough"])
    md.use(footnote_plugin)
    md.use(anchors_plugin, min_level=2, max_level=4, slug_func=heading_id)
    md.inline.ruler.before("link", MENTION, mentions.mention_rule)
    md.core.ruler.push("autolink_entities", mentions.autolink_rule)
    md.core.ruler.push("index_mentions", mentions.index_rule)
    md.core.ruler.push("anchor_annotations", anchoring.anchor_rule)
    md.add_render_rule(MENTION, mentions.render_mention)
    md.add_render_rule("text", highlight.render_text)
    md.add_render_rule("link_close", highlight.render_link_close)
    md.add_render_rule("code_inline", highlight.render_code_inline)
    md.add_render_rule(anchoring.GROUP_OPEN, anchoring.render_group_open)
    md.add_render_rule(anchoring.GROUP_CLOSE, anchoring.render_group_close)
    md.add_render_rule(anchoring.NOTES, anchoring.render_notes_block)
    return md

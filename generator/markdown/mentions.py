"""Entity mentions: `[[id|text]]` (an inline rule), autolinking of names and aliases (a core
rule over text tokens) and the mention index (a core rule recording each mention's sentence)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

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
    declared: frozenset[str] | None = None  # the entities the article declares; None: every one of `names`
    common: frozenset[str] = frozenset()  # lowercase words found in many of the archive's articles
    owners: dict[str, tuple[str, ...]] = field(default_factory=dict)  # a name of two entities -> them: see `decide`


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
    """Link the names found in the text: all of them, or each entity's first; an entity the
    article does not declare only where the evidence says the name is a mention (`decide`)."""
    linker: Linker = state.env["linker"]
    matcher = (
        (linker.matcher or name_matcher(tuple(sorted({*linker.names, *linker.owners}))))
        if linker.mode != "none" and (linker.names or linker.owners)
        else None
    )
    events: list[Occurrence | str] = []  # in reading order: names found, entities written as [[...]]
    texts: list[tuple[list[Token], int]] = []  # (inline block's tokens, index of a text token to autolink)
    in_heading = False
    for block in state.tokens:
        if block.type in ("heading_open", "heading_close"):
            in_heading = block.type == "heading_open"
        if block.type != "inline" or not block.children:
            continue
        link_depth, before, label = 0, "", _speaker_label(block.children)
        for index, token in enumerate(block.children):
            if index < label:
                before = "."  # '**Anna Rossi:** ...': who speaks, not a mention; then a sentence starts
                continue
            if token.type == "link_open":
                link_depth += 1
            elif token.type == "link_close":
                link_depth -= 1
            elif token.type == MENTION and link_depth:
                block.children[index] = _text_token(token.content)  # no link inside a link
            elif token.type == MENTION and token.meta["entity"]:
                events.append(token.meta["entity"])
            elif token.type == "text" and matcher and not link_depth and not in_heading:
                texts.append((block.children, index))
                edges = _character_beside(block.children, index, -1), _character_beside(block.children, index, 1)
                events.extend(_occurrences(token.content, edges, before, len(texts) - 1, matcher, linker))
            if token.type in ("text", "code_inline", MENTION):
                before = (before + token.content)[-8:]  # enough to see a sentence's end
            elif token.type in ("softbreak", "hardbreak"):
                before += " "
    chosen = decide(events, linker)
    for number in sorted(chosen, reverse=True):  # from the end: the indexes before stay right
        children, index = texts[number]
        children[index : index + 1] = _linked(children[index].content, chosen[number])


def _speaker_label(children: list[Token]) -> int:
    """How many tokens open the block as an interview's speaker label, a bold name and a
    colon ('**Anna Rossi:**', '**Anna Rossi**:', whose colon is split off the text after it);
    0 if it does not start with one."""
    first = next((i for i, token in enumerate(children) if token.type != "text" or token.content), 0)
    if children[first].type != "strong_open":
        return 0
    close = next((i for i, token in enumerate(children) if token.type == "strong_close"), 0)
    inside = "".join(token.content for token in children[first + 1 : close] if token.type == "text")
    after = children[close + 1].content if close + 1 < len(children) and children[close + 1].type == "text" else ""
    if not close or len(inside) > 60 or not (inside.endswith(":") or after.startswith(":")):
        return 0
    if after.startswith(":"):
        children[close + 1 : close + 2] = [_text_token(":"), _text_token(after[1:])]
        return close + 2
    return close


class Occurrence(NamedTuple):
    """A name found in a text token."""

    text: int  # which text token of the article
    start: int
    end: int
    name: str
    entity: str
    sentence_start: bool  # the first word of a sentence, where every word is capitalised
    owners: tuple[str, ...] = ()  # a name of these entities: `entity` is "" until the article says which
    currency: bool = False  # just before '$': 'US$ 20' is a currency, not the country
    in_address: bool = False  # joined by a dot to a word: part of 'Scientology.org', 'www.Apple.com'


def _character_beside(children: list[Token], index: int, step: int) -> str:
    """The character the reader sees just before (step -1) or after (step 1) a text token, past
    the marks of emphasis and links: 's' in '**Apple**s' and 'Apple[s](…)'; none past an image."""
    position = index + step
    while 0 <= position < len(children):
        token = children[position]
        if token.type in ("text", "code_inline", MENTION) and token.content:
            return token.content[-1] if step < 0 else token.content[0]
        if token.type in ("softbreak", "hardbreak"):
            return " "
        if not token.type.endswith(("_open", "_close")):
            return ""
        position += step
    return ""


def _occurrences(
    text: str, edges: tuple[str, str], before: str, number: int, matcher: Any, linker: Linker
) -> list[Occurrence]:
    """The names in a text token (whole words, also where emphasis ends one: not in
    '**Apple**s'; `edges`: the characters the reader sees around it). Archive-wide, names
    never linked are found too, so that none of their words is taken for another name:
    'South Korea' (of two entities) is not a 'Korea'."""
    left, right = edges
    wanted = None if linker.declared is not None else linker.names
    found = [
        (start - len(left), end - len(left), name)
        for start, end, name in find_names(left + text + right, matcher, wanted)
        if start >= len(left) and end <= len(left) + len(text)
    ]
    return [
        Occurrence(
            number,
            start,
            end,
            written,
            linker.names.get(name, ""),
            not split and _starts_sentence(_just_before(before, text, start)),
            linker.owners.get(name, ()),
            (text[end : end + 1] or right[:1]) == "$",
            _in_address(text, start, end),
        )
        for match in found
        if match[2] in linker.names or match[2] in linker.owners
        for start, end, written, name, split in _places(*match, linker)
    ]


def _in_address(text: str, start: int, end: int) -> bool:
    """Whether a dot joins the name to a word, as in a web address or a file name
    ('Scientology.org', 'www.Apple.com'): a sentence's full stop has a space after it."""
    return (text[end : end + 1] == "." and _is_word(text, end + 1)) or (
        text[start - 1 : start] == "." and _is_word(text, start - 2)
    )


def _just_before(before: str, text: str, start: int) -> str:
    """The text before a name, enough of it to see whether a sentence ends there: not all of
    a long paragraph, which would take time quadratic in its length."""
    return text[start - 40 : start] if start >= 40 else before + text[:start]


def _places(start: int, end: int, name: str, linker: Linker) -> list[tuple[int, int, str, str, bool]]:
    """A name found, as (start, end, text, the name it is of, whether split): 'Evansville,
    Indiana' (a place as Wikipedia titles it) is two places, the town and the region, where
    the archive has the region as a place of its own."""
    town, comma, region = name.rpartition(", ")
    if comma and _is_place(name, linker) and _is_place(region, linker):
        if (linker.names.get(region), linker.owners.get(region)) != (linker.names.get(name), linker.owners.get(name)):
            return [(start, start + len(town), town, name, True), (end - len(region), end, region, region, True)]
    return [(start, end, name, name, False)]


def _is_place(name: str, linker: Linker) -> bool:
    entities = linker.owners.get(name) or ((linker.names[name],) if name in linker.names else ())
    return bool(entities) and all(linker.type_of(entity) == "place" for entity in entities)


_OPENERS = " \t\n\"'«»“”‘’„([*_–—-"


def _starts_sentence(before: str) -> bool:
    preceding = before.rstrip(_OPENERS)
    return not preceding or preceding[-1] in ".!?…"


def decide(events: Sequence[Occurrence | str], linker: Linker) -> dict[int, list[Occurrence]]:
    """The occurrences to link, by text token: in mode `first`, an entity's first that is a
    mention (an occurrence that is not does not use up its first)."""
    if linker.declared is not None:
        surnames = _surnames(events, linker)
        events = [_as_person(event, surnames, linker) for event in events]
        events = _told_apart(events, linker)
    evident = {event for event in events if isinstance(event, Occurrence) and is_mention(event, linker)}
    supported = {event.entity for event in evident} | {event for event in events if isinstance(event, str)}
    linked: set[str] = set()
    chosen: dict[int, list[Occurrence]] = {}
    for event in events:
        if isinstance(event, str):
            linked.add(event)
            continue
        if event not in evident and not (event.entity in supported and _only_opens(event, linker)):
            continue
        if linker.mode == "first" and event.entity in linked:
            continue
        linked.add(event.entity)
        chosen.setdefault(event.text, []).append(event)
    return chosen


def is_mention(occurrence: Occurrence, linker: Linker) -> bool:
    """Whether a name is a mention of its entity on its own evidence. Never a currency's
    country ('US$'), nor a word of a web address ('Apple.com'). An entity the article declares: always. Another (its name found with the
    case it is written with: 'Apple' is not in 'apple'): not a lowercase word the archive uses
    in many articles ('stato', 'governo'; see render.common_words), nor a capitalised word
    opening a sentence ('Apple' in 'Apple pie.', 'Will' in 'Will he come?'), unless the
    article mentions the entity elsewhere: see `decide`."""
    name, entity = occurrence.name, occurrence.entity
    if occurrence.currency or occurrence.in_address:
        return False
    if linker.declared is None or entity in linker.declared:
        return True
    if name.islower():
        return name not in linker.common
    return not _opens_sentence(occurrence)


def _opens_sentence(occurrence: Occurrence) -> bool:
    name = occurrence.name
    return occurrence.sentence_start and name.isalnum() and not name.isupper()


def _surnames(events: Sequence[Occurrence | str], linker: Linker) -> dict[str, str]:
    """The last words of each person's full name the article declares, links or names
    ('Berlusconi', 'Di Pietro') -> that person: a surname alone is the one named in full."""
    full_names = {entity: linker.name(entity) for entity in linker.declared or ()}
    for event in events:
        if isinstance(event, str):
            full_names.setdefault(event, linker.name(event))
        elif " " in event.name:
            full_names.setdefault(event.entity, event.name)
    surnames: dict[str, str | None] = {}
    for entity, name in full_names.items():
        if linker.type_of(entity) != "person":
            continue
        words = _words(name).split()
        for start in range(1, len(words)):
            surname = " ".join(words[start:])
            surnames[surname] = entity if surnames.get(surname, entity) == entity else None  # two people: neither
    return {surname: entity for surname, entity in surnames.items() if entity}


def _as_person(event: Occurrence | str, surnames: dict[str, str], linker: Linker) -> Occurrence | str:
    """A surname as the person named in full; but a name of something else ('Civic Passion',
    the party in 'Cheng Chung-tai of Civic Passion') stays that, unless it is the person's too."""
    declared = linker.declared or frozenset()
    if isinstance(event, str) or event.entity in declared or declared.intersection(event.owners):
        return event
    person = surnames.get(_words(event.name))
    named = event.owners or (event.entity,)
    if person is None or person not in named and any(linker.type_of(e) not in (None, "person") for e in named):
        return event
    return event._replace(entity=person)


def _told_apart(events: Sequence[Occurrence | str], linker: Linker) -> list[Occurrence | str]:
    """The events, each name of two entities given the one of them the article declares;
    those it does not tell apart, dropped ('Mercury' is the planet or Freddie Mercury)."""
    declared = linker.declared or frozenset()
    told: list[Occurrence | str] = []
    for event in events:
        if isinstance(event, Occurrence) and not event.entity:
            meant = declared.intersection(event.owners)
            if len(meant) != 1:
                continue
            event = event._replace(entity=next(iter(meant)))
        told.append(event)
    return told


def _words(name: str) -> str:
    return " ".join(re.findall(r"\w+", name))


def _only_opens(occurrence: Occurrence, linker: Linker) -> bool:
    """Whether a name would be a mention but for opening a sentence."""
    return _opens_sentence(occurrence) and is_mention(occurrence._replace(sentence_start=False), linker)


def _linked(text: str, occurrences: Sequence[Occurrence]) -> list[Token]:
    tokens, position = [], 0
    for occurrence in occurrences:
        if occurrence.start > position:
            tokens.append(_text_token(text[position : occurrence.start]))
        meta = {"entity": occurrence.entity, "auto": True}
        tokens.append(Token(MENTION, "a", 0, content=occurrence.name, meta=meta))
        position = occurrence.end
    if position < len(text):
        tokens.append(_text_token(text[position:]))
    return tokens


def lowercase_names(text: str, matcher: Any) -> set[str]:
    """The names of `matcher` (lowercase ones) that `text` writes as words, in lowercase."""
    return {name for _start, _end, name in find_names(text, matcher, None)}


def find_names(text: str, matcher: Any, wanted: Container[str] | None) -> list[tuple[int, int, str]]:
    """Whole-word occurrences of the wanted names (None: all the matcher's), leftmost-longest,
    never overlapping."""
    found = []
    for last, name in matcher.iter(text):
        if wanted is not None and name not in wanted:
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

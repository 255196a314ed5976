"""Text helpers shared by every stage: slugs, name keys, whitespace, sentences."""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Iterable

from slugify import slugify as _slugify

SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SPACE_RE = re.compile(r"\s+")
# A sentence ends at . ! ? or … (with closing quotes or brackets) followed by white space.
_SENTENCE_END_RE = re.compile(r"[.!?…][\"'»”’)\]]*\s+")
SNIPPET_MAX = 280
# [[target]] or [[target|shown text]]: an entity mention written in an article body.
MENTION_RE = re.compile(r"\[\[([^\[\]|\n]+?)(?:\|([^\[\]\n]+?))?\]\]")


@functools.cache  # tags and names repeat across thousands of articles
def slugify(text: str) -> str:
    """ASCII slug: lowercase, accents dropped, every other run of characters a hyphen."""
    return _slugify(text, lowercase=True)


def slug_or_digest(text: str, prefix: str) -> str:
    """A slug, or for text with no Latin letters or digits (e.g. only CJK) a stable digest."""
    return slugify(text) or f"{prefix}-" + hashlib.sha1(text.encode()).hexdigest()[:8]


def digest(data: bytes) -> str:
    """A short digest of bytes: a file's identity in the build cache."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def fingerprint(*parts: object) -> str:
    """A short stable digest of plain values (str, int, dates, tuples of them): equal parts,
    equal digest, in every process. Keys of the build cache."""
    return hashlib.blake2b(repr(parts).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def is_language_tag(text: str) -> bool:
    """A BCP 47 tag in its common shapes: 'it', 'en-GB', 'zh-Hant-TW'."""
    return re.fullmatch(r"[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*", text) is not None


def is_slug(text: str) -> bool:
    return SLUG_RE.fullmatch(text) is not None


@functools.cache
def name_key(text: str) -> str:
    """The key under which ids, names and aliases match: case, accents and spacing ignored."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return fold_space(stripped).casefold()


def fold_space(text: str) -> str:
    return _SPACE_RE.sub(" ", text).strip()


def normalize_text(text: str) -> str:
    """Unicode NFC with white-space runs folded: the form passages are matched in."""
    return _SPACE_RE.sub(" ", unicodedata.normalize("NFC", text))


def sentence_around(text: str, start: int, end: int) -> tuple[str, int, int]:
    """The sentence of `text` that holds text[start:end], and the span's place inside it."""
    begin = _last_sentence_end(text, start)
    stop = len(text)
    after = _SENTENCE_END_RE.search(text, end)
    if after:
        stop = after.start() + len(after.group().rstrip())
    sentence, start, end = text[begin:stop], start - begin, end - begin
    return _clip(sentence, start, end)


def _last_sentence_end(text: str, start: int) -> int:
    """Where the last sentence before `start` ends (0: none), looked for in a window that
    grows back from `start`: a long paragraph's many mentions are not each a scan from 0."""
    window = 256
    while True:
        pos = max(0, start - window)
        ends = [match.end() for match in _SENTENCE_END_RE.finditer(text, pos, start)]
        if ends or pos == 0:
            return ends[-1] if ends else 0
        window *= 4


def _clip(sentence: str, start: int, end: int) -> tuple[str, int, int]:
    """Trim an over-long sentence to a window around the span, marking cuts with '…'."""
    if len(sentence) <= SNIPPET_MAX:
        return sentence, start, end
    room = max(0, (SNIPPET_MAX - (end - start)) // 2)
    left, right = max(0, start - room), min(len(sentence), end + room)
    left = _word_boundary(sentence, left, forward=True) if left else 0
    right = _word_boundary(sentence, right, forward=False) if right < len(sentence) else right
    piece = sentence[left:right]
    prefix = "… " if left else ""
    suffix = " …" if right < len(sentence) else ""
    shift = len(prefix) - left
    return prefix + piece + suffix, start + shift, end + shift


def _word_boundary(text: str, index: int, forward: bool) -> int:
    space = text.find(" ", index) if forward else text.rfind(" ", 0, index)
    if space == -1:
        return index
    return space + 1 if forward else space


def counted(n: int, noun: str, plural: str = "") -> str:
    """'1 article', '1,155 articles': the command line's English counts."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


# What HTML text and XML 1.0 (feeds, sitemaps) cannot carry: C0 and C1 controls but tab and
# line feed, lone surrogates (a YAML "\ud800" makes one), and Unicode's noncharacters.
_NONCHARACTERS = "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17))
CONTROL_RE = re.compile(f"[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef{_NONCHARACTERS}]")
_AS_SPACE = {"\x0b": " ", "\x0c": " "}  # vertical tab and form feed (pasted from a PDF) separate words


def without_controls(text: str) -> str:
    return CONTROL_RE.sub(lambda match: _AS_SPACE.get(match[0], ""), text)


def control_names(text: str) -> str:
    """'U+000C, U+FFFE': the control characters in `text`, once each, for a warning."""
    return ", ".join(f"U+{ord(char):04X}" for char in dict.fromkeys(CONTROL_RE.findall(text)))


def tag_slugs(names: Iterable[str]) -> dict[str, str]:
    """Each tag name's slug. Names that differ only in case or accents share one (a tag written
    two ways is one tag); names that differ otherwise but would share a slug ('C++', 'C#' and
    'C'; 市场 and 时长) each get the slug with a short digest of the name, so each keeps its page."""
    keys = {name: name_key(name) for name in names}
    plain = {key: slug_or_digest(key, "tag") for key in set(keys.values())}
    users: dict[str, set[str]] = {}
    for key, slug in plain.items():
        users.setdefault(slug, set()).add(key)
    slug_of = {
        key: slug if len(users[slug]) == 1 else f"{slug}-{digest(key.encode())[:6]}" for key, slug in plain.items()
    }
    return {name: slug_of[key] for name, key in keys.items()}


def slug_collisions(names: Iterable[str]) -> list[list[str]]:
    """Groups of tag names that would have shared a slug (tag_slugs keeps them apart)."""
    groups: dict[str, dict[str, str]] = {}
    for name in names:
        groups.setdefault(slug_or_digest(name_key(name), "tag"), {}).setdefault(name_key(name), name)
    return [sorted(group.values()) for _, group in sorted(groups.items()) if len(group) > 1]


_WINDOWS_RESERVED = re.compile(r"(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?", re.IGNORECASE)


def windows_reserved(name: str) -> bool:
    """A file or folder name Windows cannot have ('con', 'nul.txt', 'LPT9'): a clone fails there."""
    return _WINDOWS_RESERVED.fullmatch(name) is not None

"""Whole builds of small random archives: odd unicode, control characters, odd file names,
random [[...]] references, annotations quoting the body. A build either succeeds or reports
its problems (ContentError); it never raises anything else, never writes outside its output
and cache, and every page it writes is well-formed HTML, every feed well-formed XML.

Seeded and bounded in the suite (RASSEGNA_FUZZ_EXAMPLES, default 150: about a minute); for a
long run: RASSEGNA_FUZZ_EXAMPLES=5000 RASSEGNA_FUZZ_RANDOM=1 python -m pytest tests/test_fuzz.py
"""

from __future__ import annotations

import os
import shutil
import tempfile
import xml.dom.minidom
from html.parser import HTMLParser
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.build import BuildOptions, build
from generator.errors import ContentError

EXAMPLES = int(os.environ.get("RASSEGNA_FUZZ_EXAMPLES", "150"))
RANDOM = bool(os.environ.get("RASSEGNA_FUZZ_RANDOM"))

# Text with what breaks things: controls, noncharacters, markup, quotes, scripts, RTL, emoji.
ODD = st.sampled_from(
    ["\x00", "\x07", "\x0c", "\x7f", "\u0085", "\ufffe", "\uffff", "\u200b", "\u202e", "<", ">", "&", '"', "'",
     "[[", "]]", "|", "`", "*", "_", "#", "\\", ":", "---", "\n", "\t", "é", "ß", "市", "🙂", "javascript:", "%09"]
)  # fmt: skip
WORDS = st.sampled_from(["Acme", "acme", "Cina", "stato", "the", "Paris", "ByteDance", "con", "C++", "C#", "x"])
TEXT = st.lists(st.one_of(WORDS, ODD, st.text(max_size=4)), max_size=12).map(" ".join)
NAME = st.one_of(WORDS, TEXT.filter(lambda t: t.strip()))
SLUG = st.one_of(st.from_regex(r"[a-z0-9][a-z0-9-]{0,10}", fullmatch=True), st.sampled_from(["con", "nul", "a", "a"]))


@st.composite
def archives(draw: st.DrawFn) -> dict[str, str]:
    files = {"site.yml": _yaml({"title": draw(NAME), "language": draw(st.sampled_from(["it", "en", "de"]))})}
    entity_ids = draw(st.lists(SLUG, max_size=3, unique=True))
    for entity_id in entity_ids:
        front = {"name": draw(NAME), "type": draw(st.sampled_from(["person", "place", "topic", "thing"]))}
        if draw(st.booleans()):
            front["aliases"] = draw(st.lists(NAME, max_size=2))
        if draw(st.booleans()) and entity_ids:
            front["parent"] = draw(st.sampled_from(entity_ids))
        files[f"entities/{entity_id}.md"] = f"---\n{_yaml(front)}---\n{draw(TEXT)}\n"
    for slug in draw(st.lists(SLUG, min_size=1, max_size=3, unique=True)):
        refs = [f"[[{draw(st.one_of(st.sampled_from(entity_ids or ['x']), NAME))}|{draw(NAME)}]]" for _ in range(2)]
        body = "\n\n".join([draw(TEXT), " ".join(refs), draw(TEXT), "- " * draw(st.integers(0, 3)) + draw(TEXT)])
        front = {
            "title": draw(NAME),
            "date": draw(st.sampled_from(["2025-02-10", "2025-02-10T09:30:00+01:00", "0001-01-01T00:00:00+01:00"])),
            "tags": draw(st.lists(NAME, max_size=3)),
            "entities": draw(st.lists(st.one_of(st.sampled_from(entity_ids or ["x"]), NAME), max_size=2)),
        }
        words = [word for word in body.split() if word.strip()]
        if words and draw(st.booleans()):
            front["annotations"] = [{"quote": draw(st.sampled_from(words)), "note": draw(TEXT) or "n"}]
        files[f"articles/{slug}.md"] = f"---\n{_yaml(front)}---\n{body}\n"
    return files


def _yaml(data: object) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)


class _WellFormed(HTMLParser):
    """Elements closed in the order they were opened (void elements excepted)."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.open.append(tag)
        if tag == "a" and self.open.count("a") > 1:
            self.problems.append("<a> inside <a>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.problems.append(f"<{tag}/> is not a void element")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            self.problems.append(f"</{tag}> closes a void element")
        elif not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
        else:
            self.open.pop()


def check_output(site: Path) -> None:
    for path in site.rglob("*"):
        if path.suffix == ".html":
            checker = _WellFormed()
            checker.feed(path.read_text(encoding="utf-8"))
            checker.close()
            assert not checker.problems and not checker.open, (path, checker.problems[:3], checker.open)
        elif path.suffix == ".xml":
            xml.dom.minidom.parse(str(path))


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not RANDOM,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(archives())
def test_a_random_archive_builds_or_says_why(files: dict[str, str]) -> None:
    root = Path(tempfile.mkdtemp(prefix="fuzz-"))
    try:
        content = root / "content"
        for relative, text in files.items():
            (content / relative).parent.mkdir(parents=True, exist_ok=True)
            (content / relative).write_text(text, encoding="utf-8", errors="surrogatepass")
        before = sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))
        try:
            build(BuildOptions(content=content, out=root / "site", jobs=1, cache=True))
        except ContentError as failed:
            assert failed.diagnostics and all(d.level in ("error", "warning") for d in failed.diagnostics)
            assert not (root / "site").exists()
        else:
            check_output(root / "site")
        after = {p.relative_to(root).as_posix() for p in root.rglob("*")}
        made = {path for path in after - set(before) if not path.startswith(("site", ".rassegna-cache"))}
        assert not made, made
    finally:
        shutil.rmtree(root, ignore_errors=True)

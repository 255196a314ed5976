#!/usr/bin/env python3
"""Autolinking scorer: prints precision, recall and F1, asserts nothing.

    python bench/score_autolink.py                     # both corpora in ../shared/corpora
    python bench/score_autolink.py --keep-entities     # the articles keep their `entities:`
    python bench/score_autolink.py --keep-entities --scope article   # only their own names
    python bench/score_autolink.py --corpus gum-wikinews --misses 20

The corpora's mentions were annotated by hand by others, as `[[id|text]]`. Each article is
copied with every `[[id|text]]` turned into its plain text (and without `entities:`, unless
--keep-entities), built with `autolink: all` (archive-wide, unless --scope article), and
the links of its body are compared with the original annotations as multisets of (entity,
text): a link is right when the annotation had the same entity on the same text, as many
times. --misses lists the commonest wrong links and
missed mentions, the material for improving the rules.

For gum-wikinews a second precision counts the links that lie inside a mention GUM's
annotators made of the same entity, named or not ('Harry Kane' in 'English captain Harry
Kane'), which the corpus does not write inline; --misses then also lists the links outside
any such mention: see gum_layer.py.
"""

from __future__ import annotations

import argparse
import html
import re
import subprocess
import sys
import tempfile
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import gum_layer  # noqa: E402

from generator.frontmatter import split_document  # noqa: E402
from generator.text import MENTION_RE  # noqa: E402

CORPORA = ROOT.parent / "shared" / "corpora"
Mentions = Counter[tuple[str, str]]


def strip_article(text: str, keep_entities: bool) -> tuple[str, Mentions]:
    """The article with its mentions as plain text, and the mentions it had."""
    document = split_document(text)
    gold: Mentions = Counter()

    def plain(match: re.Match[str]) -> str:
        target, label = match.group(1).strip(), match.group(2)
        gold[(target, label or target)] += 1  # the corpora write every mention with its text
        return label or target

    body = MENTION_RE.sub(plain, document.body)
    data = dict(document.data)
    if not keep_entities:
        data.pop("entities", None)
    front = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    return f"---\n{front}---\n{body}", gold


def prepare(corpus: Path, work: Path, keep_entities: bool, scope: str) -> dict[str, Mentions]:
    """A copy of the corpus to build, and each article's annotated mentions by slug."""
    content = work / "content"
    (content / "articles").mkdir(parents=True)
    (content / "entities").symlink_to((corpus / "content" / "entities").resolve())
    site = yaml.safe_load((corpus / "content" / "site.yml").read_text(encoding="utf-8"))
    site.update(autolink="all", autolink_scope=scope, search=False)
    (content / "site.yml").write_text(yaml.safe_dump(site, allow_unicode=True), encoding="utf-8")
    gold = {}
    for source in sorted((corpus / "content" / "articles").glob("*.md")):
        text, gold[source.stem] = strip_article(source.read_text(encoding="utf-8"), keep_entities)
        (content / "articles" / source.name).write_text(text, encoding="utf-8")
    return gold


class BodyLinks(HTMLParser):
    """The (entity, text) of each mention link in an article page's body."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: Mentions = Counter()
        self.depth = 0  # open <div>s since the body's, 0 outside it
        self.entity: str | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "div" and (self.depth or "body" in (attributes.get("class") or "").split()):
            self.depth += 1
        elif tag == "a" and self.depth and "mention" in (attributes.get("class") or "").split():
            self.entity, self.text = attributes.get("data-entity"), []

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self.depth:
            self.depth -= 1
        elif tag == "a" and self.entity is not None:
            self.found[(self.entity, html.unescape("".join(self.text)))] += 1
            self.entity = None

    def handle_data(self, data: str) -> None:
        if self.entity is not None:
            self.text.append(data)


def links(site: Path, slug: str) -> Mentions:
    parser = BodyLinks()
    parser.feed((site / "articles" / slug / "index.html").read_text(encoding="utf-8"))
    return parser.found


def inside_annotated(corpus: Path, site: Path, gold: dict[str, Mentions]) -> tuple[Counter[bool | None], Mentions]:
    """How many links lie inside a mention GUM made of their entity (True), outside (False),
    or could not be placed (None), and the (entity, text) of those outside: see gum_layer."""
    documents = gum_layer.documents(corpus)
    counts: Counter[bool | None] = Counter()
    outside: Mentions = Counter()
    for slug in gold:
        page = (site / "articles" / slug / "index.html").read_text(encoding="utf-8")
        for entity, text, inside in gum_layer.links_inside(page, documents[slug]):
            counts[inside] += 1
            outside[(entity, text)] += inside is False
    return counts, +outside


def score(corpus: Path, keep_entities: bool, scope: str, misses: int) -> None:
    with tempfile.TemporaryDirectory(prefix="rassegna-score-") as temp:
        work = Path(temp)
        gold = prepare(corpus, work, keep_entities, scope)
        command = [sys.executable, "-m", "generator", "build", "--content", str(work / "content")]
        build = subprocess.run([*command, "--out", str(work / "site")], cwd=ROOT, capture_output=True, text=True)
        if build.returncode:
            sys.exit(f"the build of {corpus.name} failed:\n{build.stderr}")
        found = {slug: links(work / "site", slug) for slug in gold}
        layer = inside_annotated(corpus, work / "site", gold) if gum_layer.available(corpus) else None
    right = sum((found[slug] & gold[slug]).total() for slug in gold)
    linked = sum(mentions.total() for mentions in found.values())
    annotated = sum(mentions.total() for mentions in gold.values())
    precision, recall = right / linked if linked else 0.0, right / annotated if annotated else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print(
        f"{corpus.name:16} {'entities kept' if keep_entities else 'entities dropped':17} {scope:8} "
        f"links {linked:6}  annotated {annotated:6}  right {right:6}   "
        f"precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}",
        flush=True,
    )
    if layer is not None:
        inside, outside = layer
        print(
            f"  inside a mention GUM's annotators made of the same entity, named or not: "
            f"{inside[True]} of {linked} links, precision {inside[True] / linked:.3f}"
            + (f" ({inside[None]} not found in GUM's text)" if inside[None] else "")
        )
    if layer is not None and misses:
        print(
            "  outside:    ", ", ".join(f"{text!r}→{entity} ×{n}" for (entity, text), n in outside.most_common(misses))
        )
    if misses:
        wrong = sum((found[slug] - gold[slug] for slug in gold), Counter())
        missed = sum((gold[slug] - found[slug] for slug in gold), Counter())
        print("  wrong links:", ", ".join(f"{text!r}→{entity} ×{n}" for (entity, text), n in wrong.most_common(misses)))
        print(
            "  missed:     ", ", ".join(f"{text!r}→{entity} ×{n}" for (entity, text), n in missed.most_common(misses))
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", action="append", help="a folder name in ../shared/corpora (default: all)")
    parser.add_argument("--keep-entities", action="store_true", help="keep the articles' hand-made `entities:`")
    parser.add_argument("--scope", choices=("archive", "article"), default="archive", help="autolink_scope")
    parser.add_argument("--misses", type=int, default=0, help="list this many commonest wrong and missed links")
    args = parser.parse_args()
    names = args.corpus or sorted(path.name for path in CORPORA.iterdir() if (path / "content").is_dir())
    for name in names:
        score(CORPORA / name, args.keep_entities, args.scope, args.misses)


if __name__ == "__main__":
    main()

"""The build cache: a cached rebuild gives the same site as a clean build, after any edits,
and redoes only the work its edits call for."""

from __future__ import annotations

import os
import random
import re
import shutil
from pathlib import Path

import pytest

from generator import load as load_module
from generator import render as render_module
from generator.build import BuildResult
from generator.cache import MANIFEST_FILE, STATE_FILE, cache_dir
from generator.errors import ContentError
from tests.conftest import REPO, build_project, site_tree

WORDS = "acqua pane luce ponte strada fiume vento carta libro treno città mare".split()
ENTITIES = {
    "acme": ("Acme", "organization", ["ACME Corp"]),
    "rossi": ("Maria Rossi", "person", []),
    "torino": ("Torino", "place", ["Turin"]),
    "robotica": ("Robotica", "topic", []),
    "beta": ("Beta Labs", "organization", ["Beta"]),
}


def sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 9))).capitalize() + "."


def article_text(rng: random.Random, title: str, day: int) -> str:
    ids = rng.sample(sorted(ENTITIES), rng.randint(0, 3))
    names = [ENTITIES[i][0] for i in ids]
    tags = rng.sample(["economia", "tecnologia", "Tecnologia", "città"], rng.randint(0, 2))
    body = [sentence(rng) + (f" Lo dice {name}." if name else "") for name in [*names, ""]]
    if ids and rng.random() < 0.5:
        body.append(f"Ne parla anche [[{rng.choice(ids)}]].")
    front = [f"title: {title!r}", f"date: 2024-03-{day:02d}", f"entities: {ids!r}", f"tags: {tags!r}"]
    if rng.random() < 0.5:  # lists show it; without one, they show the first paragraph
        front.append(f"summary: {sentence(rng)!r}")
    if names and rng.random() < 0.5:
        front += [
            "annotations:",
            f"  - quote: {('Lo dice ' + names[0])!r}",
            "    note: Verificato.",
            "    kind: fact-check",
        ]
    return "---\n" + "\n".join(front) + "\n---\n" + "\n\n".join(body) + "\n"


def entity_text(entity_id: str, rng: random.Random) -> str:
    name, kind, aliases = ENTITIES[entity_id]
    return (
        f"---\nname: {name}\ntype: {kind}\naliases: {aliases!r}\ndescription: {sentence(rng)}\n---\n{sentence(rng)}\n"
    )


def make_archive(root: Path, rng: random.Random) -> Path:
    content = root / "content"
    (content / "articles").mkdir(parents=True)
    (content / "entities").mkdir()
    (content / "static").mkdir()
    site_yml = "title: Archivio\nlanguage: it\nbase_url: https://example.org/archivio/\nper_page: 3\n"
    (content / "site.yml").write_text(site_yml, encoding="utf-8")
    for n in range(10):
        (content / "articles" / f"articolo-{n}.md").write_text(article_text(rng, f"Articolo {n}", n + 1))
    for entity_id in list(ENTITIES)[:4]:
        (content / "entities" / f"{entity_id}.md").write_text(entity_text(entity_id, rng))
    (content / "static" / "logo.txt").write_text("logo\n")
    shutil.copytree(REPO / "templates", root / "templates")
    return content


EDITS = (
    "body", "title", "date", "add", "delete", "rename", "rewrite", "touch", "entity", "entity-name", "entity-add",
    "entity-delete", "template", "site", "language", "static", "static-delete", "static-folder", "site-damage",
    "lead", "reword", "summary",
)  # fmt: skip


def edit(content: Path, rng: random.Random, kind: str | None = None) -> str:
    """One edit of the kinds an editor makes (random unless `kind` is given); returns its kind."""
    articles = sorted((content / "articles").glob("*.md"))
    entities = sorted((content / "entities").glob("*.md"))
    templates = content.parent / "templates"
    target = rng.choice(articles)
    kind = kind or rng.choice(EDITS)
    if kind == "body":
        with target.open("a", encoding="utf-8") as file:
            file.write(f"\n{sentence(rng)} Anche Torino e Acme.\n")
    elif kind == "lead":  # a new first paragraph: what lists show of an article without a summary
        text = target.read_text()
        end = text.index("---\n", 4) + 4
        target.write_text(text[:end] + f"{sentence(rng)}\n\n" + text[end:])
    elif kind == "reword":  # a sentence with a mention (not an annotated one): entity pages quote it
        text = target.read_text()
        end = text.index("---\n", 4)
        found = [m for m in re.finditer(r"Lo dice [^.]+", text[end:]) if m[0] not in text[:end]]
        if found:
            at = end + found[0].start()
            target.write_text(text[:at] + f"Lo {rng.choice(WORDS)} dice" + text[at + len("Lo dice") :])
    elif kind == "summary":
        text = target.read_text()
        summary = f"summary: {sentence(rng)!r}\n"
        changed = re.sub(r"summary: .*\n", summary, text, count=1) if "summary: " in text else None
        target.write_text(changed or text.replace("title: ", summary + "title: ", 1))
    elif kind == "title":
        target.write_text(target.read_text().replace("title: '", f"title: '{rng.choice(WORDS)} ", 1))
    elif kind == "date":
        text = target.read_text()
        start = text.index("date: ")
        target.write_text(text[:start] + f"date: 2024-0{rng.randint(1, 4)}-{rng.randint(10, 28)}" + text[start + 16 :])
    elif kind == "add":
        (content / "articles" / f"nuovo-{rng.randrange(10**6)}.md").write_text(
            article_text(rng, sentence(rng), rng.randint(1, 28))
        )
    elif kind == "delete" and len(articles) > 3:
        target.unlink()
    elif kind == "rename":
        target.rename(target.with_name(f"rinominato-{rng.randrange(10**6)}.md"))
    elif kind == "rewrite":
        target.write_text(article_text(rng, sentence(rng), rng.randint(1, 28)))
    elif kind == "touch":
        os.utime(target)
    elif kind == "entity" and entities:
        path = rng.choice(entities)
        path.write_text(path.read_text().replace("description: ", f"description: {rng.choice(WORDS)} ", 1))
    elif kind == "entity-name" and entities:
        path = rng.choice(entities)
        path.write_text(path.read_text().replace("name: ", f"name: {rng.choice(WORDS).title()} ", 1))
    elif kind == "entity-add":
        missing = [e for e in ENTITIES if not (content / "entities" / f"{e}.md").exists()]
        if missing:
            entity_id = rng.choice(missing)
            (content / "entities" / f"{entity_id}.md").write_text(entity_text(entity_id, rng))
    elif kind == "entity-delete" and len(entities) > 1:
        rng.choice(entities).unlink()  # its mentions become stubs
    elif kind == "template":
        footer = templates / "base.html"
        footer.write_text(footer.read_text().replace("</body>", f"<!-- {rng.choice(WORDS)} -->\n</body>", 1))
    elif kind == "site":
        (content / "site.yml").write_text((content / "site.yml").read_text().replace("Archivio", "Archivio nuovo", 1))
    elif kind == "static":
        (content / "static" / f"{rng.choice(WORDS)}.txt").write_text(sentence(rng))
    elif kind == "static-delete":
        for path in (content / "static").glob("*.txt"):
            path.unlink()
            break
    elif kind == "language":  # articles without `lang` take the site's
        site_yml = (content / "site.yml").read_text()
        swapped = site_yml.replace("language: it", "language: en") if "language: it" in site_yml else None
        (content / "site.yml").write_text(swapped or site_yml.replace("language: en", "language: it"))
    elif kind == "static-folder":  # a file becomes a folder, or the other way round
        docs = content / "static" / "docs"
        if docs.is_dir():
            shutil.rmtree(docs)
            docs.write_text("docs\n")
        else:
            docs.unlink(missing_ok=True)
            (docs / "index.html").parent.mkdir()
            (docs / "index.html").write_text("<p>docs</p>\n")
    elif kind == "site-damage":  # someone edits the output by hand
        site = content.parent / "site"
        files = sorted(p for p in site.rglob("*.html") if p.is_file())
        rng.choice(files).unlink()
        (site / "stray.txt").write_text("not made by any page\n")
    return kind


def build(content: Path, out: Path, cache: bool = True, atomic: bool = False) -> BuildResult:
    return build_project(content, out=out, templates=content.parent / "templates", cache=cache, atomic=atomic)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_cached_rebuilds_equal_clean_builds_after_random_edits(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    content = make_archive(tmp_path, rng)
    site = tmp_path / "site"
    build(content, site)
    for round_number in range(16):
        done = [edit(content, rng) for _ in range(rng.randint(1, 3))]
        cached = build(content, site)
        clean = build(content, tmp_path / f"clean-{round_number}", cache=False)
        assert site_tree(site) == site_tree(tmp_path / f"clean-{round_number}"), f"round {round_number}: {done}"
        assert cached.diagnostics == clean.diagnostics, done
        assert (cached.pages, cached.articles, cached.entities) == (clean.pages, clean.articles, clean.entities)
        shutil.rmtree(tmp_path / f"clean-{round_number}")


def test_a_failed_build_keeps_the_cache_and_the_site(tmp_path: Path) -> None:
    content = make_archive(tmp_path, random.Random(5))
    site = tmp_path / "site"
    build(content, site)
    before = site_tree(site)
    good = (content / "articles" / "articolo-3.md").read_text()
    (content / "articles" / "articolo-3.md").write_text(good.replace("title:", "title: [unclosed", 1))
    with pytest.raises(ContentError):
        build(content, site)
    assert site_tree(site) == before
    (content / "articles" / "articolo-3.md").write_text(good + "\nUna riga nuova.\n")
    build(content, site)
    build(content, tmp_path / "clean", cache=False)
    assert site_tree(site) == site_tree(tmp_path / "clean")


class Counter:
    def __init__(self, function):  # type: ignore[no-untyped-def]
        self.function, self.calls = function, 0

    def __call__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.calls += 1
        return self.function(*args, **kwargs)


def test_an_edit_reads_renders_and_writes_only_what_it_touches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = make_archive(tmp_path, random.Random(7))
    site = tmp_path / "site"
    build(content, site)
    loads = Counter(load_module.load_article)
    renders = Counter(render_module.render_article)
    monkeypatch.setattr(load_module, "load_article", loads)
    monkeypatch.setattr(render_module, "render_article", renders)
    untouched = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (site / "404.html", site / "assets" / "style.css")}

    nothing = build(content, site)
    assert (loads.calls, renders.calls, nothing.written, nothing.removed) == (0, 0, 0, 0)

    with (content / "articles" / "articolo-4.md").open("a", encoding="utf-8") as file:
        file.write("\nUna frase aggiunta.\n")
    one = build(content, site)
    assert (loads.calls, renders.calls) == (1, 1)
    assert 1 <= one.written < one.pages / 2
    assert b"Una frase aggiunta." in (site / "articles" / "articolo-4" / "index.html").read_bytes()
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in untouched} == untouched

    (content / "articles" / "articolo-4.md").unlink()
    gone = build(content, site)
    assert not (site / "articles" / "articolo-4").exists()
    assert gone.removed >= 2  # the page and its annotations or feed entries moved


def test_a_tag_page_counts_an_article_added_beyond_it(tmp_path: Path) -> None:
    content = make_archive(tmp_path, random.Random(11))
    tagged = "---\ntitle: T{n}\ndate: 2020-01-0{n}\ntags: [rara]\n---\nTesto.\n"
    for n in range(1, 5):  # two pages of three
        (content / "articles" / f"t{n}.md").write_text(tagged.format(n=n + 1))
    site = tmp_path / "site"
    build(content, site)
    (content / "articles" / "t0.md").write_text(tagged.format(n=1))  # older: on the last page, still two
    build(content, site)
    build(content, tmp_path / "clean", cache=False)
    assert site_tree(site) == site_tree(tmp_path / "clean")
    assert "5 articoli" in (site / "tags" / "rara" / "index.html").read_text()


def test_an_unreadable_or_foreign_cache_means_a_full_build(tmp_path: Path) -> None:
    content = make_archive(tmp_path, random.Random(9))
    site = tmp_path / "site"
    build(content, site)
    state, manifest = cache_dir(site) / STATE_FILE, cache_dir(site) / MANIFEST_FILE
    state.write_bytes(b"not a pickle")
    manifest.write_bytes(b"")
    (content / "articles" / "articolo-1.md").unlink()
    build(content, site)
    assert not (site / "articles" / "articolo-1").exists()
    shutil.rmtree(site)  # the cache now describes a site that is gone
    build(content, site)
    build(content, tmp_path / "clean", cache=False)
    assert site_tree(site) == site_tree(tmp_path / "clean")
    assert state.is_file() and manifest.is_file()


def test_a_commit_cut_short_leaves_the_old_site_and_the_next_build_completes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator import write as write_module

    content = make_archive(tmp_path, random.Random(13))
    site = tmp_path / "site"
    build(content, site)
    before = site_tree(site)
    for path in sorted((content / "articles").glob("*.md"))[:4]:
        path.write_text(path.read_text().replace("title: '", "title: 'Nuovo ", 1))
    real_link, links = os.link, []

    def failing_link(source: object, target: object, **options: object) -> None:
        links.append(target)
        if len(links) == 3:  # the new tree half made, then the disk is full
            raise OSError(28, "No space left on device")
        real_link(source, target, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(write_module.os, "link", failing_link)
    with pytest.raises(ContentError) as failed:
        build(content, site, atomic=True)
    assert [str(d) for d in failed.value.diagnostics] == [f"{site}: error: cannot write: No space left on device"]
    assert site_tree(site) == before  # not one file of the new build in it
    monkeypatch.setattr(write_module.os, "link", real_link)
    build(content, site)
    build(content, tmp_path / "clean", cache=False)
    assert site_tree(site) == site_tree(tmp_path / "clean")


def test_a_commit_cut_short_in_place_is_reported_and_repaired(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator import write as write_module
    from generator.check import CheckOptions, check

    content = make_archive(tmp_path, random.Random(13))
    site = tmp_path / "site"
    build(content, site)
    for path in sorted((content / "articles").glob("*.md"))[:4]:
        path.write_text(path.read_text().replace("title: '", "title: 'Nuovo ", 1))
    real_replace, moves = os.replace, []

    def failing_replace(source: object, target: object) -> None:
        if Path(str(target)).is_relative_to(site):  # not the build cache's files
            moves.append(target)
        if len(moves) == 3:  # the marker, then one page, then the disk is full
            raise OSError(28, "No space left on device")
        real_replace(source, target)  # type: ignore[arg-type]

    monkeypatch.setattr(write_module.os, "replace", failing_replace)
    with pytest.raises(ContentError):
        build(content, site)
    monkeypatch.setattr(write_module.os, "replace", real_replace)
    checked = check(CheckOptions(content=None, site=site))
    assert [d.message for d in checked.diagnostics if d.level == "error"] == [
        "the site is incomplete: a build was cut short while moving its files in, so old and new pages are mixed; "
        "run rassegna build (it completes the site)"
    ]
    build(content, site)
    build(content, tmp_path / "clean", cache=False)
    assert site_tree(site) == site_tree(tmp_path / "clean")

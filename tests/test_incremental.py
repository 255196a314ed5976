"""The watch server's rebuilds: after any sequence of edits, the site it serves is the site a
clean build makes; rewordings take the quick path; editors' ways of saving lose nothing."""

from __future__ import annotations

import io
import os
import random
import shutil
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from generator import incremental
from generator.build import BuildOptions
from generator.errors import ContentError
from generator.files import walk
from generator.incremental import Workspace, watched_path
from generator.serve import Preview, Reloader
from tests.conftest import build_project, site_tree
from tests.test_cache import EDITS, make_archive, sentence
from tests.test_cache import edit as cache_edit

# The server owns its output directory: hand edits of site/ are the CLI cache's business.
QUICK = ["body", "title", "lead", "reword", "summary", "note"]  # rewordings: the quick path
SERVE_EDITS = [kind for kind in EDITS if kind != "site-damage"] + QUICK * 3 + ["break"]


def edit(content: Path, rng: random.Random, kind: str) -> None:
    """The cache tests' edits, plus a broken file and a changed annotation note."""
    articles = sorted((content / "articles").glob("*.md"))
    if kind == "break":
        rng.choice(articles).write_text("---\ntitle: [non chiuso\n---\nTesto.\n")
    elif kind == "note":
        for path in articles:
            text = path.read_text()
            if "note: " in text:
                path.write_text(text.replace("note: ", f"note: {rng.choice(['Vero.', 'Falso.'])} ", 1))
                break
    else:
        cache_edit(content, rng, kind)


def snapshot(roots: list[Path]) -> dict[str, tuple[int, int, int]]:
    return {os.path.join(root, path): signature for root in roots for path, signature in walk(root).items()}


def changed_paths(before: dict[str, tuple[int, int, int]], after: dict[str, tuple[int, int, int]]) -> set[str]:
    """What a watcher reports: absolute paths of files added, removed or modified."""
    return {os.path.abspath(path) for path in before.keys() | after.keys() if before.get(path) != after.get(path)}


def differing(a: dict[str, bytes], b: dict[str, bytes]) -> list[str]:
    return sorted(path for path in a.keys() | b.keys() if a.get(path) != b.get(path))


def clean_build(content: Path, out: Path) -> dict[str, bytes] | None:
    """The site a clean build makes, or None if the content has errors."""
    shutil.rmtree(out, ignore_errors=True)
    try:
        build_project(content, out=out, templates=content.parent / "templates", cache=False)
    except ContentError:
        return None
    return site_tree(out)


# No shrinking: each example is a series of builds, and the failing series is printed anyway.
@settings(
    max_examples=12,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(seed=st.integers(0, 10**6), kinds=st.lists(st.sampled_from(SERVE_EDITS), min_size=1, max_size=7))
def test_every_rebuild_equals_a_clean_build(
    tmp_path_factory: pytest.TempPathFactory, seed: int, kinds: list[str]
) -> None:
    root = tmp_path_factory.mktemp("archive")
    rng = random.Random(seed)
    content = make_archive(root, rng)
    roots = [content, root / "templates"]
    workspace = Workspace(BuildOptions(content=content, out=root / "site", templates=root / "templates", jobs=1))
    workspace.rebuild()
    served = site_tree(root / "site")
    for kind in kinds:
        before = snapshot(roots)
        edit(content, rng, kind)
        time.sleep(0.002)
        changed = {watched_path(path, roots) for path in changed_paths(before, snapshot(roots))}
        expected = clean_build(content, root / "clean")
        if expected is None:
            with pytest.raises(ContentError):
                workspace.rebuild(changed)
            assert site_tree(root / "site") == served, f"a failed rebuild after '{kind}' changed the site"
            continue
        workspace.rebuild(changed)
        served = site_tree(root / "site")
        assert served == expected, f"after '{kind}': {differing(served, expected)}"


def test_a_reworded_article_takes_the_quick_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(7)
    content = make_archive(tmp_path, rng)
    workspace = Workspace(BuildOptions(content=content, out=tmp_path / "site", templates=tmp_path / "templates"))
    workspace.rebuild()
    full_builds: list[object] = []
    real = incremental.build_in_memory
    monkeypatch.setattr(incremental, "build_in_memory", lambda *a: full_builds.append(a) or real(*a))
    article = content / "articles" / "articolo-4.md"
    untouched = tmp_path / "site" / "articles" / "articolo-9" / "index.html"
    mtime = untouched.stat().st_mtime_ns if untouched.exists() else None
    article.write_text(article.read_text() + "\nUna frase aggiunta, senza nomi.\n")
    result = workspace.rebuild({str(article)})
    assert full_builds == []
    assert 1 <= result.written < 12  # its page and the lists and feeds that show it
    assert "Una frase aggiunta" in (tmp_path / "site" / "articles" / "articolo-4" / "index.html").read_text()
    if mtime is not None:
        assert untouched.stat().st_mtime_ns == mtime
    article.write_text(article.read_text().replace("date: 2024-03-05", "date: 2024-01-05"))
    workspace.rebuild({str(article)})
    assert len(full_builds) == 1  # a new date reorders every list: a full build
    assert site_tree(tmp_path / "site") == clean_build(content, tmp_path / "clean")


def test_a_name_of_an_entity_new_to_the_article_takes_a_full_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Autolinked archive-wide, the name puts the article on the entity's page: no quick path."""
    content = make_archive(tmp_path, random.Random(7))
    workspace = Workspace(BuildOptions(content=content, out=tmp_path / "site", templates=tmp_path / "templates"))
    workspace.rebuild()
    full_builds: list[object] = []
    real = incremental.build_in_memory
    monkeypatch.setattr(incremental, "build_in_memory", lambda *a: full_builds.append(a) or real(*a))
    pages = lambda: "".join(p.read_text() for p in (tmp_path / "site" / "entities" / "beta").rglob("*.html"))  # noqa: E731
    article = next(p for p in sorted((content / "articles").glob("*.md")) if f"/articles/{p.stem}/" not in pages())
    article.write_text(article.read_text() + "\nNe scrive anche la Beta Srl.\n")
    workspace.rebuild({str(article)})
    assert len(full_builds) == 1
    assert f"/articles/{article.stem}/" in pages()
    assert site_tree(tmp_path / "site") == clean_build(content, tmp_path / "clean")


def test_a_failed_rebuild_keeps_its_files_pending(tmp_path: Path) -> None:
    """A file broken in one rebuild and a file reworded in the next: the second rebuild must
    still fail, not take the quick path for the reworded file alone."""
    content = make_archive(tmp_path, random.Random(3))
    workspace = Workspace(BuildOptions(content=content, out=tmp_path / "site", templates=tmp_path / "templates"))
    workspace.rebuild()
    broken, reworded = content / "articles" / "articolo-1.md", content / "articles" / "articolo-2.md"
    good = broken.read_text()
    broken.write_text("---\ntitle: [\n---\n")
    with pytest.raises(ContentError):
        workspace.rebuild({str(broken)})
    reworded.write_text(reworded.read_text() + "\nAncora.\n")
    with pytest.raises(ContentError):
        workspace.rebuild({str(reworded)})
    broken.write_text(good)
    workspace.rebuild({str(broken)})
    assert site_tree(tmp_path / "site") == clean_build(content, tmp_path / "clean")


def wait_until_settled(reloader: Reloader, preview_out: io.StringIO, quiet: float = 1.5, limit: float = 30) -> None:
    """Until no rebuild has happened for `quiet` seconds."""
    deadline = time.monotonic() + limit
    last, since = (reloader.count, len(preview_out.getvalue())), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = (reloader.count, len(preview_out.getvalue()))
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
    raise AssertionError("the watcher never settled")


def test_editors_saves_are_all_seen(tmp_path: Path) -> None:
    """Atomic saves, vim's probe and backup files, a burst of saves and saves during a full
    rebuild: once the watcher settles, the site is the clean build of the last saves."""
    rng = random.Random(11)
    content = make_archive(tmp_path, rng)
    log = io.StringIO()
    reloader = Reloader()
    options = BuildOptions(content=content, out=tmp_path / "site", templates=tmp_path / "templates", jobs=1)
    preview = Preview(options, reloader, log)
    preview.rebuild()
    stop = threading.Event()
    watcher = threading.Thread(target=preview.watch, args=(stop,), daemon=True)
    watcher.start()
    time.sleep(0.5)  # the watcher is watching
    try:
        article = content / "articles" / "articolo-3.md"
        text = article.read_text()
        # vim: a probe file, a backup, then the file itself
        (article.parent / "4913").write_text("")
        (article.parent / "4913").unlink()
        shutil.copy(article, article.parent / "articolo-3.md~")
        article.write_text(text + "\nSalvato da vim.\n")
        (article.parent / "articolo-3.md~").unlink()
        # an atomic save: a temporary file renamed over the article
        temporary = article.parent / ".articolo-3.md.tmp"
        temporary.write_text(text + "\nSalvato in modo atomico.\n")
        os.replace(temporary, article)
        # a burst of saves: the last one wins
        for n in range(15):
            article.write_text(text + f"\nSalvataggio numero {n}.\n")
            time.sleep(0.01)
        # an entity edit (a full rebuild) and, at once, a save of another article
        entity = content / "entities" / "acme.md"
        entity.write_text(entity.read_text().replace("description: ", "description: Nuova. ", 1))
        other = content / "articles" / "articolo-5.md"
        time.sleep(0.06)
        other.write_text(other.read_text() + f"\n{sentence(rng)} Salvato durante la ricostruzione.\n")
        wait_until_settled(reloader, log)
    finally:
        stop.set()
        watcher.join(10)
    page = (tmp_path / "site" / "articles" / "articolo-3" / "index.html").read_text()
    assert "Salvataggio numero 14." in page and "Salvataggio numero 13." not in page
    assert (
        "Salvato durante la ricostruzione" in (tmp_path / "site" / "articles" / "articolo-5" / "index.html").read_text()
    )
    assert site_tree(tmp_path / "site") == clean_build(content, tmp_path / "clean")
    assert "failed" not in log.getvalue(), log.getvalue()


def test_the_site_and_cache_deleted_under_the_server(tmp_path: Path) -> None:
    """Someone runs `rm -r site .rassegna-cache` while serving: the next save builds it all
    again, at worst after one rebuild that reports the error."""
    content = make_archive(tmp_path, random.Random(5))
    log = io.StringIO()
    reloader = Reloader()
    options = BuildOptions(content=content, out=tmp_path / "site", templates=tmp_path / "templates", jobs=1)
    preview = Preview(options, reloader, log)
    preview.rebuild()
    shutil.rmtree(tmp_path / "site")
    shutil.rmtree(tmp_path / ".rassegna-cache")
    article = content / "articles" / "articolo-2.md"
    for n in range(2):
        article.write_text(article.read_text() + f"\nDopo la cancellazione {n}.\n")
        preview.rebuild({str(article)})
    assert site_tree(tmp_path / "site") == clean_build(content, tmp_path / "clean")
    assert "Traceback" not in log.getvalue()


def test_edits_the_quick_path_must_leave_to_a_full_build(tmp_path: Path) -> None:
    """The same instant on another day (the sitemap shows the day), and a draft published
    over a published article's slug (a clean build refuses it)."""
    content = make_archive(tmp_path, random.Random(1))
    workspace = Workspace(BuildOptions(content=content, out=tmp_path / "site", templates=tmp_path / "templates"))
    draft = content / "articles" / "bozza.md"
    original = (content / "articles" / "articolo-3.md").read_text()
    draft.write_text(original.replace("title: ", "slug: articolo-3\ndraft: true\ntitle: Bozza segreta ", 1))
    workspace.rebuild()
    article = content / "articles" / "articolo-0.md"
    article.write_text(article.read_text().replace("date: 2024-03-01", "date: 2024-02-29T23:00:00-01:00"))
    workspace.rebuild({str(article)})
    assert site_tree(tmp_path / "site") == clean_build(content, tmp_path / "clean")
    draft.write_text(draft.read_text().replace("draft: true\n", ""))
    with pytest.raises(ContentError):
        workspace.rebuild({str(draft)})
    assert "Bozza segreta" not in (tmp_path / "site" / "articles" / "articolo-3" / "index.html").read_text()

"""Hostile, broken and unlucky input: symbolic links, disguised URL schemes, control
characters, a forged or damaged build cache, values YAML reads but Python cannot hold. Each
gives its exact message, and the site is either the previous one or a correct new one."""

from __future__ import annotations

import errno
import html
import os
import pickle
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import xml.dom.minidom
from pathlib import Path
from urllib.parse import unquote

import pytest

from generator.build import lock_of
from generator.cache import MANIFEST_FILE, STATE_FILE, cache_dir
from generator.errors import ContentError
from generator.urls import is_safe_link
from generator.write import exclusive
from tests.conftest import MakeProject, build_project, site_tree, write_tree

ARTICLE = "---\ntitle: Good\ndate: 2025-02-10\n---\nA good article.\n"


def messages(content: Path, **options: object) -> list[str]:
    """The messages of a build that fails, relative to the project."""
    with pytest.raises(ContentError) as failed:
        build_project(content, **options)
    return [str(d).removeprefix(f"{content.parent}/") for d in failed.value.diagnostics]


def outputs(site: Path) -> dict[str, str]:
    return {path: data.decode("utf-8", "replace") for path, data in site_tree(site).items()}


# --- symbolic links ----------------------------------------------------------------------------


def test_links_that_lead_outside_content_are_refused_and_the_site_is_kept(
    make_project: MakeProject, tmp_path: Path
) -> None:
    content = make_project({"articles/good.md": ARTICLE})
    build_project(content)
    before = site_tree(tmp_path / "site")
    secret = tmp_path / "secret.md"
    secret.write_text("---\ntitle: Secret\ndate: 2025-01-01\n---\nThe password is hunter2.\n")
    (tmp_path / "secret.txt").write_text("hunter2\n")
    (content / "articles/leak.md").symlink_to(secret)
    (content / "static").mkdir()
    (content / "static/leak.txt").symlink_to(tmp_path / "secret.txt")
    (content / "entities").mkdir()
    (content / "entities/etc").symlink_to("/etc")
    outside = "rassegna reads only files inside the content and templates folders; copy the file in instead"
    assert messages(content) == [
        f"content/articles/leak.md: error: a symbolic link to {secret}, outside {content}: {outside}",
        f"content/entities/etc: error: a symbolic link to /etc, outside {content}: {outside}",
        f"content/static/leak.txt: error: a symbolic link to {tmp_path}/secret.txt, outside {content}: {outside}",
    ]
    assert site_tree(tmp_path / "site") == before
    assert not any("hunter2" in text for text in outputs(tmp_path / "site").values())


def test_link_loops_broken_links_and_folder_links_are_each_a_message(make_project: MakeProject) -> None:
    content = make_project({"articles/good.md": ARTICLE})
    (content / "articles/a.md").symlink_to("b.md")
    (content / "articles/b.md").symlink_to("a.md")
    (content / "articles/gone.md").symlink_to("nowhere.md")
    (content / "static").mkdir()
    (content / "static/self").symlink_to(".")
    assert messages(content) == [
        "content/articles/a.md: error: a symbolic link that leads round in a loop (b.md): replace it with the file itself",
        "content/articles/b.md: error: a symbolic link that leads round in a loop (a.md): replace it with the file itself",
        "content/articles/gone.md: error: a symbolic link to nowhere.md, which does not exist: "
        "remove the link or fix its target",
        "content/static/self: error: a symbolic link to the folder .: rassegna never follows one; "
        "move the files in instead",
    ]


def test_a_link_to_a_file_inside_content_is_read(make_project: MakeProject, tmp_path: Path) -> None:
    content = make_project({"articles/good.md": ARTICLE, "shared/other.md": ARTICLE.replace("Good", "Other")})
    (content / "articles/other.md").symlink_to("../shared/other.md")
    build_project(content)
    assert "<h1>Other</h1>" in (tmp_path / "site/articles/other/index.html").read_text()


def test_a_template_or_asset_linked_from_outside_is_refused(make_project: MakeProject, tmp_path: Path) -> None:
    content = make_project({"articles/good.md": ARTICLE})
    (tmp_path / "secret.css").write_text("/* hunter2 */\n")
    (tmp_path / "templates/assets").mkdir(parents=True)
    (tmp_path / "templates/assets/style.css").symlink_to(tmp_path / "secret.css")
    assert messages(content, templates=None) == [
        f"templates/assets/style.css: error: a symbolic link to {tmp_path}/secret.css, outside {tmp_path}/templates: "
        "rassegna reads only files inside the content and templates folders; copy the file in instead"
    ]


# --- URL schemes -------------------------------------------------------------------------------

DISGUISED = [
    "javascript:alert(1)",
    "JAVASCRIPT:alert(1)",
    "jav&#9;ascript:alert(1)",
    "jav%09ascript:alert(1)",
    "&#106;avascript:alert(1)",
    " javascript:alert(1)",
    "java\u200bscript:alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html,<script>alert(1)</script>",
    "DATA:text/html;base64,PHNjcmlwdD4=",
    "file:///etc/passwd",
]


@pytest.mark.parametrize("url", DISGUISED)
def test_script_schemes_are_refused_however_disguised(url: str) -> None:
    assert not is_safe_link(url)


@pytest.mark.parametrize(
    "url", ["https://example.org/x", "/a/b/", "#note-1", "mailto:a@b.org", "data:image/png;base64,AAAA"]
)
def test_ordinary_links_are_kept(url: str) -> None:
    assert is_safe_link(url)


def test_no_output_format_carries_a_script_link(make_project: MakeProject, tmp_path: Path) -> None:
    links = " ".join(
        f"[l{n}]({url.replace(' ', '%20') if url.startswith(' ') else url})" for n, url in enumerate(DISGUISED)
    )
    body = f"Links: {links} and [tab](jav&#9;ascript:alert(2)) and [nl](java\nscript:alert(3)).\n"
    article = (
        "---\ntitle: Links\ndate: 2025-02-10\nentities: [acme]\nannotations:\n"
        "  - quote: Links\n    note: See [this](jav&#9;ascript:alert(4)).\n---\n" + body
    )
    content = make_project(
        {
            "site.yml": "title: Test\nlanguage: en\nbase_url: https://example.org/\n",
            "articles/links.md": article,
            "entities/acme.md": "---\nname: Acme\ntype: organization\n---\nSee [x](javascript:alert(5)).\n",
        }
    )
    build_project(content)
    scheme = re.compile(r"(?i)^\s*(java|vb)\s*script\s*:|^\s*data\s*:\s*text")
    for path, text in outputs(tmp_path / "site").items():
        for found in re.finditer(r"(?:href|src)\s*=", text):
            value = html.unescape(text[found.end() : found.end() + 60].replace("\\", "")).lstrip("\"'")
            assert not scheme.search(unquote(value)), (path, value)
    feed = (tmp_path / "site/feed.xml").read_text()
    assert "href=&quot;jav" not in feed and "href=&#34;jav" not in feed


# --- control characters ------------------------------------------------------------------------


def test_control_characters_are_removed_with_a_warning_at_their_line(make_project: MakeProject, tmp_path: Path) -> None:
    content = make_project(
        {
            "site.yml": "title: Test\nlanguage: en\nbase_url: https://example.org/\n",
            "articles/c.md": '---\ntitle: "A\\0B \\uFFFE C"\ndate: 2025-02-10\nsummary: pasted\x07text\n---\n'
            "Pasted from a PDF:\x0cthe next page. And \ufffftwo.\n",
        }
    )
    result = build_project(content)
    advice = "control characters that pages and feeds cannot carry (pasted from a PDF?)"
    assert [str(d).removeprefix(f"{content.parent}/") for d in result.diagnostics] == [
        f"content/articles/c.md:2: warning: removed U+0000, U+FFFE from 'title': {advice}",
        f"content/articles/c.md:4: warning: removed U+0007: {advice}",
        f"content/articles/c.md:6: warning: removed U+000C, U+FFFF: {advice}",
    ]
    site = tmp_path / "site"
    page = (site / "articles/c/index.html").read_text()
    assert "<h1>AB  C</h1>" in page and "Pasted from a PDF: the next page." in page
    xml.dom.minidom.parse(str(site / "feed.xml"))  # well-formed XML: feed readers take it
    control = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
    assert not [path for path, text in outputs(site).items() if control.search(text)]


# --- the build cache ---------------------------------------------------------------------------


class Exploit:
    """A pickle that, unpickled, writes a file: what a forged cache would run."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path.write_text, (self.marker, "ran\n"))


def test_a_forged_cache_is_never_unpickled(make_project: MakeProject, tmp_path: Path) -> None:
    content = make_project({"articles/good.md": ARTICLE})
    build_project(content)
    store = cache_dir(tmp_path / "site")
    marker = tmp_path / "pwned"
    for name in (MANIFEST_FILE, STATE_FILE):
        (store / name).write_bytes(pickle.dumps(Exploit(marker)))
        signed = (store / name).read_bytes()
        (store / name).write_bytes(b"\0" * 32 + signed)  # a signature that does not match
    result = build_project(content)
    assert not marker.exists()
    assert result.rendered > 0  # a full build


@pytest.mark.parametrize("damage", ["truncate", "flip", "empty", "huge-length"])
def test_a_damaged_cache_means_a_full_build(make_project: MakeProject, tmp_path: Path, damage: str) -> None:
    content = make_project({"articles/good.md": ARTICLE})
    clean = build_project(content)
    store = cache_dir(tmp_path / "site")
    for name in (MANIFEST_FILE, STATE_FILE):
        data = (store / name).read_bytes()
        damaged = {
            "truncate": data[: len(data) // 2],
            "flip": data[:40] + bytes([data[40] ^ 0xFF]) + data[41:],
            "empty": b"",
            "huge-length": data[:32] + b"\x80\x05\x95\xff\xff\xff\xff\xff\xff\xff\x7f" + data[43:],
        }[damage]
        (store / name).write_bytes(damaged)
    os.utime(content / "articles/good.md")
    again = build_project(content)
    assert again.rendered == clean.rendered  # everything again, nothing wrong
    assert site_tree(tmp_path / "site") == site_tree(tmp_path / "site")


# --- values YAML reads but Python cannot hold --------------------------------------------------


def test_huge_numbers_and_dates_out_of_range_are_errors(make_project: MakeProject) -> None:
    digits = "9" * 5000
    content = make_project(
        {
            "site.yml": f"title: Test\nlanguage: en\nper_page: {digits}\n",
            "articles/early.md": "---\ntitle: Early\ndate: 0001-01-01T00:00:00+01:00\n---\nx\n",
            "articles/late.md": "---\ntitle: Late\ndate: 9999-12-31T23:00:00-05:00\n---\nx\n",
            "articles/big.md": f"---\ntitle: Big\ndate: 2025-01-01\nslug: {digits}\n---\nx\n",
        }
    )
    shown = "9" * 160 + "…"
    assert messages(content) == [
        "content/articles/big.md:4: error: front matter has a value that cannot be read: "
        f"a number with thousands of digits; quote it if it is text\n    4 | slug: {shown[6:]}",
        "content/articles/early.md:3: error: 'date' is out of range in UTC: '0001-01-01T00:00:00+01:00'; "
        "give a date between years 1 and 9999 that stays so",
        "content/articles/late.md:3: error: 'date' is out of range in UTC: '9999-12-31T23:00:00-05:00'; "
        "give a date between years 1 and 9999 that stays so",
        "content/site.yml:3: error: site.yml has a value that cannot be read: "
        f"a number with thousands of digits; quote it if it is text\n    3 | per_page: {shown[10:]}",
    ]


# --- errors of the operating system ------------------------------------------------------------


def fail_on(monkeypatch: pytest.MonkeyPatch, cls: object, method: str, when: str, error: int) -> None:
    """Make `cls.method(path, ...)` raise OSError(error) for paths containing `when`."""
    original = getattr(cls, method)

    def failing(self: object, *args: object, **kwargs: object) -> object:
        if when in str(self):
            raise OSError(error, os.strerror(error), str(self))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(cls, method, failing)


def staging_left(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in tmp_path.rglob("*") if "rassegna-new" in p.name or ".pickle." in p.name)


def test_a_full_disk_while_writing_keeps_the_site(
    make_project: MakeProject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = make_project({"articles/good.md": ARTICLE})
    build_project(content)
    before = site_tree(tmp_path / "site")
    (content / "articles/good.md").write_text(ARTICLE.replace("A good", "A better"))
    fail_on(monkeypatch, Path, "write_bytes", "rassegna-new", errno.ENOSPC)
    assert messages(content, cache=False) == ["site/index.html: error: cannot write: No space left on device"]
    assert site_tree(tmp_path / "site") == before
    assert staging_left(tmp_path) == []


def test_a_read_only_output_folder_is_one_message(
    make_project: MakeProject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = make_project({"articles/good.md": ARTICLE})
    fail_on(monkeypatch, Path, "mkdir", "rassegna-new", errno.EROFS)
    assert messages(content) == ["site/: error: cannot write: Read-only file system"]
    assert not (tmp_path / "site").exists() and staging_left(tmp_path) == []


def test_unreadable_inputs_are_named(
    make_project: MakeProject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = make_project(
        {
            "articles/good.md": ARTICLE,
            "entities/acme.md": "---\nname: Acme\ntype: organization\n---\n",
            "static/logo.txt": "logo\n",
        }
    )
    fail_on(monkeypatch, Path, "read_text", "site.yml", errno.EACCES)
    assert messages(content) == ["content/site.yml: error: cannot read the file: Permission denied"]
    monkeypatch.undo()

    original = os.scandir
    monkeypatch.setattr(
        os,
        "scandir",
        lambda path=".": (
            (_ for _ in ()).throw(PermissionError(errno.EACCES, "Permission denied", str(path)))
            if str(path).endswith("entities")
            else original(path)
        ),
    )
    assert messages(content) == ["content/entities: error: cannot read the folder: Permission denied"]
    monkeypatch.undo()

    fail_on(monkeypatch, Path, "read_bytes", "logo.txt", errno.EACCES)
    assert messages(content) == ["content/static/logo.txt: error: cannot read: Permission denied"]
    assert not (tmp_path / "site").exists() and staging_left(tmp_path) == []


def test_a_cache_folder_that_cannot_be_written_only_costs_time(
    make_project: MakeProject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = make_project({"articles/good.md": ARTICLE})
    fail_on(monkeypatch, Path, "open", ".pickle.", errno.EROFS)  # the cache files being written
    result = build_project(content)
    store = cache_dir(tmp_path / "site")
    assert [str(d) for d in result.diagnostics] == [
        f"{store}: warning: cannot save the build cache: Read-only file system; the next build will be a full one"
    ]
    assert (tmp_path / "site/articles/good/index.html").is_file()
    assert staging_left(tmp_path) == []


def test_ctrl_c_during_a_parallel_build_is_one_line(tmp_path: Path) -> None:
    files = {"site.yml": "title: Big\nlanguage: en\n"}
    for n in range(8000):  # several seconds of work: the signal lands in the middle of it
        files[f"articles/a{n}.md"] = f"---\ntitle: Article {n}\ndate: 2025-01-01\n---\nText {n} of the article.\n"
    write_tree(tmp_path / "content", files)
    command = [sys.executable, "-m", "generator", "build", "--jobs", "2", "--no-cache"]
    build_process = subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    time.sleep(1.5)
    os.killpg(build_process.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole group
    _, stderr = build_process.communicate(timeout=60)
    assert (build_process.returncode, stderr) == (130, "rassegna: interrupted\n")
    assert staging_left(tmp_path) == []


# --- nothing lost, nothing mixed ---------------------------------------------------------------


def test_a_second_build_into_the_same_site_is_refused(make_project: MakeProject, tmp_path: Path) -> None:
    content = make_project({"articles/good.md": ARTICLE})
    build_project(content)
    before = site_tree(tmp_path / "site")
    with exclusive(lock_of(tmp_path / "site"), tmp_path / "site"):  # as another build would hold it
        result = subprocess.run(
            [sys.executable, "-m", "generator", "build"], cwd=tmp_path, capture_output=True, text=True
        )
    assert (result.returncode, result.stderr) == (
        2,
        "rassegna: error: another rassegna is building site right now: wait for it to finish, then build again\n",
    )
    assert site_tree(tmp_path / "site") == before


def test_two_builds_at_once_never_mix(make_project: MakeProject, tmp_path: Path) -> None:
    files = {f"articles/a{n}.md": ARTICLE.replace("Good", f"Good {n}") for n in range(300)}
    content = make_project(files)
    command = [sys.executable, "-m", "generator", "build", "--jobs", "1"]
    runs = [
        subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = [(run.wait(60), run.stderr.read() if run.stderr else "") for run in runs]
    assert sorted(code for code, _ in results)[0] == 0, results
    for code, stderr in results:
        assert code == 0 or stderr.startswith("rassegna: error: another rassegna is building site"), stderr
    build_project(content, out=tmp_path / "clean", cache=False)
    assert site_tree(tmp_path / "site") == site_tree(tmp_path / "clean")


def test_the_staging_folder_of_a_killed_build_is_removed_by_the_next(make_project: MakeProject, tmp_path: Path) -> None:
    content = make_project({"articles/good.md": ARTICLE})
    left = tmp_path / ".site.rassegna-new-99999"
    write_tree(left, {"articles/good/index.html": "half\n"})
    build_project(content)
    assert not left.exists()


def test_a_file_dropped_into_the_site_is_removed_by_a_no_change_build(
    make_project: MakeProject, tmp_path: Path
) -> None:
    content = make_project({"articles/good.md": ARTICLE})
    build_project(content)
    before = site_tree(tmp_path / "site")
    (tmp_path / "site/dropped.html").write_text("not ours\n")
    build_project(content)
    assert site_tree(tmp_path / "site") == before


@pytest.mark.parametrize(
    "damage",
    ["articles/good/extra.html", "articles/new/deep/x.html", "-articles/good/index.html", "-tags/index.html"],
)
def test_a_change_by_hand_deep_in_the_site_is_undone_by_a_no_change_build(
    make_project: MakeProject, tmp_path: Path, damage: str
) -> None:
    """A rebuild finds such changes from the folders' signatures, without walking the site."""
    content = make_project({"articles/good.md": ARTICLE})
    build_project(content)
    before = site_tree(tmp_path / "site")
    target = tmp_path / "site" / damage.removeprefix("-")
    if damage.startswith("-"):
        target.unlink()
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("not ours\n")
    build_project(content)
    assert site_tree(tmp_path / "site") == before


def test_an_edit_with_its_mtime_put_back_is_rebuilt(make_project: MakeProject, tmp_path: Path) -> None:
    content = make_project({"articles/good.md": ARTICLE})
    article = content / "articles/good.md"
    long_ago = time.time() - 3600  # not within the racy window: the signature alone decides
    os.utime(article, (long_ago, long_ago))
    build_project(content)
    article.write_text(ARTICLE.replace("A good", "A fine"))  # same size, same inode
    os.utime(article, (long_ago, long_ago))  # touch -r: the old mtime
    build_project(content)
    assert "A fine article." in (tmp_path / "site/articles/good/index.html").read_text()


# --- content that must be reported, not guessed ------------------------------------------------

TWO_CHINAS = {
    "entities/cina-paese.md": "---\nname: Cina\ntype: place\n---\n",
    "entities/cina-porcellana.md": "---\nname: Porcellana\ntype: product\naliases: [Cina]\n---\n",
}


def test_a_name_of_two_entities_is_an_error_where_it_is_used(make_project: MakeProject) -> None:
    content = make_project(
        {
            **TWO_CHINAS,
            "articles/a.md": "---\ntitle: A\ndate: 2025-02-10\nentities: [Cina]\n---\nIn [[Cina]] e in [[cina-paese|Cina]].\n",
        }
    )
    assert messages(content) == [
        "content/articles/a.md:4: error: 'Cina' is a name of cina-paese and of cina-porcellana: write the id of "
        "the one you mean (such as [[cina-paese|Cina]], or 'cina-paese' in 'entities')",
        "content/articles/a.md:6: error: 'Cina' is a name of cina-paese and of cina-porcellana: write the id of "
        "the one you mean (such as [[cina-paese|Cina]], or 'cina-paese' in 'entities')",
        "content/entities/cina-porcellana.md:4: warning: 'Cina' is a name of cina-paese and of cina-porcellana: "
        "it is autolinked only where an article declares just one of them, and a reference to it must use the id; "
        "keep the name in one of the files",
    ]


@pytest.mark.parametrize("scope", ["archive", "article"])
def test_a_name_of_two_entities_links_only_the_one_the_article_declares(
    make_project: MakeProject, tmp_path: Path, scope: str
) -> None:
    declares = {"both": "[cina-paese, cina-porcellana]", "one": "[cina-paese]", "none": "[]"}
    content = make_project(
        {
            **TWO_CHINAS,
            "site.yml": f"title: Test\nlanguage: it\nautolink: all\nautolink_scope: {scope}\n",
            **{
                f"articles/{name}.md": f"---\ntitle: {name}\ndate: 2025-02-10\nentities: {entities}\n---\n"
                "La Cina esporta Porcellana.\n"
                for name, entities in declares.items()
            },
        }
    )
    result = build_project(content)

    def links(name: str) -> list[tuple[str, str]]:
        page = (tmp_path / f"site/articles/{name}/index.html").read_text()
        body = page.split('<div class="body">')[1].split("</article>")[0]
        return re.findall(r'<a class="mention[^"]*" href="/entities/([^/]+)/"[^>]*>([^<]*)</a>', body)

    assert links("both") == [("cina-porcellana", "Porcellana")]  # which Cina: the article does not say
    assert links("one") == [("cina-paese", "Cina")] + (
        [("cina-porcellana", "Porcellana")] if scope == "archive" else []
    )
    assert links("none") == ([("cina-porcellana", "Porcellana")] if scope == "archive" else [])
    assert [d.message.split(":")[0] for d in result.diagnostics if "autolinked only where" in d.message] == [
        "'Cina' is a name of cina-paese and of cina-porcellana"
    ]


def test_a_name_that_is_another_entitys_id_is_reported_once(make_project: MakeProject) -> None:
    content = make_project(
        {
            "articles/a.md": "---\ntitle: A\ndate: 2025-02-10\n---\n[[Mercury]] rose.\n",
            "entities/mercury.md": "---\nname: Mercury\ntype: place\n---\n",
            "entities/freddie-mercury.md": "---\nname: Freddie Mercury\ntype: person\naliases: [Mercury]\n---\n",
        }
    )
    result = build_project(content)
    assert [(Path(d.path).name, d.line, d.message) for d in result.diagnostics if "the id of" in d.message] == [
        (
            "freddie-mercury.md",
            4,
            "'Mercury' is a name of freddie-mercury and the id of mercury: [[Mercury]] means mercury, but the "
            "word in a text is autolinked only where an article declares just one of them; keep the name in one "
            "of the files",
        )
    ]


def test_a_parent_cycle_is_an_error_naming_it(make_project: MakeProject) -> None:
    content = make_project(
        {
            "articles/a.md": "---\ntitle: A\ndate: 2025-02-10\nentities: [a]\n---\nText.\n",
            "entities/a.md": "---\nname: A\ntype: topic\nparent: b\n---\n",
            "entities/b.md": "---\nname: B\ntype: topic\nparent: c\n---\n",
            "entities/c.md": "---\nname: C\ntype: topic\nparent: a\n---\n",
            "entities/self.md": "---\nname: Self\ntype: topic\nparent: self\n---\n",
        }
    )
    assert [m for m in messages(content) if "cycle" in m] == [
        "content/entities/a.md:4: error: 'parent' makes a cycle: a → b → c → a; an entity cannot be part of "
        "itself: remove one of these 'parent' keys",
        "content/entities/self.md:4: error: 'parent' makes a cycle: self → self; an entity cannot be part of "
        "itself: remove one of these 'parent' keys",
    ]


def test_tags_whose_slugs_collide_keep_their_own_pages(make_project: MakeProject, tmp_path: Path) -> None:
    content = make_project(
        {
            "articles/a.md": "---\ntitle: A\ndate: 2025-02-10\ntags: [C++, C#]\n---\nText.\n",
            "articles/b.md": "---\ntitle: B\ndate: 2025-02-11\ntags: [C, c, 市场, 时长]\n---\nText.\n",
        }
    )
    result = build_project(content)
    tags = sorted(p.name for p in (tmp_path / "site/tags").iterdir() if p.is_dir())
    assert len(tags) == 5 and "c" not in tags  # C and c are one tag; C, C#, C++ three; 市场, 时长 two
    warnings = [d.message for d in result.diagnostics if "would share one page" in d.message]
    assert len(warnings) == 2 and warnings[0].startswith("the tags 'C', 'C#', 'C++' would share one page")
    titles = {(tmp_path / "site/tags" / t / "index.html").read_text().split("<h1>")[1].split("<")[0] for t in tags}
    assert len(titles) == 5


def test_a_heading_made_of_a_mention_gets_a_real_id(make_project: MakeProject, tmp_path: Path) -> None:
    content = make_project(
        {
            "articles/a.md": "---\ntitle: A\ndate: 2025-02-10\n---\n## [[acme|Acme]]\n\nx\n\n## [[acme|Acme]]\n\ny\n",
            "entities/acme.md": "---\nname: Acme\ntype: organization\n---\n",
        }
    )
    build_project(content)
    page = (tmp_path / "site/articles/a/index.html").read_text()
    ids = re.findall(r'<h2 id="([^"]*)"', page)
    assert ids[:2] == ["section", "section-1"]


def test_names_windows_cannot_check_out_are_warned_about(make_project: MakeProject) -> None:
    content = make_project(
        {
            "articles/con.md": "---\ntitle: Con\ndate: 2025-02-10\ntags: [aux]\n---\nText.\n",
            "entities/nul.md": "---\nname: Nul\ntype: topic\n---\n",
            "static/lpt1.txt": "x\n",
        }
    )
    result = build_project(content)
    advice = "a name Windows reserves: a clone of the site on Windows fails there"
    assert [str(d).removeprefix(f"{content.parent}/") for d in result.diagnostics if "Windows" in d.message] == [
        f"content/articles/con.md:1: warning: the slug 'con' makes articles/con/, {advice}; choose another",
        f"content/articles/con.md:4: warning: the tag 'aux' makes tags/aux/, {advice}; choose another",
        f"content/entities/nul.md:1: warning: the id 'nul' makes entities/nul/, {advice}; choose another",
        f"content/static/lpt1.txt: warning: {advice}; rename it",
    ]


# --- the server --------------------------------------------------------------------------------


def test_an_idle_connection_is_dropped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.serve import Reloader, SiteHandler, SiteServer

    monkeypatch.setattr(SiteHandler, "timeout", 0.5)
    (tmp_path / "site").mkdir()
    server = SiteServer(("127.0.0.1", 0), tmp_path / "site", lambda: "/", Reloader())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with socket.create_connection(server.server_address, timeout=5) as idle:
            started = time.monotonic()
            assert idle.recv(100) == b""  # closed by the server, not by our timeout
            assert time.monotonic() - started < 3
    finally:
        server.shutdown()
        server.server_close()


def test_text_past_the_nesting_limit_is_an_error_not_lost(make_project: MakeProject) -> None:
    deep = "- " * 60 + "deep\n"
    content = make_project({"articles/a.md": f"---\ntitle: A\ndate: 2025-02-10\n---\nIntro.\n\n{deep}\nAfter.\n"})
    assert messages(content) == [
        "content/articles/a.md:7: error: the text is nested too deeply here (lists, quotes or emphasis more than "
        "50 levels inside each other): what follows would be lost; flatten it"
    ]


def test_twenty_levels_of_lists_are_rendered_whole(make_project: MakeProject, tmp_path: Path) -> None:
    deep = "- " * 30 + "deep\n"
    content = make_project({"articles/a.md": f"---\ntitle: A\ndate: 2025-02-10\n---\n{deep}\nAfter the list.\n"})
    build_project(content)
    assert "After the list." in (tmp_path / "site/articles/a/index.html").read_text()


def test_static_files_follow_one_rule(make_project: MakeProject, tmp_path: Path) -> None:
    content = make_project(
        {
            "articles/a.md": ARTICLE,
            "static/logo.svg": "<svg/>\n",
            "static/.DS_Store": "x",
            "static/notes.txt~": "x",
            "static/.notes.txt.swp": "x",
            "static/#draft#": "x",
            "static/.hidden/secret.txt": "x",
            "static/.well-known/security.txt": "Contact: mailto:a@b.org\n",
        }
    )
    build_project(content)
    site = tmp_path / "site"
    copied = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
    assert "logo.svg" in copied and ".well-known/security.txt" in copied
    assert not [p for p in copied if p in (".DS_Store", "notes.txt~", ".notes.txt.swp", "#draft#") or ".hidden" in p]


@pytest.mark.parametrize("atomic", [True, False], ids=["atomic", "in-place"])
def test_a_build_killed_at_any_moment_leaves_the_old_site_or_the_new_one(tmp_path: Path, atomic: bool) -> None:
    """SIGKILL and Ctrl-C at random moments of a rebuild of 600 articles: with --atomic the site
    is always, byte for byte, the site before the edit or the one after it; without, it may also
    be one that `rassegna check --site` calls incomplete, which the next build completes."""
    files = {"site.yml": "title: Big\nlanguage: en\n"}
    for n in range(600):
        files[f"articles/a{n}.md"] = (
            f"---\ntitle: Article {n}\ndate: 2025-01-{n % 28 + 1:02d}\ntags: [t{n % 7}]\n---\nText {n}.\n"
        )
    content = write_tree(tmp_path / "content", files)
    site, saved = tmp_path / "site", tmp_path / "old-site"
    command = [sys.executable, "-m", "generator", "build", "--jobs", "2", "--no-cache"]
    subprocess.run(command, cwd=tmp_path, check=True, capture_output=True)
    command += ["--atomic"] if atomic else []
    shutil.copytree(site, saved, symlinks=True)
    old = site_tree(site)
    for n in range(0, 600, 3):  # an edit that changes many pages
        path = content / f"articles/a{n}.md"
        path.write_text(path.read_text().replace("Text", "New text"))
    subprocess.run([*command, "--out", "new-site"], cwd=tmp_path, check=True, capture_output=True)
    new = site_tree(tmp_path / "new-site")
    started = time.monotonic()
    subprocess.run(command, cwd=tmp_path, check=True, capture_output=True)
    duration = time.monotonic() - started
    rng = random.Random(7)
    outcomes = []
    for trial in range(10):
        shutil.rmtree(site)
        shutil.copytree(saved, site, symlinks=True)
        process = subprocess.Popen(
            command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
        )
        time.sleep(rng.uniform(0.2, duration))
        os.killpg(process.pid, signal.SIGKILL if trial % 3 else signal.SIGINT)
        process.wait(30)
        outcomes.append(_outcome(site, old, new, atomic, tmp_path, command))
    assert "old" in outcomes  # the kills did land during builds
    for _ in range(4):  # and at the worst moment: as soon as anything in the site changes
        shutil.rmtree(site)
        shutil.copytree(saved, site, symlinks=True)
        first = (site.stat().st_ino, (site / ".rassegna").stat().st_ino)
        process = subprocess.Popen(
            command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
        )
        while process.poll() is None and _inodes(site) == first:
            time.sleep(0.0005)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(30)
        outcomes.append(_outcome(site, old, new, atomic, tmp_path, command))
    if not atomic:
        assert "incomplete" in outcomes  # killed while moving files in: what --atomic prevents


def _outcome(
    site: Path, old: dict[str, bytes], new: dict[str, bytes], atomic: bool, root: Path, command: list[str]
) -> str:
    now = site_tree(site)
    if now in (old, new):
        return "new" if now == new else "old"
    assert not atomic, "a mix of the old site and the new one"
    checked = subprocess.run(
        [sys.executable, "-m", "generator", "check", "--site", "site"], cwd=root, capture_output=True, text=True
    )
    assert "the site is incomplete" in checked.stdout, checked.stdout
    subprocess.run(command, cwd=root, check=True, capture_output=True)
    assert site_tree(site) == new  # the next build completes it
    return "incomplete"


def _inodes(site: Path) -> tuple[int, int] | None:
    try:
        return site.stat().st_ino, (site / ".rassegna").stat().st_ino
    except OSError:
        return None


def test_references_in_code_are_text_not_entities(make_project: MakeProject, tmp_path: Path) -> None:
    body = (
        "Inline `[[inline-code]]` code.\n\n```\n[[fenced-code]]\n```\n\n    [[indented-code]]\n\n"
        "A paragraph\non two lines with [[real-one|a real one]].\n"
    )
    content = make_project({"articles/a.md": f"---\ntitle: A\ndate: 2025-02-10\n---\n{body}"})
    result = build_project(content)
    assert [str(d).removeprefix(f"{content.parent}/") for d in result.diagnostics] == [
        "content/articles/a.md:14: warning: unknown entity 'real-one': it gets a stub page; "
        "create content/entities/real-one.md to describe it, or fix the reference"
    ]
    entities = sorted(p.name for p in (tmp_path / "site/entities").iterdir() if p.is_dir())
    assert entities == ["real-one"]
    assert "<code>[[inline-code]]</code>" in (tmp_path / "site/articles/a/index.html").read_text()


def test_the_plain_scan_and_the_parser_agree_where_there_is_no_code() -> None:
    """The scan is a shortcut for bodies without code: it must find what the parser finds."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from generator.load import _parsed_mentions, body_mentions

    piece = st.sampled_from(
        ["[[a]]", "[[b|B b]]", "[[ c ]]", "text", "\n", "\n\n", "*x*", "[l](u)", "# h", "> q", "- i"]
    )

    @settings(max_examples=300, deadline=None, derandomize=True)
    @given(st.lists(piece, max_size=12).map(" ".join))
    def agree(body: str) -> None:
        errors: list[str] = []
        assert body_mentions(body, 5, lambda line, m: errors.append(m)) == _parsed_mentions(
            body, 5, lambda line, m: errors.append(m)
        )

    agree()


def test_a_passage_that_ends_inside_a_link_has_its_marker_after_the_link(
    make_project: MakeProject, tmp_path: Path
) -> None:
    article = (
        "---\ntitle: A\ndate: 2025-02-10\nannotations:\n  - quote: words and a linked\n    note: N.\n---\n"
        "Some words and a [linked phrase](https://example.org) here.\n"
    )
    build_project(make_project({"articles/a.md": article}))
    page = (tmp_path / "site/articles/a/index.html").read_text()
    assert (
        '<a href="https://example.org"><mark class="annotated" aria-details="note-1">linked</mark> phrase</a><sup class="note-ref">'
        in page
    )
    assert re.search(r'<a href="https://example.org">(?:(?!</a>).)*<a ', page) is None

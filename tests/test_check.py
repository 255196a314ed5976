"""`rassegna check`: each kind of problem in a fixture, found at its file and line; the shipped
archive passes; nothing is written; JSON for tools."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
from pathlib import Path

import pytest

from generator.cli import main
from tests.conftest import REPO, MakeProject, build_project

ARTICLE = "---\ntitle: {title}\ndate: 2024-03-01\nentities: [{entities}]\n---\n{body}\n"


def annotated(*keys: str) -> str:
    """An article about Acme with one annotation on 'Acme' (line 6) and these keys, from line 7."""
    rest = "".join(f"    {key}\n" for key in keys)
    return f"---\ntitle: A\ndate: 2024-03-01\nentities: [Acme]\nannotations:\n  - quote: Acme\n{rest}---\nAcme.\n"


def entity(name: str, *aliases: str) -> str:
    """An organisation's file; its aliases one per line, from line 5."""
    listed = "".join(f"\n  - {alias}" for alias in aliases)
    return f"---\nname: {name}\ntype: organization\n" + (f"aliases:{listed}\n" if aliases else "") + "---\n"


def run_check(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(["check", *args])
    return status, out.getvalue()


def problems(output: str) -> list[str]:
    """The report's problem lines, without the summary."""
    return [line for line in output.splitlines()[:-1] if not line.startswith("    ")]


def test_the_shipped_archive_and_its_site_pass(shipped_site: Path) -> None:
    status, output = run_check("--content", str(REPO / "content"), "--site", str(shipped_site), "--strict")
    assert status == 0, output
    assert output.splitlines() == [
        f"check: no problems in 1 article, 19 entities; {_site_files(shipped_site)} site files"
    ]


def _site_files(site: Path) -> int:
    return sum(1 for path in site.rglob("*") if path.is_file() and not path.name.startswith("."))


def test_content_problems_are_the_builds_and_nothing_is_written(make_project: MakeProject) -> None:
    content = make_project(
        {
            "articles/broken.md": "---\ntitle: [unclosed\ndate: 2024-03-01\n---\nText.\n",
            "articles/quote.md": """\
                ---
                title: Quote
                date: 2024-03-01
                entities: [Acme]
                annotations:
                  - quote: "not in the text"
                    note: A note.
                ---
                Acme makes things.
                """,
            "entities/acme.md": entity("Acme"),
        }
    )
    status, output = run_check("--content", str(content))
    assert status == 1
    found = problems(output)
    assert f"{content}/articles/broken.md:2: error: front matter is not valid YAML" in found[0]
    assert any(
        line.startswith(f"{content}/articles/quote.md:6: error: ") and "not in the text" in line for line in found
    )
    assert output.splitlines()[-1].startswith("check: 2 errors, 0 warnings in 1 article, 1 entity")
    assert sorted(p.name for p in content.parent.iterdir()) == ["content"]  # no site, no cache


def test_editorial_problems_each_at_its_line(make_project: MakeProject) -> None:
    content = make_project(
        {
            "site.yml": "title: Test\nlanguage: en\nautolink_scope: article\n",  # archive-wide, Globex is linked
            "articles/a.md": ARTICLE.format(
                title="A", entities="Acme, Ghost Corp", body="Acme met Globex in Paris.\n\nLater, Globex left."
            ),
            "articles/lonely.md": ARTICLE.format(title="Lonely", entities="", body="Nobody is named here."),
            "entities/acme.md": entity("Acme", "ACME Inc", "Big Co"),
            "entities/globex.md": entity("Globex"),
            "entities/initech.md": entity("Initech", "Big Co"),
        }
    )
    article, lonely = content / "articles/a.md", content / "articles/lonely.md"
    status, output = run_check("--content", str(content))
    assert status == 0, output  # warnings only
    assert problems(output) == [
        f"{article}:4: warning: unknown entity 'Ghost Corp': it gets a stub page; "
        "create content/entities/ghost-corp.md to describe it, or fix the reference",
        f"{article}:6: warning: 'Globex' (Globex) is not linked: add 'globex' to 'entities', "
        "or write [[globex|Globex]]",
        f"{lonely}:1: warning: the article names no entity: list the people, organisations and places it "
        "mentions in 'entities', or write them as [[name]] in the text",
        f"{content}/entities/globex.md:1: warning: no article mentions 'Globex': its page lists no articles; "
        "mention it in an article, or delete the file",
        f"{content}/entities/initech.md:1: warning: no article mentions 'Initech': its page lists no articles; "
        "mention it in an article, or delete the file",
        f"{content}/entities/initech.md:5: warning: 'Big Co' is a name of acme and of initech: it is autolinked "
        "only where an article declares just one of them, and a reference to it must use the id; keep the name in "
        "one of the files",
    ]
    assert output.splitlines()[-1] == "check: 0 errors, 6 warnings in 2 articles, 4 entities"
    strict_status, strict_output = run_check("--content", str(content), "--strict")
    assert strict_status == 1
    assert strict_output.splitlines()[-1] == "check: 6 errors, 0 warnings in 2 articles, 4 entities"


def test_archive_wide_an_entity_found_in_the_text_is_mentioned(make_project: MakeProject) -> None:
    content = make_project(
        {
            "articles/a.md": ARTICLE.format(title="A", entities="Acme", body="Acme met Globex.\n\nInitech left."),
            "articles/b.md": ARTICLE.format(title="B", entities="", body="Then Globex spoke."),
            "entities/acme.md": entity("Acme"),
            "entities/globex.md": entity("Globex"),
            "entities/initech.md": entity("Initech"),
        }
    )
    status, output = run_check("--content", str(content))
    assert status == 0
    a = content / "articles/a.md"
    assert problems(output) == [  # Initech opens a sentence: not linked, so not mentioned
        f"{a}:8: warning: 'Initech' (Initech) is not linked: add 'initech' to 'entities', or write [[initech|Initech]]",
        f"{content}/entities/initech.md:1: warning: no article mentions 'Initech': its page lists no articles; "
        "mention it in an article, or delete the file",
    ]


def test_unlinked_names_are_proper_names_the_article_does_not_annotate(make_project: MakeProject) -> None:
    body = (
        "## About Acme and Beta Inc\n\n"  # line 6; Acme is in 'entities': never reported
        "First `Beta Inc` in code, [Beta Inc](https://beta.example) in a link,\n"
        "The Beta Income report,\n"
        "then Beta Inc itself.\n\n"  # line 10: the first that counts, once the heading goes
        "The UE. it is a common word, like stato; Al is not an acronym."
    )
    content = make_project(
        {
            "site.yml": "title: T\nlanguage: en\nautolink: none\n",
            "articles/a.md": ARTICLE.format(title="A", entities="Acme", body=body),
            "articles/b.md": ARTICLE.format(title="B", entities="Acme", body="Text\nthat names\nBeta Inc."),
            "entities/acme.md": entity("Acme"),
            "entities/beta.md": entity("Beta Inc"),
            "entities/ue.md": entity("Unione europea", "UE", "it", "stato", "Al"),
        }
    )
    a, b = content / "articles/a.md", content / "articles/b.md"
    status, output = run_check("--content", str(content))
    assert status == 0
    unlinked = [line for line in problems(output) if "not linked" in line]
    assert unlinked == [
        f"{a}:6: warning: 'Beta Inc' (Beta Inc) is not linked: add 'beta' to 'entities', or write [[beta|Beta Inc]]",
        f"{a}:12: warning: 'UE' (Unione europea) is not linked: add 'ue' to 'entities', or write [[ue|UE]]",
        f"{b}:8: warning: 'Beta Inc' (Beta Inc) is not linked: add 'beta' to 'entities', or write [[beta|Beta Inc]]",
    ]
    a.write_text(a.read_text().replace("## About Acme and Beta Inc", "## About").replace("The UE", "The [[ue|UE]]"))
    assert [line for line in problems(run_check("--content", str(content))[1]) if "not linked" in line] == [
        f"{a}:10: warning: 'Beta Inc' (Beta Inc) is not linked: add 'beta' to 'entities', or write [[beta|Beta Inc]]",
        f"{b}:8: warning: 'Beta Inc' (Beta Inc) is not linked: add 'beta' to 'entities', or write [[beta|Beta Inc]]",
    ]


def test_a_static_file_in_a_generated_files_place(make_project: MakeProject) -> None:
    content = make_project({"static/feed.xml": "<feed/>", "static/logo.txt": "x"})
    status, output = run_check("--content", str(content))
    assert status == 1
    assert problems(output) == [
        f"{content}/static/feed.xml: error: would overwrite the generated file feed.xml: rename or move it"
    ]


def test_an_article_with_errors_does_not_make_its_entities_look_unused(make_project: MakeProject) -> None:
    content = make_project(
        {
            "articles/a.md": "---\ntitle: A\ndate: ieri\nentities: [Acme]\n---\nAcme.\n",
            "entities/acme.md": entity("Acme"),
        }
    )
    status, output = run_check("--content", str(content))
    assert status == 1
    assert [line.split(": ")[1] for line in problems(output)] == ["error"]


def test_json_carries_the_same_problems(make_project: MakeProject) -> None:
    content = make_project(
        {
            "articles/a.md": ARTICLE.format(title='Say "<hi>"', entities="Nobody Known", body="Text."),
        }
    )
    _, text = run_check("--content", str(content))
    status, output = run_check("--content", str(content), "--format", "json")
    report = json.loads(output)
    assert status == 0
    assert report["summary"] == {"errors": 0, "warnings": 1, "articles": 1, "entities": 1, "site_files": 0}
    [problem] = report["problems"]
    assert f"{problem['path']}:{problem['line']}: {problem['level']}: {problem['message']}" == problems(text)[0]


def test_a_built_site_is_checked_as_github_pages_would_publish_it(make_project: MakeProject, tmp_path: Path) -> None:
    content = make_project(
        {
            "articles/a.md": ARTICLE.format(title="A", entities="Acme", body="Acme [here](#no-such-place)."),
            "entities/acme.md": entity("Acme"),
        }
    )
    site = tmp_path / "site"
    build_project(content, out=site, base_url="https://example.github.io/archive/")
    status, output = run_check("--content", str(content), "--site", str(site))
    page = site / "articles/a/index.html"
    assert status == 1
    [broken] = problems(output)
    line = next(n for n, text in enumerate(page.read_text().splitlines(), 1) if 'href="#no-such-place"' in text)
    assert broken == (
        f"{page}:{line}: error: broken link '#no-such-place': no element with id 'no-such-place' in articles/a/index.html"
    )

    shutil.rmtree(site / "entities/acme")  # every link to it breaks
    images = site / "extra/index.html"
    images.parent.mkdir()
    images.write_text('<p>\n<img src="a.png">\n<img src="b.png" alt="">\n<img src="c.png" alt="A chart">\n'
                      '<img src="d.png" alt="" role="presentation">\n</p>\n')  # fmt: skip
    (site / "extra/Index.html").write_text("<p>twin</p>\n")
    _sparse(site / "big/video.mp4", 60)
    _sparse(site / "big/huge.zip", 101)
    for number in range(9):
        _sparse(site / f"big/part{number}.bin", 100)
    _status, output = run_check("--site", str(site), "--content", str(content))
    found = problems(output)
    assert any(
        f"{page}:" in line and "broken link" in line and "no file entities/acme/index.html" in line for line in found
    )
    assert f"{images}:2: warning: image 'a.png' has no alt text" in "\n".join(found)
    assert f"{images}:3: warning: image 'b.png' has no alt text" in "\n".join(found)
    assert not any("c.png' has no alt" in line or "d.png' has no alt" in line for line in found)
    assert f"{images}: error: differs from extra/Index.html only in case or accents" in "\n".join(found)
    assert f"{site}/big/video.mp4: warning: 60.0 MB: over the 50 MB GitHub advises" in "\n".join(found)
    assert f"{site}/big/huge.zip: error: 101.0 MB: GitHub refuses files over 100 MB" in "\n".join(found)
    assert any(line.startswith(f"{site}: error: the site is 1,06") and "at most 1 GB" in line for line in found)


def _sparse(path: Path, megabytes: int) -> None:
    """A file of that size that takes no room on disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as file:
        file.truncate(megabytes * 1024 * 1024)


def test_the_sites_base_url_comes_from_its_build(make_project: MakeProject, tmp_path: Path) -> None:
    content = make_project({"articles/a.md": ARTICLE.format(title="A", entities="Acme", body="Acme."),
                            "entities/acme.md": entity("Acme")})  # fmt: skip
    site = tmp_path / "site"
    build_project(content, out=site, base_url="https://example.github.io/archive/")
    assert run_check("--site", str(site), "--content", str(content))[0] == 0
    status, output = run_check("--site", str(site), "--content", str(content), "--base-url", "/")
    assert status == 1
    assert f"{site}/index.html:" in output and "no file archive/" in output


def test_usage_errors(tmp_path: Path) -> None:
    assert main(["check", "--content", str(tmp_path / "nowhere")]) == 2
    assert main(["check", "--content", str(REPO / "content"), "--site", str(tmp_path / "nowhere")]) == 2
    assert main(["check", "--content", str(REPO / "content"), "--base-url", "ftp://x"]) == 2


def test_site_only_where_there_is_no_content(shipped_site: Path, tmp_path: Path) -> None:
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        status, output = run_check("--site", str(shipped_site))
    finally:
        os.chdir(cwd)
    assert status == 0
    assert output.splitlines() == [f"check: no problems in {_site_files(shipped_site)} site files"]


@pytest.mark.parametrize(
    "cname, problem",
    [
        ("archivio.example.org", None),
        ("https://archivio.example.org/", "'cname' must be a bare domain such as archivio.example.org"),
    ],
)
def test_cname_writes_the_custom_domain(
    make_project: MakeProject, tmp_path: Path, cname: str, problem: str | None
) -> None:
    content = make_project({"site.yml": f"title: T\nlanguage: en\ncname: {cname}\n"})
    status, output = run_check("--content", str(content))
    if problem:
        assert status == 1
        assert problems(output) == [f"{content}/site.yml:3: error: {problem} (no https://, no path), not '{cname}'"]
        return
    assert status == 0, output
    build_project(content, out=tmp_path / "site")
    assert (tmp_path / "site/CNAME").read_text() == "archivio.example.org\n"


def test_cname_and_base_url_must_agree(make_project: MakeProject) -> None:
    content = make_project(
        {"site.yml": "title: T\nlanguage: en\nbase_url: https://user.github.io/archive/\ncname: news.example.org\n"}
    )
    _, output = run_check("--content", str(content))
    assert problems(output) == [
        f"{content}/site.yml:3: warning: base_url is on user.github.io but cname is news.example.org: links and "
        "feeds would point at the wrong host; set base_url to https://news.example.org/"
    ]


def test_site_pages_are_read_as_a_browser_reads_them(shipped_site: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(shipped_site, site)
    page = site / "extra/index.html"
    page.parent.mkdir()
    page.write_text(
        '<a name="old"></a>\n<a href="#old">ok</a> <a href="#top">ok</a>\n'  # lines 1-2: both resolve
        '<!-- <a href="/commented/">not a link</a> -->\n'
        '<script src="/missing.js">\nlet x = "<a href=\'/in-code/\'>";\n</script>\n'  # line 4: src counts
        '<a href="/after/">after</a>\n'  # line 7: lines are kept through the script
    )
    (site / "dangling.html").symlink_to(tmp_path / "nowhere")
    status, output = run_check("--site", str(site), "--content", str(REPO / "content"))
    assert status == 1
    assert problems(output) == [
        f"{site}/dangling.html: error: cannot be read (No such file or directory): a broken link? remove it",
        f"{page}:4: error: broken link '/missing.js': no file missing.js",
        f"{page}:7: error: broken link '/after/': no file after/index.html",
    ]


def test_unknown_references_in_notes_are_reported_by_build_and_check(make_project: MakeProject) -> None:
    content = make_project(
        {
            "articles/a.md": annotated("note: See [[Nowhere Ltd]]."),
            "entities/acme.md": entity("Acme") + "A maker.\n\nOwned by [[acme|itself]] and [[Ghost Holding]].\n",
        }
    )
    expected = [
        f"{content}/articles/a.md:6: warning: unknown entity 'Nowhere Ltd' in a note is shown as plain text: "
        "create content/entities/nowhere-ltd.md, or fix the reference",
        f"{content}/entities/acme.md:7: warning: unknown entity 'Ghost Holding' in a note is shown as plain text: "
        "create content/entities/ghost-holding.md, or fix the reference",
    ]
    assert problems(run_check("--content", str(content))[1]) == expected
    assert [str(d) for d in build_project(content).diagnostics] == expected


def test_a_bad_site_language_is_one_error_not_one_per_article(make_project: MakeProject) -> None:
    content = make_project(
        {
            "site.yml": "title: T\nlanguage: italiano\n",
            **{f"articles/{n}.md": ARTICLE.format(title=n, entities="Acme", body="Acme.") for n in "abc"},
            "articles/d.md": "---\ntitle: D\ndate: 2024-03-01\nlang: xx_YY\nentities: [Acme]\n---\nAcme.\n",
            "entities/acme.md": entity("Acme"),
        }
    )
    status, output = run_check("--content", str(content))
    assert status == 1
    assert problems(output) == [
        f"{content}/articles/d.md:4: error: 'lang' must be a BCP 47 language code such as 'it' or 'en-GB', not 'xx_YY'",
        f"{content}/site.yml:2: error: 'language' must be a BCP 47 code such as 'it' or 'en', not 'italiano'",
    ]


def test_an_annotations_keys_are_reported_at_their_own_lines(make_project: MakeProject) -> None:
    content = make_project(
        {
            "articles/a.md": annotated("note: A note.", "entity: Nobody Inc", "colour: red"),
            "entities/acme.md": entity("Acme"),
        }
    )
    article = content / "articles/a.md"
    assert problems(run_check("--content", str(content))[1]) == [
        f"{article}:8: warning: unknown entity 'Nobody Inc': it gets a stub page; "
        "create content/entities/nobody-inc.md to describe it, or fix the reference",
        f"{article}:9: warning: unknown annotation key 'colour' is ignored; "
        "known keys: quote, prefix, suffix, note, kind, entity, lang",
    ]

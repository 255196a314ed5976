"""`rassegna import annotations`: W3C exports (ours included) and Hypothesis' JSON written into
the articles' front matter; what cannot be placed refused, and then nothing written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.cli import main
from generator.export import ServedText
from tests.conftest import REPO, build_project, copy_content

SEED = "articles/bytedance-caccia-esperti-ai.md"
PAGE = "articles/bytedance-caccia-esperti-ai/"


def front_matter(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("\n---\n", 1)[0].removeprefix("---\n"))


def without_annotations(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    start = lines.index("annotations:")
    end = next(i for i in range(start + 1, len(lines)) if lines[i] == "---" or lines[i][:1] not in ("", " ", "-"))
    path.write_text("\n".join(lines[:start] + lines[end:]), encoding="utf-8")


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return copy_content(REPO / "content", tmp_path / "content")


def run_import(archive: Path, file: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["import", "annotations", str(file), "--content", str(archive)])
    out, err = capsys.readouterr()
    return code, out, err


def test_our_export_imported_gives_back_the_front_matter(archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = archive.parent / "site"
    build_project(archive, out=site, base_url="https://example.github.io/archive/")
    exported = archive.parent / "exported.jsonld"
    exported.write_bytes((site / PAGE / "annotations.jsonld").read_bytes())
    article = archive / SEED
    original, body = front_matter(article), article.read_text(encoding="utf-8").split("\n---\n", 1)[1]
    without_annotations(article)
    assert "annotations" not in front_matter(article)
    code, out, err = run_import(archive, exported, capsys)
    assert (code, err) == (0, ""), err
    assert "7 annotations added to 1 article" in out
    assert front_matter(article) == original  # the same notes, kinds, entities, languages, contexts, in order
    assert article.read_text(encoding="utf-8").split("\n---\n", 1)[1] == body
    again = archive.parent / "again"
    build_project(archive, out=again, base_url="https://example.github.io/archive/")
    assert (again / PAGE / "annotations.jsonld").read_bytes() == exported.read_bytes()
    before = article.read_bytes()
    code, out, _ = run_import(archive, exported, capsys)
    assert code == 0 and "7 annotations already there" in out and article.read_bytes() == before


def hypothesis_export(site: Path, quotes: list[tuple[str, str, list[str]]], uri: str) -> dict[str, Any]:
    """Hypothesis' JSON export of annotations made on the served page: its selectors as the
    client writes them (32 characters of context either side, a position, a range)."""
    text = ServedText((site / PAGE / "index.html").read_text(encoding="utf-8")).text
    rows = []
    body = text.index("La casa madre di TikTok")  # the article's text begins: a title cannot be annotated
    for number, (exact, note, tags) in enumerate(quotes):
        start = text.index(exact, body)
        end = start + len(exact)
        selectors = [
            {
                "type": "RangeSelector",
                "startContainer": "/main[1]/article[1]/div[2]/p[3]",
                "startOffset": 0,
                "endContainer": "/main[1]/article[1]/div[2]/p[3]",
                "endOffset": 10,
            },  # fmt: skip
            {"type": "TextPositionSelector", "start": start, "end": end},
            {
                "type": "TextQuoteSelector",
                "exact": exact,
                "prefix": text[start - 32 : start],
                "suffix": text[end : end + 32],
            },  # fmt: skip
        ]
        rows.append({
            "id": f"hyp{number}", "uri": uri, "text": note, "tags": tags, "user": "acct:reader@hypothes.is",
            "target": [{"source": uri, "selector": selectors}], "document": {"title": ["Perché ByteDance…"]},
        })  # fmt: skip
    return {"export_date": "2026-11-30T10:00:00Z", "export_userid": "acct:reader@hypothes.is", "annotations": rows}


def test_a_hypothesis_export_is_placed_with_the_least_context_it_needs(
    archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = archive.parent / "site"
    build_project(archive, out=site, base_url="/archive/")
    served_elsewhere = "http://localhost:8000/archive/" + PAGE  # the same page, read on another host
    quotes = [
        ("11 miliardi di dollari", "Stima, non un dato di bilancio.", ["fact-check"]),
        ("ByteDance", "La casa madre di *TikTok*.", ["context", "da rivedere"]),
    ]
    export = archive.parent / "hypothesis.json"
    export.write_text(json.dumps(hypothesis_export(site, quotes, served_elsewhere)), encoding="utf-8")
    code, out, err = run_import(archive, export, capsys)
    assert (code, err) == (0, ""), err
    *_, money, name = front_matter(archive / SEED)["annotations"]
    assert money == {"quote": "11 miliardi di dollari", "kind": "fact-check", "note": "Stima, non un dato di bilancio."}
    assert name["quote"] == "ByteDance" and name["kind"] == "context" and name["note"] == "La casa madre di *TikTok*."
    context = name.get("prefix", "") + "|" + name.get("suffix", "")
    assert context != "|" and len(context) < 66  # 'ByteDance' is everywhere: some, not all, of the context
    result = build_project(archive, out=site, base_url="/archive/")
    assert not [d for d in result.diagnostics if "annotation" in d.message]
    exported = json.loads((site / PAGE / "annotations.jsonld").read_text(encoding="utf-8"))
    assert len(exported["items"]) == 9


def test_what_cannot_be_placed_is_refused_all_at_once_and_nothing_is_written(
    archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = archive.parent / "site"
    build_project(archive, out=site, base_url="/archive/")
    good = hypothesis_export(site, [("11 miliardi di dollari", "Ok.", [])], "https://example.org/articles/x/")
    row = good["annotations"][0]
    rows = [
        {
            **row,
            "id": "elsewhere",
            "uri": "https://example.org/blog/post/",
            "target": [{**row["target"][0], "source": "https://example.org/blog/post/"}],
        },  # fmt: skip
        {
            **row,
            "id": "absent",
            "uri": "/archive/" + PAGE,
            "target": [
                {
                    "source": "/archive/" + PAGE,
                    "selector": [{"type": "TextQuoteSelector", "exact": "una frase che non c'è"}],
                }
            ],
        },  # fmt: skip
        {
            **row,
            "id": "positional",
            "uri": "/archive/" + PAGE,
            "target": [
                {"source": "/archive/" + PAGE, "selector": [{"type": "TextPositionSelector", "start": 1, "end": 5}]}
            ],
        },  # fmt: skip
        {
            **row,
            "id": "silent",
            "uri": "/archive/" + PAGE,
            "text": "  ",
            "target": [
                {"source": "/archive/" + PAGE, "selector": [{"type": "TextQuoteSelector", "exact": "ByteDance"}]}
            ],
        },  # fmt: skip
        {
            **row,
            "id": "fine",
            "uri": "/archive/" + PAGE,
            "target": [{**row["target"][0], "source": "/archive/" + PAGE}],
        },  # fmt: skip
    ]
    export = archive.parent / "mixed.json"
    export.write_text(json.dumps({"annotations": rows}, indent=1), encoding="utf-8")
    before = (archive / SEED).read_bytes()
    code, out, err = run_import(archive, export, capsys)
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert lines[-1] == "import failed: 4 errors; no article was changed"
    by_id = {label: next(line for line in lines if f"annotation {label}:" in line) for label in ("elsewhere", "absent", "positional", "silent")}  # fmt: skip
    assert "is no article of this archive" in by_id["elsewhere"]
    assert "is not in the text" in by_id["absent"]
    assert "has no TextQuoteSelector" in by_id["positional"]
    assert "has no note" in by_id["silent"]
    for label, line in by_id.items():  # path:line: where the annotation is in FILE
        number = json.dumps({"annotations": rows}, indent=1).split("\n").index(f'   "id": "{label}",') + 1
        assert line.startswith(f"{export}:{number}: error: annotation {label}: "), line
    assert (archive / SEED).read_bytes() == before


def test_a_file_that_is_not_json_is_a_clear_error(archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    export = archive.parent / "broken.json"
    export.write_text('{"annotations": [\n  {"id": "a",}\n]}\n', encoding="utf-8")
    code, _, err = run_import(archive, export, capsys)
    assert code == 1
    assert err.splitlines()[0].startswith(f"{export}:2: error: not JSON: ")

"""bench/gum_layer.py: GUM's own mentions, named or not, with the ids the corpus wrote, and
which links of a page lie inside one of their entity's."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from generator.text import MENTION_RE
from tests.conftest import CORPORA

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import gum_layer  # noqa: E402

GUM = CORPORA / "gum-wikinews"
pytestmark = [
    pytest.mark.corpora,
    pytest.mark.skipif(not gum_layer.available(GUM), reason=f"no GUM upstream files in {GUM}"),
]
MATCH = "fifa-world-cup-2018-day-five-sweden-belgium-england-win"


@pytest.fixture(scope="module")
def documents() -> dict[str, tuple[str, list[gum_layer.Span]]]:
    return gum_layer.documents(GUM)


def test_the_mentions_have_the_ids_the_corpus_wrote(documents: dict[str, tuple[str, list[gum_layer.Span]]]) -> None:
    """Every entity an article's `[[id|text]]` names is among those of GUM's mentions in it."""
    articles = {path.stem: path.read_text(encoding="utf-8") for path in (GUM / "content" / "articles").glob("*.md")}
    assert set(documents) == set(articles)
    for slug, (_text, spans) in documents.items():
        written = {match.group(1).strip() for match in MENTION_RE.finditer(articles[slug])}
        assert written <= {entity for entity, _, _ in spans}, (slug, written - {e for e, _, _ in spans})


def test_a_role_and_name_is_a_mention_of_the_person(documents: dict[str, tuple[str, list[gum_layer.Span]]]) -> None:
    slug = next(slug for slug in documents if slug.startswith(MATCH[:40]))
    text, spans = documents[slug]
    start = text.index("English captain Harry Kane")
    assert ("harry-kane", start, start + len("English captain Harry Kane")) in spans
    page = (
        '<div class="body"><p>late goal from English <a class="mention" data-entity="english-language">captain</a> '
        '<a class="mention" data-entity="harry-kane">Harry Kane</a>. <a class="mention" '
        'data-entity="harry-kane">Zzyzx</a></p></div>'
    )
    assert list(gum_layer.links_inside(page, documents[slug])) == [
        ("english-language", "captain", False),
        ("harry-kane", "Harry Kane", True),
        ("harry-kane", "Zzyzx", None),
    ]

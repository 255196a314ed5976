import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.frontmatter import FrontMatterError, body_of, document_text, split_document
from generator.text import without_controls


def test_keys_and_list_items_carry_their_file_lines() -> None:
    doc = split_document("---\ntitle: T\ndate: 2025-02-10\nentities:\n  - a\n  - b\n---\nBody\n")
    assert doc.lines == {"title": 2, "date": 3, "entities": 4}
    assert doc.item_lines["entities"] == [5, 6]
    assert doc.body == "Body\n"
    assert doc.body_line == 8


def test_dates_stay_text_for_the_loader_to_check() -> None:
    doc = split_document("---\ndate: 2025-02-10\n---\n")
    assert doc.data["date"] == "2025-02-10"


def test_yaml_error_points_at_the_file_line_and_shows_it() -> None:
    with pytest.raises(FrontMatterError) as caught:
        split_document("---\ntitle: ok\nsummary: a: b\n---\n")
    assert caught.value.line == 3
    assert caught.value.source_line == "summary: a: b"
    assert "mapping values are not allowed" in caught.value.message


def test_unclosed_bracket_points_inside_the_front_matter() -> None:
    with pytest.raises(FrontMatterError) as caught:
        split_document("---\ntitle: ok\ntags: [a, b\n---\nbody\n")
    assert caught.value.line == 3


@pytest.mark.parametrize(
    "text, message",
    [
        ("title: x\n", "no front matter"),
        ("---\ntitle: x\n", "front matter is not closed"),
        ("---\n- a\n- b\n---\n", "must be a mapping"),
    ],
)
def test_shape_errors(text: str, message: str) -> None:
    with pytest.raises(FrontMatterError) as caught:
        split_document(text)
    assert message in caught.value.message


def test_unsafe_tags_are_refused() -> None:
    with pytest.raises(FrontMatterError) as caught:
        split_document("---\ntitle: !!python/object/apply:os.system ['true']\n---\n")
    assert caught.value.line == 2


@given(
    st.lists(st.sampled_from(["title: T", "---", "...", "", "text", "\ufeff", "a\x0cb", "é", " ", "\r"]), max_size=8),
    st.sampled_from(["\n", "\r\n", "\r"]),
    st.sampled_from(["", "\ufeff"]),
)
def test_a_body_read_again_is_the_body_split_from_the_document(lines: list[str], end: str, bom: str) -> None:
    """The render stage reads a body again from its file (body_of), with no YAML: it must be the
    very text the load stage split off."""
    data = (bom + end.join(["---", *lines])).encode()
    try:
        doc = split_document(without_controls(document_text(data)))
    except FrontMatterError:
        return
    assert body_of(data, doc.body_line) == doc.body

import random

from generator.text import _SENTENCE_END_RE, _last_sentence_end, name_key, sentence_around, slug_or_digest, slugify


def test_slugify_drops_accents_and_punctuation() -> None:
    assert slugify("Perché ByteDance va a caccia?") == "perche-bytedance-va-a-caccia"
    assert slugify("Café — Übersicht") == "cafe-ubersicht"


def test_slugs_transliterate_other_scripts() -> None:
    assert slugify("字节跳动") == "zi-jie-tiao-dong"


def test_slug_or_digest_gives_a_stable_id_to_text_with_nothing_to_slug() -> None:
    assert slug_or_digest("¿¡!?", "entity") == slug_or_digest("¿¡!?", "entity")
    assert slug_or_digest("¿¡!?", "entity").startswith("entity-")
    assert slug_or_digest("Cina", "entity") == "cina"


def test_name_key_ignores_case_accents_and_spacing() -> None:
    assert name_key("  Stati   Uniti ") == name_key("stati uniti")
    assert name_key("Juščenko") == name_key("JUSCENKO")
    assert name_key("ByteDance") != name_key("Byte Dance")


def test_sentence_around_finds_the_sentence_of_the_span() -> None:
    text = "Primo periodo. Il secondo cita ByteDance qui! Terzo periodo."
    start = text.index("ByteDance")
    sentence, a, b = sentence_around(text, start, start + len("ByteDance"))
    assert sentence == "Il secondo cita ByteDance qui!"
    assert sentence[a:b] == "ByteDance"


def test_sentence_around_keeps_closing_quotes_with_their_sentence() -> None:
    text = "Disse: «Basta così.» Poi OpenAI rispose."
    start = text.index("OpenAI")
    sentence, a, b = sentence_around(text, start, start + 6)
    assert sentence == "Poi OpenAI rispose."
    assert sentence[a:b] == "OpenAI"


def test_long_sentences_are_clipped_around_the_mention() -> None:
    text = ("parola " * 80) + "ByteDance " + ("altra " * 80) + "fine."
    start = text.index("ByteDance")
    sentence, a, b = sentence_around(text, start, start + 9)
    assert len(sentence) <= 300
    assert sentence.startswith("… ") and sentence.endswith(" …")
    assert sentence[a:b] == "ByteDance"


def test_the_sentence_is_found_far_into_a_long_paragraph() -> None:
    """A sentence's start is looked for back from the mention, in a growing window: the same
    place as a scan of the whole paragraph from its start finds."""
    rng = random.Random(7)
    for _ in range(500):
        text = "".join(rng.choice("ab  .!?»”)\n") for _ in range(rng.randrange(1, 3000)))
        start = rng.randrange(len(text) + 1)
        scanned = [match.end() for match in _SENTENCE_END_RE.finditer(text, 0, start)]
        assert _last_sentence_end(text, start) == (scanned[-1] if scanned else 0), (text, start)
    text = "Primo. " + "parola " * 10000 + "ByteDance qui."
    start = text.index("ByteDance")
    assert sentence_around(text, start, start + 9)[0].endswith("ByteDance qui.")

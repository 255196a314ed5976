import datetime as dt

from generator.i18n import CATALOGS, format_date, plural, translate


def test_dates_read_naturally() -> None:
    assert format_date(dt.date(2025, 2, 10), "it") == "10 febbraio 2025"
    assert format_date(dt.date(2025, 2, 10), "en") == "10 February 2025"
    assert format_date(dt.datetime(2025, 12, 1, 9, 30), "it-IT") == "1 dicembre 2025"


def test_unknown_languages_fall_back_to_english() -> None:
    assert translate("fr", "entities") == "Entities"


def test_plurals_and_thousands() -> None:
    assert plural("it", "article_count", 1) == "1 articolo"
    assert plural("it", "article_count", 1155) == "1.155 articoli"
    assert plural("en", "article_count", 1155) == "1,155 articles"


def test_catalogs_have_the_same_keys() -> None:
    assert CATALOGS["it"].keys() == CATALOGS["en"].keys()

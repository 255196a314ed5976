from generator import urls as paths
from generator.config import normalize_base_url
from generator.urls import Urls


def test_root_site_links_are_root_relative() -> None:
    urls = Urls("/")
    assert urls.url(paths.article("x")) == "/articles/x/"
    assert urls.absolute("feed.xml") is None


def test_project_site_links_carry_the_base_path() -> None:
    urls = Urls("https://example.github.io/archive/")
    assert urls.url(paths.entity("cina", 2)) == "/archive/entities/cina/page/2/"
    assert urls.absolute(paths.FEED) == "https://example.github.io/archive/feed.xml"


def test_pretty_urls_are_directories() -> None:
    assert Urls.file_for("articles/x/") == "articles/x/index.html"
    assert Urls.file_for("") == "index.html"
    assert Urls.file_for("feed.xml") == "feed.xml"


def test_base_urls_are_normalised() -> None:
    assert normalize_base_url("https://example.github.io/archive") == "https://example.github.io/archive/"
    assert normalize_base_url("archive") == "/archive/"
    assert normalize_base_url("") == "/"

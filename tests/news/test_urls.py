"""Links in messages and the form of a URL that identifies a page."""

from bot.news.urls import find_urls, is_http_url, normalize_url


def test_is_http_url_accepts_https() -> None:
    assert is_http_url("https://news.example/a")


def test_is_http_url_refuses_other_schemes_and_words() -> None:
    assert not any(is_http_url(text) for text in ("ftp://x.example/f", "news.example/a", "hello", "http://"))


def test_find_urls_strips_sentence_punctuation() -> None:
    assert find_urls("Read this: https://news.example/a/b. Then that!") == ["https://news.example/a/b"]


def test_find_urls_keeps_balanced_parentheses() -> None:
    assert find_urls("see https://en.example/wiki/Foo_(bar)") == ["https://en.example/wiki/Foo_(bar)"]


def test_find_urls_reads_suppressed_embed_links() -> None:
    assert find_urls("<https://news.example/a>") == ["https://news.example/a"]


def test_find_urls_dedupes_and_limits() -> None:
    text = "https://a.example/1 https://a.example/1 https://b.example/2 https://c.example/3 https://d.example"
    assert find_urls(text, limit=3) == ["https://a.example/1", "https://b.example/2", "https://c.example/3"]


def test_normalize_url_removes_tracking_parameters_and_fragment() -> None:
    url = "HTTPS://News.Example:443/story?id=7&utm_source=tw&fbclid=abc#comments"
    assert normalize_url(url) == "https://news.example/story?id=7"


def test_normalize_url_keeps_non_default_port() -> None:
    assert normalize_url("http://127.0.0.1:8080/a") == "http://127.0.0.1:8080/a"


def test_normalize_url_keeps_ipv6_brackets() -> None:
    assert normalize_url("http://[::1]:8080/a#x") == "http://[::1]:8080/a"

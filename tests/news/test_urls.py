"""Links in messages and the form of a URL that identifies a page."""

from urllib.parse import quote

from bot.news.urls import find_urls, is_http_url, normalize_url, unwrap_redirect


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


GOOGLE_ALERT_LINK = (
    "https://www.google.com/url?rct=j&sa=t&url=https://www.theverge.com/2026/12/4/slack-ai-search"
    "&ct=ga&cd=CAIyGjE2ZGU0&usg=AOvVaw0abc"
)


def test_google_alerts_link_is_unwrapped_to_the_article() -> None:
    assert unwrap_redirect(GOOGLE_ALERT_LINK) == "https://www.theverge.com/2026/12/4/slack-ai-search"


def test_percent_encoded_bing_news_link_is_unwrapped() -> None:
    link = (
        "http://www.bing.com/news/apiclick.aspx?ref=FexRss&aid=&url=https%3a%2f%2fnews.example%2fa%3fid%3d7&mkt=en-us"
    )
    assert unwrap_redirect(link) == "https://news.example/a?id=7"


def test_wrapper_inside_a_wrapper_is_unwrapped_to_the_end() -> None:
    safe_link = "https://eur01.safelinks.protection.outlook.com/?url=" + quote(GOOGLE_ALERT_LINK, safe="")
    assert unwrap_redirect(safe_link) == "https://www.theverge.com/2026/12/4/slack-ai-search"


def test_wrapper_to_a_non_http_target_is_kept() -> None:
    link = "https://www.google.com/url?url=javascript:alert(1)"
    assert unwrap_redirect(link) == link


def test_url_parameter_of_an_unknown_host_is_not_followed() -> None:
    link = "https://news.example/share?url=https://elsewhere.example/"
    assert unwrap_redirect(link) == link


def test_known_wrapper_host_off_its_redirect_path_is_kept() -> None:
    link = "https://www.google.com/search?q=https://news.example/a"
    assert unwrap_redirect(link) == link

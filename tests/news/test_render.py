"""Rendering briefings for the terminal and as JSON."""

from datetime import date

from bot.news.errors import FetchError, FetchErrorKind
from bot.news.models import Article, Briefing, Quote, Summary
from bot.news.render import briefing_to_json, briefing_to_markdown, error_to_json

ARTICLE = Article(
    paragraphs=("The council approved the budget on Tuesday.", "“It is a fair deal,” Mayor Jane Ortiz said."),
    url="https://news.example/budget",
    title="Council approves budget",
    site="Example News",
    authors=("Sam Lee",),
    published=date(2026, 11, 24),
    language="en",
)
QUOTE = Quote(text="It is a fair deal,", speaker="Jane Ortiz", paragraph=1)
BRIEFING = Briefing(
    article=ARTICLE,
    summary=Summary(sentences=("The council approved the budget on Tuesday.",)),
    quotes=(QUOTE,),
    key_quotes=(QUOTE,),
)
JSON_KEYS = {
    "source", "url", "title", "site", "authors", "published", "language", "words",
    "text", "summary", "quotes", "key_quotes", "error",
}  # fmt: skip


def test_json_has_every_documented_key() -> None:
    assert set(briefing_to_json(BRIEFING, source="x.html")) == JSON_KEYS


def test_json_dates_are_iso() -> None:
    assert briefing_to_json(BRIEFING, source="x.html")["published"] == "2026-11-24"


def test_json_quotes_carry_speakers() -> None:
    assert briefing_to_json(BRIEFING, source="x.html")["key_quotes"] == [
        {"text": "It is a fair deal,", "speaker": "Jane Ortiz"}
    ]


def test_error_json_has_the_same_keys_and_the_error() -> None:
    record = error_to_json(FetchError(FetchErrorKind.TIMEOUT, "The page took too long"), source="u")
    assert set(record) == JSON_KEYS
    assert record["error"] == {"kind": "timeout", "message": "The page took too long"}


def test_markdown_shows_title_byline_and_quote() -> None:
    text = briefing_to_markdown(BRIEFING)
    assert text.startswith("# Council approves budget\nExample News · Sam Lee · 24 Nov 2026\n")
    assert "> “It is a fair deal,” — Jane Ortiz" in text


def test_markdown_reports_reading_time_and_compression() -> None:
    assert briefing_to_markdown(BRIEFING).endswith("_1 min read · 16 words → 7_")

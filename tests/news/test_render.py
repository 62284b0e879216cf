"""Rendering briefings and digests for the terminal and as JSON."""

from datetime import UTC, date, datetime

import pytest

from bot.i18n import messages_for
from bot.news.digest import Digest, DigestStory
from bot.news.errors import FetchError, FetchErrorKind
from bot.news.filters import HeldBack
from bot.news.models import Article, Briefing, Quote, Summary
from bot.news.render import (
    briefing_to_json,
    briefing_to_markdown,
    digest_header,
    digest_to_json,
    digest_to_text,
    error_to_json,
    failing_feeds_line,
    held_back_line,
    held_back_lines,
    length_note,
    nothing_new_line,
)

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
    "source", "url", "title", "site", "authors", "published", "language", "image", "words",
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


def test_markdown_reports_reading_time_and_length() -> None:
    assert briefing_to_markdown(BRIEFING).endswith("_1 min read · 16 words_")


def test_length_note_gives_minutes_at_230_words_a_minute() -> None:
    assert [length_note(words) for words in (1, 471, 1234)] == [
        "1 min read · 1 word",
        "2 min read · 471 words",
        "5 min read · 1,234 words",
    ]


@pytest.mark.parametrize(
    ("locale", "note"),
    [
        ("de", "5 Min. Lesezeit · 1.234 Wörter"),
        ("fr", "5 min de lecture · 1\u202f234 mots"),
        ("pt-BR", "5 min de leitura · 1.234 palavras"),
        ("ru", "5 мин чтения · 1\xa0234 слова"),
        ("pl", "5 min czytania · 1\xa0234 słowa"),
    ],
)
def test_length_note_reads_naturally_in_the_readers_language(locale: str, note: str) -> None:
    assert length_note(1234, messages_for(locale)) == note


# --- digests -----------------------------------------------------------------------------------


def make_digest(stories: int, sources: int, failing: tuple[str, ...] = ()) -> Digest:
    story = DigestStory(title="Bridge shut", url="https://a.example/b", links=(), outlets=("A",), summary=("S.",))
    return Digest(
        title="Morning briefing",
        local_date=date(2026, 11, 25),
        stories=(story,) * stories,
        source_count=sources,
        failing_feeds=failing,
    )


def test_header_counts_stories_and_sources() -> None:
    assert digest_header(make_digest(12, 5)) == "Morning briefing · 25 Nov 2026 · 12 stories from 5 sources"


def test_header_uses_singular_for_one() -> None:
    assert digest_header(make_digest(1, 1)) == "Morning briefing · 25 Nov 2026 · 1 story from 1 source"


def test_nothing_new_line_names_the_digest() -> None:
    assert nothing_new_line(make_digest(0, 0)) == "Morning briefing · 25 Nov 2026 · Nothing new since the last edition."


def test_failing_feeds_line_lists_them() -> None:
    assert failing_feeds_line(make_digest(1, 1, ("X", "Y"))) == "2 feeds could not be fetched: X, Y"
    assert failing_feeds_line(make_digest(1, 1, ("X",))) == "1 feed could not be fetched: X"
    assert failing_feeds_line(make_digest(1, 1)) is None


def test_digest_json_has_every_story_field() -> None:
    story = DigestStory(
        title="Library reopens",
        url="https://a.example/library",
        links=("https://a.example/library",),
        outlets=("A News",),
        summary=("The library reopened.",),
        key_quote=Quote(text="We are back", speaker="Grace Holloway", paragraph=1),
        published=datetime(2026, 11, 25, 6, 0, tzinfo=UTC),
        keywords_matched=1,
    )
    record = digest_to_json(Digest("Morning briefing", date(2026, 11, 25), (story,), 1))

    assert set(record) == {"title", "local_date", "source_count", "failing_feeds", "stories", "held_back"}
    assert set(record["stories"][0]) == {
        "title",
        "url",
        "links",
        "outlets",
        "summary",
        "key_quote",
        "published",
        "keywords_matched",
        "from_feed_summary",
        "image",
    }


def test_digest_text_shows_coverage_links_summary_and_footer() -> None:
    story = DigestStory(
        title="Harbour bridge closed",
        url="https://a.example/bridge",
        links=("https://a.example/bridge", "https://b.example/bridge"),
        outlets=("A News", "B Radio"),
        summary=("The bridge shut.", "Engineers inspect it."),
    )
    digest = Digest("Evening briefing", date(2026, 11, 25), (story,), 2, failing_feeds=("C Times",))

    assert digest_to_text(digest) == "\n".join(
        [
            "Evening briefing · 25 Nov 2026 · 1 story from 2 sources",
            "",
            "1. Harbour bridge closed",
            "   Covered by 2 outlets: A News, B Radio",
            "   https://a.example/bridge",
            "   https://b.example/bridge",
            "   The bridge shut. Engineers inspect it.",
            "",
            "1 feed could not be fetched: C Times",
        ]
    )


def test_held_back_line_names_each_rule_that_kept_stories_out() -> None:
    held = HeldBack(excluded=1, too_few_outlets=3)
    assert held_back_line(held) == "Held back 4 stories: 1 with an excluded word, 3 covered by too few outlets"


def test_held_back_line_is_none_when_nothing_was_held_back() -> None:
    assert held_back_line(HeldBack()) is None


def test_held_back_lines_give_a_line_to_each_rule_that_held_stories_back() -> None:
    held = HeldBack(not_included=1, outlet_cap=3)
    assert held_back_lines(held) == [
        "Held back 1 story without an included word",
        "Held back 3 stories over the per-outlet cap",
    ]
    assert held_back_lines(HeldBack()) == []

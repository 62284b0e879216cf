"""Briefings and digests as text for people (terminal Markdown, the digest's lines) and for programs (JSON).

The digest's header and footer lines are shared with `bot/embeds.py`, so the terminal and Discord say the same;
they take the reader's `Messages` (English on the terminal, the server's language on Discord).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.i18n import ENGLISH, Messages
from bot.news.digest import Digest, DigestStory
from bot.news.errors import N_, NewsError
from bot.news.filters import HeldBack
from bot.news.models import Briefing, Quote, reading_minutes

JsonObject = dict[str, Any]

NOTHING_NEW = N_("Nothing new since the last edition.")


def _quote_to_json(quote: Quote) -> JsonObject:
    return {"text": quote.text, "speaker": quote.speaker}


def briefing_to_json(briefing: Briefing, *, source: str) -> JsonObject:
    """The command line's JSON object for one input (one line of `summarize --json`)."""
    article = briefing.article
    return {
        "source": source,
        "url": article.canonical_url or article.url,
        "title": article.title,
        "site": article.site,
        "authors": list(article.authors),
        "published": article.published.isoformat() if article.published else None,
        "language": article.language,
        "image": article.image,
        "words": article.word_count,
        "text": article.text,
        "summary": list(briefing.summary.sentences),
        "quotes": [_quote_to_json(quote) for quote in briefing.quotes],
        "key_quotes": [_quote_to_json(quote) for quote in briefing.key_quotes],
        "error": None,
    }


def error_to_json(error: NewsError, *, source: str) -> JsonObject:
    """The JSON object for an input that failed: the same keys, empty, and the error."""
    return {
        "source": source,
        "url": None,
        "title": None,
        "site": None,
        "authors": [],
        "published": None,
        "language": None,
        "image": None,
        "words": 0,
        "text": "",
        "summary": [],
        "quotes": [],
        "key_quotes": [],
        "error": {"kind": error.kind, "message": error.message},
    }


def format_date(day: date) -> str:
    """'25 Nov 2026', the same on every platform (strftime's %-d is not portable)."""
    return f"{day.day} {day:%b %Y}"


def byline(briefing: Briefing) -> str:
    """'Outlet · Author, Author · 25 Nov 2026': the facts a reader checks first, those known."""
    article = briefing.article
    parts = [article.site, ", ".join(article.authors) or None]
    if article.published:
        parts.append(format_date(article.published))
    return " · ".join(part for part in parts if part)


def reading_note(briefing: Briefing, messages: Messages = ENGLISH) -> str:
    """'3 min read · 812 words': what reading the whole article takes."""
    return length_note(briefing.article.word_count, messages)


def length_note(word_count: int, messages: Messages = ENGLISH) -> str:
    """'3 min read · 812 words' for an article of `word_count` words, read at WORDS_PER_MINUTE, its
    numbers written as the reader's locale writes them ('1.234 Wörter', '1 234 mots')."""
    reading = messages.gettext("{minutes} min read", minutes=messages.number(reading_minutes(word_count)))
    words = messages.ngettext("{words} word", "{words} words", word_count, words=messages.number(word_count))
    return f"{reading} · {words}"


def format_quote(quote: Quote) -> str:
    speaker = f" — {quote.speaker}" if quote.speaker else ""
    return f"“{quote.text}”{speaker}"


def briefing_to_markdown(briefing: Briefing) -> str:
    """A briefing as Markdown for the terminal."""
    article = briefing.article
    lines = [f"# {article.title or 'Untitled'}"]
    if facts := byline(briefing):
        lines.append(facts)
    if link := article.canonical_url or article.url:
        lines.append(link)
    lines += ["", " ".join(briefing.summary.sentences)]
    if briefing.key_quotes:
        lines += ["", "Key quotes:"]
        lines += [f"> {format_quote(quote)}" for quote in briefing.key_quotes]
    lines += ["", f"_{reading_note(briefing)}_"]
    return "\n".join(lines)


# --- digests -----------------------------------------------------------------------------------


def digest_header(digest: Digest, messages: Messages = ENGLISH) -> str:
    """'Morning briefing · 25 Nov 2026 · 12 stories from 5 sources'."""
    count = len(digest.stories)
    stories = messages.ngettext("{count} story", "{count} stories", count, count=messages.number(count))
    sources = messages.ngettext(
        "{stories} from {count} source",
        "{stories} from {count} sources",
        digest.source_count,
        stories=stories,
        count=messages.number(digest.source_count),
    )
    return f"{messages.gettext(digest.title)} · {messages.date(digest.local_date)} · {sources}"


def nothing_new_line(digest: Digest, messages: Messages = ENGLISH) -> str:
    """'Evening briefing · 25 Nov 2026 · Nothing new since the last edition.': what a digest without stories says."""
    return f"{messages.gettext(digest.title)} · {messages.date(digest.local_date)} · {messages.gettext(NOTHING_NEW)}"


def failing_feeds_line(digest: Digest, messages: Messages = ENGLISH) -> str | None:
    """'2 feeds could not be fetched: X, Y', or None when every feed was read."""
    if not digest.failing_feeds:
        return None
    count = len(digest.failing_feeds)
    return messages.ngettext(
        "{count} feed could not be fetched: {feeds}",
        "{count} feeds could not be fetched: {feeds}",
        count,
        count=messages.number(count),
        feeds=", ".join(digest.failing_feeds),
    )


def held_back_line(held: HeldBack) -> str | None:
    """'Held back 7 stories: 2 with an excluded word, 5 over the per-outlet cap', or None when no rule
    kept a story out. English, like the command line that prints it."""
    if not held.total:
        return None
    reasons = [
        (held.excluded, "with an excluded word"),
        (held.not_included, "without an included word"),
        (held.too_few_outlets, "covered by too few outlets"),
        (held.outlet_cap, "over the per-outlet cap"),
    ]
    counted = ", ".join(f"{count} {reason}" for count, reason in reasons if count)
    stories = "story" if held.total == 1 else "stories"
    return f"Held back {held.total} {stories}: {counted}"


def held_back_lines(held: HeldBack, messages: Messages = ENGLISH) -> list[str]:
    """A line per rule that kept stories out of a digest ('Held back 2 stories with an excluded word'),
    in the reader's language: what /digest preview adds under its header. Empty when none did."""
    count = messages.number
    lines = []
    if held.excluded:
        lines.append(
            messages.ngettext(
                "Held back {count} story with an excluded word",
                "Held back {count} stories with an excluded word",
                held.excluded,
                count=count(held.excluded),
            )
        )
    if held.not_included:
        lines.append(
            messages.ngettext(
                "Held back {count} story without an included word",
                "Held back {count} stories without an included word",
                held.not_included,
                count=count(held.not_included),
            )
        )
    if held.too_few_outlets:
        lines.append(
            messages.ngettext(
                "Held back {count} story covered by too few outlets",
                "Held back {count} stories covered by too few outlets",
                held.too_few_outlets,
                count=count(held.too_few_outlets),
            )
        )
    if held.outlet_cap:
        lines.append(
            messages.ngettext(
                "Held back {count} story over the per-outlet cap",
                "Held back {count} stories over the per-outlet cap",
                held.outlet_cap,
                count=count(held.outlet_cap),
            )
        )
    return lines


def coverage_line(story: DigestStory) -> str:
    """'Covered by 3 outlets: A, B, C', or the one outlet's name."""
    if story.outlet_count == 1:
        return story.outlets[0]
    return f"Covered by {story.outlet_count} outlets: {', '.join(story.outlets)}"


def digest_to_json(digest: Digest) -> JsonObject:
    """The command line's JSON object for a digest (`newsbrief digest --json`)."""
    return {
        "title": digest.title,
        "local_date": digest.local_date.isoformat(),
        "source_count": digest.source_count,
        "failing_feeds": list(digest.failing_feeds),
        "stories": [
            {
                "title": story.title,
                "url": story.url,
                "links": list(story.links),
                "outlets": list(story.outlets),
                "summary": list(story.summary),
                "key_quote": (
                    {"text": story.key_quote.text, "speaker": story.key_quote.speaker} if story.key_quote else None
                ),
                "published": story.published.isoformat() if story.published else None,
                "keywords_matched": story.keywords_matched,
                "from_feed_summary": story.from_feed_summary,
                "image": story.image,
            }
            for story in digest.stories
        ],
        "held_back": {
            "excluded": digest.held_back.excluded,
            "not_included": digest.held_back.not_included,
            "too_few_outlets": digest.held_back.too_few_outlets,
            "outlet_cap": digest.held_back.outlet_cap,
        },
    }


def digest_to_text(digest: Digest) -> str:
    """A digest for the terminal: the header, then each story's title, outlets, links, summary and key quote."""
    if not digest.stories:
        lines = [nothing_new_line(digest)]
    else:
        lines = [digest_header(digest)]
        for number, story in enumerate(digest.stories, start=1):
            lines += ["", f"{number}. {story.title}", f"   {coverage_line(story)}"]
            lines += [f"   {link}" for link in story.links]
            if story.summary:
                lines.append(f"   {' '.join(story.summary)}")
            if story.from_feed_summary:
                lines.append("   (from the feed's summary: the page could not be read)")
            if story.key_quote:
                lines.append(f"   > {format_quote(story.key_quote)}")
    if footer := failing_feeds_line(digest):
        lines += ["", footer]
    return "\n".join(lines)

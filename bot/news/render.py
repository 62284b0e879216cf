"""Briefings as text for people (terminal Markdown) and for programs (JSON)."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.news.errors import NewsError
from bot.news.models import Briefing, Quote

JsonObject = dict[str, Any]


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


def reading_note(briefing: Briefing) -> str:
    """'3 min read · 812 words → 64'."""
    article = briefing.article
    return f"{article.reading_minutes} min read · {article.word_count} words → {briefing.summary.word_count}"


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

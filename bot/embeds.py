"""Briefings as Discord embeds, always within Discord's limits: the one bridge from core to discord."""

from __future__ import annotations

import re
from collections.abc import Sequence

import discord

from bot.news.models import Briefing, Quote
from bot.news.render import reading_note

# Discord's documented limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
EMBED_TITLE_LIMIT = 256
EMBED_DESCRIPTION_LIMIT = 4096
EMBED_FIELD_NAME_LIMIT = 256
EMBED_FIELD_VALUE_LIMIT = 1024
EMBED_FIELD_COUNT_LIMIT = 25
EMBED_FOOTER_LIMIT = 2048
EMBED_AUTHOR_LIMIT = 256
EMBED_TOTAL_LIMIT = 6000
"""Across every embed of one message, counting title, description, fields, footer and author."""
MESSAGE_EMBED_COUNT_LIMIT = 10
MESSAGE_CONTENT_LIMIT = 2000
INTERACTION_ACK_SECONDS = 3.0
"""An interaction not answered or deferred within this time is dead."""

ELLIPSIS = "…"
EMBED_COLOUR = discord.Colour(0x2B6CB0)

_SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’»)\]]*")


def fit_text(text: str, limit: int) -> str:
    """Shorten `text` to at most `limit` characters with an ellipsis: at a sentence end when one is
    at least halfway in, else at a word boundary; mid-word only when one word is longer than the limit.
    """
    text = text.strip()
    if len(text) <= limit:
        return text
    sentence_room = limit - len(" " + ELLIPSIS)
    sentence_ends = [
        match.end()
        for match in _SENTENCE_END.finditer(text, 0, sentence_room)
        if match.end() == len(text) or text[match.end()].isspace()
    ]
    if sentence_ends and sentence_ends[-1] >= sentence_room // 2:
        return f"{text[: sentence_ends[-1]]} {ELLIPSIS}"
    word_room = limit - len(ELLIPSIS)
    cut = text.rfind(" ", 0, word_room + 1)
    if cut <= 0:
        return text[:word_room] + ELLIPSIS
    return text[:cut].rstrip(" ,;:—-") + ELLIPSIS


def fit_sentences(sentences: Sequence[str], limit: int) -> str:
    """Join whole sentences while they fit in `limit`, marking a cut with an ellipsis; a first
    sentence too long on its own is shortened with `fit_text`."""
    kept: list[str] = []
    for sentence in sentences:
        if len(" ".join([*kept, sentence])) > limit:
            break
        kept.append(sentence)
    else:
        return " ".join(kept)
    if not kept:
        return fit_text(sentences[0], limit)
    text = " ".join(kept)
    return f"{text} {ELLIPSIS}" if len(text) + len(" " + ELLIPSIS) <= limit else text


def quote_field(quote: Quote) -> tuple[str, str]:
    """A key quote as an embed field: the speaker as the name, the words as the value."""
    name = fit_text(f"— {quote.speaker}" if quote.speaker else "— Unattributed", EMBED_FIELD_NAME_LIMIT)
    value = f"“{fit_text(quote.text, EMBED_FIELD_VALUE_LIMIT - 2)}”"
    return name, value


def briefing_embed(briefing: Briefing) -> discord.Embed:
    """The answer to /summarize: title linked to the article, outlet and author, the summary,
    key quotes as fields, and the date, reading time and compression in the footer."""
    article = briefing.article
    link = article.canonical_url or article.url
    embed = discord.Embed(
        title=fit_text(article.title or link or "Untitled article", EMBED_TITLE_LIMIT),
        url=link,
        colour=EMBED_COLOUR,
        description=fit_sentences(briefing.summary.sentences, EMBED_DESCRIPTION_LIMIT),
    )
    author = " · ".join(part for part in (article.site, ", ".join(article.authors)) if part)
    if author:
        embed.set_author(name=fit_text(author, EMBED_AUTHOR_LIMIT))
    footer = reading_note(briefing)
    if article.published:
        footer = f"Published {article.published.day} {article.published:%b %Y} · {footer}"
    embed.set_footer(text=fit_text(footer, EMBED_FOOTER_LIMIT))
    for quote in briefing.key_quotes[:EMBED_FIELD_COUNT_LIMIT]:
        name, value = quote_field(quote)
        if len(embed) + len(name) + len(value) > EMBED_TOTAL_LIMIT:
            break
        embed.add_field(name=name, value=value, inline=False)
    overflow = len(embed) - EMBED_TOTAL_LIMIT
    if overflow > 0 and embed.description:
        embed.description = fit_sentences(briefing.summary.sentences, max(1, len(embed.description) - overflow))
    return embed

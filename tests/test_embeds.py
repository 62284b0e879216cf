"""Briefing embeds stay within Discord's limits and cut text at sensible places."""

from dataclasses import replace
from datetime import date

import discord

from bot.discord_limits import (
    EMBED_DESCRIPTION_LIMIT,
    EMBED_FIELD_VALUE_LIMIT,
    EMBED_TITLE_LIMIT,
    EMBED_TOTAL_LIMIT,
    EMBED_URL_LIMIT,
)
from bot.embeds import briefing_embed, fit_sentences, fit_text, read_article_view
from bot.news.models import Article, Briefing, Quote, Summary

LONG_SENTENCE = "The committee heard evidence from dozens of witnesses over several weeks of hearings. "


def make_briefing(*, title: str = "Budget passes", sentences: tuple[str, ...] = ("It passed.",), quotes=()):
    article = Article(
        paragraphs=("It passed.",),
        url="https://news.example/a?utm_source=x",
        canonical_url="https://news.example/a",
        title=title,
        site="Example News",
        authors=("Sam Lee", "Ana Ruiz"),
        published=date(2026, 11, 24),
    )
    return Briefing(article=article, summary=Summary(sentences=sentences), quotes=quotes, key_quotes=quotes)


def test_fit_text_leaves_short_text_alone() -> None:
    assert fit_text("Short enough.", 50) == "Short enough."


def test_fit_text_cuts_at_a_sentence_end() -> None:
    text = "First sentence is here. Second sentence is much longer than the room left for it."
    assert fit_text(text, 40) == "First sentence is here. …"


def test_fit_text_cuts_at_a_word_boundary_without_a_sentence_end() -> None:
    assert fit_text("alpha beta gamma delta epsilon", 17) == "alpha beta gamma…"


def test_fit_text_never_exceeds_the_limit() -> None:
    text = LONG_SENTENCE * 40
    assert all(len(fit_text(text, limit)) <= limit for limit in (10, 99, 256, 1024, 4096))


def test_fit_text_cuts_a_single_huge_word() -> None:
    assert fit_text("x" * 300, 10) == "x" * 9 + "…"


def test_fit_sentences_keeps_whole_sentences_and_marks_the_cut() -> None:
    assert fit_sentences(["One two.", "Three four.", "Five six seven."], 24) == "One two. Three four. …"


def test_embed_title_links_to_canonical_url() -> None:
    embed = briefing_embed(make_briefing())
    assert (embed.title, embed.url) == ("Budget passes", "https://news.example/a")


def test_embed_author_names_outlet_and_authors() -> None:
    assert briefing_embed(make_briefing()).author.name == "Example News · Sam Lee, Ana Ruiz"


def test_embed_footer_reads_date_reading_time_and_length() -> None:
    footer = briefing_embed(make_briefing()).footer.text
    assert footer == "Published 24 Nov 2026 · 1 min read · 2 words"


def test_embed_thumbnail_is_the_articles_picture() -> None:
    briefing = make_briefing()
    pictured = replace(briefing, article=replace(briefing.article, image="https://cdn.example/budget.jpg"))
    assert (briefing_embed(briefing).thumbnail.url, briefing_embed(pictured).thumbnail.url) == (
        None,
        "https://cdn.example/budget.jpg",
    )


def test_embed_leaves_out_a_picture_address_discord_would_refuse() -> None:
    briefing = make_briefing()
    too_long = "https://cdn.example/" + "a" * EMBED_URL_LIMIT
    assert briefing_embed(replace(briefing, article=replace(briefing.article, image=too_long))).thumbnail.url is None


def test_embed_leaves_out_a_title_link_discord_would_refuse() -> None:
    briefing = make_briefing()
    too_long = "https://news.example/" + "a" * EMBED_URL_LIMIT
    assert briefing_embed(replace(briefing, article=replace(briefing.article, canonical_url=too_long))).url is None


def test_read_the_article_button_links_the_canonical_url() -> None:
    (button,) = read_article_view(make_briefing()).children
    assert isinstance(button, discord.ui.Button)
    assert (button.label, button.url, button.style, button.custom_id) == (
        "Read the article",
        "https://news.example/a",
        discord.ButtonStyle.link,
        None,
    )


def test_article_without_an_address_gets_no_button() -> None:
    briefing = make_briefing()
    unlinked = replace(briefing, article=replace(briefing.article, url=None, canonical_url=None))
    assert read_article_view(unlinked).to_components() == []


def test_embed_key_quote_field_names_speaker() -> None:
    quote = Quote(text="We will not back down.", speaker="Jane Ortiz")
    field = briefing_embed(make_briefing(quotes=(quote,))).fields[0]
    assert (field.name, field.value) == ("— Jane Ortiz", "“We will not back down.”")


def test_embed_respects_every_limit_on_huge_input() -> None:
    quotes = tuple(Quote(text=LONG_SENTENCE * 30, speaker="S" * 400) for _ in range(30))
    embed = briefing_embed(
        make_briefing(title="T" * 1000, sentences=tuple([LONG_SENTENCE.strip()] * 200), quotes=quotes)
    )
    assert len(embed.title or "") <= EMBED_TITLE_LIMIT
    assert len(embed.description or "") <= EMBED_DESCRIPTION_LIMIT
    assert all(len(field.value or "") <= EMBED_FIELD_VALUE_LIMIT for field in embed.fields)
    assert len(embed) <= EMBED_TOTAL_LIMIT

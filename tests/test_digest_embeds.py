"""Digest stories as embeds, packed into as few messages as Discord's limits allow."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.discord_limits import (
    ACTION_ROW_LIMIT,
    BUTTON_LABEL_LIMIT,
    BUTTONS_PER_ROW_LIMIT,
    EMBED_DESCRIPTION_LIMIT,
    EMBED_FIELD_VALUE_LIMIT,
    EMBED_FOOTER_LIMIT,
    EMBED_TITLE_LIMIT,
    EMBED_TOTAL_LIMIT,
    EMBED_URL_LIMIT,
    MESSAGE_EMBED_COUNT_LIMIT,
)
from bot.embeds import ArticleLink, coverage_field, link_view, pack_digest, story_embed
from bot.i18n import messages_for
from bot.news.digest import Digest, DigestStory
from bot.news.models import Quote

PUBLISHED = datetime(2026, 11, 25, 6, 40, tzinfo=UTC)
LONG_SENTENCE = (
    "Engineers spent the whole night inspecting the cracked concrete at the base of the pillar, working from "
    "barges moored beside the bridge while divers examined the foundations below the waterline in cold water."
)


def make_story(
    number: int = 1,
    *,
    outlets: tuple[str, ...] = ("Harbour Gazette",),
    summary: tuple[str, ...] = ("The harbour bridge closed after a ship struck it.", "Engineers found cracks."),
    quote: Quote | None = None,
    from_feed_summary: bool = False,
    image: str | None = None,
) -> DigestStory:
    hosts = [outlet.lower().replace(" ", "-") for outlet in outlets]
    links = tuple(f"https://{host}.example/news/story-{number}" for host in hosts)
    return DigestStory(
        title=f"Harbour bridge closed after ship strike, story {number}",
        url=links[0],
        links=links,
        outlets=outlets,
        summary=summary,
        key_quote=quote,
        published=PUBLISHED,
        item_keys=tuple((f"https://{host}.example/feed.xml", f"guid:{number}") for host in hosts),
        from_feed_summary=from_feed_summary,
        outlet_links=tuple(zip(outlets, links, strict=True)),
        image=image,
    )


def make_digest(stories: tuple[DigestStory, ...], *, failing: tuple[str, ...] = ()) -> Digest:
    sources = {outlet for story in stories for outlet in story.outlets}
    return Digest(
        title="Morning briefing",
        local_date=date(2026, 11, 25),
        stories=stories,
        source_count=len(sources),
        failing_feeds=failing,
    )


def long_story(number: int) -> DigestStory:
    return make_story(
        number,
        outlets=("Harbour Gazette", "Bay Radio News", "Coast Times"),
        summary=(LONG_SENTENCE,) * 3,
        quote=Quote(text=LONG_SENTENCE * 4, speaker="Ellen Marsh"),
    )


# --- story_embed -----------------------------------------------------------------------------------


def test_story_embed_links_its_title_and_shows_the_summary() -> None:
    embed = story_embed(make_story())
    assert (embed.title, embed.url) == (
        "Harbour bridge closed after ship strike, story 1",
        "https://harbour-gazette.example/news/story-1",
    )
    assert embed.description == "The harbour bridge closed after a ship struck it. Engineers found cracks."
    assert embed.timestamp == PUBLISHED


def test_story_embed_shows_the_key_quote_under_its_speaker() -> None:
    embed = story_embed(make_story(quote=Quote(text="We will not reopen it yet", speaker="Ellen Marsh")))
    assert [(field.name, field.value) for field in embed.fields] == [("— Ellen Marsh", "“We will not reopen it yet”")]


def test_story_embed_names_a_single_outlet_in_the_footer() -> None:
    embed = story_embed(make_story())
    assert (embed.footer.text, embed.fields) == ("Harbour Gazette", [])


def test_story_embed_links_every_outlet_when_several_covered_it() -> None:
    embed = story_embed(make_story(outlets=("Harbour Gazette", "Bay Radio News", "Coast Times")))
    (field,) = embed.fields
    assert field.name == "Covered by 3 outlets"
    assert field.value == (
        "[Harbour Gazette](https://harbour-gazette.example/news/story-1) · "
        "[Bay Radio News](https://bay-radio-news.example/news/story-1) · "
        "[Coast Times](https://coast-times.example/news/story-1)"
    )


def test_story_embed_footer_gives_the_articles_reading_time_after_its_outlet() -> None:
    embed = story_embed(replace(make_story(), word_count=471))
    assert embed.footer.text == "Harbour Gazette · 2 min read · 471 words"


def test_story_embed_footer_reads_in_the_servers_language() -> None:
    embed = story_embed(replace(make_story(), word_count=1234), messages=messages_for("de"))
    assert embed.footer.text == "Harbour Gazette · 5 Min. Lesezeit · 1.234 Wörter"


def test_story_embed_says_when_the_summary_came_from_the_feed() -> None:
    embed = story_embed(make_story(from_feed_summary=True))
    assert embed.footer.text == "Harbour Gazette · Summary from the feed (the page could not be read)"


def test_coverage_field_stays_within_the_field_limit_and_counts_the_rest() -> None:
    outlets = tuple(f"Regional Outlet Number {n}" for n in range(40))
    name, value = coverage_field(make_story(outlets=outlets))
    assert name == "Covered by 40 outlets"
    assert len(value) <= EMBED_FIELD_VALUE_LIMIT
    assert value.endswith(" more")


def test_coverage_field_keeps_a_bracket_in_an_outlet_name_from_breaking_the_link() -> None:
    story = make_story(outlets=("The [Daily] Post", "Bay Radio News"))
    _, value = coverage_field(story)
    assert value.startswith(r"[The \[Daily\] Post](https://")


def test_story_embed_stays_within_every_limit_with_huge_text() -> None:
    story = make_story(
        outlets=tuple(f"Outlet {n}" for n in range(30)),
        summary=(LONG_SENTENCE * 30,) * 3,
        quote=Quote(text=LONG_SENTENCE * 20, speaker="Ellen Marsh " * 40),
        from_feed_summary=True,
    )
    embed = story_embed(story, footer_note="3 feeds could not be fetched: " + "https://dead.example/feed, " * 100)
    assert len(embed) <= EMBED_TOTAL_LIMIT
    assert len(embed.title or "") <= EMBED_TITLE_LIMIT
    assert len(embed.description or "") <= EMBED_DESCRIPTION_LIMIT
    assert len(embed.footer.text or "") <= EMBED_FOOTER_LIMIT
    assert all(len(field.value or "") <= EMBED_FIELD_VALUE_LIMIT for field in embed.fields)


# --- pack_digest -----------------------------------------------------------------------------------


def test_sixty_long_stories_pack_within_discords_limits() -> None:
    digest = make_digest(tuple(long_story(n) for n in range(60)))
    messages = pack_digest(digest)

    assert len(messages) > 6  # 60 embeds of this size cannot fit in six messages of 10
    for message in messages:
        assert 1 <= len(message.embeds) <= MESSAGE_EMBED_COUNT_LIMIT
        assert sum(len(embed) for embed in message.embeds) <= EMBED_TOTAL_LIMIT


def test_packing_keeps_every_story_once_and_in_order() -> None:
    digest = make_digest(tuple(long_story(n) for n in range(60)))
    titles = [embed.title for message in pack_digest(digest) for embed in message.embeds]
    assert titles == [story.title for story in digest.stories]


def test_short_stories_pack_ten_to_a_message() -> None:
    digest = make_digest(tuple(make_story(n) for n in range(25)))
    assert [len(message.embeds) for message in pack_digest(digest)] == [10, 10, 5]


def test_header_is_the_first_messages_content_only() -> None:
    digest = make_digest(tuple(make_story(n) for n in range(12)))
    messages = pack_digest(digest)
    assert [message.content for message in messages] == [
        "Morning briefing · 25 Nov 2026 · 12 stories from 1 source",
        None,
    ]


def test_item_keys_travel_with_the_message_that_holds_their_story() -> None:
    digest = make_digest(tuple(long_story(n) for n in range(60)))
    by_title = {story.title: story.item_keys for story in digest.stories}
    for message in pack_digest(digest):
        expected = tuple(key for embed in message.embeds for key in by_title[embed.title or ""])
        assert message.item_keys == expected


def test_last_story_footer_names_the_failing_feeds() -> None:
    digest = make_digest(tuple(make_story(n) for n in range(12)), failing=("Coast Times", "Bay Radio News"))
    messages = pack_digest(digest)
    footers = [embed.footer.text for message in messages for embed in message.embeds]
    assert footers[-1] == "Harbour Gazette\n2 feeds could not be fetched: Coast Times, Bay Radio News"
    assert all("could not be fetched" not in (footer or "") for footer in footers[:-1])


@pytest.mark.parametrize(
    ("failing", "content"),
    [
        ((), "Morning briefing · 25 Nov 2026 · Nothing new since the last edition."),
        (
            ("Coast Times",),
            "Morning briefing · 25 Nov 2026 · Nothing new since the last edition.\n"
            "1 feed could not be fetched: Coast Times",
        ),
    ],
)
def test_digest_without_stories_is_one_nothing_new_message(failing: tuple[str, ...], content: str) -> None:
    (message,) = pack_digest(make_digest((), failing=failing))
    assert (message.content, message.embeds, message.item_keys) == (content, (), ())


# --- pictures and link buttons ---------------------------------------------------------------------


def test_story_embed_shows_the_storys_picture_as_its_thumbnail() -> None:
    pictured = story_embed(make_story(image="https://cdn.example/bridge.jpg"))
    assert (pictured.thumbnail.url, story_embed(make_story()).thumbnail.url) == ("https://cdn.example/bridge.jpg", None)


def test_story_embed_leaves_out_addresses_discord_would_refuse() -> None:
    too_long = "https://cdn.example/" + "a" * EMBED_URL_LIMIT
    embed = story_embed(replace(make_story(image=too_long), url=too_long))
    assert (embed.url, embed.thumbnail.url) == (None, None)


def buttons(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [button for row in rows for button in row["components"]]


def test_a_message_of_one_story_has_a_read_the_article_button() -> None:
    (message,) = pack_digest(make_digest((make_story(),)))
    (button,) = buttons(message.view().to_components())
    assert (button["label"], button["url"], button["style"], "custom_id" in button) == (
        "Read the article",
        "https://harbour-gazette.example/news/story-1",
        5,
        False,
    )


def test_a_message_of_several_stories_has_a_button_per_story_named_for_its_headline() -> None:
    digest = make_digest(tuple(make_story(n) for n in range(12)))
    for message in pack_digest(digest):
        labels = [button["label"] for button in buttons(message.view().to_components())]
        assert labels == [embed.title for embed in message.embeds]


def test_a_story_without_a_link_has_no_button() -> None:
    unlinked = replace(make_story(2), url=None)
    (message,) = pack_digest(make_digest((make_story(1), unlinked)))
    assert [button["url"] for button in buttons(message.view().to_components())] == [
        "https://harbour-gazette.example/news/story-1"
    ]


def test_link_buttons_stay_within_five_rows_of_five_with_labels_of_80() -> None:
    links = [ArticleLink("Headline " * 20, f"https://news.example/{n}") for n in range(40)]
    links.append(ArticleLink("Not a web page", "ftp://news.example/a"))
    links.append(ArticleLink("Too long", "https://news.example/" + "a" * 600))
    rows = link_view(links).to_components()
    assert len(rows) <= ACTION_ROW_LIMIT
    assert all(len(row["components"]) <= BUTTONS_PER_ROW_LIMIT for row in rows)
    assert all(len(button["label"]) <= BUTTON_LABEL_LIMIT for button in buttons(rows))
    assert len(buttons(rows)) == ACTION_ROW_LIMIT * BUTTONS_PER_ROW_LIMIT


def test_five_link_buttons_or_fewer_take_a_row_each() -> None:
    rows = link_view([ArticleLink(f"Story {n}", f"https://news.example/{n}") for n in range(5)]).to_components()
    assert [len(row["components"]) for row in rows] == [1, 1, 1, 1, 1]

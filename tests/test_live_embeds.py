"""Live posts' looks: one story a message with its button, and the stories held over the cap listed in
one embed within Discord's limits, their links readable back (how a taker finds the message)."""

from __future__ import annotations

from bot.discord_limits import EMBED_DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT
from bot.embeds import held_stories_message, live_story_message
from bot.i18n import messages_for
from bot.live import HeldStory
from bot.news.digest import DigestStory
from bot.poster import embed_links
from bot.store.live import Coverage


def held(number: int) -> HeldStory:
    return HeldStory(
        title=f"Harbour council votes on the new ferry pier, part {number}",
        coverage=(
            Coverage("Harbour Courier", f"https://courier.example/news/{number}"),
            Coverage("Island Gazette", f"https://gazette.example/{number}"),
        ),
    )


def test_the_combined_message_links_each_headline_and_its_outlets() -> None:
    message = held_stories_message([held(1), held(2)])

    (embed,) = message.embeds
    assert embed.title == "2 more stories this hour"
    assert "[Harbour council votes on the new ferry pier, part 1](https://courier.example/news/1)" in (
        embed.description or ""
    )
    assert "[Island Gazette](https://gazette.example/2)" in (embed.description or "")


def test_the_combined_message_stays_within_one_embed_and_says_how_many_more() -> None:
    message = held_stories_message([held(number) for number in range(200)])

    (embed,) = message.embeds
    assert len(embed.description or "") <= EMBED_DESCRIPTION_LIMIT
    assert len(embed) <= EMBED_TOTAL_LIMIT
    shown = (embed.description or "").count("gazette.example")
    assert (embed.description or "").endswith(f"+{200 - shown} more")


def test_the_combined_message_is_in_the_servers_language() -> None:
    (embed,) = held_stories_message([held(1), held(2), held(3)], messages_for("de")).embeds

    assert embed.title == "3 weitere Meldungen in dieser Stunde"


def test_a_combined_messages_links_are_read_back_from_its_embed() -> None:
    links = embed_links(held_stories_message([held(1), held(2)]).embeds)

    assert {"https://courier.example/news/2", "https://gazette.example/1"} <= links


def test_a_live_post_is_one_story_embed_with_a_read_the_article_button() -> None:
    story = DigestStory(
        title="Ferry pier approved",
        url="https://courier.example/news/1",
        links=("https://courier.example/news/1",),
        outlets=("Harbour Courier",),
        summary=("The council approved the pier.",),
    )

    message = live_story_message(story)

    assert [embed.title for embed in message.embeds] == ["Ferry pier approved"]
    assert [(link.label, link.url) for link in message.links] == [
        ("Read the article", "https://courier.example/news/1")
    ]

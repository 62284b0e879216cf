"""/feeds and /digests through the real client and the fake Discord: every member reads them, a page
at a time."""

from __future__ import annotations

import re
from datetime import time

from bot.client import NewsBot
from bot.i18n import messages_for
from bot.paginator import NEXT_LABEL
from bot.replies import PAUSE_REASONS
from bot.store import PauseReason
from newsbrief_testkit.fake_discord import DEFAULT_PERMISSIONS, FakeDiscord

FEEDS = 50
"""The most feeds a server may follow: a list the old single embed cut at 43."""
MEMBER = 1_150_000_000_000_000_042
FEED_ADDRESS = re.compile(r"<(https://[^>]+)>")


async def follow_feeds(bot: NewsBot, guild_id: int, count: int) -> list[str]:
    urls = [f"https://outlet{number}.example/news/feed.xml" for number in range(count)]
    for url in urls:
        await bot.store.add_guild_feed(guild_id, url, added_by=MEMBER)
    return urls


async def test_feeds_pages_through_all_fifty(news_bot: NewsBot, fake: FakeDiscord) -> None:
    urls = await follow_feeds(news_bot, fake.guild_id, FEEDS)
    interaction = await fake.send_slash_command("feeds", permissions=DEFAULT_PERMISSIONS)
    await fake.wait_for_callback(interaction, status=200)
    message = interaction.original
    assert message is not None
    seen = FEED_ADDRESS.findall(message["embeds"][0]["description"])
    while any(
        button["label"] == NEXT_LABEL and not button.get("disabled")
        for button in message["components"][0]["components"]
    ):
        await fake.wait_for_callback(await fake.press_button(message, label=NEXT_LABEL), status=200)
        seen += FEED_ADDRESS.findall(message["embeds"][0]["description"])
    assert seen == urls


async def test_feeds_says_how_to_add_one_when_there_are_none(news_bot: NewsBot, fake: FakeDiscord) -> None:
    interaction = await fake.send_slash_command("feeds")
    callback = await fake.wait_for_callback(interaction, status=200)
    assert "/feed add" in callback.json["data"]["content"]


async def test_feeds_that_fit_one_page_have_no_buttons(news_bot: NewsBot, fake: FakeDiscord) -> None:
    await follow_feeds(news_bot, fake.guild_id, 3)
    interaction = await fake.send_slash_command("feeds")
    callback = await fake.wait_for_callback(interaction, status=200)
    assert callback.json["data"].get("components", []) == []


async def test_digests_is_open_to_everyone(news_bot: NewsBot, fake: FakeDiscord) -> None:
    await news_bot.store.subscribe(
        fake.guild_id, fake.channel_id, created_by=MEMBER, local_time=time(7, 30), timezone="Europe/Paris"
    )
    interaction = await fake.send_slash_command("digests", permissions=DEFAULT_PERMISSIONS)
    callback = await fake.wait_for_callback(interaction, status=200)
    assert callback.json["data"]["embeds"][0]["description"].startswith(f"<#{fake.channel_id}> at 07:30 Europe/Paris")


async def test_digests_gives_a_pause_reason_in_the_users_locale(news_bot: NewsBot, fake: FakeDiscord) -> None:
    await news_bot.store.subscribe(
        fake.guild_id, fake.channel_id, created_by=MEMBER, local_time=time(7, 30), timezone="Europe/Paris"
    )
    await news_bot.store.pause_subscription(fake.guild_id, fake.channel_id, reason=PauseReason.CHANNEL_FORBIDDEN)

    interaction = await fake.send_slash_command("digests", permissions=DEFAULT_PERMISSIONS, locale="fr")
    callback = await fake.wait_for_callback(interaction, status=200)

    french = messages_for("fr")
    reason = french.gettext(PAUSE_REASONS[PauseReason.CHANNEL_FORBIDDEN])
    assert reason != PAUSE_REASONS[PauseReason.CHANNEL_FORBIDDEN]
    assert french.gettext("**paused**: {reason}", reason=reason) in callback.json["data"]["embeds"][0]["description"]

"""/about through the real client and the fake Discord."""

from __future__ import annotations

from datetime import time
from typing import Any

from bot import README_URL, __version__
from bot.client import NewsBot
from newsbrief_testkit.fake_discord import DEFAULT_PERMISSIONS, MANAGE_GUILD, FakeDiscord

from .conftest import private_reply

MEMBER = 1_150_000_000_000_000_042


async def about_fields(fake: FakeDiscord) -> dict[str, Any]:
    interaction = await fake.send_slash_command("about")
    callback = await fake.wait_for_callback(interaction, status=200)
    embed = callback.json["data"]["embeds"][0]
    return {"title": embed["title"]} | {field["name"]: field["value"] for field in embed["fields"]}


async def test_about_shows_the_version_servers_feeds_and_the_readme(news_bot: NewsBot, fake: FakeDiscord) -> None:
    await news_bot.store.add_guild_feed(fake.guild_id, "https://outlet.example/feed.xml", added_by=MEMBER)
    assert await about_fields(fake) == {
        "title": f"newsbrief {__version__}",
        "Servers": "1",
        "Feeds followed": "1",
        "Last feed refresh": "never",
        "Digests posted today (UTC)": "0",
        "Commands and setup": f"[README]({README_URL})",
    }


async def test_about_counts_a_digest_posted_today(news_bot: NewsBot, fake: FakeDiscord) -> None:
    await news_bot.store.subscribe(
        fake.guild_id, fake.channel_id, created_by=MEMBER, local_time=time(7, 30), timezone="Europe/Paris"
    )
    posting = await fake.send_slash_command("digest now", permissions=DEFAULT_PERMISSIONS | MANAGE_GUILD)
    assert "posted" in await private_reply(fake, posting)
    assert (await about_fields(fake))["Digests posted today (UTC)"] == "1"

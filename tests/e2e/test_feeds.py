"""/feed through the real client and the fake Discord, with feeds served on 127.0.0.1."""

from __future__ import annotations

import pytest

from bot.client import NewsBot
from bot.i18n import messages_for
from newsbrief_testkit.fake_discord import DEFAULT_PERMISSIONS, FakeDiscord
from newsbrief_testkit.local_site import LocalSite

from .conftest import private_reply

MANAGE_GUILD = 1 << 5
ADMIN_PERMISSIONS = DEFAULT_PERMISSIONS | MANAGE_GUILD
MEMBER = 1_150_000_000_000_000_042
RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Coastline Herald</title><link>https://coastline.example/</link>
<description>News from the coast</description>
<item><title>Harbour tunnel opens</title><link>https://coastline.example/tunnel</link>
<guid>tunnel-2026</guid><description>The tunnel opened on Thursday.</description>
<pubDate>Thu, 20 Nov 2026 08:30:00 GMT</pubDate></item>
</channel></rss>"""
SITE_PAGE = """<html><head><title>Coastline Herald</title>
<link rel="alternate" type="application/rss+xml" title="RSS" href="/feed.xml"></head>
<body><h1>Coastline Herald</h1></body></html>"""


@pytest.fixture
def feed_url(local_site: LocalSite) -> str:
    return local_site.add("/feed.xml", RSS, content_type="application/rss+xml")


async def follow(fake: FakeDiscord, url: str) -> str:
    """Follow a feed as an admin; the bot's private answer."""
    interaction = await fake.send_slash_command("feed add", {"url": url}, permissions=ADMIN_PERMISSIONS)
    return await private_reply(fake, interaction)


async def test_feed_add_follows_an_rss_feed(news_bot: NewsBot, fake: FakeDiscord, feed_url: str) -> None:
    interaction = await fake.send_slash_command("feed add", {"url": feed_url}, permissions=ADMIN_PERMISSIONS)
    assert "Now following **Coastline Herald**" in await private_reply(fake, interaction)


async def test_feed_add_finds_the_feed_of_a_site(
    news_bot: NewsBot, fake: FakeDiscord, local_site: LocalSite, feed_url: str
) -> None:
    site = local_site.add("/", SITE_PAGE)
    interaction = await fake.send_slash_command("feed add", {"url": site}, permissions=ADMIN_PERMISSIONS)
    await private_reply(fake, interaction)
    followed = await news_bot.store.list_guild_feeds(fake.guild_id)
    assert [entry.feed.url for entry in followed] == [feed_url]


async def test_feed_add_needs_manage_server(news_bot: NewsBot, fake: FakeDiscord, feed_url: str) -> None:
    interaction = await fake.send_slash_command("feed add", {"url": feed_url}, permissions=DEFAULT_PERMISSIONS)
    assert "Manage Server" in await private_reply(fake, interaction)


async def test_feed_add_refused_leaves_nothing_stored(news_bot: NewsBot, fake: FakeDiscord, feed_url: str) -> None:
    interaction = await fake.send_slash_command("feed add", {"url": feed_url}, permissions=DEFAULT_PERMISSIONS)
    await private_reply(fake, interaction)
    assert await news_bot.store.list_guild_feeds(fake.guild_id) == []


async def test_feed_add_reports_a_page_without_a_feed(
    news_bot: NewsBot, fake: FakeDiscord, local_site: LocalSite
) -> None:
    page = local_site.add("/plain", "<html><body><p>No feeds here.</p></body></html>")
    interaction = await fake.send_slash_command("feed add", {"url": page}, permissions=ADMIN_PERMISSIONS)
    reply = await private_reply(fake, interaction)
    assert "feed" in reply.lower()


async def test_feeds_is_open_to_everyone(news_bot: NewsBot, fake: FakeDiscord, feed_url: str) -> None:
    await private_reply(
        fake, await fake.send_slash_command("feed add", {"url": feed_url}, permissions=ADMIN_PERMISSIONS)
    )
    interaction = await fake.send_slash_command("feeds", permissions=DEFAULT_PERMISSIONS)
    callback = await fake.wait_for_callback(interaction, status=200)
    assert feed_url in callback.json["data"]["embeds"][0]["description"]


async def test_feed_remove_autocomplete_offers_the_servers_feeds(
    news_bot: NewsBot, fake: FakeDiscord, feed_url: str
) -> None:
    await private_reply(
        fake, await fake.send_slash_command("feed add", {"url": feed_url}, permissions=ADMIN_PERMISSIONS)
    )
    interaction = await fake.send_autocomplete("feed remove", {"feed": "coast"}, focused="feed")
    callback = await fake.wait_for_callback(interaction, status=200)
    assert [choice["name"] for choice in callback.json["data"]["choices"]] == [f"Coastline Herald ({feed_url})"]


async def test_feed_remove_stops_following(news_bot: NewsBot, fake: FakeDiscord, feed_url: str) -> None:
    await private_reply(
        fake, await fake.send_slash_command("feed add", {"url": feed_url}, permissions=ADMIN_PERMISSIONS)
    )
    feed_id = (await news_bot.store.list_guild_feeds(fake.guild_id))[0].feed.id
    interaction = await fake.send_slash_command("feed remove", {"feed": str(feed_id)}, permissions=ADMIN_PERMISSIONS)
    await private_reply(fake, interaction)
    assert await news_bot.store.list_guild_feeds(fake.guild_id) == []


async def test_feeds_counts_the_feeds_and_the_failing_ones(news_bot: NewsBot, fake: FakeDiscord, feed_url: str) -> None:
    await follow(fake, feed_url)
    interaction = await fake.send_slash_command("feeds")
    callback = await fake.wait_for_callback(interaction, status=200)
    assert callback.json["data"]["embeds"][0]["title"] == "1 feed · 0 failing"


async def test_feeds_counts_items_after_a_refresh(news_bot: NewsBot, fake: FakeDiscord, feed_url: str) -> None:
    await follow(fake, feed_url)
    await news_bot.scheduler.refresh_feeds()
    interaction = await fake.send_slash_command("feeds")
    callback = await fake.wait_for_callback(interaction, status=200)
    assert "1 items (1 new in 24 h)" in callback.json["data"]["embeds"][0]["description"]


async def test_feeds_shows_the_last_error_in_the_readers_language(
    news_bot: NewsBot, fake: FakeDiscord, local_site: LocalSite
) -> None:
    gone = local_site.add("/gone.xml", "<html><body>Not here</body></html>", status=404)
    await news_bot.store.add_guild_feed(fake.guild_id, gone, added_by=MEMBER)
    await news_bot.scheduler.refresh_feeds()
    german = messages_for("de")
    expected = german.gettext("The page was not found (HTTP {status})", status=404)
    interaction = await fake.send_slash_command("feeds", locale="de")
    callback = await fake.wait_for_callback(interaction, status=200)
    assert expected in callback.json["data"]["embeds"][0]["description"]

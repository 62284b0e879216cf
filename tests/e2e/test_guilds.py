"""Servers the bot leaves, end to end: GUILD_DELETE through the real client forgets the server, and at
start the servers left while the bot was offline are forgotten; other servers are untouched."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

import discord

from bot.client import NewsBot
from bot.permissions import GuildChannelAccess
from bot.services import DigestRequest
from bot.settings import Settings
from bot.store import open_store
from newsbrief_testkit.fake_discord import FakeDiscord
from newsbrief_testkit.local_site import LocalSite
from tests.newsroom import FakeClock

from .conftest import running_news_bot

MEMBER = 1_150_000_000_000_000_042
DEPARTED_GUILD = 1_198_765_432_109_876_543
"""A server the bot was removed from while it was offline: the fake does not list it."""
WAIT_SECONDS = 10.0
RSS = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>
<link>{link}</link><description>News</description><item><title>Harbour tunnel opens</title>
<link>{link}/tunnel</link><guid>{title}-tunnel</guid></item></channel></rss>"""


async def wait_until_known(bot: NewsBot, guild_ids: set[int]) -> None:
    """Wait until the store knows exactly these guilds: the bot handles gateway events in its own tasks."""
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    while (known := await bot.store.known_guild_ids()) != guild_ids:
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"the store knows guilds {known}, not {guild_ids}, after {WAIT_SECONDS}s")
        await asyncio.sleep(0.05)


def serve_feed(site: LocalSite, slug: str) -> str:
    return site.add(
        f"/{slug}/feed.xml", RSS.format(title=slug, link=site.url(f"/{slug}")), content_type="application/rss+xml"
    )


async def subscribe(bot: NewsBot, guild_id: int, channel_id: int) -> int:
    request = DigestRequest(
        guild_id=guild_id, channel_id=channel_id, created_by=MEMBER, edition_times=(time(7, 30),), timezone="UTC"
    )
    channel = bot.get_channel(channel_id)
    assert isinstance(channel, discord.TextChannel)
    return (await bot.subscriptions.subscribe(request, GuildChannelAccess(channel))).id


async def has_digest(bot: NewsBot, subscription_id: int) -> bool:
    return await bot.store.subscription_by_id(subscription_id) is not None


async def test_a_server_that_removes_the_bot_is_forgotten_and_another_on_the_same_feed_is_not(
    fake: FakeDiscord, local_site: LocalSite, make_settings: Callable[..., Settings]
) -> None:
    leaving = fake.add_guild("Leaving")
    shared, own = serve_feed(local_site, "shared"), serve_feed(local_site, "own")
    clock = FakeClock(datetime.now(UTC))
    async with running_news_bot(fake, make_settings(), clock=clock) as bot:
        for guild_id, url in ((fake.guild_id, shared), (leaving, shared), (leaving, own)):
            await bot.store.add_guild_feed(guild_id, url, added_by=MEMBER)
        staying = await subscribe(bot, fake.guild_id, fake.channel_id)
        gone = await subscribe(bot, leaving, fake.channel_ids_of(leaving)[0])

        await fake.remove_guild(leaving)
        await wait_until_known(bot, {fake.guild_id})

        fetched_before = local_site.hits.copy()
        clock.advance(timedelta(days=2))  # every followed feed is due
        await bot.scheduler.refresh_feeds()

        assert await bot.store.list_subscriptions(leaving) == []
        assert (await has_digest(bot, gone), await has_digest(bot, staying)) == (False, True)
        assert [entry.feed.url for entry in await bot.store.list_guild_feeds(fake.guild_id)] == [shared]
        assert [subscription.id for subscription in await bot.store.list_subscriptions(fake.guild_id)] == [staying]
    assert local_site.hits["/own/feed.xml"] == fetched_before["/own/feed.xml"]
    assert local_site.hits["/shared/feed.xml"] > fetched_before["/shared/feed.xml"]


async def test_a_server_in_an_outage_is_not_forgotten(
    fake: FakeDiscord, local_site: LocalSite, make_settings: Callable[..., Settings]
) -> None:
    async with running_news_bot(fake, make_settings()) as bot:
        await bot.store.add_guild_feed(fake.guild_id, serve_feed(local_site, "shared"), added_by=MEMBER)
        subscription_id = await subscribe(bot, fake.guild_id, fake.channel_id)
        unavailable = asyncio.create_task(bot.wait_for("guild_unavailable", timeout=WAIT_SECONDS))

        await fake.make_guild_unavailable(fake.guild_id)
        await unavailable
        await asyncio.sleep(0.2)  # room for a wrong forget to land

        assert await bot.store.known_guild_ids() == {fake.guild_id}
        assert await has_digest(bot, subscription_id)


async def test_servers_left_while_offline_are_forgotten_at_start(
    fake: FakeDiscord, local_site: LocalSite, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings()
    url = serve_feed(local_site, "shared")
    async with await open_store(settings.database_url) as store:
        for guild_id in (fake.guild_id, DEPARTED_GUILD):
            await store.add_guild_feed(guild_id, url, added_by=MEMBER)
        await store.subscribe(DEPARTED_GUILD, fake.channel_id, created_by=MEMBER, local_time=time(7), timezone="UTC")

    async with running_news_bot(fake, settings) as bot:
        await wait_until_known(bot, {fake.guild_id})

        assert await bot.store.list_subscriptions(DEPARTED_GUILD) == []
        assert [entry.feed.url for entry in await bot.store.list_guild_feeds(fake.guild_id)] == [url]


async def test_at_start_only_servers_on_this_processs_shard_are_judged(
    fake: FakeDiscord, local_site: LocalSite, make_settings: Callable[..., Settings]
) -> None:
    shard_count = 2
    our_shard = (fake.guild_id >> 22) % shard_count
    # Two servers the fake does not list, one on each shard (a snowflake's shard is (id >> 22) % count).
    ours, theirs = sorted(
        (DEPARTED_GUILD, DEPARTED_GUILD + (1 << 22)), key=lambda g: (g >> 22) % shard_count != our_shard
    )
    settings = make_settings(shard_count=shard_count, shard_ids=str(our_shard))
    async with await open_store(settings.database_url) as store:
        for guild_id in (fake.guild_id, ours, theirs):
            await store.add_guild_feed(guild_id, serve_feed(local_site, "shared"), added_by=MEMBER)

    async with running_news_bot(fake, settings) as bot:
        # The server on the other shard is another process's to judge: it stays.
        await wait_until_known(bot, {fake.guild_id, theirs})

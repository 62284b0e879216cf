"""Two `newsbrief run` processes, each running half the shards, on one PostgreSQL database against the
fake Discord with its global limit of 50 requests a second: each answers /summarize for the guilds on
its shards, and a scheduled edition for each of 1,000 subscriptions arrives exactly once (any process
may post any edition: they are claimed as rows, and posting goes over REST, not a shard)."""

from __future__ import annotations

import asyncio
import re
import time as monotonic
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from sqlalchemy import func, select

from bot.store import DeliveryKind, DeliveryStatus, Store, open_store
from bot.store.tables import deliveries
from newsbrief_testkit.fake_discord import FakeDiscord
from newsbrief_testkit.local_site import LocalSite
from tests.store.conftest import empty_postgres, postgres_url

from .test_cluster import HARBOUR_PAGE, HEADLINE, START_SECONDS, bot_process, summarize_in

SHARD_COUNT = 4
PROCESSES = 2
GUILDS_PER_SHARD = 5
SUBSCRIPTIONS = 1_000
CHANNELS_PER_GUILD = SUBSCRIPTIONS // (SHARD_COUNT * GUILDS_PER_SHARD)
GLOBAL_RATE_LIMIT = 50
STRAY_GLOBAL_429S = 3
"""Global 429s tolerated (each obeyed and retried): without the shared budget, 1,751 in one run."""
"""Discord's global limit, which the fake enforces: the processes share one budget for it."""
ALL_POSTED_WITHIN = 90.0
"""1,000 posts at the budget's 44.5 a second take 22.5 s (24 s measured); the rest is room for a busy machine.
Without DISCORD_REQUEST_BUDGET=on the processes took the fake for a proxy that keeps the budget, sent
unpaced, and drew 846 global 429s: 146 s."""
SECOND_POST_ROOM = 3.0
"""Time left after the last edition for any second post of one to land."""
STORIES = ("tunnel", "ferry")
MEMBER = 1_203_456_789_012_345_678


def courier_feed(site: LocalSite) -> str:
    """A feed of two stories published an hour ago, whose pages the site serves."""
    published = format_datetime(datetime.now(UTC) - timedelta(hours=1))
    items = ""
    for slug in STORIES:
        site.add(f"/courier/{slug}", HARBOUR_PAGE.replace("Harbour tunnel", f"Harbour {slug}"))
        items += (
            f"<item><title>Harbour {slug} news</title><link>{site.url(f'/courier/{slug}')}</link>"
            f"<guid>courier-{slug}</guid><description>What happened to the {slug}.</description>"
            f"<pubDate>{published}</pubDate></item>"
        )
    body = (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Harbour Courier</title>"
        f"<link>{site.url('/courier')}</link><description>News</description>{items}</channel></rss>"
    )
    return site.add("/courier/feed.xml", body, content_type="application/rss+xml")


def guilds_with_channels(fake: FakeDiscord) -> dict[int, tuple[int, list[int]]]:
    """GUILDS_PER_SHARD guilds on each shard, CHANNELS_PER_GUILD text channels each: {guild: (shard, channels)}."""
    guilds: dict[int, tuple[int, list[int]]] = {}
    for shard_id in range(SHARD_COUNT):
        for number in range(GUILDS_PER_SHARD):
            guild_id = fake.add_guild(f"Shard {shard_id} guild {number}", shard=(shard_id, SHARD_COUNT))
            channels = [int(fake.add_channel(f"news-{n}", guild_id=guild_id)["id"]) for n in range(CHANNELS_PER_GUILD)]
            guilds[guild_id] = (shard_id, channels)
    return guilds


async def subscribe_every_channel(store: Store, guilds: dict[int, tuple[int, list[int]]], feed_url: str) -> None:
    """Each guild follows the feed, and each channel has an edition due a minute ago (subscribed an hour ago)."""
    now = datetime.now(UTC)
    due = (now - timedelta(minutes=1)).time().replace(second=0, microsecond=0)
    for guild_id, (_shard, channels) in guilds.items():
        await store.add_guild_feed(guild_id, feed_url, added_by=MEMBER, now=now - timedelta(hours=1))
        await asyncio.gather(
            *(
                store.subscribe(guild_id, channel_id, created_by=MEMBER, local_time=due, timezone="UTC",
                                now=now - timedelta(hours=1))
                for channel_id in channels
            )
        )  # fmt: skip


async def wait_for_messages(fake: FakeDiscord, channels: set[int], *, within: float) -> float:
    """Seconds until every channel has a message (or `within` passed)."""
    started = monotonic.monotonic()
    while monotonic.monotonic() - started < within:
        if channels <= {int(message["channel_id"]) for message in list(fake.messages.values())}:
            break
        await asyncio.sleep(0.25)
    return monotonic.monotonic() - started


async def scheduled_deliveries(store: Store) -> Counter[DeliveryStatus]:
    query = (
        select(deliveries.c.status, func.count())
        .where(deliveries.c.kind == DeliveryKind.SCHEDULED)
        .group_by(deliveries.c.status)
    )
    async with store.engine.connect() as connection:
        return Counter({DeliveryStatus(status): count for status, count in (await connection.execute(query)).all()})


async def test_two_processes_with_half_the_shards_each_answer_their_guilds_and_post_1000_editions_once(
    local_site: LocalSite, tmp_path: Path
) -> None:
    database_url = postgres_url()  # skips without TEST_DATABASE_URL
    await empty_postgres(database_url)
    store = await open_store(database_url)
    fake = await FakeDiscord.start(global_rate_limit=GLOBAL_RATE_LIMIT, max_concurrency=SHARD_COUNT)
    try:
        feed_url = courier_feed(local_site)
        page_url = local_site.add("/news/harbour", HARBOUR_PAGE)
        guilds = guilds_with_channels(fake)
        one_per_shard = [  # a channel without a subscription in one guild of each shard, for /summarize
            next((guild_id, int(fake.add_channel("chat", guild_id=guild_id)["id"])) for guild_id, (shard, _) in
                 guilds.items() if shard == shard_id)
            for shard_id in range(SHARD_COUNT)
        ]  # fmt: skip
        channels = {channel for _shard, in_guild in guilds.values() for channel in in_guild}
        settings = {
            "SHARD_COUNT": str(SHARD_COUNT),
            "CLUSTER_COUNT": str(PROCESSES),
            "BRIEF_PROCESSES": "0",
            "DISCORD_REQUEST_BUDGET": "on",  # the fake stands in for Discord itself, not for a proxy
        }
        async with (
            bot_process(fake, tmp_path, "run", database_url=database_url, CLUSTER_INDEX="0", **settings) as first,
            bot_process(fake, tmp_path, "run", database_url=database_url, CLUSTER_INDEX="1", **settings) as second,
        ):
            titles = [await summarize_in(fake, place, page_url) for place in one_per_shard]

            await subscribe_every_channel(store, guilds, feed_url)
            took = await wait_for_messages(fake, channels, within=START_SECONDS + ALL_POSTED_WITHIN)
            await asyncio.sleep(SECOND_POST_ROOM)
            exit_codes = [await first.stop(), await second.stop()]
        statuses = await scheduled_deliveries(store)
    finally:
        await fake.close()
        await store.close()

    print(f"{SUBSCRIPTIONS} editions posted {took:.1f} s after they were subscribed")  # 24 s here; the floor is 20 s
    # The shared budget keeps both processes under Discord's 50 a second; on a loaded 2-core machine a
    # request can still leave late enough to meet another's second (seen once: 1 in 1,000). Discord
    # asks only that a 429 be obeyed; more than a stray one means the budget is not shared.
    assert len(fake.rate_limited.global_hits) <= STRAY_GLOBAL_429S
    assert (titles, exit_codes) == ([HEADLINE] * SHARD_COUNT, [0, 0])
    connected = [
        sorted(int(shard) for shard in re.findall(r"Shard ID (\d) has connected", bot.log)) for bot in (first, second)
    ]
    assert connected == [[0, 2], [1, 3]]
    by_channel = Counter(int(message["channel_id"]) for message in fake.messages.values())
    assert set(by_channel) >= channels
    assert {by_channel[channel] for channel in channels} == {1}, "each channel's edition exactly once"
    assert statuses == Counter({DeliveryStatus.POSTED: SUBSCRIPTIONS})

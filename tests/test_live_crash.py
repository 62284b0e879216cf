"""Crash-safe live posts, crashed for real: a bot process (tests/digest_process.py, refreshing and
running the live cycle every second) posts a story to the stand-in channel and is killed with SIGKILL
before it records the post; the restarted process takes the story's claim over once its lease runs
out, finds the message by its links, and posts only the other stories. The stand-in keeps no nonces:
only reading the channel back keeps the story from being posted twice."""

from __future__ import annotations

import asyncio
import time as monotonic
from collections import Counter
from datetime import UTC, datetime, time, timedelta

from bot.store import Store
from bot.store.tables import LivePostStatus, SubscriptionMode
from bot.targets import TargetKind
from newsbrief_testkit.local_site import LocalSite
from tests.newsroom import REPORTS, open_newsroom
from tests.store.samples import CHANNEL, GUILD, MEMBER
from tests.test_digests_crash import STARTUP_TIMEOUT, Hold, StandInChannel, channel, processes, store, url_of

__all__ = ["channel", "store"]  # fixtures, used by name

LIVE_EVERY = ["--lease", "3", "--renewal", "1", "--sweep", "1", "--live-every", "1"]
"""Claims of 3 s, and a refresh with its live cycle every second."""
SLUGS = ("ferry", "orchard", "chess")
WITHIN = 120.0


async def a_live_subscription_with_new_stories(
    store: Store,
    site: LocalSite,
    *,
    channel_id: int = CHANNEL,
    target_kind: TargetKind = TargetKind.CHANNEL,
) -> int:
    """A live subscription set up a minute ago, following a feed of three stories nobody fetched yet."""
    now = datetime.now(UTC)
    async with open_newsroom(store, site, now=now - timedelta(minutes=1)) as room:
        url = room.publish("/courier.xml", [(slug, now - timedelta(minutes=10 + n)) for n, slug in enumerate(SLUGS)])
        await room.follow(url)
        subscription = await store.subscribe(
            GUILD,
            channel_id,
            created_by=MEMBER,
            local_time=time(7, 30),
            timezone="UTC",
            mode=SubscriptionMode.LIVE,
            target_kind=target_kind,
            now=now - timedelta(minutes=1),
        )
    return subscription.id


async def wait_until_all_recorded(store: Store, subscription_id: int, *, within: float) -> None:
    started = monotonic.monotonic()
    while monotonic.monotonic() - started < within:
        posts = await store.live_posts_since(subscription_id, datetime.now(UTC) - timedelta(hours=1))
        if len(posts) == len(SLUGS) and all(post.status is LivePostStatus.POSTED for post in posts):
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"the live stories were not all recorded within {within} s")


async def test_a_live_post_whose_process_was_killed_before_recording_it_is_not_posted_again(
    store: Store, local_site: LocalSite, channel: StandInChannel
) -> None:
    subscription_id = await a_live_subscription_with_new_stories(store, local_site)
    channel.hold = hold = Hold(post=1, after_store=True)
    async with processes(url_of(store), channel) as bots:
        first = await bots.start(*LIVE_EVERY)
        await asyncio.wait_for(hold.reached.wait(), STARTUP_TIMEOUT)
        await bots.kill(first.pid)
        channel.hold = None

        await bots.start(*LIVE_EVERY)
        await wait_until_all_recorded(store, subscription_id, within=WITHIN)

    assert channel.titles() == Counter(REPORTS[slug].title for slug in SLUGS)
    assert len(channel.messages) == len(SLUGS)

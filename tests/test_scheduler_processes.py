"""The delivery engine across processes: two bot processes (tests/digest_process.py, the real
DigestScheduler and DigestService) on one PostgreSQL database, each claiming due editions with FOR
UPDATE SKIP LOCKED for its own workers, post an edition for each of many subscriptions exactly once.

SUBSCRIPTIONS is 300 to keep the test within a minute on a shared two-core machine (it takes 20-40 s
there, most of it briefing the pages); the issue's 1,000 is the same code with more rows.
"""

from __future__ import annotations

import asyncio
import time as monotonic
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.store import DeliveryKind, DeliveryStatus, Store
from newsbrief_testkit.local_site import LocalSite
from tests.newsroom import open_newsroom, open_test_store, title
from tests.store.conftest import postgres_url
from tests.store.samples import CHANNEL, GUILD, MEMBER
from tests.test_digests_crash import STARTUP_TIMEOUT, StandInChannel, processes, url_of

SUBSCRIPTIONS = 300
SLUGS = ("ferry", "orchard")
ALL_POSTED_WITHIN = 120.0


@pytest.fixture
async def channel() -> AsyncIterator[StandInChannel]:
    stand_in = StandInChannel()
    await stand_in.start()
    yield stand_in
    await stand_in.close()


async def editions_due_now(store: Store, site: LocalSite) -> list[int]:
    """SUBSCRIPTIONS channels of one guild, each with an edition due a minute ago, of one feed's two stories."""
    now = datetime.now(UTC)
    async with open_newsroom(store, site, now=now - timedelta(hours=1)) as room:
        url = room.publish("/courier.xml", [(slug, now - timedelta(hours=2)) for slug in SLUGS])
        await room.follow(url)
        await room.refresher.refresh_due()
    due = (now - timedelta(minutes=1)).time().replace(second=0, microsecond=0)
    return [
        (
            await store.subscribe(
                GUILD, CHANNEL + number, created_by=MEMBER, local_time=due, timezone="UTC", now=now - timedelta(hours=1)
            )
        ).id
        for number in range(SUBSCRIPTIONS)
    ]


async def posted_count(store: Store, subscription_ids: list[int]) -> int:
    posted = 0
    for subscription_id in subscription_ids:
        delivery = await store.latest_delivery(subscription_id, kind=DeliveryKind.SCHEDULED)
        posted += delivery is not None and delivery.status is DeliveryStatus.POSTED
    return posted


async def test_two_processes_on_postgresql_post_each_subscriptions_edition_exactly_once(
    local_site: LocalSite, channel: StandInChannel, tmp_path: Path
) -> None:
    postgres_url()  # skips without TEST_DATABASE_URL
    async with open_test_store("postgresql", tmp_path) as store:
        subscription_ids = await editions_due_now(store, local_site)
        async with processes(url_of(store), channel) as bots:
            await asyncio.gather(bots.start("--sweep", "2"), bots.start("--sweep", "2"))
            deadline = monotonic.monotonic() + STARTUP_TIMEOUT + ALL_POSTED_WITHIN
            for _ in range(int(deadline)):
                if len(channel.messages) >= SUBSCRIPTIONS or monotonic.monotonic() > deadline:
                    break
                await asyncio.sleep(0.5)
            await asyncio.sleep(3)  # room for a second post of any edition to land
            posted = await posted_count(store, subscription_ids)

    by_channel = Counter(int(message["channel_id"]) for message in channel.messages)
    assert sorted(by_channel) == [CHANNEL + number for number in range(SUBSCRIPTIONS)]
    assert set(by_channel.values()) == {1}
    assert channel.titles() == Counter({title(slug): SUBSCRIPTIONS for slug in SLUGS})
    assert posted == SUBSCRIPTIONS
    assert len(channel.posted_by) == 2, "both processes took a share"

"""Discord's global budget: the bucket refills with time, lends slots ahead in batches, and never lets
more than the limit fall due in any second; in memory (SQLite) and as a shared row (PostgreSQL)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from bot.ratebudget import (
    BURST,
    LocalBucket,
    RequestBudget,
    SharedBucket,
    SlotSource,
    counts_against_global_limit,
    pace_for,
)
from bot.store import Store
from tests.store.conftest import backend, store  # noqa: F401  (fixtures: the store on SQLite, then PostgreSQL)

PACE = 10.0
START = 1_000.0
BucketFactory = Callable[[], SlotSource]


class ManualClock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def make_bucket(store: Store, clock: ManualClock) -> BucketFactory:  # noqa: F811  (the imported fixture)
    """The bucket newsbrief uses on the store's backend: in memory on SQLite, the shared row on PostgreSQL."""

    def make() -> SlotSource:
        if store.engine.dialect.name == "postgresql":
            return SharedBucket(store.engine, pace=PACE, clock=clock)
        return LocalBucket(pace=PACE, clock=clock)

    return make


async def test_a_quiet_bucket_gives_one_slot_at_once_and_spaces_the_rest(make_bucket: BucketFactory) -> None:
    assert await make_bucket().reserve(3) == pytest.approx([0.0, 0.1, 0.2])


async def test_a_batch_lends_ahead_and_the_next_batch_queues_behind_it(make_bucket: BucketFactory) -> None:
    bucket = make_bucket()
    await bucket.reserve(5)
    assert await bucket.reserve(2) == pytest.approx([0.5, 0.6])


async def test_elapsed_time_refills_the_bucket(make_bucket: BucketFactory, clock: ManualClock) -> None:
    bucket = make_bucket()
    await bucket.reserve(5)
    clock.now += 0.45
    assert await bucket.reserve(1) == pytest.approx([0.05])


async def test_a_long_quiet_spell_refills_only_up_to_the_burst(make_bucket: BucketFactory, clock: ManualClock) -> None:
    bucket = make_bucket()
    await bucket.reserve(1)
    clock.now += 3600
    assert await bucket.reserve(2) == pytest.approx([0.0, 0.1])


async def test_no_second_gets_more_slots_than_the_pace_and_the_burst(
    make_bucket: BucketFactory, clock: ManualClock
) -> None:
    """Two processes (two buckets on one row, or the one bucket in memory) reserving in batches of
    several sizes, at moments scattered over 5 s: the slots due in any second are at most pace + BURST."""
    shared = make_bucket()
    other = make_bucket() if isinstance(shared, SharedBucket) else shared
    due: list[float] = []
    for step in range(60):
        clock.now = START + step * 0.083
        bucket = shared if step % 2 else other
        due += [clock.now + delay for delay in await bucket.reserve(1 + step % 4)]
    due.sort()
    busiest = max(sum(1 for moment in due if start <= moment < start + 1) for start in due)
    assert busiest <= PACE + BURST
    assert len(due) == sum(1 + step % 4 for step in range(60))


def test_the_pace_keeps_any_second_under_the_limit() -> None:
    assert 44 < pace_for(50) < 45


async def test_waiting_requests_share_one_reservation() -> None:
    batches: list[int] = []

    class CountingBucket(LocalBucket):
        async def reserve(self, count: int) -> list[float]:
            batches.append(count)
            await asyncio.sleep(0.01)  # a database round trip
            return await super().reserve(count)

    bucket = CountingBucket(pace=200.0)
    budget = RequestBudget(bucket, max_batch=10)
    await asyncio.gather(*(budget.acquire() for _ in range(20)))
    assert sum(batches) == 20
    assert len(batches) <= 3


async def test_requests_go_at_the_pace_on_the_real_clock() -> None:
    budget = RequestBudget(LocalBucket(pace=50.0))
    started = time.monotonic()
    waits = await asyncio.gather(*(budget.acquire() for _ in range(26)))
    assert time.monotonic() - started == pytest.approx(0.5, abs=0.1)
    assert max(waits) == pytest.approx(0.5, abs=0.1)


@pytest.mark.parametrize(
    ("path", "counts"),
    [
        ("/channels/1/messages", True),
        ("/users/@me", True),
        ("/interactions/5/tok/callback", False),
        ("/webhooks/42/tok", False),
        ("/webhooks/42/tok/messages/@original", False),
        ("/webhooks/7/another-webhook", True),
    ],
)
def test_interaction_endpoints_are_not_bound_by_the_global_limit(path: str, counts: bool) -> None:
    base = "https://discord.com/api/v10"
    assert counts_against_global_limit(base + path, api_base=base, application_id=42) is counts


def test_the_gateway_and_other_hosts_are_not_rest_requests() -> None:
    base = "https://discord.com/api/v10"
    assert not counts_against_global_limit("wss://gateway.discord.gg/", api_base=base, application_id=42)
    assert not counts_against_global_limit("https://cdn.discordapp.com/a.png", api_base=base, application_id=42)

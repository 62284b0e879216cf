"""Deliveries: one scheduled digest per local date, however many processes race for it, and a
restart that finishes what a crash left half-posted."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest

from bot.store import Claim, DeliveryKind, DeliveryStatus, ItemRef, Store, Subscription
from bot.store.deliveries import STALE_CLAIM_AFTER
from tests.store.conftest import stored_delivery
from tests.store.samples import CHANNEL, FEED_URLS, GUILD, MEMBER, MESSAGE, MORNING, NOW, OTHER_CHANNEL, entry

TODAY = date(2025, 3, 14)
LATER = NOW + STALE_CLAIM_AFTER + timedelta(seconds=1)
"""A moment after which a claim made at NOW counts as abandoned."""


async def _subscription(store: Store, channel_id: int = CHANNEL) -> Subscription:
    return await store.subscribe(GUILD, channel_id, created_by=MEMBER, local_time=MORNING, timezone="Europe/Paris")


async def _claim(store: Store, subscription_id: int, **options: object) -> Claim:
    claim = await store.claim_delivery(subscription_id, TODAY, DeliveryKind.SCHEDULED, **options)  # type: ignore[arg-type]
    assert claim is not None
    return claim


async def test_the_first_scheduled_claim_of_a_date_wins(store: Store) -> None:
    subscription = await _subscription(store)

    claim = await _claim(store, subscription.id, now=NOW)

    assert (claim.attempt, claim.resumed, claim.posted_message_ids, claim.delivered) == (1, False, (), frozenset())
    assert await store.claim_delivery(subscription.id, TODAY, DeliveryKind.SCHEDULED, now=NOW) is None
    # Another date, or another subscription, is another delivery.
    assert await store.claim_delivery(subscription.id, date(2025, 3, 15), DeliveryKind.SCHEDULED, now=NOW)
    other = await _subscription(store, OTHER_CHANNEL)
    assert await store.claim_delivery(other.id, TODAY, DeliveryKind.SCHEDULED, now=NOW)


async def test_a_posted_digest_is_never_claimed_again(store: Store) -> None:
    subscription = await _subscription(store)
    claim = await _claim(store, subscription.id, now=NOW)
    assert await store.complete_delivery(claim, status=DeliveryStatus.POSTED, message_ids=[MESSAGE], now=NOW)

    assert await store.claim_delivery(subscription.id, TODAY, DeliveryKind.SCHEDULED, now=LATER) is None
    delivery = await stored_delivery(store, claim.delivery_id)
    assert delivery is not None
    assert (delivery.status, delivery.completed_at, delivery.posted_message_ids) == (
        DeliveryStatus.POSTED,
        NOW,
        (MESSAGE,),
    )


async def test_a_fresh_claim_is_not_taken_over(store: Store) -> None:
    subscription = await _subscription(store)
    await _claim(store, subscription.id, now=NOW)
    just_before_stale = NOW + STALE_CLAIM_AFTER - timedelta(seconds=1)
    assert await store.claim_delivery(subscription.id, TODAY, DeliveryKind.SCHEDULED, now=just_before_stale) is None


async def test_an_abandoned_claim_is_taken_over_with_what_it_posted(store: Store) -> None:
    subscription = await _subscription(store)
    feed_id = (await store.add_guild_feed(GUILD, FEED_URLS[0], added_by=MEMBER, now=NOW)).feed.id
    await store.upsert_seen_items(feed_id, [entry(1), entry(2), entry(3)], now=NOW)
    crashed = await _claim(store, subscription.id, now=NOW)
    # The first of two messages went out; then the process died.
    await store.record_delivered_items(
        subscription.id,
        [ItemRef(feed_id, entry(1).key), ItemRef(feed_id, entry(2).key)],
        delivery_id=crashed.delivery_id,
        message_id=MESSAGE,
        now=NOW,
    )

    resumed = await _claim(store, subscription.id, now=LATER)

    assert (resumed.delivery_id, resumed.attempt, resumed.resumed) == (crashed.delivery_id, 2, True)
    assert resumed.posted_message_ids == (MESSAGE,)
    assert resumed.delivered == {ItemRef(feed_id, entry(1).key), ItemRef(feed_id, entry(2).key)}
    assert [item.key for item in await store.undelivered_items(subscription.id, since=NOW)] == [entry(3).key]


async def test_a_failed_digest_can_be_tried_again(store: Store) -> None:
    subscription = await _subscription(store)
    claim = await _claim(store, subscription.id, now=NOW)
    await store.complete_delivery(claim, status=DeliveryStatus.FAILED, error="403 Missing Access", now=NOW)
    failed = await stored_delivery(store, claim.delivery_id)
    assert failed is not None
    assert (failed.status, failed.error) == (DeliveryStatus.FAILED, "403 Missing Access")

    retry = await _claim(store, subscription.id, now=NOW + timedelta(minutes=1))

    assert (retry.delivery_id, retry.attempt) == (claim.delivery_id, 2)


async def test_the_latest_delivery_of_a_status_and_kind_is_found(store: Store) -> None:
    subscription = await _subscription(store)
    assert await store.latest_delivery(subscription.id) is None
    scheduled = await _claim(store, subscription.id, now=NOW)
    await store.complete_delivery(scheduled, status=DeliveryStatus.POSTED, now=NOW)
    manual = await store.claim_delivery(subscription.id, TODAY, DeliveryKind.MANUAL, now=NOW + timedelta(hours=2))
    assert manual is not None

    latest = await store.latest_delivery(subscription.id)
    posted = await store.latest_delivery(subscription.id, status=DeliveryStatus.POSTED)
    posted_manual = await store.latest_delivery(subscription.id, status=DeliveryStatus.POSTED, kind=DeliveryKind.MANUAL)

    assert (latest and latest.id, posted and posted.id, posted_manual) == (
        manual.delivery_id,
        scheduled.delivery_id,
        None,
    )


async def test_manual_digests_are_never_refused(store: Store) -> None:
    subscription = await _subscription(store)
    await _claim(store, subscription.id, now=NOW)

    claims = [await store.claim_delivery(subscription.id, TODAY, DeliveryKind.MANUAL, now=NOW) for _ in range(3)]

    assert all(claim is not None and claim.kind is DeliveryKind.MANUAL for claim in claims)
    assert len({claim.delivery_id for claim in claims if claim}) == 3


async def test_a_superseded_claim_cannot_complete_but_its_posts_are_recorded(store: Store) -> None:
    subscription = await _subscription(store)
    feed_id = (await store.add_guild_feed(GUILD, FEED_URLS[0], added_by=MEMBER, now=NOW)).feed.id
    await store.upsert_seen_items(feed_id, [entry(1)], now=NOW)
    slow = await _claim(store, subscription.id, now=NOW)
    current = await _claim(store, subscription.id, now=LATER)

    completed = await store.complete_delivery(
        slow, status=DeliveryStatus.POSTED, message_ids=[MESSAGE], items=[ItemRef(feed_id, entry(1).key)], now=LATER
    )

    assert completed is False
    delivery = await stored_delivery(store, current.delivery_id)
    assert delivery is not None
    assert (delivery.status, delivery.attempt, delivery.posted_message_ids) == (
        DeliveryStatus.CLAIMED,
        2,
        (MESSAGE,),
    )
    assert await store.undelivered_items(subscription.id, since=NOW) == []


async def test_completing_records_the_items_so_later_digests_skip_them(store: Store) -> None:
    subscription = await _subscription(store)
    feed_id = (await store.add_guild_feed(GUILD, FEED_URLS[0], added_by=MEMBER, now=NOW)).feed.id
    await store.upsert_seen_items(feed_id, [entry(1), entry(2)], now=NOW)
    claim = await store.claim_delivery(subscription.id, TODAY, DeliveryKind.MANUAL, now=NOW)
    assert claim is not None

    await store.complete_delivery(
        claim,
        status=DeliveryStatus.POSTED,
        message_ids=[MESSAGE],
        items=[item.ref for item in await store.undelivered_items(subscription.id, since=NOW)],
        now=NOW,
    )

    assert await store.undelivered_items(subscription.id, since=NOW) == []


async def test_items_cannot_be_booked_to_another_subscriptions_delivery(store: Store) -> None:
    ours, theirs = await _subscription(store), await _subscription(store, OTHER_CHANNEL)
    claim = await _claim(store, theirs.id, now=NOW)
    with pytest.raises(ValueError, match="not one of"):
        await store.record_delivered_items(ours.id, [], delivery_id=claim.delivery_id, now=NOW)


async def test_racing_processes_get_exactly_one_claim(store: Store, second_store: Store) -> None:
    subscription = await _subscription(store)
    for day in range(1, 6):
        local_date = date(2025, 4, day)

        results = await asyncio.gather(
            store.claim_delivery(subscription.id, local_date, DeliveryKind.SCHEDULED, now=NOW),
            second_store.claim_delivery(subscription.id, local_date, DeliveryKind.SCHEDULED, now=NOW),
            store.claim_delivery(subscription.id, local_date, DeliveryKind.SCHEDULED, now=NOW),
            second_store.claim_delivery(subscription.id, local_date, DeliveryKind.SCHEDULED, now=NOW),
        )

        assert sum(result is not None for result in results) == 1


async def test_racing_takeovers_of_an_abandoned_claim_get_exactly_one(store: Store, second_store: Store) -> None:
    subscription = await _subscription(store)
    for day in range(1, 6):
        local_date = date(2025, 4, day)
        await store.claim_delivery(subscription.id, local_date, DeliveryKind.SCHEDULED, now=NOW)

        results = await asyncio.gather(
            store.claim_delivery(subscription.id, local_date, DeliveryKind.SCHEDULED, now=LATER),
            second_store.claim_delivery(subscription.id, local_date, DeliveryKind.SCHEDULED, now=LATER),
            second_store.claim_delivery(subscription.id, local_date, DeliveryKind.SCHEDULED, now=LATER),
        )

        winners = [result for result in results if result is not None]
        assert [winner.attempt for winner in winners] == [2]

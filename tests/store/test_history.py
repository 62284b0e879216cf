"""Pruning history: what a long-running bot may forget, and what it must keep so that no digest repeats."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import update

from bot.settings import MIN_HISTORY_RETENTION
from bot.store import DeliveryKind, DeliveryStatus, ItemRef, PrunedHistory, Store, Subscription
from bot.store.history import PRUNE_BATCH
from bot.store.tables import feeds
from tests.store.conftest import stored_delivery
from tests.store.samples import CHANNEL, FEED_URLS, GUILD, MEMBER, MORNING, NOW, OTHER_CHANNEL, Entry, entry

RETENTION = timedelta(days=30)


async def _feed(store: Store, url: str = FEED_URLS[0]) -> int:
    return (await store.add_guild_feed(GUILD, url, added_by=MEMBER, now=NOW)).feed.id


async def _subscription(store: Store, channel_id: int = CHANNEL) -> Subscription:
    return await store.subscribe(
        GUILD, channel_id, created_by=MEMBER, local_time=MORNING, timezone="Europe/Paris", now=NOW
    )


async def _fetched(store: Store, feed_id: int, listing: list[Entry], *, at: datetime) -> None:
    """A fetch with a body that lists these items, recorded as the refresher records it."""
    await store.upsert_seen_items(feed_id, listing, now=at)
    await store.record_fetch_success(feed_id, next_check_at=at + timedelta(minutes=15), now=at)


async def _not_modified(store: Store, feed_id: int, *, at: datetime) -> None:
    """A fetch answered 304 Not Modified, recorded as the refresher records it."""
    await store.record_fetch_success(feed_id, next_check_at=at + timedelta(minutes=15), now=at)


async def _stored(store: Store, feed_id: int) -> int:
    return (await store.item_counts([feed_id], now=NOW))[feed_id][0]


async def _posted(store: Store, subscription: Subscription, day: date, *, at: datetime) -> int:
    claim = await store.claim_delivery(subscription.id, day, DeliveryKind.SCHEDULED, now=at)
    assert claim is not None
    await store.complete_delivery(claim, status=DeliveryStatus.POSTED, now=at)
    return claim.delivery_id


async def test_an_item_still_listed_is_never_pruned_however_old(store: Store) -> None:
    feed_id = await _feed(store)
    await _fetched(store, feed_id, [entry(1), entry(2)], at=NOW)
    # The feed never changes again: every later fetch is answered 304.
    await _not_modified(store, feed_id, at=NOW + timedelta(days=400))

    pruned = await store.prune_history(retention=RETENTION, now=NOW + timedelta(days=400))

    assert pruned == PrunedHistory()
    assert await _stored(store, feed_id) == 2


async def test_an_item_gone_from_the_feed_for_the_retention_is_pruned_with_its_delivered_record(store: Store) -> None:
    feed_id = await _feed(store)
    subscription = await _subscription(store)
    await _fetched(store, feed_id, [entry(1), entry(2)], at=NOW)
    sent = [ItemRef(feed_id, entry(1).key), ItemRef(feed_id, entry(2).key)]
    await store.record_delivered_items(subscription.id, sent, now=NOW)
    await _fetched(store, feed_id, [entry(1)], at=NOW + timedelta(hours=1))  # the second item is gone

    almost = await store.prune_history(retention=RETENTION, now=NOW + RETENTION)
    pruned = await store.prune_history(retention=RETENTION, now=NOW + RETENTION + timedelta(seconds=1))

    assert almost == PrunedHistory()
    assert (pruned.seen_items, pruned.delivered_items) == (1, 1)
    assert await _stored(store, feed_id) == 1
    # The first item is still listed, so its record stays too: it is never offered again.
    await _fetched(store, feed_id, [entry(1), entry(3)], at=NOW + RETENTION + timedelta(minutes=1))
    since = NOW + RETENTION
    assert [item.key for item in await store.undelivered_items(subscription.id, since=since)] == [entry(3).key]
    assert [item.key for item in await store.undelivered_items(subscription.id, since=NOW)] == [entry(3).key]


async def test_a_delivered_record_outlives_the_retention_while_its_item_is_stored(store: Store) -> None:
    feed_id = await _feed(store)
    subscription = await _subscription(store)
    await _fetched(store, feed_id, [entry(1)], at=NOW)
    await store.record_delivered_items(subscription.id, [ItemRef(feed_id, entry(1).key)], now=NOW)

    pruned = await store.prune_history(retention=RETENTION, now=NOW + 3 * RETENTION)

    assert pruned.delivered_items == 0
    assert await store.undelivered_items(subscription.id, since=NOW) == []


async def test_a_not_modified_answer_keeps_the_listing_listed_until_then(store: Store) -> None:
    feed_id = await _feed(store)
    await _fetched(store, feed_id, [entry(1), entry(2)], at=NOW)
    confirmed = NOW + timedelta(days=40)
    await _not_modified(store, feed_id, at=confirmed)
    await _fetched(store, feed_id, [entry(1)], at=confirmed + timedelta(minutes=15))

    # Listed at the last 304, not only at the body that listed it: it has been gone a day, not 41.
    kept = await store.prune_history(retention=RETENTION, now=confirmed + timedelta(days=1))
    pruned = await store.prune_history(retention=RETENTION, now=confirmed + RETENTION + timedelta(seconds=1))

    assert (kept.seen_items, pruned.seen_items) == (0, 1)


async def test_a_listing_after_the_prune_does_not_make_a_kept_item_new(store: Store) -> None:
    feed_id = await _feed(store)
    await _fetched(store, feed_id, [entry(1), entry(2)], at=NOW)
    await _fetched(store, feed_id, [entry(1)], at=NOW + timedelta(days=1))
    later = NOW + 2 * RETENTION
    assert (await store.prune_history(retention=RETENTION, now=later)).seen_items == 1

    assert await store.upsert_seen_items(feed_id, [entry(1)], now=later) == []
    # The pruned item, were the feed ever to list it again, would be new: that is what pruning risks,
    # and why only items gone for the whole retention are pruned.
    assert [item.key for item in await store.upsert_seen_items(feed_id, [entry(1), entry(2)], now=later)] == [
        entry(2).key
    ]


async def test_items_of_a_feed_never_fetched_since_the_upgrade_are_kept(store: Store) -> None:
    """A feed's latest listing is unknown until its first fetch with a body: none of its items is pruned."""
    feed_id = await _feed(store)
    await store.upsert_seen_items(feed_id, [entry(1)], now=NOW)
    async with store.engine.begin() as connection:  # as the upgrade to version 3 leaves a feed
        await connection.execute(update(feeds).values(last_listed_at=None))

    assert await store.prune_history(retention=RETENTION, now=NOW + 10 * RETENTION) == PrunedHistory()


async def test_the_latest_posted_delivery_survives_and_older_ones_go(store: Store) -> None:
    subscription = await _subscription(store)
    other = await _subscription(store, OTHER_CHANNEL)
    first = await _posted(store, subscription, date(2025, 3, 14), at=NOW)
    last = await _posted(store, subscription, date(2025, 3, 15), at=NOW + timedelta(days=1))
    failed = await store.claim_delivery(
        subscription.id, date(2025, 3, 16), DeliveryKind.SCHEDULED, now=NOW + timedelta(days=2)
    )
    assert failed is not None
    await store.complete_delivery(failed, status=DeliveryStatus.FAILED, error="503", now=NOW + timedelta(days=2))
    abandoned = await store.claim_delivery(
        subscription.id, date(2025, 3, 17), DeliveryKind.MANUAL, now=NOW + timedelta(days=3)
    )
    assert abandoned is not None
    others_only = await _posted(store, other, date(2025, 3, 14), at=NOW)
    recent = NOW + RETENTION + timedelta(days=10)
    newest = await _posted(store, other, date(2025, 4, 23), at=recent)

    pruned = await store.prune_history(retention=RETENTION, now=recent)

    assert pruned.deliveries == 4
    kept = [await stored_delivery(store, delivery_id) is not None for delivery_id in (first, last, failed.delivery_id)]
    assert kept == [False, True, False]
    assert await stored_delivery(store, abandoned.delivery_id) is None
    assert await stored_delivery(store, others_only) is None  # a newer posted one is there
    posted = await store.latest_delivery(subscription.id, status=DeliveryStatus.POSTED)
    assert posted is not None
    assert posted.id == last
    assert await stored_delivery(store, newest) is not None


async def test_pruning_deletes_only_feeds_nobody_follows(store: Store) -> None:
    kept = await store.add_guild_feed(GUILD, FEED_URLS[0], added_by=MEMBER, now=NOW)
    dropped = await store.add_guild_feed(GUILD, FEED_URLS[1], added_by=MEMBER, now=NOW)
    await store.remove_guild_feed(GUILD, dropped.feed.id, now=NOW)

    assert await store.prune_unfollowed_feeds() == 1

    assert await store.list_guild_feeds(GUILD) == [kept]
    # Following it again makes a new feed, due at once.
    again = await store.add_guild_feed(GUILD, FEED_URLS[1], added_by=MEMBER, now=NOW + timedelta(days=1))
    assert again.feed.id != dropped.feed.id
    assert again.feed.next_check_at == NOW + timedelta(days=1)


async def test_unfollowed_feeds_are_pruned_once_idle_for_the_retention(store: Store) -> None:
    kept = await _feed(store, FEED_URLS[0])
    dropped = await _feed(store, FEED_URLS[1])
    await _fetched(store, dropped, [entry(1)], at=NOW)
    await store.remove_guild_feed(GUILD, dropped, now=NOW)

    soon = await store.prune_history(retention=RETENTION, now=NOW + timedelta(days=10))
    # Followed again within the retention, it is the same feed, with what it had.
    assert (await store.add_guild_feed(GUILD, FEED_URLS[1], added_by=MEMBER, now=NOW)).feed.id == dropped
    await store.remove_guild_feed(GUILD, dropped, now=NOW)
    late = await store.prune_history(retention=RETENTION, now=NOW + RETENTION + timedelta(seconds=1))

    assert (soon.feeds, late.feeds) == (0, 1)
    assert [followed.feed.id for followed in await store.list_guild_feeds(GUILD)] == [kept]
    assert await _stored(store, dropped) == 0


async def test_a_retention_shorter_than_digests_use_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="shorter"):
        await store.prune_history(retention=MIN_HISTORY_RETENTION - timedelta(seconds=1), now=NOW)


async def test_two_processes_pruning_at_once_remove_each_row_once(store: Store, second_store: Store) -> None:
    feed_id = await _feed(store)
    many = [entry(number) for number in range(2 * PRUNE_BATCH + 100)]
    await _fetched(store, feed_id, [*many, entry(-1)], at=NOW)
    await _fetched(store, feed_id, [entry(-1)], at=NOW + timedelta(days=1))

    later = NOW + 2 * RETENTION
    first, second = await asyncio.gather(
        store.prune_history(retention=RETENTION, now=later), second_store.prune_history(retention=RETENTION, now=later)
    )

    assert first.seen_items + second.seen_items == len(many)
    assert await _stored(store, feed_id) == 1

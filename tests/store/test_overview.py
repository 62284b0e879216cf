"""The overview /about shows: feeds followed, their latest fetch, digests posted today, across guilds."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.store import DeliveryKind, DeliveryStatus, Store
from tests.store.samples import CHANNEL, FEED_URLS, GUILD, MEMBER, MORNING, NOW, OTHER_CHANNEL, OTHER_GUILD

LATER = NOW + timedelta(hours=1)


async def _post_digest(store: Store, channel_id: int, *, on: date, status: DeliveryStatus, at: datetime) -> None:
    subscription = await store.subscribe(
        GUILD, channel_id, created_by=MEMBER, local_time=MORNING, timezone="Europe/Paris"
    )
    claim = await store.claim_delivery(subscription.id, on, DeliveryKind.SCHEDULED, now=at)
    assert claim is not None
    await store.complete_delivery(claim, status=status, now=at)


async def test_an_empty_store_has_nothing_to_show(store: Store) -> None:
    overview = await store.overview(now=NOW)
    assert (overview.followed_feeds, overview.last_feed_fetch, overview.digests_posted_today) == (0, None, 0)


async def test_a_feed_two_guilds_follow_counts_once(store: Store) -> None:
    await store.add_guild_feed(GUILD, FEED_URLS[0], added_by=MEMBER, now=NOW)
    await store.add_guild_feed(OTHER_GUILD, FEED_URLS[0], added_by=MEMBER, now=NOW)
    await store.add_guild_feed(OTHER_GUILD, FEED_URLS[1], added_by=MEMBER, now=NOW)
    assert (await store.overview(now=NOW)).followed_feeds == 2


async def test_the_last_fetch_is_the_latest_success_of_any_feed(store: Store) -> None:
    first = await store.add_guild_feed(GUILD, FEED_URLS[0], added_by=MEMBER, now=NOW)
    second = await store.add_guild_feed(GUILD, FEED_URLS[1], added_by=MEMBER, now=NOW)
    await store.record_fetch_success(first.feed.id, next_check_at=LATER, now=NOW)
    await store.record_fetch_success(second.feed.id, next_check_at=LATER, now=LATER)
    assert (await store.overview(now=LATER)).last_feed_fetch == LATER


async def test_a_feed_no_guild_follows_any_more_is_left_out(store: Store) -> None:
    entry = await store.add_guild_feed(GUILD, FEED_URLS[0], added_by=MEMBER, now=NOW)
    await store.record_fetch_success(entry.feed.id, next_check_at=LATER, now=NOW)
    await store.remove_guild_feed(GUILD, entry.feed.id, now=NOW)
    overview = await store.overview(now=NOW)
    assert (overview.followed_feeds, overview.last_feed_fetch) == (0, None)


async def test_only_digests_posted_since_midnight_utc_count_as_today(store: Store) -> None:
    yesterday = NOW - timedelta(days=1)
    await _post_digest(store, CHANNEL, on=yesterday.date(), status=DeliveryStatus.POSTED, at=yesterday)
    await _post_digest(store, OTHER_CHANNEL, on=NOW.date(), status=DeliveryStatus.POSTED, at=NOW)
    assert (await store.overview(now=NOW)).digests_posted_today == 1


async def test_a_failed_digest_is_not_counted_as_posted(store: Store) -> None:
    await _post_digest(store, CHANNEL, on=NOW.date(), status=DeliveryStatus.FAILED, at=NOW)
    assert (await store.overview(now=NOW)).digests_posted_today == 0

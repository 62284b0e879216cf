"""Feeds and the guilds that follow them: identity, the per-guild cap, isolation, fetch bookkeeping."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.store import (
    FAILING_AFTER,
    MAX_FEEDS_PER_GUILD,
    AlreadyFollowing,
    FeedLimitReached,
    InvalidSetting,
    Store,
    failure_backoff,
)
from bot.store.feeds import FAILURE_BACKOFF_BASE, FAILURE_BACKOFF_MAX, FEEDS_REMOVED_REASON, FETCH_LEASE
from tests.store.samples import CHANNEL, FEED_URLS, GUILD, MEMBER, MORNING, NOW, OTHER_GUILD


async def test_a_feed_is_stored_under_its_normalized_url(store: Store) -> None:
    added = await store.add_guild_feed(
        GUILD, "HTTPS://WWW.TheGuardian.com:443/world/rss?utm_source=twitter#latest", added_by=MEMBER, now=NOW
    )
    assert added.feed.url == "https://www.theguardian.com/world/rss"


async def test_guilds_following_one_url_share_one_feed(store: Store) -> None:
    first = await store.add_guild_feed(GUILD, FEED_URLS[0], added_by=MEMBER, now=NOW)
    second = await store.add_guild_feed(OTHER_GUILD, FEED_URLS[0] + "?utm_medium=rss", added_by=MEMBER, now=NOW)
    assert first.feed.id == second.feed.id


async def test_following_a_feed_twice_is_refused(store: Store) -> None:
    await store.add_guild_feed(GUILD, FEED_URLS[0], added_by=MEMBER, now=NOW)
    with pytest.raises(AlreadyFollowing, match="already follows"):
        await store.add_guild_feed(GUILD, FEED_URLS[0] + "#top", added_by=MEMBER, now=NOW)


async def test_a_feed_address_must_be_http(store: Store) -> None:
    with pytest.raises(InvalidSetting):
        await store.add_guild_feed(GUILD, "ftp://example.org/feed.xml", added_by=MEMBER, now=NOW)


async def test_a_guild_follows_at_most_50_feeds(store: Store) -> None:
    for number in range(MAX_FEEDS_PER_GUILD):
        await store.add_guild_feed(GUILD, f"https://news.example.org/section/{number}/rss", added_by=MEMBER, now=NOW)

    with pytest.raises(FeedLimitReached, match="50 feeds"):
        await store.add_guild_feed(GUILD, FEED_URLS[0], added_by=MEMBER, now=NOW)
    # The cap is per guild.
    await store.add_guild_feed(OTHER_GUILD, FEED_URLS[0], added_by=MEMBER, now=NOW)
    assert len(await store.list_guild_feeds(GUILD)) == MAX_FEEDS_PER_GUILD


async def test_two_processes_adding_at_once_cannot_pass_the_cap(store: Store, second_store: Store) -> None:
    for number in range(MAX_FEEDS_PER_GUILD - 1):
        await store.add_guild_feed(GUILD, f"https://news.example.org/section/{number}/rss", added_by=MEMBER, now=NOW)

    results = await asyncio.gather(
        store.add_guild_feed(GUILD, FEED_URLS[0], added_by=MEMBER, now=NOW),
        second_store.add_guild_feed(GUILD, FEED_URLS[1], added_by=MEMBER, now=NOW),
        return_exceptions=True,
    )

    assert sorted(type(result).__name__ for result in results) == ["FeedLimitReached", "GuildFeed"]
    assert len(await store.list_guild_feeds(GUILD)) == MAX_FEEDS_PER_GUILD


async def test_a_guild_sees_only_its_own_feeds(store: Store) -> None:
    ours = await store.add_guild_feed(GUILD, FEED_URLS[0], added_by=MEMBER, now=NOW)
    theirs = await store.add_guild_feed(OTHER_GUILD, FEED_URLS[1], added_by=MEMBER, now=NOW)

    assert [followed.feed.id for followed in await store.list_guild_feeds(GUILD)] == [ours.feed.id]
    assert await store.get_guild_feed(GUILD, theirs.feed.id) is None
    assert await store.remove_guild_feed(GUILD, theirs.feed.id, now=NOW) is False
    assert await store.get_guild_feed(OTHER_GUILD, theirs.feed.id) == theirs


async def test_removing_a_feed_leaves_other_guilds_following_it(store: Store) -> None:
    ours = await store.add_guild_feed(GUILD, FEED_URLS[0], added_by=MEMBER, now=NOW)
    theirs = await store.add_guild_feed(OTHER_GUILD, FEED_URLS[0], added_by=MEMBER, now=NOW)

    assert await store.remove_guild_feed(GUILD, ours.feed.id, now=NOW) is True

    assert await store.list_guild_feeds(GUILD) == []
    assert await store.list_guild_feeds(OTHER_GUILD) == [theirs]


async def test_removing_a_digests_last_chosen_feed_pauses_it(store: Store) -> None:
    chosen = await store.add_guild_feed(GUILD, FEED_URLS[0], added_by=MEMBER, now=NOW)
    await store.add_guild_feed(GUILD, FEED_URLS[1], added_by=MEMBER, now=NOW)
    await store.subscribe(
        GUILD, CHANNEL, created_by=MEMBER, local_time=MORNING, timezone="Europe/London", feed_ids=[chosen.feed.id]
    )

    await store.remove_guild_feed(GUILD, chosen.feed.id, now=NOW)

    subscription = await store.get_subscription(GUILD, CHANNEL)
    assert subscription is not None
    assert (subscription.feed_ids, subscription.paused, subscription.pause_reason) == ((), True, FEEDS_REMOVED_REASON)


async def test_due_feeds_are_handed_out_once_per_lease(store: Store) -> None:
    added = await store.add_guild_feed(GUILD, FEED_URLS[0], added_by=MEMBER, now=NOW)

    assert [feed.id for feed in await store.claim_due_feeds(now=NOW)] == [added.feed.id]
    assert await store.claim_due_feeds(now=NOW + FETCH_LEASE - timedelta(seconds=1)) == []
    # A process that never reported back loses the feed when the lease runs out.
    assert [feed.id for feed in await store.claim_due_feeds(now=NOW + FETCH_LEASE)] == [added.feed.id]


async def test_due_feeds_come_most_overdue_first_up_to_the_limit(store: Store) -> None:
    ids = []
    for minutes, url in zip((30, 10, 20), FEED_URLS, strict=True):
        ids.append(
            (await store.add_guild_feed(GUILD, url, added_by=MEMBER, now=NOW - timedelta(minutes=minutes))).feed.id
        )

    due = await store.claim_due_feeds(now=NOW, limit=2)

    assert [feed.id for feed in due] == [ids[0], ids[2]]


async def test_a_claim_can_be_restricted_to_some_feeds(store: Store) -> None:
    ids = [(await store.add_guild_feed(GUILD, url, added_by=MEMBER, now=NOW)).feed.id for url in FEED_URLS]

    assert [feed.id for feed in await store.claim_due_feeds(now=NOW, feed_ids=[ids[1]])] == [ids[1]]
    assert await store.claim_due_feeds(now=NOW, feed_ids=[]) == []
    assert {feed.id for feed in await store.claim_due_feeds(now=NOW)} == {ids[0], ids[2]}


async def test_feeds_no_guild_follows_are_not_fetched(store: Store) -> None:
    added = await store.add_guild_feed(GUILD, FEED_URLS[0], added_by=MEMBER, now=NOW)
    await store.remove_guild_feed(GUILD, added.feed.id, now=NOW)
    assert await store.claim_due_feeds(now=NOW) == []


async def test_processes_claiming_at_once_split_the_due_feeds(store: Store, second_store: Store) -> None:
    for number in range(40):
        await store.add_guild_feed(GUILD, f"https://news.example.org/section/{number}/rss", added_by=MEMBER, now=NOW)

    first, second = await asyncio.gather(
        store.claim_due_feeds(now=NOW, limit=25), second_store.claim_due_feeds(now=NOW, limit=25)
    )

    first_ids, second_ids = {feed.id for feed in first}, {feed.id for feed in second}
    assert not first_ids & second_ids
    assert len(first_ids | second_ids) == 40


async def test_a_successful_fetch_keeps_validators_and_clears_failures(store: Store) -> None:
    feed_id = (await store.add_guild_feed(GUILD, FEED_URLS[0], added_by=MEMBER, now=NOW)).feed.id
    await store.record_fetch_failure(feed_id, error="HTTP 503", now=NOW)

    await store.record_fetch_success(
        feed_id,
        etag='W/"5f3a-1c2b"',
        last_modified="Fri, 14 Mar 2025 06:12:09 GMT",
        title="World news | The Guardian",
        next_check_at=NOW + timedelta(minutes=30),
        now=NOW + timedelta(minutes=15),
    )

    feed = (await store.list_guild_feeds(GUILD))[0].feed
    assert (feed.etag, feed.last_modified, feed.title) == (
        'W/"5f3a-1c2b"',
        "Fri, 14 Mar 2025 06:12:09 GMT",
        "World news | The Guardian",
    )
    assert (feed.consecutive_failures, feed.last_success_at, feed.next_check_at) == (
        0,
        NOW + timedelta(minutes=15),
        NOW + timedelta(minutes=30),
    )
    assert feed.last_error == "HTTP 503"  # kept, for /feeds


async def test_failures_back_off_exponentially_up_to_a_day(store: Store) -> None:
    feed_id = (await store.add_guild_feed(GUILD, FEED_URLS[0], added_by=MEMBER, now=NOW)).feed.id

    waits = []
    for _ in range(10):
        feed = await store.record_fetch_failure(feed_id, error="connection refused", now=NOW)
        waits.append(feed.next_check_at - NOW)

    assert waits[:3] == [FAILURE_BACKOFF_BASE, 2 * FAILURE_BACKOFF_BASE, 4 * FAILURE_BACKOFF_BASE]
    assert waits[-1] == FAILURE_BACKOFF_MAX == failure_backoff(10_000)
    assert feed.consecutive_failures == 10
    assert (feed.last_error, feed.last_error_at) == ("connection refused", NOW)


async def test_a_feed_is_failing_after_repeated_errors_until_it_works_again(store: Store) -> None:
    feed_id = (await store.add_guild_feed(GUILD, FEED_URLS[0], added_by=MEMBER, now=NOW)).feed.id

    states = [(await store.record_fetch_failure(feed_id, error="HTTP 503", now=NOW)).failing for _ in range(3)]
    await store.record_fetch_success(feed_id, next_check_at=NOW, now=NOW)

    assert states == [False] * (FAILING_AFTER - 1) + [True]
    assert not (await store.list_guild_feeds(GUILD))[0].feed.failing


async def test_a_longer_retry_after_wins_over_the_backoff(store: Store) -> None:
    feed_id = (await store.add_guild_feed(GUILD, FEED_URLS[0], added_by=MEMBER, now=NOW)).feed.id
    feed = await store.record_fetch_failure(feed_id, error="HTTP 429", retry_after=timedelta(hours=2), now=NOW)
    assert feed.next_check_at == NOW + timedelta(hours=2)


async def test_a_forgotten_guilds_feeds_are_fetched_only_while_another_guild_follows_them(store: Store) -> None:
    shared = await store.add_guild_feed(GUILD, FEED_URLS[0], added_by=MEMBER, now=NOW)
    await store.add_guild_feed(OTHER_GUILD, FEED_URLS[0], added_by=MEMBER, now=NOW)
    await store.add_guild_feed(GUILD, FEED_URLS[1], added_by=MEMBER, now=NOW)

    await store.forget_guild(GUILD)

    assert [feed.id for feed in await store.claim_due_feeds(now=NOW)] == [shared.feed.id]

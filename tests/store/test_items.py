"""Seen items and the anti-join that keeps a subscription's digests from repeating themselves."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.store import ItemRef, NotFound, Store, Subscription
from tests.store.samples import CHANNEL, FEED_URLS, GUILD, MEMBER, MORNING, NOW, OTHER_CHANNEL, OTHER_GUILD, entry


async def _feed(store: Store, url: str = FEED_URLS[0], guild_id: int = GUILD) -> int:
    return (await store.add_guild_feed(guild_id, url, added_by=MEMBER, now=NOW)).feed.id


async def _subscription(
    store: Store, *, guild_id: int = GUILD, channel_id: int = CHANNEL, feed_ids: list[int] | None = None
) -> Subscription:
    return await store.subscribe(
        guild_id, channel_id, created_by=MEMBER, local_time=MORNING, timezone="Europe/Madrid", feed_ids=feed_ids
    )


async def test_upserting_returns_only_items_not_seen_before(store: Store) -> None:
    feed_id = await _feed(store)
    first = await store.upsert_seen_items(feed_id, [entry(1), entry(2)], now=NOW)

    second = await store.upsert_seen_items(feed_id, [entry(3), entry(1), entry(2), entry(3)], now=NOW)

    assert [item.key for item in first] == [entry(1).key, entry(2).key]
    assert [item.key for item in second] == [entry(3).key]


async def test_a_seen_item_keeps_its_first_sighting(store: Store) -> None:
    feed_id = await _feed(store)
    subscription = await _subscription(store)
    await store.upsert_seen_items(feed_id, [entry(1)], now=NOW)

    corrected = replace(entry(1), title="Council approves budget amendment (corrected)")
    assert await store.upsert_seen_items(feed_id, [corrected], now=NOW + timedelta(hours=3)) == []

    (item,) = await store.undelivered_items(subscription.id, since=NOW)
    assert (item.first_seen_at, item.title) == (NOW, entry(1).title)


async def test_an_item_keeps_what_the_feed_said_about_it(store: Store) -> None:
    feed_id = await _feed(store)
    subscription = await _subscription(store)
    told = replace(entry(1), authors=("Maria Keller", "Tom Price"), source="Reuters", language="en")
    await store.upsert_seen_items(feed_id, [told], now=NOW)

    (item,) = await store.undelivered_items(subscription.id, since=NOW)

    assert (item.summary, item.authors, item.source, item.language) == (
        told.summary,
        ("Maria Keller", "Tom Price"),
        "Reuters",
        "en",
    )


async def test_an_item_keeps_the_picture_its_feed_names(store: Store) -> None:
    feed_id = await _feed(store)
    subscription = await _subscription(store)
    pictured = replace(entry(1), image="https://cdn.example-news.org/budget.jpg")
    await store.upsert_seen_items(feed_id, [pictured, entry(2)], now=NOW)

    items = await store.undelivered_items(subscription.id, since=NOW)

    assert {item.title: item.image for item in items} == {entry(1).title: pictured.image, entry(2).title: None}


async def test_the_same_guid_in_two_feeds_is_two_items(store: Store) -> None:
    first, second = await _feed(store, FEED_URLS[0]), await _feed(store, FEED_URLS[1])
    subscription = await _subscription(store)
    await store.upsert_seen_items(first, [replace(entry(1), key="guid:12345")], now=NOW)
    await store.upsert_seen_items(second, [replace(entry(2), key="guid:12345")], now=NOW)

    await store.record_delivered_items(subscription.id, [ItemRef(first, "guid:12345")], now=NOW)

    assert [item.feed_id for item in await store.undelivered_items(subscription.id, since=NOW)] == [second]


async def test_overlong_keys_are_stored_as_a_hash(store: Store) -> None:
    feed_id = await _feed(store)
    long_key = "link:https://www.example-news.org/story?" + "section=world&" * 200
    (stored,) = await store.upsert_seen_items(feed_id, [replace(entry(1), key=long_key)], now=NOW)

    assert stored.key.startswith("sha256:")
    assert await store.upsert_seen_items(feed_id, [replace(entry(1), key=long_key)], now=NOW) == []


async def test_delivered_items_do_not_come_back(store: Store) -> None:
    feed_id = await _feed(store)
    subscription = await _subscription(store)
    await store.upsert_seen_items(feed_id, [entry(1), entry(2), entry(3)], now=NOW)

    await store.record_delivered_items(subscription.id, [ItemRef(feed_id, entry(2).key)], now=NOW)

    keys = [item.key for item in await store.undelivered_items(subscription.id, since=NOW)]
    assert sorted(keys) == sorted([entry(1).key, entry(3).key])


async def test_delivery_to_one_channel_does_not_hide_items_from_another(store: Store) -> None:
    feed_id = await _feed(store)
    ours, theirs = await _subscription(store), await _subscription(store, channel_id=OTHER_CHANNEL)
    await store.upsert_seen_items(feed_id, [entry(1)], now=NOW)

    await store.record_delivered_items(ours.id, [ItemRef(feed_id, entry(1).key)], now=NOW)

    assert await store.undelivered_items(ours.id, since=NOW) == []
    assert len(await store.undelivered_items(theirs.id, since=NOW)) == 1


async def test_an_article_delivered_from_one_feed_is_not_repeated_from_another(store: Store) -> None:
    world, europe = await _feed(store, FEED_URLS[0]), await _feed(store, FEED_URLS[1])
    subscription = await _subscription(store)
    story = entry(1)
    await store.upsert_seen_items(world, [story], now=NOW)
    await store.record_delivered_items(subscription.id, [ItemRef(world, story.key)], now=NOW)

    # The other feed carries the same article under its own guid, its link tagged for tracking.
    syndicated = replace(story, key="guid:europe-77", link=f"{story.link}?utm_source=rss")
    await store.upsert_seen_items(europe, [syndicated], now=NOW + timedelta(hours=1))

    assert await store.undelivered_items(subscription.id, since=NOW) == []


async def test_one_article_in_two_feeds_appears_once_in_a_digest(store: Store) -> None:
    world, europe = await _feed(store, FEED_URLS[0]), await _feed(store, FEED_URLS[1])
    subscription = await _subscription(store)
    await store.upsert_seen_items(world, [entry(1)], now=NOW)
    await store.upsert_seen_items(europe, [replace(entry(1), key="guid:europe-77")], now=NOW)

    assert len(await store.undelivered_items(subscription.id, since=NOW)) == 1


async def test_items_first_seen_before_since_are_left_out(store: Store) -> None:
    feed_id = await _feed(store)
    subscription = await _subscription(store)
    await store.upsert_seen_items(feed_id, [entry(1)], now=NOW - timedelta(days=1))
    await store.upsert_seen_items(feed_id, [entry(2)], now=NOW)

    assert [item.key for item in await store.undelivered_items(subscription.id, since=NOW)] == [entry(2).key]


async def test_published_after_drops_old_items_and_keeps_undated_ones(store: Store) -> None:
    feed_id = await _feed(store)
    subscription = await _subscription(store)
    old = entry(1, published=NOW - timedelta(days=40))
    undated = replace(entry(2), published=None)
    await store.upsert_seen_items(feed_id, [old, undated, entry(3)], now=NOW)

    items = await store.undelivered_items(subscription.id, since=NOW, published_after=NOW - timedelta(days=2))

    assert sorted(item.key for item in items) == sorted([undated.key, entry(3).key])


async def test_a_digest_reads_only_its_chosen_feeds(store: Store) -> None:
    chosen, other = await _feed(store, FEED_URLS[0]), await _feed(store, FEED_URLS[1])
    subscription = await _subscription(store, feed_ids=[chosen])
    await store.upsert_seen_items(chosen, [entry(1)], now=NOW)
    await store.upsert_seen_items(other, [entry(2, site="https://other.example.net")], now=NOW)

    assert [item.feed_id for item in await store.undelivered_items(subscription.id, since=NOW)] == [chosen]


async def test_a_digest_never_reads_another_guilds_feeds(store: Store) -> None:
    await _feed(store, FEED_URLS[0])
    theirs = await _feed(store, FEED_URLS[1], guild_id=OTHER_GUILD)
    subscription = await _subscription(store)
    await store.upsert_seen_items(theirs, [entry(1)], now=NOW)

    assert await store.undelivered_items(subscription.id, since=NOW) == []
    assert await store.undelivered_items(subscription.id, since=NOW, feed_ids=[theirs]) == []


async def test_undelivered_items_come_newest_first_up_to_the_limit(store: Store) -> None:
    feed_id = await _feed(store)
    subscription = await _subscription(store)
    items = [entry(number, published=NOW - timedelta(hours=number)) for number in range(1, 6)]
    await store.upsert_seen_items(feed_id, reversed(items), now=NOW)

    found = await store.undelivered_items(subscription.id, since=NOW, limit=3)

    assert [item.key for item in found] == [item.key for item in items[:3]]


async def test_many_items_are_stored_in_batches(store: Store) -> None:
    feed_id = await _feed(store)
    subscription = await _subscription(store)
    items = [entry(number) for number in range(450)]

    assert len(await store.upsert_seen_items(feed_id, items, now=NOW)) == 450
    await store.record_delivered_items(subscription.id, [ItemRef(feed_id, item.key) for item in items[:420]], now=NOW)

    assert len(await store.undelivered_items(subscription.id, since=NOW)) == 30


async def test_items_of_a_deleted_subscription_cannot_be_asked_for(store: Store) -> None:
    subscription = await _subscription(store)
    await store.unsubscribe(GUILD, CHANNEL)
    with pytest.raises(NotFound):
        await store.undelivered_items(subscription.id, since=NOW)


async def test_item_counts_give_stored_and_recent_items_per_feed(store: Store) -> None:
    feed_id = await _feed(store)
    await store.upsert_seen_items(feed_id, [entry(1)], now=NOW - timedelta(days=3))
    await store.upsert_seen_items(feed_id, [entry(2), entry(3)], now=NOW)
    assert await store.item_counts([feed_id], now=NOW) == {feed_id: (3, 2)}


async def test_item_counts_of_a_feed_without_items_are_zero(store: Store) -> None:
    feed_id = await _feed(store)
    assert await store.item_counts([feed_id], now=NOW) == {feed_id: (0, 0)}

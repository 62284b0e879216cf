"""Live posts: a story is claimed by one process however many race for it, a holder that died is
replaced by one that posts with the same nonce, stories over the cap wait for one combined message,
and what was posted is found again to be edited."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.store import Store
from bot.store.live import LIVE_LEASE, Coverage
from bot.store.tables import LivePostStatus, subscriptions
from tests.store.samples import CHANNEL, GUILD, MEMBER, MORNING, NOW

STORY = "a" * 64
COURIER = Coverage(outlet="Harbour Courier", link="https://harbour-courier.example/news/ferry")
GAZETTE = Coverage(outlet="Island Gazette", link="https://gazette.example/ferry-cut")
NEXT_HOUR = NOW.replace(minute=0) + timedelta(hours=1)


async def _subscription_id(store: Store) -> int:
    subscription = await store.subscribe(
        GUILD, CHANNEL, created_by=MEMBER, local_time=MORNING, timezone="Europe/Paris", now=NOW
    )
    return subscription.id


async def test_a_subscription_is_an_edition_with_ten_posts_an_hour_unless_told(store: Store) -> None:
    subscription_id = await _subscription_id(store)

    async with store.engine.connect() as connection:
        row = (
            await connection.execute(
                select(subscriptions.c.mode, subscriptions.c.hourly_cap).where(subscriptions.c.id == subscription_id)
            )
        ).one()

    assert (row.mode, row.hourly_cap) == ("edition", 10)


async def test_two_processes_racing_for_a_story_get_one_claim(store: Store, second_store: Store) -> None:
    subscription_id = await _subscription_id(store)

    claims = await asyncio.gather(
        *(
            claimer.claim_live_story(subscription_id, STORY, [COURIER], nonce=f"n{index}", now=NOW)
            for index, claimer in enumerate((store, second_store, store, second_store))
        )
    )

    assert sum(claim is not None for claim in claims) == 1


async def test_a_posted_story_is_never_claimed_again(store: Store) -> None:
    subscription_id = await _subscription_id(store)
    claim = await store.claim_live_story(subscription_id, STORY, [COURIER], nonce="first", now=NOW)
    assert claim is not None
    assert await store.record_live_message(claim, [900], now=NOW)

    later = NOW + LIVE_LEASE * 10

    assert await store.claim_live_story(subscription_id, STORY, [GAZETTE], nonce="second", now=later) is None


async def test_a_dead_holders_story_is_taken_over_with_its_first_nonce(store: Store) -> None:
    subscription_id = await _subscription_id(store)
    first = await store.claim_live_story(subscription_id, STORY, [COURIER], nonce="first", now=NOW)
    assert first is not None

    assert await store.claim_live_story(subscription_id, STORY, [COURIER], nonce="second", now=NOW) is None
    taken = await store.claim_live_story(subscription_id, STORY, [COURIER], nonce="second", now=NOW + LIVE_LEASE)

    assert taken is not None
    assert taken.nonce == "first"
    assert not await store.record_live_message(first, [900], now=NOW + LIVE_LEASE)


async def test_stories_over_the_cap_go_out_together_when_their_hour_begins(store: Store) -> None:
    subscription_id = await _subscription_id(store)
    assert await store.hold_live_story(subscription_id, "b" * 64, [COURIER], nonce="held-1", due_at=NEXT_HOUR, now=NOW)
    assert await store.hold_live_story(subscription_id, "c" * 64, [GAZETTE], nonce="held-2", due_at=NEXT_HOUR, now=NOW)

    assert await store.claim_held_stories(subscription_id, now=NEXT_HOUR - timedelta(seconds=1)) is None
    claim = await store.claim_held_stories(subscription_id, now=NEXT_HOUR)

    assert claim is not None
    assert [post.coverage for post in claim.posts] == [(COURIER,), (GAZETTE,)]
    assert claim.nonce == "held-1"


async def test_a_paused_subscription_is_not_asked_for_its_held_stories_until_resumed(store: Store) -> None:
    subscription_id = await _subscription_id(store)
    assert await store.hold_live_story(subscription_id, STORY, [COURIER], nonce="held", due_at=NEXT_HOUR, now=NOW)
    assert await store.pause_subscription(GUILD, CHANNEL, reason=None, now=NOW)

    assert await store.subscriptions_holding_stories(now=NEXT_HOUR) == []
    assert await store.resume_subscription(GUILD, CHANNEL)
    assert await store.subscriptions_holding_stories(now=NEXT_HOUR) == [subscription_id]


async def test_a_held_story_is_neither_claimed_alone_nor_held_twice(store: Store) -> None:
    subscription_id = await _subscription_id(store)
    assert await store.hold_live_story(subscription_id, STORY, [COURIER], nonce="held", due_at=NEXT_HOUR, now=NOW)

    assert await store.claim_live_story(subscription_id, STORY, [COURIER], nonce="now", now=NEXT_HOUR) is None
    assert not await store.hold_live_story(subscription_id, STORY, [COURIER], nonce="again", due_at=NEXT_HOUR, now=NOW)


async def test_a_combined_message_counts_once_against_the_cap(store: Store) -> None:
    subscription_id = await _subscription_id(store)
    single = await store.claim_live_story(subscription_id, STORY, [COURIER], nonce="single", now=NOW)
    assert single is not None
    assert await store.record_live_message(single, [900], now=NOW)
    for index, key in enumerate(("b" * 64, "c" * 64)):
        await store.hold_live_story(subscription_id, key, [GAZETTE], nonce=f"held-{index}", due_at=NOW, now=NOW)
    combined = await store.claim_held_stories(subscription_id, now=NOW)
    assert combined is not None
    assert await store.record_live_message(combined, [901], now=NOW)

    assert await store.live_messages_since(subscription_id, NOW.replace(minute=0)) == 2
    assert await store.live_messages_since(subscription_id, NOW + timedelta(seconds=1)) == 0


async def test_coverage_recorded_on_a_post_is_read_back_with_its_message(store: Store) -> None:
    subscription_id = await _subscription_id(store)
    claim = await store.claim_live_story(subscription_id, STORY, [COURIER], nonce="first", now=NOW)
    assert claim is not None
    assert await store.record_live_message(claim, [900, 901], now=NOW)

    await store.record_live_coverage(claim.posts[0].id, [COURIER, GAZETTE])
    (post,) = await store.live_posts_since(subscription_id, NOW - timedelta(hours=24))

    assert (post.status, post.message_ids, post.coverage) == (LivePostStatus.POSTED, (900, 901), (COURIER, GAZETTE))
    assert await store.live_posts_since(subscription_id, NOW + timedelta(seconds=1)) == []


async def _posted(store: Store, subscription_id: int, key: str, *, at: datetime) -> None:
    claim = await store.claim_live_story(subscription_id, key, [COURIER], nonce=key[:8], now=at)
    assert claim is not None
    assert await store.record_live_message(claim, [900], now=at)


async def test_stories_posted_before_the_cutoff_are_pruned_and_later_ones_kept(store: Store) -> None:
    subscription_id = await _subscription_id(store)
    cutoff = NOW + timedelta(days=2)
    await _posted(store, subscription_id, "old" + "a" * 61, at=cutoff - timedelta(seconds=1))
    await _posted(store, subscription_id, "new" + "a" * 61, at=cutoff)

    assert await store.prune_live_posts(posted_before=cutoff) == 1
    assert [post.story_key[:3] for post in await store.live_posts_since(subscription_id, NOW)] == ["new"]


async def test_held_stories_and_claims_are_never_pruned_before_they_are_posted(store: Store) -> None:
    subscription_id = await _subscription_id(store)
    assert await store.hold_live_story(subscription_id, "b" * 64, [COURIER], nonce="held", due_at=NEXT_HOUR, now=NOW)
    assert await store.claim_live_story(subscription_id, STORY, [GAZETTE], nonce="claimed", now=NOW) is not None
    much_later = NOW + timedelta(days=30)

    assert await store.prune_live_posts(posted_before=much_later) == 0
    held = await store.claim_held_stories(subscription_id, now=much_later)
    assert held is not None
    assert [post.story_key for post in held.posts] == ["b" * 64]
    assert (await store.live_post(subscription_id, STORY)) is not None


async def test_a_pruned_story_is_new_again(store: Store) -> None:
    subscription_id = await _subscription_id(store)
    await _posted(store, subscription_id, STORY, at=NOW)
    later = NOW + timedelta(days=3)
    await store.prune_live_posts(posted_before=later)

    claim = await store.claim_live_story(subscription_id, STORY, [GAZETTE], nonce="again", now=later)

    assert claim is not None
    assert (claim.nonce, claim.resumed) == ("again", False)


async def test_the_stories_of_a_combined_message_are_read_back_together_in_its_order(store: Store) -> None:
    subscription_id = await _subscription_id(store)
    await _posted(store, subscription_id, STORY, at=NOW)
    for key in ("c" * 64, "b" * 64):
        assert await store.hold_live_story(subscription_id, key, [GAZETTE], nonce=key[:8], due_at=NEXT_HOUR, now=NOW)
    combined = await store.claim_held_stories(subscription_id, now=NEXT_HOUR)
    assert combined is not None
    assert await store.record_live_message(combined, [901], now=NEXT_HOUR)
    single, first, second = await store.live_posts_since(subscription_id, NOW)

    together = await store.live_posts_in_message(second)

    assert [post.story_key for post in together] == ["c" * 64, "b" * 64]
    assert together == await store.live_posts_in_message(first)
    assert [post.story_key for post in await store.live_posts_in_message(single)] == [STORY]

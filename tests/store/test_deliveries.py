"""Deliveries: one scheduled digest per local date, however many processes race for it, a lease that
its holder renews and a dead holder loses within a minute, and a restart that finishes what a crash
left half-posted."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import text

from bot.store import Claim, DeliveryKind, DeliveryStatus, DueEditions, ItemRef, Store, Subscription
from bot.store.deliveries import CLAIM_LEASE, FIRST_RETRY_DELAY, MAX_RETRY_DELAY, retry_delay
from tests.store.conftest import stored_delivery
from tests.store.samples import CHANNEL, FEED_URLS, GUILD, MEMBER, MESSAGE, MORNING, NOW, OTHER_CHANNEL, entry

TODAY = date(2025, 3, 14)
LATER = NOW + CLAIM_LEASE + timedelta(seconds=1)
"""A moment at which a claim made at NOW and never renewed counts as abandoned."""


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


async def test_a_claim_is_not_taken_over_while_its_lease_holds(store: Store) -> None:
    subscription = await _subscription(store)
    claim = await _claim(store, subscription.id, now=NOW)
    just_before_expiry = NOW + CLAIM_LEASE - timedelta(seconds=1)

    assert claim.lease_expires_at == NOW + CLAIM_LEASE
    assert await store.claim_delivery(subscription.id, TODAY, DeliveryKind.SCHEDULED, now=just_before_expiry) is None


async def test_a_renewed_claim_outlives_its_first_lease(store: Store) -> None:
    subscription = await _subscription(store)
    claim = await _claim(store, subscription.id, now=NOW)

    assert await store.renew_claim(claim, now=NOW + timedelta(seconds=40))

    assert await store.claim_delivery(subscription.id, TODAY, DeliveryKind.SCHEDULED, now=LATER) is None
    delivery = await stored_delivery(store, claim.delivery_id)
    assert delivery is not None
    assert delivery.lease_expires_at == NOW + timedelta(seconds=40) + CLAIM_LEASE


async def test_a_claim_whose_lease_ran_out_is_taken_over_and_its_holder_cannot_renew(store: Store) -> None:
    subscription = await _subscription(store)
    stalled = await _claim(store, subscription.id, now=NOW)

    taken = await _claim(store, subscription.id, now=LATER)

    assert (taken.delivery_id, taken.attempt, taken.started_at) == (stalled.delivery_id, 2, NOW)
    assert await store.renew_claim(stalled, now=LATER) is False
    assert await store.renew_claim(taken, now=LATER)


async def test_a_completed_claim_holds_no_lease(store: Store) -> None:
    subscription = await _subscription(store)
    claim = await _claim(store, subscription.id, now=NOW)
    await store.complete_delivery(claim, status=DeliveryStatus.POSTED, now=NOW)

    assert await store.renew_claim(claim, now=NOW) is False
    delivery = await stored_delivery(store, claim.delivery_id)
    assert delivery is not None
    assert delivery.lease_expires_at is None


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


async def test_a_released_claim_is_taken_over_at_once_and_its_holder_cannot_renew(store: Store) -> None:
    subscription = await _subscription(store)
    cut_off = await _claim(store, subscription.id, now=NOW)

    assert await store.release_claim(cut_off, reason="cut off by a shutdown", now=NOW)
    retried = await store.deliveries_to_retry(
        kind=DeliveryKind.SCHEDULED, started_after=NOW - timedelta(hours=1), now=NOW
    )
    taken = await _claim(store, subscription.id, now=NOW)

    assert [delivery.error for delivery in retried] == ["cut off by a shutdown"]
    assert (taken.delivery_id, taken.attempt) == (cut_off.delivery_id, 2)
    assert await store.renew_claim(cut_off, now=NOW) is False
    assert await store.release_claim(cut_off, reason="cut off by a shutdown", now=NOW) is False


async def test_a_failed_digest_can_be_tried_again_after_its_retry_delay(store: Store) -> None:
    subscription = await _subscription(store)
    claim = await _claim(store, subscription.id, now=NOW)
    await store.complete_delivery(claim, status=DeliveryStatus.FAILED, error="403 Missing Access", now=NOW)
    failed = await stored_delivery(store, claim.delivery_id)
    assert failed is not None
    assert (failed.status, failed.error) == (DeliveryStatus.FAILED, "403 Missing Access")

    too_soon = NOW + FIRST_RETRY_DELAY - timedelta(seconds=1)
    assert await store.claim_delivery(subscription.id, TODAY, DeliveryKind.SCHEDULED, now=too_soon) is None
    retry = await _claim(store, subscription.id, now=NOW + FIRST_RETRY_DELAY)

    assert (retry.delivery_id, retry.attempt) == (claim.delivery_id, 2)


def test_the_retry_delay_doubles_up_to_its_cap() -> None:
    delays = [retry_delay(attempt) for attempt in range(1, 7)]
    assert delays == [FIRST_RETRY_DELAY * factor for factor in (1, 2, 4)] + [MAX_RETRY_DELAY] * 3
    assert retry_delay(10_000) == MAX_RETRY_DELAY


async def test_failed_and_abandoned_manual_digests_are_found_for_retry(store: Store) -> None:
    subscription = await _subscription(store)

    async def manual(at: timedelta) -> Claim:
        claim = await store.claim_delivery(subscription.id, TODAY, DeliveryKind.MANUAL, now=NOW + at)
        assert claim is not None
        return claim

    # The posted one began first: a later posted digest would make the others owed no more.
    posted, failed, abandoned, held = [await manual(timedelta(minutes=n)) for n in (0, 1, 2, 3)]
    await store.complete_delivery(failed, status=DeliveryStatus.FAILED, error="503", now=NOW + timedelta(minutes=1))
    await store.complete_delivery(posted, status=DeliveryStatus.POSTED, now=NOW + timedelta(minutes=4))
    await store.renew_claim(held, now=NOW + timedelta(minutes=4))
    old = await manual(-timedelta(hours=2))
    await store.complete_delivery(old, status=DeliveryStatus.FAILED, error="503", now=NOW)
    await _claim(store, subscription.id, now=NOW)  # a scheduled one is the catch-up's

    found = await store.deliveries_to_retry(
        kind=DeliveryKind.MANUAL, started_after=NOW - timedelta(hours=1), now=NOW + timedelta(minutes=4, seconds=30)
    )

    assert [delivery.id for delivery in found] == [failed.delivery_id, abandoned.delivery_id]


async def test_a_failed_manual_digest_a_later_digest_superseded_is_not_retried(store: Store) -> None:
    subscription = await _subscription(store)
    failed = await store.claim_delivery(subscription.id, TODAY, DeliveryKind.MANUAL, now=NOW)
    assert failed is not None
    await store.complete_delivery(failed, status=DeliveryStatus.FAILED, error="503", now=NOW)
    later = await store.claim_delivery(subscription.id, TODAY, DeliveryKind.MANUAL, now=NOW + timedelta(minutes=5))
    assert later is not None
    cutoff, moment = NOW - timedelta(hours=1), NOW + timedelta(minutes=5, seconds=30)
    before = await store.deliveries_to_retry(kind=DeliveryKind.MANUAL, started_after=cutoff, now=moment)

    await store.complete_delivery(later, status=DeliveryStatus.POSTED, now=NOW + timedelta(minutes=5))

    assert [delivery.id for delivery in before] == [failed.delivery_id]
    assert await store.deliveries_to_retry(kind=DeliveryKind.MANUAL, started_after=cutoff, now=moment) == []


async def test_a_manual_digest_is_taken_over_by_its_id(store: Store) -> None:
    subscription = await _subscription(store)
    first = await store.claim_delivery(subscription.id, TODAY, DeliveryKind.MANUAL, now=NOW)
    assert first is not None
    assert await store.take_over_delivery(first.delivery_id, now=NOW) is None  # its lease holds

    taken = await store.take_over_delivery(first.delivery_id, now=LATER)

    assert taken is not None
    assert (taken.delivery_id, taken.kind, taken.attempt, taken.started_at) == (
        first.delivery_id,
        DeliveryKind.MANUAL,
        2,
        NOW,
    )
    assert await store.take_over_delivery(first.delivery_id, now=LATER) is None
    assert await store.take_over_delivery(first.delivery_id + 100, now=LATER) is None


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
    feed_id = (await store.add_guild_feed(GUILD, FEED_URLS[0], added_by=MEMBER, now=NOW)).feed.id
    await store.upsert_seen_items(feed_id, [entry(1)], now=NOW)
    claim = await _claim(store, theirs.id, now=NOW)
    with pytest.raises(ValueError, match="not one of"):
        await store.record_delivered_items(
            ours.id, [ItemRef(feed_id, entry(1).key)], delivery_id=claim.delivery_id, message_id=MESSAGE, now=NOW
        )


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


async def test_racing_takeovers_of_a_manual_digest_get_exactly_one(store: Store, second_store: Store) -> None:
    subscription = await _subscription(store)
    for _ in range(5):
        claim = await store.claim_delivery(subscription.id, TODAY, DeliveryKind.MANUAL, now=NOW)
        assert claim is not None

        results = await asyncio.gather(
            store.take_over_delivery(claim.delivery_id, now=LATER),
            second_store.take_over_delivery(claim.delivery_id, now=LATER),
            second_store.take_over_delivery(claim.delivery_id, now=LATER),
        )

        assert [result.attempt for result in results if result is not None] == [2]


async def test_a_holder_renewing_keeps_its_claim_against_a_racer(store: Store, second_store: Store) -> None:
    subscription = await _subscription(store)
    claim = await _claim(store, subscription.id, now=NOW)
    renewals = [NOW + timedelta(seconds=seconds) for seconds in range(20, 301, 20)]

    for moment in renewals:
        renewed, raced = await asyncio.gather(
            store.renew_claim(claim, now=moment),
            second_store.claim_delivery(subscription.id, TODAY, DeliveryKind.SCHEDULED, now=moment),
        )
        assert (renewed, raced) == (True, None)
    # The holder dies after its last renewal: a minute later the racer has it.
    assert await second_store.claim_delivery(subscription.id, TODAY, DeliveryKind.SCHEDULED, now=renewals[-1]) is None
    taken = await second_store.claim_delivery(
        subscription.id, TODAY, DeliveryKind.SCHEDULED, now=renewals[-1] + CLAIM_LEASE
    )
    assert taken is not None
    assert taken.attempt == 2


# --- due editions, claimed by the delivery clock ------------------------------------------------------

GRACE = timedelta(hours=1)
EVENING = time(18, 0)


async def _editions(
    store: Store, channel_id: int = CHANNEL, *times: time, subscribed_at: datetime = NOW - timedelta(hours=1)
) -> Subscription:
    """A subscription in Paris (07:30 there is NOW) made an hour before NOW: its first edition is due at NOW."""
    return await store.subscribe(
        GUILD,
        channel_id,
        created_by=MEMBER,
        edition_times=times or (MORNING,),
        timezone="Europe/Paris",
        now=subscribed_at,
    )


async def test_a_due_edition_is_claimed_once_and_the_next_one_becomes_due(store: Store) -> None:
    subscription = await _editions(store, CHANNEL, MORNING, EVENING)

    due = await store.claim_due_editions(now=NOW, limit=5, grace=GRACE)
    again = await store.claim_due_editions(now=NOW, limit=5, grace=GRACE)

    (claim,) = due.claims
    assert (claim.subscription_id, claim.local_date, claim.edition_time, claim.attempt) == (
        subscription.id,
        TODAY,
        MORNING,
        1,
    )
    assert (due.missed, due.full, again) == ((), False, DueEditions())
    moved = await store.subscription_by_id(subscription.id)
    assert moved is not None
    assert moved.next_edition_at == datetime(2025, 3, 14, 17, 0, tzinfo=UTC)  # 18:00 in Paris


async def test_two_editions_of_one_day_are_two_deliveries(store: Store) -> None:
    subscription = await _editions(store, CHANNEL, MORNING, EVENING)
    evening = datetime(2025, 3, 14, 17, 0, tzinfo=UTC)

    (morning_claim,) = (await store.claim_due_editions(now=NOW, limit=5, grace=GRACE)).claims
    (evening_claim,) = (await store.claim_due_editions(now=evening, limit=5, grace=GRACE)).claims

    assert morning_claim.delivery_id != evening_claim.delivery_id
    assert (evening_claim.local_date, evening_claim.edition_time) == (TODAY, EVENING)
    claimed_again = await store.claim_delivery(
        subscription.id, TODAY, DeliveryKind.SCHEDULED, edition_time=EVENING, now=evening
    )
    assert claimed_again is None


async def test_the_claim_takes_no_more_than_asked_oldest_first(store: Store) -> None:
    earliest = await _editions(store, CHANNEL, time(7, 0))
    middle = await _editions(store, OTHER_CHANNEL, time(7, 15))
    latest = await _editions(store, CHANNEL + 10, MORNING)

    first = await store.claim_due_editions(now=NOW, limit=2, grace=GRACE)
    rest = await store.claim_due_editions(now=NOW, limit=2, grace=GRACE)

    assert [claim.subscription_id for claim in first.claims] == [earliest.id, middle.id]
    assert first.full
    assert ([claim.subscription_id for claim in rest.claims], rest.full) == ([latest.id], False)


async def test_an_edition_past_the_grace_is_missed_and_the_next_becomes_due(store: Store) -> None:
    subscription = await _editions(store)
    late = NOW + GRACE + timedelta(minutes=1)

    due = await store.claim_due_editions(now=late, limit=5, grace=GRACE)

    assert due.claims == ()
    (missed,) = due.missed
    assert (missed.subscription_id, missed.edition.at, missed.due_since) == (subscription.id, NOW, NOW)
    moved = await store.subscription_by_id(subscription.id)
    assert moved is not None
    assert moved.next_edition_at == NOW + timedelta(days=1)
    assert await store.latest_delivery(subscription.id) is None


async def test_a_paused_subscription_is_not_claimed(store: Store) -> None:
    await _editions(store)
    await store.pause_subscription(GUILD, CHANNEL, reason="Paused by a moderator.")

    assert await store.claim_due_editions(now=NOW, limit=5, grace=GRACE) == DueEditions()


async def test_an_edition_delivered_already_is_not_claimed_again(store: Store) -> None:
    subscription = await _editions(store)
    await _claim(store, subscription.id, now=NOW)  # as the version before 6 claimed it

    due = await store.claim_due_editions(now=NOW, limit=5, grace=GRACE)

    assert (due.claims, due.missed) == ((), ())
    moved = await store.subscription_by_id(subscription.id)
    assert moved is not None
    assert moved.next_edition_at == NOW + timedelta(days=1)


async def test_two_claimers_at_once_never_get_the_same_edition(store: Store, second_store: Store) -> None:
    subscriptions = [await _editions(store, CHANNEL + number) for number in range(24)]

    async def claim_all(claimer: Store) -> list[int]:
        claimed: list[int] = []
        while (due := await claimer.claim_due_editions(now=NOW, limit=3, grace=GRACE)).full or due.claims:
            claimed += [claim.subscription_id for claim in due.claims]
        return claimed

    first, second = await asyncio.gather(claim_all(store), claim_all(second_store))

    assert sorted(first + second) == sorted(subscription.id for subscription in subscriptions)


async def test_postgresql_claimers_skip_the_rows_another_holds_instead_of_waiting(store: Store) -> None:
    if store.engine.dialect.name != "postgresql":
        pytest.skip("FOR UPDATE SKIP LOCKED is PostgreSQL's; SQLite's claim takes the database's write lock")
    held, free = await _editions(store), await _editions(store, OTHER_CHANNEL)

    async with store.engine.connect() as other_process:
        transaction = await other_process.begin()
        await other_process.execute(text("SELECT id FROM subscriptions WHERE id = :id FOR UPDATE"), {"id": held.id})
        during = await asyncio.wait_for(store.claim_due_editions(now=NOW, limit=5, grace=GRACE), timeout=5)
        await transaction.rollback()
    after = await store.claim_due_editions(now=NOW, limit=5, grace=GRACE)

    assert [claim.subscription_id for claim in during.claims] == [free.id]
    assert [claim.subscription_id for claim in after.claims] == [held.id]

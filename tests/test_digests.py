"""The digest service: feeds refreshed into a real store, digests built by the real pipeline from pages on
a local site, posted through a recording poster (the Discord boundary), each item once."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator, Sequence
from datetime import datetime, time, timedelta
from typing import Any

import pytest

from bot.digests import (
    FEED_CHECK_INTERVAL,
    MESSAGE_KEY_CHARS,
    PLATFORM_CLOCK_SKEW,
    ChannelUnavailable,
    DeliveryResult,
    DigestService,
    FeedRefresher,
    TransientPostError,
    message_key,
)
from bot.store import FAILING_AFTER, DeliveryKind, DeliveryStatus, failure_backoff
from bot.store.deliveries import CLAIM_LEASE, FIRST_RETRY_DELAY
from tests.newsroom import (
    FIRST_MESSAGE,
    NOW,
    REPORTS,
    CrashAfterStoring,
    LostAnswer,
    Newsroom,
    Sent,
    SimulatedCrash,
    title,
)
from tests.store.samples import CHANNEL, GUILD, MEMBER, OTHER_GUILD


def hours_ago(room: Newsroom, hours: float) -> datetime:
    return room.clock() - timedelta(hours=hours)


def no_repeats(titles: Sequence[str]) -> Iterator[str]:
    seen = set()
    for one in titles:
        if one in seen:
            yield one
        seen.add(one)


# --- refreshing -------------------------------------------------------------------------------------


async def test_a_refresh_stores_new_items_with_the_feeds_summary(newsroom: Newsroom) -> None:
    url = newsroom.publish("/courier.xml", [("ferry", hours_ago(newsroom, 2)), ("orchard", hours_ago(newsroom, 3))])
    feed_id = await newsroom.follow(url)
    subscription = await newsroom.subscribe()

    report = await newsroom.refresher.refresh_due()

    assert (report.fetched, report.new_items) == (1, 2)
    items = await newsroom.store.undelivered_items(subscription.id, since=NOW)
    assert {item.title: item.summary for item in items} == {
        title("ferry"): REPORTS["ferry"].teaser,
        title("orchard"): REPORTS["orchard"].teaser,
    }
    (followed,) = await newsroom.store.list_guild_feeds(GUILD)
    assert (followed.feed.id, followed.feed.title, followed.feed.next_check_at) == (
        feed_id,
        "Harbour Courier",
        NOW + FEED_CHECK_INTERVAL,
    )


async def test_a_feed_many_guilds_follow_is_fetched_once_a_cycle(newsroom: Newsroom) -> None:
    url = newsroom.publish("/courier.xml", [("ferry", hours_ago(newsroom, 2))])
    await newsroom.follow(url)
    await newsroom.follow(url, guild_id=OTHER_GUILD)

    await newsroom.refresher.refresh_due()
    await newsroom.refresher.refresh_due()
    assert newsroom.site.hits["/courier.xml"] == 1

    newsroom.clock.advance(FEED_CHECK_INTERVAL)
    await newsroom.refresher.refresh_due()
    assert newsroom.site.hits["/courier.xml"] == 2


async def test_a_feed_that_keeps_failing_is_named_in_the_digest(newsroom: Newsroom) -> None:
    await newsroom.follow(newsroom.publish("/courier.xml", [("ferry", hours_ago(newsroom, 1))]))
    broken = newsroom.site.add("/broken.xml", "Internal Server Error", content_type="text/plain", status=500)
    await newsroom.follow(broken)
    subscription = await newsroom.subscribe()

    failing = []
    for failures in range(1, FAILING_AFTER + 1):
        await newsroom.refresher.refresh_due()
        feed = next(entry.feed for entry in await newsroom.store.list_guild_feeds(GUILD) if entry.feed.url == broken)
        failing.append(feed.failing)
        newsroom.clock.advance(failure_backoff(failures))

    assert failing == [False] * (FAILING_AFTER - 1) + [True]
    assert await newsroom.deliver(subscription) is DeliveryResult.POSTED
    assert newsroom.poster.digests[-1].failing_feeds == (broken,)
    assert newsroom.poster.titles == [title("ferry")]


async def test_a_digest_waits_for_another_process_fetching_a_new_feed_for_the_first_time(newsroom: Newsroom) -> None:
    url = newsroom.publish("/courier.xml", [("ferry", hours_ago(newsroom, 1))])
    served = newsroom.site.pages["/courier.xml"]
    newsroom.site.add("/courier.xml", served.body, content_type=served.content_type, delay=1.0)
    await newsroom.follow(url)
    subscription = await newsroom.subscribe()
    other_process = FeedRefresher(store=newsroom.store, fetcher=newsroom.refresher.fetcher, clock=newsroom.clock)
    fetching = asyncio.create_task(other_process.refresh_due())
    for _ in range(100):  # until the other process holds the feed's fetch
        if newsroom.site.hits["/courier.xml"]:
            break
        await asyncio.sleep(0.05)

    assert await newsroom.deliver(subscription) is DeliveryResult.POSTED
    assert newsroom.poster.titles == [title("ferry")]
    await fetching


async def test_a_digest_waits_for_this_processs_fetch_of_its_feed(newsroom: Newsroom) -> None:
    url = newsroom.publish("/courier.xml", [("ferry", hours_ago(newsroom, 1))])
    await newsroom.follow(url)
    subscription = await newsroom.subscribe()
    await newsroom.refresher.refresh_due()
    newsroom.clock.advance(FEED_CHECK_INTERVAL)
    newsroom.publish("/courier.xml", [("ferry", hours_ago(newsroom, 1)), ("orchard", hours_ago(newsroom, 0.5))])
    served = newsroom.site.pages["/courier.xml"]
    newsroom.site.add("/courier.xml", served.body, content_type=served.content_type, delay=1.0)
    hits = newsroom.site.hits["/courier.xml"]
    fetching = asyncio.create_task(newsroom.refresher.refresh_due())  # the periodic refresh, under way
    for _ in range(100):  # until it holds the feed's fetch
        if newsroom.site.hits["/courier.xml"] > hits:
            break
        await asyncio.sleep(0.05)

    assert await newsroom.deliver(subscription) is DeliveryResult.POSTED
    assert sorted(newsroom.poster.titles) == sorted([title("ferry"), title("orchard")])
    await fetching


async def test_a_digest_whose_feeds_are_fresh_claims_none_of_them(
    newsroom: Newsroom, monkeypatch: pytest.MonkeyPatch
) -> None:
    await newsroom.follow(newsroom.publish("/courier.xml", [("ferry", hours_ago(newsroom, 1))]))
    subscription = await newsroom.subscribe()
    await newsroom.refresher.refresh_due()
    claims: list[object] = []
    claim_due_feeds = newsroom.store.claim_due_feeds

    async def counted_claim(**options: Any) -> Any:
        claims.append(options)
        return await claim_due_feeds(**options)

    monkeypatch.setattr(newsroom.store, "claim_due_feeds", counted_claim)

    assert await newsroom.deliver(subscription) is DeliveryResult.POSTED
    assert newsroom.poster.titles == [title("ferry")]
    assert claims == []


# --- what a digest carries --------------------------------------------------------------------------


async def test_a_digest_posts_the_new_stories_and_records_them(newsroom: Newsroom) -> None:
    await newsroom.follow(
        newsroom.publish(
            "/courier.xml",
            [("ferry", hours_ago(newsroom, 1)), ("orchard", hours_ago(newsroom, 2)), ("chess", hours_ago(newsroom, 3))],
        )
    )
    subscription = await newsroom.subscribe()

    outcome = await newsroom.service.deliver(subscription.id, kind=DeliveryKind.SCHEDULED, poster=newsroom.poster)

    assert (outcome.result, outcome.stories) == (DeliveryResult.POSTED, 3)
    assert sorted(newsroom.poster.titles) == sorted([title("ferry"), title("orchard"), title("chess")])
    assert outcome.message_ids == tuple(message_id for _channel, message_id, _sent in newsroom.poster.posted)
    assert {channel for channel, _id, _sent in newsroom.poster.posted} == {CHANNEL}
    assert await newsroom.store.undelivered_items(subscription.id, since=NOW - timedelta(days=1)) == []
    assert outcome.delivery_id is not None
    delivery = await newsroom.store.latest_delivery(subscription.id)
    assert delivery is not None
    assert delivery.id == outcome.delivery_id
    assert (delivery.status, delivery.local_date, delivery.posted_message_ids) == (
        DeliveryStatus.POSTED,
        NOW.date(),
        outcome.message_ids,
    )


async def test_a_scheduled_digest_is_posted_once_per_local_date(newsroom: Newsroom) -> None:
    await newsroom.follow(newsroom.publish("/courier.xml", [("ferry", hours_ago(newsroom, 1))]))
    subscription = await newsroom.subscribe()

    first = await newsroom.deliver(subscription)
    newsroom.clock.advance(timedelta(hours=2))
    second = await newsroom.deliver(subscription)

    assert (first, second) == (DeliveryResult.POSTED, DeliveryResult.ALREADY_DELIVERED)
    assert len(newsroom.poster.posted) == 1


async def test_the_first_digest_covers_the_last_day_not_the_backlog(newsroom: Newsroom) -> None:
    await newsroom.follow(
        newsroom.publish(
            "/courier.xml",
            [
                ("ferry", hours_ago(newsroom, 2)),
                ("orchard", hours_ago(newsroom, 30)),
                ("chess", hours_ago(newsroom, 72)),
            ],
        )
    )
    subscription = await newsroom.subscribe()

    await newsroom.deliver(subscription)

    assert newsroom.poster.titles == [title("ferry")]


async def test_the_next_digest_carries_only_what_is_new_since_the_last(newsroom: Newsroom) -> None:
    path = "/courier.xml"
    await newsroom.follow(
        newsroom.publish(path, [("ferry", hours_ago(newsroom, 1)), ("orchard", hours_ago(newsroom, 2))])
    )
    subscription = await newsroom.subscribe()
    await newsroom.deliver(subscription)

    newsroom.clock.advance(timedelta(days=1))
    newsroom.publish(
        path,
        [
            ("chess", hours_ago(newsroom, 3)),
            ("tram", hours_ago(newsroom, 4)),
            ("ferry", hours_ago(newsroom, 25)),
            ("orchard", hours_ago(newsroom, 26)),
        ],
    )
    posted_before = len(newsroom.poster.titles)
    assert await newsroom.deliver(subscription) is DeliveryResult.POSTED

    assert sorted(newsroom.poster.titles[posted_before:]) == sorted([title("chess"), title("tram")])


async def test_a_manual_digest_counts_so_the_scheduled_one_carries_only_newer_stories(newsroom: Newsroom) -> None:
    path = "/courier.xml"
    await newsroom.follow(
        newsroom.publish(path, [("ferry", hours_ago(newsroom, 1)), ("orchard", hours_ago(newsroom, 2))])
    )
    subscription = await newsroom.subscribe()

    assert await newsroom.deliver(subscription, DeliveryKind.MANUAL) is DeliveryResult.POSTED
    newsroom.clock.advance(FEED_CHECK_INTERVAL)
    newsroom.publish(
        path, [("tram", newsroom.clock()), ("ferry", hours_ago(newsroom, 1)), ("orchard", hours_ago(newsroom, 2))]
    )
    newsroom.clock.advance(timedelta(minutes=15))
    assert await newsroom.deliver(subscription) is DeliveryResult.POSTED

    assert newsroom.poster.titles[2:] == [title("tram")]
    assert sorted(newsroom.poster.titles[:2]) == sorted([title("ferry"), title("orchard")])


async def test_stories_a_digest_left_out_are_not_offered_again(newsroom: Newsroom) -> None:
    path = "/courier.xml"
    first_day = [
        ("ferry", hours_ago(newsroom, 1)),
        ("orchard", hours_ago(newsroom, 2)),
        ("chess", hours_ago(newsroom, 3)),
    ]
    await newsroom.follow(newsroom.publish(path, first_day))
    subscription = await newsroom.store.subscribe(
        GUILD, CHANNEL, created_by=MEMBER, local_time=time(7, 30), timezone="Europe/Berlin", max_stories=2, now=NOW
    )
    await newsroom.deliver(subscription, DeliveryKind.MANUAL)
    left_out = {title(slug) for slug, _published in first_day} - set(newsroom.poster.titles)

    newsroom.clock.advance(FEED_CHECK_INTERVAL)
    newsroom.publish(path, [("tram", newsroom.clock()), *first_day])
    await newsroom.deliver(subscription)

    assert len(left_out) == 1
    assert newsroom.poster.titles[2:] == [title("tram")]


async def test_a_resumed_digest_with_nothing_left_posts_nothing_more(newsroom: Newsroom) -> None:
    feed_id = await newsroom.follow(newsroom.publish("/courier.xml", [("ferry", hours_ago(newsroom, 1))]))
    subscription = await newsroom.subscribe()
    await newsroom.refresher.refresh_due()
    # A crash after the last message was posted and recorded, before the delivery was completed.
    claim = await newsroom.store.claim_delivery(subscription.id, NOW.date(), DeliveryKind.SCHEDULED, now=NOW)
    assert claim is not None
    (item,) = await newsroom.store.undelivered_items(subscription.id, since=NOW)
    await newsroom.store.record_delivered_items(
        subscription.id, [item.ref], delivery_id=claim.delivery_id, message_id=FIRST_MESSAGE, now=NOW
    )
    newsroom.clock.advance(CLAIM_LEASE)

    outcome = await newsroom.service.deliver(subscription.id, kind=DeliveryKind.SCHEDULED, poster=newsroom.poster)

    assert (outcome.result, outcome.message_ids, newsroom.poster.posted) == (
        DeliveryResult.POSTED,
        (FIRST_MESSAGE,),
        [],
    )
    assert item.feed_id == feed_id


async def test_a_second_manual_digest_with_nothing_new_says_so(newsroom: Newsroom) -> None:
    await newsroom.follow(newsroom.publish("/courier.xml", [("ferry", hours_ago(newsroom, 1))]))
    subscription = await newsroom.subscribe()
    await newsroom.deliver(subscription, DeliveryKind.MANUAL)

    outcome = await newsroom.service.deliver(subscription.id, kind=DeliveryKind.MANUAL, poster=newsroom.poster)

    assert (outcome.result, outcome.stories) == (DeliveryResult.POSTED, 0)
    assert newsroom.poster.posted[-1][2].content == "Nothing new since the last edition."


async def test_a_story_whose_page_is_gone_is_told_from_the_feeds_summary(newsroom: Newsroom) -> None:
    await newsroom.follow(
        newsroom.publish(
            "/courier.xml",
            [("ferry", hours_ago(newsroom, 1)), ("orchard", hours_ago(newsroom, 2))],
            without_pages=["orchard"],
        )
    )
    subscription = await newsroom.subscribe()

    await newsroom.deliver(subscription)

    stories = {story.title: story for story in newsroom.poster.digests[-1].stories}
    assert stories[title("orchard")].from_feed_summary
    assert " ".join(stories[title("orchard")].summary) == REPORTS["orchard"].teaser
    assert not stories[title("ferry")].from_feed_summary
    assert stories[title("ferry")].summary[0].startswith("The operator of the Lindholm ferry")


async def test_a_preview_marks_nothing(newsroom: Newsroom) -> None:
    await newsroom.follow(
        newsroom.publish("/courier.xml", [("ferry", hours_ago(newsroom, 1)), ("chess", hours_ago(newsroom, 2))])
    )
    subscription = await newsroom.subscribe()

    preview = await newsroom.service.preview(subscription.id)
    again = await newsroom.service.preview(subscription.id)
    await newsroom.deliver(subscription)

    assert [story.title for story in preview.stories] == [story.title for story in again.stories]
    assert sorted(newsroom.poster.titles) == sorted(story.title for story in preview.stories)
    assert len(preview.stories) == 2


async def test_a_subscription_with_chosen_feeds_reads_only_those(newsroom: Newsroom) -> None:
    chosen = await newsroom.follow(newsroom.publish("/courier.xml", [("ferry", hours_ago(newsroom, 1))]))
    await newsroom.follow(newsroom.publish("/valley.xml", [("orchard", hours_ago(newsroom, 1))], title="Valley Post"))
    subscription = await newsroom.store.subscribe(
        GUILD, CHANNEL, created_by=MEMBER, local_time=time(7, 30), timezone="Europe/Berlin", feed_ids=[chosen], now=NOW
    )

    await newsroom.deliver(subscription)

    assert newsroom.poster.titles == [title("ferry")]
    assert newsroom.site.hits["/valley.xml"] == 0


# --- when Discord says no ---------------------------------------------------------------------------


async def test_a_lost_channel_pauses_the_subscription_with_the_reason(newsroom: Newsroom) -> None:
    await newsroom.follow(newsroom.publish("/courier.xml", [("ferry", hours_ago(newsroom, 1))]))
    subscription = await newsroom.subscribe()
    reason = "The bot may no longer post in this channel."
    newsroom.poster.failures = [ChannelUnavailable(reason)]

    outcome = await newsroom.service.deliver(subscription.id, kind=DeliveryKind.SCHEDULED, poster=newsroom.poster)

    assert (outcome.result, outcome.error) == (DeliveryResult.CHANNEL_UNAVAILABLE, reason)
    paused = await newsroom.store.subscription_by_id(subscription.id)
    assert paused is not None
    assert (paused.paused, paused.pause_reason) == (True, reason)
    assert outcome.delivery_id is not None
    delivery = await newsroom.store.latest_delivery(subscription.id)
    assert delivery is not None
    assert delivery.id == outcome.delivery_id
    assert (delivery.status, delivery.error) == (DeliveryStatus.FAILED, reason)
    newsroom.clock.advance(timedelta(days=1))
    assert await newsroom.deliver(subscription) is DeliveryResult.PAUSED


async def test_discord_errors_are_retried_with_growing_waits(newsroom: Newsroom) -> None:
    await newsroom.follow(newsroom.publish("/courier.xml", [("ferry", hours_ago(newsroom, 1))]))
    subscription = await newsroom.subscribe()
    newsroom.poster.failures = [TransientPostError("503 Service Unavailable"), TransientPostError("502 Bad Gateway")]

    assert await newsroom.deliver(subscription) is DeliveryResult.POSTED

    assert newsroom.sleeps == [2.0, 4.0]
    assert newsroom.poster.titles == [title("ferry")]


async def test_a_message_whose_answer_was_lost_is_retried_under_the_same_key(newsroom: Newsroom) -> None:
    await newsroom.follow(newsroom.publish("/courier.xml", [("ferry", hours_ago(newsroom, 1))]))
    subscription = await newsroom.subscribe()
    newsroom.poster.failures = [LostAnswer("timed out")]

    assert await newsroom.deliver(subscription) is DeliveryResult.POSTED

    assert len(newsroom.poster.keys) == 2
    assert newsroom.poster.keys[0] == newsroom.poster.keys[1]
    assert newsroom.poster.titles == [title("ferry")]


async def test_each_message_of_a_digest_has_its_own_key(newsroom: Newsroom) -> None:
    slugs = ["ferry", "orchard", "chess"]
    await newsroom.follow(
        newsroom.publish("/courier.xml", [(slug, hours_ago(newsroom, n + 1)) for n, slug in enumerate(slugs)])
    )
    subscription = await newsroom.subscribe()

    assert await newsroom.deliver(subscription) is DeliveryResult.POSTED

    assert len(newsroom.poster.keys) == len(set(newsroom.poster.keys)) == 2
    assert all(len(key) <= MESSAGE_KEY_CHARS for key in newsroom.poster.keys)


def test_a_message_key_changes_with_the_items_it_carries() -> None:
    ferry = [("https://courier.example/feed.xml", "ferry")]
    orchard = [("https://courier.example/feed.xml", "orchard")]
    assert message_key(7, 1, ferry) == message_key(7, 1, list(ferry))
    assert (
        len({message_key(7, 1, ferry), message_key(7, 1, orchard), message_key(7, 2, ferry), message_key(8, 1, ferry)})
        == 4
    )


async def test_a_digest_discord_keeps_refusing_fails_and_a_later_claim_posts_the_rest(newsroom: Newsroom) -> None:
    slugs = ["ferry", "orchard", "chess"]
    await newsroom.follow(
        newsroom.publish("/courier.xml", [(slug, hours_ago(newsroom, n + 1)) for n, slug in enumerate(slugs)])
    )
    subscription = await newsroom.subscribe()
    newsroom.poster.failures = [None] + [TransientPostError("500 Internal Server Error")] * 4

    failed = await newsroom.service.deliver(subscription.id, kind=DeliveryKind.SCHEDULED, poster=newsroom.poster)
    newsroom.clock.advance(timedelta(minutes=5))
    resumed = await newsroom.service.deliver(subscription.id, kind=DeliveryKind.SCHEDULED, poster=newsroom.poster)

    assert (failed.result, len(failed.message_ids), len(newsroom.sleeps)) == (DeliveryResult.FAILED, 1, 3)
    assert (resumed.result, resumed.delivery_id, len(resumed.message_ids)) == (
        DeliveryResult.POSTED,
        failed.delivery_id,
        2,
    )
    assert sorted(newsroom.poster.titles) == sorted(title(slug) for slug in slugs)


async def test_a_crash_mid_post_is_resumed_with_only_the_rest(newsroom: Newsroom) -> None:
    slugs = ["ferry", "orchard", "chess", "tram", "observatory"]
    await newsroom.follow(
        newsroom.publish("/courier.xml", [(slug, hours_ago(newsroom, n + 1)) for n, slug in enumerate(slugs)])
    )
    subscription = await newsroom.subscribe()
    newsroom.poster.failures = [None, SimulatedCrash()]

    with pytest.raises(SimulatedCrash):
        await newsroom.deliver(subscription)
    newsroom.clock.advance(timedelta(seconds=30))
    assert await newsroom.deliver(subscription) is DeliveryResult.ALREADY_DELIVERED  # the lease still holds
    newsroom.clock.advance(CLAIM_LEASE)
    assert await newsroom.deliver(subscription) is DeliveryResult.POSTED

    assert list(no_repeats(newsroom.poster.titles)) == []
    assert sorted(newsroom.poster.titles) == sorted(title(slug) for slug in slugs)
    assert len(newsroom.poster.posted) == 3


async def test_a_resumed_digest_records_a_message_discord_has_and_does_not_post_it_again(newsroom: Newsroom) -> None:
    slugs = ["ferry", "orchard", "chess", "tram", "observatory"]
    await newsroom.follow(
        newsroom.publish("/courier.xml", [(slug, hours_ago(newsroom, n + 1)) for n, slug in enumerate(slugs)])
    )
    subscription = await newsroom.subscribe()
    newsroom.poster.failures = [None, CrashAfterStoring()]
    with pytest.raises(CrashAfterStoring):
        await newsroom.deliver(subscription)
    stored = newsroom.poster.posted[1][1]
    newsroom.clock.advance(CLAIM_LEASE)
    newsroom.poster.forget_nonces()  # minutes passed: Discord would post the same nonce again

    outcome = await newsroom.service.deliver(subscription.id, kind=DeliveryKind.SCHEDULED, poster=newsroom.poster)

    assert list(no_repeats(newsroom.poster.titles)) == []
    assert sorted(newsroom.poster.titles) == sorted(title(slug) for slug in slugs)
    assert (outcome.result, outcome.stories, len(newsroom.poster.posted)) == (DeliveryResult.POSTED, 1, 3)
    assert outcome.message_ids[:2] == (FIRST_MESSAGE, stored)
    assert newsroom.poster.reads == [FIRST_MESSAGE]  # read from the last message recorded
    assert await newsroom.store.undelivered_items(subscription.id, since=NOW - timedelta(days=1)) == []


async def test_a_resumed_digest_that_packs_differently_still_posts_each_story_once(newsroom: Newsroom) -> None:
    path = "/courier.xml"
    slugs = ["ferry", "orchard", "chess", "tram"]
    await newsroom.follow(newsroom.publish(path, [(slug, hours_ago(newsroom, n + 1)) for n, slug in enumerate(slugs)]))
    subscription = await newsroom.subscribe()
    newsroom.poster.failures = [CrashAfterStoring()]
    with pytest.raises(CrashAfterStoring):
        await newsroom.deliver(subscription)
    # Before the takeover a newer story comes in, which the resumed digest ranks first.
    newsroom.clock.advance(FEED_CHECK_INTERVAL)
    newsroom.publish(path, [("observatory", newsroom.clock()), *((s, hours_ago(newsroom, 1)) for s in slugs)])
    newsroom.poster.forget_nonces()

    assert await newsroom.deliver(subscription) is DeliveryResult.POSTED

    assert list(no_repeats(newsroom.poster.titles)) == []
    assert sorted(newsroom.poster.titles) == sorted(title(slug) for slug in [*slugs, "observatory"])
    assert newsroom.poster.reads == [NOW - PLATFORM_CLOCK_SKEW]  # nothing recorded: read from the start


async def test_a_resumed_nothing_new_note_is_not_posted_twice(newsroom: Newsroom) -> None:
    await newsroom.follow(newsroom.publish("/courier.xml", []))
    subscription = await newsroom.subscribe()
    newsroom.poster.failures = [CrashAfterStoring()]
    with pytest.raises(CrashAfterStoring):
        await newsroom.deliver(subscription)
    newsroom.clock.advance(CLAIM_LEASE)
    newsroom.poster.forget_nonces()

    outcome = await newsroom.service.deliver(subscription.id, kind=DeliveryKind.SCHEDULED, poster=newsroom.poster)

    assert (outcome.result, outcome.message_ids) == (DeliveryResult.POSTED, (FIRST_MESSAGE,))
    assert len(newsroom.poster.posted) == 1


async def test_a_manual_digest_discord_refused_is_retried_and_posted_once(newsroom: Newsroom) -> None:
    await newsroom.follow(
        newsroom.publish("/courier.xml", [("ferry", hours_ago(newsroom, 1)), ("chess", hours_ago(newsroom, 2))])
    )
    subscription = await newsroom.subscribe()
    newsroom.poster.failures = [TransientPostError("503 Service Unavailable")] * 4
    failed = await newsroom.service.deliver(subscription.id, kind=DeliveryKind.MANUAL, poster=newsroom.poster)
    assert (failed.result, failed.delivery_id is not None) == (DeliveryResult.FAILED, True)
    assert failed.delivery_id is not None

    too_soon = await newsroom.service.resume(subscription.id, failed.delivery_id, poster=newsroom.poster)
    newsroom.clock.advance(FIRST_RETRY_DELAY)
    retried = await newsroom.service.resume(subscription.id, failed.delivery_id, poster=newsroom.poster)
    again = await newsroom.service.resume(subscription.id, failed.delivery_id, poster=newsroom.poster)

    assert [too_soon.result, retried.result, again.result] == [
        DeliveryResult.ALREADY_DELIVERED,
        DeliveryResult.POSTED,
        DeliveryResult.ALREADY_DELIVERED,
    ]
    assert sorted(newsroom.poster.titles) == sorted([title("ferry"), title("chess")])
    delivery = await newsroom.store.latest_delivery(subscription.id, kind=DeliveryKind.MANUAL)
    assert delivery is not None
    assert (delivery.id, delivery.status, delivery.attempt) == (failed.delivery_id, DeliveryStatus.POSTED, 2)


async def test_a_retried_manual_digest_with_nothing_left_posts_no_note(newsroom: Newsroom) -> None:
    await newsroom.follow(newsroom.publish("/courier.xml", [("ferry", hours_ago(newsroom, 1))]))
    subscription = await newsroom.subscribe()
    newsroom.poster.failures = [TransientPostError("503 Service Unavailable")] * 4
    failed = await newsroom.service.deliver(subscription.id, kind=DeliveryKind.MANUAL, poster=newsroom.poster)
    assert failed.delivery_id is not None
    newsroom.clock.advance(FIRST_RETRY_DELAY)
    assert await newsroom.deliver(subscription, DeliveryKind.MANUAL) is DeliveryResult.POSTED  # asked again

    retried = await newsroom.service.resume(subscription.id, failed.delivery_id, poster=newsroom.poster)

    assert (retried.result, retried.stories, newsroom.poster.titles) == (DeliveryResult.POSTED, 0, [title("ferry")])
    assert len(newsroom.poster.posted) == 1


async def test_a_manual_digest_whose_channel_is_gone_is_not_retried(newsroom: Newsroom) -> None:
    await newsroom.follow(newsroom.publish("/courier.xml", [("ferry", hours_ago(newsroom, 1))]))
    subscription = await newsroom.subscribe()
    newsroom.poster.failures = [ChannelUnavailable("The channel was deleted")]
    lost = await newsroom.service.deliver(subscription.id, kind=DeliveryKind.MANUAL, poster=newsroom.poster)
    assert lost.delivery_id is not None
    newsroom.clock.advance(FIRST_RETRY_DELAY)

    retried = await newsroom.service.resume(subscription.id, lost.delivery_id, poster=newsroom.poster)

    assert (lost.result, retried.result, newsroom.poster.keys) == (
        DeliveryResult.CHANNEL_UNAVAILABLE,
        DeliveryResult.PAUSED,
        newsroom.poster.keys[:1],
    )


async def test_a_delivery_slower_than_its_lease_keeps_its_claim_by_renewing_it(newsroom: Newsroom) -> None:
    slugs = ["ferry", "orchard", "chess", "tram", "observatory"]
    await newsroom.follow(
        newsroom.publish("/courier.xml", [(slug, hours_ago(newsroom, n + 1)) for n, slug in enumerate(slugs)])
    )
    subscription = await newsroom.subscribe()
    await newsroom.refresher.refresh_due()
    service = DigestService(
        store=newsroom.store, pipeline=newsroom.pipeline, clock=newsroom.clock, lease_renewal=timedelta(seconds=0.05)
    )
    original_post = newsroom.poster.post
    racers: list[object] = []

    async def slow_post(channel_id: int, message: Sent, *, key: str, **target: object) -> int:
        # Each message takes 40 s of the store's time: three outlast an unrenewed lease.
        newsroom.clock.advance(timedelta(seconds=40))
        await asyncio.sleep(0.3)  # real time for the renewals to run
        raced = await newsroom.store.claim_delivery(
            subscription.id, NOW.date(), DeliveryKind.SCHEDULED, now=newsroom.clock()
        )
        racers.append(raced)
        return await original_post(channel_id, message, key=key, **target)

    newsroom.poster.post = slow_post  # type: ignore[method-assign]

    outcome = await service.deliver(
        subscription.id, kind=DeliveryKind.SCHEDULED, local_date=NOW.date(), poster=newsroom.poster
    )

    assert (outcome.result, len(newsroom.poster.posted)) == (DeliveryResult.POSTED, 3)
    assert racers == [None, None, None]


async def test_a_holder_that_lost_its_lease_posts_no_more(newsroom: Newsroom) -> None:
    slugs = ["ferry", "orchard", "chess"]
    await newsroom.follow(
        newsroom.publish("/courier.xml", [(slug, hours_ago(newsroom, n + 1)) for n, slug in enumerate(slugs)])
    )
    subscription = await newsroom.subscribe()
    # The first post stalls past the lease (a frozen process), and another process takes over.
    newsroom.poster.failures = [None]
    original_post = newsroom.poster.post

    async def stalling_post(channel_id: int, message: Sent, *, key: str, **target: object) -> int:
        posted = await original_post(channel_id, message, key=key, **target)
        newsroom.clock.advance(CLAIM_LEASE)
        return posted

    newsroom.poster.post = stalling_post  # type: ignore[method-assign]

    outcome = await newsroom.service.deliver(subscription.id, kind=DeliveryKind.SCHEDULED, poster=newsroom.poster)

    assert (outcome.result, len(newsroom.poster.posted)) == (DeliveryResult.TAKEN_OVER, 1)
    delivery = await newsroom.store.latest_delivery(subscription.id)
    assert delivery is not None
    assert (delivery.status, delivery.posted_message_ids) == (DeliveryStatus.CLAIMED, (FIRST_MESSAGE,))


# --- housekeeping -----------------------------------------------------------------------------------


async def test_after_housekeeping_a_story_the_feed_still_lists_is_not_posted_again(newsroom: Newsroom) -> None:
    path = "/courier.xml"
    await newsroom.follow(
        newsroom.publish(path, [("ferry", hours_ago(newsroom, 1)), ("orchard", hours_ago(newsroom, 2))])
    )
    subscription = await newsroom.subscribe()
    assert await newsroom.deliver(subscription) is DeliveryResult.POSTED
    # The feed drops one story, then does not change for 40 days: every check is answered 304.
    newsroom.clock.advance(FEED_CHECK_INTERVAL)
    newsroom.publish(path, [("ferry", hours_ago(newsroom, 1))])
    await newsroom.refresher.refresh_due()
    newsroom.site.add(path, b"", status=304)
    newsroom.clock.advance(timedelta(days=40))
    assert (await newsroom.refresher.refresh_due()).not_modified == 1

    pruned = await newsroom.store.prune_history(retention=timedelta(days=30), now=newsroom.clock())
    # Then it changes: a new story, and the 40-day-old one still there, under a fresh date.
    newsroom.clock.advance(FEED_CHECK_INTERVAL)
    newsroom.publish(path, [("tram", hours_ago(newsroom, 1)), ("ferry", hours_ago(newsroom, 1))])
    refreshed = await newsroom.refresher.refresh_due()
    posted_before = len(newsroom.poster.titles)
    assert await newsroom.deliver(subscription) is DeliveryResult.POSTED

    assert (pruned.seen_items, pruned.delivered_items, pruned.deliveries) == (1, 1, 0)  # the dropped story
    assert refreshed.new_items == 1
    assert newsroom.poster.titles[posted_before:] == [title("tram")]


async def test_a_feed_deleted_while_it_is_fetched_is_skipped(newsroom: Newsroom) -> None:
    path = "/courier.xml"
    feed_id = await newsroom.follow(newsroom.publish(path, [("ferry", hours_ago(newsroom, 1))]))
    page = newsroom.site.pages[path]
    newsroom.site.add(path, page.body, content_type=page.content_type, delay=0.3)

    refreshing = asyncio.create_task(newsroom.refresher.refresh_due())
    for _ in range(500):  # until the request is in flight
        if newsroom.site.hits[path]:
            break
        await asyncio.sleep(0.01)
    await newsroom.store.remove_guild_feed(GUILD, feed_id)
    assert await newsroom.store.prune_unfollowed_feeds() == 1

    assert (await refreshing).new_items == 0


async def test_a_subscriptions_delivery_lock_goes_once_no_delivery_needs_it(newsroom: Newsroom) -> None:
    subscription = await newsroom.subscribe()
    await newsroom.deliver(subscription)
    gc.collect()
    assert subscription.id not in newsroom.service._locks

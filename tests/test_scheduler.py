"""The digest scheduler: due editions claimed by the clock and posted by a bounded pool of workers,
failed deliveries retried, restarts before, during and after an edition, two editions a day, weekdays
and daylight saving time, on a real store with a clock the tests move (when editions fire is
tests/test_editions.py's)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.briefs import MAX_BRIEF_AGE
from bot.digests import DeliveryOutcome, DeliveryResult, TransientPostError
from bot.editions import EVERY_DAY
from bot.scheduler import (
    CLOCK_JOB_ID,
    DEFAULT_GRACE,
    HOUSEKEEPING_DELAY,
    HOUSEKEEPING_INTERVAL,
    HOUSEKEEPING_JOB_ID,
    LIVE_POST_RETENTION,
    REFRESH_JOB_ID,
    RETRY_SWEEP_INTERVAL,
    SWEEP_JOB_ID,
    DigestScheduler,
)
from bot.store import DeliveryKind, DeliveryStatus, Subscription
from bot.store.deliveries import CLAIM_LEASE, FIRST_RETRY_DELAY, MAX_RETRY_DELAY
from bot.store.live import Coverage
from bot.store.tables import LivePostStatus, deliveries
from tests.newsroom import Newsroom, Sent, SimulatedCrash, title
from tests.store.samples import GUILD, MEMBER

BERLIN = ZoneInfo("Europe/Berlin")
TOKYO = ZoneInfo("Asia/Tokyo")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
MORNING = time(7, 30)
EVENING = time(18, 0)
HALF_PAST_TWO = time(2, 30)
WEEKDAYS = (0, 1, 2, 3, 4)

CHANNELS = iter(range(1_203_456_789_012_350_000, 1_203_456_789_012_360_000))


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def make_scheduler(
    room: Newsroom, *, grace: timedelta = DEFAULT_GRACE, history_retention: timedelta | None = None, workers: int = 4
) -> DigestScheduler:
    return DigestScheduler(
        store=room.store,
        service=room.service,
        poster=room.poster,
        refresher=room.refresher,
        clock=room.clock,
        grace=grace,
        history_retention=history_retention,
        workers=workers,
    )


@asynccontextmanager
async def started(
    room: Newsroom, *, paused: bool = True, history_retention: timedelta | None = None
) -> AsyncIterator[DigestScheduler]:
    scheduler = make_scheduler(room, history_retention=history_retention)
    await scheduler.start(paused=paused)
    try:
        yield scheduler
    finally:
        await scheduler.stop()


async def subscribe(
    room: Newsroom, zone: ZoneInfo, *times: time, weekdays: tuple[int, ...] = EVERY_DAY
) -> Subscription:
    return await room.store.subscribe(
        GUILD,
        next(CHANNELS),
        created_by=MEMBER,
        edition_times=times or (MORNING,),
        weekdays=weekdays,
        timezone=zone.key,
        now=room.clock(),
    )


async def follow_news(room: Newsroom, *slugs: str) -> None:
    """A feed with these reports, published in the hour before the clock's time."""
    now = room.clock()
    url = room.publish("/courier.xml", [(slug, now - timedelta(minutes=10 * (n + 1))) for n, slug in enumerate(slugs)])
    await room.follow(url)


def channels_posted_to(room: Newsroom) -> list[int]:
    return [channel for channel, _id, _sent in room.poster.posted]


async def edition_times_delivered(room: Newsroom, subscription_id: int) -> list[time]:
    """The edition time of each scheduled delivery of the subscription, in the order claimed."""
    async with room.store.engine.connect() as connection:
        found = await connection.execute(
            select(deliveries.c.edition_time)
            .where(deliveries.c.subscription_id == subscription_id, deliveries.c.kind == DeliveryKind.SCHEDULED)
            .order_by(deliveries.c.id)
        )
        return list(found.scalars())


def results(outcomes: dict[int, DeliveryOutcome]) -> list[DeliveryResult]:
    return [outcome.result for outcome in outcomes.values()]


# --- the jobs ---------------------------------------------------------------------------------------


async def test_start_runs_the_clock_the_sweep_and_the_refresh_and_no_job_per_subscription(
    newsroom: Newsroom,
) -> None:
    await subscribe(newsroom, TOKYO)
    await subscribe(newsroom, LOS_ANGELES)

    async with started(newsroom) as scheduler:
        jobs = {job.id: job for job in scheduler.scheduler.get_jobs()}

    assert set(jobs) == {CLOCK_JOB_ID, REFRESH_JOB_ID, SWEEP_JOB_ID}
    assert jobs[CLOCK_JOB_ID].func == scheduler.clock_job
    assert jobs[SWEEP_JOB_ID].func == scheduler.sweep_job
    assert jobs[REFRESH_JOB_ID].func == scheduler.refresh_job


async def test_the_clock_job_posts_the_editions_that_are_due(newsroom: Newsroom) -> None:
    await follow_news(newsroom, "ferry", "orchard")
    tokyo, _los_angeles = await subscribe(newsroom, TOKYO), await subscribe(newsroom, LOS_ANGELES)
    newsroom.clock.set(utc(2025, 3, 14, 22, 30))  # 07:30 in Tokyo, 15:30 in Los Angeles

    async with started(newsroom) as scheduler:
        await scheduler.clock_job()
        await asyncio.wait_for(_until(lambda: len(newsroom.poster.posted) >= 1), 30)

    assert set(channels_posted_to(newsroom)) == {tokyo.channel_id}
    assert sorted(newsroom.poster.titles) == sorted([title("ferry"), title("orchard")])


async def _until(condition: Callable[[], object]) -> None:
    """Return once `condition()` holds, looking every 10 ms (the caller bounds the wait)."""
    for _ in range(100_000):
        if condition():
            return
        await asyncio.sleep(0.01)


async def test_a_started_scheduler_posts_a_due_edition_at_once(newsroom: Newsroom) -> None:
    await follow_news(newsroom, "ferry")
    subscription = await subscribe(newsroom, BERLIN)
    newsroom.clock.set(utc(2025, 3, 14, 7, 0))  # 08:00 in Berlin: half an hour late

    async with started(newsroom, paused=False):
        await asyncio.wait_for(_until(lambda: newsroom.poster.posted), 30)

    assert channels_posted_to(newsroom) == [subscription.channel_id]


# --- housekeeping -----------------------------------------------------------------------------------

RETENTION = timedelta(days=30)


async def story_gone_for_40_days(room: Newsroom) -> int:
    """A feed that listed two stories, then one only; the clock moved 40 days on. Returns its id."""
    published = room.clock() - timedelta(hours=1)
    url = room.publish("/courier.xml", [("ferry", published), ("orchard", published)])
    await room.follow(url)
    await room.refresher.refresh_due()
    room.clock.advance(timedelta(minutes=15))
    room.publish("/courier.xml", [("ferry", published)])
    await room.refresher.refresh_due()
    room.clock.advance(timedelta(days=40))
    (followed,) = await room.store.list_guild_feeds(GUILD)
    return followed.feed.id


async def stored_items(room: Newsroom, feed_id: int) -> int:
    return (await room.store.item_counts([feed_id]))[feed_id][0]


async def test_housekeeping_runs_daily_from_an_hour_after_start(newsroom: Newsroom) -> None:
    before = datetime.now(UTC)
    async with started(newsroom, history_retention=RETENTION) as scheduler:
        job = scheduler.scheduler.get_job(HOUSEKEEPING_JOB_ID)
    after = datetime.now(UTC)

    assert job is not None
    assert job.func == scheduler.housekeeping_job
    assert (job.trigger.interval, job.coalesce, job.max_instances) == (HOUSEKEEPING_INTERVAL, True, 1)
    assert before + HOUSEKEEPING_DELAY <= job.next_run_time <= after + HOUSEKEEPING_DELAY


async def test_the_housekeeping_job_prunes_what_is_past_the_retention_and_logs_it(
    newsroom: Newsroom, caplog: pytest.LogCaptureFixture
) -> None:
    feed_id = await story_gone_for_40_days(newsroom)

    with caplog.at_level(logging.INFO, logger="bot.scheduler"):
        async with started(newsroom, history_retention=RETENTION) as scheduler:
            await scheduler.housekeeping_job()

    assert await stored_items(newsroom, feed_id) == 1  # the story still listed stays
    (message,) = [record.getMessage() for record in caplog.records if "Housekeeping" in record.getMessage()]
    assert message.startswith("Housekeeping removed 1 items gone from their feeds, 0 records of delivered items")


async def test_the_housekeeping_job_prunes_page_briefs_older_than_any_digest_reaches(newsroom: Newsroom) -> None:
    old_link, recent_link = "https://harbour-courier.example/news/ferry", "https://harbour-courier.example/news/orchard"
    reach = newsroom.clock() - MAX_BRIEF_AGE
    for link, completed in ((old_link, reach - timedelta(minutes=1)), (recent_link, reach + timedelta(minutes=1))):
        claim = await newsroom.store.claim_brief(link, now=completed)
        assert claim is not None
        await newsroom.store.record_brief_failure(claim, reason="The page answered 404 Not Found", now=completed)

    async with started(newsroom, history_retention=RETENTION) as scheduler:
        await scheduler.housekeeping_job()

    assert set(await newsroom.store.stored_briefs([old_link, recent_link])) == {recent_link}


async def test_the_housekeeping_job_prunes_live_posts_past_the_edit_window_and_keeps_held_ones(
    newsroom: Newsroom,
) -> None:
    subscription = await subscribe(newsroom, TOKYO)
    coverage = [Coverage(outlet="Harbour Courier", link="https://harbour-courier.example/news/ferry")]
    reach = newsroom.clock() - LIVE_POST_RETENTION
    for key, posted in (("old", reach - timedelta(minutes=1)), ("recent", reach + timedelta(minutes=1))):
        claim = await newsroom.store.claim_live_story(subscription.id, key, coverage, nonce=key, now=posted)
        assert claim is not None
        await newsroom.store.record_live_message(claim, [900], now=posted)
    long_ago = reach - timedelta(days=7)
    await newsroom.store.hold_live_story(subscription.id, "held", coverage, nonce="held", due_at=long_ago, now=long_ago)

    async with started(newsroom, history_retention=RETENTION) as scheduler:
        await scheduler.housekeeping_job()

    kept = [await newsroom.store.live_post(subscription.id, key) for key in ("old", "recent", "held")]
    assert [post.status if post else None for post in kept] == [None, LivePostStatus.POSTED, LivePostStatus.HELD]


async def test_a_retention_of_zero_prunes_nothing(newsroom: Newsroom) -> None:
    feed_id = await story_gone_for_40_days(newsroom)

    async with started(newsroom, history_retention=timedelta(0)) as scheduler:
        assert scheduler.scheduler.get_job(HOUSEKEEPING_JOB_ID) is None
        assert await scheduler.prune_history() is None
        assert await scheduler.prune_briefs() is None
        assert await scheduler.prune_live_posts() is None

    assert await stored_items(newsroom, feed_id) == 2


async def test_a_retention_shorter_than_digests_read_is_refused(newsroom: Newsroom) -> None:
    with pytest.raises(ValueError, match="history_retention"):
        make_scheduler(newsroom, history_retention=timedelta(days=1))


# --- editions, restarts and missed editions ----------------------------------------------------------


async def test_each_zone_gets_its_edition_at_its_own_local_time(newsroom: Newsroom) -> None:
    await follow_news(newsroom, "ferry")
    tokyo, los_angeles = await subscribe(newsroom, TOKYO), await subscribe(newsroom, LOS_ANGELES)
    scheduler = make_scheduler(newsroom)

    newsroom.clock.set(utc(2025, 3, 14, 22, 30))
    at_tokyo_time = await scheduler.run_due()
    newsroom.clock.set(utc(2025, 3, 15, 14, 30))
    at_los_angeles_time = await scheduler.run_due()

    assert {key: outcome.result for key, outcome in at_tokyo_time.items()} == {tokyo.id: DeliveryResult.POSTED}
    assert {key: outcome.result for key, outcome in at_los_angeles_time.items()} == {
        los_angeles.id: DeliveryResult.POSTED
    }
    assert channels_posted_to(newsroom) == [tokyo.channel_id, los_angeles.channel_id]


async def test_nothing_is_posted_until_the_edition_time_comes(newsroom: Newsroom) -> None:
    await follow_news(newsroom, "ferry")
    subscription = await subscribe(newsroom, BERLIN)
    scheduler = make_scheduler(newsroom)

    newsroom.clock.set(utc(2025, 3, 14, 6, 29))  # 07:29 in Berlin
    early = await scheduler.catch_up()
    newsroom.clock.set(utc(2025, 3, 14, 6, 30))
    on_time = await scheduler.run_due()

    assert early == {}
    assert results(on_time) == [DeliveryResult.POSTED]
    assert channels_posted_to(newsroom) == [subscription.channel_id]


async def test_an_edition_missed_within_the_grace_is_posted_once(newsroom: Newsroom) -> None:
    await follow_news(newsroom, "ferry", "chess")
    subscription = await subscribe(newsroom, BERLIN)
    scheduler = make_scheduler(newsroom)

    newsroom.clock.set(utc(2025, 3, 14, 7, 20))  # back at 08:20, 50 minutes late
    first = await scheduler.catch_up()
    newsroom.clock.advance(timedelta(minutes=5))
    second = await make_scheduler(newsroom).catch_up()  # another process, or a restart

    assert results(first) == [DeliveryResult.POSTED]
    assert second == {}
    assert len(newsroom.poster.posted) == 1
    delivery = await newsroom.store.latest_delivery(subscription.id)
    assert delivery is not None
    assert (delivery.local_date, delivery.edition_time, delivery.kind) == (
        date(2025, 3, 14),
        MORNING,
        DeliveryKind.SCHEDULED,
    )


async def test_an_edition_missed_by_more_than_the_grace_is_logged_and_the_next_one_posted(
    newsroom: Newsroom, caplog: pytest.LogCaptureFixture
) -> None:
    await follow_news(newsroom, "ferry")
    subscription = await subscribe(newsroom, BERLIN)
    scheduler = make_scheduler(newsroom)

    newsroom.clock.set(utc(2025, 3, 14, 6, 30) + DEFAULT_GRACE + timedelta(minutes=1))
    with caplog.at_level(logging.WARNING, logger="bot.scheduler"):
        late = await scheduler.run_due()
    passed_over = await newsroom.store.subscription_by_id(subscription.id)
    newsroom.clock.set(utc(2025, 3, 15, 6, 30))
    newsroom.publish("/courier.xml", [("chess", utc(2025, 3, 15, 6, 0)), ("ferry", utc(2025, 3, 14, 4, 50))])
    next_day = await scheduler.run_due()

    assert late == {}
    assert any("missed by more than the grace" in record.getMessage() for record in caplog.records)
    assert passed_over is not None
    assert passed_over.next_edition_at == utc(2025, 3, 15, 6, 30)
    assert results(next_day) == [DeliveryResult.POSTED]
    # A first digest covers the last day: the missed day's story, 26 hours old, is left out.
    assert newsroom.poster.titles == [title("chess")]


async def test_after_a_long_outage_only_the_latest_edition_within_the_grace_is_posted(newsroom: Newsroom) -> None:
    await follow_news(newsroom, "ferry")
    subscription = await subscribe(newsroom, BERLIN, MORNING, EVENING)
    scheduler = make_scheduler(newsroom)

    newsroom.clock.set(utc(2025, 3, 16, 17, 20))  # Sunday 18:20 in Berlin: two days and five editions missed
    newsroom.publish("/courier.xml", [("ferry", utc(2025, 3, 16, 16, 0))])
    back = await scheduler.run_due()

    assert results(back) == [DeliveryResult.POSTED]
    delivery = await newsroom.store.latest_delivery(subscription.id)
    assert delivery is not None
    assert (delivery.local_date, delivery.edition_time) == (date(2025, 3, 16), EVENING)
    assert len(newsroom.poster.digests) == 1


async def test_a_grace_setting_of_two_hours_is_honoured(newsroom: Newsroom) -> None:
    await follow_news(newsroom, "ferry")
    await subscribe(newsroom, BERLIN)
    scheduler = make_scheduler(newsroom, grace=timedelta(hours=2))

    newsroom.clock.set(utc(2025, 3, 14, 8, 15))  # 1 h 45 min late

    assert results(await scheduler.catch_up()) == [DeliveryResult.POSTED]


async def test_a_restart_during_an_edition_posts_only_the_rest(newsroom: Newsroom) -> None:
    slugs = ("ferry", "orchard", "chess", "tram")
    await follow_news(newsroom, *slugs)
    subscription = await subscribe(newsroom, BERLIN)
    newsroom.clock.set(utc(2025, 3, 14, 6, 30))
    newsroom.poster.failures = [None, SimulatedCrash()]
    with pytest.raises(SimulatedCrash):
        await make_scheduler(newsroom).run_due()
    first_posts = list(newsroom.poster.titles)

    restarted = make_scheduler(newsroom)
    newsroom.clock.advance(timedelta(seconds=30))
    too_soon = await restarted.catch_up()  # the crashed claim's lease still holds
    newsroom.clock.advance(CLAIM_LEASE)
    resumed = await restarted.catch_up()
    again = await restarted.catch_up()

    assert too_soon == {}
    assert results(resumed) == [DeliveryResult.POSTED]
    assert again == {}
    assert len(first_posts) == 2
    rest = newsroom.poster.titles[len(first_posts) :]
    assert sorted(first_posts + rest) == sorted(title(slug) for slug in slugs)
    assert not set(first_posts) & set(rest)
    delivery = await newsroom.store.latest_delivery(subscription.id)
    assert delivery is not None
    assert (delivery.status, delivery.attempt, len(delivery.posted_message_ids)) == (DeliveryStatus.POSTED, 2, 2)


async def test_an_edition_being_posted_when_the_scheduler_stops_is_let_finish(newsroom: Newsroom) -> None:
    slugs = ("ferry", "orchard", "chess")
    await follow_news(newsroom, *slugs)
    subscription = await subscribe(newsroom, BERLIN)
    newsroom.clock.set(utc(2025, 3, 14, 6, 30))
    posting = asyncio.Event()
    original_post = newsroom.poster.post

    async def slow_post(channel_id: int, message: Sent, *, key: str, **target: object) -> int:
        posting.set()
        await asyncio.sleep(0.2)  # Discord takes its time
        return await original_post(channel_id, message, key=key, **target)

    newsroom.poster.post = slow_post  # type: ignore[method-assign]
    async with started(newsroom, paused=False):  # its clock job runs at once: the edition is due
        await asyncio.wait_for(posting.wait(), timeout=30)

    delivery = await newsroom.store.latest_delivery(subscription.id)
    assert delivery is not None
    assert (delivery.status, delivery.attempt) == (DeliveryStatus.POSTED, 1)
    assert sorted(newsroom.poster.titles) == sorted(title(slug) for slug in slugs)


async def test_an_edition_cut_off_by_a_shutdown_is_finished_by_the_next_sweep_at_once(newsroom: Newsroom) -> None:
    slugs = ("ferry", "orchard", "chess", "tram")
    await follow_news(newsroom, *slugs)
    subscription = await subscribe(newsroom, BERLIN)
    newsroom.clock.set(utc(2025, 3, 14, 6, 30))
    second_post_sent = asyncio.Event()
    original_post = newsroom.poster.post

    async def slow_second_post(channel_id: int, message: Sent, *, key: str, **target: object) -> int:
        if newsroom.poster.posted:  # Discord takes its time with the second message
            second_post_sent.set()
            await asyncio.Event().wait()
        return await original_post(channel_id, message, key=key, **target)

    newsroom.poster.post = slow_second_post  # type: ignore[method-assign]
    stopping = make_scheduler(newsroom)
    (worker,) = await stopping.dispatch()
    await asyncio.wait_for(second_post_sent.wait(), timeout=30)
    await stopping.stop(finish_within=0.1)
    newsroom.poster.post = original_post  # type: ignore[method-assign]

    resumed = await make_scheduler(newsroom).catch_up()  # at once: the clock has not moved

    assert worker.cancelled()
    assert results(resumed) == [DeliveryResult.POSTED]
    assert sorted(newsroom.poster.titles) == sorted(title(slug) for slug in slugs)
    delivery = await newsroom.store.latest_delivery(subscription.id)
    assert delivery is not None
    assert (delivery.status, delivery.attempt) == (DeliveryStatus.POSTED, 2)


async def test_a_failed_edition_is_released_at_once_and_retried_after_its_backoff(newsroom: Newsroom) -> None:
    await follow_news(newsroom, "ferry", "chess")
    subscription = await subscribe(newsroom, BERLIN)
    scheduler = make_scheduler(newsroom)
    newsroom.clock.set(utc(2025, 3, 14, 6, 30))
    newsroom.poster.failures = [TransientPostError("503 Service Unavailable")] * 4

    failed = await scheduler.run_due()
    left = await newsroom.store.latest_delivery(subscription.id)
    newsroom.clock.advance(FIRST_RETRY_DELAY - timedelta(seconds=1))
    too_soon = await scheduler.catch_up()
    newsroom.clock.advance(timedelta(seconds=1))
    retried = await scheduler.catch_up()

    assert results(failed) == [DeliveryResult.FAILED]
    assert left is not None
    assert (left.status, left.lease_expires_at) == (DeliveryStatus.FAILED, None)  # not held
    assert too_soon == {}
    assert results(retried) == [DeliveryResult.POSTED]
    assert sorted(newsroom.poster.titles) == sorted([title("ferry"), title("chess")])


async def test_the_sweep_retries_a_manual_digest_through_an_outage_and_posts_it_once(newsroom: Newsroom) -> None:
    await follow_news(newsroom, "ferry", "chess")
    subscription = await subscribe(newsroom, BERLIN, EVENING)  # no scheduled edition in the way
    scheduler = make_scheduler(newsroom)
    outage = [TransientPostError("503 Service Unavailable")] * 4
    newsroom.poster.failures = list(outage)
    asked = await newsroom.service.deliver(subscription.id, kind=DeliveryKind.MANUAL, poster=newsroom.poster)

    sweeps = []
    for _ in range(20):  # ten minutes of 503s, a sweep every 30 s
        newsroom.clock.advance(RETRY_SWEEP_INTERVAL)
        if not newsroom.poster.failures:
            newsroom.poster.failures = list(outage)
        sweeps.append(await scheduler.catch_up())
    newsroom.poster.failures = []  # Discord is back
    recovered_at = newsroom.clock()
    for _ in range(10):
        if newsroom.poster.posted:
            break
        newsroom.clock.advance(RETRY_SWEEP_INTERVAL)
        await scheduler.catch_up()
    newsroom.clock.advance(RETRY_SWEEP_INTERVAL)
    after = await scheduler.catch_up()

    assert asked.result is DeliveryResult.FAILED
    assert {outcome.result for sweep in sweeps for outcome in sweep.values()} == {DeliveryResult.FAILED}
    assert sorted(newsroom.poster.titles) == sorted([title("ferry"), title("chess")])
    assert newsroom.clock() - recovered_at <= MAX_RETRY_DELAY + RETRY_SWEEP_INTERVAL
    assert after == {}
    delivery = await newsroom.store.latest_delivery(subscription.id, kind=DeliveryKind.MANUAL)
    assert delivery is not None
    assert (delivery.id, delivery.status) == (asked.delivery_id, DeliveryStatus.POSTED)


async def test_a_manual_digest_still_failing_after_the_grace_is_given_up(newsroom: Newsroom) -> None:
    await follow_news(newsroom, "ferry")
    subscription = await subscribe(newsroom, BERLIN, EVENING)
    scheduler = make_scheduler(newsroom, grace=timedelta(minutes=10))
    newsroom.poster.failures = [TransientPostError("503 Service Unavailable")] * 4
    asked = await newsroom.service.deliver(subscription.id, kind=DeliveryKind.MANUAL, poster=newsroom.poster)

    newsroom.clock.advance(timedelta(minutes=10, seconds=1))
    swept = await scheduler.catch_up()

    assert (asked.result, swept, newsroom.poster.posted) == (DeliveryResult.FAILED, {}, [])


async def test_a_subscription_made_after_todays_time_starts_tomorrow(newsroom: Newsroom) -> None:
    await follow_news(newsroom, "ferry")
    newsroom.clock.set(utc(2025, 3, 14, 6, 45))  # 07:45 in Berlin, a quarter of an hour after 07:30
    await subscribe(newsroom, BERLIN)
    scheduler = make_scheduler(newsroom)

    assert await scheduler.catch_up() == {}
    newsroom.clock.set(utc(2025, 3, 15, 6, 30))

    assert results(await scheduler.run_due()) == [DeliveryResult.POSTED]


async def test_a_paused_subscription_gets_no_edition_until_resumed(newsroom: Newsroom) -> None:
    await follow_news(newsroom, "ferry")
    subscription = await subscribe(newsroom, BERLIN)
    await newsroom.store.pause_subscription(GUILD, subscription.channel_id, reason="Paused by a moderator.")
    scheduler = make_scheduler(newsroom)

    newsroom.clock.set(utc(2025, 3, 14, 6, 30))
    while_paused = await scheduler.catch_up()
    await newsroom.store.resume_subscription(GUILD, subscription.channel_id)
    newsroom.clock.advance(timedelta(minutes=5))
    resumed = await scheduler.catch_up()

    assert while_paused == {}
    assert results(resumed) == [DeliveryResult.POSTED]


# --- two editions a day, weekdays --------------------------------------------------------------------


async def test_two_editions_a_day_are_each_posted_once_and_named_for_their_time(newsroom: Newsroom) -> None:
    await follow_news(newsroom, "ferry")
    subscription = await subscribe(newsroom, BERLIN, MORNING, EVENING)
    scheduler = make_scheduler(newsroom)

    newsroom.clock.set(utc(2025, 3, 14, 6, 30))  # 07:30 in Berlin
    morning = await scheduler.run_due()
    newsroom.clock.advance(timedelta(minutes=20))
    between = await make_scheduler(newsroom).catch_up()  # restarted between the editions
    newsroom.clock.set(utc(2025, 3, 14, 17, 5))  # 18:05 in Berlin
    newsroom.publish("/courier.xml", [("ferry", utc(2025, 3, 14, 4, 50)), ("chess", utc(2025, 3, 14, 16, 0))])
    evening = await scheduler.run_due()
    again = await make_scheduler(newsroom).catch_up()

    assert (results(morning), between, results(evening), again) == (
        [DeliveryResult.POSTED],
        {},
        [DeliveryResult.POSTED],
        {},
    )
    assert newsroom.poster.titles == [title("ferry"), title("chess")]  # the evening carries what is new since
    assert [digest.title for digest in newsroom.poster.digests] == ["Morning briefing", "Evening briefing"]
    assert await edition_times_delivered(newsroom, subscription.id) == [MORNING, EVENING]


async def test_editions_go_out_on_the_chosen_weekdays_only(newsroom: Newsroom) -> None:
    await follow_news(newsroom, "ferry")
    subscription = await subscribe(newsroom, BERLIN, weekdays=WEEKDAYS)
    scheduler = make_scheduler(newsroom)

    newsroom.clock.set(utc(2025, 3, 14, 6, 30))  # Friday
    friday = await scheduler.run_due()
    weekend = []
    for day in (15, 16):  # Saturday, Sunday
        newsroom.clock.set(utc(2025, 3, day, 6, 30))
        weekend.append(await scheduler.catch_up())
    newsroom.clock.set(utc(2025, 3, 17, 6, 30))  # Monday
    newsroom.publish("/courier.xml", [("chess", utc(2025, 3, 17, 6, 0))])
    monday = await scheduler.run_due()

    assert (results(friday), weekend, results(monday)) == ([DeliveryResult.POSTED], [{}, {}], [DeliveryResult.POSTED])
    latest = await newsroom.store.latest_delivery(subscription.id)
    assert latest is not None
    assert latest.local_date == date(2025, 3, 17)


async def test_an_edition_posted_late_is_named_for_its_own_time(newsroom: Newsroom) -> None:
    await follow_news(newsroom, "ferry")
    await subscribe(newsroom, BERLIN, time(11, 30), EVENING)
    scheduler = make_scheduler(newsroom)

    newsroom.clock.set(utc(2025, 3, 14, 11, 10))  # 12:10 in Berlin, the 11:30 edition forty minutes late
    late = await scheduler.run_due()

    assert results(late) == [DeliveryResult.POSTED]
    assert [(digest.title, digest.local_date) for digest in newsroom.poster.digests] == [
        ("Morning briefing", date(2025, 3, 14))
    ]


# --- the workers ------------------------------------------------------------------------------------


async def test_never_more_deliveries_at_once_than_workers_and_every_due_edition_posted(newsroom: Newsroom) -> None:
    await follow_news(newsroom, "ferry")
    subscriptions = [await subscribe(newsroom, BERLIN) for _ in range(7)]
    newsroom.clock.set(utc(2025, 3, 14, 6, 30))
    posting = 0
    most = 0
    original_post = newsroom.poster.post

    async def counted_post(channel_id: int, message: Sent, *, key: str, **target: object) -> int:
        nonlocal posting, most
        posting += 1
        most = max(most, posting)
        await asyncio.sleep(0.05)
        try:
            return await original_post(channel_id, message, key=key, **target)
        finally:
            posting -= 1

    newsroom.poster.post = counted_post  # type: ignore[method-assign]
    scheduler = make_scheduler(newsroom, workers=3)

    outcomes = await scheduler.run_due()

    assert sorted(outcomes) == sorted(subscription.id for subscription in subscriptions)
    assert set(results(outcomes)) == {DeliveryResult.POSTED}
    assert most == scheduler.most_at_once == 3


async def test_a_running_scheduler_claims_more_as_workers_free_up(newsroom: Newsroom) -> None:
    await follow_news(newsroom, "ferry")
    for _ in range(5):
        await subscribe(newsroom, BERLIN)
    newsroom.clock.set(utc(2025, 3, 14, 6, 30))
    scheduler = make_scheduler(newsroom, workers=2)
    scheduler.clock_interval = timedelta(hours=1)  # one tick at start: the workers themselves ask for more
    await scheduler.start()
    try:
        await asyncio.wait_for(_until(lambda: len(newsroom.poster.posted) == 5), 30)
    finally:
        await scheduler.stop()

    assert len(set(channels_posted_to(newsroom))) == 5
    assert scheduler.most_at_once == 2


# --- daylight saving time, end to end ---------------------------------------------------------------


async def test_an_edition_at_a_time_that_occurs_twice_is_posted_once(newsroom: Newsroom) -> None:
    newsroom.clock.set(utc(2025, 10, 25, 12, 0))
    await subscribe(newsroom, BERLIN, HALF_PAST_TWO, EVENING)
    await follow_news(newsroom, "ferry")
    scheduler = make_scheduler(newsroom)

    newsroom.clock.set(utc(2025, 10, 26, 0, 30))  # 02:30 CEST
    first = await scheduler.run_due()
    newsroom.clock.set(utc(2025, 10, 26, 1, 30))  # 02:30 CET, an hour later
    second = await scheduler.catch_up()

    assert (results(first), second) == ([DeliveryResult.POSTED], {})
    assert len(newsroom.poster.posted) == 1


async def test_an_edition_at_a_time_the_clocks_skip_is_posted_once_when_they_jump(newsroom: Newsroom) -> None:
    newsroom.clock.set(utc(2025, 3, 29, 12, 0))
    subscription = await subscribe(newsroom, BERLIN, HALF_PAST_TWO, EVENING)
    await follow_news(newsroom, "ferry")
    scheduler = make_scheduler(newsroom)

    newsroom.clock.set(utc(2025, 3, 30, 0, 59))  # 01:59 CET, a minute before the jump
    before = await scheduler.catch_up()
    newsroom.clock.set(utc(2025, 3, 30, 1, 0))  # 03:00 CEST
    at_jump = await scheduler.run_due()
    newsroom.clock.set(utc(2025, 3, 30, 1, 30))  # 03:30 CEST, when CronTrigger would fire
    later = await scheduler.catch_up()

    assert (before, later) == ({}, {})
    assert results(at_jump) == [DeliveryResult.POSTED]
    delivery = await newsroom.store.latest_delivery(subscription.id)
    assert delivery is not None
    assert (delivery.local_date, delivery.edition_time) == (date(2025, 3, 30), HALF_PAST_TWO)
    assert len(newsroom.poster.posted) == 1


async def test_the_clock_ticks_on_whole_minutes_when_editions_fall_due(newsroom: Newsroom) -> None:
    async with started(newsroom) as scheduler:
        job = scheduler.scheduler.get_job(CLOCK_JOB_ID)
        assert job is not None
        first = job.next_run_time
        later = job.trigger.get_next_fire_time(first, first)

    interval = scheduler.clock_interval.total_seconds()
    assert first <= datetime.now(UTC) + scheduler.clock_interval
    assert (first.second % interval, first.microsecond) == (0, 0)
    assert later - first == scheduler.clock_interval

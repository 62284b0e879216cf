"""The digest scheduler: when a daily local time fires (zones, daylight saving), the APScheduler jobs,
and restarts before, during and after a digest's time, on a real store with a clock the tests move."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.digests import DeliveryResult, TransientPostError
from bot.scheduler import (
    DEFAULT_GRACE,
    HOUSEKEEPING_DELAY,
    HOUSEKEEPING_INTERVAL,
    HOUSEKEEPING_JOB_ID,
    REFRESH_JOB_ID,
    RETRY_SWEEP_INTERVAL,
    SWEEP_JOB_ID,
    DailyTrigger,
    DigestScheduler,
    digest_job_id,
    fire_time_on,
    last_fire_time,
    next_fire_time,
)
from bot.store import DeliveryKind, DeliveryStatus, Subscription
from bot.store.deliveries import CLAIM_LEASE, MAX_RETRY_DELAY
from tests.newsroom import Newsroom, Sent, SimulatedCrash, title
from tests.store.samples import GUILD, MEMBER

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
MORNING = time(7, 30)
HALF_PAST_TWO = time(2, 30)

CHANNELS = iter(range(1_203_456_789_012_350_000, 1_203_456_789_012_360_000))


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def make_scheduler(
    room: Newsroom, *, grace: timedelta = DEFAULT_GRACE, history_retention: timedelta | None = None
) -> DigestScheduler:
    return DigestScheduler(
        store=room.store,
        service=room.service,
        poster=room.poster,
        refresher=room.refresher,
        clock=room.clock,
        grace=grace,
        history_retention=history_retention,
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


async def subscribe(room: Newsroom, zone: ZoneInfo, local_time: time = MORNING) -> Subscription:
    return await room.store.subscribe(
        GUILD, next(CHANNELS), created_by=MEMBER, local_time=local_time, timezone=zone.key, now=room.clock()
    )


async def follow_news(room: Newsroom, *slugs: str) -> None:
    """A feed with these reports, published in the hour before the clock's time."""
    now = room.clock()
    url = room.publish("/courier.xml", [(slug, now - timedelta(minutes=10 * (n + 1))) for n, slug in enumerate(slugs)])
    await room.follow(url)


def channels_posted_to(room: Newsroom) -> list[int]:
    return [channel for channel, _id, _sent in room.poster.posted]


# --- when a daily time fires ------------------------------------------------------------------------


def test_a_daily_time_fires_at_that_local_time_in_each_zone() -> None:
    after = utc(2025, 3, 14, 0, 0)

    assert next_fire_time(MORNING, TOKYO, after) == utc(2025, 3, 14, 22, 30)  # UTC+9
    assert next_fire_time(MORNING, LOS_ANGELES, after) == utc(2025, 3, 14, 14, 30)  # PDT since 9 March
    assert next_fire_time(MORNING, BERLIN, after) == utc(2025, 3, 14, 6, 30)  # CET until 30 March


def test_the_next_firing_is_strictly_after_and_the_last_at_or_before() -> None:
    fire = utc(2025, 3, 14, 6, 30)

    assert next_fire_time(MORNING, BERLIN, fire) == utc(2025, 3, 15, 6, 30)
    assert last_fire_time(MORNING, BERLIN, fire) == fire
    assert last_fire_time(MORNING, BERLIN, fire - timedelta(microseconds=1)) == utc(2025, 3, 13, 6, 30)


def test_a_time_that_occurs_twice_when_clocks_fall_back_fires_once() -> None:
    # Berlin 26 Oct 2025: 03:00 CEST becomes 02:00 CET, so 02:30 happens at 00:30 and 01:30 UTC.
    first = next_fire_time(HALF_PAST_TWO, BERLIN, utc(2025, 10, 25, 12, 0))
    assert first == utc(2025, 10, 26, 0, 30)
    assert next_fire_time(HALF_PAST_TWO, BERLIN, first) == utc(2025, 10, 27, 1, 30)
    # New York 2 Nov 2025: 01:30 happens at 05:30 (EDT) and 06:30 (EST) UTC.
    first = next_fire_time(time(1, 30), NEW_YORK, utc(2025, 11, 1, 12, 0))
    assert first == utc(2025, 11, 2, 5, 30)
    assert next_fire_time(time(1, 30), NEW_YORK, first) == utc(2025, 11, 3, 6, 30)


def test_a_time_skipped_when_clocks_spring_forward_fires_once_when_they_jump() -> None:
    # Berlin 30 Mar 2025: 02:00 CET becomes 03:00 CEST at 01:00 UTC; 02:30 does not exist.
    fire = next_fire_time(HALF_PAST_TWO, BERLIN, utc(2025, 3, 29, 12, 0))
    assert fire == utc(2025, 3, 30, 1, 0)
    assert fire.astimezone(BERLIN).time() == time(3, 0)
    assert next_fire_time(HALF_PAST_TWO, BERLIN, fire) == utc(2025, 3, 31, 0, 30)
    # New York 9 Mar 2025: 02:00 EST becomes 03:00 EDT at 07:00 UTC.
    fire = next_fire_time(HALF_PAST_TWO, NEW_YORK, utc(2025, 3, 8, 12, 0))
    assert fire == utc(2025, 3, 9, 7, 0)
    assert next_fire_time(HALF_PAST_TWO, NEW_YORK, fire) == utc(2025, 3, 10, 6, 30)


def test_the_firing_of_a_skipped_time_belongs_to_its_own_date() -> None:
    assert fire_time_on(date(2025, 3, 30), HALF_PAST_TWO, BERLIN).astimezone(BERLIN).date() == date(2025, 3, 30)
    assert last_fire_time(HALF_PAST_TWO, BERLIN, utc(2025, 3, 30, 1, 20)) == utc(2025, 3, 30, 1, 0)


def test_the_trigger_fires_as_the_daily_time_does_across_a_dst_change() -> None:
    trigger = DailyTrigger(HALF_PAST_TWO, "Europe/Berlin")
    now = utc(2025, 10, 24, 12, 0)

    fires = [trigger.get_next_fire_time(None, now)]
    for _ in range(3):
        fires.append(trigger.get_next_fire_time(fires[-1], now))

    assert fires == [
        utc(2025, 10, 25, 0, 30),
        utc(2025, 10, 26, 0, 30),
        utc(2025, 10, 27, 1, 30),
        utc(2025, 10, 28, 1, 30),
    ]
    # A firing exactly now is still to come.
    assert trigger.get_next_fire_time(None, fires[1]) == fires[1]


# --- the jobs ---------------------------------------------------------------------------------------


async def test_start_gives_each_active_subscription_a_job_at_its_local_time(newsroom: Newsroom) -> None:
    tokyo, los_angeles = await subscribe(newsroom, TOKYO), await subscribe(newsroom, LOS_ANGELES)
    paused = await subscribe(newsroom, BERLIN)
    await newsroom.store.pause_subscription(GUILD, paused.channel_id, reason="Paused by a moderator.")

    async with started(newsroom) as scheduler:
        jobs = {job.id: job for job in scheduler.scheduler.get_jobs()}

    assert set(jobs) == {digest_job_id(tokyo.id), digest_job_id(los_angeles.id), REFRESH_JOB_ID, SWEEP_JOB_ID}
    for subscription, zone in ((tokyo, TOKYO), (los_angeles, LOS_ANGELES)):
        job = jobs[digest_job_id(subscription.id)]
        assert (job.func, job.args, job.coalesce, job.misfire_grace_time) == (
            scheduler.scheduled_digest_job,
            (subscription.id,),
            True,
            DEFAULT_GRACE.total_seconds(),
        )
        assert isinstance(job.trigger, DailyTrigger)
        assert (job.trigger.local_time, job.trigger.zone) == (MORNING, zone)
    assert jobs[REFRESH_JOB_ID].func == scheduler.refresh_job
    assert jobs[SWEEP_JOB_ID].func == scheduler.catch_up_job


async def test_schedule_and_unschedule_follow_the_commands(newsroom: Newsroom) -> None:
    async with started(newsroom) as scheduler:
        subscription = await subscribe(newsroom, BERLIN)
        scheduler.schedule(subscription)
        changed = await newsroom.store.subscribe(
            GUILD,
            subscription.channel_id,
            created_by=MEMBER,
            local_time=time(18, 0),
            timezone="Asia/Tokyo",
            replace=True,
            now=newsroom.clock(),
        )
        scheduler.schedule(changed)
        job = scheduler.scheduler.get_job(digest_job_id(subscription.id))
        assert job is not None
        assert (job.trigger.local_time, job.trigger.zone, job.next_run_time) == (
            time(18, 0),
            TOKYO,
            next_fire_time(time(18, 0), TOKYO, datetime.now(UTC)),
        )

        assert scheduler.unschedule(subscription.id)
        assert not scheduler.unschedule(subscription.id)
        assert scheduler.scheduler.get_job(digest_job_id(subscription.id)) is None


async def test_the_job_function_delivers_the_digest_it_names(newsroom: Newsroom) -> None:
    await follow_news(newsroom, "ferry", "orchard")
    tokyo, los_angeles = await subscribe(newsroom, TOKYO), await subscribe(newsroom, LOS_ANGELES)
    newsroom.clock.set(utc(2025, 3, 14, 22, 30))  # 07:30 in Tokyo

    async with started(newsroom) as scheduler:
        await scheduler.scheduled_digest_job(tokyo.id)
        await scheduler.scheduled_digest_job(los_angeles.id)  # 15:30 yesterday there: nothing due

    assert set(channels_posted_to(newsroom)) == {tokyo.channel_id}
    assert sorted(newsroom.poster.titles) == sorted([title("ferry"), title("orchard")])


async def test_a_started_scheduler_catches_up_at_once(newsroom: Newsroom) -> None:
    await follow_news(newsroom, "ferry")
    subscription = await subscribe(newsroom, BERLIN)
    newsroom.clock.set(utc(2025, 3, 14, 7, 0))  # 08:00 in Berlin: half an hour late

    async with started(newsroom, paused=False):
        for _ in range(500):
            if newsroom.poster.posted:
                break
            await asyncio.sleep(0.01)

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


async def test_a_retention_of_zero_prunes_nothing(newsroom: Newsroom) -> None:
    feed_id = await story_gone_for_40_days(newsroom)

    async with started(newsroom, history_retention=timedelta(0)) as scheduler:
        assert scheduler.scheduler.get_job(HOUSEKEEPING_JOB_ID) is None
        assert await scheduler.prune_history() is None

    assert await stored_items(newsroom, feed_id) == 2


async def test_a_retention_shorter_than_digests_read_is_refused(newsroom: Newsroom) -> None:
    with pytest.raises(ValueError, match="history_retention"):
        make_scheduler(newsroom, history_retention=timedelta(days=1))


# --- restarts and missed digests --------------------------------------------------------------------


async def test_each_zone_gets_its_digest_at_its_own_local_time(newsroom: Newsroom) -> None:
    await follow_news(newsroom, "ferry")
    tokyo, los_angeles = await subscribe(newsroom, TOKYO), await subscribe(newsroom, LOS_ANGELES)
    scheduler = make_scheduler(newsroom)

    newsroom.clock.set(utc(2025, 3, 14, 22, 30))
    at_tokyo_time = await scheduler.catch_up()
    newsroom.clock.set(utc(2025, 3, 15, 14, 30))
    at_los_angeles_time = await scheduler.catch_up()

    assert {key: outcome.result for key, outcome in at_tokyo_time.items()} == {tokyo.id: DeliveryResult.POSTED}
    assert {key: outcome.result for key, outcome in at_los_angeles_time.items()} == {
        los_angeles.id: DeliveryResult.POSTED
    }
    assert channels_posted_to(newsroom) == [tokyo.channel_id, los_angeles.channel_id]


async def test_a_restart_before_the_time_posts_nothing_until_it_comes(newsroom: Newsroom) -> None:
    await follow_news(newsroom, "ferry")
    subscription = await subscribe(newsroom, BERLIN)
    scheduler = make_scheduler(newsroom)

    newsroom.clock.set(utc(2025, 3, 14, 6, 0))  # 07:00 in Berlin
    assert await scheduler.catch_up() == {}
    assert await scheduler.run_due(subscription.id) is None
    newsroom.clock.set(utc(2025, 3, 14, 6, 30))
    outcome = await scheduler.run_due(subscription.id)

    assert outcome is not None
    assert outcome.result is DeliveryResult.POSTED
    assert channels_posted_to(newsroom) == [subscription.channel_id]


async def test_a_digest_missed_within_the_grace_is_posted_once(newsroom: Newsroom) -> None:
    await follow_news(newsroom, "ferry", "chess")
    subscription = await subscribe(newsroom, BERLIN)
    scheduler = make_scheduler(newsroom)

    newsroom.clock.set(utc(2025, 3, 14, 7, 20))  # back at 08:20, 50 minutes late
    first = await scheduler.catch_up()
    newsroom.clock.advance(timedelta(minutes=5))
    second = await scheduler.catch_up()
    by_job = await scheduler.run_due(subscription.id)

    assert [outcome.result for outcome in first.values()] == [DeliveryResult.POSTED]
    assert second == {}
    assert by_job is not None
    assert by_job.result is DeliveryResult.ALREADY_DELIVERED
    assert len(newsroom.poster.posted) == 1
    delivery = await newsroom.store.latest_delivery(subscription.id)
    assert delivery is not None
    assert (delivery.local_date, delivery.kind) == (date(2025, 3, 14), DeliveryKind.SCHEDULED)


async def test_a_digest_missed_by_more_than_the_grace_waits_for_the_next_day(newsroom: Newsroom) -> None:
    await follow_news(newsroom, "ferry")
    subscription = await subscribe(newsroom, BERLIN)
    scheduler = make_scheduler(newsroom)

    newsroom.clock.set(utc(2025, 3, 14, 6, 30) + DEFAULT_GRACE + timedelta(minutes=1))
    late = await scheduler.catch_up()
    by_job = await scheduler.run_due(subscription.id)
    newsroom.clock.set(utc(2025, 3, 15, 6, 30))
    newsroom.publish("/courier.xml", [("chess", utc(2025, 3, 15, 6, 0)), ("ferry", utc(2025, 3, 14, 4, 50))])
    next_day = await scheduler.run_due(subscription.id)

    assert (late, by_job) == ({}, None)
    assert next_day is not None
    assert next_day.result is DeliveryResult.POSTED
    # A first digest covers the last day: the missed day's story, 26 hours old, is left out.
    assert newsroom.poster.titles == [title("chess")]


async def test_a_grace_setting_of_two_hours_is_honoured(newsroom: Newsroom) -> None:
    await follow_news(newsroom, "ferry")
    await subscribe(newsroom, BERLIN)
    scheduler = make_scheduler(newsroom, grace=timedelta(hours=2))

    newsroom.clock.set(utc(2025, 3, 14, 8, 15))  # 1 h 45 min late

    assert [outcome.result for outcome in (await scheduler.catch_up()).values()] == [DeliveryResult.POSTED]


async def test_a_restart_during_a_digest_posts_only_the_rest(newsroom: Newsroom) -> None:
    slugs = ("ferry", "orchard", "chess", "tram")
    await follow_news(newsroom, *slugs)
    subscription = await subscribe(newsroom, BERLIN)
    newsroom.clock.set(utc(2025, 3, 14, 6, 30))
    newsroom.poster.failures = [None, SimulatedCrash()]
    with pytest.raises(SimulatedCrash):
        await make_scheduler(newsroom).run_due(subscription.id)
    first_posts = list(newsroom.poster.titles)

    restarted = make_scheduler(newsroom)
    newsroom.clock.advance(timedelta(seconds=30))
    too_soon = await restarted.catch_up()  # the crashed claim's lease still holds
    newsroom.clock.advance(CLAIM_LEASE)
    resumed = await restarted.catch_up()

    assert too_soon == {}
    assert [outcome.result for outcome in resumed.values()] == [DeliveryResult.POSTED]
    assert len(first_posts) == 2
    rest = newsroom.poster.titles[len(first_posts) :]
    assert sorted(first_posts + rest) == sorted(title(slug) for slug in slugs)
    assert not set(first_posts) & set(rest)
    delivery = await newsroom.store.latest_delivery(subscription.id)
    assert delivery is not None
    assert (delivery.status, delivery.attempt, len(delivery.posted_message_ids)) == (DeliveryStatus.POSTED, 2, 2)


async def test_a_digest_being_posted_when_the_scheduler_stops_is_let_finish(newsroom: Newsroom) -> None:
    slugs = ("ferry", "orchard", "chess")
    await follow_news(newsroom, *slugs)
    subscription = await subscribe(newsroom, BERLIN)
    newsroom.clock.set(utc(2025, 3, 14, 6, 30))
    posting = asyncio.Event()
    original_post = newsroom.poster.post

    async def slow_post(channel_id: int, message: Sent, *, key: str) -> int:
        posting.set()
        await asyncio.sleep(0.2)  # Discord takes its time
        return await original_post(channel_id, message, key=key)

    newsroom.poster.post = slow_post  # type: ignore[method-assign]
    async with started(newsroom, paused=False):  # its catch-up job runs at once: the digest is due
        await asyncio.wait_for(posting.wait(), timeout=30)

    delivery = await newsroom.store.latest_delivery(subscription.id)
    assert delivery is not None
    assert (delivery.status, delivery.attempt) == (DeliveryStatus.POSTED, 1)
    assert sorted(newsroom.poster.titles) == sorted(title(slug) for slug in slugs)


async def test_a_digest_cut_off_by_a_shutdown_is_finished_by_the_next_sweep_at_once(newsroom: Newsroom) -> None:
    slugs = ("ferry", "orchard", "chess", "tram")
    await follow_news(newsroom, *slugs)
    subscription = await subscribe(newsroom, BERLIN)
    newsroom.clock.set(utc(2025, 3, 14, 6, 30))
    second_post_sent = asyncio.Event()
    original_post = newsroom.poster.post

    async def slow_second_post(channel_id: int, message: Sent, *, key: str) -> int:
        if newsroom.poster.posted:  # Discord takes its time with the second message
            second_post_sent.set()
            await asyncio.Event().wait()
        return await original_post(channel_id, message, key=key)

    newsroom.poster.post = slow_second_post  # type: ignore[method-assign]
    stopping = make_scheduler(newsroom)
    job = asyncio.create_task(stopping.scheduled_digest_job(subscription.id))
    await asyncio.wait_for(second_post_sent.wait(), timeout=30)
    await stopping.stop(finish_within=0.1)
    newsroom.poster.post = original_post  # type: ignore[method-assign]

    resumed = await make_scheduler(newsroom).catch_up()  # at once: the clock has not moved

    assert job.cancelled()
    assert [outcome.result for outcome in resumed.values()] == [DeliveryResult.POSTED]
    assert sorted(newsroom.poster.titles) == sorted(title(slug) for slug in slugs)
    delivery = await newsroom.store.latest_delivery(subscription.id)
    assert delivery is not None
    assert (delivery.status, delivery.attempt) == (DeliveryStatus.POSTED, 2)


async def test_the_sweep_retries_a_manual_digest_through_an_outage_and_posts_it_once(newsroom: Newsroom) -> None:
    await follow_news(newsroom, "ferry", "chess")
    subscription = await subscribe(newsroom, BERLIN, time(18, 0))  # no scheduled digest in the way
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
    subscription = await subscribe(newsroom, BERLIN, time(18, 0))
    scheduler = make_scheduler(newsroom, grace=timedelta(minutes=10))
    newsroom.poster.failures = [TransientPostError("503 Service Unavailable")] * 4
    asked = await newsroom.service.deliver(subscription.id, kind=DeliveryKind.MANUAL, poster=newsroom.poster)

    newsroom.clock.advance(timedelta(minutes=10, seconds=1))
    swept = await scheduler.catch_up()

    assert (asked.result, swept, newsroom.poster.posted) == (DeliveryResult.FAILED, {}, [])


async def test_a_subscription_made_after_todays_time_starts_tomorrow(newsroom: Newsroom) -> None:
    await follow_news(newsroom, "ferry")
    newsroom.clock.set(utc(2025, 3, 14, 6, 45))  # 07:45 in Berlin, a quarter of an hour after 07:30
    subscription = await subscribe(newsroom, BERLIN)
    scheduler = make_scheduler(newsroom)

    assert await scheduler.catch_up() == {}
    newsroom.clock.set(utc(2025, 3, 15, 6, 30))
    outcome = await scheduler.run_due(subscription.id)

    assert outcome is not None
    assert outcome.result is DeliveryResult.POSTED


async def test_a_paused_subscriptions_job_is_removed_when_it_fires(newsroom: Newsroom) -> None:
    subscription = await subscribe(newsroom, BERLIN)
    async with started(newsroom) as scheduler:
        await newsroom.store.pause_subscription(GUILD, subscription.channel_id, reason="Paused by a moderator.")
        newsroom.clock.set(utc(2025, 3, 14, 6, 30))

        assert await scheduler.run_due(subscription.id) is None
        assert scheduler.scheduler.get_job(digest_job_id(subscription.id)) is None
    assert newsroom.poster.posted == []


# --- daylight saving time, end to end ---------------------------------------------------------------


async def test_a_digest_at_a_time_that_occurs_twice_is_posted_once(newsroom: Newsroom) -> None:
    newsroom.clock.set(utc(2025, 10, 25, 12, 0))
    subscription = await subscribe(newsroom, BERLIN, HALF_PAST_TWO)
    await follow_news(newsroom, "ferry")
    scheduler = make_scheduler(newsroom)

    newsroom.clock.set(utc(2025, 10, 26, 0, 30))  # 02:30 CEST
    first = await scheduler.run_due(subscription.id)
    newsroom.clock.set(utc(2025, 10, 26, 1, 30))  # 02:30 CET, an hour later
    second = await scheduler.run_due(subscription.id)
    swept = await scheduler.catch_up()

    assert first is not None
    assert second is not None
    assert (first.result, second.result, swept) == (DeliveryResult.POSTED, DeliveryResult.ALREADY_DELIVERED, {})
    assert len(newsroom.poster.posted) == 1


async def test_a_digest_at_a_time_the_clocks_skip_is_posted_once_when_they_jump(newsroom: Newsroom) -> None:
    newsroom.clock.set(utc(2025, 3, 29, 12, 0))
    subscription = await subscribe(newsroom, BERLIN, HALF_PAST_TWO)
    await follow_news(newsroom, "ferry")
    scheduler = make_scheduler(newsroom)

    newsroom.clock.set(utc(2025, 3, 30, 0, 59))  # 01:59 CET, a minute before the jump
    before = await scheduler.catch_up()
    newsroom.clock.set(utc(2025, 3, 30, 1, 0))  # 03:00 CEST
    at_jump = await scheduler.run_due(subscription.id)
    newsroom.clock.set(utc(2025, 3, 30, 1, 30))  # 03:30 CEST, when CronTrigger would fire
    later = await scheduler.catch_up()

    assert (before, later) == ({}, {})
    assert at_jump is not None
    assert at_jump.result is DeliveryResult.POSTED
    delivery = await newsroom.store.latest_delivery(subscription.id)
    assert delivery is not None
    assert delivery.local_date == date(2025, 3, 30)
    assert len(newsroom.poster.posted) == 1

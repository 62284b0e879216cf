"""When digests go out: one APScheduler job per subscription at its local time, restart-safe.

The database is the truth, the scheduler only a timer. At start the jobs are rebuilt from the active
subscriptions (APScheduler's memory job store forgets everything on exit), and the commands call
`schedule` / `unschedule` as subscriptions change. A job is a method of the scheduler that made it,
called with a subscription id: nothing about a job outlives the process, so nothing needs to find
the scheduler again.

Missed digests: at start, and every sweep after (DIGEST_SWEEP_SECONDS, 30 s), each subscription's
most recent firing is computed from the clock (not from APScheduler's memory). When it lies within
the grace period and that date's scheduled digest was not posted, it is delivered now: once, however
many firings were missed (only the latest counts), and a delivery a crash or a shutdown left
half-posted or Discord failed is finished the same way; so is a manual digest (/digest now) that
failed or was abandoned, until the grace after it began. The store's claim keeps it to one scheduled
digest per subscription and local date, across processes.

Housekeeping: once a day, from an hour after start, history older than HISTORY_RETENTION_DAYS is
pruned (`Store.prune_history`, safe with several processes doing it at once).

Daylight saving time, decided by `fire_time_on` rather than by CronTrigger, whose 3.x version fires
twice when clocks fall back (02:30 happens twice, and it fires at both) and, when they spring
forward, fires at the old offset (02:30 that does not exist runs at 03:30):

- a local time that occurs twice fires once, at its first occurrence;
- a local time that does not occur that day fires once, at the instant the clocks jump (03:00 for
  02:30 in Europe/Berlin or America/New_York on their spring-forward days).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.job import Job
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.digests import (
    FEED_CHECK_INTERVAL,
    Clock,
    DeliveryOutcome,
    DeliveryResult,
    DigestService,
    FeedRefresher,
    Poster,
    RefreshReport,
    utc_now,
)
from bot.settings import DEFAULT_DIGEST_SWEEP_SECONDS, MIN_HISTORY_RETENTION
from bot.store import Delivery, DeliveryKind, PrunedHistory, Store, Subscription, takeover_due

LOGGER = logging.getLogger(__name__)

DEFAULT_GRACE = timedelta(hours=1)
"""A digest missed while the bot was down is still posted when it is back within an hour
(DIGEST_GRACE_MINUTES): a morning digest at 9 instead of 8 is still the morning's; at noon it is not."""

RETRY_SWEEP_INTERVAL = timedelta(seconds=DEFAULT_DIGEST_SWEEP_SECONDS)
"""How often missed, failed or abandoned digests within the grace are looked for: DIGEST_SWEEP_SECONDS's
default (see bot.settings.DEFAULT_DIGEST_SWEEP_SECONDS). A dead process's claim is free a lease after
its last renewal, so the rest of its digest is posted within a lease and a sweep of the crash; a
failed one is tried again within a sweep of its retry delay."""

CATCH_UP_CONCURRENCY = 4
"""Missed digests delivered at once after a restart: each briefs up to ten pages, and the pipeline's
job slots and the CPU are shared with people asking for summaries right now."""

STOP_TIMEOUT_SECONDS = 10.0
"""How long `stop` lets digests being posted finish: posting takes seconds; one cut off releases its
claim, and is finished by the next sweep of another process or by the next start."""

HOUSEKEEPING_INTERVAL = timedelta(days=1)
"""How often old history is pruned: the retention is counted in days, so a daily pass keeps the tables
within a day of it, in one short burst of deletes."""

HOUSEKEEPING_DELAY = timedelta(hours=1)
"""The first pass waits an hour after start: the catch-up and the first refresh come first, and a
bot restarting over and over does not prune at every start."""

REFRESH_JOB_ID = "feeds:refresh"
SWEEP_JOB_ID = "digests:catch-up"
HOUSEKEEPING_JOB_ID = "store:housekeeping"


# --- when a daily time fires ----------------------------------------------------------------------


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: pass timezone-aware times")
    return moment.astimezone(UTC)


def fire_time_on(day: date, local_time: time, zone: ZoneInfo) -> datetime:
    """The instant (UTC) a daily `local_time` fires on the local date `day` in `zone`.

    Twice that day (clocks fall back): the first occurrence. Not that day (clocks spring forward
    over it): the instant the clocks jump, the first valid time after it.
    """
    wall = datetime.combine(day, local_time.replace(tzinfo=None))
    readings = [wall.replace(tzinfo=zone, fold=fold) for fold in (0, 1)]
    real = [reading.astimezone(UTC) for reading in readings if _occurs(reading, zone)]
    if real:
        return min(real)
    # In a gap, the two folds read the wall time with the offsets before and after the jump: the
    # jump lies between them. Transitions fall on whole seconds, so halving to one second finds it.
    earlier, later = sorted(reading.astimezone(UTC) for reading in readings)
    offset_after = later.astimezone(zone).utcoffset()
    while later - earlier > timedelta(seconds=1):
        middle = earlier + timedelta(seconds=(later - earlier).total_seconds() // 2)
        if middle.astimezone(zone).utcoffset() == offset_after:
            later = middle
        else:
            earlier = middle
    return later


def _occurs(reading: datetime, zone: ZoneInfo) -> bool:
    """Whether a wall-clock reading names a real instant (it reads the same after a round trip)."""
    return reading.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == reading.replace(tzinfo=None)


def next_fire_time(local_time: time, zone: ZoneInfo, after: datetime) -> datetime:
    """The first instant (UTC) strictly after `after` at which a daily `local_time` in `zone` fires."""
    after = _utc(after)
    day = after.astimezone(zone).date() - timedelta(days=1)
    while (fire := fire_time_on(day, local_time, zone)) <= after:
        day += timedelta(days=1)
    return fire


def last_fire_time(local_time: time, zone: ZoneInfo, before: datetime) -> datetime:
    """The latest instant (UTC) at or before `before` at which a daily `local_time` in `zone` fired."""
    before = _utc(before)
    day = before.astimezone(zone).date() + timedelta(days=1)
    while (fire := fire_time_on(day, local_time, zone)) > before:
        day -= timedelta(days=1)
    return fire


def local_date_of(fire: datetime, zone: ZoneInfo) -> date:
    """The local date a firing belongs to: the date on the zone's clock when it fires."""
    return fire.astimezone(zone).date()


# APScheduler 3 ships no type information: its BaseTrigger is Any to mypy.
class DailyTrigger(BaseTrigger):  # type: ignore[misc]
    """An APScheduler trigger firing once a day at a wall-clock time in an IANA zone (see the module's
    notes on daylight saving time)."""

    __slots__ = ("local_time", "zone")

    def __init__(self, local_time: time, zone: ZoneInfo | str) -> None:
        self.local_time = local_time.replace(tzinfo=None, second=0, microsecond=0)
        self.zone = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime:
        if previous_fire_time is None:
            # A firing exactly at `now` is still to come.
            return next_fire_time(self.local_time, self.zone, now - timedelta(microseconds=1))
        return next_fire_time(self.local_time, self.zone, previous_fire_time)

    def __getstate__(self) -> dict[str, Any]:
        return {"version": 1, "local_time": self.local_time, "zone": self.zone.key}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.local_time = state["local_time"]
        self.zone = ZoneInfo(state["zone"])

    def __str__(self) -> str:
        return f"daily at {self.local_time:%H:%M} {self.zone.key}"

    def __repr__(self) -> str:
        return f"<DailyTrigger ({self.local_time:%H:%M}, timezone={self.zone.key!r})>"


def digest_job_id(subscription_id: int) -> str:
    return f"digest:{subscription_id}"


# --- the scheduler --------------------------------------------------------------------------------


class DigestScheduler:
    """Runs each subscription's digest at its local time, the feed refresh, the catch-up after restarts,
    and the daily housekeeping.

    Its jobs are its own methods (`scheduled_digest_job` and the three interval jobs), each tracked
    so that `stop` can wait for it.
    """

    def __init__(
        self,
        *,
        store: Store,
        service: DigestService,
        poster: Poster[Any],
        refresher: FeedRefresher | None = None,
        clock: Clock = utc_now,
        grace: timedelta = DEFAULT_GRACE,
        refresh_interval: timedelta = FEED_CHECK_INTERVAL,
        sweep_interval: timedelta = RETRY_SWEEP_INTERVAL,
        history_retention: timedelta | None = None,
        scheduler: AsyncIOScheduler | None = None,
    ) -> None:
        """Args:
        store: the subscriptions and deliveries.
        service: builds and posts digests.
        poster: the Discord side of scheduled digests.
        refresher: fetches due feeds every `refresh_interval`; None for no periodic refresh.
        clock: the current time for deciding what is due (APScheduler's timer runs on real time).
        grace: how late a missed digest may still be posted (DIGEST_GRACE_MINUTES).
        refresh_interval: how often due feeds are fetched (FEED_REFRESH_MINUTES).
        sweep_interval: how often missed, failed or abandoned digests within the grace are looked for
            (DIGEST_SWEEP_SECONDS).
        history_retention: how long history is kept (HISTORY_RETENTION_DAYS, see Store.prune_history);
            None (or zero) keeps everything, and no housekeeping job runs.
        scheduler: the APScheduler to use; a new one by default.
        """
        if grace < timedelta(0) or refresh_interval <= timedelta(0) or sweep_interval <= timedelta(0):
            raise ValueError("grace must not be negative, and the intervals must be positive")
        if history_retention and history_retention < MIN_HISTORY_RETENTION:
            raise ValueError(f"history_retention must be zero, None, or at least {MIN_HISTORY_RETENTION}")
        self.store = store
        self.service = service
        self.poster = poster
        self.refresher = refresher
        self.clock = clock
        self.grace = grace
        self.refresh_interval = refresh_interval
        self.sweep_interval = sweep_interval
        self.history_retention = history_retention or None
        self.scheduler = scheduler or AsyncIOScheduler(timezone=UTC)
        self._delivering: dict[int, asyncio.Task[Any]] = {}
        self._jobs: set[asyncio.Task[Any]] = set()

    @contextlib.asynccontextmanager
    async def running_job(self) -> AsyncIterator[None]:
        """Track a job's task, so that `stop` can wait for it before the store and fetcher close."""
        task = asyncio.current_task()
        assert task is not None, "jobs run in tasks"
        self._jobs.add(task)
        try:
            yield
        finally:
            self._jobs.discard(task)

    async def start(self, *, paused: bool = False) -> None:
        """Schedule every active subscription, the feed refresh and the catch-up (both run at once,
        then every interval), the housekeeping (an hour from now, then daily), and start the timer.

        Args:
            paused: register the jobs without running any until `scheduler.resume()` (tests).
        """
        subscriptions = await self.store.active_subscriptions()
        self.scheduler.start(paused=paused)
        for subscription in subscriptions:
            self.schedule(subscription)
        now = datetime.now(UTC)
        if self.refresher is not None:
            self._every(self.refresh_interval, self.refresh_job, REFRESH_JOB_ID, "refresh due feeds", first_run=now)
        self._every(self.sweep_interval, self.catch_up_job, SWEEP_JOB_ID, "post missed digests", first_run=now)
        if self.history_retention is not None:
            self._every(
                HOUSEKEEPING_INTERVAL,
                self.housekeeping_job,
                HOUSEKEEPING_JOB_ID,
                "prune old history",
                first_run=now + HOUSEKEEPING_DELAY,
            )
        LOGGER.info("Digest scheduler started with %d subscriptions", len(subscriptions))

    def _every(
        self, interval: timedelta, job: Callable[[], Awaitable[None]], job_id: str, name: str, *, first_run: datetime
    ) -> None:
        """A housekeeping job every `interval` from `first_run`: one run at a time, missed runs coalesced."""
        self.scheduler.add_job(
            job,
            IntervalTrigger(seconds=interval.total_seconds(), timezone=UTC),
            id=job_id,
            name=name,
            next_run_time=first_run,
            coalesce=True,
            max_instances=1,
            replace_existing=True,
        )

    async def stop(self, *, finish_within: float = STOP_TIMEOUT_SECONDS) -> None:
        """Stop the timer, letting digests being posted finish for `finish_within` seconds, then
        cutting them off: a cut-off digest releases its claim, and the next sweep (of another process,
        or after the next start) finishes it without repeats."""
        if self.scheduler.running:
            # Paused, not shut down yet: APScheduler's shutdown cancels the jobs running at once.
            self.scheduler.pause()
        current = asyncio.current_task()
        pending = [task for task in {*self._delivering.values(), *self._jobs} if task is not current]
        if pending:
            _done, late = await asyncio.wait(pending, timeout=finish_within)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await asyncio.sleep(0)  # APScheduler shuts down on the loop's next turn
        LOGGER.info("Digest scheduler stopped")

    def schedule(self, subscription: Subscription) -> Job | None:
        """Create or replace the subscription's daily job (a paused subscription gets none)."""
        if subscription.paused:
            self.unschedule(subscription.id)
            return None
        return self.scheduler.add_job(
            self.scheduled_digest_job,
            DailyTrigger(subscription.local_time, subscription.zone),
            args=[subscription.id],
            id=digest_job_id(subscription.id),
            name=f"digest of subscription {subscription.id}",
            replace_existing=True,
            # Late by less than the grace (a busy loop, a suspended host): run once, not once per firing.
            misfire_grace_time=max(1, int(self.grace.total_seconds())),
            coalesce=True,
            max_instances=1,
        )

    def unschedule(self, subscription_id: int) -> bool:
        """Remove the subscription's job; False when it had none."""
        try:
            self.scheduler.remove_job(digest_job_id(subscription_id))
        except JobLookupError:
            return False
        return True

    async def scheduled_digest_job(self, subscription_id: int) -> None:
        """APScheduler job: post the subscription's scheduled digest, if it is due."""
        async with self.running_job():
            await self.run_due(subscription_id)

    async def refresh_job(self) -> None:
        """APScheduler job: fetch the feeds that are due."""
        async with self.running_job():
            await self.refresh_feeds()

    async def catch_up_job(self) -> None:
        """APScheduler job: post missed digests still within the grace."""
        async with self.running_job():
            await self.catch_up()

    async def housekeeping_job(self) -> None:
        """APScheduler job: forget the history older than the retention."""
        async with self.running_job():
            await self.prune_history()

    async def run_due(self, subscription_id: int) -> DeliveryOutcome | None:
        """Deliver the subscription's scheduled digest if its latest firing is within the grace.

        Returns None when nothing was due (paused, gone, subscribed after today's time, or too late).
        """
        subscription = await self.store.subscription_by_id(subscription_id)
        if subscription is None or subscription.paused:
            self.unschedule(subscription_id)
            return None
        due = self._due_date(subscription, self.clock())
        if due is None:
            return None
        return await self._deliver(subscription, due)

    async def catch_up(self) -> dict[int, DeliveryOutcome]:
        """Deliver every active subscription's latest scheduled digest that is within the grace and
        not yet posted: after a restart, and to finish failed or abandoned deliveries; and finish
        the manual digests begun within the grace that failed or were abandoned.

        Returns the outcome for each subscription tried.
        """
        now = self.clock()
        due: list[tuple[Subscription, date]] = []
        for subscription in await self.store.active_subscriptions():
            day = self._due_date(subscription, now)
            if day is None or subscription.id in self._delivering:
                continue
            latest = await self.store.latest_delivery(subscription.id, kind=DeliveryKind.SCHEDULED)
            if latest is not None and latest.local_date == day and not takeover_due(latest, now):
                continue  # posted, being posted (its lease holds), or failed moments ago
            due.append((subscription, day))
        manual = await self.store.deliveries_to_retry(kind=DeliveryKind.MANUAL, started_after=now - self.grace, now=now)
        if due:
            LOGGER.info("Catching up on %d digests", len(due))
        slots = asyncio.Semaphore(CATCH_UP_CONCURRENCY)
        outcomes: dict[int, DeliveryOutcome] = {}

        async def one(subscription: Subscription, day: date) -> None:
            async with slots:
                try:
                    outcome = await self._deliver(subscription, day)
                except Exception:
                    LOGGER.error("Catching up on the digest of subscription %s failed", subscription.id, exc_info=True)
                    return
            if outcome is not None:
                outcomes[subscription.id] = outcome

        async def retry_manual(delivery: Delivery) -> None:
            async with slots:
                try:
                    outcome = await self.service.resume(delivery.subscription_id, delivery.id, poster=self.poster)
                except Exception:
                    LOGGER.error("Retrying manual digest %s failed", delivery.id, exc_info=True)
                    return
            outcomes.setdefault(delivery.subscription_id, outcome)

        await asyncio.gather(
            *(one(subscription, day) for subscription, day in due),
            *(retry_manual(delivery) for delivery in manual),
        )
        return outcomes

    async def refresh_feeds(self) -> RefreshReport | None:
        """Fetch the feeds that are due (the periodic job)."""
        if self.refresher is None:
            return None
        return await self.refresher.refresh_due()

    async def prune_history(self) -> PrunedHistory | None:
        """Forget the history older than the retention (the daily job); None when it is kept forever."""
        if self.history_retention is None:
            return None
        pruned = await self.store.prune_history(retention=self.history_retention, now=self.clock())
        LOGGER.info(
            "Housekeeping removed %d items gone from their feeds, %d records of delivered items, "
            "%d past deliveries and %d unfollowed feeds (history kept %s)",
            pruned.seen_items,
            pruned.delivered_items,
            pruned.deliveries,
            pruned.feeds,
            self.history_retention,
        )
        return pruned

    def _due_date(self, subscription: Subscription, now: datetime) -> date | None:
        """The local date of the subscription's latest firing if it is due now, else None."""
        fire = last_fire_time(subscription.local_time, subscription.zone, now)
        if fire < subscription.created_at:
            return None  # subscribed after that time: its first digest is the next firing
        if now - fire > self.grace:
            if now - fire <= self.grace + self.sweep_interval:
                LOGGER.warning(
                    "The digest of subscription %s due at %s was missed by more than the grace of %s",
                    subscription.id,
                    fire.isoformat(),
                    self.grace,
                )
            return None
        return local_date_of(fire, subscription.zone)

    async def _deliver(self, subscription: Subscription, day: date) -> DeliveryOutcome | None:
        if subscription.id in self._delivering:
            return None  # the daily job and the catch-up met: one is enough
        task = asyncio.current_task()
        assert task is not None, "deliveries run in tasks"
        self._delivering[subscription.id] = task
        try:
            outcome = await self.service.deliver(
                subscription.id, kind=DeliveryKind.SCHEDULED, local_date=day, poster=self.poster
            )
        finally:
            del self._delivering[subscription.id]
        if outcome.result in (DeliveryResult.CHANNEL_UNAVAILABLE, DeliveryResult.PAUSED, DeliveryResult.NOT_FOUND):
            self.unschedule(subscription.id)
        if outcome.result is DeliveryResult.FAILED:
            LOGGER.warning(
                "The digest of subscription %s failed (%s); retrying within the grace", subscription.id, outcome.error
            )
        return outcome

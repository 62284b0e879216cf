"""When digests go out: a clock that claims due editions as rows, and a bounded pool of workers that
posts them; restart-safe, and shared by any number of processes.

The database is the truth, APScheduler only a timer. No job per subscription: each subscription row
carries its `next_edition_at` (see bot/editions.py for when editions fire, daylight saving time
included), and every DELIVERY_CLOCK_SECONDS the clock asks the store for the due ones, taking as
many as this process has free workers (`Store.claim_due_editions`: FOR UPDATE SKIP LOCKED on
PostgreSQL, so processes take different ones; the write lock on SQLite). Claiming creates the
edition's delivery row, unique per subscription, local date and edition time, and moves
`next_edition_at` on, in one transaction. An edition found later than the grace (DIGEST_GRACE_MINUTES)
is logged and passed over, and so are the older ones missed with it: after an outage only the
latest edition counts. Subscribing, unsubscribing and pausing only write rows.

A worker that finishes while more editions are due asks for more at once, so a burst is posted as
fast as the workers go, never more at a time than DELIVERY_WORKERS (the database pool and Discord's
rate limit are shared by all of them).

Failures: a delivery Discord refused is left failed (released at once, not held), and the sweep
(DIGEST_SWEEP_SECONDS, 30 s) gives it to a worker again after its backoff (`retry_delay`: 15 s
doubling to 2 minutes) while it is within the grace; so is one whose process died (its lease runs
out) or was cut off by a shutdown (released at once), and a manual digest (/digest now) that failed.
The taker posts only what Discord does not have yet (see bot/digests.py).

Live subscriptions (bot/live_delivery.py): right after each feed refresh, the live cycle posts, edits
or holds every live subscription's new stories, a few subscriptions at a time (DELIVERY_WORKERS); the
delivery clock, at the first tick of each hour (and again while some are left), posts the stories
held over the hourly cap as one message per subscription. The clock never claims editions for them.

Housekeeping: once a day, from an hour after start, history older than HISTORY_RETENTION_DAYS is
pruned (`Store.prune_history`), and so are page briefs completed longer ago than any digest reaches
back (`Store.prune_briefs`, MAX_BRIEF_AGE), and live posts past the edit window (`Store.prune_live_posts`,
LIVE_POST_RETENTION; a held story is kept until posted); all are safe with several processes doing them
at once.

Metrics (bot/operations.py): editions due (claimed), missed, posted and failed, deliveries in flight,
and how late each claimed edition starts after it was due (the queue lag).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.schedulers.base import STATE_RUNNING
from apscheduler.triggers.interval import IntervalTrigger

from bot.briefs import MAX_BRIEF_AGE
from bot.digests import (
    FEED_CHECK_INTERVAL,
    Clock,
    DeliveryOutcome,
    DeliveryResult,
    DigestService,
    FeedRefresher,
    RefreshReport,
    utc_now,
)
from bot.live import LIVE_EDIT_WINDOW, hour_start
from bot.live_delivery import LiveDelivery, LiveOutcome, LivePoster
from bot.operations import BotMetrics
from bot.settings import (
    DEFAULT_DATABASE_POOL_SIZE,
    DEFAULT_DELIVERY_CLOCK_SECONDS,
    DEFAULT_DIGEST_SWEEP_SECONDS,
    MIN_HISTORY_RETENTION,
    default_delivery_workers,
)
from bot.store import Claim, Delivery, DeliveryKind, DueEditions, PrunedHistory, Store

LOGGER = logging.getLogger(__name__)

DEFAULT_GRACE = timedelta(hours=1)
"""A digest missed while the bot was down is still posted when it is back within an hour
(DIGEST_GRACE_MINUTES): a morning digest at 9 instead of 8 is still the morning's; at noon it is not."""

CLOCK_INTERVAL = timedelta(seconds=DEFAULT_DELIVERY_CLOCK_SECONDS)
"""How often due editions are claimed: DELIVERY_CLOCK_SECONDS's default (see bot.settings)."""

RETRY_SWEEP_INTERVAL = timedelta(seconds=DEFAULT_DIGEST_SWEEP_SECONDS)
"""How often failed or abandoned deliveries within the grace are looked for: DIGEST_SWEEP_SECONDS's
default (see bot.settings.DEFAULT_DIGEST_SWEEP_SECONDS). A dead process's claim is free a lease after
its last renewal, so the rest of its digest is posted within a lease and a sweep of the crash; a
failed one is tried again within a sweep of its retry delay."""

DEFAULT_WORKERS = default_delivery_workers(DEFAULT_DATABASE_POOL_SIZE)
"""Deliveries at once, at the default pool size (DELIVERY_WORKERS)."""

STOP_TIMEOUT_SECONDS = 10.0
"""How long `stop` lets digests being posted finish: posting takes seconds; one cut off releases its
claim, and is finished by the next sweep of another process or by the next start."""

HOUSEKEEPING_INTERVAL = timedelta(days=1)
"""How often old history is pruned: the retention is counted in days, so a daily pass keeps the tables
within a day of it, in one short burst of deletes."""

HOUSEKEEPING_DELAY = timedelta(hours=1)
"""The first pass waits an hour after start: the catch-up and the first refresh come first, and a
bot restarting over and over does not prune at every start."""

LIVE_POST_RETENTION = LIVE_EDIT_WINDOW + timedelta(days=1)
"""How long a posted live story's row is kept: past the edit window nothing reads it (no coverage
edits it, the cap counts this hour); a day more keeps it clear of processes whose clocks differ and of
a cycle running as the daily pass does, for a day's posts (at most 24 × the hourly cap a subscription)."""

REFRESH_JOB_ID = "feeds:refresh"
CLOCK_JOB_ID = "editions:clock"
SWEEP_JOB_ID = "deliveries:retry"
HOUSEKEEPING_JOB_ID = "store:housekeeping"


# --- the scheduler --------------------------------------------------------------------------------


def start_of_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


class DigestScheduler:
    """Claims and posts due editions with a bounded pool of workers, retries failed deliveries, keeps
    the feeds fresh, and does the daily housekeeping.

    Its APScheduler jobs are its own interval methods (`clock_job`, `sweep_job`, `refresh_job`,
    `housekeeping_job`); each job and each delivery is tracked so that `stop` can wait for it.
    """

    def __init__(
        self,
        *,
        store: Store,
        service: DigestService,
        poster: LivePoster[Any],
        refresher: FeedRefresher | None = None,
        clock: Clock = utc_now,
        grace: timedelta = DEFAULT_GRACE,
        refresh_interval: timedelta = FEED_CHECK_INTERVAL,
        sweep_interval: timedelta = RETRY_SWEEP_INTERVAL,
        clock_interval: timedelta = CLOCK_INTERVAL,
        workers: int = DEFAULT_WORKERS,
        history_retention: timedelta | None = None,
        scheduler: AsyncIOScheduler | None = None,
        metrics: BotMetrics | None = None,
        live: LiveDelivery | None = None,
    ) -> None:
        """Args:
        store: the subscriptions and deliveries.
        service: builds and posts digests.
        poster: the Discord side of scheduled digests.
        refresher: fetches due feeds every `refresh_interval`; None for no periodic refresh.
        clock: the current time for deciding what is due (APScheduler's timer runs on real time).
        grace: how late an edition may still be posted, and a failed delivery retried (DIGEST_GRACE_MINUTES).
        refresh_interval: how often due feeds are fetched (FEED_REFRESH_MINUTES).
        sweep_interval: how often failed or abandoned deliveries within the grace are looked for
            (DIGEST_SWEEP_SECONDS).
        clock_interval: how often due editions are claimed (DELIVERY_CLOCK_SECONDS).
        workers: deliveries posted at once by this process (DELIVERY_WORKERS).
        history_retention: how long history is kept (HISTORY_RETENTION_DAYS, see Store.prune_history);
            None (or zero) keeps everything, and no housekeeping job runs.
        scheduler: the APScheduler to use; a new one by default.
        metrics: where editions due, posted and failed and the queue lag are counted; None counts nothing.
        live: posts live subscriptions' stories after each refresh, and the held ones at each hour's
            start; by default one on `service`, with `workers` subscriptions at a time.
        """
        if grace < timedelta(0) or min(refresh_interval, sweep_interval, clock_interval) <= timedelta(0):
            raise ValueError("grace must not be negative, and the intervals must be positive")
        if workers < 1:
            raise ValueError("at least one delivery worker is needed")
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
        self.clock_interval = clock_interval
        self.workers = workers
        self.history_retention = history_retention or None
        self.scheduler = scheduler or AsyncIOScheduler(timezone=UTC)
        self.metrics = metrics
        self.live = live if live is not None else LiveDelivery(service, workers=workers)
        self._held_checked: datetime | None = None
        """The hour whose held stories this process last looked for (None: not since start)."""
        self._held_pending = False
        self._deliveries: dict[asyncio.Task[DeliveryOutcome], tuple[int, int, DeliveryKind]] = {}
        """The deliveries being posted: (subscription id, delivery id, kind) by worker task."""
        self._jobs: set[asyncio.Task[Any]] = set()
        self._claiming = asyncio.Lock()
        self._more_due = False
        self._stopping = False
        self._first_tick: asyncio.Task[None] | None = None
        self.most_at_once = 0
        """The most deliveries this scheduler has had under way at once (never above `workers`)."""

    @property
    def free_workers(self) -> int:
        return self.workers - len(self._deliveries)

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
        """Start the delivery clock (on whole minutes and every interval between), the retry sweep and the
        feed refresh (at once, then every interval), and the housekeeping (an hour from now, then daily).

        Args:
            paused: register the jobs without running any until `scheduler.resume()` (tests).
        """
        self.scheduler.start(paused=paused)
        now = datetime.now(UTC)
        if self.refresher is not None:
            self._every(self.refresh_interval, self.refresh_job, REFRESH_JOB_ID, "refresh due feeds", first_run=now)
        # Editions fall due at whole minutes: the clock ticks on them (and every interval between), and
        # once at start for those that fell due while no process was running.
        self._every(
            self.clock_interval, self.clock_job, CLOCK_JOB_ID, "post due editions", from_minute=start_of_minute(now)
        )
        if not paused:
            self._first_tick = asyncio.create_task(self.clock_job(), name="editions due at start")
        self._every(self.sweep_interval, self.sweep_job, SWEEP_JOB_ID, "retry failed deliveries", first_run=now)
        if self.history_retention is not None:
            self._every(
                HOUSEKEEPING_INTERVAL,
                self.housekeeping_job,
                HOUSEKEEPING_JOB_ID,
                "prune old history, page briefs and live posts",
                first_run=now + HOUSEKEEPING_DELAY,
            )
        LOGGER.info("Digest scheduler started: %d delivery workers, due editions claimed every %s", self.workers,
                    self.clock_interval)  # fmt: skip

    def _every(
        self,
        interval: timedelta,
        job: Callable[[], Awaitable[None]],
        job_id: str,
        name: str,
        *,
        first_run: datetime | None = None,
        from_minute: datetime | None = None,
    ) -> None:
        """A job every `interval` from `first_run`, or on `from_minute` and every interval after it
        (the first such time still ahead): one run at a time, missed runs coalesced."""
        timing: dict[str, Any] = {} if first_run is None else {"next_run_time": first_run}
        self.scheduler.add_job(
            job,
            IntervalTrigger(seconds=interval.total_seconds(), start_date=from_minute, timezone=UTC),
            id=job_id,
            name=name,
            coalesce=True,
            max_instances=1,
            replace_existing=True,
            **timing,
        )

    async def stop(self, *, finish_within: float = STOP_TIMEOUT_SECONDS) -> None:
        """Stop the timer, letting digests being posted finish for `finish_within` seconds, then
        cutting them off: a cut-off digest releases its claim, and the next sweep (of another process,
        or after the next start) finishes it without repeats."""
        self._stopping = True
        if self.scheduler.running:
            # Paused, not shut down yet: APScheduler's shutdown cancels the jobs running at once.
            self.scheduler.pause()
        current = asyncio.current_task()
        pending = [task for task in {*self._deliveries, *self._jobs} if task is not current]
        if pending:
            _done, late = await asyncio.wait(pending, timeout=finish_within)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await asyncio.sleep(0)  # APScheduler shuts down on the loop's next turn
        LOGGER.info("Digest scheduler stopped")

    # --- the jobs ---------------------------------------------------------------------------------

    async def clock_job(self) -> None:
        """APScheduler job: claim due editions for the free workers and start them; at an hour's
        start, post the live stories held over the cap for it."""
        async with self.running_job():
            await self.dispatch()
            await self.post_held_stories()

    async def sweep_job(self) -> None:
        """APScheduler job: retry the failed and abandoned deliveries within the grace."""
        async with self.running_job():
            await self.retry_failed()

    async def refresh_job(self) -> None:
        """APScheduler job: fetch the feeds that are due, then post what is new to live subscriptions."""
        async with self.running_job():
            await self.refresh_feeds()
            await self.run_live()

    async def housekeeping_job(self) -> None:
        """APScheduler job: forget the history older than the retention, the page briefs no digest reads,
        and the live posts no coverage edits any more."""
        async with self.running_job():
            await self.prune_history()
            await self.prune_briefs()
            await self.prune_live_posts()

    # --- editions ---------------------------------------------------------------------------------

    async def dispatch(self) -> list[asyncio.Task[DeliveryOutcome]]:
        """Claim due editions, as many as there are free workers, and start a worker on each; again
        while a full batch came back and workers are free. Returns the workers started."""
        started: list[asyncio.Task[DeliveryOutcome]] = []
        async with self._claiming:
            while not self._stopping and (free := self.free_workers) > 0:
                due = await self.store.claim_due_editions(
                    now=self.clock(), limit=free, grace=self.grace, lease=self.service.lease
                )
                self._log_missed(due)
                if self.metrics is not None:
                    self.metrics.editions_missed.inc(len(due.missed))
                    now = self.clock()
                    for claim in due.claims:
                        self.metrics.observe_edition_started(claim, now=now)
                started += [
                    self._start(self.service.deliver_edition(claim, poster=self.poster), claim) for claim in due.claims
                ]
                self._more_due = due.full
                if not due.full:
                    break
        return started

    async def run_due(self) -> dict[int, DeliveryOutcome]:
        """Claim and post every edition due now, waiting for each: the clock's work done at once (the
        command line and tests). Returns the outcome by subscription.

        Raises:
            The first error a delivery raised, once all are done (each is left failed, to be retried).
        """
        outcomes: dict[int, DeliveryOutcome] = {}
        while started := await self.dispatch():
            outcomes.update(await self._wait_for(started))
        return outcomes

    async def retry_failed(self) -> dict[int, DeliveryOutcome]:
        """Give the workers the deliveries that may be taken over now (failed, after their backoff;
        or whose holder's lease ran out), begun within the grace, as many as there are free workers.
        Waits for them; returns the outcome by subscription."""
        now = self.clock()
        owed: list[Delivery] = []
        for kind in (DeliveryKind.SCHEDULED, DeliveryKind.MANUAL):
            owed += await self.store.deliveries_to_retry(kind=kind, started_after=now - self.grace, now=now)
        under_way = {delivery_id for _subscription_id, delivery_id, _kind in self._deliveries.values()}
        owed = [delivery for delivery in owed if delivery.id not in under_way][: max(0, self.free_workers)]
        if not owed:
            return {}
        LOGGER.info("Retrying %d deliveries", len(owed))
        started = [
            self._start(self.service.resume(delivery.subscription_id, delivery.id, poster=self.poster), delivery)
            for delivery in owed
        ]
        return await self._wait_for(started, raise_first=False)

    async def catch_up(self) -> dict[int, DeliveryOutcome]:
        """Retry what is owed, then post what is due (the sweep and the clock, waited for)."""
        outcomes = await self.retry_failed()
        for subscription_id, outcome in (await self.run_due()).items():
            outcomes.setdefault(subscription_id, outcome)
        return outcomes

    def _start(
        self, delivery: Coroutine[Any, Any, DeliveryOutcome], claim: Claim | Delivery
    ) -> asyncio.Task[DeliveryOutcome]:
        delivery_id = claim.delivery_id if isinstance(claim, Claim) else claim.id
        task = asyncio.create_task(delivery, name=f"delivery {delivery_id}")
        self._deliveries[task] = (claim.subscription_id, delivery_id, claim.kind)
        self.most_at_once = max(self.most_at_once, len(self._deliveries))
        if self.metrics is not None:
            self.metrics.editions_in_flight.set(len(self._deliveries))
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[DeliveryOutcome]) -> None:
        subscription_id, delivery_id, kind = self._deliveries.pop(task)
        if self.metrics is not None:
            self.metrics.editions_in_flight.set(len(self._deliveries))
            if kind is DeliveryKind.SCHEDULED and not task.cancelled():
                self.metrics.observe_edition_finished(None if task.exception() else task.result().result)
        if not task.cancelled() and (error := task.exception()) is not None:
            LOGGER.error(
                "Delivery %s of subscription %s failed; it is retried within the grace",
                delivery_id,
                subscription_id,
                exc_info=error,
            )
        elif not task.cancelled() and task.result().result is DeliveryResult.FAILED:
            LOGGER.warning(
                "Delivery %s of subscription %s failed (%s); retrying within the grace",
                delivery_id,
                subscription_id,
                task.result().error,
            )
        if self._more_due and not self._stopping and self.scheduler.state == STATE_RUNNING:
            waker = asyncio.get_running_loop().create_task(self.clock_job(), name="claim more due editions")
            self._jobs.add(waker)  # until running_job takes it over, so that stop waits for it
            waker.add_done_callback(self._jobs.discard)

    async def _wait_for(
        self, started: list[asyncio.Task[DeliveryOutcome]], *, raise_first: bool = True
    ) -> dict[int, DeliveryOutcome]:
        whose = [self._deliveries[task][0] for task in started]  # before they finish and leave the table
        results = await asyncio.gather(*started, return_exceptions=True)
        outcomes: dict[int, DeliveryOutcome] = {}
        errors = [result for result in results if isinstance(result, BaseException)]
        for subscription_id, result in zip(whose, results, strict=True):
            if not isinstance(result, BaseException):
                outcomes.setdefault(subscription_id, result)
        if errors and raise_first:
            raise errors[0]
        return outcomes

    @staticmethod
    def _log_missed(due: DueEditions) -> None:
        for missed in due.missed:
            LOGGER.warning(
                "The edition of subscription %s due at %s (%s %s) was missed by more than the grace; not posted%s",
                missed.subscription_id,
                missed.edition.at.isoformat(),
                missed.edition.local_date,
                missed.edition.local_time.strftime("%H:%M"),
                ""
                if missed.due_since == missed.edition.at
                else f", nor those due since {missed.due_since.isoformat()}",
            )

    # --- live posts -------------------------------------------------------------------------------

    async def run_live(self) -> LiveOutcome:
        """Post, edit or hold the new stories of every live subscription (after a refresh)."""
        if self._stopping:
            return LiveOutcome()
        outcome = await self.live.run_cycle(poster=self.poster)
        if outcome != LiveOutcome():
            LOGGER.info(
                "Live cycle: %d posted, %d edited, %d held, %d paused",
                outcome.posted,
                outcome.edited,
                outcome.held,
                outcome.paused,
            )
        return outcome

    async def post_held_stories(self) -> LiveOutcome:
        """Once an hour has begun (and again while a check left some behind, a failure or a claim
        whose holder died), post each live subscription's held stories as one message."""
        hour = hour_start(self.clock())
        if self._stopping or (hour == self._held_checked and not self._held_pending):
            return LiveOutcome()
        self._held_pending = True
        outcome = await self.live.post_held(poster=self.poster)
        self._held_checked = hour
        self._held_pending = bool(await self.store.subscriptions_holding_stories(now=self.clock()))
        return outcome

    # --- feeds and history ------------------------------------------------------------------------

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

    async def prune_briefs(self) -> int | None:
        """Forget the page briefs completed before any digest's reach (MAX_BRIEF_AGE, the daily job);
        None when history is kept forever (briefs with it)."""
        if self.history_retention is None:
            return None
        pruned = await self.store.prune_briefs(completed_before=self.clock() - MAX_BRIEF_AGE)
        LOGGER.info("Page briefs completed more than %s ago removed: %d", MAX_BRIEF_AGE, pruned)
        return pruned

    async def prune_live_posts(self) -> int | None:
        """Forget the live stories posted longer ago than LIVE_POST_RETENTION (the daily job); None when
        history is kept forever (live posts with it)."""
        if self.history_retention is None:
            return None
        pruned = await self.store.prune_live_posts(posted_before=self.clock() - LIVE_POST_RETENTION)
        LOGGER.info("Live posts posted more than %s ago removed: %d", LIVE_POST_RETENTION, pruned)
        return pruned

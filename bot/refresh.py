"""Keeping the followed feeds fresh: `FeedRefresher` fetches the feeds that are due (conditional GET,
one fetch per feed however many guilds follow it, a few at a time per host) and stores what they show.

Discord-free, like the digest service that reads what it stores (`bot.digests`, which re-exports it).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Collection, Iterable
from concurrent.futures import Executor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from bot.briefs import PageBriefer
from bot.clock import Clock, utc_now
from bot.news.errors import NewsError, stored_error
from bot.news.feeds import DEFAULT_PER_HOST, FeedResult, fetch_feed_or_error
from bot.news.fetch import Fetcher
from bot.settings import DEFAULT_FEED_FETCH_CONCURRENCY, DEFAULT_FEED_REFRESH_MINUTES
from bot.store import Feed, NotFound, Store
from bot.store.records import ERROR_TEXT_LIMIT

LOGGER = logging.getLogger(__name__)

FEED_CHECK_INTERVAL = timedelta(minutes=DEFAULT_FEED_REFRESH_MINUTES)
"""How long a fetched feed rests before the next check (see DEFAULT_FEED_REFRESH_MINUTES for why)."""

MAX_HELD_FEEDS = 1000
"""Claimed feeds waiting in one process at most: all from one host, at 2 at a time and a few seconds
each, they are fetched well within their claim's 10-minute lease (FETCH_LEASE)."""

DEFAULT_REFRESH_CONCURRENCY = DEFAULT_FEED_FETCH_CONCURRENCY
"""Feeds fetched at once overall (FEED_FETCH_CONCURRENCY, see there for why)."""


class FetchOutcome(StrEnum):
    """What one feed fetch came to, for the operator's metrics."""

    NEW = "new"
    """The feed answered with items not seen before."""
    UNCHANGED = "unchanged"
    """The feed answered with content, all of it seen before."""
    NOT_MODIFIED = "not_modified"
    """304: the conditional GET saved the download."""
    FAILED = "failed"
    """An error, a timeout, or something that is not a feed."""


@dataclass(frozen=True, slots=True)
class RefreshReport:
    """What one refresh did, for the log."""

    fetched: int = 0
    """Feeds that answered with content."""
    not_modified: int = 0
    failed: int = 0
    new_items: int = 0


@dataclass(slots=True)
class _Tally:
    """A refresh's counts as its feeds finish, in any order, and how many wait for their host."""

    fetched: int = 0
    not_modified: int = 0
    failed: int = 0
    new_items: int = 0
    parked: int = 0
    """Claimed feeds waiting for a slot of their host."""
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    """Set when a feed finishes or parks: there may be room to claim more."""

    @asynccontextmanager
    async def parked_behind(self, host: asyncio.Semaphore) -> AsyncIterator[None]:
        """Hold one of the host's slots, counted as parked while waiting for it."""
        if host.locked():
            self.parked += 1
            self.changed.set()
            try:
                await host.acquire()
            finally:
                self.parked -= 1
        else:
            await host.acquire()
        try:
            yield
        finally:
            host.release()

    def report(self) -> RefreshReport:
        return RefreshReport(
            fetched=self.fetched, not_modified=self.not_modified, failed=self.failed, new_items=self.new_items
        )


class FeedRefresher:
    """Fetches the feeds that are due and stores their items: one fetch per feed per cycle, shared by
    every guild that follows it, handed out by the store so that processes never fetch one twice."""

    def __init__(
        self,
        *,
        store: Store,
        fetcher: Fetcher,
        clock: Clock = utc_now,
        check_every: timedelta = FEED_CHECK_INTERVAL,
        per_host: int = DEFAULT_PER_HOST,
        concurrency: int = DEFAULT_REFRESH_CONCURRENCY,
        executor: Executor | None = None,
        briefer: PageBriefer | None = None,
        observe: Callable[[FetchOutcome], None] | None = None,
    ) -> None:
        """Args:
        store: where feeds and items live.
        fetcher: the shared fetcher.
        clock: the current time.
        check_every: rest after a successful fetch (FEED_REFRESH_MINUTES).
        per_host: feeds fetched at once from one host.
        concurrency: feeds fetched at once overall (FEED_FETCH_CONCURRENCY).
        executor: where feed parsing runs; None for the loop's default thread pool.
        briefer: briefs the pages of new items in its own background work, once recorded (the
            refresh does not wait for it); None briefs nothing ahead of time.
        observe: told each fetch's outcome as it is recorded (the process's metrics).
        """
        self.store = store
        self.fetcher = fetcher
        self.clock = clock
        self.check_every = check_every
        self.per_host = per_host
        if concurrency < 1 or per_host < 1:
            raise ValueError("concurrency and per_host must be at least 1")
        self.concurrency = concurrency
        self.executor = executor
        self.briefer = briefer
        self.observe = observe
        self._in_flight: dict[int, asyncio.Event] = {}

    def has_work_for(self, feeds: Iterable[Feed], *, now: datetime) -> bool:
        """Whether `refresh_due` of these feeds would fetch or wait for any: one is due, or this process
        is fetching it. A digest whose feeds are all fresh skips the claim, a write transaction."""
        return any(feed.next_check_at <= now or feed.id in self._in_flight for feed in feeds)

    async def refresh_due(self, *, feed_ids: Collection[int] | None = None) -> RefreshReport:
        """Fetch every due feed (or the due ones among `feed_ids`) and store what they show.

        Feeds are fetched `concurrency` at a time (`per_host` from one host), each recorded as soon
        as it answers, and more are claimed whenever fewer than `concurrency` wait: a slow feed holds
        its own slot, never a batch of others. A feed of `feed_ids` that this process is fetching
        already is waited for rather than skipped, so that a digest built right after sees what that
        fetch brings.
        """
        tally = _Tally()
        slots = asyncio.Semaphore(self.concurrency)
        hosts: dict[str, asyncio.Semaphore] = {}
        running: set[asyncio.Task[None]] = set()
        try:
            while True:
                # Claim more while fewer than `concurrency` feeds may fetch now: feeds parked behind
                # their host's slots do not count (a batch of one outlet's sections must not stall
                # the others), up to MAX_HELD_FEEDS claimed and waiting.
                while len(running) >= MAX_HELD_FEEDS or len(running) - tally.parked >= self.concurrency:
                    tally.changed.clear()
                    await tally.changed.wait()
                started = self.clock()
                feeds = await self.store.claim_due_feeds(now=started, feed_ids=feed_ids)
                if not feeds:
                    break
                for feed in feeds:
                    done = self._in_flight[feed.id] = asyncio.Event()
                    task = asyncio.create_task(
                        self._refresh_one(feed, started=started, slots=slots, hosts=hosts, tally=tally, done=done)
                    )
                    running.add(task)
                    task.add_done_callback(running.discard)
                    task.add_done_callback(lambda _task: tally.changed.set())
            await asyncio.gather(*running)
        except BaseException:
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
            raise
        if feed_ids is not None:
            waiting = [self._in_flight[feed_id].wait() for feed_id in feed_ids if feed_id in self._in_flight]
            await asyncio.gather(*waiting)
        total = tally.report()
        if total != RefreshReport():
            LOGGER.info(
                "Refreshed feeds: %d fetched, %d not modified, %d failed, %d new items",
                total.fetched,
                total.not_modified,
                total.failed,
                total.new_items,
            )
        return total

    async def _refresh_one(
        self,
        feed: Feed,
        *,
        started: datetime,
        slots: asyncio.Semaphore,
        hosts: dict[str, asyncio.Semaphore],
        tally: _Tally,
        done: asyncio.Event,
    ) -> None:
        try:
            # The host's slot first, so that feeds waiting on a busy host hold no overall slot.
            host = hosts.setdefault(urlsplit(feed.url).netloc, asyncio.Semaphore(self.per_host))
            async with tally.parked_behind(host), slots:
                result = await fetch_feed_or_error(
                    self.fetcher, feed.url, etag=feed.etag, last_modified=feed.last_modified, executor=self.executor
                )
            if isinstance(result, FeedResult):
                new_items = await self._record_result(feed, result, started=started)
                tally.new_items += new_items
                if result.not_modified:
                    tally.not_modified += 1
                    self._observe(FetchOutcome.NOT_MODIFIED)
                else:
                    tally.fetched += 1
                    self._observe(FetchOutcome.NEW if new_items else FetchOutcome.UNCHANGED)
            else:
                tally.failed += 1
                await self._record_failure(feed, result)
                self._observe(FetchOutcome.FAILED)
        except NotFound:
            LOGGER.info("Feed %s was deleted while it was being fetched", feed.id)
        except Exception:  # the database broke for this feed: its claim runs out and it is fetched again
            LOGGER.error("Recording feed %s failed", feed.id, exc_info=True)
        finally:
            done.set()
            if self._in_flight.get(feed.id) is done:
                del self._in_flight[feed.id]

    def _observe(self, outcome: FetchOutcome) -> None:
        if self.observe is not None:
            self.observe(outcome)

    async def _record_result(self, feed: Feed, result: FeedResult, *, started: datetime) -> int:
        # From when the fetch began, so that a refresh every `check_every` finds the feed due again.
        next_check_at = started + self.check_every
        if result.feed is None:
            # 304: keep the validators the server did not repeat. The latest listing stays the
            # latest, so its items stay listed; the success time says until when.
            await self.store.record_fetch_success(
                feed.id,
                next_check_at=next_check_at,
                etag=result.etag or feed.etag,
                last_modified=result.last_modified or feed.last_modified,
                now=self.clock(),
            )
            return 0
        # One time for both: the feed's latest listing and its last success are then the same
        # moment, and the next listing knows no 304 came in between (see Store.upsert_seen_items).
        listed_at = self.clock()
        new = await self.store.upsert_seen_items(feed.id, result.feed.items, now=listed_at)
        await self.store.record_fetch_success(
            feed.id,
            next_check_at=next_check_at,
            etag=result.etag,
            last_modified=result.last_modified,
            title=result.feed.title,
            site_url=result.feed.link,
            now=listed_at,
        )
        if self.briefer is not None:
            self.briefer.enqueue(new, now=listed_at)
        return len(new)

    async def _record_failure(self, feed: Feed, error: NewsError) -> None:
        updated = await self.store.record_fetch_failure(
            feed.id, error=stored_error(error, limit=ERROR_TEXT_LIMIT), now=self.clock()
        )
        if updated.failing and not feed.failing:
            LOGGER.warning(
                "Feed %s (%s) is failing: %d errors in a row, the last: %s",
                feed.id,
                feed.url,
                updated.consecutive_failures,
                error.message,
            )

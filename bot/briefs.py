"""Page briefs made ahead of time: the pages of newly seen items are briefed in the background, once
across processes, and every digest that carries the story reads the stored brief.

Why: a digest that fetched and summarized its stories' pages when it was posted did so with the
job slots people's /summarize uses, at the busiest moment (every digest due at 07:00), and every
process briefed the same pages again. Here a page is briefed when the refresh first sees its item,
by workers of its own (BRIEF_CONCURRENCY, in worker processes of its own: BRIEF_PROCESSES), after
the store's claim says no other process is at it (`Store.claim_brief`).

A digest asks `briefs_for` about the stories it takes: it gets the stored briefs, waiting up to
BRIEF_WAIT_SECONDS for pages still being briefed here or elsewhere (their queued ones first); a story
whose page failed, or was not ready in time, shows its feed's summary and says so.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from bot.clock import Clock, utc_now
from bot.news.digest import DEFAULT_SUMMARY_SENTENCES
from bot.news.errors import NewsError
from bot.news.models import PageBrief, page_brief
from bot.news.pipeline import Pipeline
from bot.store import BRIEF_LEASE, Store, StoredItem
from bot.store.records import link_key

LOGGER = logging.getLogger(__name__)

DEFAULT_BRIEF_CONCURRENCY = 4
"""Pages briefed at once by one process (BRIEF_CONCURRENCY): a fetch is mostly waiting, the summary
a few tens of milliseconds of CPU in the briefing workers; four keep up with a few thousand new items
an hour, well past a 2,000-feed bot's flow, without crowding the people asking for summaries."""

DEFAULT_BRIEF_WAIT = timedelta(seconds=20)
"""How long a digest waits for pages still being briefed (BRIEF_WAIT_SECONDS): a fetch's own time
limit, so that a page fetched right before the digest usually makes it, and a dead one does not hold
the digest longer than it would have held it when digests fetched their own pages."""

MAX_BRIEF_AGE = timedelta(hours=48)
"""Items published longer ago are not briefed: no digest reaches further back (MAX_DIGEST_WINDOW in
bot.digests; a test checks the two agree). A feed just followed lists its archive, which no digest
will carry."""

MAX_QUEUED_PAGES = 20_000
"""Pages waiting for a worker, at most: ten items from each of 2,000 feeds. Past it, a new item's page
is left out (a digest that takes its story asks for it again, first in line, pushing out the last)."""

STORE_POLL_SECONDS = 0.5
"""How often a digest waiting on a page another process is briefing looks at the store again."""


class PageBriefer:
    """Briefs the pages of new items in the background, one worker per BRIEF_CONCURRENCY, and hands
    digests the stored briefs (`briefs_for`, a `bot.news.digest.BriefLookup`)."""

    def __init__(
        self,
        *,
        store: Store,
        pipeline: Pipeline,
        concurrency: int = DEFAULT_BRIEF_CONCURRENCY,
        clock: Clock = utc_now,
        wait: timedelta = DEFAULT_BRIEF_WAIT,
        lease: timedelta = BRIEF_LEASE,
        max_queued: int = MAX_QUEUED_PAGES,
        sentences: int = DEFAULT_SUMMARY_SENTENCES,
    ) -> None:
        """Args:
        store: where claims and briefs live.
        pipeline: fetches and briefs pages; its own, not the one /summarize uses, so that the two
            never take each other's job slots (and on its own worker processes: BRIEF_PROCESSES).
        concurrency: pages briefed at once.
        clock: the current time (claims' leases).
        wait: how long `briefs_for` waits for pages still being briefed.
        lease: how long a page claim holds (a dead holder's page is free after it).
        max_queued: pages waiting for a worker, at most.
        sentences: summary sentences kept per page: a digest story's.
        """
        if concurrency < 1 or max_queued < 1:
            raise ValueError("concurrency and max_queued must be at least 1")
        self.store = store
        self.pipeline = pipeline
        self.concurrency = concurrency
        self.clock = clock
        self.wait = wait
        self.lease = lease
        self.max_queued = max_queued
        self.sentences = sentences
        self.briefed = 0
        """Pages this process briefed and stored."""
        self.failed = 0
        """Pages this process could not brief (stored as failed)."""
        self._queue: OrderedDict[str, str] = OrderedDict()
        """Pages waiting for a worker, by link key, first in line first."""
        self._pending: dict[str, asyncio.Event] = {}
        """Pages queued or being briefed here, set when done."""
        self._work = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._workers: list[asyncio.Task[None]] = []
        self._closed = False

    def enqueue(self, items: Iterable[StoredItem], *, now: datetime) -> int:
        """Queue the pages of newly seen items for briefing; returns how many were queued. Items without
        a link, published more than MAX_BRIEF_AGE before `now`, or queued already are left out."""
        oldest = now - MAX_BRIEF_AGE
        queued = 0
        for item in items:
            if item.link and (item.published_at is None or item.published_at >= oldest):
                queued += self._put(item.link, first=False)
        return queued

    def _put(self, link: str, *, first: bool) -> int:
        key = link_key(link)
        if key is None or self._closed:
            return 0
        if key in self._pending:
            if first and key in self._queue:
                self._queue.move_to_end(key, last=False)
            return 0
        if len(self._queue) >= self.max_queued:
            if not first:
                LOGGER.warning("%d pages wait to be briefed already: %s is left out", self.max_queued, link)
                return 0
            dropped, left_out = self._queue.popitem(last=True)
            self._pending.pop(dropped).set()
            LOGGER.warning("%d pages wait to be briefed already: %s is left out", self.max_queued, left_out)
        self._queue[key] = link
        if first:
            self._queue.move_to_end(key, last=False)
        self._pending[key] = asyncio.Event()
        self._idle.clear()
        self._work.set()
        self._start_workers()
        return 1

    def _start_workers(self) -> None:
        while len(self._workers) < self.concurrency:
            self._workers.append(asyncio.create_task(self._run(), name=f"page briefer {len(self._workers)}"))

    async def briefs_for(self, links: Sequence[str]) -> dict[str, PageBrief]:
        """The stored briefs of these pages, by link as given, waiting up to `wait` for those still
        being briefed. A page nobody has claimed is queued first in line and waited for likewise
        (an item seen before briefs existed, or dropped from a full queue)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.wait.total_seconds()
        stored = await self.store.stored_briefs(links)
        for link in links:
            if link not in stored:
                self._put(link, first=True)
        local = [self._pending[key] for link in links if (key := link_key(link)) in self._pending]
        if local:
            try:
                await asyncio.wait_for(asyncio.gather(*(event.wait() for event in local)), self.wait.total_seconds())
            except TimeoutError:
                LOGGER.info("Pages of a digest were not briefed within %s: their stories use the feed", self.wait)
            stored = await self.store.stored_briefs(links)
        while any(entry.pending(self.clock()) for entry in stored.values()):
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            await asyncio.sleep(min(STORE_POLL_SECONDS, remaining))
            stored = await self.store.stored_briefs(links)
        return {link: entry.brief for link, entry in stored.items() if entry.brief is not None}

    async def idle(self) -> None:
        """Wait until no page is queued or being briefed here (tests and benchmarks)."""
        await self._idle.wait()

    async def close(self) -> None:
        """Stop the workers. A page being briefed keeps its claim until the lease runs out."""
        self._closed = True
        for worker in self._workers:
            worker.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        self._workers.clear()
        for event in self._pending.values():
            event.set()
        self._pending.clear()
        self._queue.clear()
        self._idle.set()

    async def _run(self) -> None:
        while True:
            while not self._queue:
                self._work.clear()
                await self._work.wait()
            key, link = self._queue.popitem(last=False)
            try:
                await self._brief(link)
            except Exception:  # the database is away: the page stays unbriefed, its claim expires
                LOGGER.error("Briefing %s failed", link, exc_info=True)
            finally:
                self._pending.pop(key).set()
                if not self._pending:
                    self._idle.set()

    async def _brief(self, link: str) -> None:
        claim = await self.store.claim_brief(link, now=self.clock(), lease=self.lease)
        if claim is None:
            return  # briefed already, being briefed elsewhere, or failed not long ago
        try:
            briefing = await self.pipeline.brief_url(link, sentences=self.sentences)
        except NewsError as error:
            self.failed += 1
            LOGGER.info("Page %s could not be briefed (%s): %s", link, error.kind, error.message)
            await self.store.record_brief_failure(claim, reason=error.message, now=self.clock())
            return
        except Exception as error:
            self.failed += 1
            LOGGER.error("Unexpected failure briefing %s", link, exc_info=True)
            await self.store.record_brief_failure(
                claim, reason=f"Internal error: {type(error).__name__}", now=self.clock()
            )
            return
        brief = page_brief(briefing, url=briefing.article.url or link)
        if await self.store.record_brief(claim, brief, now=self.clock()):
            self.briefed += 1

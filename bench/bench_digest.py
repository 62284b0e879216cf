"""A digest cycle over 50 local feeds of 20 items each (1,000 articles served on 127.0.0.1).

The real path: the store (SQLite in a temporary folder), the fetcher, FeedRefresher (every feed
fetched and its items stored), then DigestService.deliver for a subscription that follows all 50
feeds (stories grouped across outlets, the top ten briefed from their pages in worker processes,
packed into Discord messages). Only the last step, Discord itself, is a recorder. Prints wall time,
memory and the event loop's largest lag; asserts nothing.

Then a live cycle: 50 live subscriptions (one feed each, set up after that first refresh), each feed
listing 5 new items; the wall time from the refresh that finds them to the last live post, and the
posts made (LiveDelivery.run_cycle, as the scheduler runs it after each refresh).

    .venv/bin/python bench/bench_digest.py           # loop lag as the bot has it
    .venv/bin/python bench/bench_digest.py --memory  # + peak Python allocation (tracemalloc)

tracemalloc slows every allocation several times over, and with it the loop lag grew from about
10 ms to 65-95 ms: so the peak allocation is measured only when asked, and then the lag says little.
"""

from __future__ import annotations

import asyncio
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Sequence
from concurrent.futures import Executor
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from email.utils import format_datetime

from bot.digests import FEED_CHECK_INTERVAL, DeliveryOutcome, DigestService, FeedRefresher, PostedMessage, RefreshReport
from bot.embeds import DigestMessage, held_stories_message, live_story_message, pack_digest
from bot.live import HeldStory
from bot.live_delivery import LiveDelivery
from bot.news.digest import Digest, DigestStory
from bot.news.fetch import Fetcher
from bot.news.pipeline import Pipeline
from bot.news.urls import normalize_url
from bot.resources import make_executor
from bot.store import DeliveryKind, Store, open_store
from bot.store.tables import SubscriptionMode
from newsbrief_testkit.local_site import LocalSite

TRACE_MEMORY = "--memory" in sys.argv[1:]

FEEDS = 50
ITEMS = 20
TOPICS = ["port", "tram", "budget", "school", "storm", "court", "hospital", "bridge", "election", "river"]
PROBE_SECONDS = 0.005
LIVE_NEW_ITEMS = 5
LIVE_GUILD = 1000
"""The live part's guilds: 1000 to 1049, one feed and one live subscription each."""


def article(feed: int, item: int) -> str:
    topic = TOPICS[item % len(TOPICS)]
    paragraphs = [
        f"The city's {topic} plan moved ahead on Tuesday as officials from outlet {feed} reported new figures.",
        f"“We expect the {topic} work to finish by 2028,” said deputy mayor Ana Ruiz at a briefing.",
        f"Critics said the {topic} budget of ${item + 2}.5 billion relied on optimistic forecasts.",
    ] * 6
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    head = f"<html><head><title>{topic} plan {item}</title></head>"
    return f"{head}<body><article><h1>{topic} plan</h1>{body}</article></body></html>"


def feed_xml(site: LocalSite, feed: int, *, items: int = ITEMS) -> str:
    """The feed's `items` latest items, newest (highest number) first."""
    now = datetime.now(UTC)
    items_xml = "".join(
        f"<item><title>City {TOPICS[i % len(TOPICS)]} plan moves ahead, officials say ({feed}-{i})</title>"
        f"<link>{site.url(f'/f{feed}/a{i}')}</link><guid>f{feed}-a{i}</guid>"
        f"<description>The city's {TOPICS[i % len(TOPICS)]} plan moved ahead on Tuesday.</description>"
        f"<pubDate>{format_datetime(now - timedelta(minutes=5 * (items - i) + feed))}</pubDate></item>"
        for i in reversed(range(items))
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Outlet {feed}</title>'
        f"<link>{site.url(f'/f{feed}')}</link><description>x</description>{items_xml}</channel></rss>"
    )


class RecordingPoster:
    def __init__(self) -> None:
        self.messages: list[DigestMessage] = []

    def pack(self, digest: Digest, *, locale: str | None = None, **_target: object) -> list[DigestMessage]:
        return pack_digest(digest)

    async def post(self, channel_id: int, message: DigestMessage, *, key: str, **_target: object) -> int:
        self.messages.append(message)
        return len(self.messages)

    async def own_messages(self, channel_id: int, *, after: int | datetime, **_target: object) -> list[PostedMessage]:
        return []  # read only by a resumed delivery, and the bench's never crash

    async def tell_paused(self, guild_id: int, target: object, reason: str, *, locale: str | None) -> bool:
        return False  # the bench's channel never goes away


class LiveRecordingPoster(RecordingPoster):
    """Also packs live posts, and notes when the last message went out."""

    def __init__(self) -> None:
        super().__init__()
        self.last_post_at = 0.0

    def pack_live(self, story: DigestStory, *, locale: str | None = None, **_target: object) -> DigestMessage:
        return live_story_message(story)

    def pack_held(self, stories: Sequence[HeldStory], *, locale: str | None = None, **_: object) -> DigestMessage:
        return held_stories_message(stories)

    async def post(self, channel_id: int, message: DigestMessage, *, key: str, **_target: object) -> int:
        self.last_post_at = time.perf_counter()
        return await super().post(channel_id, message, key=key)

    async def edit(self, channel_id: int, message_id: int, message: DigestMessage, **_target: object) -> bool:
        return True


class SteppedClock:
    """Real time, moved ahead by `ahead`: the live part lets the feeds' check interval pass at once."""

    def __init__(self) -> None:
        self.ahead = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.ahead


async def live_cycle(site: LocalSite, store: Store, fetcher: Fetcher, executor: Executor | None) -> None:
    """50 live subscriptions, one feed each, set up after the first refresh; each feed then lists
    LIVE_NEW_ITEMS more: the wall time from the refresh that finds them to the last live post."""
    clock = SteppedClock()
    pipeline = Pipeline(fetcher=fetcher, executor=executor)
    refresher = FeedRefresher(store=store, fetcher=fetcher, executor=executor, clock=clock)
    service = DigestService(store=store, pipeline=pipeline, refresher=refresher, clock=clock)
    live = LiveDelivery(service)
    feeds = {entry.feed.url: entry.feed.id for entry in await store.list_guild_feeds(1)}
    for feed in range(FEEDS):
        feed_id = feeds[normalize_url(site.url(f"/f{feed}/feed.xml"))]
        await store.add_guild_feed(LIVE_GUILD + feed, site.url(f"/f{feed}/feed.xml"), added_by=1)
        await store.subscribe(
            LIVE_GUILD + feed, 2, created_by=1, local_time=dt_time(7), timezone="UTC", feed_ids=[feed_id],
            mode=SubscriptionMode.LIVE, now=clock(),
        )  # fmt: skip
        site.add(
            f"/f{feed}/feed.xml", feed_xml(site, feed, items=ITEMS + LIVE_NEW_ITEMS), content_type="application/rss+xml"
        )
        for item in range(ITEMS, ITEMS + LIVE_NEW_ITEMS):
            site.add(f"/f{feed}/a{item}", article(feed, item))
    clock.ahead = FEED_CHECK_INTERVAL + timedelta(minutes=1)
    poster = LiveRecordingPoster()
    started = time.perf_counter()
    report = await refresher.refresh_due()
    refreshed = time.perf_counter()
    outcome = await live.run_cycle(poster=poster)
    finished = time.perf_counter()
    print(
        f"live: {FEEDS} live subscriptions of one feed each, {LIVE_NEW_ITEMS} new items a feed: refresh "
        f"{refreshed - started:.2f} s ({report.new_items} new items), live cycle {finished - refreshed:.2f} s"
    )
    print(
        f"live: last post {poster.last_post_at - started:.2f} s after the refresh began; {len(poster.messages)} "
        f"posts made ({outcome.posted} posted, {outcome.edited} edited, {outcome.held} held)"
    )


async def probe_loop(stop: asyncio.Event, lags: list[float]) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(PROBE_SECONDS)
        lags.append(time.perf_counter() - started - PROBE_SECONDS)


async def main() -> None:
    site = LocalSite()
    await site.start()
    for feed in range(FEEDS):
        site.add(f"/f{feed}/feed.xml", feed_xml(site, feed), content_type="application/rss+xml")
        for item in range(ITEMS):
            site.add(f"/f{feed}/a{item}", article(feed, item))
    executor = make_executor(2)
    with tempfile.TemporaryDirectory() as folder:
        store = await open_store(f"sqlite+aiosqlite:///{folder}/bench.db")
        ids = [
            (await store.add_guild_feed(1, site.url(f"/f{feed}/feed.xml"), added_by=1)).feed.id for feed in range(FEEDS)
        ]
        subscription = await store.subscribe(
            1, 2, created_by=1, local_time=datetime.now(UTC).time().replace(second=0, microsecond=0),
            timezone="UTC", feed_ids=ids,
        )  # fmt: skip
        async with Fetcher(allow_private=True) as fetcher:
            pipeline = Pipeline(fetcher=fetcher, executor=executor)
            await pipeline.run_cpu(len, "warm the workers")
            refresher = FeedRefresher(store=store, fetcher=fetcher, executor=executor)
            service = DigestService(store=store, pipeline=pipeline, refresher=refresher)
            poster = RecordingPoster()
            stop = asyncio.Event()
            lags: list[float] = []
            probe = asyncio.create_task(probe_loop(stop, lags))
            if TRACE_MEMORY:
                tracemalloc.start()
            started = time.perf_counter()
            report = await refresher.refresh_due()
            refreshed = time.perf_counter()
            refresh_lags = len(lags)
            outcome = await service.deliver(subscription.id, kind=DeliveryKind.MANUAL, poster=poster)
            finished = time.perf_counter()
            _current, peak = tracemalloc.get_traced_memory() if TRACE_MEMORY else (0, 0)
            tracemalloc.stop()
            stop.set()
            await probe
            print_digest_figures(site, report, outcome, poster, refreshed - started, finished - refreshed)
            print_memory_and_lag(peak, lags, refresh_lags)
            await live_cycle(site, store, fetcher, executor)
        await store.close()
    if executor is not None:
        executor.shutdown()
    await site.stop()


def print_digest_figures(
    site: LocalSite,
    report: RefreshReport,
    outcome: DeliveryOutcome,
    poster: RecordingPoster,
    refresh: float,
    digest: float,
) -> None:
    served = sum(site.hits.values())
    print(f"{FEEDS} feeds x {ITEMS} items on 127.0.0.1 ({FEEDS * ITEMS} articles served); {served} requests made")
    print(f"refresh: {refresh:.2f} s ({report})")
    print(f"digest: {digest:.2f} s, {outcome.stories} stories in {len(poster.messages)} messages ({outcome.result})")
    print(f"cycle wall time: {refresh + digest:.2f} s")


def print_memory_and_lag(peak: int, lags: list[float], refresh_lags: int) -> None:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
    traced = f"peak Python memory in the cycle (tracemalloc): {peak / 1e6:.1f} MB; " if TRACE_MEMORY else ""
    print(f"{traced}process max RSS {rss:.0f} MB")
    print(
        f"event loop: largest lag {max(lags) * 1000:.1f} ms over {len(lags)} probes "
        f"(refresh {max(lags[:refresh_lags]) * 1000:.1f} ms, digest {max(lags[refresh_lags:]) * 1000:.1f} ms)"
    )


if __name__ == "__main__":
    asyncio.run(main())

"""A digest cycle over 50 local feeds of 20 items each (1,000 articles served on 127.0.0.1).

The real path: the store (SQLite in a temporary folder), the fetcher, FeedRefresher (every feed
fetched and its items stored), then DigestService.deliver for a subscription that follows all 50
feeds (stories grouped across outlets, the top ten briefed from their pages in worker processes,
packed into Discord messages). Only the last step, Discord itself, is a recorder. Prints wall time,
memory and the event loop's largest lag; asserts nothing.

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
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from bot.digests import DigestService, FeedRefresher, PostedMessage
from bot.embeds import DigestMessage, pack_digest
from bot.news.digest import Digest
from bot.news.fetch import Fetcher
from bot.news.pipeline import Pipeline
from bot.resources import make_executor
from bot.store import DeliveryKind, open_store
from newsbrief_testkit.local_site import LocalSite

TRACE_MEMORY = "--memory" in sys.argv[1:]

FEEDS = 50
ITEMS = 20
TOPICS = ["port", "tram", "budget", "school", "storm", "court", "hospital", "bridge", "election", "river"]
PROBE_SECONDS = 0.005


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


def feed_xml(site: LocalSite, feed: int) -> str:
    now = datetime.now(UTC)
    items = "".join(
        f"<item><title>City {TOPICS[i % len(TOPICS)]} plan moves ahead, officials say ({feed}-{i})</title>"
        f"<link>{site.url(f'/f{feed}/a{i}')}</link><guid>f{feed}-a{i}</guid>"
        f"<description>The city's {TOPICS[i % len(TOPICS)]} plan moved ahead on Tuesday.</description>"
        f"<pubDate>{format_datetime(now - timedelta(minutes=5 * i + feed))}</pubDate></item>"
        for i in range(ITEMS)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Outlet {feed}</title>'
        f"<link>{site.url(f'/f{feed}')}</link><description>x</description>{items}</channel></rss>"
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
        await store.close()
    if executor is not None:
        executor.shutdown()
    await site.stop()
    served = sum(site.hits.values())
    print(f"{FEEDS} feeds x {ITEMS} items on 127.0.0.1 ({FEEDS * ITEMS} articles served); {served} requests made")
    print(f"refresh: {refreshed - started:.2f} s ({report})")
    print(
        f"digest: {finished - refreshed:.2f} s, {outcome.stories} stories in {len(poster.messages)} messages "
        f"({outcome.result})"
    )
    print(f"cycle wall time: {finished - started:.2f} s")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
    traced = f"peak Python memory in the cycle (tracemalloc): {peak / 1e6:.1f} MB; " if TRACE_MEMORY else ""
    print(f"{traced}process max RSS {rss:.0f} MB")
    print(
        f"event loop: largest lag {max(lags) * 1000:.1f} ms over {len(lags)} probes "
        f"(refresh {max(lags[:refresh_lags]) * 1000:.1f} ms, digest {max(lags[refresh_lags:]) * 1000:.1f} ms)"
    )


if __name__ == "__main__":
    asyncio.run(main())

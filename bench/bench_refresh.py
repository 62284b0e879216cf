"""A refresh of 2,000 feeds whose server takes 300 ms to answer each request, on SQLite (and on
PostgreSQL when TEST_DATABASE_URL is set): the real FeedRefresher, store and fetcher.

The feeds live on 100 local "outlets" (ports of 127.0.0.1, 20 feeds each), as real feeds spread over
many hosts; ten of them (one on each of ten outlets) answer only after 15 s, to show that a slow
feed holds up no other. Each feed lists three items, one of them new today, whose page the page
briefer queues (the refresh does
not wait for it). Prints the wall time of a first refresh (every feed new), of the time to the
last normal feed recorded, of a second refresh (every feed answers 304 Not Modified), and with
--briefs the time until every queued page is briefed; asserts nothing.

    .venv/bin/python bench/bench_refresh.py
    TEST_DATABASE_URL=postgresql+asyncpg://... .venv/bin/python bench/bench_refresh.py --briefs
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from aiohttp import web
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import create_async_engine

from bot.briefs import PageBriefer
from bot.news.fetch import Fetcher
from bot.news.pipeline import Pipeline
from bot.refresh import FeedRefresher
from bot.resources import make_executor
from bot.store import MAX_FEEDS_PER_GUILD, Store, open_store
from bot.store.tables import feeds

OUTLETS = 100
FEEDS_PER_OUTLET = 20
LATENCY = 0.3
SLOW_FEEDS = 10
SLOW_LATENCY = 15.0
MEASURE_BRIEFS = "--briefs" in sys.argv[1:]


class Outlets:
    """One aiohttp app on OUTLETS ports: feeds with ETags (304 when unchanged) and article pages."""

    def __init__(self) -> None:
        self.requests = 0
        self.ports: list[int] = []
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/feed{number}.xml", self.feed)
        app.router.add_get("/news/{slug}", self.page)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        for _ in range(OUTLETS):
            site = web.TCPSite(self._runner, "127.0.0.1", 0, backlog=512)
            await site.start()
            self.ports.append(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def feed_urls(self) -> list[str]:
        numbers = range(FEEDS_PER_OUTLET)
        return [f"http://127.0.0.1:{port}/feed{number}.xml" for port in self.ports for number in numbers]

    async def feed(self, request: web.Request) -> web.Response:
        self.requests += 1
        number = int(request.match_info["number"])
        slow = number == 0 and request.url.port in self.ports[:SLOW_FEEDS]  # one slow feed on each of ten hosts
        await asyncio.sleep(SLOW_LATENCY if slow else LATENCY)
        etag = f'"{request.url.port}-{number}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        now = datetime.now(UTC)
        base = f"http://127.0.0.1:{request.url.port}"
        items = "".join(
            f"<item><title>Outlet {request.url.port} story {number}-{age}</title>"
            f"<link>{base}/news/{number}-{age}</link><guid>{number}-{age}</guid>"
            f"<pubDate>{format_datetime(now - timedelta(days=age * 3, hours=1))}</pubDate>"
            f"<description>What happened in story {number}-{age}.</description></item>"
            for age in range(3)
        )
        body = f"<rss version='2.0'><channel><title>Feed {number}</title><link>{base}/</link>{items}</channel></rss>"
        return web.Response(text=body, content_type="application/rss+xml", headers={"ETag": etag})

    async def page(self, request: web.Request) -> web.Response:
        self.requests += 1
        await asyncio.sleep(LATENCY)
        slug = request.match_info["slug"]
        paragraphs = "".join(
            f"<p>The council of town {slug} approved the harbour plan on Tuesday after a long debate. "
            f"“We expect the work to finish by 2028,” said the mayor of {slug} at a briefing.</p>"
            for _ in range(6)
        )
        html = f"<html><head><title>Story {slug}</title></head><body><article><h1>Story {slug}</h1>{paragraphs}"
        return web.Response(text=html + "</article></body></html>", content_type="text/html")


async def follow_all(store: Store, urls: list[str]) -> None:
    for start in range(0, len(urls), MAX_FEEDS_PER_GUILD):
        guild = 1_000 + start // MAX_FEEDS_PER_GUILD
        for url in urls[start : start + MAX_FEEDS_PER_GUILD]:
            await store.add_guild_feed(guild, url, added_by=1)


async def run(label: str, url: str) -> None:
    outlets = Outlets()
    await outlets.start()
    store = await open_store(url)
    executor = make_executor(1)
    try:
        await follow_all(store, outlets.feed_urls())
        async with Fetcher(allow_private=True) as fetcher:
            briefer = PageBriefer(store=store, pipeline=Pipeline(fetcher=fetcher, executor=executor))
            refresher = FeedRefresher(store=store, fetcher=fetcher, briefer=briefer)
            recorded: list[float] = []
            original = refresher._record_result

            async def timed_record(*args: object, **kwargs: object) -> int:
                new = await original(*args, **kwargs)  # type: ignore[arg-type]
                recorded.append(time.perf_counter())
                return new

            refresher._record_result = timed_record  # type: ignore[method-assign]
            start = time.perf_counter()
            first = await refresher.refresh_due()
            first_time = time.perf_counter() - start
            normal = sorted(recorded)[: len(recorded) - SLOW_FEEDS]
            half = sorted(recorded)[len(recorded) // 2]
            print(
                f"{label}: first refresh of {len(outlets.feed_urls())} feeds ({LATENCY * 1000:.0f} ms each, "
                f"{SLOW_FEEDS} at {SLOW_LATENCY:.0f} s): {first_time:.1f} s; half recorded by {half - start:.1f} s, "
                f"the {len(normal)} others by {normal[-1] - start:.1f} s; {first.fetched} fetched, "
                f"{first.failed} failed, "
                f"{first.new_items} new items, {len(briefer._pending)} pages queued to brief"
            )
            if MEASURE_BRIEFS:
                await briefer.idle()
                print(
                    f"{label}: pages briefed {briefer.briefed}, failed {briefer.failed}, all done "
                    f"{time.perf_counter() - start:.1f} s after the refresh began"
                )
            else:
                await briefer.close()
            # Every feed's next check is 15 minutes away: make them all due now.
            async with store.engine.begin() as connection:
                await connection.execute(update(feeds).values(next_check_at=datetime.now(UTC) - timedelta(seconds=1)))
            start = time.perf_counter()
            second = await refresher.refresh_due()
            print(
                f"{label}: second refresh: {time.perf_counter() - start:.1f} s; "
                f"{second.not_modified} not modified, {second.fetched} fetched"
            )
            await briefer.close()
    finally:
        await store.close()
        await outlets.stop()
        if executor is not None:
            executor.shutdown(cancel_futures=True)


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        await run("SQLite", f"sqlite+aiosqlite:///{folder}/bench.db")
    postgres = os.environ.get("TEST_DATABASE_URL")
    if postgres:
        engine = create_async_engine(postgres)  # a database for tests only: emptied first
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
        await engine.dispose()
        await run("PostgreSQL", postgres)


if __name__ == "__main__":
    asyncio.run(main())

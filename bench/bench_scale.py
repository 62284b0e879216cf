"""A cluster at scale: `newsbrief run` processes (1, 2 and 4, SHARD_COUNT 8 dealt out among them) on one
PostgreSQL database, against the fake Discord with 10,000 guilds and Discord's global limit of 50 requests a
second, 2,000 feeds on local outlets, 30,000 subscriptions in 24 zones; a burst of 3,000 editions becomes due
at once. Then one more burst during which one process is killed with SIGKILL halfway.

Prints, per run: time to 50/99/100% of the burst's channels posted against the floor (message requests ÷ 50
a second), the share of stories with a page summary, duplicates (a channel with a second message), re-sends
(a post Discord folded into an earlier one by its nonce), global 429s, claims left unposted, and per process
its own peak RSS, the largest memory of it with its worker processes (proportional set size: pages a forked
worker shares with the process it came from counted once) and the largest event-loop lag it saw (its
/metrics). Asserts nothing.

    bash .ci/postgres run .venv/bin/python bench/bench_scale.py
    bash .ci/postgres run .venv/bin/python bench/bench_scale.py --guilds 300 --subscriptions 900 --feeds 60 \\
        --burst 90 --processes 1,2 --kill-processes 2
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import socket
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web
from sqlalchemy import delete, func, insert, or_, select, text, update

from bot.editions import EVERY_DAY, EditionSchedule
from bot.ratebudget import pace_for
from bot.store import DeliveryKind, DeliveryStatus, Store, open_store
from bot.store.tables import delivered_items, deliveries, feeds, guild_feeds, metadata, page_briefs, subscriptions
from newsbrief_testkit.fake_discord import FakeDiscord

REPOSITORY = Path(__file__).resolve().parents[1]
SHARD_COUNT = 8
"""10,000 guilds need at least 4 shards (2,500 each at most); 8 divides among 1, 2 and 4 processes."""
GLOBAL_RATE_LIMIT = 50
FOLLOWS_PER_GUILD = 4
OUTLET_PORTS = 20
ZONES = (
    "UTC", "Europe/London", "Europe/Berlin", "Europe/Kyiv", "Africa/Lagos", "Africa/Nairobi", "Asia/Dubai",
    "Asia/Karachi", "Asia/Kolkata", "Asia/Dhaka", "Asia/Bangkok", "Asia/Jakarta", "Asia/Shanghai", "Asia/Tokyo",
    "Australia/Sydney", "Pacific/Auckland", "Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles",
    "America/Denver", "America/Chicago", "America/New_York", "America/Sao_Paulo", "Atlantic/Azores",
)  # fmt: skip
WORDS = (
    "harbour", "tunnel", "ferry", "orchard", "council", "budget", "school", "bridge", "museum", "stadium",
    "library", "hospital", "tram", "airport", "market", "festival", "river", "forest", "factory", "election",
)  # fmt: skip
READY_WITHIN = 300.0
BRIEFS_WITHIN = 900.0
BRIEFS_SETTLED = 20.0
BURST_WITHIN = 900.0
TAKEOVER_WITHIN = 120.0
PSS_EVERY = 2.0
"""Seconds between reads of a process's memory with its workers."""
FROM_FEED = "Summary from the feed"
PACE_BIN = 5.0


# --- the outlets ---------------------------------------------------------------------------------------


class Outlets:
    """Feeds /feed{n}.xml (one story each, published an hour ago) and their pages, on OUTLET_PORTS ports."""

    def __init__(self) -> None:
        self.ports: list[int] = []
        self._runner: web.AppRunner | None = None
        self.published = datetime.now(UTC) - timedelta(hours=1)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/feed{number}.xml", self.feed)
        app.router.add_get("/news/{number}", self.page)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        for _ in range(OUTLET_PORTS):
            site = web.TCPSite(self._runner, "127.0.0.1", 0, backlog=1024)
            await site.start()
            self.ports.append(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def url(self, number: int) -> str:
        return f"http://127.0.0.1:{self.ports[number % OUTLET_PORTS]}/feed{number}.xml"

    @staticmethod
    def words(number: int) -> tuple[str, str, str]:
        """Three words that differ between any two neighbouring stories, so that no two read as one story."""
        return WORDS[number % 20], WORDS[(number * 7 + 3) % 20], WORDS[(number * 13 + 5) % 20]

    def headline(self, number: int) -> str:
        first, second, third = self.words(number)
        return f"{first.title()} {second} plan {number} meets {third} objections"

    async def feed(self, request: web.Request) -> web.Response:
        number = int(request.match_info["number"])
        base = f"http://127.0.0.1:{request.url.port}"
        item = (
            f"<item><title>{self.headline(number)}</title><link>{base}/news/{number}</link><guid>story-{number}</guid>"
            f"<pubDate>{format_datetime(self.published)}</pubDate>"
            f"<description>The {' and the '.join(self.words(number))} of story {number}.</description></item>"
        )
        body = f"<rss version='2.0'><channel><title>Outlet {number}</title><link>{base}/</link>{item}</channel></rss>"
        return web.Response(text=body, content_type="application/rss+xml", headers={"ETag": f'"{number}"'})

    async def page(self, request: web.Request) -> web.Response:
        number = int(request.match_info["number"])
        paragraphs = "".join(
            f"<p>The council approved the {WORDS[(number + part) % 20]} plan number {number} on Tuesday after a "
            f"debate of {part + 3} hours. “We expect the work to finish by 2028,” the mayor said.</p>"
            for part in range(6)
        )
        html = (
            f"<html><head><title>{self.headline(number)}</title></head><body><article>"
            f"<h1>{self.headline(number)}</h1>{paragraphs}</article></body></html>"
        )
        return web.Response(text=html, content_type="text/html")


# --- the data ------------------------------------------------------------------------------------------


@dataclass
class World:
    guilds: list[int]
    channels: dict[int, int]
    """Subscription id -> channel id."""
    burst: list[int]
    """Subscription ids of the burst."""
    zone_of: dict[int, str]


async def empty_database(url: str) -> Store:
    store = await open_store(url)
    names = ", ".join(table.name for table in metadata.sorted_tables if table.name != "schema_version")
    async with store.engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    return store


async def seed(store: Store, fake: FakeDiscord, outlets: Outlets, options: argparse.Namespace) -> World:
    """Guilds and channels in the fake; feeds, follows and subscriptions written in bulk to the store."""
    now = datetime.now(UTC)
    guilds = [fake.add_guild(f"Guild {n}", shard=(n % SHARD_COUNT, SHARD_COUNT)) for n in range(options.guilds)]
    async with store.engine.begin() as connection:
        await connection.execute(
            insert(feeds),
            [{"url": outlets.url(n), "next_check_at": now, "created_at": now} for n in range(options.feeds)],
        )
        feed_ids = list((await connection.execute(select(feeds.c.id).order_by(feeds.c.id))).scalars())
        follows = [
            {"guild_id": guild_id, "feed_id": feed_ids[(n * FOLLOWS_PER_GUILD + k) % len(feed_ids)], "added_by": 1,
             "added_at": now}
            for n, guild_id in enumerate(guilds) for k in range(FOLLOWS_PER_GUILD)
        ]  # fmt: skip
        await connection.execute(insert(guild_feeds), follows)
        rows: list[dict[str, Any]] = []
        for n in range(options.subscriptions):
            guild_id = guilds[n % len(guilds)]
            channel_id = int(fake.add_channel(f"news-{n}", guild_id=guild_id)["id"])
            zone = ZONES[n % len(ZONES)]
            at = (now + timedelta(hours=12)).astimezone(ZoneInfo(zone)).time().replace(second=0, microsecond=0)
            rows.append(
                {"guild_id": guild_id, "channel_id": channel_id, "local_time": at, "timezone": zone,
                 "all_feeds": True, "max_stories": 10, "keywords": [], "created_at": now - timedelta(days=1),
                 "created_by": 1, "edition_times": [at.strftime("%H:%M")], "weekdays": 127,
                 "next_edition_at": EditionSchedule.of([at], EVERY_DAY, zone).first_from(now).at}
            )  # fmt: skip
        for start in range(0, len(rows), 5_000):
            await connection.execute(insert(subscriptions), rows[start : start + 5_000])
        found = (
            await connection.execute(select(subscriptions.c.id, subscriptions.c.channel_id, subscriptions.c.timezone))
        ).all()
    channels = {row.id: row.channel_id for row in found}
    ids = sorted(channels)
    step = max(1, len(ids) // options.burst)
    return World(guilds, channels, ids[::step][: options.burst], {row.id: row.timezone for row in found})


async def make_burst_due(store: Store, world: World) -> datetime:
    """Forget earlier bursts, and give the burst's subscriptions an edition at the next whole minute (as
    editions are: at hours and minutes), each in its zone. Returns that minute."""
    due = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
    by_zone: dict[str, list[int]] = {}
    for subscription_id in world.burst:
        by_zone.setdefault(world.zone_of[subscription_id], []).append(subscription_id)
    async with store.engine.begin() as connection:
        await connection.execute(delete(delivered_items))
        await connection.execute(delete(deliveries))
        for zone, ids in by_zone.items():
            at = due.astimezone(ZoneInfo(zone)).time()
            await connection.execute(
                update(subscriptions)
                .where(subscriptions.c.id.in_(ids))
                .values(local_time=at, edition_times=[at.strftime("%H:%M")], next_edition_at=due)
            )
    return due


async def unfinished_claims(store: Store, world: World) -> Counter[str]:
    query = (
        select(deliveries.c.status, func.count())
        .where(deliveries.c.kind == DeliveryKind.SCHEDULED, deliveries.c.subscription_id.in_(world.burst))
        .group_by(deliveries.c.status)
    )
    async with store.engine.connect() as connection:
        statuses = {DeliveryStatus(status): count for status, count in (await connection.execute(query)).all()}
    return Counter({status.value: count for status, count in statuses.items() if status is not DeliveryStatus.POSTED})


async def briefs_stored(store: Store) -> int:
    done = select(func.count()).select_from(page_briefs).where(page_briefs.c.completed_at.is_not(None))
    async with store.engine.connect() as connection:
        return int(await connection.scalar(done) or 0)


# --- the processes -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class BotProcess:
    index: int
    process: asyncio.subprocess.Process
    metrics_port: int
    log: Path
    peak_rss_mb: float = 0.0
    peak_tree_pss_mb: float = 0.0
    pss_read_at: float = 0.0
    loop_lag_max: float = 0.0
    loop_lag_max_before_burst: float = 0.0
    burst_loop_lag: float = 0.0
    """The largest lag seen during the burst: the last interval's lag sampled each poll, or the
    process's maximum when it rose during the burst (start-up, with its flood of guilds, is excluded)."""

    async def scrape(self, path: str) -> tuple[int, str]:
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{self.metrics_port}{path}") as reply:
            return reply.status, await reply.text()

    async def observe(self) -> None:
        """Read the process's peak RSS, its memory with its worker processes (every 2 s at most: reading it
        walks the page tables, in a thread so the fake Discord on this loop is not held) and the largest loop lag."""
        self.peak_rss_mb = max(self.peak_rss_mb, peak_rss_mb(self.process.pid))
        if time.monotonic() - self.pss_read_at >= PSS_EVERY:
            self.pss_read_at = time.monotonic()
            tree = await asyncio.to_thread(tree_pss_mb, self.process.pid)
            self.peak_tree_pss_mb = max(self.peak_tree_pss_mb, tree)
        try:
            for line in (await self.scrape("/metrics"))[1].splitlines():
                if line.startswith("newsbrief_event_loop_lag_max_seconds "):
                    self.loop_lag_max = float(line.split()[1])
                elif line.startswith("newsbrief_event_loop_lag_seconds "):
                    self.burst_loop_lag = max(self.burst_loop_lag, float(line.split()[1]))
        except aiohttp.ClientError:
            pass


def peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def tree_pss_mb(pid: int) -> float:
    """The proportional set size of a process and all its descendants (the worker pool's forkserver, the
    workers it forks): a page shared by n of them counts 1/n in each, so the sum counts it once."""
    total = 0.0
    for member in [pid, *descendants(pid)]:
        try:
            for line in Path(f"/proc/{member}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) / 1024
                    break
        except OSError:
            continue
    return total


def descendants(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found + [grandchild for child in found for grandchild in descendants(child)]


async def start_processes(fake: FakeDiscord, database_url: str, count: int, folder: Path) -> list[BotProcess]:
    base = {key: value for key, value in os.environ.items() if not key.startswith("DISCORD_")} | {
        "DISCORD_API_BASE": fake.api_base,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        "DISCORD_TOKEN": fake.token,
        "DISCORD_REQUEST_BUDGET": "on",  # the fake stands in for Discord itself, not for a proxy
        "DATABASE_URL": database_url,
        "DATA_DIR": str(folder),
        "FETCH_ALLOW_PRIVATE": "true",
        "SHARD_COUNT": str(SHARD_COUNT),
        "CLUSTER_COUNT": str(count),
        "PYTHONPATH": str(REPOSITORY),
        "LOG_LEVEL": "WARNING",
    }
    started = []
    for index in range(count):
        port = free_port()
        log = folder / f"run-{count}-process-{index}-{time.time():.0f}.log"
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=folder, stderr=log.open("wb"),
            env=base | {"CLUSTER_INDEX": str(index), "METRICS_PORT": str(port)},
        )  # fmt: skip
        started.append(BotProcess(index, process, port, log))
    deadline = time.monotonic() + READY_WITHIN
    for bot in started:
        while time.monotonic() < deadline:
            try:
                if (await bot.scrape("/health"))[0] == 200:
                    break
            except aiohttp.ClientError:
                pass
            if bot.process.returncode is not None:
                raise RuntimeError(f"process {bot.index} exited: see {bot.log}")
            await asyncio.sleep(0.5)
        else:
            raise RuntimeError(f"process {bot.index} was not ready in {READY_WITHIN} s: see {bot.log}")
    return started


async def stop_processes(bots: list[BotProcess]) -> None:
    for bot in bots:
        if bot.process.returncode is None:
            bot.process.send_signal(signal.SIGTERM)
    for bot in bots:
        try:
            await asyncio.wait_for(bot.process.wait(), 60)
        except TimeoutError:
            bot.process.kill()
            await bot.process.wait()


# --- a burst -------------------------------------------------------------------------------------------


@dataclass
class BurstResult:
    processes: int
    first_posted: dict[int, float] = field(default_factory=dict)
    """Channel -> seconds from the burst being due to its first message."""
    message_requests: int = 0
    other_requests: Counter[str] = field(default_factory=Counter)
    """Every other request the bots made during the burst, by route: they draw from the same budget."""
    resends: int = 0
    duplicates: int = 0
    stories: int = 0
    from_feed: int = 0
    global_429s: int = 0
    unfinished: Counter[str] = field(default_factory=Counter)
    killed_at: float | None = None
    posts_per_bin: Counter[int] = field(default_factory=Counter)
    """Message requests Discord took in each PACE_BIN seconds from the burst being due: where pace was lost."""


def read_posts(fake: FakeDiscord, since: int, started: float, channels: set[int], result: BurstResult) -> None:
    """What the fake recorded from request `since` on, for the burst's channels."""
    seen: set[int] = set()
    result.first_posted.clear()
    result.message_requests = result.resends = 0
    result.other_requests.clear()
    result.posts_per_bin.clear()
    for request in fake.requests[since:]:
        if request.method != "POST" or request.status != 200 or not request.path.endswith("/messages"):
            result.other_requests[f"{request.method} {re.sub(r'/[0-9]+', '/{id}', request.path)}"] += 1
            continue
        channel_id = int(request.path.split("/")[-2])
        if channel_id not in channels:
            continue
        result.message_requests += 1
        result.posts_per_bin[int((request.at - started) // PACE_BIN)] += 1
        message_id = int(request.response["id"])
        if message_id in seen:
            result.resends += 1
        seen.add(message_id)
        result.first_posted.setdefault(channel_id, request.at - started)
    result.global_429s = sum(1 for index in fake.rate_limited.global_hits if index >= since)


def read_messages(fake: FakeDiscord, channels: set[int], result: BurstResult) -> None:
    per_channel: Counter[int] = Counter()
    for message in fake.messages.values():
        channel_id = int(message["channel_id"])
        if channel_id not in channels:
            continue
        per_channel[channel_id] += 1
        for embed in message.get("embeds", []):
            result.stories += 1
            result.from_feed += FROM_FEED in str(embed.get("footer", {}).get("text", ""))
    result.duplicates = sum(count - 1 for count in per_channel.values() if count > 1)


async def burst(
    store: Store, fake: FakeDiscord, world: World, bots: list[BotProcess], *, kill_halfway: bool
) -> BurstResult:
    result = BurstResult(processes=len(bots))
    channels = {world.channels[subscription_id] for subscription_id in world.burst}
    fake.messages.clear()
    since = len(fake.requests)
    loop = asyncio.get_running_loop()
    due = await make_burst_due(store, world)
    for bot in bots:
        await bot.observe()
        bot.loop_lag_max_before_burst, bot.burst_loop_lag = bot.loop_lag_max, 0.0
    await asyncio.sleep(max((due - datetime.now(UTC)).total_seconds(), 0.0))
    started = loop.time()
    deadline = started + BURST_WITHIN
    while loop.time() < deadline:
        await asyncio.sleep(0.5)
        for bot in bots:
            if bot.process.returncode is None:
                await bot.observe()
        read_posts(fake, since, started, channels, result)
        if kill_halfway and result.killed_at is None and len(result.first_posted) >= len(channels) / 2:
            bots[0].process.send_signal(signal.SIGKILL)
            result.killed_at = loop.time() - started
        if len(result.first_posted) >= len(channels):
            break
    await asyncio.sleep(3)  # room for a second post of any edition to land
    read_posts(fake, since, started, channels, result)
    read_messages(fake, channels, result)
    result.unfinished = await unfinished_claims(store, world)
    return result


def report(result: BurstResult, bots: list[BotProcess], burst_size: int) -> None:
    times = sorted(result.first_posted.values())

    def reached(share: float) -> str:
        needed = max(1, round(share * burst_size))
        return f"{times[needed - 1]:6.1f} s" if len(times) >= needed else "   never"

    floor = result.message_requests / GLOBAL_RATE_LIMIT
    label = f"{result.processes} process" + ("es" if result.processes > 1 else "")
    if result.killed_at is not None:
        label += f", process 0 killed at {result.killed_at:.1f} s"
    print(f"\n{label}: {len(times)}/{burst_size} channels posted")
    print(f"  50%: {reached(0.5)}   99%: {reached(0.99)}   100%: {reached(1.0)}   floor {floor:.1f} s "
          f"({result.message_requests} message requests / {GLOBAL_RATE_LIMIT} a second)"
          + (f" = {times[-1] / floor:.2f}x" if times and floor and len(times) >= burst_size else ""))  # fmt: skip
    if result.posts_per_bin:
        bins = range(max(result.posts_per_bin) + 1)
        print(f"  posts per {PACE_BIN:.0f} s (at the budget's pace: {PACE_BIN * pace_for(GLOBAL_RATE_LIMIT):.0f}): "
              + " ".join(str(result.posts_per_bin[index]) for index in bins)
              + f"; the first {times[0]:.2f} s after the burst was due")  # fmt: skip
    others = sum(result.other_requests.values())
    if others:
        every = (result.message_requests + others) / GLOBAL_RATE_LIMIT
        print(f"  other requests during the burst: {others} (floor with them {every:.1f} s): "
              + ", ".join(f"{route} {count}" for route, count in result.other_requests.most_common(5)))  # fmt: skip
    if result.killed_at is not None and len(times) >= burst_size:
        print(f"  all posted {times[-1] - result.killed_at:.1f} s after the kill (bar: within {TAKEOVER_WITHIN:.0f} s)")
    share = 1 - result.from_feed / result.stories if result.stories else 0.0
    print(f"  stories with a page summary: {share:.1%} of {result.stories}")
    print(f"  duplicates: {result.duplicates}   re-sends folded by nonce: {result.resends}   "
          f"global 429s: {result.global_429s}   claims not posted: {dict(result.unfinished) or 0}")  # fmt: skip
    for bot in bots:
        if bot.loop_lag_max > bot.loop_lag_max_before_burst:
            bot.burst_loop_lag = max(bot.burst_loop_lag, bot.loop_lag_max)
        print(f"  process {bot.index}: peak RSS {bot.peak_rss_mb:.0f} MB (with its workers, PSS: "
              f"{bot.peak_tree_pss_mb:.0f} MB), largest loop lag {bot.loop_lag_max:.2f} s "
              f"({bot.burst_loop_lag:.2f} s during the burst)")  # fmt: skip


async def main(options: argparse.Namespace) -> None:
    database_url = options.database_url or os.environ.get("TEST_DATABASE_URL")
    if not database_url:
        sys.exit("PostgreSQL is needed: --database-url, or run under `bash .ci/postgres run`")
    print(f"{options.guilds} guilds, {options.subscriptions} subscriptions, {options.feeds} feeds, "
          f"a burst of {options.burst} editions; fake Discord at {GLOBAL_RATE_LIMIT} requests/s; "
          f"{os.cpu_count()} cores")  # fmt: skip
    outlets = Outlets()
    await outlets.start()
    fake = await FakeDiscord.start(global_rate_limit=GLOBAL_RATE_LIMIT, max_concurrency=16)
    store = await empty_database(database_url)
    try:
        seeding = time.monotonic()
        world = await seed(store, fake, outlets, options)
        print(f"seeded in {time.monotonic() - seeding:.1f} s")
        with tempfile.TemporaryDirectory(prefix="bench-scale-") as folder:
            first = True
            runs = [(count, False) for count in options.processes] + (
                [(options.kill_processes, True)] if options.kill_processes else []
            )
            for count, kill in runs:
                starting = time.monotonic()
                since = await make_feeds_due(store)
                bots = await start_processes(fake, database_url, count, Path(folder))
                print(f"\n{count} processes ready (every shard connected) in {time.monotonic() - starting:.1f} s")
                try:
                    if first:
                        await wait_for_briefs(store, options.feeds)
                        first = False
                    await wait_for_fetches(store, since, options.feeds)
                    result = await burst(store, fake, world, bots, kill_halfway=kill)
                finally:
                    await stop_processes(bots)
                report(result, bots, len(world.burst))
    finally:
        await store.close()
        await fake.close()
        await outlets.stop()


async def make_feeds_due(store: Store) -> datetime:
    """Every feed due now, so that the processes about to start fetch them all at once, and a burst finds
    them fresh, as in a cluster that has run for a while (its refresh job fetches each feed as it falls
    due). Otherwise the feeds the previous run's processes fetched fall due a quarter of an hour later,
    when the restarted processes' job (every 15 minutes from their start) may not run before the burst:
    each edition then fetches its feeds first (a 4-process run's first post came 4.8 s after the burst
    was due). Returns the moment."""
    now = datetime.now(UTC)
    async with store.engine.begin() as connection:
        await connection.execute(update(feeds).values(next_check_at=now))
    return now


async def wait_for_fetches(store: Store, since: datetime, count: int) -> None:
    """Until every feed was fetched (or failed) since `since`, or none was for BRIEFS_SETTLED seconds."""
    fetched = (
        select(func.count())
        .select_from(feeds)
        .where(or_(feeds.c.last_success_at >= since, feeds.c.last_error_at >= since))
    )
    started = time.monotonic()
    last, changed_at = -1, started
    while time.monotonic() - started < BRIEFS_WITHIN:
        async with store.engine.connect() as connection:
            done = int(await connection.scalar(fetched) or 0)
        if done != last:
            last, changed_at = done, time.monotonic()
        elif done >= count or time.monotonic() - changed_at > BRIEFS_SETTLED:
            break
        await asyncio.sleep(1)
    print(f"{last}/{count} feeds fetched {time.monotonic() - started:.1f} s after ready")


async def wait_for_briefs(store: Store, pages: int) -> None:
    """The first refresh fetches every feed and briefs every page: a burst comes after, as in a day's life.
    Waits until every page is briefed or none was for BRIEFS_SETTLED seconds (a feed whose fetch failed
    at a busy start is fetched again only after its backoff)."""
    started = time.monotonic()
    last, changed_at = -1, started
    while time.monotonic() - started < BRIEFS_WITHIN:
        stored = await briefs_stored(store)
        if stored != last:
            # Timed from when the count is read: the fake Discord shares this event loop and may have
            # held it (sending 10,000 guilds) for longer than BRIEFS_SETTLED before this read.
            last, changed_at = stored, time.monotonic()
        elif stored >= pages or (stored > 0 and time.monotonic() - changed_at > BRIEFS_SETTLED):
            break
        await asyncio.sleep(1)
    print(f"{await briefs_stored(store)}/{pages} pages briefed {time.monotonic() - started:.1f} s after ready")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--guilds", type=int, default=10_000)
    parser.add_argument("--subscriptions", type=int, default=30_000)
    parser.add_argument("--feeds", type=int, default=2_000)
    parser.add_argument("--burst", type=int, default=3_000)
    parser.add_argument(
        "--processes", type=lambda text: [int(part) for part in text.split(",")], default=[1, 2, 4],
        help="process counts to run the burst with, one after the other",
    )  # fmt: skip
    parser.add_argument("--kill-processes", type=int, default=4, help="processes of the kill run; 0 skips it")
    parser.add_argument("--database-url", default=None, help="default: TEST_DATABASE_URL")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(arguments()))

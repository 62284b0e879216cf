"""Crash-safe delivery, crashed for real: bot processes (tests/digest_process.py) post a digest to a
stand-in channel on 127.0.0.1 and are killed with SIGKILL mid-digest; a restarted process, or one
still running, finishes it. Every story must appear exactly once, the rest within two minutes.

The stand-in keeps no nonces (as Discord after its few minutes): only reading the channel back keeps
a message it stored from being posted twice. The processes run with a 3-second lease, renewed every
second, and a sweep every second; the production figures (60 s, 20 s, 30 s) take over within 90 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import sys
import time as monotonic
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import discord
import pytest
from aiohttp import web

from bot.store import DeliveryKind, DeliveryStatus, Store
from bot.targets import TargetKind
from newsbrief_testkit.local_site import LocalSite
from tests.newsroom import REPORTS, open_newsroom, open_test_store
from tests.store.conftest import BACKENDS, postgres_url
from tests.store.samples import CHANNEL, GUILD, MEMBER

REPOSITORY = Path(__file__).resolve().parent.parent
FAST_LEASE = ["--lease", "3", "--renewal", "1", "--sweep", "1"]
"""A lease of 3 s renewed every second, a sweep every second: production's 60/20/30 s, scaled down."""
REST_WITHIN = 120.0
"""The bar: the rest of the digest is posted within two minutes of the restart."""
STARTUP_TIMEOUT = 90.0
"""A process's imports, migration check and first digest (briefing five pages) on a busy machine."""
SLUGS = ("ferry", "orchard", "chess", "tram", "observatory")


@dataclass
class Hold:
    """Make the channel stop answering at its `post`-th message: after storing it, or before."""

    post: int
    after_store: bool
    reached: asyncio.Event = field(default_factory=asyncio.Event)
    process_id: int | None = None
    """The process whose post is held."""


class StandInChannel:
    """A channel over HTTP, as Discord's REST API keeps one: POST and GET /channels/{id}/messages
    (`after` a snowflake, oldest first). Message ids are snowflakes of the time they were stored."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.hold: Hold | None = None
        self.posts = 0
        self.posted_by: Counter[int] = Counter()
        """Messages stored, by the process (pid) that posted them."""
        self.stored_at: list[float] = []
        self._sequence = itertools.count()
        self._runner: web.AppRunner | None = None
        self.url = ""

    def titles(self) -> Counter[str]:
        return Counter(embed["title"] for message in self.messages for embed in message["embeds"])

    async def _post(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.posts += 1
        hold = self.hold if self.hold is not None and self.hold.post == self.posts else None
        if hold is not None and not hold.after_store:
            await self._held(hold, request)
        message = {
            "id": str(discord.utils.time_snowflake(datetime.now(UTC)) + next(self._sequence) % 4096),
            "channel_id": request.match_info["channel"],
            "author": {"id": "1", "bot": True},
            "content": body.get("content") or "",
            "embeds": body.get("embeds") or [],
        }
        self.messages.append(message)
        self.posted_by[int(request.headers["X-Process-Id"])] += 1
        self.stored_at.append(monotonic.monotonic())
        if hold is not None:
            await self._held(hold, request)
        return web.json_response(message)

    @staticmethod
    async def _held(hold: Hold, request: web.Request) -> None:
        hold.process_id = int(request.headers["X-Process-Id"])
        hold.reached.set()
        await asyncio.Event().wait()  # until the process is killed and the connection dropped

    async def _get(self, request: web.Request) -> web.Response:
        after = int(request.query.get("after", "0"))
        channel = request.match_info["channel"]
        found = [m for m in self.messages if m["channel_id"] == channel and int(m["id"]) > after]
        return web.json_response(sorted(found, key=lambda message: int(message["id"])))

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/channels/{channel}/messages", self._post)
        app.router.add_get("/channels/{channel}/messages", self._get)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


@pytest.fixture
async def channel() -> AsyncIterator[StandInChannel]:
    stand_in = StandInChannel()
    await stand_in.start()
    yield stand_in
    await stand_in.close()


class Processes:
    """Bot processes started by a test, all killed at its end."""

    def __init__(self, database_url: str, channel_url: str) -> None:
        self.database_url = database_url
        self.channel_url = channel_url
        self.running: dict[int, asyncio.subprocess.Process] = {}

    async def start(self, *options: str) -> asyncio.subprocess.Process:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.digest_process",
            self.database_url,
            self.channel_url,
            *options,
            cwd=REPOSITORY,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        self.running[process.pid] = process
        return process

    async def kill(self, process_id: int) -> None:
        process = self.running.pop(process_id)
        os.kill(process.pid, signal.SIGKILL)
        await process.wait()

    async def kill_all(self) -> None:
        for process_id in list(self.running):
            await self.kill(process_id)


@contextlib.asynccontextmanager
async def processes(database_url: str, channel: StandInChannel) -> AsyncIterator[Processes]:
    started = Processes(database_url, channel.url)
    try:
        yield started
    finally:
        await started.kill_all()


async def a_digest_due_now(
    store: Store,
    site: LocalSite,
    *,
    channel_id: int = CHANNEL,
    target_kind: TargetKind = TargetKind.CHANNEL,
) -> int:
    """Five stories stored for a subscription whose daily time passed a minute ago; its id."""
    now = datetime.now(UTC)
    async with open_newsroom(store, site, now=now - timedelta(hours=1)) as room:
        url = room.publish("/courier.xml", [(slug, now - timedelta(hours=n + 2)) for n, slug in enumerate(SLUGS)])
        await room.follow(url)
        await room.refresher.refresh_due()
        subscription = await store.subscribe(
            GUILD,
            channel_id,
            created_by=MEMBER,
            local_time=(now - timedelta(minutes=1)).time().replace(second=0, microsecond=0),
            timezone="UTC",
            target_kind=target_kind,
            now=now - timedelta(hours=1),
        )
    return subscription.id


async def wait_until_posted(store: Store, subscription_id: int, *, within: float) -> float:
    """Seconds until the subscription's scheduled digest is recorded as posted."""
    started = monotonic.monotonic()
    while monotonic.monotonic() - started < within:
        delivery = await store.latest_delivery(subscription_id, kind=DeliveryKind.SCHEDULED)
        if delivery is not None and delivery.status is DeliveryStatus.POSTED:
            return monotonic.monotonic() - started
        await asyncio.sleep(0.2)
    raise AssertionError(f"the digest was not posted within {within} s")


@pytest.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    async with open_test_store(str(request.param), tmp_path) as opened:
        yield opened


def url_of(store: Store) -> str:
    return store.engine.url.render_as_string(hide_password=False)


def each_story_once(channel: StandInChannel) -> None:
    assert channel.titles() == Counter(REPORTS[slug].title for slug in SLUGS)


@pytest.mark.parametrize("after_store", [True, False], ids=["after-discord-stored-it", "before-it-reached-discord"])
async def test_a_process_killed_mid_digest_is_finished_by_its_restart_each_story_once(
    store: Store, local_site: LocalSite, channel: StandInChannel, after_store: bool
) -> None:
    subscription_id = await a_digest_due_now(store, local_site)
    channel.hold = hold = Hold(post=2, after_store=after_store)
    async with processes(url_of(store), channel) as bots:
        first = await bots.start(*FAST_LEASE)
        await asyncio.wait_for(hold.reached.wait(), STARTUP_TIMEOUT)
        await bots.kill(first.pid)
        channel.hold = None

        await bots.start(*FAST_LEASE)
        took = await wait_until_posted(store, subscription_id, within=REST_WITHIN)

    each_story_once(channel)
    assert len(channel.messages) == 3
    assert took < REST_WITHIN


async def test_two_processes_on_postgresql_one_dies_and_the_other_finishes_each_story_once(
    local_site: LocalSite, channel: StandInChannel, tmp_path: Path
) -> None:
    postgres_url()  # skips without TEST_DATABASE_URL
    async with open_test_store("postgresql", tmp_path) as store:
        subscription_id = await a_digest_due_now(store, local_site)
        channel.hold = hold = Hold(post=2, after_store=True)
        async with processes(url_of(store), channel) as bots:
            await asyncio.gather(bots.start(*FAST_LEASE), bots.start(*FAST_LEASE))
            await asyncio.wait_for(hold.reached.wait(), STARTUP_TIMEOUT)
            assert hold.process_id is not None
            await bots.kill(hold.process_id)
            channel.hold = None

            took = await wait_until_posted(store, subscription_id, within=REST_WITHIN)

        each_story_once(channel)
        assert len(channel.messages) == 3
        assert took < REST_WITHIN

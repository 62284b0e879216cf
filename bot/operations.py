"""Health and Prometheus metrics on a local port (METRICS_PORT), for whoever runs the bot.

`GET /health` answers 200 with each shard's state when every shard of this process is connected, 503
otherwise (a supervisor or load balancer restarts or routes on it). `GET /metrics` is Prometheus's text
format: commands answered (by shard), event-loop lag, each shard's heartbeat latency and connected
state, scheduled editions due, posted and failed with how late they started (the queue lag), feed
fetches by outcome, and the waits for Discord's global budget. Each process serves its own (a cluster
gives child i METRICS_PORT + i), so Prometheus's `instance` label names the process;
`newsbrief_process_info` says which cluster index and shards it runs.

Editions carry no shard label: any process claims any due edition and posts it over REST, which
knows no shards; the `shard` label is on what arrives through a shard's gateway connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from typing import TYPE_CHECKING

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    generate_latest,
)

from bot.digests import DeliveryResult
from bot.refresh import FetchOutcome

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from bot.client import NewsBot
    from bot.store import Claim

LOGGER = logging.getLogger(__name__)

BUDGET_WAIT_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
"""Seconds a request waits for Discord's global budget: a slot is 22 ms at 50 a second, a burst queues for seconds."""
WAITED_AT_LEAST_SECONDS = 0.001
"""A wait shorter than this is the event loop's own delay, not the budget's."""

QUEUE_LAG_BUCKETS = (1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)
"""Seconds from an edition's due time to its worker's start: the clock ticks every few seconds, a
burst of thousands at Discord's 50 requests a second drains in a minute or two, and the grace is an hour."""

LOOP_LAG_INTERVAL_SECONDS = 0.5
"""How often the event loop's lateness is measured: often enough to see a blocking call of a second."""


class BotMetrics:
    """The process's metrics in a registry of their own (not prometheus_client's global one, so that
    several bots in one test process do not collide)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._loop_lag_max = 0.0
        self.process = Info(
            "newsbrief_process",
            "Which part of a cluster this process is: its CLUSTER_INDEX, CLUSTER_COUNT and shards.",
            registry=self.registry,
        )
        self.interactions_answered = Counter(
            "newsbrief_interactions_answered",
            "Application commands that ran to the end, by command and by the shard they came through.",
            ["command", "shard"],
            registry=self.registry,
        )
        self.editions_due = Counter(
            "newsbrief_editions_due",
            "Scheduled editions this process claimed when due (each edition is claimed by one process).",
            registry=self.registry,
        )
        self.editions_missed = Counter(
            "newsbrief_editions_missed",
            "Editions found later than the grace (DIGEST_GRACE_MINUTES) and passed over.",
            registry=self.registry,
        )
        self.editions_posted = Counter(
            "newsbrief_editions_posted",
            "Scheduled editions this process posted, retries included.",
            registry=self.registry,
        )
        self.editions_failed = Counter(
            "newsbrief_editions_failed",
            "Scheduled edition attempts that failed (Discord refused, or an error): retried within the grace.",
            registry=self.registry,
        )
        self.editions_in_flight = Gauge(
            "newsbrief_editions_in_flight",
            "Deliveries being posted by this process now (at most DELIVERY_WORKERS).",
            registry=self.registry,
        )
        self.edition_queue_lag = Histogram(
            "newsbrief_edition_queue_lag_seconds",
            "How late a claimed edition's delivery started after the edition was due.",
            buckets=QUEUE_LAG_BUCKETS,
            registry=self.registry,
        )
        self.feed_fetches = Counter(
            "newsbrief_feed_fetches",
            "Feed fetches by outcome: new (new items), unchanged, not_modified (304), failed.",
            ["outcome"],
            registry=self.registry,
        )
        self.event_loop_lag = Gauge(
            "newsbrief_event_loop_lag_seconds",
            "How late the event loop last woke a timer: time the gateway heartbeat and every answer wait.",
            registry=self.registry,
        )
        self.event_loop_lag_max = Gauge(
            "newsbrief_event_loop_lag_max_seconds",
            "The latest the event loop has woken a timer since the process started.",
            registry=self.registry,
        )
        self.budget_waits = Counter(
            "newsbrief_discord_budget_waits",
            "REST requests that waited for a slot of Discord's global rate limit (DISCORD_GLOBAL_RATE).",
            registry=self.registry,
        )
        self.budget_wait_seconds = Histogram(
            "newsbrief_discord_budget_wait_seconds",
            "Time each REST request bound by Discord's global limit waited for its slot.",
            buckets=BUDGET_WAIT_BUCKETS,
            registry=self.registry,
        )
        self.shard_latency = Gauge(
            "newsbrief_shard_latency_seconds",
            "Time from the shard's last heartbeat to Discord's acknowledgement.",
            ["shard"],
            registry=self.registry,
        )
        self.shard_connected = Gauge(
            "newsbrief_shard_connected",
            "1 while the shard's gateway connection is open.",
            ["shard"],
            registry=self.registry,
        )

    def describe_process(self, *, cluster_index: int, cluster_count: int, shard_ids: Sequence[int] | None) -> None:
        """Name this process's place in the cluster (`newsbrief_process_info`); shard_ids None: all of them."""
        shards = "all" if shard_ids is None else ",".join(str(shard_id) for shard_id in sorted(shard_ids))
        self.process.info({"cluster_index": str(cluster_index), "cluster_count": str(cluster_count), "shards": shards})

    def observe_feed_fetch(self, outcome: FetchOutcome) -> None:
        self.feed_fetches.labels(outcome=outcome.value).inc()

    def observe_edition_started(self, claim: Claim, *, now: datetime) -> None:
        """A fresh claim of the delivery clock starts: count it due and measure how late it starts."""
        self.editions_due.inc()
        if claim.due_at is not None:
            self.edition_queue_lag.observe(max((now - claim.due_at).total_seconds(), 0.0))

    def observe_edition_finished(self, result: DeliveryResult | None) -> None:
        """A scheduled delivery ended: `result`, or None when it raised (left failed)."""
        if result is DeliveryResult.POSTED:
            self.editions_posted.inc()
        elif result is None or result is DeliveryResult.FAILED:
            self.editions_failed.inc()

    def observe_loop_lag(self, seconds: float) -> None:
        self.event_loop_lag.set(seconds)
        self._loop_lag_max = max(self._loop_lag_max, seconds)
        self.event_loop_lag_max.set(self._loop_lag_max)

    def observe_budget_wait(self, seconds: float) -> None:
        """Record a request's wait for the global budget."""
        self.budget_wait_seconds.observe(seconds)
        if seconds >= WAITED_AT_LEAST_SECONDS:
            self.budget_waits.inc()

    def observe_shards(self, bot: NewsBot) -> dict[int, tuple[bool, float]]:
        """Read every shard's state into the gauges; returns {shard: (connected, latency)}."""
        states: dict[int, tuple[bool, float]] = {}
        for shard_id, shard in sorted(bot.shards.items()):
            connected = not shard.is_closed()
            latency = shard.latency
            states[shard_id] = (connected, latency)
            self.shard_connected.labels(shard=str(shard_id)).set(1 if connected else 0)
            if math.isfinite(latency):
                self.shard_latency.labels(shard=str(shard_id)).set(latency)
        return states


class OperationsServer:
    """`/health` and `/metrics` for one bot on host:port (port 0 picks a free one; see `port`)."""

    def __init__(self, bot: NewsBot, *, host: str, port: int) -> None:
        self.bot = bot
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None
        self._lag_watch: asyncio.Task[None] | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/health", self._health)
        app.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = self._runner.addresses[0][1]
        self._lag_watch = asyncio.create_task(self._watch_loop_lag(), name="event-loop-lag")
        LOGGER.info("Health and metrics on http://%s:%d/health and /metrics", self.host, self.port)

    async def stop(self) -> None:
        if self._lag_watch is not None:
            self._lag_watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._lag_watch
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _health(self, request: web.Request) -> web.Response:
        states = self.bot.metrics.observe_shards(self.bot)
        healthy = self.bot.is_ready() and bool(states) and all(connected for connected, _ in states.values())
        body = {
            "ready": healthy,
            "shard_count": self.bot.shard_count,
            "shards": {
                str(shard_id): {"connected": connected, "latency": latency if math.isfinite(latency) else None}
                for shard_id, (connected, latency) in states.items()
            },
        }
        return web.json_response(body, status=200 if healthy else 503)

    async def _metrics(self, request: web.Request) -> web.Response:
        self.bot.metrics.observe_shards(self.bot)
        return web.Response(
            body=generate_latest(self.bot.metrics.registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    async def _watch_loop_lag(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            await asyncio.sleep(LOOP_LAG_INTERVAL_SECONDS)
            self.bot.metrics.observe_loop_lag(max(loop.time() - started - LOOP_LAG_INTERVAL_SECONDS, 0.0))

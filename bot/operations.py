"""Health and Prometheus metrics on a local port (METRICS_PORT), for whoever runs the bot.

`GET /health` answers 200 with each shard's state when every shard of this process is connected, 503
otherwise (a supervisor or load balancer restarts or routes on it). `GET /metrics` is Prometheus's text
format: commands answered, event-loop lag, and each shard's heartbeat latency and connected state. Each
process serves its own (a cluster gives child i METRICS_PORT + i), so Prometheus's `instance` label
names the process and the `shard` label the shard.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from typing import TYPE_CHECKING

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

if TYPE_CHECKING:
    from bot.client import NewsBot

LOGGER = logging.getLogger(__name__)

BUDGET_WAIT_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
"""Seconds a request waits for Discord's global budget: a slot is 22 ms at 50 a second, a burst queues for seconds."""
WAITED_AT_LEAST_SECONDS = 0.001
"""A wait shorter than this is the event loop's own delay, not the budget's."""

LOOP_LAG_INTERVAL_SECONDS = 0.5
"""How often the event loop's lateness is measured: often enough to see a blocking call of a second."""


class BotMetrics:
    """The process's metrics in a registry of their own (not prometheus_client's global one, so that
    several bots in one test process do not collide)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.interactions_answered = Counter(
            "newsbrief_interactions_answered",
            "Application commands that ran to the end, by command.",
            ["command"],
            registry=self.registry,
        )
        self.event_loop_lag = Gauge(
            "newsbrief_event_loop_lag_seconds",
            "How late the event loop last woke a timer: time the gateway heartbeat and every answer wait.",
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
            self.bot.metrics.event_loop_lag.set(max(loop.time() - started - LOOP_LAG_INTERVAL_SECONDS, 0.0))

"""NewsBot: the Discord client. It receives what it runs on from the launcher (bot/launcher.py), wires
the services and the digest scheduler to it, loads every extension in `cogs/`, syncs commands only
when it must, and runs the shards the settings give this process (bot/sharding.py)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import pkgutil
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Executor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import aiohttp
import discord
import yarl
from discord.ext import commands

import cogs
from bot.digests import Clock, DigestService, FeedRefresher
from bot.i18n.translator import CatalogueTranslator
from bot.news.fetch import Fetcher
from bot.news.pipeline import Pipeline
from bot.operations import BotMetrics
from bot.poster import DiscordPoster
from bot.ratebudget import RequestBudget, counts_against_global_limit
from bot.replies import ShuttingDown
from bot.scheduler import DigestScheduler
from bot.services import AboutService, FeedService, SubscriptionService
from bot.settings import Settings
from bot.sharding import IdentifyLimiter, shards_by_bucket
from bot.store import Store

LOGGER = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 30.0
"""How long a shutdown waits for answers in progress: longer than a slow fetch plus a summary."""
COMMAND_HASH_FILE = "command-sync.json"
RATE_LIMIT_SWEEP_SECONDS = 60.0
"""How often discord.py may look for rate-limit buckets to forget (those idle for 5 minutes). It looks
through all of them each time it makes a new one (discord.py 2.x, past 256 buckets), so a burst into
3,000 new channels looked at 4.5 million buckets: 2.4 s of the event loop in bench_scale. Once a minute
keeps the table as bounded."""


@dataclass(frozen=True, slots=True)
class BotResources:
    """What the bot runs on, opened and closed by the launcher (`launcher.open_resources`)."""

    store: Store
    fetcher: Fetcher
    """The one HTTP session."""
    executor: Executor | None
    """Worker processes for CPU work; None runs it in the loop's thread pool."""
    pipeline: Pipeline
    refresher: FeedRefresher
    digests: DigestService
    clock: Clock
    """The time digests are judged due by (tests move it instead of waiting)."""
    request_budget: RequestBudget | None = None
    """Discord's global rate limit, shared by every process on the database; None leaves it to a proxy."""
    metrics: BotMetrics = field(default_factory=BotMetrics)
    """The process's metrics, which the refresher counts its fetches in (served by bot/operations.py)."""


def configure_discord_endpoints(settings: Settings) -> None:
    """Point discord.py's REST and gateway at the configured bases (a proxy, or a test fake).

    discord.py reads both from class attributes, so this must happen before login.
    """
    discord.http.Route.BASE = settings.discord_api_base.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


def sweep_rate_limits_at_most_every(
    http: discord.http.HTTPClient, seconds: float, *, clock: Callable[[], float] = time.monotonic
) -> None:
    """Let `http` forget idle rate-limit buckets at most once every `seconds` (RATE_LIMIT_SWEEP_SECONDS)."""
    sweep: Callable[[], None] | None = getattr(http, "_try_clear_expired_ratelimits", None)
    if sweep is None:  # a discord.py that sweeps another way: nothing to throttle
        return
    last = float("-inf")

    def at_most_every() -> None:
        nonlocal last
        if clock() - last >= seconds:
            last = clock()
            sweep()

    setattr(http, "_try_clear_expired_ratelimits", at_most_every)  # noqa: B010 (mypy forbids assigning a method)


def budget_trace(
    budget: RequestBudget, metrics: BotMetrics, application_id: Callable[[], int | None]
) -> aiohttp.TraceConfig:
    """A hook on discord.py's HTTP session: every request to the REST API bound by Discord's global
    limit waits for a slot of `budget` as it starts (retries after a 429 or a 5xx too); interaction
    callbacks and webhooks, which Discord does not count, go at once."""

    async def wait_for_slot(
        _session: aiohttp.ClientSession, _context: object, params: aiohttp.TraceRequestStartParams
    ) -> None:
        if counts_against_global_limit(
            str(params.url), api_base=discord.http.Route.BASE, application_id=application_id()
        ):
            metrics.observe_budget_wait(await budget.acquire())

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(wait_for_slot)
    return trace


def discover_extensions() -> list[str]:
    """Every public module in the `cogs` package, by import name."""
    return sorted(
        f"{cogs.__name__}.{module.name}"
        for module in pkgutil.iter_modules(cogs.__path__)
        if not module.name.startswith("_")
    )


def command_set_hash(tree: discord.app_commands.CommandTree[Any], application_id: int | None) -> str:
    """A digest of everything Discord stores about our global commands."""
    payload = sorted(
        (command.to_dict(tree) for command in tree.get_commands()),
        key=lambda entry: (entry.get("type", 1), entry["name"]),
    )
    blob = json.dumps({"application": application_id, "commands": payload}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


class NewsBot(commands.AutoShardedBot):
    """The newsbrief Discord bot: the shards of SHARD_COUNT (or Discord's recommendation) that the
    settings give this process."""

    def __init__(
        self,
        settings: Settings,
        resources: BotResources,
        *,
        force_sync: bool = False,
        run_scheduler: bool = True,
        **options: Any,
    ) -> None:
        """Args:
        settings: the application's settings.
        resources: the store, fetcher, pipeline and digest service, open until the bot has closed.
        force_sync: sync global commands even when the command set looks unchanged.
        run_scheduler: start posting digests (off for `newsbrief sync`, which only publishes commands).
        options: passed to discord.py's Client (tests set `guild_ready_timeout`).
        """
        intents = discord.Intents.none()
        intents.guilds = True  # guild and channel caches; no privileged intent is needed
        self.metrics = resources.metrics
        self.metrics.describe_process(
            cluster_index=settings.cluster_index or 0,
            cluster_count=settings.cluster_count or 1,
            shard_ids=settings.own_shard_ids,
        )
        self.request_budget = resources.request_budget
        if resources.request_budget is not None:
            options["http_trace"] = budget_trace(resources.request_budget, self.metrics, lambda: self.application_id)
        own_shards = settings.own_shard_ids
        if own_shards is not None:
            options["shard_ids"] = list(own_shards)
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            help_command=None,
            shard_count=settings.shard_count,
            # Nothing the bot sends pings anyone unless a message names whom (a digest's ping role).
            allowed_mentions=discord.AllowedMentions.none(),
            **options,
        )
        sweep_rate_limits_at_most_every(self.http, RATE_LIMIT_SWEEP_SECONDS)
        self.identify_limiter = IdentifyLimiter()
        self.settings = settings
        self.force_sync = force_sync
        self.run_scheduler = run_scheduler
        self.failed_extensions: dict[str, BaseException] = {}
        self.store = resources.store
        self.fetcher = resources.fetcher
        self.executor = resources.executor
        self.pipeline = resources.pipeline
        self.digests = resources.digests
        self.poster = DiscordPoster(self)
        self.scheduler = DigestScheduler(
            store=resources.store,
            service=resources.digests,
            poster=self.poster,
            refresher=resources.refresher,
            clock=resources.clock,
            grace=timedelta(minutes=settings.digest_grace_minutes),
            refresh_interval=timedelta(minutes=settings.feed_refresh_minutes),
            sweep_interval=settings.digest_sweep,
            clock_interval=settings.delivery_clock,
            workers=settings.delivery_worker_count,
            history_retention=settings.history_retention,
            metrics=self.metrics,
        )
        self.feeds = FeedService(
            store=resources.store, fetcher=resources.fetcher, executor=resources.executor, clock=resources.clock
        )
        self.subscriptions = SubscriptionService(
            store=resources.store,
            digests=resources.digests,
            poster=self.poster,
            feeds=self.feeds,
        )
        self.info = AboutService(store=resources.store, clock=resources.clock)
        self._jobs_running = 0
        self._jobs_done = asyncio.Event()
        self._jobs_done.set()
        self._accepting_jobs = True

    async def launch_shards(self) -> None:
        """Connect this process's shards, every identify bucket at once (discord.py starts them one by one,
        5 s apart, whatever Discord allows).

        The shard count is SHARD_COUNT, or Discord's recommendation from `GET /gateway/bot`; the gateway
        is always DISCORD_GATEWAY_URL, so a gateway proxy stays in the path.
        """
        if self.is_closed():
            return
        recommended, _gateway_url, limits = await self.http.get_bot_gateway()
        if self.shard_count is None:
            self.shard_count = recommended
            LOGGER.info("Discord recommends %d shards", recommended)
        shard_ids = list(self.shard_ids or range(self.shard_count))
        self._connection.shard_count = self.shard_count
        self._connection.shard_ids = shard_ids
        self.identify_limiter.max_concurrency = limits["max_concurrency"]
        if limits["remaining"] < len(shard_ids):
            LOGGER.warning(
                "Discord allows %d more session starts for %.0f s; %d shards are starting",
                limits["remaining"],
                limits["reset_after"] / 1000,
                len(shard_ids),
            )
        LOGGER.info("Starting shards %s of %d, %d at a time", shard_ids, self.shard_count, limits["max_concurrency"])
        gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        first = shard_ids[0]

        async def launch_in_turn(bucket: list[int]) -> None:
            for shard_id in bucket:
                await self.launch_shard(gateway, shard_id, initial=shard_id == first)

        await asyncio.gather(
            *(launch_in_turn(bucket) for bucket in shards_by_bucket(shard_ids, limits["max_concurrency"]))
        )

    async def on_app_command_completion(
        self,
        interaction: discord.Interaction,
        command: discord.app_commands.Command[Any, ..., Any] | discord.app_commands.ContextMenu,
    ) -> None:
        """Count the command for /metrics: it ran to the end (its answer has been sent)."""
        self.metrics.interactions_answered.labels(
            command=command.qualified_name, shard=str(self.shard_of(interaction.guild_id))
        ).inc()

    def shard_of(self, guild_id: int | None) -> int:
        """The shard whose gateway connection carries a guild's events (Discord's formula); shard 0
        carries direct messages and user installs' interactions outside the bot's guilds."""
        if guild_id is None or not self.shard_count:
            return 0
        return (guild_id >> 22) % self.shard_count

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Wait for the shard's identify bucket: Discord's limit, in place of discord.py's flat 5 s."""
        await self.identify_limiter.wait_turn(shard_id or 0)

    async def setup_hook(self) -> None:
        await self.tree.set_translator(CatalogueTranslator())
        await self.load_all_extensions()
        await self.sync_commands()
        if self.run_scheduler:
            await self.scheduler.start()

    async def load_all_extensions(self) -> None:
        """Load every extension; one that fails is logged and the others still load."""
        for name in discover_extensions():
            try:
                await self.load_extension(name)
            except Exception as error:
                self.failed_extensions[name] = error
                LOGGER.exception("Extension %s failed to load; the bot runs without it", name)
            else:
                LOGGER.info("Loaded extension %s", name)

    async def sync_commands(self) -> None:
        """Sync deliberately: the dev guild at once; global commands only when they changed."""
        if self.settings.dev_guild_id is not None:
            guild = discord.Object(id=self.settings.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            LOGGER.info("Synced %d commands to the dev guild %s", len(synced), guild.id)
            if not self.force_sync:
                return
        digest = command_set_hash(self.tree, self.application_id)
        hash_file = self.settings.data_dir / COMMAND_HASH_FILE
        try:
            previous = json.loads(hash_file.read_text()).get("sha256")
        except (OSError, ValueError):
            previous = None
        if previous == digest and not self.force_sync:
            LOGGER.info("Global commands unchanged since the last sync; not syncing")
            return
        synced = await self.tree.sync()
        LOGGER.info("Synced %d global commands", len(synced))
        hash_file.parent.mkdir(parents=True, exist_ok=True)
        hash_file.write_text(json.dumps({"sha256": digest}))

    @asynccontextmanager
    async def job(self) -> AsyncIterator[None]:
        """Mark work a shutdown should wait for (an answer being made)."""
        if not self._accepting_jobs:
            raise ShuttingDown("newsbrief is restarting; try again in a minute")
        self._jobs_running += 1
        self._jobs_done.clear()
        try:
            yield
        finally:
            self._jobs_running -= 1
            if self._jobs_running == 0:
                self._jobs_done.set()

    async def close(self) -> None:
        """Finish the answers in progress, stop the scheduler, then disconnect (the launcher closes the
        resources after)."""
        self._accepting_jobs = False
        if self._jobs_running:
            LOGGER.info("Waiting for %d answers in progress before closing", self._jobs_running)
            try:
                await asyncio.wait_for(self._jobs_done.wait(), SHUTDOWN_GRACE_SECONDS)
            except TimeoutError:
                LOGGER.warning("Closing with %d answers unfinished", self._jobs_running)
        await self.scheduler.stop()
        await super().close()

"""NewsBot: the Discord client. It owns the fetcher (the one HTTP session), the pipeline and its
worker processes, loads every extension in `cogs/`, and syncs commands only when it must."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import multiprocessing
import pkgutil
import signal
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import discord
import yarl
from discord.ext import commands

import cogs
from bot.digests import DigestService, FeedRefresher, utc_now
from bot.news.fetch import Fetcher
from bot.news.pipeline import BriefingCache, Pipeline
from bot.poster import DiscordPoster
from bot.replies import ShuttingDown
from bot.scheduler import DigestScheduler
from bot.settings import Settings
from bot.store import Store, open_store

LOGGER = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 30.0
"""How long a shutdown waits for answers in progress: longer than a slow fetch plus a summary."""
COMMAND_HASH_FILE = "command-sync.json"


def configure_discord_endpoints(settings: Settings) -> None:
    """Point discord.py's REST and gateway at the configured bases (a proxy, or a test fake).

    discord.py reads both from class attributes, so this must happen before login.
    """
    discord.http.Route.BASE = settings.discord_api_base.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


def discover_extensions() -> list[str]:
    """Every public module in the `cogs` package, by import name."""
    return sorted(
        f"{cogs.__name__}.{module.name}"
        for module in pkgutil.iter_modules(cogs.__path__)
        if not module.name.startswith("_")
    )


def make_executor(processes: int) -> Executor | None:
    """Worker processes for CPU work, or None for the loop's thread pool when `processes` is 0."""
    if processes <= 0:
        return None
    context = multiprocessing.get_context("forkserver")
    # Workers fork from a server that has imported the pipeline once, so each starts warm.
    context.set_forkserver_preload(["bot.news.pipeline"])
    return ProcessPoolExecutor(max_workers=processes, mp_context=context)


def command_set_hash(tree: discord.app_commands.CommandTree[Any], application_id: int | None) -> str:
    """A digest of everything Discord stores about our global commands."""
    payload = sorted(
        (command.to_dict(tree) for command in tree.get_commands()),
        key=lambda entry: (entry.get("type", 1), entry["name"]),
    )
    blob = json.dumps({"application": application_id, "commands": payload}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


class NewsBot(commands.Bot):
    """The newsbrief Discord bot."""

    def __init__(
        self,
        settings: Settings,
        *,
        force_sync: bool = False,
        run_scheduler: bool = True,
        clock: Callable[[], datetime] = utc_now,
        **options: Any,
    ) -> None:
        """Args:
        settings: the application's settings.
        force_sync: sync global commands even when the command set looks unchanged.
        run_scheduler: start posting digests (off for `newsbrief sync`, which only publishes commands).
        clock: the time digests are judged due by (tests move it instead of waiting).
        options: passed to discord.py's Client (tests set `guild_ready_timeout`).
        """
        intents = discord.Intents.none()
        intents.guilds = True  # guild and channel caches; no privileged intent is needed
        super().__init__(command_prefix=commands.when_mentioned, intents=intents, help_command=None, **options)
        self.settings = settings
        self.force_sync = force_sync
        self.run_scheduler = run_scheduler
        self.clock = clock
        self.failed_extensions: dict[str, BaseException] = {}
        self.executor: Executor | None = None
        self._fetcher: Fetcher | None = None
        self._pipeline: Pipeline | None = None
        self._store: Store | None = None
        self._digests: DigestService | None = None
        self._scheduler: DigestScheduler | None = None
        self._jobs_running = 0
        self._jobs_done = asyncio.Event()
        self._jobs_done.set()
        self._accepting_jobs = True

    @property
    def fetcher(self) -> Fetcher:
        if self._fetcher is None:
            raise RuntimeError("The fetcher opens in setup_hook, before the bot connects")
        return self._fetcher

    @property
    def pipeline(self) -> Pipeline:
        if self._pipeline is None:
            raise RuntimeError("The pipeline opens in setup_hook, before the bot connects")
        return self._pipeline

    @property
    def digests(self) -> DigestService:
        if self._digests is None:
            raise RuntimeError("The digest service opens in setup_hook, before the bot connects")
        return self._digests

    @property
    def scheduler(self) -> DigestScheduler:
        if self._scheduler is None:
            raise RuntimeError("The scheduler starts in setup_hook, before the bot connects")
        return self._scheduler

    @property
    def store(self) -> Store:
        if self._store is None:
            raise RuntimeError("The store opens in setup_hook, before the bot connects")
        return self._store

    async def setup_hook(self) -> None:
        settings = self.settings
        self._store = await open_store(settings.database_url)
        self._fetcher = Fetcher(
            allow_private=settings.fetch_allow_private,
            max_bytes=settings.fetch_max_bytes,
            total_timeout=settings.fetch_timeout_seconds,
        )
        self.executor = make_executor(settings.pipeline_processes)
        self._pipeline = Pipeline(
            fetcher=self._fetcher,
            executor=self.executor,
            cache=BriefingCache(ttl_seconds=settings.summary_cache_seconds),
            max_jobs=settings.max_concurrent_jobs,
        )
        refresh = timedelta(minutes=settings.feed_refresh_minutes)
        refresher = FeedRefresher(
            store=self._store, fetcher=self._fetcher, clock=self.clock, check_every=refresh, executor=self.executor
        )
        self._digests = DigestService(store=self._store, pipeline=self._pipeline, refresher=refresher, clock=self.clock)
        self.poster = DiscordPoster(self)
        self._scheduler = DigestScheduler(
            store=self._store,
            service=self._digests,
            poster=self.poster,
            refresher=refresher,
            clock=self.clock,
            grace=timedelta(minutes=settings.digest_grace_minutes),
            refresh_interval=refresh,
            history_retention=settings.history_retention,
        )
        await self.load_all_extensions()
        await self.sync_commands()
        if self.run_scheduler:
            await self._scheduler.start()

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
        """Finish the answers in progress, then disconnect and close the session and workers."""
        self._accepting_jobs = False
        if self._jobs_running:
            LOGGER.info("Waiting for %d answers in progress before closing", self._jobs_running)
            try:
                await asyncio.wait_for(self._jobs_done.wait(), SHUTDOWN_GRACE_SECONDS)
            except TimeoutError:
                LOGGER.warning("Closing with %d answers unfinished", self._jobs_running)
        if self._scheduler is not None:
            scheduler, self._scheduler = self._scheduler, None
            await scheduler.stop()
        await super().close()
        if self._fetcher is not None:
            fetcher, self._fetcher = self._fetcher, None
            await fetcher.close()
        if self.executor is not None:
            executor, self.executor = self.executor, None
            executor.shutdown(wait=False, cancel_futures=True)
        if self._store is not None:
            store, self._store = self._store, None
            await store.close()


async def start_bot(settings: Settings) -> None:
    """Run the bot until SIGINT or SIGTERM, then shut it down cleanly."""
    assert settings.discord_token is not None
    configure_discord_endpoints(settings)
    async with NewsBot(settings) as bot:
        loop = asyncio.get_running_loop()
        closing: set[asyncio.Task[None]] = set()

        def request_shutdown(signum: int) -> None:
            LOGGER.info("Received %s; shutting down", signal.Signals(signum).name)
            task = asyncio.create_task(bot.close())
            closing.add(task)
            task.add_done_callback(closing.discard)

        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, request_shutdown, signum)
        await bot.start(settings.discord_token.get_secret_value())
        await asyncio.gather(*closing)


async def sync_global_commands(settings: Settings) -> None:
    """Log in over REST only, sync the global command set, and leave."""
    assert settings.discord_token is not None
    configure_discord_endpoints(settings)
    async with NewsBot(settings, force_sync=True, run_scheduler=False) as bot:
        await bot.login(settings.discord_token.get_secret_value())  # login runs setup_hook


def run(settings: Settings) -> int:
    """Entry point of `newsbrief run`."""
    try:
        asyncio.run(start_bot(settings))
    except discord.LoginFailure:
        LOGGER.error("Discord refused the token: check DISCORD_TOKEN (Bot > Reset Token in the portal)")
        return 1
    return 0


def sync(settings: Settings) -> int:
    """Entry point of `newsbrief sync`."""
    try:
        asyncio.run(sync_global_commands(settings))
    except discord.LoginFailure:
        LOGGER.error("Discord refused the token: check DISCORD_TOKEN (Bot > Reset Token in the portal)")
        return 1
    return 0

"""The launcher: opens what the bot runs on, hands it to NewsBot, and closes it after the bot has closed.

`newsbrief run` and `newsbrief sync` start here. The store, the worker processes and the fetcher open
before the bot exists and close after it, in reverse order, through one AsyncExitStack: the bot never
holds a resource that might not be open yet.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator, Coroutine
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta
from typing import Any

import discord

from bot.briefs import PageBriefer
from bot.client import BotResources, NewsBot, configure_discord_endpoints
from bot.digests import Clock, DigestService, FeedRefresher, utc_now
from bot.news.pipeline import BriefingCache, Pipeline
from bot.operations import BotMetrics, OperationsServer
from bot.ratebudget import LocalBucket, RequestBudget, SharedBucket, pace_for
from bot.resources import make_executor, make_fetcher, start_workers
from bot.settings import Settings
from bot.store import Store, open_store
from bot.store.database import PoolLimits

LOGGER = logging.getLogger(__name__)

LOGIN_REFUSED = "Discord refused the token: check DISCORD_TOKEN (Bot > Reset Token in the portal)"


@asynccontextmanager
async def open_resources(settings: Settings, *, clock: Clock = utc_now) -> AsyncIterator[BotResources]:
    """Open the store, the worker processes and the fetcher, and build the pipeline, the page briefer and
    the digest service on them; everything is closed on exit, the briefer first and the store last.

    Args:
        settings: the application's settings.
        clock: the time digests are judged due by (tests move it instead of waiting).
    """
    async with AsyncExitStack() as stack:
        store = await open_store(
            settings.database_url,
            pool=PoolLimits(size=settings.database_pool_size, timeout_seconds=settings.database_pool_timeout),
        )
        stack.push_async_callback(store.close)
        executor = make_executor(settings.pipeline_processes)
        if executor is not None:
            stack.callback(executor.shutdown, wait=False, cancel_futures=True)
        fetcher = await stack.enter_async_context(make_fetcher(settings))
        pipeline = Pipeline(
            fetcher=fetcher,
            executor=executor,
            cache=BriefingCache(ttl_seconds=settings.summary_cache_seconds),
            max_jobs=settings.max_concurrent_jobs,
        )
        # Digests' briefs get job slots and worker processes of their own: a burst of new stories
        # never leaves /summarize waiting for a slot, nor the other way round.
        brief_executor = make_executor(settings.brief_processes)
        if brief_executor is not None:
            stack.callback(brief_executor.shutdown, wait=False, cancel_futures=True)
        # The workers start in a thread while the bot connects: the first start of a worker waits
        # seconds for the forkserver, and must not do so on the event loop.
        starting_workers = asyncio.create_task(asyncio.to_thread(start_workers, executor, brief_executor))
        stack.push_async_callback(_finished, starting_workers)  # before the pools shut down
        briefer = PageBriefer(
            store=store,
            pipeline=Pipeline(fetcher=fetcher, executor=brief_executor),
            concurrency=settings.brief_concurrency,
            clock=clock,
            wait=timedelta(seconds=settings.brief_wait_seconds),
        )
        stack.push_async_callback(briefer.close)  # before the fetcher closes: its workers use it
        metrics = BotMetrics()
        refresher = FeedRefresher(
            store=store,
            fetcher=fetcher,
            clock=clock,
            check_every=timedelta(minutes=settings.feed_refresh_minutes),
            concurrency=settings.feed_fetch_concurrency,
            executor=executor,
            briefer=briefer,
            observe=metrics.observe_feed_fetch,
        )
        digests = DigestService(
            store=store, pipeline=pipeline, refresher=refresher, clock=clock, lease=settings.delivery_lease
        )
        yield BotResources(
            request_budget=request_budget(settings, store) if settings.request_budget_enabled else None,
            store=store,
            fetcher=fetcher,
            executor=executor,
            pipeline=pipeline,
            refresher=refresher,
            digests=digests,
            clock=clock,
            metrics=metrics,
        )


async def _finished(task: asyncio.Task[None]) -> None:
    """Wait for a task the exit must not outrun, its failure logged: the exit goes on."""
    try:
        await task
    except Exception:
        LOGGER.warning("Starting the worker processes failed", exc_info=True)


def request_budget(settings: Settings, store: Store) -> RequestBudget:
    """The global budget: in the database when processes may share it (PostgreSQL), in memory on SQLite."""
    pace = pace_for(settings.discord_global_rate)
    if store.engine.dialect.name == "postgresql":
        return RequestBudget(SharedBucket(store.engine, pace=pace))
    return RequestBudget(LocalBucket(pace=pace))


async def start_bot(settings: Settings) -> None:
    """Run the bot until SIGINT or SIGTERM, then shut it down cleanly."""
    assert settings.discord_token is not None
    configure_discord_endpoints(settings)
    async with open_resources(settings) as resources, NewsBot(settings, resources) as bot:
        loop = asyncio.get_running_loop()
        closing: set[asyncio.Task[None]] = set()

        def request_shutdown(signum: int) -> None:
            LOGGER.info("Received %s; shutting down", signal.Signals(signum).name)
            task = asyncio.create_task(bot.close())
            closing.add(task)
            task.add_done_callback(closing.discard)

        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, request_shutdown, signum)
        operations = None
        if settings.metrics_port is not None:
            operations = OperationsServer(bot, host=settings.metrics_host, port=settings.metrics_port)
            await operations.start()
        try:
            await bot.start(settings.discord_token.get_secret_value())
            await asyncio.gather(*closing)
        finally:
            if operations is not None:
                await operations.stop()


async def sync_global_commands(settings: Settings) -> None:
    """Log in over REST only, sync the global command set, and leave."""
    assert settings.discord_token is not None
    configure_discord_endpoints(settings)
    async with (
        open_resources(settings) as resources,
        NewsBot(settings, resources, force_sync=True, run_scheduler=False) as bot,
    ):
        await bot.login(settings.discord_token.get_secret_value())  # login runs setup_hook


def run(settings: Settings) -> int:
    """Entry point of `newsbrief run`."""
    return _exit_code(start_bot(settings))


def sync(settings: Settings) -> int:
    """Entry point of `newsbrief sync`."""
    return _exit_code(sync_global_commands(settings))


def _exit_code(main: Coroutine[Any, Any, None]) -> int:
    """Run `main` to the end: 0, or 1 when Discord refused the token."""
    try:
        asyncio.run(main)
    except discord.LoginFailure:
        LOGGER.error(LOGIN_REFUSED)
        return 1
    return 0

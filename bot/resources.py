"""The two costly things both the bot and the command line build: the worker-process pool for CPU work
and the Fetcher (the one HTTP session), each made in one way from the settings."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Executor, ProcessPoolExecutor

from bot.news.fetch import Fetcher
from bot.settings import Settings


def make_executor(processes: int) -> Executor | None:
    """Worker processes for CPU work, or None for the loop's thread pool when `processes` is 0."""
    if processes <= 0:
        return None
    context = multiprocessing.get_context("forkserver")
    # Workers fork from a server that has imported the pipeline once, so each starts warm.
    context.set_forkserver_preload(["bot.news.pipeline"])
    return ProcessPoolExecutor(max_workers=processes, mp_context=context)


def make_fetcher(settings: Settings) -> Fetcher:
    """The fetcher with the configured address guard and size and time limits; close it when done."""
    return Fetcher(
        allow_private=settings.fetch_allow_private,
        max_bytes=settings.fetch_max_bytes,
        total_timeout=settings.fetch_timeout_seconds,
    )

"""The worker pool and the fetcher, built one way for the bot and the command line."""

from __future__ import annotations

import sys
from concurrent.futures import ProcessPoolExecutor

from bot.resources import make_executor, make_fetcher
from bot.settings import Settings


def test_no_worker_processes_means_the_loops_threads() -> None:
    assert make_executor(0) is None


def pipeline_is_imported() -> bool:
    return "bot.news.pipeline" in sys.modules


def test_worker_processes_start_with_the_pipeline_imported() -> None:
    executor = make_executor(1)
    assert isinstance(executor, ProcessPoolExecutor)
    try:
        assert executor.submit(pipeline_is_imported).result(timeout=60)
    finally:
        executor.shutdown()


async def test_the_fetcher_takes_the_configured_limits(offline_settings: Settings) -> None:
    settings = offline_settings.model_copy(update={"fetch_max_bytes": 123_456, "fetch_timeout_seconds": 4.5})
    async with make_fetcher(settings) as fetcher:
        assert (fetcher.max_bytes, fetcher.total_timeout) == (123_456, 4.5)

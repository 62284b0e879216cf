"""The worker pool and the fetcher, built one way for the bot and the command line."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bot.resources import make_executor, make_fetcher, start_workers
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


def test_start_workers_starts_every_worker_of_each_pool_before_any_task() -> None:
    pools = [make_executor(2), make_executor(1)]
    try:
        start_workers(*pools, None)
        assert [len(pool._processes) for pool in pools if isinstance(pool, ProcessPoolExecutor)] == [2, 1]
    finally:
        for pool in pools:
            if pool is not None:
                pool.shutdown()


async def test_the_fetcher_takes_the_configured_limits(offline_settings: Settings) -> None:
    settings = offline_settings.model_copy(update={"fetch_max_bytes": 123_456, "fetch_timeout_seconds": 4.5})
    async with make_fetcher(settings) as fetcher:
        assert (fetcher.max_bytes, fetcher.total_timeout) == (123_456, 4.5)


OWNER_SCRIPT = """
import os, sys, time
from bot.resources import make_executor

if __name__ == "__main__":
    executor = make_executor(1)
    print(executor.submit(os.getpid).result(timeout=60), flush=True)
    time.sleep(600)
"""


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return Path(f"/proc/{pid}/status").read_text().find("State:\\tZ") >= 0


def test_worker_processes_end_when_their_owner_is_killed(tmp_path: Path) -> None:
    script = tmp_path / "owner.py"
    script.write_text(OWNER_SCRIPT)
    with subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True) as owner:
        assert owner.stdout is not None
        worker = int(owner.stdout.readline())
        owner.kill()
    deadline = time.monotonic() + 20
    while not _gone(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _gone(worker)

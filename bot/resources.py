"""The two costly things both the bot and the command line build: the worker-process pool for CPU work
and the Fetcher (the one HTTP session), each made in one way from the settings."""

from __future__ import annotations

import multiprocessing
import os
import select
import threading
import time
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any

from bot.news.fetch import Fetcher
from bot.settings import Settings

OWNER_POLL_SECONDS = 2.0
"""How often a worker without pidfd support checks that the process that started it is alive."""


def make_executor(processes: int) -> Executor | None:
    """Worker processes for CPU work, or None for the loop's thread pool when `processes` is 0."""
    if processes <= 0:
        return None
    context = multiprocessing.get_context("forkserver")
    # Workers fork from a server that has imported the pipeline and built the date parser once, so
    # each starts warm (bot.news.warm).
    context.set_forkserver_preload(["bot.news.warm"])
    return WorkerPool(processes, mp_context=context, initializer=exit_with_owner, initargs=(os.getpid(),))


class WorkerPool(ProcessPoolExecutor):
    """A process pool that says how many workers it runs (see `start_workers`)."""

    def __init__(self, size: int, **options: Any) -> None:
        super().__init__(max_workers=size, **options)
        self.size = size


def start_workers(*executors: Executor | None) -> None:
    """Start every worker process of the pools now, and wait until each has run a task. Blocking: call
    it in a thread (`asyncio.to_thread`).

    A pool starts its workers one at a time as tasks arrive, and the first start waits for the forkserver
    to import the pipeline and build the date parser (2-4 s). Left to the first task, that wait froze
    the event loop: a bot restarted just before a burst of editions lost 2.4 s of its pace to it.
    """
    tasks = [
        pool.submit(time.sleep, WORKER_START_TASK_SECONDS)
        for pool in executors
        if isinstance(pool, WorkerPool)
        for _worker in range(pool.size)
    ]
    for task in tasks:
        task.result()


WORKER_START_TASK_SECONDS = 0.05
"""Each warm-up task keeps its worker busy this long, so that the next task starts another worker
rather than waiting for an idle one."""


def exit_with_owner(owner_pid: int) -> None:
    """Worker initializer: end this worker when the process that made the pool ends, however it ends.

    A pool's workers wait for work from their owner and never learn that it died; each also holds the
    forkserver's "owner alive" pipe open, so the forkserver lingers too. After a kill -9 of the bot they
    would stay forever; a watcher thread ends them instead (and with them the forkserver)."""
    threading.Thread(target=_watch_owner, args=(owner_pid,), name="owner-watch", daemon=True).start()


def _watch_owner(owner_pid: int) -> None:
    try:
        owner = os.pidfd_open(owner_pid)
    except (AttributeError, OSError):
        while _alive(owner_pid):
            time.sleep(OWNER_POLL_SECONDS)
    else:
        # A pidfd turns readable when its process ends (zombie or reaped).
        select.select([owner], [], [])
    os._exit(0)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


def make_fetcher(settings: Settings) -> Fetcher:
    """The fetcher with the configured address guard and size and time limits; close it when done."""
    return Fetcher(
        allow_private=settings.fetch_allow_private,
        max_bytes=settings.fetch_max_bytes,
        total_timeout=settings.fetch_timeout_seconds,
    )

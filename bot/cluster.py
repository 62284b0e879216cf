"""`newsbrief cluster`: one machine's share of the bot as N `newsbrief run` processes.

Each child runs every N-th shard (CLUSTER_INDEX, CLUSTER_COUNT; see Settings.own_shard_ids) of one
SHARD_COUNT, fixed here for all of them: SHARD_COUNT when set, otherwise Discord's recommendation rounded
up to a multiple of N, asked once. A child that exits is started again after a pause that doubles while
it keeps failing; SIGINT or SIGTERM is passed on to every child, which finishes its answers and exits.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import math
import os
import signal
import sys
from collections.abc import Mapping, Sequence

import discord

from bot.client import SHUTDOWN_GRACE_SECONDS, configure_discord_endpoints
from bot.settings import Settings

LOGGER = logging.getLogger(__name__)

RESTART_PAUSE_SECONDS = 1.0
"""The first pause before a child that exited is started again: long enough not to spin on a crash."""
MAX_RESTART_PAUSE_SECONDS = 60.0
"""The pause doubles up to this while a child keeps exiting soon after its start."""
HEALTHY_RUN_SECONDS = 60.0
"""A child that ran this long before exiting had started fine: its next pause is the first one again."""
CHILD_STOP_SECONDS = SHUTDOWN_GRACE_SECONDS + 15.0
"""How long a stopping child may take: the bot's own grace for answers, plus its disconnect and close."""

RUN_COMMAND = (sys.executable, "-m", "bot", "run")
PR_SET_PDEATHSIG = 1
"""Linux prctl option: the signal a process gets when its parent dies (<linux/prctl.h>)."""


def stop_with_parent() -> None:
    """Run in a child between fork and exec: on Linux, SIGTERM it when the cluster process dies, however
    it dies (kill -9 included), so no bot keeps its shards connected after its cluster is gone."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


async def recommended_shard_count(settings: Settings) -> int:
    """Discord's recommended shard count for the bot (GET /gateway/bot), through discord.py's HTTP client.

    Raises:
        discord.LoginFailure: Discord refused the token.
    """
    assert settings.discord_token is not None
    configure_discord_endpoints(settings)
    http = discord.http.HTTPClient(asyncio.get_running_loop())
    try:
        await http.static_login(settings.discord_token.get_secret_value())
        shards, _url, _limits = await http.get_bot_gateway()
    finally:
        await http.close()
    return shards


def cluster_shard_count(recommended: int, processes: int) -> int:
    """The recommendation rounded up so that every process runs as many shards."""
    return math.ceil(recommended / processes) * processes


class Cluster:
    """Keeps `processes` children running `command`, child i with CLUSTER_INDEX=i, until stopped."""

    def __init__(
        self,
        *,
        processes: int,
        shard_count: int,
        command: Sequence[str] = RUN_COMMAND,
        environment: Mapping[str, str] | None = None,
        metrics_port: int | None = None,
    ) -> None:
        self.processes = processes
        self.shard_count = shard_count
        self.command = tuple(command)
        self.environment = dict(os.environ if environment is None else environment)
        self.metrics_port = metrics_port
        """Child i serves /health and /metrics on metrics_port + i."""
        self.children: dict[int, asyncio.subprocess.Process] = {}
        self.exit_codes: dict[int, int] = {}
        self._stopping = asyncio.Event()

    def child_environment(self, index: int) -> dict[str, str]:
        """The parent's environment with this child's place in the cluster; SHARD_IDS blanked, as the
        cluster chooses the shards."""
        environment = self.environment | {
            "SHARD_COUNT": str(self.shard_count),
            "CLUSTER_INDEX": str(index),
            "CLUSTER_COUNT": str(self.processes),
            "SHARD_IDS": "",
        }
        if self.metrics_port is not None:
            environment["METRICS_PORT"] = str(self.metrics_port + index)
        return environment

    async def run(self) -> int:
        """Run until stop(); 0 when every child then exited cleanly, 1 otherwise."""
        keepers = [asyncio.create_task(self._keep_running(index)) for index in range(self.processes)]
        await asyncio.gather(*keepers)
        return 0 if all(code == 0 for code in self.exit_codes.values()) else 1

    def stop(self, signum: int = signal.SIGTERM) -> None:
        """Stop restarting children and pass `signum` on to every running one."""
        self._stopping.set()
        for child in self.children.values():
            if child.returncode is None:
                child.send_signal(signum)

    async def _keep_running(self, index: int) -> None:
        loop = asyncio.get_running_loop()
        pause = RESTART_PAUSE_SECONDS
        shards = list(range(index, self.shard_count, self.processes))
        while not self._stopping.is_set():
            started = loop.time()
            child = await asyncio.create_subprocess_exec(
                *self.command, env=self.child_environment(index), preexec_fn=stop_with_parent
            )
            self.children[index] = child
            LOGGER.info("Cluster process %d (pid %d) runs shards %s of %d", index, child.pid, shards, self.shard_count)
            if self._stopping.is_set():  # stop() came while the child was starting
                child.send_signal(signal.SIGTERM)
            code = await self._wait_for_exit(child)
            self.exit_codes[index] = code
            if self._stopping.is_set():
                LOGGER.info("Cluster process %d (pid %d) stopped with status %d", index, child.pid, code)
                return
            if loop.time() - started >= HEALTHY_RUN_SECONDS:
                pause = RESTART_PAUSE_SECONDS
            LOGGER.warning(
                "Cluster process %d (pid %d) exited with status %d; starting it again in %.0f s",
                index,
                child.pid,
                code,
                pause,
            )
            try:
                await asyncio.wait_for(self._stopping.wait(), pause)
            except TimeoutError:
                pause = min(pause * 2, MAX_RESTART_PAUSE_SECONDS)

    async def _wait_for_exit(self, child: asyncio.subprocess.Process) -> int:
        """The child's exit status; once the cluster is stopping, a child still running after
        CHILD_STOP_SECONDS is killed."""
        wait = asyncio.ensure_future(child.wait())
        stopping = asyncio.ensure_future(self._stopping.wait())
        await asyncio.wait({wait, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not wait.done():
            try:
                await asyncio.wait_for(asyncio.shield(wait), CHILD_STOP_SECONDS)
            except TimeoutError:
                LOGGER.warning(
                    "Cluster child pid %d did not stop within %.0f s; killing it", child.pid, CHILD_STOP_SECONDS
                )
                child.kill()
        return await wait


async def run_cluster(settings: Settings, processes: int) -> int:
    """Start the cluster and run it until SIGINT or SIGTERM."""
    shard_count = settings.shard_count
    if shard_count is None:
        recommended = await recommended_shard_count(settings)
        shard_count = cluster_shard_count(recommended, processes)
        LOGGER.info("Discord recommends %d shards; the cluster runs %d", recommended, shard_count)
    elif shard_count % processes:
        LOGGER.error("SHARD_COUNT (%d) must be a multiple of --processes (%d)", shard_count, processes)
        return 2
    cluster = Cluster(processes=processes, shard_count=shard_count, metrics_port=settings.metrics_port)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, cluster.stop, signum)
    return await cluster.run()


def cluster(settings: Settings, processes: int) -> int:
    """Entry point of `newsbrief cluster`."""
    try:
        return asyncio.run(run_cluster(settings, processes))
    except discord.LoginFailure:
        from bot.launcher import LOGIN_REFUSED

        LOGGER.error(LOGIN_REFUSED)
        return 1

"""Shards: which of the bot's gateway sessions this process runs, and how fast they may IDENTIFY.

Discord lets a bot start `max_concurrency` sessions every 5 seconds, one per bucket: a shard's bucket
is `shard_id % max_concurrency` (https://discord.com/developers/docs/events/gateway#sharding-max-concurrency).
discord.py reads that number from `GET /gateway/bot` and throws it away: it identifies its shards one
after another with a 5-second sleep before each but the first. A bot with 64 shards and a concurrency of
16 would take 5 minutes 15 s to come up instead of 15 s; IdentifyLimiter and NewsBot.launch_shards give
each bucket its own turn instead.
"""

from __future__ import annotations

import asyncio
import math

IDENTIFY_WINDOW_SECONDS = 5.0
"""Discord allows one IDENTIFY per bucket in this many seconds."""


class IdentifyLimiter:
    """One IDENTIFY per bucket (shard_id % max_concurrency) per window, within one process.

    Processes of a cluster do not share it: they split the shards so that each holds its own buckets
    when max_concurrency is a multiple of CLUSTER_COUNT (see Settings.own_shard_ids); with fewer buckets
    than processes, processes started together identify together.
    """

    def __init__(self, *, max_concurrency: int = 1, window: float = IDENTIFY_WINDOW_SECONDS) -> None:
        self.max_concurrency = max_concurrency
        self.window = window
        self._turns: dict[int, asyncio.Lock] = {}
        self._last_identify: dict[int, float] = {}

    def bucket(self, shard_id: int) -> int:
        """The identify bucket Discord puts a shard in."""
        return shard_id % max(self.max_concurrency, 1)

    async def wait_turn(self, shard_id: int) -> None:
        """Return when `shard_id` may IDENTIFY: at least `window` seconds after its bucket's last one."""
        key = self.bucket(shard_id)
        loop = asyncio.get_running_loop()
        async with self._turns.setdefault(key, asyncio.Lock()):
            wait = self._last_identify.get(key, -math.inf) + self.window - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            self._last_identify[key] = loop.time()


def shards_by_bucket(shard_ids: list[int], max_concurrency: int) -> list[list[int]]:
    """The shards grouped by identify bucket, each group in order: groups start together, members in turn."""
    groups: dict[int, list[int]] = {}
    for shard_id in sorted(shard_ids):
        groups.setdefault(shard_id % max(max_concurrency, 1), []).append(shard_id)
    return list(groups.values())

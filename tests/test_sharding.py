"""Identify buckets: one IDENTIFY per bucket per window, buckets side by side."""

import asyncio

from bot.sharding import IdentifyLimiter, shards_by_bucket

WINDOW = 0.2


async def identify_times(limiter: IdentifyLimiter, shard_ids: list[int]) -> dict[int, float]:
    loop = asyncio.get_running_loop()
    times: dict[int, float] = {}

    async def identify(shard_id: int) -> None:
        await limiter.wait_turn(shard_id)
        times[shard_id] = loop.time()

    await asyncio.gather(*(identify(shard_id) for shard_id in shard_ids))
    return times


async def test_shards_of_one_bucket_identify_a_window_apart() -> None:
    times = await identify_times(IdentifyLimiter(max_concurrency=2, window=WINDOW), [0, 2])

    assert abs(times[2] - times[0]) >= WINDOW * 0.95


async def test_shards_of_different_buckets_identify_together() -> None:
    times = await identify_times(IdentifyLimiter(max_concurrency=2, window=WINDOW), [0, 1])

    assert abs(times[1] - times[0]) < WINDOW / 2


def test_shards_are_grouped_by_their_bucket_in_order() -> None:
    assert shards_by_bucket([5, 0, 2, 3, 1, 4], 2) == [[0, 2, 4], [1, 3, 5]]

"""The bot's shards against the fake: the shards the settings give it, identified as fast as Discord allows."""

from collections.abc import Callable

from bot.settings import Settings
from newsbrief_testkit.fake_discord import FROM_BOT, OP_IDENTIFY, FakeDiscord

from .conftest import running_news_bot

FOUR_SHARDS_AT_ONCE_SECONDS = 2.0
"""Four shards in four identify buckets start together; discord.py alone spaces them 5 s apart (15 s)."""


def identified_shards(fake: FakeDiscord) -> list[list[int]]:
    return [frame.data["shard"] for frame in fake.frames if frame.op == OP_IDENTIFY and frame.direction == FROM_BOT]


async def test_bot_runs_the_recommended_shards_when_no_count_is_set(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    fake.shard_count = 2
    fake.max_concurrency = 2

    async with running_news_bot(fake, make_settings()):
        pass

    assert sorted(identified_shards(fake)) == [[0, 2], [1, 2]]


async def test_a_cluster_member_runs_every_other_shard(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings(shard_count=4, cluster_index=1, cluster_count=2)
    fake.max_concurrency = 4

    async with running_news_bot(fake, settings):
        pass

    assert sorted(identified_shards(fake)) == [[1, 4], [3, 4]]


async def test_shards_in_different_identify_buckets_start_together(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    fake.max_concurrency = 4

    async with running_news_bot(fake, make_settings(shard_count=4)):
        pass

    times = [frame.at for frame in fake.frames if frame.op == OP_IDENTIFY and frame.direction == FROM_BOT]
    assert len(times) == 4
    assert max(times) - min(times) < FOUR_SHARDS_AT_ONCE_SECONDS

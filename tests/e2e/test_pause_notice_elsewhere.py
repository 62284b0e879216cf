"""The pause notice from a process whose shards do not hold the server: the guild is not in its cache,
so its system channel is fetched over REST (GET /guilds/{id}) and told there."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time

from bot.digests import DeliveryResult
from bot.settings import Settings
from bot.store import DeliveryKind, open_store
from newsbrief_testkit.fake_discord import FakeDiscord

from .conftest import running_news_bot

SHARD_COUNT = 2
MEMBER = 4242


async def test_a_digest_paused_by_a_process_without_the_servers_shard_tells_its_system_channel(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    system = int(fake.add_channel("general")["id"])
    fake.set_system_channel(system)
    other_shard = ((fake.guild_id >> 22) + 1) % SHARD_COUNT  # a snowflake's shard is (id >> 22) % count
    settings = make_settings(shard_count=SHARD_COUNT, shard_ids=str(other_shard))
    async with await open_store(settings.database_url) as store:
        subscription = await store.subscribe(
            fake.guild_id, fake.channel_id, created_by=MEMBER, local_time=time(7), timezone="UTC"
        )
    await fake.delete_channel(fake.channel_id)

    async with running_news_bot(fake, settings, run_scheduler=False) as bot:
        assert bot.get_guild(fake.guild_id) is None
        outcome = await bot.digests.deliver(subscription.id, kind=DeliveryKind.MANUAL, poster=bot.poster)

    assert outcome.result is DeliveryResult.CHANNEL_UNAVAILABLE
    (notice,) = fake.channel_messages(system)
    assert notice["content"].endswith("the channel was deleted. Set it up in another channel with /digest subscribe.")

"""GuildService: a guild the bot has left is forgotten with its digests; at start, only guilds this
process can judge, from a complete and available guild list, are."""

from __future__ import annotations

import pytest

from bot.services import GuildService, GuildsInView, on_shards
from bot.store import Store
from tests.store.samples import CHANNEL, FEED_URLS, GUILD, MEMBER, MORNING, NOW, OTHER_CHANNEL, OTHER_GUILD

THIRD_GUILD = 1_187_654_321_098_765_432


@pytest.fixture
def guild_service(store: Store) -> GuildService:
    return GuildService(store=store)


async def has_digest(store: Store, subscription_id: int) -> bool:
    return await store.subscription_by_id(subscription_id) is not None


async def scheduled_digest(store: Store, guild_id: int, channel_id: int) -> int:
    await store.add_guild_feed(guild_id, FEED_URLS[0], added_by=MEMBER, now=NOW)
    subscription = await store.subscribe(guild_id, channel_id, created_by=MEMBER, local_time=MORNING, timezone="UTC")
    return subscription.id


def seeing(*guild_ids: int, **options: object) -> GuildsInView:
    return GuildsInView(guild_ids=frozenset(guild_ids), **options)  # type: ignore[arg-type]


async def test_forgetting_a_guild_drops_its_digests_only(guild_service: GuildService, store: Store) -> None:
    gone = await scheduled_digest(store, GUILD, CHANNEL)
    kept = await scheduled_digest(store, OTHER_GUILD, OTHER_CHANNEL)

    forgotten = await guild_service.forget(GUILD)

    assert forgotten.subscription_ids == (gone,)
    assert (await has_digest(store, gone), await has_digest(store, kept)) == (False, True)
    assert await store.known_guild_ids() == {OTHER_GUILD}


async def test_guilds_missing_from_the_view_are_forgotten(guild_service: GuildService, store: Store) -> None:
    gone = await scheduled_digest(store, GUILD, CHANNEL)
    await scheduled_digest(store, OTHER_GUILD, OTHER_CHANNEL)

    report = await guild_service.forget_departed(lambda: seeing(OTHER_GUILD, THIRD_GUILD))

    assert [forgotten.guild_id for forgotten in report.forgotten] == [GUILD]
    assert report.held_back is None
    assert not await has_digest(store, gone)
    assert await store.known_guild_ids() == {OTHER_GUILD}


async def test_a_guild_on_a_shard_another_process_runs_is_never_forgotten(
    guild_service: GuildService, store: Store
) -> None:
    await scheduled_digest(store, GUILD, CHANNEL)
    other_shard = ((GUILD >> 22) + 1) % 2

    report = await guild_service.forget_departed(
        lambda: seeing(THIRD_GUILD, shard_count=2, shard_ids=frozenset({other_shard}))
    )

    assert report.forgotten == ()
    assert await store.known_guild_ids() == {GUILD}


async def test_nothing_is_forgotten_while_a_guild_is_unavailable(guild_service: GuildService, store: Store) -> None:
    await scheduled_digest(store, GUILD, CHANNEL)

    report = await guild_service.forget_departed(lambda: seeing(OTHER_GUILD, unavailable=frozenset({OTHER_GUILD})))

    assert (report.forgotten, report.held_back) == ((), "some guilds are unavailable (1)")
    assert await store.known_guild_ids() == {GUILD}


async def test_nothing_is_forgotten_when_the_client_sees_no_guild(guild_service: GuildService, store: Store) -> None:
    await scheduled_digest(store, GUILD, CHANNEL)

    report = await guild_service.forget_departed(lambda: seeing())

    assert (report.forgotten, report.held_back) == ((), "the client sees no guild at all")
    assert await store.known_guild_ids() == {GUILD}


def test_a_guild_is_on_the_shard_discord_assigns_it() -> None:
    shard = (GUILD >> 22) % 4

    assert on_shards(GUILD, shard_count=4, shard_ids={shard})
    assert not on_shards(GUILD, shard_count=4, shard_ids={(shard + 1) % 4, (shard + 2) % 4, (shard + 3) % 4})
    assert on_shards(GUILD, shard_count=4, shard_ids=None)
    assert on_shards(GUILD, shard_count=None, shard_ids=None)

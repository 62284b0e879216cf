"""The fake Discord shards as Discord does: a recommendation, a shard per IDENTIFY, each guild's events on
its shard, and 4010/4011 for sessions Discord would refuse."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp

from newsbrief_testkit.fake_discord import (
    CLOSE_INVALID_SHARD,
    CLOSE_SHARDING_REQUIRED,
    MAX_GUILDS_PER_SESSION,
    OP_DISPATCH,
    OP_HEARTBEAT,
    OP_HEARTBEAT_ACK,
    OP_IDENTIFY,
    TO_BOT,
    FakeDiscord,
)

READ_SECONDS = 5.0


class RawSession:
    """One gateway connection spoken by hand (plain text frames), for what discord.py would never send."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws

    async def identify(self, fake: FakeDiscord, shard: list[int] | None) -> dict[str, Any] | int:
        """IDENTIFY with ``shard``: READY's data, or the close code the fake answered with."""
        data: dict[str, Any] = {"token": fake.token, "intents": 1, "properties": {}}
        if shard is not None:
            data["shard"] = shard
        await self.ws.send_json({"op": OP_IDENTIFY, "d": data})
        async with asyncio.timeout(READ_SECONDS):
            async for message in self.ws:
                if message.type is aiohttp.WSMsgType.TEXT:
                    payload = message.json()
                    if payload["op"] == OP_DISPATCH and payload["t"] == "READY":
                        ready: dict[str, Any] = payload["d"]
                        return ready
        assert self.ws.close_code is not None
        return self.ws.close_code


@asynccontextmanager
async def raw_gateway(fake: FakeDiscord) -> AsyncIterator[RawSession]:
    async with aiohttp.ClientSession() as http, http.ws_connect(fake.gateway_url + "?v=10&encoding=json") as ws:
        hello = await ws.receive_json(timeout=READ_SECONDS)
        assert hello["op"] == 10
        yield RawSession(ws)


async def identify_once(fake: FakeDiscord, shard: list[int] | None) -> dict[str, Any] | int:
    async with raw_gateway(fake) as session:
        return await session.identify(fake, shard)


def ready_guild_ids(ready: dict[str, Any] | int) -> set[int]:
    assert isinstance(ready, dict), f"closed with {ready}"
    return {int(guild["id"]) for guild in ready["guilds"]}


async def gateway_bot(fake: FakeDiscord) -> dict[str, Any]:
    headers = {"Authorization": f"Bot {fake.token}"}
    async with aiohttp.ClientSession() as http, http.get(fake.api_base + "/gateway/bot", headers=headers) as reply:
        body: dict[str, Any] = await reply.json()
        return body


def add_guilds(fake: FakeDiscord, count: int) -> None:
    for number in range(count):
        fake.add_guild(f"Guild {number}")


async def test_gateway_bot_recommends_a_shard_per_thousand_guilds(fake_discord: FakeDiscord) -> None:
    add_guilds(fake_discord, MAX_GUILDS_PER_SESSION)  # with the fake's own guild: 2,501

    assert (await gateway_bot(fake_discord))["shards"] == 3


async def test_gateway_bot_reports_the_session_start_limit(fake_discord: FakeDiscord) -> None:
    fake_discord.max_concurrency = 16
    await identify_once(fake_discord, None)

    limit = (await gateway_bot(fake_discord))["session_start_limit"]

    assert (limit["total"], limit["remaining"], limit["max_concurrency"]) == (1000, 999, 16)
    assert limit["reset_after"] > 0


async def test_a_shard_gets_only_the_guilds_of_its_shard(fake_discord: FakeDiscord) -> None:
    on_zero = fake_discord.add_guild("Zero", shard=(0, 2))
    on_one = fake_discord.add_guild("One", shard=(1, 2))

    ready = await identify_once(fake_discord, [1, 2])

    assert on_one in ready_guild_ids(ready)
    assert on_zero not in ready_guild_ids(ready)


async def test_unsharded_identify_of_a_bot_in_2500_guilds_is_closed_4011(fake_discord: FakeDiscord) -> None:
    add_guilds(fake_discord, MAX_GUILDS_PER_SESSION - 1)  # with the fake's own guild: 2,500

    assert await identify_once(fake_discord, None) == CLOSE_SHARDING_REQUIRED


async def test_unsharded_identify_of_a_bot_in_2499_guilds_is_ready(fake_discord: FakeDiscord) -> None:
    add_guilds(fake_discord, MAX_GUILDS_PER_SESSION - 2)

    assert len(ready_guild_ids(await identify_once(fake_discord, None))) == MAX_GUILDS_PER_SESSION - 1


async def test_a_shard_id_beyond_the_count_is_closed_4010(fake_discord: FakeDiscord) -> None:
    assert await identify_once(fake_discord, [2, 2]) == CLOSE_INVALID_SHARD


async def test_a_count_other_than_the_live_sessions_is_closed_4010(fake_discord: FakeDiscord) -> None:
    async with raw_gateway(fake_discord) as first:
        ready_guild_ids(await first.identify(fake_discord, [0, 2]))

        assert await identify_once(fake_discord, [1, 3]) == CLOSE_INVALID_SHARD


async def test_a_count_is_free_again_once_the_other_sessions_are_gone(fake_discord: FakeDiscord) -> None:
    await identify_once(fake_discord, [0, 2])

    assert isinstance(await identify_once(fake_discord, [1, 3]), dict)


async def test_an_interaction_goes_to_the_session_of_its_guilds_shard(fake_discord: FakeDiscord) -> None:
    guild_id = fake_discord.add_guild("One", shard=(1, 2))
    channel = fake_discord.add_channel("news", guild_id=guild_id)
    async with raw_gateway(fake_discord) as zero, raw_gateway(fake_discord) as one:
        ready_guild_ids(await zero.identify(fake_discord, [0, 2]))
        ready_guild_ids(await one.identify(fake_discord, [1, 2]))
        await fake_discord.send_slash_command("echo", {"text": "hi"}, channel_id=int(channel["id"]))

    sent = [frame for frame in fake_discord.frames if frame.direction == TO_BOT and frame.event == "INTERACTION_CREATE"]
    shards = {frame.connection: frame.data["shard"] for frame in fake_discord.frames if frame.event == "READY"}
    assert [shards[frame.connection] for frame in sent] == [[1, 2]]


async def test_a_heartbeat_is_answered_while_a_shards_guilds_are_still_being_sent(fake_discord: FakeDiscord) -> None:
    add_guilds(fake_discord, 1_000)
    async with raw_gateway(fake_discord) as session:
        ready_guild_ids(await session.identify(fake_discord, None))
        await session.ws.send_json({"op": OP_HEARTBEAT, "d": 1})
        guilds_before_ack = 0
        async with asyncio.timeout(READ_SECONDS):
            async for message in session.ws:
                payload = message.json()
                if payload["op"] == OP_HEARTBEAT_ACK:
                    break
                guilds_before_ack += payload.get("t") == "GUILD_CREATE"

    assert guilds_before_ack < 1_000

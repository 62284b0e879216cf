"""Shared by the tests of the fake's threads, forums, publishing and mentions: a plain discord.py client
connected to the fake (its channels added first: GUILD_CREATE carries them), and raw calls for what
discord.py would not send."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import discord

from newsbrief_testkit.fake_discord import FakeDiscord, running_client

GUILD_READY_TIMEOUT = 0.1


@asynccontextmanager
async def connected(fake: FakeDiscord) -> AsyncIterator[discord.Client]:
    """A discord.py client with the guilds intent, logged in to the fake until the block ends."""
    intents = discord.Intents.none()
    intents.guilds = True
    client = discord.Client(intents=intents, guild_ready_timeout=GUILD_READY_TIMEOUT)
    async with running_client(client, fake):
        yield client


def channel_of(client: discord.Client, channel: dict[str, Any]) -> Any:
    """The client's cached channel for a payload the fake returned from add_channel or add_forum."""
    found = client.get_channel(int(channel["id"]))
    assert found is not None
    return found


async def call_as_bot(fake: FakeDiscord, method: str, path: str, body: object = None) -> tuple[int, Any]:
    """One raw request with the bot's token: for bodies discord.py would not send, and answers it would retry."""
    headers = {"Authorization": f"Bot {fake.token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, fake.api_base + path, json=body, headers=headers) as response,
    ):
        return response.status, await response.json()

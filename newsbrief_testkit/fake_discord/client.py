"""Pointing the real discord.py client at a fake, and running it there for the length of a test."""

# Test helpers take `timeout=` like asyncio.wait_for does.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator

import discord
import discord.gateway
import discord.http
import yarl

from .fake import FakeDiscord
from .limits import API_PREFIX, DEFAULT_WAIT_SECONDS, GATEWAY_PATH


@contextlib.contextmanager
def point_discord_at(fake: FakeDiscord) -> Iterator[FakeDiscord]:
    """Point discord.py's REST base and gateway at ``fake``; restore both afterwards."""
    with point_discord_at_address(fake.base_url):
        yield fake


@contextlib.contextmanager
def point_discord_at_address(base_url: str) -> Iterator[None]:
    """Point discord.py at the fake serving ``base_url`` (its ``fake.base_url``, ``http://127.0.0.1:port``).

    For a bot in another process, which has the address but not the FakeDiscord. discord.py reads these
    class attributes when it builds a route and when the gateway connects, so they must be set before
    login. The originals are restored even if the code under test changed them meanwhile.
    """
    address = yarl.URL(base_url)
    original_base = discord.http.Route.BASE
    original_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = str(address.with_path(API_PREFIX))
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = address.with_scheme("ws").with_path(GATEWAY_PATH)
    try:
        yield
    finally:
        discord.http.Route.BASE = original_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = original_gateway


@contextlib.asynccontextmanager
async def running_client(
    client: discord.Client, fake: FakeDiscord, *, timeout: float = DEFAULT_WAIT_SECONDS
) -> AsyncIterator[discord.Client]:
    """Log ``client`` in to ``fake``, connect, and wait for on_ready; close it and its task on exit.

    discord.py must already point at the fake (point_discord_at). An error of the client's connect task
    is raised here, at start or on exit.
    """
    connect_task: asyncio.Task[None] | None = None
    try:
        await client.login(fake.token)
        connect_task = asyncio.create_task(client.connect(), name="fake-discord-client")
        ready_task = asyncio.create_task(client.wait_until_ready())
        done, _ = await asyncio.wait({connect_task, ready_task}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if ready_task not in done:
            ready_task.cancel()
            if connect_task in done:
                connect_task.result()
            raise TimeoutError(f"client not ready within {timeout}s")
        yield client
    finally:
        await client.close()
        outcome = await asyncio.gather(connect_task, return_exceptions=True) if connect_task else [None]
    if isinstance(outcome[0], BaseException):
        raise outcome[0]

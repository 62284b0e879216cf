"""Fixtures for end-to-end tests: a running fake Discord, and discord.py pointed at it."""

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.client import NewsBot
from bot.digests import Clock, utc_now
from bot.launcher import open_resources
from bot.settings import Settings
from newsbrief_testkit.fake_discord import (
    FakeDiscord,
    FakeInteraction,
    RecordedRequest,
    point_discord_at,
    running_client,
)

EPHEMERAL = 64
CALLBACK_MESSAGE = 4


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """A FakeDiscord serving on 127.0.0.1 (free port) for one test, stopped after it."""
    fake = await FakeDiscord.start()
    try:
        yield fake
    finally:
        await fake.close()


@pytest.fixture
def discord_pointed_at_fake(fake_discord: FakeDiscord) -> Iterator[FakeDiscord]:
    """The same fake, with discord.py's REST base and gateway URL set to it and restored after the test."""
    with point_discord_at(fake_discord):
        yield fake_discord


# --- the newsbrief bot against the fake -----------------------------------------------------------


@pytest.fixture
def fake(discord_pointed_at_fake: FakeDiscord) -> FakeDiscord:
    return discord_pointed_at_fake


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "fetch_allow_private": True,
            "pipeline_processes": 0,
            "brief_processes": 0,
            "data_dir": tmp_path / "data",
            "database_url": f"sqlite+aiosqlite:///{tmp_path / 'data' / 'newsbrief.db'}",
            "fetch_timeout_seconds": 10,
        }
        return Settings(_env_file=None, **(values | overrides))

    return make


@asynccontextmanager
async def running_news_bot(
    fake: FakeDiscord, settings: Settings, *, clock: Clock = utc_now, **options: Any
) -> AsyncIterator[NewsBot]:
    """The bot as the launcher starts it (its resources opened first, closed last), connected to `fake`."""
    async with open_resources(settings, clock=clock) as resources:
        bot = NewsBot(settings, resources, guild_ready_timeout=0.1, **options)
        async with running_client(bot, fake):
            yield bot


@pytest.fixture
async def news_bot(fake: FakeDiscord, make_settings: Callable[..., Settings]) -> AsyncIterator[NewsBot]:
    async with running_news_bot(fake, make_settings()) as bot:
        yield bot


async def embed_answer(fake: FakeDiscord, interaction: FakeInteraction, *, since: int = 0) -> dict[str, Any]:
    followup = await fake.wait_for_followup(interaction, status=200, since=since, timeout=15)
    embed: dict[str, Any] = followup.json["embeds"][0]
    return embed


async def private_reply(fake: FakeDiscord, interaction: FakeInteraction) -> str:
    """The text of an answer only the user sees: a direct reply, or a follow-up after a deferral."""
    callback = await fake.wait_for_callback(interaction, status=200, timeout=15)
    if callback.json["type"] == CALLBACK_MESSAGE:
        assert callback.json["data"]["flags"] & EPHEMERAL
        return str(callback.json["data"]["content"])
    followup: RecordedRequest = await fake.wait_for_request(
        "POST",
        rf"/webhooks/{fake.application_id}/{interaction.token}",
        status=200,
        predicate=lambda request: bool(request.json.get("content")),
        timeout=15,
    )
    assert followup.json["flags"] & EPHEMERAL
    return str(followup.json["content"])

"""Fixtures for end-to-end tests: a running fake Discord, and discord.py pointed at it."""

from collections.abc import AsyncIterator, Iterator

import pytest

from .fake_discord import FakeDiscord, point_discord_at


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

"""Fixtures shared across the suite: the local news site, the newsroom digest tests work in, and the
resources a bot that does not connect runs on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.client import BotResources
from bot.launcher import open_resources
from bot.settings import Settings
from bot.store import Store
from tests.local_site import LocalSite
from tests.newsroom import Newsroom, open_newsroom, open_test_store
from tests.store.conftest import BACKENDS


@pytest.fixture
async def local_site() -> AsyncIterator[LocalSite]:
    """A news site on 127.0.0.1 that serves whatever pages a test adds."""
    site = LocalSite()
    await site.start()
    yield site
    await site.stop()


@pytest.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """An empty store at the latest schema, on SQLite and on PostgreSQL."""
    async with open_test_store(str(request.param), tmp_path) as opened:
        yield opened


@pytest.fixture
async def newsroom(store: Store, local_site: LocalSite) -> AsyncIterator[Newsroom]:
    """A store, the real pipeline and a recording poster, over news served by the local site."""
    async with open_newsroom(store, local_site) as room:
        yield room


@pytest.fixture
def offline_settings(tmp_path: Path) -> Settings:
    """Settings for a bot that never connects: threads instead of processes, state under tmp_path."""
    return Settings(
        _env_file=None,
        pipeline_processes=0,
        data_dir=tmp_path / "data",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'data' / 'newsbrief.db'}",
    )


@pytest.fixture
async def bot_resources(offline_settings: Settings) -> AsyncIterator[BotResources]:
    """What the launcher opens for the bot (an SQLite store, the fetcher, the pipeline), closed after."""
    async with open_resources(offline_settings) as resources:
        yield resources

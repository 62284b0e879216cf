"""Fixtures shared across the suite: the local news site, and the newsroom digest tests work in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

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

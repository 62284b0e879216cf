"""Store fixtures: every store test runs on an SQLite file and on a real PostgreSQL server.

PostgreSQL comes from TEST_DATABASE_URL (`.ci/postgres start` prints one). Its tables are dropped
before each test, so point it at a database made for testing only.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import create_async_engine

from bot.store import Store, open_store

POSTGRES_SKIP_REASON = "TEST_DATABASE_URL not set: PostgreSQL store tests skipped; .ci/run sets it"
BACKENDS = ["sqlite", "postgresql"]


async def drop_every_table(url: str) -> None:
    """Leave the test database empty, whatever an earlier test or run left in it."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:

            def drop(sync_connection: object) -> None:
                existing = MetaData()
                existing.reflect(sync_connection)  # type: ignore[arg-type]
                existing.drop_all(sync_connection)  # type: ignore[arg-type]

            await connection.run_sync(drop)
    finally:
        await engine.dispose()


def sqlite_url(folder: Path) -> str:
    """An SQLite file in a folder that does not exist yet: opening the store must create both."""
    return f"sqlite+aiosqlite:///{folder / 'data' / 'newsbrief.db'}"


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL for an empty database, once per backend."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path)
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip(POSTGRES_SKIP_REASON)
    await drop_every_table(url)
    return url


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    """A store on a fresh, fully migrated database."""
    opened = await open_store(database_url)
    yield opened
    await opened.close()


@pytest.fixture
async def second_store(database_url: str, store: Store) -> AsyncIterator[Store]:
    """Another store on the same database, as a second bot process would open it."""
    opened = await open_store(database_url)
    yield opened
    await opened.close()

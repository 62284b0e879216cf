"""Store fixtures: every store test runs on an SQLite file and on a real PostgreSQL server.

PostgreSQL comes from TEST_DATABASE_URL (`.ci/postgres start` prints one). Its tables are dropped
before each test, so point it at a database made for testing only.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, MetaData, inspect, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.store import LATEST_VERSION, Delivery, Store, open_store
from bot.store.records import delivery_from_row
from bot.store.tables import deliveries, metadata

POSTGRES_SKIP_REASON = "TEST_DATABASE_URL not set: PostgreSQL store tests skipped; .ci/run sets it"
BACKENDS = ["sqlite", "postgresql"]


async def drop_every_table(url: str) -> None:
    """Leave the test database empty, whatever an earlier test or run left in it."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:

            def drop(sync_connection: Connection) -> None:
                existing = MetaData()
                existing.reflect(sync_connection)
                existing.drop_all(sync_connection)

            await connection.run_sync(drop)
    finally:
        await engine.dispose()


async def empty_postgres(url: str) -> None:
    """Empty every table when the schema is the latest (quick), else drop them all (thorough)."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            tables = set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
            current = (
                tables == set(metadata.tables)
                and await connection.scalar(text("SELECT max(version) FROM schema_version")) == LATEST_VERSION
            )
            if current:
                emptied = ", ".join(sorted(tables - {"schema_version"}))
                await connection.execute(text(f"TRUNCATE {emptied} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()
    if not current:
        await drop_every_table(url)


async def stored_delivery(store: Store, delivery_id: int) -> Delivery | None:
    """The delivery row as it is in the table, or None when it is gone: what tests check after
    claiming, completing or pruning (the app itself reads deliveries only by subscription)."""
    async with store.engine.connect() as connection:
        row = (await connection.execute(select(deliveries).where(deliveries.c.id == delivery_id))).one_or_none()
    return None if row is None else delivery_from_row(row)


def sqlite_url(folder: Path) -> str:
    """An SQLite file in a folder that does not exist yet: opening the store must create both."""
    return f"sqlite+aiosqlite:///{folder / 'data' / 'newsbrief.db'}"


def postgres_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip(POSTGRES_SKIP_REASON)
    return url


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def database_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A URL for an empty database, once per backend; left empty afterwards too."""
    if backend == "sqlite":
        yield sqlite_url(tmp_path)
        return
    url = postgres_url()
    await drop_every_table(url)
    yield url
    await drop_every_table(url)


@pytest.fixture
async def store(backend: str, tmp_path: Path) -> AsyncIterator[Store]:
    """A store on a database at the latest schema, with no rows."""
    if backend == "sqlite":
        url = sqlite_url(tmp_path)
    else:
        url = postgres_url()
        await empty_postgres(url)
    opened = await open_store(url)
    yield opened
    await opened.close()


@pytest.fixture
async def second_store(store: Store) -> AsyncIterator[Store]:
    """Another store on the same database, as a second bot process would open it."""
    opened = await open_store(store.engine.url.render_as_string(hide_password=False))
    yield opened
    await opened.close()

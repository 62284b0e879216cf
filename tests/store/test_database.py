"""Opening the database: the SQLite file and its settings, URLs, times and ids."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection
from sqlalchemy.ext.asyncio import create_async_engine

from bot.store import Store, UnsupportedDatabase, open_store
from bot.store.database import PoolLimits
from tests.store.conftest import empty_postgres, postgres_url, sqlite_url
from tests.store.samples import FEED_URLS, GUILD, MEMBER, NOW


async def test_opening_creates_the_sqlite_file_and_its_folder(tmp_path: Path) -> None:
    store = await open_store(sqlite_url(tmp_path))
    await store.close()
    assert (tmp_path / "data" / "newsbrief.db").is_file()


async def test_sqlite_connections_use_wal_and_foreign_keys(tmp_path: Path) -> None:
    store = await open_store(sqlite_url(tmp_path))
    try:
        async with store.engine.connect() as connection:
            journal = await connection.scalar(text("PRAGMA journal_mode"))
            foreign_keys = await connection.scalar(text("PRAGMA foreign_keys"))
    finally:
        await store.close()
    assert (journal, foreign_keys) == ("wal", 1)


@pytest.mark.parametrize(
    "url",
    ["mysql+aiomysql://bot:secret@127.0.0.1/newsbrief", "sqlite:///data/newsbrief.db", "not a url at all"],
)
async def test_unsupported_database_urls_are_refused(url: str) -> None:
    with pytest.raises(UnsupportedDatabase):
        await open_store(url)


async def test_times_come_back_as_utc(store: Store) -> None:
    paris_morning = datetime(2025, 3, 14, 7, 30, tzinfo=timezone(timedelta(hours=1)))
    added = await store.add_guild_feed(GUILD, FEED_URLS[0], added_by=MEMBER, now=paris_morning)

    (listed,) = await store.list_guild_feeds(GUILD)

    assert listed.added_at == paris_morning == added.added_at
    assert listed.added_at.tzinfo is UTC
    assert listed.feed.created_at.hour == 6


async def test_discord_ids_keep_all_64_bits(store: Store) -> None:
    largest = 2**63 - 1
    await store.add_guild_feed(largest, FEED_URLS[0], added_by=largest - 1, now=NOW)

    (listed,) = await store.list_guild_feeds(largest)

    assert (listed.guild_id, listed.added_by) == (largest, largest - 1)


async def _backend_pid(store: Store) -> int:
    async with store.engine.connect() as connection:
        return int(await connection.scalar(text("SELECT pg_backend_pid()")) or 0)


async def test_a_postgres_connection_dropped_while_idle_is_replaced_before_use() -> None:
    url = postgres_url()
    await empty_postgres(url)
    store = await open_store(url, pool=PoolLimits(size=1, ping_if_idle_seconds=0.05))
    killer = create_async_engine(url)
    try:
        dropped = await _backend_pid(store)
        async with killer.connect() as connection:
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})
        await asyncio.sleep(0.1)

        assert await store.list_guild_feeds(GUILD) == []
        assert await _backend_pid(store) != dropped
    finally:
        await killer.dispose()
        await store.close()


async def test_a_postgres_connection_in_steady_use_is_not_pinged(monkeypatch: pytest.MonkeyPatch) -> None:
    pings: list[object] = []
    ping: Callable[[AsyncAdapt_asyncpg_connection], None] = AsyncAdapt_asyncpg_connection.ping

    def counted_ping(connection: AsyncAdapt_asyncpg_connection) -> None:
        pings.append(connection)
        ping(connection)

    monkeypatch.setattr(AsyncAdapt_asyncpg_connection, "ping", counted_ping)
    url = postgres_url()
    await empty_postgres(url)
    store = await open_store(url, pool=PoolLimits(size=1, ping_if_idle_seconds=60))
    try:
        for _ in range(5):
            await store.list_guild_feeds(GUILD)
    finally:
        await store.close()
    assert pings == []


async def test_reads_hold_a_transaction_on_sqlite_only(store: Store) -> None:
    async with store.reading() as connection:
        await connection.execute(text("SELECT 1"))
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
        in_transaction = driver.in_transaction if store.engine.dialect.name == "sqlite" else driver.is_in_transaction()

    assert in_transaction is (store.engine.dialect.name == "sqlite")

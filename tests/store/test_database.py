"""Opening the database: the SQLite file and its settings, URLs, times and ids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.store import Store, UnsupportedDatabase, open_store
from tests.store.conftest import sqlite_url
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

"""Versioned schema changes: fresh databases, upgrades that keep rows, failures that change nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, insert, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.store import LATEST_VERSION, SchemaTooNew, Store, open_store
from bot.store.database import create_engine
from bot.store.migrations import MIGRATIONS, migrate, schema_version_of
from bot.store.tables import DeliveryKind, metadata, seen_items
from tests.store.samples import CHANNEL, FEED_URLS, GUILD, MEMBER, MORNING, NOW, entry


def _next_add_feed_language(connection: Connection) -> None:
    """A step like a real next version would be: a new column, filled in for the existing rows."""
    connection.execute(text("ALTER TABLE feeds ADD COLUMN language VARCHAR(8)"))
    connection.execute(text("UPDATE feeds SET language = 'en'"))


def _next_that_fails_half_way(connection: Connection) -> None:
    connection.execute(text("CREATE TABLE feed_tags (feed_id INTEGER NOT NULL, tag TEXT NOT NULL)"))
    connection.execute(text("ALTER TABLE feeds ADD COLUMN language VARCHAR(8)"))
    raise RuntimeError("disk full, say")


async def _versions(engine: AsyncEngine) -> list[int]:
    async with engine.connect() as connection:
        return list((await connection.execute(text("SELECT version FROM schema_version ORDER BY version"))).scalars())


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))


async def test_a_new_database_is_at_the_latest_version(database_url: str) -> None:
    store = await open_store(database_url)
    try:
        assert await schema_version_of(store.engine) == LATEST_VERSION == len(MIGRATIONS)
    finally:
        await store.close()


async def test_migrating_again_changes_nothing(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await migrate(engine, now=NOW)
        await migrate(engine, now=NOW)
        assert await _versions(engine) == list(range(1, LATEST_VERSION + 1))
    finally:
        await engine.dispose()


async def test_upgrading_keeps_the_rows(database_url: str) -> None:
    store = await open_store(database_url)
    try:
        followed = await store.add_guild_feed(GUILD, FEED_URLS[0], added_by=MEMBER, now=NOW)
        await store.upsert_seen_items(followed.feed.id, [entry(1), entry(2)], now=NOW)
        subscription = await store.subscribe(
            GUILD, CHANNEL, created_by=MEMBER, local_time=MORNING, timezone="Europe/Berlin", now=NOW
        )
        claim = await store.claim_delivery(subscription.id, NOW.date(), DeliveryKind.SCHEDULED, now=NOW)
        assert claim is not None

        version = await migrate(store.engine, migrations=(*MIGRATIONS, _next_add_feed_language))

        assert version == LATEST_VERSION + 1
        assert await store.list_guild_feeds(GUILD) == [followed]
        assert await store.get_subscription(GUILD, CHANNEL) == subscription
        assert len(await store.undelivered_items(subscription.id, since=NOW)) == 2
        assert await store.claim_delivery(subscription.id, NOW.date(), DeliveryKind.SCHEDULED, now=NOW) is None
        async with store.engine.connect() as connection:
            languages = (await connection.execute(text("SELECT language FROM feeds"))).scalars().all()
        assert languages == ["en"]
    finally:
        await store.close()


async def test_a_version_1_database_upgrades_to_keep_item_summaries(database_url: str) -> None:
    engine = create_engine(database_url)
    assert await migrate(engine, migrations=MIGRATIONS[:1], now=NOW) == 1
    store = Store(engine)
    try:
        followed = await store.add_guild_feed(GUILD, FEED_URLS[0], added_by=MEMBER, now=NOW)
        subscription = await store.subscribe(
            GUILD, CHANNEL, created_by=MEMBER, local_time=MORNING, timezone="Europe/Berlin", now=NOW
        )
        old = entry(1)
        async with engine.begin() as connection:  # an item as version 1 stored it: no summary
            await connection.execute(
                insert(seen_items).values(
                    feed_id=followed.feed.id,
                    item_key=old.key,
                    link=old.link,
                    title=old.title,
                    published_at=old.published,
                    first_seen_at=NOW,
                )
            )
        claim = await store.claim_delivery(subscription.id, NOW.date(), DeliveryKind.SCHEDULED, now=NOW)
        assert claim is not None

        assert await migrate(engine, now=NOW) == LATEST_VERSION == 2

        await store.upsert_seen_items(followed.feed.id, [entry(2)], now=NOW)
        items = {item.key: item for item in await store.undelivered_items(subscription.id, since=NOW)}
        assert (items[old.key].title, items[old.key].summary, items[old.key].authors) == (old.title, "", ())
        assert items[entry(2).key].summary == entry(2).summary
        assert await store.list_guild_feeds(GUILD) == [followed]
        assert await store.get_subscription(GUILD, CHANNEL) == subscription
        assert await store.claim_delivery(subscription.id, NOW.date(), DeliveryKind.SCHEDULED, now=NOW) is None
    finally:
        await engine.dispose()


async def test_a_failed_upgrade_leaves_the_database_as_it_was(database_url: str) -> None:
    store = await open_store(database_url)
    try:
        followed = await store.add_guild_feed(GUILD, FEED_URLS[0], added_by=MEMBER, now=NOW)

        with pytest.raises(RuntimeError, match="disk full"):
            await migrate(store.engine, migrations=(*MIGRATIONS, _next_that_fails_half_way))

        assert await _versions(store.engine) == list(range(1, LATEST_VERSION + 1))
        assert "feed_tags" not in await _tables(store.engine)
        assert await store.list_guild_feeds(GUILD) == [followed]
        # The half-made column is gone too, so the real step can still add it.
        assert await migrate(store.engine, migrations=(*MIGRATIONS, _next_add_feed_language)) == LATEST_VERSION + 1
    finally:
        await store.close()


async def test_a_database_newer_than_the_code_is_refused(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await migrate(engine, migrations=(*MIGRATIONS, _next_add_feed_language))
    finally:
        await engine.dispose()

    with pytest.raises(SchemaTooNew, match=f"version {LATEST_VERSION + 1}"):
        await open_store(database_url)


async def test_processes_starting_together_migrate_once(database_url: str) -> None:
    first, second = await asyncio.gather(open_store(database_url), open_store(database_url))
    try:
        assert await _versions(first.engine) == list(range(1, LATEST_VERSION + 1))
    finally:
        await first.close()
        await second.close()


def _options(index: Any) -> tuple[tuple[str, str], ...]:
    """An index's dialect options (a partial index's WHERE), as text."""
    return tuple(sorted((name, str(value)) for name, value in (index.get("dialect_options") or {}).items()))


def _describe(connection: Connection, schema: str | None) -> dict[str, Any]:
    """The schema as the database reports it, in a form two databases can be compared in."""
    inspector = inspect(connection)
    described: dict[str, Any] = {}
    for table in sorted(inspector.get_table_names(schema=schema)):
        columns = [
            (
                column["name"],
                str(column["type"]),
                getattr(column["type"], "timezone", None),
                column["nullable"],
                column.get("default") is not None,
            )
            for column in inspector.get_columns(table, schema=schema)
        ]
        foreign_keys = sorted(
            (
                key["name"],
                tuple(key["constrained_columns"]),
                key["referred_table"],
                tuple(key["referred_columns"]),
                (key.get("options") or {}).get("ondelete"),
            )
            for key in inspector.get_foreign_keys(table, schema=schema)
        )
        indexes = sorted(
            (index["name"], tuple(index["column_names"]), bool(index["unique"]), _options(index))
            for index in inspector.get_indexes(table, schema=schema)
        )
        uniques = sorted(
            (unique["name"], tuple(unique["column_names"]))
            for unique in inspector.get_unique_constraints(table, schema=schema)
        )
        checks = sorted(str(check["name"]) for check in inspector.get_check_constraints(table, schema=schema))
        primary_key = inspector.get_pk_constraint(table, schema=schema)["constrained_columns"]
        described[table] = {
            "columns": columns,
            "primary_key": primary_key,
            "foreign_keys": foreign_keys,
            "indexes": indexes,
            "uniques": uniques,
            "checks": checks,
        }
    return described


async def test_the_migrations_build_exactly_the_tables_module(database_url: str, tmp_path: Path) -> None:
    """tables.py (what the queries use) and the migrations (what databases get) must not drift."""
    migrated_engine = create_engine(database_url)
    await migrate(migrated_engine)
    if migrated_engine.dialect.name == "sqlite":
        expected_engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'expected.db'}")
        schema = None
    else:
        expected_engine = create_async_engine(database_url)
        schema = "expected_schema"
    try:
        async with expected_engine.begin() as connection:
            if schema:
                await connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
                await connection.execute(text(f"CREATE SCHEMA {schema}"))
                connection = await connection.execution_options(schema_translate_map={None: schema})
            await connection.run_sync(metadata.create_all)
        async with expected_engine.connect() as connection:
            expected = await connection.run_sync(_describe, schema)
        async with migrated_engine.connect() as connection:
            migrated = await connection.run_sync(_describe, None)
        assert migrated == expected
    finally:
        if schema:
            async with expected_engine.begin() as connection:
                await connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        await expected_engine.dispose()
        await migrated_engine.dispose()

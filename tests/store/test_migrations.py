"""Versioned schema changes: fresh databases, upgrades that keep rows, failures that change nothing."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, Connection, column, insert, inspect, select, text, update
from sqlalchemy import table as sql_table
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.editions import EVERY_DAY
from bot.news.filters import DEFAULT_STORY_FILTER, StoryFilter
from bot.store import LATEST_VERSION, ItemRef, SchemaTooNew, Store, open_store
from bot.store.database import create_engine
from bot.store.migrations import (
    MIGRATIONS,
    UPGRADE_CATCH_UP,
    _v10_story_filters,
    _v11_item_images,
    _v12_live_posts,
    migrate,
    schema_version_of,
)
from bot.store.tables import DeliveryKind, UTCDateTime, feeds, guild_feeds, metadata, seen_items, subscriptions
from bot.targets import DeliveryTarget, TargetKind
from tests.store.conftest import stored_delivery
from tests.store.samples import CHANNEL, FEED_URLS, GUILD, MEMBER, MORNING, NOW, OTHER_CHANNEL, Entry, entry


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


async def _follow_as_stored_then(engine: AsyncEngine, *, last_success_at: datetime | None = None) -> int:
    """A followed feed inserted column by column, as an older schema (without later columns) takes it."""
    async with engine.begin() as connection:
        feed_id = await connection.scalar(
            insert(feeds)
            .values(
                url=FEED_URLS[0],
                consecutive_failures=0,
                next_check_at=NOW,
                created_at=NOW - timedelta(days=90),
                last_success_at=last_success_at,
            )
            .returning(feeds.c.id)
        )
        await connection.execute(
            insert(guild_feeds).values(guild_id=GUILD, feed_id=feed_id, added_by=MEMBER, added_at=NOW)
        )
    assert isinstance(feed_id, int)
    return feed_id


async def _store_as_version_2(engine: AsyncEngine, feed_id: int, item: Entry, *, first_seen_at: datetime) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            insert(seen_items).values(
                feed_id=feed_id,
                item_key=item.key,
                link=item.link,
                title=item.title,
                published_at=item.published,
                first_seen_at=first_seen_at,
                summary=item.summary,
            )
        )


async def _claim_as_stored_then(
    engine: AsyncEngine, subscription_id: int, *, claimed_at: datetime = NOW, status: str = "claimed"
) -> int:
    """A scheduled delivery of NOW's date inserted as versions 1 to 3 stored it: no lease, no start."""
    as_stored = sql_table(
        "deliveries",
        column("id"),
        column("subscription_id"),
        column("local_date"),
        column("kind"),
        column("status"),
        column("attempt"),
        column("claimed_at", UTCDateTime),
        column("posted_message_ids", JSON),
    )
    async with engine.begin() as connection:
        delivery_id = await connection.scalar(
            insert(as_stored)
            .values(
                subscription_id=subscription_id,
                local_date=NOW.date(),
                kind="scheduled",
                status=status,
                attempt=1,
                claimed_at=claimed_at,
                posted_message_ids=[],
            )
            .returning(as_stored.c.id)
        )
    assert isinstance(delivery_id, int)
    return delivery_id


async def _last_listed(engine: AsyncEngine) -> dict[str, datetime | None]:
    async with engine.connect() as connection:
        rows = await connection.execute(select(seen_items.c.item_key, seen_items.c.last_listed_at))
        return {row.item_key: row.last_listed_at for row in rows}


async def _subscribe_as_stored_then(engine: AsyncEngine, *, channel_id: int = CHANNEL) -> int:
    """A subscription as versions before 5 stored it, without a locale (the Store writes one)."""
    async with engine.begin() as connection:
        made = await connection.execute(
            insert(subscriptions)
            .values(
                guild_id=GUILD,
                channel_id=channel_id,
                local_time=MORNING,
                timezone="Europe/Berlin",
                all_feeds=True,
                max_stories=10,
                keywords=[],
                created_at=NOW,
                created_by=MEMBER,
            )
            .returning(subscriptions.c.id)
        )
        return int(made.scalar_one())


async def test_a_version_1_database_upgrades_to_keep_item_summaries(database_url: str) -> None:
    engine = create_engine(database_url)
    assert await migrate(engine, migrations=MIGRATIONS[:1], now=NOW) == 1
    store = Store(engine)
    try:
        feed_id = await _follow_as_stored_then(engine)
        subscription_id = await _subscribe_as_stored_then(engine)
        old = entry(1)
        async with engine.begin() as connection:  # an item as version 1 stored it: no summary
            await connection.execute(
                insert(seen_items).values(
                    feed_id=feed_id,
                    item_key=old.key,
                    link=old.link,
                    title=old.title,
                    published_at=old.published,
                    first_seen_at=NOW,
                )
            )
        await _claim_as_stored_then(engine, subscription_id)

        assert await migrate(engine, migrations=MIGRATIONS[:2], now=NOW) == 2
        assert await migrate(engine, now=NOW) == LATEST_VERSION

        await store.upsert_seen_items(feed_id, [old, entry(2)], now=NOW)
        items = {item.key: item for item in await store.undelivered_items(subscription_id, since=NOW)}
        assert (items[old.key].title, items[old.key].summary, items[old.key].authors) == (old.title, "", ())
        assert items[entry(2).key].summary == entry(2).summary
        assert [followed.feed.url for followed in await store.list_guild_feeds(GUILD)] == [FEED_URLS[0]]
        upgraded = await store.get_subscription(GUILD, CHANNEL)
        assert upgraded is not None
        assert (upgraded.id, upgraded.timezone, upgraded.locale) == (subscription_id, "Europe/Berlin", None)
        assert await store.claim_delivery(subscription_id, NOW.date(), DeliveryKind.SCHEDULED, now=NOW) is None
    finally:
        await engine.dispose()


async def test_a_version_2_database_upgrades_keeping_its_rows_and_counting_items_listed(database_url: str) -> None:
    engine = create_engine(database_url)
    assert await migrate(engine, migrations=MIGRATIONS[:2], now=NOW) == 2
    store = Store(engine)
    try:
        fetched_at = NOW - timedelta(hours=1)
        feed_id = await _follow_as_stored_then(engine, last_success_at=fetched_at)
        subscription_id = await _subscribe_as_stored_then(engine)
        early, recent = entry(1), entry(2)
        await _store_as_version_2(engine, feed_id, early, first_seen_at=NOW - timedelta(days=60))
        await _store_as_version_2(engine, feed_id, recent, first_seen_at=NOW - timedelta(minutes=30))
        await store.record_delivered_items(subscription_id, [ItemRef(feed_id, early.key)], now=NOW - timedelta(days=59))
        await _claim_as_stored_then(engine, subscription_id)

        assert await migrate(engine, migrations=MIGRATIONS[:3], now=NOW) == 3
        assert await migrate(engine, now=NOW) == LATEST_VERSION

        # Listed, for all the upgrade knows, until the feed's last fetch; or since first seen, if later.
        assert await _last_listed(engine) == {early.key: fetched_at, recent.key: NOW - timedelta(minutes=30)}
        (followed,) = await store.list_guild_feeds(GUILD)
        assert (followed.feed.id, followed.feed.last_success_at) == (feed_id, fetched_at)
        upgraded = await store.get_subscription(GUILD, CHANNEL)
        assert upgraded is not None
        assert (upgraded.id, upgraded.timezone, upgraded.locale) == (subscription_id, "Europe/Berlin", None)
        assert await store.claim_delivery(subscription_id, NOW.date(), DeliveryKind.SCHEDULED, now=NOW) is None
        assert [item.key for item in await store.undelivered_items(subscription_id, since=NOW - timedelta(days=1))] == [
            recent.key
        ]
        # Until the feed's next listing nothing of it is pruned, however long the wait.
        assert (await store.prune_history(retention=timedelta(days=30), now=NOW + timedelta(days=90))).seen_items == 0
        # Listed again, the early item is not new, and counts as listed from then on.
        assert await store.upsert_seen_items(feed_id, [early], now=NOW + timedelta(days=90)) == []
        assert (await _last_listed(engine))[early.key] == NOW + timedelta(days=90)
        # The recent item, which that listing lacks, goes; the early one and what was sent of it stay.
        pruned = await store.prune_history(retention=timedelta(days=30), now=NOW + timedelta(days=90))
        assert (pruned.seen_items, pruned.delivered_items) == (1, 0)
        assert list(await _last_listed(engine)) == [early.key]
    finally:
        await engine.dispose()


async def test_a_version_3_database_upgrades_keeping_open_claims_for_their_old_stale_time(database_url: str) -> None:
    engine = create_engine(database_url)
    assert await migrate(engine, migrations=MIGRATIONS[:3], now=NOW) == 3
    store = Store(engine)
    try:
        subscription_id = await _subscribe_as_stored_then(engine)
        posted_subscription_id = await _subscribe_as_stored_then(engine, channel_id=OTHER_CHANNEL)
        held = await _claim_as_stored_then(engine, subscription_id, claimed_at=NOW - timedelta(minutes=5))
        posted = await _claim_as_stored_then(engine, posted_subscription_id, status="posted")

        assert await migrate(engine, migrations=MIGRATIONS[:4], now=NOW) == 4
        assert await migrate(engine, now=NOW) == LATEST_VERSION

        open_claim = await stored_delivery(store, held)
        done = await stored_delivery(store, posted)
        assert open_claim is not None
        assert done is not None
        assert (open_claim.started_at, open_claim.lease_expires_at) == (
            NOW - timedelta(minutes=5),
            NOW + timedelta(minutes=10),
        )
        assert (done.started_at, done.lease_expires_at) == (NOW, None)
        # The older process that holds the open claim does not renew it: it keeps its 15 minutes.
        day = NOW.date()
        assert await store.claim_delivery(subscription_id, day, DeliveryKind.SCHEDULED, now=NOW) is None
        stale = NOW + timedelta(minutes=10)
        taken = await store.claim_delivery(subscription_id, day, DeliveryKind.SCHEDULED, now=stale)
        assert taken is not None
        assert (taken.delivery_id, taken.attempt, taken.started_at) == (held, 2, NOW - timedelta(minutes=5))
        later = NOW + timedelta(hours=1)
        assert await store.claim_delivery(posted_subscription_id, day, DeliveryKind.SCHEDULED, now=later) is None
    finally:
        await engine.dispose()


async def test_a_version_5_database_upgrades_each_daily_time_to_an_edition_keeping_its_deliveries(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    assert await migrate(engine, migrations=MIGRATIONS[:5], now=NOW) == 5
    store = Store(engine)
    try:
        subscription_id = await _subscribe_as_stored_then(engine)
        posted = await _claim_as_stored_then(engine, subscription_id, status="posted")
        before = datetime.now(UTC)

        assert await migrate(engine, now=NOW) == LATEST_VERSION

        subscription = await store.subscription_by_id(subscription_id)
        assert subscription is not None
        assert (subscription.edition_times, subscription.local_time, subscription.weekdays) == (
            (MORNING,),
            MORNING,
            EVERY_DAY,
        )
        # Its first edition from an hour before the upgrade: one missed just now is still due.
        assert subscription.next_edition_at == subscription.schedule.first_from(before - UPGRADE_CATCH_UP).at
        delivery = await stored_delivery(store, posted)
        assert delivery is not None
        assert delivery.edition_time == MORNING
        # The delivery posted before the upgrade holds its edition's key.
        assert await store.claim_delivery(subscription_id, NOW.date(), DeliveryKind.SCHEDULED, now=NOW) is None
    finally:
        await engine.dispose()


async def test_a_version_8_database_upgrades_every_digest_to_post_in_its_channel_as_before(database_url: str) -> None:
    engine = create_engine(database_url)
    assert await migrate(engine, migrations=MIGRATIONS[:8], now=NOW) == 8
    store = Store(engine)
    try:
        subscription_id = await _subscribe_as_stored_then(engine)

        assert await migrate(engine, now=NOW) == LATEST_VERSION

        subscription = await store.subscription_by_id(subscription_id)
        assert subscription is not None
        assert subscription.target == DeliveryTarget(channel_id=CHANNEL, kind=TargetKind.CHANNEL)
        assert (subscription.publish, subscription.ping_role_id) == (False, None)
    finally:
        await engine.dispose()


async def test_subscriptions_from_before_live_posts_stay_editions_with_ten_posts_an_hour(database_url: str) -> None:
    before_live = MIGRATIONS.index(_v12_live_posts)
    engine = create_engine(database_url)
    assert await migrate(engine, migrations=MIGRATIONS[:before_live], now=NOW) == before_live
    try:
        subscription_id = await _subscribe_as_stored_then(engine)

        await migrate(engine, now=NOW)

        async with engine.connect() as connection:
            row = (
                await connection.execute(
                    select(subscriptions.c.mode, subscriptions.c.hourly_cap).where(
                        subscriptions.c.id == subscription_id
                    )
                )
            ).one()
        assert (row.mode, row.hourly_cap) == ("edition", 10)
    finally:
        await engine.dispose()


BEFORE_STORY_FILTERS = MIGRATIONS.index(_v10_story_filters)
"""The version before the story filters' step (its place in the list: other steps may come before it)."""


async def test_a_database_before_story_filters_upgrades_every_subscription_to_the_default_rules(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    assert await migrate(engine, migrations=MIGRATIONS[:BEFORE_STORY_FILTERS], now=NOW) == BEFORE_STORY_FILTERS
    store = Store(engine)
    try:
        subscription_id = await _subscribe_as_stored_then(engine)
        async with engine.begin() as connection:
            await connection.execute(update(subscriptions).values(keywords=["harbour"]))

        assert await migrate(engine, now=NOW) == LATEST_VERSION

        upgraded = await store.subscription_by_id(subscription_id)
        assert upgraded is not None
        assert (upgraded.story_filter, upgraded.keywords) == (DEFAULT_STORY_FILTER, ("harbour",))
        rules = StoryFilter(include=("tunnel",), exclude=("toll",), max_per_outlet=2, min_outlets=2)
        replaced = await store.subscribe(
            GUILD, CHANNEL, created_by=MEMBER, local_time=MORNING, timezone="UTC", story_filter=rules, replace=True
        )
        assert (replaced.id, replaced.story_filter) == (subscription_id, rules)
    finally:
        await engine.dispose()


async def test_items_stored_before_item_images_upgrade_without_a_picture(database_url: str) -> None:
    engine = create_engine(database_url)
    before_images = MIGRATIONS.index(_v11_item_images)
    assert await migrate(engine, migrations=MIGRATIONS[:before_images], now=NOW) == before_images
    store = Store(engine)
    try:
        feed_id = await _follow_as_stored_then(engine)
        await _store_as_version_2(engine, feed_id, entry(1), first_seen_at=NOW)

        assert await migrate(engine, now=NOW) == LATEST_VERSION

        subscription = await store.subscribe(
            GUILD, CHANNEL, created_by=MEMBER, local_time=MORNING, timezone="Europe/Berlin", now=NOW
        )
        (item,) = await store.undelivered_items(subscription.id, since=NOW)
        assert (item.title, item.image) == (entry(1).title, None)
        pictured = replace(entry(2), image="https://cdn.example-news.org/2.jpg")
        await store.upsert_seen_items(feed_id, [pictured], now=NOW)
        items = await store.undelivered_items(subscription.id, since=NOW)
        assert {item.title: item.image for item in items} == {entry(1).title: None, pictured.title: pictured.image}
    finally:
        await engine.dispose()


@pytest.mark.parametrize("rule", [{"min_outlets": 0}, {"max_per_outlet": -1}])
async def test_the_database_refuses_an_impossible_rule(database_url: str, rule: dict[str, int]) -> None:
    store = await open_store(database_url)
    try:
        await store.subscribe(GUILD, CHANNEL, created_by=MEMBER, local_time=MORNING, timezone="UTC", now=NOW)
        with pytest.raises(IntegrityError):
            async with store.engine.begin() as connection:
                await connection.execute(update(subscriptions).values(**rule))
    finally:
        await store.close()


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

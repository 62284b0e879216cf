"""Versioned schema changes that keep the data: an ordered list of steps, applied at start.

Why not alembic: newsbrief upgrades itself when it starts, on SQLite or PostgreSQL, with no operator
step. Alembic would add a dependency, an ini file and an env.py, and run the same `run_sync` we use
here; what it does best (autogenerating diffs) is a development convenience, not a run-time need.
A plain list is a few dozen lines that the tests cover whole:

- `schema_version` holds one row per applied step; the highest is the schema's version.
- `migrate()` runs, in ONE transaction, every step above that version, recording each. Both
  backends have transactional DDL (SQLite through the explicit BEGIN that `database.py` sets up),
  so an upgrade that fails half-way leaves the database exactly as it was.
- Two processes starting together take turns: an advisory lock on PostgreSQL, the write lock that
  every SQLite transaction begins with.
- A database newer than the code is refused rather than used with a schema the code does not know.

Rules for a new step: append it, never edit an applied one (databases out there already ran it), and
write it against the tables *as they were*, not against `tables.py`, which is the latest version.
SQLite's ALTER TABLE adds, renames and drops columns; anything more (a new constraint on an existing
table) means creating the new table, copying the rows and renaming, inside the step.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Connection,
    Date,
    Double,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
    bindparam,
    false,
    func,
    insert,
    select,
    table,
    text,
    update,
)
from sqlalchemy import column as sql_column
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.editions import EVERY_DAY, EditionSchedule
from bot.store.database import lock_for_transaction
from bot.store.tables import (
    LOCALE_LENGTH,
    NAMING_CONVENTION,
    DiscordId,
    SurrogateKey,
    UTCDateTime,
    schema_version,
)

LOGGER = logging.getLogger(__name__)

MIGRATION_LOCK_KEY = 0x6E65_7773_6272_6965
"""PostgreSQL advisory lock held while migrating ("newsbrie" in ASCII). Guild ids are the other keys
locked; as snowflakes they reach this value around 2075, and a clash would only make two
transactions take turns."""

Migration = Callable[[Connection], None]
"""One step: given a connection inside the upgrade's transaction, change the schema (and data)."""


class SchemaTooNew(RuntimeError):
    """The database was upgraded by a newer newsbrief than this one."""


def _v1_create_tables(connection: Connection) -> None:
    """Version 1: feeds, guild follows, subscriptions, seen items, deliveries, delivered items.

    A frozen copy of the tables as they were at version 1: later steps alter what this made.
    """
    v1 = MetaData(naming_convention=NAMING_CONVENTION)
    Table(
        "feeds",
        v1,
        Column("id", SurrogateKey, primary_key=True),
        Column("url", Text, nullable=False, unique=True),
        Column("title", Text),
        Column("site_url", Text),
        Column("etag", Text),
        Column("last_modified", Text),
        Column("last_success_at", UTCDateTime),
        Column("last_error", Text),
        Column("last_error_at", UTCDateTime),
        Column("consecutive_failures", Integer, nullable=False, server_default=text("0")),
        Column("next_check_at", UTCDateTime, nullable=False, index=True),
        Column("created_at", UTCDateTime, nullable=False),
        CheckConstraint("consecutive_failures >= 0", name="failures_not_negative"),
        sqlite_autoincrement=True,  # never reuse an id: delivered_items outlive their rows
    )
    Table(
        "guild_feeds",
        v1,
        Column("guild_id", DiscordId, primary_key=True),
        Column("feed_id", ForeignKey("feeds.id"), primary_key=True, index=True),
        Column("added_by", DiscordId, nullable=False),
        Column("added_at", UTCDateTime, nullable=False),
    )
    Table(
        "subscriptions",
        v1,
        Column("id", SurrogateKey, primary_key=True),
        Column("guild_id", DiscordId, nullable=False),
        Column("channel_id", DiscordId, nullable=False),
        Column("local_time", Time, nullable=False),
        Column("timezone", String(64), nullable=False),
        Column("all_feeds", Boolean, nullable=False),
        Column("max_stories", Integer, nullable=False),
        Column("keywords", JSON, nullable=False),
        Column("paused_at", UTCDateTime),
        Column("pause_reason", Text),
        Column("created_at", UTCDateTime, nullable=False),
        Column("created_by", DiscordId, nullable=False),
        UniqueConstraint("guild_id", "channel_id"),
        UniqueConstraint("id", "guild_id"),
        CheckConstraint("max_stories >= 1", name="max_stories_positive"),
        sqlite_autoincrement=True,  # never reuse an id: delivered_items outlive their rows
    )
    Table(
        "subscription_feeds",
        v1,
        Column("subscription_id", SurrogateKey, primary_key=True),
        Column("guild_id", DiscordId, nullable=False),
        Column("feed_id", SurrogateKey, primary_key=True),
        ForeignKeyConstraint(
            ["subscription_id", "guild_id"], ["subscriptions.id", "subscriptions.guild_id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["guild_id", "feed_id"], ["guild_feeds.guild_id", "guild_feeds.feed_id"], ondelete="CASCADE"
        ),
        Index(None, "guild_id", "feed_id"),
    )
    Table(
        "seen_items",
        v1,
        Column("feed_id", ForeignKey("feeds.id", ondelete="CASCADE"), primary_key=True),
        Column("item_key", String(512), primary_key=True),
        Column("link", Text),
        Column("link_key", String(64)),
        Column("title", Text, nullable=False),
        Column("published_at", UTCDateTime),
        Column("first_seen_at", UTCDateTime, nullable=False),
        Index(None, "feed_id", "first_seen_at"),
    )
    Table(
        "deliveries",
        v1,
        Column("id", SurrogateKey, primary_key=True),
        Column("subscription_id", ForeignKey("subscriptions.id", ondelete="CASCADE"), nullable=False),
        Column("local_date", Date, nullable=False),
        Column("kind", String(16), nullable=False),
        Column("status", String(16), nullable=False),
        Column("attempt", Integer, nullable=False),
        Column("claimed_at", UTCDateTime, nullable=False),
        Column("completed_at", UTCDateTime),
        Column("posted_message_ids", JSON, nullable=False),
        Column("error", Text),
        CheckConstraint("kind IN ('scheduled', 'manual')", name="delivery_kind"),
        CheckConstraint("status IN ('claimed', 'posted', 'failed')", name="delivery_status"),
        Index(None, "subscription_id", "local_date"),
        Index(
            "uq_deliveries_scheduled_date",
            "subscription_id",
            "local_date",
            unique=True,
            sqlite_where=text("kind = 'scheduled'"),
            postgresql_where=text("kind = 'scheduled'"),
        ),
        sqlite_autoincrement=True,
    )
    Table(
        "delivered_items",
        v1,
        Column("subscription_id", ForeignKey("subscriptions.id", ondelete="CASCADE"), primary_key=True),
        Column("feed_id", SurrogateKey, primary_key=True),
        Column("item_key", String(512), primary_key=True),
        Column("link_key", String(64)),
        Column("delivery_id", ForeignKey("deliveries.id", ondelete="SET NULL"), index=True),
        Column("delivered_at", UTCDateTime, nullable=False),
        Index(None, "subscription_id", "link_key"),
    )
    v1.create_all(connection)


def _v2_item_details(connection: Connection) -> None:
    """Version 2: seen items keep the feed's summary, authors, source and language.

    Digests are built from stored items, and a story whose page cannot be fetched falls back to the
    feed's summary, so the summary must be stored. Items seen before the upgrade get an empty
    summary (a digest shows their title alone); they leave the digest window within two days.
    """
    for column in (
        "summary TEXT NOT NULL DEFAULT ''",
        "authors JSON",
        "source TEXT",
        "language VARCHAR(8)",
    ):
        connection.execute(text(f"ALTER TABLE seen_items ADD COLUMN {column}"))


def _v3_listing_times(connection: Connection) -> None:
    """Version 3: when each feed last listed each item, and when each feed's latest listing was stored.

    Housekeeping may forget an item only once its feed no longer lists it, or the next fetch would
    store it as new and a digest could post it again. What was listed before the upgrade is not
    known, so every feed starts with no latest listing (nothing of it is pruned until its next
    fetch with a body), and every item counts as listed until its feed's last successful fetch:
    the latest listing it can have been part of.
    """
    moment = UTCDateTime().compile(dialect=connection.dialect)
    connection.execute(text(f"ALTER TABLE feeds ADD COLUMN last_listed_at {moment}"))
    connection.execute(text(f"ALTER TABLE seen_items ADD COLUMN last_listed_at {moment}"))
    connection.execute(
        text(
            "UPDATE seen_items SET last_listed_at = COALESCE("
            "(SELECT feeds.last_success_at FROM feeds WHERE feeds.id = seen_items.feed_id"
            " AND feeds.last_success_at > seen_items.first_seen_at), first_seen_at)"
        )
    )


LEGACY_STALE_CLAIM = timedelta(minutes=15)
"""How long a claim made before version 4 held: such a claim's owner (an older newsbrief still
running during an upgrade) does not renew it, so it keeps the time it was given."""


def _v4_delivery_leases(connection: Connection) -> None:
    """Version 4: a delivery's claim is a lease its owner renews, and a delivery knows when it began.

    A claim left open by an older newsbrief gets a lease until its old stale time (claimed_at + 15
    minutes), so its owner, which does not renew, keeps it exactly as long as before; completed
    deliveries hold no lease. Every delivery begins when it was claimed, as far as the upgrade
    knows: for one already taken over that is the takeover, later than its real start.
    """
    moment = UTCDateTime().compile(dialect=connection.dialect)
    connection.execute(text(f"ALTER TABLE deliveries ADD COLUMN lease_expires_at {moment}"))
    connection.execute(text(f"ALTER TABLE deliveries ADD COLUMN started_at {moment}"))
    connection.execute(text("UPDATE deliveries SET started_at = claimed_at"))
    as_stored = table(
        "deliveries",
        sql_column("id", Integer),
        sql_column("status", String),
        sql_column("claimed_at", UTCDateTime),
        sql_column("lease_expires_at", UTCDateTime),
    )
    # Date arithmetic differs between the two backends' SQL; open claims are a handful at most.
    open_claims = connection.execute(
        select(as_stored.c.id, as_stored.c.claimed_at).where(as_stored.c.status == "claimed")
    ).all()
    for delivery_id, claimed_at in open_claims:
        connection.execute(
            update(as_stored)
            .where(as_stored.c.id == delivery_id)
            .values(lease_expires_at=claimed_at + LEGACY_STALE_CLAIM)
        )
    connection.execute(text("CREATE INDEX ix_deliveries_status ON deliveries (status)"))


def _v5_subscription_locale(connection: Connection) -> None:
    """Version 5: the language a digest is
    posted in, the server's preferred locale (a Discord locale code) when /digest subscribe was used.
    Subscriptions made before the upgrade have none and post in English until subscribed again."""
    connection.execute(text(f"ALTER TABLE subscriptions ADD COLUMN locale VARCHAR({LOCALE_LENGTH})"))


UPGRADE_CATCH_UP = timedelta(hours=1)
"""Version 6 makes an edition that fired in the hour before the upgrade still due (the default
DIGEST_GRACE_MINUTES): the catch-up of the version before would have posted it after the restart.
One already posted is not posted again: its delivery row holds the edition's key."""


def _v6_edition_schedules(connection: Connection) -> None:
    """Version 6: several editions a day on chosen weekdays, claimed as rows when due.

    A subscription's `local_time` becomes its one edition time, every day; its `next_edition_at` is
    its first edition from an hour before the upgrade (UPGRADE_CATCH_UP). A scheduled delivery names
    its edition by its time, so the unique key of scheduled deliveries moves from (subscription,
    local date) to (subscription, local date, edition time); the existing ones get their
    subscription's time.
    """
    moment = UTCDateTime().compile(dialect=connection.dialect)
    clock = Time().compile(dialect=connection.dialect)
    connection.execute(text("ALTER TABLE subscriptions ADD COLUMN edition_times JSON NOT NULL DEFAULT '[]'"))
    connection.execute(text("ALTER TABLE subscriptions ADD COLUMN weekdays INTEGER NOT NULL DEFAULT 127"))
    connection.execute(text(f"ALTER TABLE subscriptions ADD COLUMN next_edition_at {moment}"))
    connection.execute(text("CREATE INDEX ix_subscriptions_next_edition_at ON subscriptions (next_edition_at)"))
    as_stored = table(
        "subscriptions",
        sql_column("id", Integer),
        sql_column("local_time", Time),
        sql_column("timezone", String),
        sql_column("edition_times", JSON),
        sql_column("next_edition_at", UTCDateTime),
    )
    since = datetime.now(UTC) - UPGRADE_CATCH_UP
    filled = [
        {
            "row_id": row.id,
            "times": [row.local_time.strftime("%H:%M")],
            "next": EditionSchedule.of([row.local_time], EVERY_DAY, row.timezone).first_from(since).at,
        }
        for row in connection.execute(select(as_stored.c.id, as_stored.c.local_time, as_stored.c.timezone))
    ]
    if filled:
        connection.execute(
            update(as_stored)
            .where(as_stored.c.id == bindparam("row_id"))
            .values(edition_times=bindparam("times"), next_edition_at=bindparam("next")),
            filled,
        )
    connection.execute(text(f"ALTER TABLE deliveries ADD COLUMN edition_time {clock}"))
    connection.execute(
        text(
            "UPDATE deliveries SET edition_time = (SELECT subscriptions.local_time FROM subscriptions"
            " WHERE subscriptions.id = deliveries.subscription_id) WHERE kind = 'scheduled'"
        )
    )
    connection.execute(text("DROP INDEX uq_deliveries_scheduled_date"))
    connection.execute(
        text(
            "CREATE UNIQUE INDEX uq_deliveries_scheduled_edition ON deliveries"
            " (subscription_id, local_date, edition_time) WHERE kind = 'scheduled'"
        )
    )


def _v7_request_budgets(connection: Connection) -> None:
    """Version 7: the token bucket bot processes on one database share for Discord's global rate limit
    (bot/ratebudget.py). No row yet: the first request of the first process makes it, full."""
    v7 = MetaData(naming_convention=NAMING_CONVENTION)
    Table(
        "request_budgets",
        v7,
        Column("name", String(32), primary_key=True),
        Column("tokens", Double, nullable=False),
        Column("updated_at", Double, nullable=False),
    )
    v7.create_all(connection)


def _v8_page_briefs(connection: Connection) -> None:
    """Version 8: briefs of linked pages, made once when their item is first seen and shared by every
    digest and process (see `Store.claim_brief`). Nothing to carry over: pages are briefed from the
    next refresh on, and a digest shows the feed's summary for a story without a brief."""
    v8 = MetaData(naming_convention=NAMING_CONVENTION)
    Table(
        "page_briefs",
        v8,
        Column("link_key", String(64), primary_key=True),
        Column("link", Text, nullable=False),
        Column("status", String(16), nullable=False),
        Column("claim_token", String(32)),
        Column("claimed_at", UTCDateTime, nullable=False),
        Column("lease_expires_at", UTCDateTime),
        Column("completed_at", UTCDateTime),
        Column("error", Text),
        Column("url", Text),
        Column("title", Text),
        Column("summary", JSON),
        Column("quotes", JSON),
        Column("image", Text),
        Column("word_count", Integer),
        Column("language", String(8)),
        Column("published", Date),
        Column("site", Text),
        CheckConstraint("status IN ('claimed', 'briefed', 'failed')", name="brief_status"),
        Index(None, "completed_at"),
    )
    v8.create_all(connection)


def _v9_delivery_targets(connection: Connection) -> None:
    """Version 9: where and how a digest is posted (bot/targets.py): its target kind ("channel",
    "thread", "forum"), whether it publishes in an announcement channel, and a role it pings. Every
    existing subscription keeps posting as it did: in its channel, unpublished, pinging nobody."""
    no = false().compile(dialect=connection.dialect)
    connection.execute(text("ALTER TABLE subscriptions ADD COLUMN target_kind VARCHAR(16) NOT NULL DEFAULT 'channel'"))
    connection.execute(text(f"ALTER TABLE subscriptions ADD COLUMN publish BOOLEAN NOT NULL DEFAULT {no}"))
    connection.execute(text("ALTER TABLE subscriptions ADD COLUMN ping_role_id BIGINT"))


def _v10_story_filters(connection: Connection) -> None:
    """Version 10: what gets into a subscription's digest (`bot.news.digest.StoryFilter`): include and
    exclude words, a cap per outlet, a minimum of outlets covering a story.

    Existing subscriptions keep working as they were, with the default rules: no include or exclude
    words, the default cap (NULL: half the digest) and a minimum of one outlet. Their ranking
    keywords stay ranking keywords (stories that name one come first, none is left out): turning
    them into include words would empty digests that were never set up to filter.
    """
    for column in (
        "include_words JSON NOT NULL DEFAULT '[]'",
        "exclude_words JSON NOT NULL DEFAULT '[]'",
        "max_per_outlet INTEGER CONSTRAINT ck_subscriptions_max_per_outlet_not_negative CHECK (max_per_outlet >= 0)",
        "min_outlets INTEGER NOT NULL DEFAULT 1 CONSTRAINT ck_subscriptions_min_outlets_positive"
        " CHECK (min_outlets >= 1)",
    ):
        connection.execute(text(f"ALTER TABLE subscriptions ADD COLUMN {column}"))


def _v11_item_images(connection: Connection) -> None:
    """Version 11: seen items keep the picture their feed names (media:content, an image enclosure...),
    so a digest story whose page has no brief still shows one. Items stored before have none; they
    leave the digest window within two days."""
    connection.execute(text("ALTER TABLE seen_items ADD COLUMN image TEXT"))


def _v12_live_posts(connection: Connection) -> None:
    """Version 12: live subscriptions, which post each new story as it comes. Every existing
    subscription stays an edition (mode 'edition'); the hourly cap starts at 10 for all. The live
    posts table starts empty: nothing was posted live before."""
    connection.execute(
        text(
            "ALTER TABLE subscriptions ADD COLUMN mode VARCHAR(16) DEFAULT 'edition' NOT NULL"
            " CONSTRAINT ck_subscriptions_subscription_mode CHECK (mode IN ('edition', 'live'))"
        )
    )
    connection.execute(
        text(
            "ALTER TABLE subscriptions ADD COLUMN hourly_cap INTEGER DEFAULT 10 NOT NULL"
            " CONSTRAINT ck_subscriptions_hourly_cap_positive CHECK (hourly_cap >= 1)"
        )
    )
    v12 = MetaData(naming_convention=NAMING_CONVENTION)
    Table("subscriptions", v12, Column("id", SurrogateKey, primary_key=True))
    Table(
        "live_posts",
        v12,
        Column("id", SurrogateKey, primary_key=True),
        Column("subscription_id", ForeignKey("subscriptions.id", ondelete="CASCADE"), nullable=False),
        Column("story_key", String(64), nullable=False),
        Column("status", String(16), nullable=False),
        Column("claim_token", String(32)),
        Column("lease_expires_at", UTCDateTime),
        Column("nonce", String(25), nullable=False),
        Column("message_ids", JSON, nullable=False),
        Column("outlets", JSON, nullable=False),
        Column("claimed_at", UTCDateTime, nullable=False),
        Column("due_at", UTCDateTime),
        Column("posted_at", UTCDateTime),
        CheckConstraint("status IN ('claimed', 'posted', 'held')", name="live_post_status"),
        UniqueConstraint("subscription_id", "story_key"),
        Index(None, "subscription_id", "posted_at"),
        sqlite_autoincrement=True,
    )
    v12.tables["live_posts"].create(connection)


MIGRATIONS: tuple[Migration, ...] = (
    _v1_create_tables,
    _v2_item_details,
    _v3_listing_times,
    _v4_delivery_leases,
    _v5_subscription_locale,
    _v6_edition_schedules,
    _v7_request_budgets,
    _v8_page_briefs,
    _v9_delivery_targets,
    _v10_story_filters,
    _v11_item_images,
    _v12_live_posts,
)
"""Every step, in order: MIGRATIONS[0] makes version 1, MIGRATIONS[n - 1] version n."""

LATEST_VERSION = len(MIGRATIONS)


async def migrate(
    engine: AsyncEngine, *, migrations: Sequence[Migration] = MIGRATIONS, now: datetime | None = None
) -> int:
    """Bring the database up to the last of `migrations`, and return that version.

    Args:
        engine: the database to upgrade; an empty one is created from scratch.
        migrations: the steps; the default is newsbrief's own (tests pass their own lists).
        now: when the steps count as applied (UTC); defaults to the current time.

    Raises:
        SchemaTooNew: the database has more steps applied than `migrations` holds.
    """
    applied_at = now or datetime.now(UTC)
    async with engine.begin() as connection:
        await lock_for_transaction(connection, MIGRATION_LOCK_KEY)
        await connection.run_sync(lambda sync: schema_version.create(sync, checkfirst=True))
        current = (await connection.execute(select(func.max(schema_version.c.version)))).scalar_one() or 0
        target = len(migrations)
        if current > target:
            raise SchemaTooNew(
                f"the database's schema is at version {current}, and this newsbrief knows versions up to "
                f"{target} only: run a newsbrief at least as new as the one that upgraded it"
            )
        for version in range(current + 1, target + 1):
            LOGGER.info("Upgrading the database schema to version %d", version)
            await connection.run_sync(migrations[version - 1])
            await connection.execute(insert(schema_version).values(version=version, applied_at=applied_at))
        return target


async def schema_version_of(engine: AsyncEngine) -> int:
    """The version of the database's schema: 0 when it has none yet."""
    async with engine.connect() as connection:
        exists = await connection.run_sync(lambda sync: sync.dialect.has_table(sync, schema_version.name))
        if not exists:
            return 0
        return (await connection.execute(select(func.max(schema_version.c.version)))).scalar_one() or 0

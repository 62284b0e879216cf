"""The schema as it is now: the tables the queries use, with the constraints that keep the data right.

Uniqueness is structural, not a promise of the code: one feed per normalized URL, one follow per
(guild, feed), one subscription per (guild, channel), one *scheduled* delivery per (subscription,
local date and edition time), one seen row per (feed, item key), one delivered row per (subscription, feed, item key).
A subscription's chosen feeds reference the guild's follows, so they can only be feeds that guild
follows, and they go when it unfollows.

This module describes the latest version; `migrations.py` builds it step by step, and a test checks
that the two agree. Change both together.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Dialect,
    Double,
    Enum,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)

from bot.discord_limits import MESSAGE_NONCE_LIMIT

ITEM_KEY_LENGTH = 512
"""Longest item key stored as it is; longer ones are stored as a hash (see `records.stored_item_key`).
PostgreSQL refuses btree index entries over about 2.7 kB, and guids and links can be longer."""
LINK_KEY_LENGTH = 64
"""A link key is the SHA-256 hex digest of the normalized link."""
TIMEZONE_LENGTH = 64
"""The longest IANA zone name is 32 characters (America/Argentina/ComodRivadavia); room to spare."""
LANGUAGE_LENGTH = 8
CLAIM_TOKEN_LENGTH = 32
"""A claim's random token: 128 bits in hex, told apart from any other holder's."""
TARGET_KIND_LENGTH = 16
"""A `TargetKind` value ("channel", "thread", "forum"), with room for more."""
LOCALE_LENGTH = 16
"""A Discord locale code: the longest is 6 characters ("es-419"); room for what Discord adds."""
"""An ISO 639-1 code as feeds declare it ("en"), with room for a region ("pt-br")."""

# Constraint names follow one convention so that a later migration can name what it alters.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A point in time: always timezone-aware UTC in Python, whatever the database keeps.

    PostgreSQL keeps `timestamptz`; SQLite has no time type, so it keeps naive UTC text that sorts
    and compares correctly. A naive datetime is refused rather than guessed at.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: newsbrief stores only timezone-aware times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# SQLite auto-increments only a column declared exactly INTEGER PRIMARY KEY; PostgreSQL gets 64 bits.
SurrogateKey = BigInteger().with_variant(Integer(), "sqlite")
# Discord ids (guilds, channels, users, messages) are 64-bit snowflakes.
DiscordId = BigInteger


class DeliveryKind(StrEnum):
    SCHEDULED = "scheduled"
    """One of the subscription's editions: at most one per local date and edition time."""
    MANUAL = "manual"
    """Asked for with /digest now: as many as people ask for."""


class DeliveryStatus(StrEnum):
    CLAIMED = "claimed"
    POSTED = "posted"
    FAILED = "failed"


class PauseReason(StrEnum):
    """Why newsbrief paused a digest: the code kept in subscriptions.pause_reason, put in the reader's
    words when shown (bot/replies.py). Rows paused before the codes hold English text, shown as it is."""

    CHANNEL_DELETED = "channel_deleted"
    CHANNEL_FORBIDDEN = "channel_forbidden"
    """The bot lost permission to post, or to embed links, in the channel."""
    FEEDS_REMOVED = "feeds_removed"
    """Every feed the digest picked was removed from the server."""
    FORUM_TAG_REQUIRED = "forum_tag_required"
    """The forum requires a tag on each post and none of its tags matches the digest (one was deleted or renamed)."""


DEFAULT_HOURLY_CAP = 10
"""Live messages a subscription posts in one clock hour unless told otherwise."""
MAX_HOURLY_CAP = 60
"""The most live messages a subscription may post in an hour: a channel that busy is a feed relay's."""


class SubscriptionMode(StrEnum):
    EDITION = "edition"
    """Editions at local times: what is new since the previous one, in one message."""
    LIVE = "live"
    """Each new story posted soon after a feed first lists it (see bot/store/live.py)."""


class LivePostStatus(StrEnum):
    CLAIMED = "claimed"
    """A process is posting the story; its lease says until when the claim holds."""
    POSTED = "posted"
    HELD = "held"
    """Over the subscription's hourly cap: waits for the next hour's combined message."""


class BriefStatus(StrEnum):
    CLAIMED = "claimed"
    """A process is briefing the page; its lease says until when the claim holds."""
    BRIEFED = "briefed"
    FAILED = "failed"
    """The page could not be fetched or read; `error` says why."""


def enum_column_type(kind: type[StrEnum], name: str) -> Enum:
    """A StrEnum kept as its value in a plain string column with a CHECK (no PostgreSQL enum type,
    which would need its own migration for every new value)."""
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda members: [member.value for member in members],
    )


metadata = MetaData(naming_convention=NAMING_CONVENTION)

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied_at", UTCDateTime, nullable=False),
)
"""One row per applied migration; the highest version is the schema's."""

feeds = Table(
    "feeds",
    metadata,
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
    # Version 3: when the latest fetch that returned a body (not 304 Not Modified) was stored. The
    # items of that body have seen_items.last_listed_at at or after it; NULL until the first one.
    Column("last_listed_at", UTCDateTime),
    CheckConstraint("consecutive_failures >= 0", name="failures_not_negative"),
    sqlite_autoincrement=True,  # never reuse an id: delivered_items outlive their rows
)
"""Each feed once, under its normalized URL, whichever guilds follow it."""

guild_feeds = Table(
    "guild_feeds",
    metadata,
    Column("guild_id", DiscordId, primary_key=True),
    Column("feed_id", ForeignKey("feeds.id"), primary_key=True, index=True),
    Column("added_by", DiscordId, nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
)
"""Which guild follows which feed. No cascade from feeds: a followed feed cannot be deleted."""

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", SurrogateKey, primary_key=True),
    Column("guild_id", DiscordId, nullable=False),
    Column("channel_id", DiscordId, nullable=False),
    Column("local_time", Time, nullable=False),
    Column("timezone", String(TIMEZONE_LENGTH), nullable=False),
    Column("all_feeds", Boolean, nullable=False),
    Column("max_stories", Integer, nullable=False),
    Column("keywords", JSON, nullable=False),
    Column("paused_at", UTCDateTime),
    Column("pause_reason", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", DiscordId, nullable=False),
    Column("locale", String(LOCALE_LENGTH)),
    # Version 6: the editions, "HH:MM" wall-clock times sorted (local_time stays, the first of them,
    # for what still reads it); the weekdays as bits, Monday bit 0 (127: every day); and the next
    # edition due, UTC, which the delivery clock claims (see `Store.claim_due_editions`). Nullable only
    # because SQLite cannot add a NOT NULL column without a constant default; every write sets it.
    Column("edition_times", JSON, nullable=False, server_default=text("'[]'")),
    Column("weekdays", Integer, nullable=False, server_default=text("127")),
    Column("next_edition_at", UTCDateTime, index=True),
    # Version 9: where and how the digest is posted (bot/targets.py): "channel", "thread" (the header in
    # the channel, the stories in a thread under it) or "forum" (a post per edition); whether each message
    # is published to the announcement channel's followers; a role mentioned at the top of each edition.
    Column("target_kind", String(TARGET_KIND_LENGTH), nullable=False, server_default=text("'channel'")),
    Column("publish", Boolean, nullable=False, server_default=false()),
    Column("ping_role_id", DiscordId),
    # Version 10: what gets in (see `bot.news.digest.StoryFilter`): include and exclude words as JSON
    # lists, the per-outlet cap (NULL: the default, half the digest; 0: no cap) and the minimum of outlets.
    Column("include_words", JSON, nullable=False, server_default=text("'[]'")),
    Column("exclude_words", JSON, nullable=False, server_default=text("'[]'")),
    Column("max_per_outlet", Integer),
    Column("min_outlets", Integer, nullable=False, server_default=text("1")),
    # Version 12: editions or live posts, and how many live posts an hour at most.
    Column(
        "mode",
        enum_column_type(SubscriptionMode, "subscription_mode"),
        nullable=False,
        server_default=text("'edition'"),
    ),
    Column("hourly_cap", Integer, nullable=False, server_default=text("10")),
    UniqueConstraint("guild_id", "channel_id"),
    # Lets subscription_feeds reference (subscription, guild) so its feeds are that guild's.
    UniqueConstraint("id", "guild_id"),
    CheckConstraint("max_stories >= 1", name="max_stories_positive"),
    CheckConstraint("max_per_outlet >= 0", name="max_per_outlet_not_negative"),
    CheckConstraint("min_outlets >= 1", name="min_outlets_positive"),
    CheckConstraint("hourly_cap >= 1", name="hourly_cap_positive"),
    sqlite_autoincrement=True,  # never reuse an id: delivered_items outlive their rows
)
"""A channel's digest: its editions (local times on weekdays in an IANA zone), from which feeds, how much."""

subscription_feeds = Table(
    "subscription_feeds",
    metadata,
    Column("subscription_id", SurrogateKey, primary_key=True),
    Column("guild_id", DiscordId, nullable=False),
    Column("feed_id", SurrogateKey, primary_key=True),
    ForeignKeyConstraint(
        ["subscription_id", "guild_id"], ["subscriptions.id", "subscriptions.guild_id"], ondelete="CASCADE"
    ),
    ForeignKeyConstraint(["guild_id", "feed_id"], ["guild_feeds.guild_id", "guild_feeds.feed_id"], ondelete="CASCADE"),
    Index(None, "guild_id", "feed_id"),
)
"""The chosen feeds of a subscription that does not take all of its guild's feeds."""

seen_items = Table(
    "seen_items",
    metadata,
    Column("feed_id", ForeignKey("feeds.id", ondelete="CASCADE"), primary_key=True),
    Column("item_key", String(ITEM_KEY_LENGTH), primary_key=True),
    Column("link", Text),
    Column("link_key", String(LINK_KEY_LENGTH)),
    Column("title", Text, nullable=False),
    Column("published_at", UTCDateTime),
    Column("first_seen_at", UTCDateTime, nullable=False),
    # Version 2: what a digest needs to show an item whose page cannot be fetched.
    Column("summary", Text, nullable=False, server_default=text("''")),
    Column("authors", JSON),
    Column("source", Text),
    Column("language", String(LANGUAGE_LENGTH)),
    # Version 3: the last time the feed was known to list the item (see `Store.upsert_seen_items`).
    # Nullable only because SQLite cannot add a NOT NULL column without a constant default; the
    # upgrade fills it and every insert sets it. No index: it changes on every fetch of the feed,
    # and only the daily prune reads it.
    Column("last_listed_at", UTCDateTime),
    # Version 11: the picture the feed names for the item, for a story whose page has no brief.
    Column("image", Text),
    Index(None, "feed_id", "first_seen_at"),
)
"""Every item a feed has shown, once, as the feed told it: digests are built from these rows."""

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", SurrogateKey, primary_key=True),
    Column("subscription_id", ForeignKey("subscriptions.id", ondelete="CASCADE"), nullable=False),
    Column("local_date", Date, nullable=False),
    Column("kind", enum_column_type(DeliveryKind, "delivery_kind"), nullable=False),
    Column("status", enum_column_type(DeliveryStatus, "delivery_status"), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("claimed_at", UTCDateTime, nullable=False),
    Column("completed_at", UTCDateTime),
    Column("posted_message_ids", JSON, nullable=False),
    Column("error", Text),
    # Version 4: the claim is a lease its owner renews while it posts (see `Store.renew_claim`);
    # NULL once the delivery is completed.
    Column("lease_expires_at", UTCDateTime),
    # Version 4: when the delivery was first claimed, so the first moment a message of it can have
    # been posted. Nullable only because SQLite cannot add a NOT NULL column without a constant
    # default; the upgrade fills it and every claim sets it.
    Column("started_at", UTCDateTime),
    # Version 6: which of the day's editions a scheduled delivery is (its local time); NULL for manual ones.
    Column("edition_time", Time),
    Index(None, "subscription_id", "local_date"),
    # Version 4: the retry sweep reads the deliveries left failed or claimed, a few among many posted.
    Index(None, "status"),
    Index(
        "uq_deliveries_scheduled_edition",
        "subscription_id",
        "local_date",
        "edition_time",
        unique=True,
        sqlite_where=text("kind = 'scheduled'"),
        postgresql_where=text("kind = 'scheduled'"),
    ),
    sqlite_autoincrement=True,
)
"""One digest posted (or being posted) to a subscription's channel."""

delivered_items = Table(
    "delivered_items",
    metadata,
    Column("subscription_id", ForeignKey("subscriptions.id", ondelete="CASCADE"), primary_key=True),
    # No foreign key to feeds: the record that an item was sent outlives the feed being pruned.
    Column("feed_id", SurrogateKey, primary_key=True),
    Column("item_key", String(ITEM_KEY_LENGTH), primary_key=True),
    Column("link_key", String(LINK_KEY_LENGTH)),
    Column("delivery_id", ForeignKey("deliveries.id", ondelete="SET NULL"), index=True),
    Column("delivered_at", UTCDateTime, nullable=False),
    Index(None, "subscription_id", "link_key"),
)
"""What each subscription has already been sent: the anti-join that keeps digests from repeating."""

REQUEST_BUDGET_NAME_LENGTH = 32

request_budgets = Table(
    "request_budgets",
    metadata,
    Column("name", String(REQUEST_BUDGET_NAME_LENGTH), primary_key=True),
    Column("tokens", Double, nullable=False),
    Column("updated_at", Double, nullable=False),
)
"""A token bucket every bot process draws from (bot/ratebudget.py): the tokens it held at `updated_at`,
in seconds since 1970 on the database's clock. Below zero, that many are lent ahead to waiting requests."""


page_briefs = Table(
    "page_briefs",
    metadata,
    Column("link_key", String(LINK_KEY_LENGTH), primary_key=True),
    Column("link", Text, nullable=False),
    Column("status", enum_column_type(BriefStatus, "brief_status"), nullable=False),
    Column("claim_token", String(CLAIM_TOKEN_LENGTH)),
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
    Column("language", String(LANGUAGE_LENGTH)),
    Column("published", Date),
    Column("site", Text),
    Index(None, "completed_at"),
)
"""Version 8: each linked page briefed once (summary, key quotes, picture) for every digest and
process to share; a row is first a claim, so that two processes never fetch one page."""

live_posts = Table(
    "live_posts",
    metadata,
    Column("id", SurrogateKey, primary_key=True),
    Column("subscription_id", ForeignKey("subscriptions.id", ondelete="CASCADE"), nullable=False),
    Column("story_key", String(LINK_KEY_LENGTH), nullable=False),
    Column("status", enum_column_type(LivePostStatus, "live_post_status"), nullable=False),
    Column("claim_token", String(CLAIM_TOKEN_LENGTH)),
    Column("lease_expires_at", UTCDateTime),
    Column("nonce", String(MESSAGE_NONCE_LIMIT), nullable=False),
    Column("message_ids", JSON, nullable=False),
    Column("outlets", JSON, nullable=False),
    Column("claimed_at", UTCDateTime, nullable=False),
    Column("due_at", UTCDateTime),
    Column("posted_at", UTCDateTime),
    UniqueConstraint("subscription_id", "story_key"),
    Index(None, "subscription_id", "posted_at"),
    sqlite_autoincrement=True,
)
"""Version 12: each story a live subscription posted (or holds for the next hour), keyed by its story,
so that another outlet's coverage edits the post and no story is posted twice. The nonce stays with
the row across takeovers: a repeat of an interrupted post is answered by Discord with the first message."""

"""What the store hands out and refuses: its errors, its records, and the small pure helpers the
query modules share (times made UTC, error texts clipped, rows turned into records, item keys).

Nothing here runs a query.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, NamedTuple, Protocol, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import Row

from bot.editions import EVERY_DAY, Edition, EditionSchedule
from bot.news.errors import NewsError
from bot.news.feeds import FeedItem
from bot.news.filters import DEFAULT_STORY_FILTER, StoryFilter
from bot.news.urls import normalize_url
from bot.store.tables import DEFAULT_HOURLY_CAP, ITEM_KEY_LENGTH, DeliveryKind, DeliveryStatus, SubscriptionMode
from bot.targets import DeliveryTarget, TargetKind

FAILING_AFTER = 3
"""Failures in a row after which a feed counts as failing (shown in /feeds and a digest's
footer): one or two misses are a blip a retry fixes; three in a row span hours of backoff."""
ERROR_TEXT_LIMIT = 1000
"""Characters of an error message kept: enough for any HTTP or parser message, not a whole page."""
ROWS_PER_STATEMENT = 200
"""Rows per multi-row INSERT: far below SQLite's and asyncpg's limits on bound parameters (32766/7)."""

_Row = TypeVar("_Row")


# --- errors -------------------------------------------------------------------------------------


class StoreError(NewsError):
    """A request the data does not allow; the message is written for the user who asked."""

    kind = "store"


class FeedLimitReached(StoreError):
    kind = "feed_limit"


class AlreadyFollowing(StoreError):
    kind = "already_following"


class SubscriptionExists(StoreError):
    kind = "subscription_exists"


class UnknownFeed(StoreError):
    """A feed id that is not one of this guild's feeds."""

    kind = "unknown_feed"


class InvalidSetting(StoreError):
    kind = "invalid_setting"


class NotFound(StoreError):
    """A row addressed by id is not there (deleted meanwhile, or never was)."""

    kind = "not_found"


# --- records ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Feed:
    """A feed and what newsbrief knows about fetching it."""

    id: int
    url: str
    """The normalized URL: the feed's identity."""
    title: str | None
    site_url: str | None
    etag: str | None
    last_modified: str | None
    """The Last-Modified header as the server sent it, to send back in If-Modified-Since."""
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    consecutive_failures: int
    next_check_at: datetime
    created_at: datetime

    @property
    def failing(self) -> bool:
        """Whether the feed has failed FAILING_AFTER times in a row (and not worked since)."""
        return self.consecutive_failures >= FAILING_AFTER


@dataclass(frozen=True, slots=True)
class GuildFeed:
    """A feed as one guild follows it."""

    guild_id: int
    feed: Feed
    added_by: int
    added_at: datetime


@dataclass(frozen=True, slots=True)
class Subscription:
    """A channel's digest: one edition or more a day, on chosen weekdays."""

    id: int
    guild_id: int
    channel_id: int
    edition_times: tuple[time, ...]
    """When to post, on the wall clock of `timezone`: one time or more, sorted."""
    timezone: str
    """An IANA zone name, such as Europe/Paris."""
    feed_ids: tuple[int, ...] | None
    """The chosen feeds, or None for all of the guild's feeds (including ones added later)."""
    max_stories: int
    keywords: tuple[str, ...]
    paused_at: datetime | None
    pause_reason: str | None
    created_at: datetime
    created_by: int
    locale: str | None = None
    """The server's preferred locale (a Discord code) when the digest was set up: the language it posts in."""
    weekdays: tuple[int, ...] = EVERY_DAY
    """The days editions go out, Monday 0 to Sunday 6, in `timezone`."""
    next_edition_at: datetime | None = None
    """When the next edition is due (UTC): the first after the last one handled."""
    target_kind: TargetKind = TargetKind.CHANNEL
    """In the channel, in a thread under a header there, or as a forum post (bot/targets.py)."""
    publish: bool = False
    """Publish each message to the announcement channel's followers."""
    ping_role_id: int | None = None
    """A role mentioned at the top of each edition; None pings nobody."""
    story_filter: StoryFilter = DEFAULT_STORY_FILTER
    """What gets into its digests: include and exclude words, the per-outlet cap, the minimum of outlets."""
    mode: SubscriptionMode = SubscriptionMode.EDITION
    """Editions at local times, or each story as it breaks (live)."""
    hourly_cap: int = DEFAULT_HOURLY_CAP
    """Live: the most messages posted in one clock hour; the rest wait for one combined message."""

    @property
    def live(self) -> bool:
        return self.mode is SubscriptionMode.LIVE

    @property
    def paused(self) -> bool:
        return self.paused_at is not None

    @property
    def target(self) -> DeliveryTarget:
        """Where and how its editions are posted."""
        return DeliveryTarget(
            channel_id=self.channel_id, kind=self.target_kind, publish=self.publish, ping_role_id=self.ping_role_id
        )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def local_time(self) -> time:
        """The first edition time: the one daily time of a subscription made before version 6."""
        return self.edition_times[0]

    @property
    def schedule(self) -> EditionSchedule:
        return EditionSchedule.of(self.edition_times, self.weekdays, self.zone)


@dataclass(frozen=True, slots=True)
class SubscriptionChanges:
    """What `/digest edit` changes of a subscription: each field given (not None) replaces the stored
    one; the rest stay."""

    edition_times: Sequence[time] | None = None
    weekdays: Sequence[int] | None = None
    timezone: str | None = None
    feed_ids: Sequence[int] | None = None
    """Some of the guild's feeds instead of those chosen now."""
    all_feeds: bool = False
    """All of the guild's feeds, now and later, instead of those chosen now."""
    max_stories: int | None = None
    keywords: Sequence[str] | None = None
    target_kind: TargetKind | None = None
    publish: bool | None = None
    ping_role_id: int | None = None
    no_ping: bool = False
    """Ping nobody any more."""
    story_filter: StoryFilter | None = None
    """New include and exclude words, per-outlet cap and minimum of outlets, all four at once."""
    mode: SubscriptionMode | None = None
    hourly_cap: int | None = None


class ItemRef(NamedTuple):
    """Which item: its feed and its key there (keys are unique within a feed only)."""

    feed_id: int
    key: str


class ItemLike(Protocol):
    """What a feed item must offer to be stored; `bot.news.feeds.FeedItem` does."""

    @property
    def key(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def link(self) -> str | None: ...
    @property
    def published(self) -> datetime | None: ...
    @property
    def summary(self) -> str: ...
    @property
    def authors(self) -> Sequence[str]: ...
    @property
    def source(self) -> str: ...
    @property
    def language(self) -> str | None: ...
    @property
    def image(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class StoredItem:
    """An item as stored: what the feed said, and when newsbrief first saw it."""

    feed_id: int
    key: str
    """The stored key: the feed item's own, or its hash when longer than ITEM_KEY_LENGTH."""
    link: str | None
    title: str
    published_at: datetime | None
    first_seen_at: datetime
    summary: str
    """The feed's own summary as plain text; "" when it had none (or the item predates version 2)."""
    authors: tuple[str, ...]
    source: str | None
    """The outlet as the item names it (an aggregator's <source>, else the feed's title then)."""
    language: str | None
    """The language the feed declared, a hint only."""
    image: str | None = None
    """The picture the feed names for the item (http(s), never fetched); None when it names none or
    the item predates version 11."""

    @property
    def ref(self) -> ItemRef:
        return ItemRef(self.feed_id, self.key)

    def feed_item(self, feed: Feed) -> FeedItem:
        """The item as the digest builder takes it, its feed known by `feed`'s URL (the item's own
        outlet name, else the feed's title, else its host)."""
        return FeedItem(
            key=self.key,
            title=self.title,
            link=self.link,
            summary=self.summary,
            published=self.published_at,
            authors=self.authors,
            feed_url=feed.url,
            source=self.source or feed.title or urlsplit(feed.url).hostname or feed.url,
            language=self.language,
            image=self.image,
        )


@dataclass(frozen=True, slots=True)
class Claim:
    """The right to post one delivery: a lease its holder renews (`renew_claim`) while it posts, held
    until `complete_delivery`, or until the lease runs out and another process takes it over."""

    delivery_id: int
    subscription_id: int
    local_date: date
    kind: DeliveryKind
    attempt: int
    """1 for a fresh claim; more when an abandoned or failed delivery is taken over."""
    claimed_at: datetime
    posted_message_ids: tuple[int, ...]
    """Messages an earlier attempt already posted: do not post them again."""
    delivered: frozenset[ItemRef]
    """Items an earlier attempt already posted."""
    started_at: datetime
    """When the delivery was first claimed: no message of it can be older."""
    lease_expires_at: datetime
    """Until when the claim holds unless renewed."""
    edition_time: time | None = None
    """Which of the day's editions a scheduled delivery is; None for a manual one."""
    due_at: datetime | None = None
    """When the edition was due, for a fresh claim of the delivery clock (how late it starts); None otherwise."""

    @property
    def resumed(self) -> bool:
        return self.attempt > 1


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    subscription_id: int
    local_date: date
    kind: DeliveryKind
    status: DeliveryStatus
    attempt: int
    claimed_at: datetime
    completed_at: datetime | None
    posted_message_ids: tuple[int, ...]
    error: str | None
    started_at: datetime
    """When it was first claimed (the claim time of an older delivery taken over before version 4)."""
    lease_expires_at: datetime | None
    """Until when the current claim holds; None once completed."""
    edition_time: time | None = None
    """Which of the day's editions a scheduled delivery is; None for a manual one."""


@dataclass(frozen=True, slots=True)
class MissedEdition:
    """An edition the clock found past the grace: not posted, and the subscription's next one is due."""

    subscription_id: int
    edition: Edition
    """The latest edition missed (earlier ones missed with it are not posted either)."""
    due_since: datetime
    """When the first edition missed was due."""


@dataclass(frozen=True, slots=True)
class DueEditions:
    """What one `claim_due_editions` did."""

    claims: tuple[Claim, ...] = ()
    """Editions claimed for delivery by the caller."""
    missed: tuple[MissedEdition, ...] = ()
    """Editions past the grace, passed over."""
    full: bool = False
    """As many subscriptions were due as the caller had room for: more may be waiting."""


@dataclass(frozen=True, slots=True)
class PrunedHistory:
    """What one `prune_history` removed."""

    feeds: int = 0
    """Feeds no guild follows any more, with their items."""
    seen_items: int = 0
    delivered_items: int = 0
    deliveries: int = 0


@dataclass(frozen=True, slots=True)
class ForgottenGuild:
    """What `forget_guild` removed (the digests' schedules went with their rows)."""

    guild_id: int
    subscription_ids: tuple[int, ...] = ()
    unfollowed_feeds: int = 0
    """Follows removed; a feed no other guild follows is no longer fetched."""


# --- helpers ------------------------------------------------------------------------------------


def stored_item_key(key: str) -> str:
    """The key as stored: itself, or a SHA-256 hash of it when it is too long for an index."""
    if len(key) <= ITEM_KEY_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def link_key(link: str | None) -> str | None:
    """The identity of the page an item links to: the same article in two feeds has one link key."""
    if not link or not link.strip():
        return None
    try:
        identity = normalize_url(link)
    except ValueError:  # a malformed port or IPv6 literal: compare the text as it is
        identity = link.strip()
    return hashlib.sha256(identity.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Overview:
    """The bot at a glance, across every guild (/about)."""

    followed_feeds: int
    """Feeds at least one guild follows, each counted once."""
    last_feed_fetch: datetime | None
    """The latest successful fetch of any of them; None before the first."""
    digests_posted_today: int
    """Digests posted since midnight UTC, scheduled and asked for."""


def utc_now(now: datetime | None) -> datetime:
    """`now` in UTC, or the current time when None; a naive time is refused (ValueError)."""
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"naive datetime {now!r}: pass timezone-aware times")
    return now.astimezone(UTC)


def clip_error(message: str | None) -> str | None:
    """The error message cut to ERROR_TEXT_LIMIT characters, for storing."""
    return None if message is None else message[:ERROR_TEXT_LIMIT]


def in_chunks(rows: Sequence[_Row], size: int = ROWS_PER_STATEMENT) -> Iterator[Sequence[_Row]]:
    """`rows` in slices of at most `size`, one statement's worth each."""
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def edition_times_of(row: Any) -> tuple[time, ...]:
    """A subscription row's stored "HH:MM" edition times, sorted; its one local time when none were
    written (a row an older newsbrief wrote)."""
    stored = tuple(time.fromisoformat(text) for text in row.edition_times or ())
    return tuple(sorted(stored)) or (row.local_time,)


def feed_from_row(row: Row[Any]) -> Feed:
    return Feed(
        id=row.id,
        url=row.url,
        title=row.title,
        site_url=row.site_url,
        etag=row.etag,
        last_modified=row.last_modified,
        last_success_at=row.last_success_at,
        last_error=row.last_error,
        last_error_at=row.last_error_at,
        consecutive_failures=row.consecutive_failures,
        next_check_at=row.next_check_at,
        created_at=row.created_at,
    )


def item_from_row(row: Row[Any]) -> StoredItem:
    return StoredItem(
        feed_id=row.feed_id,
        key=row.item_key,
        link=row.link,
        title=row.title,
        published_at=row.published_at,
        first_seen_at=row.first_seen_at,
        summary=row.summary,
        authors=tuple(str(author) for author in row.authors or ()),
        source=row.source,
        language=row.language,
        image=row.image,
    )


def delivery_from_row(row: Row[Any]) -> Delivery:
    return Delivery(
        id=row.id,
        subscription_id=row.subscription_id,
        local_date=row.local_date,
        kind=DeliveryKind(row.kind),
        status=DeliveryStatus(row.status),
        attempt=row.attempt,
        claimed_at=row.claimed_at,
        completed_at=row.completed_at,
        posted_message_ids=tuple(int(message_id) for message_id in row.posted_message_ids),
        error=row.error,
        started_at=row.started_at or row.claimed_at,
        lease_expires_at=row.lease_expires_at,
        edition_time=row.edition_time,
    )

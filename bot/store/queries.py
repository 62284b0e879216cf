"""The queries newsbrief needs, behind one typed class: feeds and follows, items, subscriptions, deliveries.

Every query that belongs to a guild takes the guild's id and never reads or writes another guild's
rows. The scheduler's few global queries (due feeds, active subscriptions, a subscription by id,
deliveries) are named as such. Times go in and come out timezone-aware; every function that needs
"now" takes it as `now=` so that callers and tests can fix the clock.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from types import TracebackType
from typing import Any, NamedTuple, Protocol, Self, TypeVar
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy import (
    Column,
    FromClause,
    Integer,
    Row,
    Select,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.news.errors import NewsError
from bot.news.urls import is_http_url, normalize_url
from bot.store.database import lock_for_transaction, open_engine, upsert
from bot.store.migrations import migrate
from bot.store.tables import (
    ITEM_KEY_LENGTH,
    LANGUAGE_LENGTH,
    DeliveryKind,
    DeliveryStatus,
    delivered_items,
    deliveries,
    feeds,
    guild_feeds,
    seen_items,
    subscription_feeds,
    subscriptions,
)

LOGGER = logging.getLogger(__name__)

MAX_FEEDS_PER_GUILD = 50
"""The issue's cap: it bounds what one guild makes every process fetch, and what a digest reads."""
DEFAULT_MAX_STORIES = 10
"""Stories in a digest unless the subscription says otherwise: a screenful, read over coffee."""
FAILURE_BACKOFF_BASE = timedelta(minutes=15)
"""Wait after a feed's first failure: long enough to ride out a deploy or a brief outage."""
FAILURE_BACKOFF_MAX = timedelta(hours=24)
"""The longest wait between checks of a failing feed: a dead feed still gets checked daily."""
FETCH_LEASE = timedelta(minutes=10)
"""A claimed feed is not handed out again for this long: two fetch timeouts and the parse, with room.
A process that dies mid-fetch loses its claim when the lease runs out."""
STALE_CLAIM_AFTER = timedelta(minutes=15)
"""A delivery claimed this long ago and still not finished is presumed abandoned (the process died),
and may be claimed again. Posting a digest takes seconds, even rate-limited."""
DUE_FEEDS_BATCH = 100
"""Feeds handed out by one claim_due_feeds call: a few minutes of fetching at a polite pace."""
FAILING_AFTER = 3
"""Failures in a row after which a feed counts as failing (shown in /feed status and a digest's
footer): one or two misses are a blip a retry fixes; three in a row span hours of backoff."""
ERROR_TEXT_LIMIT = 1000
"""Characters of an error message kept: enough for any HTTP or parser message, not a whole page."""
ROWS_PER_STATEMENT = 200
"""Rows per multi-row INSERT: far below SQLite's and asyncpg's limits on bound parameters (32766/7)."""
_KNOWN_LINKS = select(seen_items.c.feed_id, seen_items.c.item_key, seen_items.c.link_key).where(
    tuple_(seen_items.c.feed_id, seen_items.c.item_key).in_(bindparam("refs", expanding=True))
)
"""The link keys of stored items, by (feed id, item key); one cached statement whatever the count."""

PRUNE_BATCH = 1000
"""Rows one pruning DELETE removes, in its own transaction: the first prune after an upgrade may face
years of rows, and in steps this size it holds SQLite's write lock for tens of milliseconds at a time
(about 10 ms a batch, plus the kept rows it reads past), so refreshes and digests are not kept
waiting behind it."""
MIN_HISTORY_RETENTION = timedelta(days=2)
"""The shortest history `prune_history` keeps: a digest reads items first seen up to two days back
(bot.digests.MAX_DIGEST_WINDOW) and the records of what was sent meanwhile, and a delivery is claimed
for minutes; what is younger than this is still in use."""

_Row = TypeVar("_Row")

FEEDS_REMOVED_REASON = "Every feed this digest was following has been removed from the server."


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
    """A channel's daily digest."""

    id: int
    guild_id: int
    channel_id: int
    local_time: time
    """When to post, on the wall clock of `timezone`."""
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

    @property
    def paused(self) -> bool:
        return self.paused_at is not None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


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

    @property
    def ref(self) -> ItemRef:
        return ItemRef(self.feed_id, self.key)


@dataclass(frozen=True, slots=True)
class Claim:
    """The right to post one delivery, held until `complete_delivery` or until it goes stale."""

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


@dataclass(frozen=True, slots=True)
class PrunedHistory:
    """What one `prune_history` removed."""

    feeds: int = 0
    """Feeds no guild follows any more, with their items."""
    seen_items: int = 0
    delivered_items: int = 0
    deliveries: int = 0


# --- pure helpers -------------------------------------------------------------------------------


def failure_backoff(consecutive_failures: int) -> timedelta:
    """How long to wait before checking a feed that has failed this many times in a row: doubling
    from FAILURE_BACKOFF_BASE up to FAILURE_BACKOFF_MAX."""
    if consecutive_failures <= 0:
        return timedelta(0)
    # Cap the exponent first (2**16 times 15 minutes is far past the cap already): a feed dead for
    # years must not make a number too large for a timedelta.
    doublings = min(consecutive_failures - 1, 16)
    return min(FAILURE_BACKOFF_BASE * (1 << doublings), FAILURE_BACKOFF_MAX)


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


@lru_cache(maxsize=1)
def _known_timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def check_timezone(name: str) -> str:
    """The IANA zone name, or InvalidSetting when there is no such zone."""
    if name not in _known_timezones():
        raise InvalidSetting(f"Unknown time zone {name!r}: use an IANA name such as Europe/Paris or America/Chicago.")
    return name


def _clean_keywords(keywords: Iterable[str]) -> tuple[str, ...]:
    """Stripped, without blanks or case-insensitive repeats, in the order given."""
    cleaned: list[str] = []
    folded: set[str] = set()
    for keyword in keywords:
        word = " ".join(keyword.split())
        if word and word.casefold() not in folded:
            folded.add(word.casefold())
            cleaned.append(word)
    return tuple(cleaned)


def _now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"naive datetime {now!r}: pass timezone-aware times")
    return now.astimezone(UTC)


def _clip(message: str | None) -> str | None:
    return None if message is None else message[:ERROR_TEXT_LIMIT]


def _chunks(rows: Sequence[_Row], size: int = ROWS_PER_STATEMENT) -> Iterator[Sequence[_Row]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _feed(row: Row[Any]) -> Feed:
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


def _item(row: Row[Any]) -> StoredItem:
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
    )


def _delivery(row: Row[Any]) -> Delivery:
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
    )


# --- the store ----------------------------------------------------------------------------------


async def open_store(url: str, *, echo: bool = False) -> Store:
    """Open the database at `url`, creating it (and an SQLite file's folder) and upgrading its schema.

    Args:
        url: `sqlite+aiosqlite:///data/newsbrief.db` or `postgresql+asyncpg://user:password@host/db`.
        echo: log every statement (debugging).
    """
    engine = await open_engine(url, echo=echo)
    try:
        await migrate(engine)
    except BaseException:
        await engine.dispose()
        raise
    return Store(engine)


class Store:
    """newsbrief's data. Safe to share between tasks, and between processes using one database."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @property
    def engine(self) -> AsyncEngine:
        return self._engine

    async def close(self) -> None:
        await self._engine.dispose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.close()

    # --- feeds a guild follows ------------------------------------------------------------------

    async def add_guild_feed(
        self,
        guild_id: int,
        url: str,
        *,
        added_by: int,
        title: str | None = None,
        site_url: str | None = None,
        now: datetime | None = None,
    ) -> GuildFeed:
        """Make the guild follow the feed at `url` (normalized; shared with other guilds following it).

        Raises:
            AlreadyFollowing: the guild follows it already.
            FeedLimitReached: the guild follows MAX_FEEDS_PER_GUILD feeds.
            InvalidSetting: `url` is not an http(s) URL.
        """
        moment = _now(now)
        normalized = normalize_url(url) if is_http_url(url) else ""
        if not normalized:
            raise InvalidSetting(f"{url!r} is not a feed address: use an http:// or https:// URL.")
        async with self._engine.begin() as connection:
            # Count and insert as one step per guild, or two concurrent adds could pass the limit.
            await lock_for_transaction(connection, guild_id)
            await connection.execute(
                upsert(connection.dialect, feeds)
                .values(
                    url=normalized,
                    title=title,
                    site_url=site_url,
                    consecutive_failures=0,
                    next_check_at=moment,
                    created_at=moment,
                )
                .on_conflict_do_nothing(index_elements=[feeds.c.url])
            )
            # FOR SHARE (PostgreSQL): the row cannot be pruned between here and the follow's insert.
            feed_row = (
                await connection.execute(select(feeds).where(feeds.c.url == normalized).with_for_update(read=True))
            ).one()
            followers = await connection.scalar(
                select(func.count()).select_from(guild_feeds).where(guild_feeds.c.feed_id == feed_row.id)
            )
            if await connection.scalar(
                select(exists().where(guild_feeds.c.guild_id == guild_id, guild_feeds.c.feed_id == feed_row.id))
            ):
                raise AlreadyFollowing(f"This server already follows {normalized}.")
            count = await connection.scalar(
                select(func.count()).select_from(guild_feeds).where(guild_feeds.c.guild_id == guild_id)
            )
            if (count or 0) >= MAX_FEEDS_PER_GUILD:
                raise FeedLimitReached(
                    f"This server already follows {MAX_FEEDS_PER_GUILD} feeds, the most it can. "
                    "Remove one with /feed remove first."
                )
            changes: dict[str, Any] = {}
            if title and not feed_row.title:
                changes["title"] = title
            if site_url and not feed_row.site_url:
                changes["site_url"] = site_url
            if not followers and feed_row.next_check_at > moment:
                changes["next_check_at"] = moment  # followed again after a while: check it now
            if changes:
                await connection.execute(update(feeds).where(feeds.c.id == feed_row.id).values(**changes))
                feed_row = (await connection.execute(select(feeds).where(feeds.c.id == feed_row.id))).one()
            await connection.execute(
                insert(guild_feeds).values(guild_id=guild_id, feed_id=feed_row.id, added_by=added_by, added_at=moment)
            )
        LOGGER.info("Guild %s follows feed %s (%s)", guild_id, feed_row.id, normalized)
        return GuildFeed(guild_id=guild_id, feed=_feed(feed_row), added_by=added_by, added_at=moment)

    async def remove_guild_feed(self, guild_id: int, feed_id: int, *, now: datetime | None = None) -> bool:
        """Stop the guild following the feed; False when it did not. Subscriptions that chose only
        removed feeds are paused with FEEDS_REMOVED_REASON rather than left to post nothing."""
        moment = _now(now)
        async with self._engine.begin() as connection:
            removed = await connection.execute(
                delete(guild_feeds).where(guild_feeds.c.guild_id == guild_id, guild_feeds.c.feed_id == feed_id)
            )
            if removed.rowcount == 0:
                return False
            # The database cascades the removal into subscription_feeds.
            await connection.execute(
                update(subscriptions)
                .where(
                    subscriptions.c.guild_id == guild_id,
                    subscriptions.c.all_feeds.is_(False),
                    subscriptions.c.paused_at.is_(None),
                    ~exists().where(subscription_feeds.c.subscription_id == subscriptions.c.id),
                )
                .values(paused_at=moment, pause_reason=FEEDS_REMOVED_REASON)
            )
        LOGGER.info("Guild %s no longer follows feed %s", guild_id, feed_id)
        return True

    async def list_guild_feeds(self, guild_id: int) -> list[GuildFeed]:
        """The guild's feeds, oldest follow first."""
        query = (
            select(feeds, guild_feeds.c.added_by, guild_feeds.c.added_at)
            .join(guild_feeds, guild_feeds.c.feed_id == feeds.c.id)
            .where(guild_feeds.c.guild_id == guild_id)
            .order_by(guild_feeds.c.added_at, feeds.c.id)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [
            GuildFeed(guild_id=guild_id, feed=_feed(row), added_by=row.added_by, added_at=row.added_at) for row in rows
        ]

    async def get_guild_feed(self, guild_id: int, feed_id: int) -> GuildFeed | None:
        """One of the guild's feeds, or None when the guild does not follow it."""
        query = (
            select(feeds, guild_feeds.c.added_by, guild_feeds.c.added_at)
            .join(guild_feeds, guild_feeds.c.feed_id == feeds.c.id)
            .where(guild_feeds.c.guild_id == guild_id, guild_feeds.c.feed_id == feed_id)
        )
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).one_or_none()
        if row is None:
            return None
        return GuildFeed(guild_id=guild_id, feed=_feed(row), added_by=row.added_by, added_at=row.added_at)

    async def item_counts(
        self, feed_ids: Collection[int], *, since: datetime | None = None, now: datetime | None = None
    ) -> dict[int, tuple[int, int]]:
        """For each feed: (items stored, items first seen since `since`, by default the last 24 hours)."""
        if not feed_ids:
            return {}
        recent_since = since or _now(now) - timedelta(hours=24)
        recent = func.sum(func.cast(seen_items.c.first_seen_at >= recent_since, Integer))
        query = (
            select(seen_items.c.feed_id, func.count(), recent)
            .where(seen_items.c.feed_id.in_(list(feed_ids)))
            .group_by(seen_items.c.feed_id)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        counts = {feed_id: (0, 0) for feed_id in feed_ids}
        counts.update({row[0]: (int(row[1]), int(row[2] or 0)) for row in rows})
        return counts

    # --- fetching feeds -------------------------------------------------------------------------

    async def claim_due_feeds(
        self,
        *,
        now: datetime | None = None,
        limit: int = DUE_FEEDS_BATCH,
        lease: timedelta = FETCH_LEASE,
        feed_ids: Collection[int] | None = None,
    ) -> list[Feed]:
        """The followed feeds due for a check, most overdue first, each handed to one caller only:
        their next check moves `lease` ahead, until record_fetch_success/failure sets the real one.

        `feed_ids` restricts the claim to those feeds (a digest about to be built refreshes its own).
        """
        moment = _now(now)
        followed = exists().where(guild_feeds.c.feed_id == feeds.c.id)
        conditions = [feeds.c.next_check_at <= moment, followed]
        if feed_ids is not None:
            if not feed_ids:
                return []
            conditions.append(feeds.c.id.in_(list(feed_ids)))
        due = (
            select(feeds.c.id)
            .where(*conditions)
            .order_by(feeds.c.next_check_at, feeds.c.id)
            .limit(limit)
            # PostgreSQL: feeds another process is claiming right now are skipped, not waited for.
            .with_for_update(skip_locked=True)
        )
        async with self._engine.begin() as connection:
            ids = list((await connection.execute(due)).scalars())
            if not ids:
                return []
            rows = (
                await connection.execute(
                    update(feeds)
                    .where(feeds.c.id.in_(ids), feeds.c.next_check_at <= moment)
                    .values(next_check_at=moment + lease)
                    .returning(*feeds.c)
                )
            ).all()
        order = {feed_id: position for position, feed_id in enumerate(ids)}
        return sorted((_feed(row) for row in rows), key=lambda feed: order[feed.id])

    async def record_fetch_success(
        self,
        feed_id: int,
        *,
        next_check_at: datetime,
        etag: str | None = None,
        last_modified: str | None = None,
        title: str | None = None,
        site_url: str | None = None,
        now: datetime | None = None,
    ) -> None:
        """A fetch worked (new items or 304 Not Modified): keep its validators, clear the failure
        count, and set the next check. `title` and `site_url` replace the stored ones when given."""
        moment = _now(now)
        values: dict[str, Any] = {
            "etag": etag,
            "last_modified": last_modified,
            "last_success_at": moment,
            "consecutive_failures": 0,
            "next_check_at": _now(next_check_at),
        }
        if title:
            values["title"] = title
        if site_url:
            values["site_url"] = site_url
        async with self._engine.begin() as connection:
            result = await connection.execute(update(feeds).where(feeds.c.id == feed_id).values(**values))
        if result.rowcount == 0:
            raise NotFound(f"Feed {feed_id} no longer exists.")

    async def record_fetch_failure(
        self, feed_id: int, *, error: str, now: datetime | None = None, retry_after: timedelta | None = None
    ) -> Feed:
        """A fetch failed: keep the error, count it, and back off (failure_backoff, or the server's
        Retry-After when longer). Returns the feed as updated, for the caller to judge how dead it is."""
        moment = _now(now)
        async with self._engine.begin() as connection:
            failures = await connection.scalar(
                update(feeds)
                .where(feeds.c.id == feed_id)
                .values(
                    consecutive_failures=feeds.c.consecutive_failures + 1,
                    last_error=_clip(error),
                    last_error_at=moment,
                )
                .returning(feeds.c.consecutive_failures)
            )
            if failures is None:
                raise NotFound(f"Feed {feed_id} no longer exists.")
            delay = max(failure_backoff(failures), retry_after or timedelta(0))
            row = (
                await connection.execute(
                    update(feeds).where(feeds.c.id == feed_id).values(next_check_at=moment + delay).returning(*feeds.c)
                )
            ).one()
        LOGGER.info("Feed %s failed %d time(s) in a row; next check in %s", feed_id, failures, delay)
        return _feed(row)

    async def prune_unfollowed_feeds(self, *, idle_before: datetime | None = None) -> int:
        """Delete feeds no guild follows, with their seen items; returns how many went.

        Args:
            idle_before: only feeds neither created nor fetched since then: about those unfollowed
                before then, as a followed feed is fetched at least daily. One followed again sooner
                keeps its id and items, so the records of what was sent from it still match.

        Housekeeping, safe to skip: a guild that follows one of them meanwhile wins, and the prune
        tries again another time.
        """
        conditions = [~exists().where(guild_feeds.c.feed_id == feeds.c.id)]
        if idle_before is not None:
            before = _now(idle_before)
            conditions += [
                feeds.c.created_at < before,
                or_(feeds.c.last_success_at.is_(None), feeds.c.last_success_at < before),
                or_(feeds.c.last_error_at.is_(None), feeds.c.last_error_at < before),
            ]
        try:
            async with self._engine.begin() as connection:
                result = await connection.execute(delete(feeds).where(*conditions))
        except IntegrityError:
            LOGGER.info("A feed was followed again while pruning; pruning later")
            return 0
        return result.rowcount

    # --- history --------------------------------------------------------------------------------

    async def prune_history(self, *, retention: timedelta, now: datetime | None = None) -> PrunedHistory:
        """Forget what is older than `retention` and can no longer make a digest repeat an item.

        - feeds no guild follows, neither created nor fetched within `retention`, with their items;
        - seen items their feed's latest listing does not hold, last listed longer ago than
          `retention`. An item still listed stays however old it is: forgotten, the next fetch
          would store it as new, and a digest could post it again;
        - records of delivered items older than `retention` whose seen item is gone: while it is
          stored, its record is what keeps digests from repeating it;
        - deliveries finished (or abandoned) longer ago than `retention`, except each subscription's
          latest posted one, where its next digest starts.

        Each DELETE removes at most PRUNE_BATCH rows in its own transaction. Two processes pruning
        at once share the work (on PostgreSQL each skips rows the other is deleting; SQLite takes
        turns). A fetch storing a listing meanwhile keeps the items it lists, except one that
        returns after being out of the feed for the whole retention: that one counts as new.

        Raises:
            ValueError: `retention` is shorter than MIN_HISTORY_RETENTION.
        """
        if retention < MIN_HISTORY_RETENTION:
            raise ValueError(f"a retention of {retention} is shorter than the {MIN_HISTORY_RETENTION} digests use")
        cutoff = _now(now) - retention
        pruned_feeds = await self.prune_unfollowed_feeds(idle_before=cutoff)

        item = seen_items.alias("item")
        unlisted = (
            select(item.c.feed_id, item.c.item_key)
            .join(feeds, feeds.c.id == item.c.feed_id)
            .where(item.c.last_listed_at < cutoff, item.c.last_listed_at < feeds.c.last_listed_at)
        )
        # Only an item that has been out of its feed for the whole retention is a candidate, so a
        # listing stored meanwhile can race a prune only for an item that comes back after that long:
        # that item counts as new once, whichever wins (as it would had the prune run a minute before).
        pruned_items = await self._delete_in_batches([seen_items.c.feed_id, seen_items.c.item_key], unlisted, item)

        record = delivered_items.alias("record")
        item_stored = exists().where(
            seen_items.c.feed_id == record.c.feed_id, seen_items.c.item_key == record.c.item_key
        )
        forgotten = select(record.c.subscription_id, record.c.feed_id, record.c.item_key).where(
            record.c.delivered_at < cutoff, ~item_stored
        )
        pruned_records = await self._delete_in_batches(
            [delivered_items.c.subscription_id, delivered_items.c.feed_id, delivered_items.c.item_key],
            forgotten,
            record,
        )

        old, later = deliveries.alias("old"), deliveries.alias("later")
        posted_later = exists().where(
            later.c.subscription_id == old.c.subscription_id,
            later.c.status == DeliveryStatus.POSTED,
            # The order latest_delivery reads them in.
            or_(
                later.c.claimed_at > old.c.claimed_at,
                and_(later.c.claimed_at == old.c.claimed_at, later.c.id > old.c.id),
            ),
        )
        finished = select(old.c.id).where(
            # A claim this old was abandoned long ago (claims go stale in minutes).
            func.coalesce(old.c.completed_at, old.c.claimed_at) < cutoff,
            or_(old.c.status != DeliveryStatus.POSTED, posted_later),
        )
        pruned_deliveries = await self._delete_in_batches([deliveries.c.id], finished, old)

        return PrunedHistory(
            feeds=pruned_feeds,
            seen_items=pruned_items,
            delivered_items=pruned_records,
            deliveries=pruned_deliveries,
        )

    async def _delete_in_batches(self, key: Sequence[Column[Any]], candidates: Select[Any], source: FromClause) -> int:
        """Delete the rows whose `key` (columns of one table) `candidates` selects from `source`, an
        alias of that table; PRUNE_BATCH rows a transaction. Returns how many went.

        Each batch takes up where the previous one ended, in key order, so rows the conditions keep
        are read once a prune, not once a batch. The rows are locked, skipping any another
        transaction holds (another process pruning them).
        """
        source_key = [source.c[column.name] for column in key]
        after: tuple[Any, ...] | None = None
        removed = 0
        while True:
            batch = candidates
            if after is not None:
                batch = batch.where(tuple_(*source_key) > tuple_(*map(literal, after)))
            batch = (
                batch.with_only_columns(*source_key)
                .order_by(*source_key)
                .limit(PRUNE_BATCH)
                .with_for_update(of=source, skip_locked=True)
            )
            async with self._engine.begin() as connection:
                chosen = [tuple(row) for row in (await connection.execute(batch)).all()]
                if chosen:
                    await connection.execute(delete(key[0].table).where(tuple_(*key).in_(chosen)))
            removed += len(chosen)
            if len(chosen) < PRUNE_BATCH:
                return removed
            after = chosen[-1]  # the last in the database's own order of the key

    # --- items ----------------------------------------------------------------------------------

    async def upsert_seen_items(
        self, feed_id: int, items: Iterable[ItemLike], *, now: datetime | None = None
    ) -> list[StoredItem]:
        """Remember what a fetched body of the feed lists; returns the items not seen before, in the
        order given. An item seen before keeps its first sighting (and the title and link it had then).

        `items` is the feed's whole listing at `now`: every one of them is marked listed then, and
        `now` becomes the feed's latest listing. `prune_history` never forgets an item the latest
        listing holds (a 304 Not Modified later leaves it the latest), and forgets the others once
        they have been out of the feed for the retention.

        Raises:
            NotFound: the feed no longer exists.
        """
        moment = _now(now)
        rows: list[dict[str, Any]] = []
        keys: set[str] = set()
        for item in items:
            key = stored_item_key(item.key)
            if key in keys:
                continue
            keys.add(key)
            rows.append(
                {
                    "feed_id": feed_id,
                    "item_key": key,
                    "link": item.link,
                    "link_key": link_key(item.link),
                    "title": item.title,
                    "published_at": item.published,
                    "first_seen_at": moment,
                    "last_listed_at": moment,
                    "summary": item.summary,
                    "authors": list(item.authors),
                    "source": item.source or None,
                    "language": item.language[:LANGUAGE_LENGTH] if item.language else None,
                }
            )
        new: dict[str, StoredItem] = {}
        async with self._engine.begin() as connection:
            # FOR UPDATE (PostgreSQL): two listings of one feed are stored one after the other.
            feed = (
                await connection.execute(
                    select(feeds.c.last_listed_at, feeds.c.last_success_at)
                    .where(feeds.c.id == feed_id)
                    .with_for_update()
                )
            ).one_or_none()
            if feed is None:
                raise NotFound(f"Feed {feed_id} no longer exists.")
            previous, confirmed = feed.last_listed_at, feed.last_success_at
            if previous is not None and confirmed is not None and previous < confirmed:
                # Fetches answered 304 since the previous listing: its items were listed until the
                # last of them. Those the new listing drops then count as gone from that time on.
                await connection.execute(
                    update(seen_items)
                    .where(
                        seen_items.c.feed_id == feed_id,
                        seen_items.c.last_listed_at >= previous,
                        seen_items.c.last_listed_at < confirmed,
                    )
                    .values(last_listed_at=min(confirmed, moment))
                )
            for chunk in _chunks(rows):
                statement = (
                    upsert(connection.dialect, seen_items)
                    .values(list(chunk))
                    .on_conflict_do_nothing(index_elements=[seen_items.c.feed_id, seen_items.c.item_key])
                    .returning(*seen_items.c)
                )
                for row in (await connection.execute(statement)).all():
                    new[row.item_key] = _item(row)
                listed_before = [row["item_key"] for row in chunk if row["item_key"] not in new]
                if listed_before:
                    await connection.execute(
                        update(seen_items)
                        .where(seen_items.c.feed_id == feed_id, seen_items.c.item_key.in_(listed_before))
                        .values(last_listed_at=moment)
                    )
            await connection.execute(update(feeds).where(feeds.c.id == feed_id).values(last_listed_at=moment))
        return [new[row["item_key"]] for row in rows if row["item_key"] in new]

    async def undelivered_items(
        self,
        subscription_id: int,
        *,
        since: datetime,
        feed_ids: Collection[int] | None = None,
        published_after: datetime | None = None,
        limit: int | None = None,
    ) -> list[StoredItem]:
        """Items for the subscription's next digest: first seen at or after `since`, from its feeds,
        never delivered to it before (by feed and key, or by link: the same article in two feeds
        counts once). Newest first; one item per article.

        Args:
            subscription_id: whose digest.
            since: only items newsbrief first saw at or after this time.
            feed_ids: restrict to these feeds; by default, the subscription's own. Either way only
                feeds its guild follows count.
            published_after: also drop items the feed dates before this (items without a date stay).
            limit: at most this many.
        """
        async with self._engine.connect() as connection:
            subscription = (
                await connection.execute(
                    select(subscriptions.c.guild_id, subscriptions.c.all_feeds).where(
                        subscriptions.c.id == subscription_id
                    )
                )
            ).one_or_none()
            if subscription is None:
                raise NotFound(f"Subscription {subscription_id} no longer exists.")
            if subscription.all_feeds or feed_ids is not None:
                allowed = select(guild_feeds.c.feed_id).where(guild_feeds.c.guild_id == subscription.guild_id)
            else:
                allowed = select(subscription_feeds.c.feed_id).where(
                    subscription_feeds.c.subscription_id == subscription_id
                )
            conditions = [seen_items.c.feed_id.in_(allowed), seen_items.c.first_seen_at >= _now(since)]
            if feed_ids is not None:
                conditions.append(seen_items.c.feed_id.in_(list(feed_ids)))
            if published_after is not None:
                conditions.append(
                    or_(seen_items.c.published_at.is_(None), seen_items.c.published_at >= _now(published_after))
                )
            same_item = exists().where(
                delivered_items.c.subscription_id == subscription_id,
                delivered_items.c.feed_id == seen_items.c.feed_id,
                delivered_items.c.item_key == seen_items.c.item_key,
            )
            same_link = exists().where(
                delivered_items.c.subscription_id == subscription_id,
                delivered_items.c.link_key == seen_items.c.link_key,
            )
            query = (
                select(seen_items)
                .where(*conditions, ~same_item, or_(seen_items.c.link_key.is_(None), ~same_link))
                .order_by(
                    func.coalesce(seen_items.c.published_at, seen_items.c.first_seen_at).desc(),
                    seen_items.c.feed_id,
                    seen_items.c.item_key,
                )
            )
            rows = (await connection.execute(query)).all()
        found: list[StoredItem] = []
        links: set[str] = set()
        for row in rows:
            if row.link_key is not None:
                if row.link_key in links:
                    continue
                links.add(row.link_key)
            found.append(_item(row))
            if limit is not None and len(found) >= limit:
                break
        return found

    async def record_delivered_items(
        self,
        subscription_id: int,
        items: Iterable[ItemRef],
        *,
        delivery_id: int | None = None,
        message_id: int | None = None,
        now: datetime | None = None,
    ) -> None:
        """Remember that these items went to the subscription, so no later digest repeats them.

        With `delivery_id`, they (and `message_id`, the message that carried them) count as that
        delivery's progress: a claim that takes the delivery over after a crash sees them.
        """
        moment = _now(now)
        async with self._engine.begin() as connection:
            await self._record_delivered(
                connection, subscription_id, items, delivery_id=delivery_id, message_ids=(), now=moment
            )
            if message_id is not None:
                if delivery_id is None:
                    raise ValueError("a message id belongs to a delivery: pass delivery_id too")
                await self._add_message_ids(connection, delivery_id, [message_id])

    async def _record_delivered(
        self,
        connection: AsyncConnection,
        subscription_id: int,
        items: Iterable[ItemRef],
        *,
        delivery_id: int | None,
        message_ids: Sequence[int],
        now: datetime,
    ) -> None:
        if delivery_id is not None:
            owner = await connection.scalar(select(deliveries.c.subscription_id).where(deliveries.c.id == delivery_id))
            if owner != subscription_id:
                raise ValueError(f"delivery {delivery_id} is not one of subscription {subscription_id}'s")
        refs = list(dict.fromkeys(ItemRef(feed_id, stored_item_key(key)) for feed_id, key in items))
        links: dict[ItemRef, str | None] = {}
        for chunk in _chunks(refs):
            known = await connection.execute(_KNOWN_LINKS, {"refs": [tuple(ref) for ref in chunk]})
            links.update((ItemRef(row.feed_id, row.item_key), row.link_key) for row in known)
        if refs:
            # One statement executed for many rows: compiled once and cached, where a multi-row
            # VALUES statement is compiled anew each time (80 ms for 1,000 items, on the event loop).
            await connection.execute(
                upsert(connection.dialect, delivered_items).on_conflict_do_nothing(
                    index_elements=[
                        delivered_items.c.subscription_id,
                        delivered_items.c.feed_id,
                        delivered_items.c.item_key,
                    ]
                ),
                [
                    {
                        "subscription_id": subscription_id,
                        "feed_id": ref.feed_id,
                        "item_key": ref.key,
                        "link_key": links.get(ref),
                        "delivery_id": delivery_id,
                        "delivered_at": now,
                    }
                    for ref in refs
                ],
            )
        if message_ids and delivery_id is not None:
            await self._add_message_ids(connection, delivery_id, message_ids)

    async def _add_message_ids(self, connection: AsyncConnection, delivery_id: int, message_ids: Sequence[int]) -> None:
        current = await connection.scalar(
            select(deliveries.c.posted_message_ids).where(deliveries.c.id == delivery_id).with_for_update()
        )
        if current is None:
            raise NotFound(f"Delivery {delivery_id} no longer exists.")
        posted = [int(message_id) for message_id in current]
        added = [message_id for message_id in dict.fromkeys(message_ids) if message_id not in posted]
        if added:
            await connection.execute(
                update(deliveries).where(deliveries.c.id == delivery_id).values(posted_message_ids=posted + added)
            )

    # --- subscriptions --------------------------------------------------------------------------

    async def subscribe(
        self,
        guild_id: int,
        channel_id: int,
        *,
        created_by: int,
        local_time: time,
        timezone: str,
        feed_ids: Collection[int] | None = None,
        max_stories: int = DEFAULT_MAX_STORIES,
        keywords: Iterable[str] = (),
        replace: bool = False,
        now: datetime | None = None,
    ) -> Subscription:
        """Give the channel a daily digest at `local_time` in `timezone`.

        Args:
            guild_id, channel_id: where it is posted.
            created_by: the member who asked.
            local_time: hours and minutes, wall clock, no tzinfo.
            timezone: an IANA zone name.
            feed_ids: some of the guild's feeds; None for all of them, now and later.
            max_stories: the most stories in one digest.
            keywords: when given, only stories that mention one of them (the digest applies them).
            replace: replace the channel's existing subscription (keeping its id and its history of
                delivered items, and resuming it) instead of refusing.

        Raises:
            SubscriptionExists: the channel has one and `replace` is false.
            UnknownFeed: a feed id the guild does not follow.
            InvalidSetting: a bad zone, time, story count or an empty feed choice.
        """
        moment = _now(now)
        check_timezone(timezone)
        if local_time.tzinfo is not None or local_time.second or local_time.microsecond:
            raise InvalidSetting("The digest time is hours and minutes on the local clock, like 07:30.")
        if max_stories < 1:
            raise InvalidSetting("A digest needs room for at least one story.")
        chosen = None if feed_ids is None else sorted(set(feed_ids))
        if chosen is not None and not chosen:
            raise InvalidSetting("Choose at least one feed, or all of them.")
        settings = {
            "local_time": local_time,
            "timezone": timezone,
            "all_feeds": chosen is None,
            "max_stories": max_stories,
            "keywords": list(_clean_keywords(keywords)),
        }
        async with self._engine.begin() as connection:
            if chosen is not None:
                followed = set(
                    (
                        await connection.execute(
                            select(guild_feeds.c.feed_id).where(
                                guild_feeds.c.guild_id == guild_id, guild_feeds.c.feed_id.in_(chosen)
                            )
                        )
                    ).scalars()
                )
                missing = [feed_id for feed_id in chosen if feed_id not in followed]
                if missing:
                    raise UnknownFeed(
                        "This server does not follow feed "
                        + ", ".join(str(feed_id) for feed_id in missing)
                        + ": see /feed list."
                    )
            subscription_id = await connection.scalar(
                upsert(connection.dialect, subscriptions)
                .values(
                    guild_id=guild_id,
                    channel_id=channel_id,
                    created_by=created_by,
                    created_at=moment,
                    **settings,
                )
                .on_conflict_do_nothing(index_elements=[subscriptions.c.guild_id, subscriptions.c.channel_id])
                .returning(subscriptions.c.id)
            )
            if subscription_id is None:
                if not replace:
                    raise SubscriptionExists(
                        f"<#{channel_id}> already has a daily digest: change it, or unsubscribe first."
                    )
                subscription_id = await connection.scalar(
                    update(subscriptions)
                    .where(subscriptions.c.guild_id == guild_id, subscriptions.c.channel_id == channel_id)
                    .values(paused_at=None, pause_reason=None, **settings)
                    .returning(subscriptions.c.id)
                )
                await connection.execute(
                    delete(subscription_feeds).where(subscription_feeds.c.subscription_id == subscription_id)
                )
            if chosen is not None:
                await connection.execute(
                    insert(subscription_feeds),
                    [
                        {"subscription_id": subscription_id, "guild_id": guild_id, "feed_id": feed_id}
                        for feed_id in chosen
                    ],
                )
            (subscription,) = await self._subscriptions(connection, subscriptions.c.id == subscription_id)
        LOGGER.info("Channel %s of guild %s gets a digest at %s %s", channel_id, guild_id, local_time, timezone)
        return subscription

    async def unsubscribe(self, guild_id: int, channel_id: int) -> bool:
        """Remove the channel's digest, with its delivery history; False when it had none."""
        async with self._engine.begin() as connection:
            result = await connection.execute(
                delete(subscriptions).where(
                    subscriptions.c.guild_id == guild_id, subscriptions.c.channel_id == channel_id
                )
            )
        return result.rowcount > 0

    async def list_subscriptions(self, guild_id: int) -> list[Subscription]:
        """The guild's digests, oldest first."""
        async with self._engine.connect() as connection:
            return await self._subscriptions(connection, subscriptions.c.guild_id == guild_id)

    async def get_subscription(self, guild_id: int, channel_id: int) -> Subscription | None:
        async with self._engine.connect() as connection:
            found = await self._subscriptions(
                connection, and_(subscriptions.c.guild_id == guild_id, subscriptions.c.channel_id == channel_id)
            )
        return found[0] if found else None

    async def subscription_by_id(self, subscription_id: int) -> Subscription | None:
        """For the scheduler, which knows subscriptions by id: not scoped to a guild."""
        async with self._engine.connect() as connection:
            found = await self._subscriptions(connection, subscriptions.c.id == subscription_id)
        return found[0] if found else None

    async def active_subscriptions(self) -> list[Subscription]:
        """Every digest that is not paused, in every guild: what the scheduler schedules."""
        async with self._engine.connect() as connection:
            return await self._subscriptions(connection, subscriptions.c.paused_at.is_(None))

    async def pause_subscription(
        self, guild_id: int, channel_id: int, *, reason: str, now: datetime | None = None
    ) -> bool:
        """Stop posting the channel's digest until resumed, saying why; False when it has none."""
        moment = _now(now)
        async with self._engine.begin() as connection:
            result = await connection.execute(
                update(subscriptions)
                .where(subscriptions.c.guild_id == guild_id, subscriptions.c.channel_id == channel_id)
                .values(paused_at=moment, pause_reason=_clip(reason))
            )
        return result.rowcount > 0

    async def resume_subscription(self, guild_id: int, channel_id: int) -> bool:
        """Post the channel's digest again; False when it has none."""
        async with self._engine.begin() as connection:
            result = await connection.execute(
                update(subscriptions)
                .where(subscriptions.c.guild_id == guild_id, subscriptions.c.channel_id == channel_id)
                .values(paused_at=None, pause_reason=None)
            )
        return result.rowcount > 0

    async def forget_guild(self, guild_id: int) -> None:
        """Delete everything the guild made (the bot left it): its digests, their history, its follows."""
        async with self._engine.begin() as connection:
            await connection.execute(delete(subscriptions).where(subscriptions.c.guild_id == guild_id))
            await connection.execute(delete(guild_feeds).where(guild_feeds.c.guild_id == guild_id))
        LOGGER.info("Forgot guild %s", guild_id)

    async def _subscriptions(self, connection: AsyncConnection, condition: Any) -> list[Subscription]:
        rows = (await connection.execute(select(subscriptions).where(condition).order_by(subscriptions.c.id))).all()
        chosen: dict[int, list[int]] = {}
        ids = [row.id for row in rows if not row.all_feeds]
        for chunk in _chunks(ids):
            pairs = await connection.execute(
                select(subscription_feeds.c.subscription_id, subscription_feeds.c.feed_id)
                .where(subscription_feeds.c.subscription_id.in_(chunk))
                .order_by(subscription_feeds.c.feed_id)
            )
            for subscription_id, feed_id in pairs:
                chosen.setdefault(subscription_id, []).append(feed_id)
        return [
            Subscription(
                id=row.id,
                guild_id=row.guild_id,
                channel_id=row.channel_id,
                local_time=row.local_time,
                timezone=row.timezone,
                feed_ids=None if row.all_feeds else tuple(chosen.get(row.id, ())),
                max_stories=row.max_stories,
                keywords=tuple(row.keywords),
                paused_at=row.paused_at,
                pause_reason=row.pause_reason,
                created_at=row.created_at,
                created_by=row.created_by,
            )
            for row in rows
        ]

    # --- deliveries -----------------------------------------------------------------------------

    async def claim_delivery(
        self,
        subscription_id: int,
        local_date: date,
        kind: DeliveryKind,
        *,
        now: datetime | None = None,
        stale_after: timedelta = STALE_CLAIM_AFTER,
    ) -> Claim | None:
        """Claim the right to post the subscription's digest for `local_date`.

        A manual digest is always claimed anew. A scheduled one exists once per local date, so among
        processes racing for it exactly one gets a Claim. The others get None, and so does anyone
        once it is posted, or while its claim is fresh. A claim older than `stale_after` that was
        never completed (its process died), or a failed delivery, is taken over: the Claim then
        says what was already posted, so that only the rest is.
        """
        moment = _now(now)
        kind = DeliveryKind(kind)
        fresh = {
            "subscription_id": subscription_id,
            "local_date": local_date,
            "kind": kind,
            "status": DeliveryStatus.CLAIMED,
            "attempt": 1,
            "claimed_at": moment,
            "posted_message_ids": [],
        }
        async with self._engine.begin() as connection:
            if kind is DeliveryKind.MANUAL:
                delivery_id = await connection.scalar(insert(deliveries).values(**fresh).returning(deliveries.c.id))
            else:
                # The partial unique index makes this the one place where racing claims are decided.
                delivery_id = await connection.scalar(
                    upsert(connection.dialect, deliveries)
                    .values(**fresh)
                    .on_conflict_do_nothing(
                        index_elements=[deliveries.c.subscription_id, deliveries.c.local_date],
                        index_where=text("kind = 'scheduled'"),
                    )
                    .returning(deliveries.c.id)
                )
            if delivery_id is not None:
                return Claim(
                    delivery_id=delivery_id,
                    subscription_id=subscription_id,
                    local_date=local_date,
                    kind=kind,
                    attempt=1,
                    claimed_at=moment,
                    posted_message_ids=(),
                    delivered=frozenset(),
                )
            existing = (
                await connection.execute(
                    select(deliveries)
                    .where(
                        deliveries.c.subscription_id == subscription_id,
                        deliveries.c.local_date == local_date,
                        deliveries.c.kind == DeliveryKind.SCHEDULED,
                    )
                    .with_for_update()
                )
            ).one()
            abandoned = existing.status == DeliveryStatus.CLAIMED and existing.claimed_at <= moment - stale_after
            if existing.status != DeliveryStatus.FAILED and not abandoned:
                return None
            # Compare-and-set on the attempt: of two processes taking it over, one wins.
            attempt = await connection.scalar(
                update(deliveries)
                .where(deliveries.c.id == existing.id, deliveries.c.attempt == existing.attempt)
                .values(
                    status=DeliveryStatus.CLAIMED,
                    attempt=existing.attempt + 1,
                    claimed_at=moment,
                    completed_at=None,
                    error=None,
                )
                .returning(deliveries.c.attempt)
            )
            if attempt is None:
                return None
            delivered = await connection.execute(
                select(delivered_items.c.feed_id, delivered_items.c.item_key).where(
                    delivered_items.c.delivery_id == existing.id
                )
            )
            claim = Claim(
                delivery_id=existing.id,
                subscription_id=subscription_id,
                local_date=local_date,
                kind=kind,
                attempt=attempt,
                claimed_at=moment,
                posted_message_ids=tuple(int(message_id) for message_id in existing.posted_message_ids),
                delivered=frozenset(ItemRef(row.feed_id, row.item_key) for row in delivered),
            )
        LOGGER.info(
            "Took over delivery %s of subscription %s (attempt %d, was %s)",
            claim.delivery_id,
            subscription_id,
            claim.attempt,
            existing.status,
        )
        return claim

    async def complete_delivery(
        self,
        claim: Claim,
        *,
        status: DeliveryStatus,
        message_ids: Sequence[int] = (),
        items: Iterable[ItemRef] = (),
        error: str | None = None,
        now: datetime | None = None,
    ) -> bool:
        """Finish a claimed delivery as posted or failed, recording the messages and items it posted
        (they are recorded whatever happens: they were posted). Returns False when the claim was
        taken over meanwhile, in which case the status is left to the new holder."""
        status = DeliveryStatus(status)
        if status is DeliveryStatus.CLAIMED:
            raise ValueError("a delivery completes as posted or failed")
        moment = _now(now)
        async with self._engine.begin() as connection:
            await self._record_delivered(
                connection,
                claim.subscription_id,
                items,
                delivery_id=claim.delivery_id,
                message_ids=message_ids,
                now=moment,
            )
            result = await connection.execute(
                update(deliveries)
                .where(
                    deliveries.c.id == claim.delivery_id,
                    deliveries.c.attempt == claim.attempt,
                    deliveries.c.status == DeliveryStatus.CLAIMED,
                )
                .values(status=status, completed_at=moment, error=_clip(error))
            )
        if result.rowcount == 0:
            LOGGER.warning("Delivery %s was taken over before attempt %d completed", claim.delivery_id, claim.attempt)
            return False
        return True

    async def latest_delivery(
        self, subscription_id: int, *, status: DeliveryStatus | None = None, kind: DeliveryKind | None = None
    ) -> Delivery | None:
        """The subscription's most recently claimed delivery (of that status and kind, when given):
        a digest covers what is new since the last one posted."""
        query = select(deliveries).where(deliveries.c.subscription_id == subscription_id)
        if status is not None:
            query = query.where(deliveries.c.status == DeliveryStatus(status))
        if kind is not None:
            query = query.where(deliveries.c.kind == DeliveryKind(kind))
        query = query.order_by(deliveries.c.claimed_at.desc(), deliveries.c.id.desc()).limit(1)
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).one_or_none()
        return None if row is None else _delivery(row)

    async def get_delivery(self, delivery_id: int) -> Delivery | None:
        async with self._engine.connect() as connection:
            row = (await connection.execute(select(deliveries).where(deliveries.c.id == delivery_id))).one_or_none()
        return None if row is None else _delivery(row)

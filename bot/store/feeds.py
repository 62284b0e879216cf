"""The feeds guilds follow, and fetching them: follows and the per-guild cap, handing due feeds out
to one process at a time, and what each fetch's success or failure means for the next check.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, func, insert, select, update

from bot.news.errors import N_
from bot.news.urls import is_http_url, normalize_url
from bot.store.database import Queries, lock_for_transaction, upsert
from bot.store.records import (
    AlreadyFollowing,
    Feed,
    FeedLimitReached,
    GuildFeed,
    InvalidSetting,
    NotFound,
    clip_error,
    feed_from_row,
    utc_now,
)
from bot.store.tables import PauseReason, feeds, guild_feeds, subscription_feeds, subscriptions

LOGGER = logging.getLogger(__name__)


MAX_FEEDS_PER_GUILD = 50
"""The issue's cap: it bounds what one guild makes every process fetch, and what a digest reads."""
FAILURE_BACKOFF_BASE = timedelta(minutes=15)
"""Wait after a feed's first failure: long enough to ride out a deploy or a brief outage."""
FAILURE_BACKOFF_MAX = timedelta(hours=24)
"""The longest wait between checks of a failing feed: a dead feed still gets checked daily."""
FETCH_LEASE = timedelta(minutes=10)
"""A claimed feed is not handed out again for this long: two fetch timeouts and the parse, with room.
A process that dies mid-fetch loses its claim when the lease runs out."""
DUE_FEEDS_BATCH = 100
"""Feeds handed out by one claim_due_feeds call: a few minutes of fetching at a polite pace."""

FEEDS_REMOVED_REASON = PauseReason.FEEDS_REMOVED


def failure_backoff(consecutive_failures: int) -> timedelta:
    """How long to wait before checking a feed that has failed this many times in a row: doubling
    from FAILURE_BACKOFF_BASE up to FAILURE_BACKOFF_MAX."""
    if consecutive_failures <= 0:
        return timedelta(0)
    # Cap the exponent first (2**16 times 15 minutes is far past the cap already): a feed dead for
    # years must not make a number too large for a timedelta.
    doublings = min(consecutive_failures - 1, 16)
    return min(FAILURE_BACKOFF_BASE * (1 << doublings), FAILURE_BACKOFF_MAX)


class FeedQueries(Queries):
    """Follows (scoped to a guild) and fetch bookkeeping (global: the scheduler's)."""

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
        moment = utc_now(now)
        normalized = normalize_url(url) if is_http_url(url) else ""
        if not normalized:
            raise InvalidSetting(N_("“{url}” is not a feed address: use an http:// or https:// URL."), url=url)
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
                raise AlreadyFollowing(N_("This server already follows {url}."), url=normalized)
            count = await connection.scalar(
                select(func.count()).select_from(guild_feeds).where(guild_feeds.c.guild_id == guild_id)
            )
            if (count or 0) >= MAX_FEEDS_PER_GUILD:
                raise FeedLimitReached(
                    N_(
                        "This server already follows {count} feeds, the most it can. "
                        "Remove one with /feed remove first."
                    ),
                    count=MAX_FEEDS_PER_GUILD,
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
        return GuildFeed(guild_id=guild_id, feed=feed_from_row(feed_row), added_by=added_by, added_at=moment)

    async def remove_guild_feed(self, guild_id: int, feed_id: int, *, now: datetime | None = None) -> bool:
        """Stop the guild following the feed; False when it did not. Subscriptions that chose only
        removed feeds are paused with FEEDS_REMOVED_REASON rather than left to post nothing."""
        moment = utc_now(now)
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
        async with self.reading() as connection:
            rows = (await connection.execute(query)).all()
        return [
            GuildFeed(guild_id=guild_id, feed=feed_from_row(row), added_by=row.added_by, added_at=row.added_at)
            for row in rows
        ]

    async def get_guild_feed(self, guild_id: int, feed_id: int) -> GuildFeed | None:
        """One of the guild's feeds, or None when the guild does not follow it."""
        query = (
            select(feeds, guild_feeds.c.added_by, guild_feeds.c.added_at)
            .join(guild_feeds, guild_feeds.c.feed_id == feeds.c.id)
            .where(guild_feeds.c.guild_id == guild_id, guild_feeds.c.feed_id == feed_id)
        )
        async with self.reading() as connection:
            row = (await connection.execute(query)).one_or_none()
        if row is None:
            return None
        return GuildFeed(guild_id=guild_id, feed=feed_from_row(row), added_by=row.added_by, added_at=row.added_at)

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
        moment = utc_now(now)
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
        return sorted((feed_from_row(row) for row in rows), key=lambda feed: order[feed.id])

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
        moment = utc_now(now)
        values: dict[str, Any] = {
            "etag": etag,
            "last_modified": last_modified,
            "last_success_at": moment,
            "consecutive_failures": 0,
            "next_check_at": utc_now(next_check_at),
        }
        if title:
            values["title"] = title
        if site_url:
            values["site_url"] = site_url
        async with self._engine.begin() as connection:
            result = await connection.execute(update(feeds).where(feeds.c.id == feed_id).values(**values))
        if result.rowcount == 0:
            raise NotFound(N_("Feed {id} no longer exists."), id=feed_id)

    async def record_fetch_failure(
        self, feed_id: int, *, error: str, now: datetime | None = None, retry_after: timedelta | None = None
    ) -> Feed:
        """A fetch failed: keep the error, count it, and back off (failure_backoff, or the server's
        Retry-After when longer). Returns the feed as updated, for the caller to judge how dead it is."""
        moment = utc_now(now)
        async with self._engine.begin() as connection:
            failures = await connection.scalar(
                update(feeds)
                .where(feeds.c.id == feed_id)
                .values(
                    consecutive_failures=feeds.c.consecutive_failures + 1,
                    last_error=clip_error(error),
                    last_error_at=moment,
                )
                .returning(feeds.c.consecutive_failures)
            )
            if failures is None:
                raise NotFound(N_("Feed {id} no longer exists."), id=feed_id)
            delay = max(failure_backoff(failures), retry_after or timedelta(0))
            row = (
                await connection.execute(
                    update(feeds).where(feeds.c.id == feed_id).values(next_check_at=moment + delay).returning(*feeds.c)
                )
            ).one()
        LOGGER.info("Feed %s failed %d time(s) in a row; next check in %s", feed_id, failures, delay)
        return feed_from_row(row)

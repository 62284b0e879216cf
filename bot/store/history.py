"""History kept only as long as it is useful: pruning unfollowed feeds, items gone from their feeds,
and finished deliveries, in small batches that two processes can share.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Column, FromClause, Select, and_, delete, exists, func, literal, or_, select, tuple_
from sqlalchemy.exc import IntegrityError

from bot.settings import MIN_HISTORY_RETENTION
from bot.store.database import Queries
from bot.store.records import PrunedHistory, utc_now
from bot.store.tables import DeliveryStatus, delivered_items, deliveries, feeds, guild_feeds, seen_items

LOGGER = logging.getLogger(__name__)


PRUNE_BATCH = 1000
"""Rows one pruning DELETE removes, in its own transaction: the first prune after an upgrade may face
years of rows, and in steps this size it holds SQLite's write lock for tens of milliseconds at a time
(about 10 ms a batch, plus the kept rows it reads past), so refreshes and digests are not kept
waiting behind it."""


class HistoryQueries(Queries):
    """Housekeeping deletes: safe to run from any process, at any time, or to skip."""

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
        cutoff = utc_now(now) - retention
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
            before = utc_now(idle_before)
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

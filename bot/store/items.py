"""The items feeds list: storing each listing once per item, and reading a digest's undelivered items."""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, exists, func, or_, select, update

from bot.store.database import Queries, upsert
from bot.store.records import (
    ItemLike,
    NotFound,
    StoredItem,
    in_chunks,
    item_from_row,
    link_key,
    stored_item_key,
    utc_now,
)
from bot.store.tables import (
    LANGUAGE_LENGTH,
    delivered_items,
    feeds,
    guild_feeds,
    seen_items,
    subscription_feeds,
    subscriptions,
)

LOGGER = logging.getLogger(__name__)


class ItemQueries(Queries):
    """Seen items: stored per feed, read per subscription, counted per feed."""

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
        moment = utc_now(now)
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
                    "image": item.image,
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
            for chunk in in_chunks(rows):
                statement = (
                    upsert(connection.dialect, seen_items)
                    .values(list(chunk))
                    .on_conflict_do_nothing(index_elements=[seen_items.c.feed_id, seen_items.c.item_key])
                    .returning(*seen_items.c)
                )
                for row in (await connection.execute(statement)).all():
                    new[row.item_key] = item_from_row(row)
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
        async with self.reading() as connection:
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
            conditions = [seen_items.c.feed_id.in_(allowed), seen_items.c.first_seen_at >= utc_now(since)]
            if feed_ids is not None:
                conditions.append(seen_items.c.feed_id.in_(list(feed_ids)))
            if published_after is not None:
                conditions.append(
                    or_(seen_items.c.published_at.is_(None), seen_items.c.published_at >= utc_now(published_after))
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
            found.append(item_from_row(row))
            if limit is not None and len(found) >= limit:
                break
        return found

    async def item_counts(
        self, feed_ids: Collection[int], *, since: datetime | None = None, now: datetime | None = None
    ) -> dict[int, tuple[int, int]]:
        """For each feed: (items stored, items first seen since `since`, by default the last 24 hours)."""
        if not feed_ids:
            return {}
        recent_since = since or utc_now(now) - timedelta(hours=24)
        recent = func.sum(func.cast(seen_items.c.first_seen_at >= recent_since, Integer))
        query = (
            select(seen_items.c.feed_id, func.count(), recent)
            .where(seen_items.c.feed_id.in_(list(feed_ids)))
            .group_by(seen_items.c.feed_id)
        )
        async with self.reading() as connection:
            rows = (await connection.execute(query)).all()
        counts = {feed_id: (0, 0) for feed_id in feed_ids}
        counts.update({row[0]: (int(row[1]), int(row[2] or 0)) for row in rows})
        return counts

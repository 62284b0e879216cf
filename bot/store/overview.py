"""Figures about the whole bot, across guilds, for /about: one statement, however much is stored."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import func, select

from bot.store.database import Queries
from bot.store.records import Overview, utc_now
from bot.store.tables import DeliveryStatus, deliveries, feeds, guild_feeds


class OverviewQueries(Queries):
    """Global figures; no guild's rows are shown, only counted."""

    async def overview(self, *, now: datetime | None = None) -> Overview:
        """How many feeds the guilds follow, when one was last fetched, and how many digests were
        posted since midnight UTC of `now`'s day."""
        moment = utc_now(now)
        midnight = datetime.combine(moment.date(), time(), tzinfo=moment.tzinfo)
        followed = select(guild_feeds.c.feed_id).distinct().subquery()
        followed_feeds = (
            select(func.count(feeds.c.id).label("followed"), func.max(feeds.c.last_success_at).label("last_fetch"))
            .join(followed, followed.c.feed_id == feeds.c.id)
            .subquery()
        )
        posted_today = (
            select(func.count())
            .select_from(deliveries)
            .where(deliveries.c.status == DeliveryStatus.POSTED, deliveries.c.completed_at >= midnight)
            .scalar_subquery()
        )
        query = select(followed_feeds.c.followed, followed_feeds.c.last_fetch, posted_today.label("posted"))
        async with self.reading() as connection:
            row = (await connection.execute(query)).one()
        return Overview(followed_feeds=row.followed, last_feed_fetch=row.last_fetch, digests_posted_today=row.posted)

"""The Store: one object that opens the database and offers every query module's queries.

Every query that belongs to a guild takes the guild's id and never reads or writes another guild's
rows. The scheduler's few global queries (due feeds, active subscriptions, a subscription by id,
deliveries) are named as such. Times go in and come out timezone-aware; every function that needs
"now" takes it as `now=` so that callers and tests can fix the clock.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from bot.store.briefs import BriefQueries
from bot.store.database import DEFAULT_POOL, PoolLimits, open_engine
from bot.store.deliveries import DeliveryQueries
from bot.store.feeds import FeedQueries
from bot.store.history import HistoryQueries
from bot.store.items import ItemQueries
from bot.store.live import LiveQueries
from bot.store.migrations import migrate
from bot.store.overview import OverviewQueries
from bot.store.subscriptions import SubscriptionQueries


async def open_store(url: str, *, echo: bool = False, pool: PoolLimits = DEFAULT_POOL) -> Store:
    """Open the database at `url`, creating it (and an SQLite file's folder) and upgrading its schema.

    Args:
        url: `sqlite+aiosqlite:///data/newsbrief.db` or `postgresql+asyncpg://user:password@host/db`.
        echo: log every statement (debugging).
        pool: connections kept and how long a query waits for one (DATABASE_POOL_SIZE/_TIMEOUT).
    """
    engine = await open_engine(url, echo=echo, pool=pool)
    try:
        await migrate(engine)
    except BaseException:
        await engine.dispose()
        raise
    return Store(engine)


class Store(
    FeedQueries,
    ItemQueries,
    SubscriptionQueries,
    DeliveryQueries,
    HistoryQueries,
    OverviewQueries,
    BriefQueries,
    LiveQueries,
):
    """newsbrief's data. Safe to share between tasks, and between processes using one database.

    Each base is one module's queries on the same engine; the Store only adds opening and closing,
    so callers keep one object (`store.add_guild_feed`, `store.claim_delivery`) whatever module
    a query lives in.
    """

    async def close(self) -> None:
        await self._engine.dispose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.close()

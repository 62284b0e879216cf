"""newsbrief's storage: SQLAlchemy tables and the few queries the app needs, on SQLite or PostgreSQL.

store = await open_store(settings.database_url)   # creates and upgrades the schema
...
await store.close()
"""

from bot.store.database import UnsupportedDatabase
from bot.store.migrations import LATEST_VERSION, SchemaTooNew
from bot.store.queries import (
    DEFAULT_MAX_STORIES,
    FAILING_AFTER,
    MAX_FEEDS_PER_GUILD,
    MIN_HISTORY_RETENTION,
    AlreadyFollowing,
    Claim,
    Delivery,
    Feed,
    FeedLimitReached,
    GuildFeed,
    InvalidSetting,
    ItemLike,
    ItemRef,
    NotFound,
    PrunedHistory,
    Store,
    StoredItem,
    StoreError,
    Subscription,
    SubscriptionExists,
    UnknownFeed,
    failure_backoff,
    open_store,
)
from bot.store.tables import DeliveryKind, DeliveryStatus

__all__ = [
    "DEFAULT_MAX_STORIES",
    "FAILING_AFTER",
    "LATEST_VERSION",
    "MAX_FEEDS_PER_GUILD",
    "MIN_HISTORY_RETENTION",
    "AlreadyFollowing",
    "Claim",
    "Delivery",
    "DeliveryKind",
    "DeliveryStatus",
    "Feed",
    "FeedLimitReached",
    "GuildFeed",
    "InvalidSetting",
    "ItemLike",
    "ItemRef",
    "NotFound",
    "PrunedHistory",
    "SchemaTooNew",
    "Store",
    "StoreError",
    "StoredItem",
    "Subscription",
    "SubscriptionExists",
    "UnknownFeed",
    "UnsupportedDatabase",
    "failure_backoff",
    "open_store",
]

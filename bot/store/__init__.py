"""newsbrief's storage: SQLAlchemy tables and the few queries the app needs, on SQLite or PostgreSQL.

store = await open_store(settings.database_url)   # creates and upgrades the schema
...
await store.close()

One module per thing stored, each with its own queries on the engine; `Store` combines them:

    records.py        errors, the records queries return, and the pure helpers the modules share
    feeds.py          FeedQueries: the feeds guilds follow, handing due feeds out, fetch results
    items.py          ItemQueries: the items feeds list, and a digest's undelivered ones
    subscriptions.py  SubscriptionQueries: which channel gets a daily digest, and how; forgetting a guild
    deliveries.py     DeliveryQueries: claiming, completing and recording each digest posted
    briefs.py         BriefQueries: each linked page briefed once across processes, kept for digests
    history.py        HistoryQueries: pruning what no digest needs any more
    overview.py       OverviewQueries: figures across guilds, for /about
    store.py          Store and open_store
    tables.py         the schema; migrations.py its versions; database.py the engines and dialects
"""

from bot.store.briefs import BRIEF_LEASE, BriefClaim, StoredBrief
from bot.store.database import UnsupportedDatabase
from bot.store.deliveries import CLAIM_LEASE, LEASE_RENEWAL, renewal_interval, retry_delay, takeover_due
from bot.store.feeds import MAX_FEEDS_PER_GUILD, failure_backoff
from bot.store.migrations import LATEST_VERSION, SchemaTooNew
from bot.store.records import (
    FAILING_AFTER,
    AlreadyFollowing,
    Claim,
    Delivery,
    DueEditions,
    Feed,
    FeedLimitReached,
    ForgottenGuild,
    GuildFeed,
    InvalidSetting,
    ItemLike,
    ItemRef,
    MissedEdition,
    NotFound,
    Overview,
    PrunedHistory,
    StoredItem,
    StoreError,
    Subscription,
    SubscriptionChanges,
    SubscriptionExists,
    UnknownFeed,
)
from bot.store.store import Store, open_store
from bot.store.subscriptions import zone_names
from bot.store.tables import BriefStatus, DeliveryKind, DeliveryStatus, PauseReason

__all__ = [
    "BRIEF_LEASE",
    "CLAIM_LEASE",
    "FAILING_AFTER",
    "LATEST_VERSION",
    "LEASE_RENEWAL",
    "MAX_FEEDS_PER_GUILD",
    "AlreadyFollowing",
    "BriefClaim",
    "BriefStatus",
    "Claim",
    "Delivery",
    "DeliveryKind",
    "DeliveryStatus",
    "DueEditions",
    "Feed",
    "FeedLimitReached",
    "ForgottenGuild",
    "GuildFeed",
    "InvalidSetting",
    "ItemLike",
    "ItemRef",
    "MissedEdition",
    "NotFound",
    "Overview",
    "PauseReason",
    "PrunedHistory",
    "SchemaTooNew",
    "Store",
    "StoreError",
    "StoredBrief",
    "StoredItem",
    "Subscription",
    "SubscriptionChanges",
    "SubscriptionExists",
    "UnknownFeed",
    "UnsupportedDatabase",
    "failure_backoff",
    "open_store",
    "renewal_interval",
    "retry_delay",
    "takeover_due",
    "zone_names",
]

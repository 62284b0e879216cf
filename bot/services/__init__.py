"""Services: what the commands do, between the cogs and the store, scheduler and pipeline.

A cog parses an interaction, calls one method of a service and renders the typed result it gets back.
A service owns the pairings a command needs, so that no cog has to know them:

- `feeds.FeedService`: following a feed discovers it, then stores it; feeds are named by one rule.
- `subscriptions.SubscriptionService`: a digest's schedule is written to the store, where the delivery
  clock finds its editions; digests posted now or previewed go through the digest service.
- `about.AboutService`: the version and the figures /about shows.
- `guilds.GuildService`: a guild the bot has left is forgotten, follows and digests alike.

Nothing here imports discord. What the user got wrong is raised as a `NewsError` whose message is meant
for them (the one error handler in cogs/errors.py shows it).
"""

from bot.services.about import About, AboutService
from bot.services.feeds import (
    HELD_BACK_WINDOW,
    DigestHeldBack,
    FeedNotFollowed,
    FeedService,
    FeedStatus,
    FeedStatusReport,
    FollowedFeed,
    FoundBy,
    ImportedFeed,
    ImportOutcome,
    ImportReport,
    OpmlExport,
    feed_name,
    is_named,
)
from bot.services.guilds import DepartedGuilds, GuildService, GuildsInView, on_shards
from bot.services.subscriptions import (
    LIVE_EDITION_TIME,
    LIVE_ZONE,
    MAX_MIN_OUTLETS,
    MAX_STORIES,
    DigestEdit,
    DigestListing,
    DigestRequest,
    EditionsNeedSchedule,
    HourlyCapNeedsLive,
    NoDigest,
    SubscriptionService,
    UnknownZone,
    check_zone,
)
from bot.store import zone_names
from bot.store.tables import DEFAULT_HOURLY_CAP, MAX_HOURLY_CAP, SubscriptionMode

__all__ = [
    "DEFAULT_HOURLY_CAP",
    "HELD_BACK_WINDOW",
    "LIVE_EDITION_TIME",
    "LIVE_ZONE",
    "MAX_HOURLY_CAP",
    "MAX_MIN_OUTLETS",
    "MAX_STORIES",
    "About",
    "AboutService",
    "DepartedGuilds",
    "DigestEdit",
    "DigestHeldBack",
    "DigestListing",
    "DigestRequest",
    "EditionsNeedSchedule",
    "FeedNotFollowed",
    "FeedService",
    "FeedStatus",
    "FeedStatusReport",
    "FollowedFeed",
    "FoundBy",
    "GuildService",
    "GuildsInView",
    "HourlyCapNeedsLive",
    "ImportOutcome",
    "ImportReport",
    "ImportedFeed",
    "NoDigest",
    "OpmlExport",
    "SubscriptionMode",
    "SubscriptionService",
    "UnknownZone",
    "check_zone",
    "feed_name",
    "is_named",
    "on_shards",
    "zone_names",
]

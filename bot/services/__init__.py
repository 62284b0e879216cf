"""Services: what the commands do, between the cogs and the store, scheduler and pipeline.

A cog parses an interaction, calls one method of a service and renders the typed result it gets back.
A service owns the pairings a command needs, so that no cog has to know them:

- `feeds.FeedService`: following a feed discovers it, then stores it; feeds are named by one rule.
- `subscriptions.SubscriptionService`: a digest written to the store is given to the scheduler in the
  same call; digests posted now or previewed go through the digest service.

Nothing here imports discord. What the user got wrong is raised as a `NewsError` whose message is meant
for them (the one error handler in cogs/errors.py shows it).
"""

from bot.services.feeds import (
    FeedNotFollowed,
    FeedService,
    FeedStatus,
    FeedStatusReport,
    FollowedFeed,
    FoundBy,
    feed_name,
    is_named,
)
from bot.services.subscriptions import (
    MAX_STORIES,
    DigestListing,
    DigestRequest,
    NoDigest,
    SubscriptionService,
    UnknownZone,
    check_zone,
    zone_names,
)

__all__ = [
    "MAX_STORIES",
    "DigestListing",
    "DigestRequest",
    "FeedNotFollowed",
    "FeedService",
    "FeedStatus",
    "FeedStatusReport",
    "FollowedFeed",
    "FoundBy",
    "NoDigest",
    "SubscriptionService",
    "UnknownZone",
    "check_zone",
    "feed_name",
    "is_named",
    "zone_names",
]

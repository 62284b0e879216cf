"""The feeds a guild follows: following one finds its feed first, then stores it; feeds are named by
one rule everywhere (their id, their URL, or their title in any case)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Literal

from bot.digests import Clock, utc_now
from bot.news.errors import NewsError
from bot.news.feeds import discover_feed
from bot.news.fetch import Fetcher
from bot.store import Feed, GuildFeed, Store

LOGGER = logging.getLogger(__name__)

FoundBy = Literal["direct", "link", "guess"]
"""How a followed feed was found: the address given was the feed, the page linked to it, or a common
feed path on the site answered."""


class FeedNotFollowed(NewsError):
    """The guild follows no feed by the name given."""

    def __init__(self, name: str) -> None:
        super().__init__(f"This server does not follow a feed called “{name}”: pick one from /feed list.")
        self.name = name


def feed_name(feed: Feed) -> str:
    """What a feed is called in answers: its title, or its address when it has none."""
    return feed.title or feed.url


def is_named(entry: GuildFeed, name: str) -> bool:
    """Whether `name` names this feed: its id, its URL, or its title in any case."""
    name = name.strip()
    if not name:
        return False
    feed = entry.feed
    return name in {str(feed.id), feed.url} or name.casefold() == (feed.title or "").casefold()


@dataclass(frozen=True, slots=True)
class FollowedFeed:
    """A feed just followed."""

    feed: Feed
    found_by: FoundBy
    items_now: int
    """Items the feed listed when it was found."""


@dataclass(frozen=True, slots=True)
class FeedStatus:
    """One feed's health, for /feed status."""

    feed: Feed
    stored_items: int
    recent_items: int
    """Items first seen in the last 24 hours."""


@dataclass(frozen=True, slots=True)
class FeedStatusReport:
    feeds: tuple[FeedStatus, ...]

    @property
    def failing(self) -> int:
        """How many of the feeds are failing."""
        return sum(1 for status in self.feeds if status.feed.failing)


class FeedService:
    """Follow, unfollow, list and look into a guild's feeds."""

    def __init__(
        self, *, store: Store, fetcher: Fetcher, executor: Executor | None = None, clock: Clock = utc_now
    ) -> None:
        """Args:
        store: where followed feeds live.
        fetcher: fetches the page or feed being followed.
        executor: where feed parsing runs; None for the loop's default thread pool.
        clock: the current time (when a feed was followed, what counts as recent).
        """
        self.store = store
        self.fetcher = fetcher
        self.executor = executor
        self.clock = clock

    async def follow(self, guild_id: int, url: str, *, added_by: int) -> FollowedFeed:
        """Find the feed at `url` (the feed itself, or a site that has one) and make the guild follow it.

        Raises:
            FeedError, FetchError: no feed could be found or read there.
            AlreadyFollowing, FeedLimitReached: see Store.add_guild_feed.
        """
        discovered = await discover_feed(self.fetcher, url, executor=self.executor)
        entry = await self.store.add_guild_feed(
            guild_id,
            discovered.url,
            added_by=added_by,
            title=discovered.feed.title,
            site_url=discovered.feed.link,
            now=self.clock(),
        )
        return FollowedFeed(feed=entry.feed, found_by=discovered.found_by, items_now=len(discovered.feed.items))

    async def unfollow(self, guild_id: int, name: str) -> Feed:
        """Stop the guild following the feed `name` names; returns that feed.

        Raises:
            FeedNotFollowed: the guild follows no such feed.
        """
        entry = await self.find(guild_id, name)
        await self.store.remove_guild_feed(guild_id, entry.feed.id, now=self.clock())
        return entry.feed

    async def followed(self, guild_id: int) -> list[GuildFeed]:
        """The guild's feeds, in the order they were followed."""
        return await self.store.list_guild_feeds(guild_id)

    async def search(self, guild_id: int, typed: str) -> list[GuildFeed]:
        """The guild's feeds whose title or URL contains `typed`, in any case (for autocomplete)."""
        needle = typed.strip().casefold()
        return [
            entry
            for entry in await self.followed(guild_id)
            if needle in entry.feed.url.casefold() or needle in (entry.feed.title or "").casefold()
        ]

    async def find(self, guild_id: int, name: str) -> GuildFeed:
        """The guild's feed that `name` names (see `is_named`).

        Raises:
            FeedNotFollowed: none does.
        """
        return (await self.find_all(guild_id, [name]))[0]

    async def find_all(self, guild_id: int, names: Sequence[str]) -> list[GuildFeed]:
        """The guild's feeds that `names` name, in their order.

        Raises:
            FeedNotFollowed: one of the names names none.
        """
        followed = await self.followed(guild_id)
        found = []
        for name in names:
            entry = next((entry for entry in followed if is_named(entry, name)), None)
            if entry is None:
                raise FeedNotFollowed(name.strip())
            found.append(entry)
        return found

    async def status(self, guild_id: int, name: str | None = None) -> FeedStatusReport:
        """How the feed `name` names, or every feed of the guild, has been fetching.

        Raises:
            FeedNotFollowed: `name` names no feed of the guild.
        """
        entries = [await self.find(guild_id, name)] if name is not None else await self.followed(guild_id)
        counts = await self.store.item_counts([entry.feed.id for entry in entries], now=self.clock())
        return FeedStatusReport(
            feeds=tuple(
                FeedStatus(entry.feed, stored_items=counts[entry.feed.id][0], recent_items=counts[entry.feed.id][1])
                for entry in entries
            )
        )

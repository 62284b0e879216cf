"""The feeds a guild follows: following one finds its feed first, then stores it; feeds are named by
one rule everywhere (their id, their URL, or their title in any case)."""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Literal

from bot.digests import MAX_DIGEST_ITEMS, MAX_DIGEST_WINDOW, Clock, utc_now
from bot.news.digest import held_back_on_feeds
from bot.news.errors import N_, FetchError, FetchErrorKind, NewsError
from bot.news.feeds import DiscoveredFeed, discover_feed
from bot.news.fetch import Fetcher
from bot.news.filters import HeldBack
from bot.news.opml import OpmlFeed, parse_opml, write_opml
from bot.news.urls import normalize_url
from bot.store import MAX_FEEDS_PER_GUILD, AlreadyFollowing, Feed, FeedLimitReached, GuildFeed, Store, Subscription

LOGGER = logging.getLogger(__name__)

IMPORT_CONCURRENCY = 4
"""Feeds of an OPML file checked at once: an import of fifty feeds takes seconds, not minutes, while
the refreshes and summaries sharing the fetcher keep most of its connections."""

_REFUSED_KINDS = frozenset({FetchErrorKind.BLOCKED_ADDRESS.value, FetchErrorKind.BAD_URL.value})
_UNREACHABLE_KINDS = frozenset(
    {FetchErrorKind.TIMEOUT.value, FetchErrorKind.NETWORK.value, FetchErrorKind.TOO_MANY_REDIRECTS.value}
)

HELD_BACK_WINDOW = timedelta(hours=24)
"""The stories /feed status counts what each digest's rules held back of: those first seen in the last
day (a first digest's window) that the digest has not posted; a story its rules hold back is never
posted, so this is what they kept out of the day's news, and what they would keep out now."""

FoundBy = Literal["direct", "link", "guess"]
"""How a followed feed was found: the address given was the feed, the page linked to it, or a common
feed path on the site answered."""


class FeedNotFollowed(NewsError):
    """The guild follows no feed by the name given."""

    def __init__(self, name: str) -> None:
        super().__init__(N_("This server does not follow a feed called “{name}”: pick one from /feeds."), name=name)
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
    """One feed's health, for /feeds."""

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


@dataclass(frozen=True, slots=True)
class DigestHeldBack:
    """What one digest's rules held back of the stories of its feeds in HELD_BACK_WINDOW."""

    subscription: Subscription
    held_back: HeldBack


class ImportOutcome(enum.Enum):
    """What became of one feed of an imported OPML file."""

    FOLLOWED = "followed"
    ALREADY_FOLLOWING = "already following"
    NOT_A_FEED = "not a feed"
    UNREACHABLE = "unreachable"
    REFUSED_ADDRESS = "refused address"
    OVER_LIMIT = "over the limit"


@dataclass(frozen=True, slots=True)
class ImportedFeed:
    """One feed of the file and its outcome."""

    listed: OpmlFeed
    outcome: ImportOutcome
    detail: NewsError | None = None
    """Why it was not followed: the error, its template and parameters, for the reader's language;
    None when it was, or already was."""
    feed: Feed | None = None
    """The feed followed, for FOLLOWED."""


@dataclass(frozen=True, slots=True)
class ImportReport:
    """Every feed of an imported file, in the file's order, with its outcome."""

    feeds: tuple[ImportedFeed, ...]

    def count(self, outcome: ImportOutcome) -> int:
        return sum(1 for imported in self.feeds if imported.outcome is outcome)


@dataclass(frozen=True, slots=True)
class OpmlExport:
    data: bytes
    """The OPML file."""
    feeds: int
    """How many feeds it lists."""


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

    async def held_back(self, guild_id: int) -> list[DigestHeldBack]:
        """For each digest of the guild, how many stories each of its rules held back of those its
        feeds brought in HELD_BACK_WINDOW and it has not posted, judged on what the feeds say."""
        now = self.clock()
        feeds = {entry.feed.id: entry.feed for entry in await self.followed(guild_id)}
        loop = asyncio.get_running_loop()
        found = []
        for subscription in await self.store.list_subscriptions(guild_id):
            stored = await self.store.undelivered_items(
                subscription.id,
                since=now - HELD_BACK_WINDOW,
                published_after=now - MAX_DIGEST_WINDOW,
                limit=MAX_DIGEST_ITEMS,
            )
            items = [item.feed_item(feeds[item.feed_id]) for item in stored if item.feed_id in feeds]
            held_back = await loop.run_in_executor(
                self.executor,
                partial(
                    held_back_on_feeds,
                    items,
                    local_now=now.astimezone(subscription.zone),
                    max_stories=subscription.max_stories,
                    keywords=subscription.keywords,
                    story_filter=subscription.story_filter,
                ),
            )
            found.append(DigestHeldBack(subscription, held_back))
        return found

    async def import_opml(self, guild_id: int, data: bytes, *, added_by: int) -> ImportReport:
        """Follow the feeds an OPML file lists, in its order, until the guild's feed limit.

        Addresses the fetcher refuses are never fetched, feeds the guild follows are not fetched
        again, and the feeds past the limit are reported, not followed.

        Raises:
            OpmlError: the file is refused as a whole (see `parse_opml`); nothing was followed.
        """
        listed = parse_opml(data)
        followed = {entry.feed.url for entry in await self.followed(guild_id)}
        outcomes: dict[int, ImportedFeed] = {}
        waiting: list[int] = []
        for index, entry in enumerate(listed):
            refusal = self.fetcher.refusal(entry.url)
            if refusal is not None:
                outcomes[index] = ImportedFeed(entry, ImportOutcome.REFUSED_ADDRESS, refusal)
            elif normalize_url(entry.url) in followed:
                outcomes[index] = ImportedFeed(entry, ImportOutcome.ALREADY_FOLLOWING)
            else:
                waiting.append(index)
        room = MAX_FEEDS_PER_GUILD - len(followed)
        slots = asyncio.Semaphore(IMPORT_CONCURRENCY)
        # Check as many as there is room for; those that are no feed leave room for the next ones.
        while waiting and room > 0:
            batch, waiting = waiting[:room], waiting[room:]
            found = await asyncio.gather(*(self._discover(listed[index].url, slots) for index in batch))
            for index, discovered in zip(batch, found, strict=True):
                outcomes[index] = await self._follow_listed(guild_id, listed[index], discovered, added_by=added_by)
                if outcomes[index].outcome is ImportOutcome.FOLLOWED:
                    room -= 1
        for index in waiting:
            full = FeedLimitReached(N_("this server follows {count} feeds, the most it can"), count=MAX_FEEDS_PER_GUILD)
            outcomes[index] = ImportedFeed(listed[index], ImportOutcome.OVER_LIMIT, full)
        report = ImportReport(tuple(outcomes[index] for index in range(len(listed))))
        LOGGER.info(
            "Guild %s imported an OPML file of %d feeds: %d followed",
            guild_id,
            len(listed),
            report.count(ImportOutcome.FOLLOWED),
        )
        return report

    async def _discover(self, url: str, slots: asyncio.Semaphore) -> DiscoveredFeed | NewsError:
        async with slots:
            try:
                return await discover_feed(self.fetcher, url, executor=self.executor)
            except NewsError as error:
                return error

    async def _follow_listed(
        self, guild_id: int, listed: OpmlFeed, discovered: DiscoveredFeed | NewsError, *, added_by: int
    ) -> ImportedFeed:
        if isinstance(discovered, FetchError) and discovered.kind in _REFUSED_KINDS:
            return ImportedFeed(listed, ImportOutcome.REFUSED_ADDRESS, discovered)
        if isinstance(discovered, FetchError) and discovered.kind in _UNREACHABLE_KINDS:
            return ImportedFeed(listed, ImportOutcome.UNREACHABLE, discovered)
        if isinstance(discovered, NewsError):
            return ImportedFeed(listed, ImportOutcome.NOT_A_FEED, discovered)
        try:
            entry = await self.store.add_guild_feed(
                guild_id,
                discovered.url,
                added_by=added_by,
                title=discovered.feed.title or listed.title,
                site_url=discovered.feed.link or listed.site_url,
                now=self.clock(),
            )
        except AlreadyFollowing:
            return ImportedFeed(listed, ImportOutcome.ALREADY_FOLLOWING)
        except FeedLimitReached as error:
            return ImportedFeed(listed, ImportOutcome.OVER_LIMIT, error)
        return ImportedFeed(listed, ImportOutcome.FOLLOWED, feed=entry.feed)

    async def export_opml(self, guild_id: int, *, title: str) -> OpmlExport:
        """The guild's feeds as an OPML 2.0 file that feed readers import."""
        feeds = [
            OpmlFeed(url=entry.feed.url, title=feed_name(entry.feed), site_url=entry.feed.site_url)
            for entry in await self.followed(guild_id)
        ]
        return OpmlExport(data=write_opml(feeds, title=title, created=self.clock()), feeds=len(feeds))

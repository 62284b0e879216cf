"""A channel's digest: its schedule (edition times, weekdays, zone) is written to the store, where the
delivery clock finds each edition when it is due, so there is nothing else to keep in step; digests
posted or previewed on demand go through the digest service."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time
from typing import Any

from bot.digests import DeliveryOutcome, DigestService, Poster
from bot.editions import EVERY_DAY
from bot.news.digest import DEFAULT_MAX_STORIES, Digest
from bot.news.errors import N_, NewsError
from bot.news.filters import DEFAULT_STORY_FILTER, StoryFilter
from bot.services.feeds import FeedService, feed_name
from bot.store import DeliveryKind, Store, Subscription, SubscriptionChanges, zone_names
from bot.store.tables import DEFAULT_HOURLY_CAP, SubscriptionMode
from bot.targets import ChannelAccess, TargetKind, choose_target

LOGGER = logging.getLogger(__name__)

MAX_STORIES = 25
"""The most stories one digest may ask for: three messages of embeds; more is a feed dump, not a digest."""
MAX_MIN_OUTLETS = 10
"""The highest minimum of outlets a digest may ask a story to have: a story ten outlets covered is a
day's top story; asking for more would leave nearly every digest empty."""
LIVE_EDITION_TIME = time(8, 0)
"""The edition time a live digest subscribed without times keeps for a switch back to editions: a
morning digest, the one most servers ask for."""
LIVE_ZONE = "UTC"
"""The zone a live digest subscribed without one keeps: live posts need none, and UTC is in every list."""


class UnknownZone(NewsError):
    def __init__(self, name: str) -> None:
        super().__init__(
            N_("“{name}” is not a time zone I know: pick one from the list, like Europe/Paris."), name=name
        )
        self.name = name


class HourlyCapNeedsLive(NewsError):
    """An hourly cap given for a digest that posts editions, where it would do nothing."""

    def __init__(self) -> None:
        super().__init__(N_("hourly_cap is for live digests: give mode: live with it."))


class EditionsNeedSchedule(NewsError):
    """A digest of editions asked for without its times or its zone: there is nothing to post it by."""

    def __init__(self) -> None:
        super().__init__(
            N_(
                "A digest of editions needs times: and timezone:, like 07:30 and Europe/Paris "
                "(mode: live needs neither)."
            )
        )


class NoDigest(NewsError):
    """The channel has no digest."""

    def __init__(self, channel_id: int) -> None:
        super().__init__(N_("<#{channel}> has no digest: set one up with /digest subscribe."), channel=channel_id)
        self.channel_id = channel_id


def check_zone(name: str) -> str:
    """`name` when digests may use it.

    Raises:
        UnknownZone: they may not.
    """
    if name not in zone_names():
        raise UnknownZone(name)
    return name


@dataclass(frozen=True, slots=True)
class DigestRequest:
    """What /digest subscribe asks for."""

    guild_id: int
    channel_id: int
    created_by: int
    edition_times: Sequence[time] = ()
    """One time a day or more, wall clock (see bot.editions.parse_edition_times); none for a live
    digest keeps LIVE_EDITION_TIME for a switch back to editions."""
    timezone: str | None = None
    """An IANA zone; none for a live digest keeps LIVE_ZONE."""
    feeds: Sequence[str] = ()
    """Names of the guild's feeds (see feeds.is_named); none means all of them."""
    max_stories: int = DEFAULT_MAX_STORIES
    keywords: Sequence[str] = ()
    locale: str | None = None
    """The server's preferred locale: the language the digest is posted in."""
    weekdays: Sequence[int] = EVERY_DAY
    """The days editions go out, Monday 0 (see bot.editions.parse_weekdays)."""
    thread: bool = False
    """Thread mode: the header in the channel, the stories in a thread under it."""
    publish: bool = False
    """Publish each message to the servers following the announcement channel."""
    ping_role_id: int | None = None
    """A role mentioned at the top of each edition."""

    story_filter: StoryFilter = DEFAULT_STORY_FILTER
    """What gets in: include and exclude words, the per-outlet cap, the minimum of outlets."""
    mode: SubscriptionMode = SubscriptionMode.EDITION
    """Editions at the times above, or each story as it breaks (live: the times are kept for a switch back)."""
    hourly_cap: int | None = None
    """Live: the most messages in one clock hour (None: DEFAULT_HOURLY_CAP); refused for editions."""


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a digest's editions go out, wall clock in a zone."""

    edition_times: Sequence[time]
    timezone: str


def requested_schedule(request: DigestRequest) -> Schedule:
    """The request's edition times and zone, a live digest's defaults filling what it leaves out.

    Raises:
        EditionsNeedSchedule: a digest of editions without its times or its zone.
        UnknownZone: the zone is not one digests may use.
    """
    if request.mode is SubscriptionMode.LIVE:
        schedule = Schedule(request.edition_times or (LIVE_EDITION_TIME,), request.timezone or LIVE_ZONE)
    elif not request.edition_times or request.timezone is None:
        raise EditionsNeedSchedule
    else:
        schedule = Schedule(request.edition_times, request.timezone)
    check_zone(schedule.timezone)
    return schedule


@dataclass(frozen=True, slots=True)
class DigestEdit:
    """What /digest edit asks to change of a channel's digest: each option given (not None) replaces
    the digest's; the others stay as they are."""

    guild_id: int
    channel_id: int
    edition_times: Sequence[time] | None = None
    weekdays: Sequence[int] | None = None
    timezone: str | None = None
    feeds: Sequence[str] | None = None
    """Names of the guild's feeds instead of those chosen now."""
    all_feeds: bool = False
    """All of the guild's feeds instead of those chosen now."""
    max_stories: int | None = None
    keywords: Sequence[str] | None = None
    thread: bool | None = None
    publish: bool | None = None
    ping_role_id: int | None = None
    no_ping: bool = False
    """Ping nobody any more."""
    mode: SubscriptionMode | None = None
    hourly_cap: int | None = None
    """Live: the most messages in one clock hour; refused when the digest posts editions."""
    include: Sequence[str] | None = None
    """Include words instead of those set now (empty: none, every story may get in)."""
    exclude: Sequence[str] | None = None
    """Exclude words instead of those set now (empty: none)."""
    max_per_outlet: int | None = None
    """A per-outlet cap instead of the one set now (0: no cap)."""
    default_per_outlet: bool = False
    """The default per-outlet cap (half the digest) instead of the one set now; wins over `max_per_outlet`."""
    min_outlets: int | None = None


def edited_filter(current: StoryFilter, edit: DigestEdit) -> StoryFilter | None:
    """The story filter with the parts `edit` gives replaced and the others kept; None when it gives
    none (the store changes a filter as a whole)."""
    parts = (edit.include, edit.exclude, edit.max_per_outlet, edit.min_outlets)
    if all(part is None for part in parts) and not edit.default_per_outlet:
        return None
    max_per_outlet = edit.max_per_outlet if edit.max_per_outlet is not None else current.max_per_outlet
    return StoryFilter(
        include=tuple(edit.include) if edit.include is not None else current.include,
        exclude=tuple(edit.exclude) if edit.exclude is not None else current.exclude,
        max_per_outlet=None if edit.default_per_outlet else max_per_outlet,
        min_outlets=edit.min_outlets if edit.min_outlets is not None else current.min_outlets,
    )


def check_hourly_cap(mode: SubscriptionMode, hourly_cap: int | None) -> None:
    """Refuse an hourly cap for a digest that posts editions: it would be stored and do nothing.

    Raises:
        HourlyCapNeedsLive: it was given for editions.
    """
    if hourly_cap is not None and mode is not SubscriptionMode.LIVE:
        raise HourlyCapNeedsLive


@dataclass(frozen=True, slots=True)
class DigestListing:
    """A guild's digests, with the names of the feeds they pick."""

    subscriptions: tuple[Subscription, ...]
    feed_names: dict[int, str]


class SubscriptionService:
    """Subscribe, edit, pause, resume, unsubscribe, list, post now and preview a guild's digests."""

    def __init__(
        self,
        *,
        store: Store,
        digests: DigestService,
        poster: Poster[Any],
        feeds: FeedService,
    ) -> None:
        """Args:
        store: the subscriptions, and with them their schedules.
        digests: builds and posts the digests.
        poster: posts a digest asked for now.
        feeds: names the guild's feeds.
        """
        self.store = store
        self.digests = digests
        self.poster = poster
        self.feeds = feeds

    async def subscribe(self, request: DigestRequest, access: ChannelAccess) -> Subscription:
        """Give the channel a digest (replacing the one it has); its first edition is the next due.

        A live digest asked for without times or zone keeps LIVE_EDITION_TIME in LIVE_ZONE for a
        switch back to editions.

        Raises:
            EditionsNeedSchedule: a digest of editions without its times or its zone.
            UnknownZone: the time zone is not one digests may use.
            FeedNotFollowed: a feed named is not one of the guild's.
            TargetRefused: target options that cannot work together or in that kind of channel.
            CannotPostThere: the bot lacks a permission it needs there (each one named).
        """
        schedule = requested_schedule(request)
        check_hourly_cap(request.mode, request.hourly_cap)
        target = choose_target(
            access, thread=request.thread, publish=request.publish, ping_role_id=request.ping_role_id
        )
        feed_ids = (
            [entry.feed.id for entry in await self.feeds.find_all(request.guild_id, request.feeds)]
            if request.feeds
            else None
        )
        subscription = await self.store.subscribe(
            request.guild_id,
            request.channel_id,
            created_by=request.created_by,
            edition_times=schedule.edition_times,
            weekdays=request.weekdays,
            timezone=schedule.timezone,
            feed_ids=feed_ids,
            max_stories=request.max_stories,
            keywords=list(request.keywords),
            story_filter=request.story_filter,
            locale=request.locale,
            target_kind=target.kind,
            publish=target.publish,
            ping_role_id=target.ping_role_id,
            mode=request.mode,
            hourly_cap=request.hourly_cap if request.hourly_cap is not None else DEFAULT_HOURLY_CAP,
            replace=True,
        )
        return subscription

    async def edit(self, edit: DigestEdit, access: ChannelAccess) -> Subscription:
        """Change what `edit` gives of the channel's digest and keep the rest, after the same checks as
        `subscribe` on the target it makes.

        Switching between editions and live keeps the edition times, and the hourly cap, for a switch
        back. The story filter's parts given replace those set; the others stay.

        Raises:
            NoDigest: the channel has none.
            UnknownZone, FeedNotFollowed, TargetRefused, CannotPostThere, HourlyCapNeedsLive: as for
                `subscribe` (the cap is checked against the mode the digest will have).
        """
        current = await self.find(edit.guild_id, edit.channel_id)
        if edit.timezone is not None:
            check_zone(edit.timezone)
        check_hourly_cap(edit.mode or current.mode, edit.hourly_cap)
        target = choose_target(
            access,
            thread=edit.thread if edit.thread is not None else current.target_kind is TargetKind.THREAD,
            publish=edit.publish if edit.publish is not None else current.publish,
            ping_role_id=None if edit.no_ping else edit.ping_role_id or current.ping_role_id,
        )
        feed_ids = None
        if edit.feeds:
            feed_ids = [entry.feed.id for entry in await self.feeds.find_all(edit.guild_id, edit.feeds)]
        changes = SubscriptionChanges(
            edition_times=edit.edition_times,
            weekdays=edit.weekdays,
            timezone=edit.timezone,
            feed_ids=feed_ids,
            all_feeds=edit.all_feeds,
            max_stories=edit.max_stories,
            keywords=edit.keywords,
            target_kind=target.kind,
            publish=target.publish,
            ping_role_id=target.ping_role_id,
            no_ping=target.ping_role_id is None,
            story_filter=edited_filter(current.story_filter, edit),
            mode=edit.mode,
            hourly_cap=edit.hourly_cap,
        )
        edited = await self.store.edit_subscription(edit.guild_id, edit.channel_id, changes)
        if edited is None:  # unsubscribed meanwhile
            raise NoDigest(edit.channel_id)
        return edited

    async def pause(self, guild_id: int, channel_id: int) -> Subscription:
        """Stop the channel's digest until resumed; its settings and history stay.

        Raises:
            NoDigest: the channel has none.
        """
        subscription = await self.find(guild_id, channel_id)
        if not subscription.paused:
            await self.store.pause_subscription(guild_id, channel_id, reason=None)
        return await self.find(guild_id, channel_id)

    async def resume(self, guild_id: int, channel_id: int, access: ChannelAccess) -> Subscription:
        """Start the channel's digest again, paused by an admin or by itself, once the bot can post
        there again; its next edition is the next due (one missed within the grace is posted).

        Raises:
            NoDigest: the channel has none.
            TargetRefused, CannotPostThere: the digest cannot work there as it is set up (the channel
                changed kind, or a permission is still missing).
        """
        subscription = await self.find(guild_id, channel_id)
        current = subscription.target
        choose_target(
            access,
            thread=current.kind is TargetKind.THREAD,
            publish=current.publish,
            ping_role_id=current.ping_role_id,
        )
        await self.store.resume_subscription(guild_id, channel_id)
        return await self.find(guild_id, channel_id)

    async def unsubscribe(self, guild_id: int, channel_id: int) -> Subscription:
        """Stop the channel's digest; returns the subscription that was.

        Raises:
            NoDigest: the channel has none.
        """
        subscription = await self.find(guild_id, channel_id)
        await self.store.unsubscribe(subscription.guild_id, subscription.channel_id)
        return subscription

    async def listing(self, guild_id: int) -> DigestListing:
        """The guild's digests and the names of its feeds."""
        subscriptions = tuple(await self.store.list_subscriptions(guild_id))
        names = {}
        if subscriptions:
            names = {entry.feed.id: feed_name(entry.feed) for entry in await self.feeds.followed(guild_id)}
        return DigestListing(subscriptions, names)

    async def post_now(self, guild_id: int, channel_id: int) -> DeliveryOutcome:
        """Post the channel's digest now; its stories count as delivered.

        Raises:
            NoDigest: the channel has none.
        """
        subscription = await self.find(guild_id, channel_id)
        return await self.digests.deliver(subscription.id, kind=DeliveryKind.MANUAL, poster=self.poster)

    async def preview(self, guild_id: int, channel_id: int) -> Digest:
        """The channel's digest as it would be now, marking nothing as delivered.

        Raises:
            NoDigest: the channel has none.
        """
        subscription = await self.find(guild_id, channel_id)
        return await self.digests.preview(subscription.id)

    async def find(self, guild_id: int, channel_id: int) -> Subscription:
        """The channel's subscription.

        Raises:
            NoDigest: the channel has none.
        """
        subscription = await self.store.get_subscription(guild_id, channel_id)
        if subscription is None:
            raise NoDigest(channel_id)
        return subscription

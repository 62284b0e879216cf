"""Digests: which channel gets one, when (its editions), from which feeds; pausing, resuming, forgetting a guild."""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime, time
from functools import lru_cache
from typing import Any
from zoneinfo import available_timezones

from sqlalchemy import and_, delete, insert, or_, select, union, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.editions import (
    EVERY_DAY,
    MAX_EDITIONS_PER_DAY,
    EditionSchedule,
    format_times,
    format_weekdays,
    weekday_mask,
    weekdays_of_mask,
)
from bot.news.digest import DEFAULT_MAX_STORIES
from bot.news.errors import N_
from bot.news.filters import DEFAULT_STORY_FILTER, StoryFilter
from bot.store.database import Queries, upsert
from bot.store.records import (
    ForgottenGuild,
    InvalidSetting,
    Subscription,
    SubscriptionChanges,
    SubscriptionExists,
    UnknownFeed,
    clip_error,
    edition_times_of,
    in_chunks,
    utc_now,
)
from bot.store.tables import (
    DEFAULT_HOURLY_CAP,
    MAX_HOURLY_CAP,
    SubscriptionMode,
    guild_feeds,
    subscription_feeds,
    subscriptions,
)
from bot.targets import TargetKind

LOGGER = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """The IANA zones a digest may use, sorted: the Area/Location names and UTC (not the legacy
    aliases such as EST or Japan). Read from tzdata once; call it off the loop the first time."""
    return tuple(sorted(zone for zone in available_timezones() if "/" in zone or zone == "UTC"))


def check_timezone(name: str) -> str:
    """The IANA zone name, or InvalidSetting when digests may not use it (see `zone_names`)."""
    if name not in zone_names():
        raise InvalidSetting(
            N_("Unknown time zone “{name}”: use an IANA name such as Europe/Paris or America/Chicago."), name=name
        )
    return name


def _clean_words(words: Iterable[str]) -> tuple[str, ...]:
    """Stripped, without blanks or case-insensitive repeats, in the order given."""
    cleaned: list[str] = []
    folded: set[str] = set()
    for given in words:
        word = " ".join(given.split())
        if word and word.casefold() not in folded:
            folded.add(word.casefold())
            cleaned.append(word)
    return tuple(cleaned)


def _schedule(
    local_time: time | None, edition_times: Sequence[time] | None, weekdays: Collection[int], timezone: str
) -> EditionSchedule:
    """The editions asked for, checked: one `local_time` or several `edition_times`, on `weekdays`."""
    if (local_time is None) == (edition_times is None):
        raise ValueError("give local_time or edition_times, not both")
    times = [local_time] if local_time is not None else list(edition_times or ())
    if not times:
        raise InvalidSetting(N_("Give at least one time of day, like 07:30 or 07:30, 18:00."))
    if any(moment.tzinfo is not None or moment.second or moment.microsecond for moment in times):
        raise InvalidSetting(N_("The digest time is hours and minutes on the local clock, like 07:30."))
    if len(set(times)) > MAX_EDITIONS_PER_DAY:
        raise InvalidSetting(N_("At most {count} editions a day."), count=MAX_EDITIONS_PER_DAY)
    if not weekdays or not set(weekdays) <= set(EVERY_DAY):
        raise InvalidSetting(N_("Choose at least one weekday, like mon-fri."))
    return EditionSchedule.of(times, weekdays, timezone)


async def _check_followed(connection: AsyncConnection, guild_id: int, chosen: Sequence[int]) -> None:
    """UnknownFeed unless the guild follows every feed in `chosen`."""
    followed = set(
        (
            await connection.execute(
                select(guild_feeds.c.feed_id).where(
                    guild_feeds.c.guild_id == guild_id, guild_feeds.c.feed_id.in_(chosen)
                )
            )
        ).scalars()
    )
    missing = [feed_id for feed_id in chosen if feed_id not in followed]
    if missing:
        raise UnknownFeed(
            N_("This server does not follow feed {ids}: see /feeds."),
            ids=", ".join(str(feed_id) for feed_id in missing),
        )


async def _choose_feeds(
    connection: AsyncConnection, subscription_id: int, guild_id: int, chosen: Sequence[int] | None
) -> None:
    """The subscription's chosen feeds become `chosen` (None: all of the guild's, so no rows)."""
    await connection.execute(delete(subscription_feeds).where(subscription_feeds.c.subscription_id == subscription_id))
    if chosen:
        await connection.execute(
            insert(subscription_feeds),
            [{"subscription_id": subscription_id, "guild_id": guild_id, "feed_id": feed_id} for feed_id in chosen],
        )


def _check_hourly_cap(cap: int) -> int:
    if not 1 <= cap <= MAX_HOURLY_CAP:
        raise InvalidSetting(N_("A live digest posts from 1 to {most} messages an hour."), most=MAX_HOURLY_CAP)
    return cap


def _story_filter_columns(story_filter: StoryFilter) -> dict[str, Any]:
    """The subscription columns of version 10 that hold a StoryFilter."""
    return {
        "include_words": list(_clean_words(story_filter.include)),
        "exclude_words": list(_clean_words(story_filter.exclude)),
        "max_per_outlet": story_filter.max_per_outlet,
        "min_outlets": story_filter.min_outlets,
    }


class SubscriptionQueries(Queries):
    """Subscriptions, scoped to a guild except the scheduler's lookups by id and of active ones, and the
    guilds the store knows (to forget those the bot has left)."""

    async def subscribe(
        self,
        guild_id: int,
        channel_id: int,
        *,
        created_by: int,
        local_time: time | None = None,
        timezone: str,
        edition_times: Sequence[time] | None = None,
        weekdays: Collection[int] = EVERY_DAY,
        feed_ids: Collection[int] | None = None,
        max_stories: int = DEFAULT_MAX_STORIES,
        keywords: Iterable[str] = (),
        story_filter: StoryFilter = DEFAULT_STORY_FILTER,
        locale: str | None = None,
        target_kind: TargetKind = TargetKind.CHANNEL,
        publish: bool = False,
        ping_role_id: int | None = None,
        mode: SubscriptionMode = SubscriptionMode.EDITION,
        hourly_cap: int = DEFAULT_HOURLY_CAP,
        replace: bool = False,
        now: datetime | None = None,
    ) -> Subscription:
        """Give the channel a digest at its edition times on `weekdays` in `timezone`.

        Its first edition is the first at or after `now`.

        Args:
            guild_id, channel_id: where it is posted.
            created_by: the member who asked.
            local_time: one edition a day at these hours and minutes, wall clock, no tzinfo; or
            edition_times: one or more such times (at most MAX_EDITIONS_PER_DAY), given instead.
            timezone: an IANA zone name.
            weekdays: the days editions go out, Monday 0 to Sunday 6 (every day by default).
            feed_ids: some of the guild's feeds; None for all of them, now and later.
            max_stories: the most stories in one digest.
            keywords: words or phrases the digest ranks first; stories that match none still appear.
            story_filter: what gets in: include and exclude words (stored cleaned as keywords are),
                the per-outlet cap, the minimum of outlets.
            locale: the server's preferred locale, the language the digest is posted in (None: English).
            target_kind, publish, ping_role_id: how it is posted there (see bot/targets.py).
            mode: editions at the times above, or each story as it breaks (live; the times are kept
                for a switch back to editions).
            hourly_cap: live: the most messages in one clock hour.
            replace: replace the channel's existing subscription (keeping its id and its history of
                delivered items, and resuming it) instead of refusing.

        Raises:
            SubscriptionExists: the channel has one and `replace` is false.
            UnknownFeed: a feed id the guild does not follow.
            InvalidSetting: a bad zone, time, weekday, story count or an empty feed choice.
        """
        moment = utc_now(now)
        check_timezone(timezone)
        schedule = _schedule(local_time, edition_times, weekdays, timezone)
        if max_stories < 1:
            raise InvalidSetting(N_("A digest needs room for at least one story."))
        _check_hourly_cap(hourly_cap)
        chosen = None if feed_ids is None else sorted(set(feed_ids))
        if chosen is not None and not chosen:
            raise InvalidSetting(N_("Choose at least one feed, or all of them."))
        settings = {
            "local_time": schedule.times[0],
            "edition_times": [edition.strftime("%H:%M") for edition in schedule.times],
            "weekdays": weekday_mask(schedule.weekdays),
            "next_edition_at": schedule.first_from(moment).at,
            "timezone": timezone,
            "all_feeds": chosen is None,
            "max_stories": max_stories,
            "keywords": list(_clean_words(keywords)),
            **_story_filter_columns(story_filter),
            "locale": locale,
            "target_kind": TargetKind(target_kind).value,
            "publish": publish,
            "ping_role_id": ping_role_id,
            "mode": SubscriptionMode(mode),
            "hourly_cap": hourly_cap,
        }
        async with self._engine.begin() as connection:
            if chosen is not None:
                await _check_followed(connection, guild_id, chosen)
            subscription_id = await connection.scalar(
                upsert(connection.dialect, subscriptions)
                .values(
                    guild_id=guild_id,
                    channel_id=channel_id,
                    created_by=created_by,
                    created_at=moment,
                    **settings,
                )
                .on_conflict_do_nothing(index_elements=[subscriptions.c.guild_id, subscriptions.c.channel_id])
                .returning(subscriptions.c.id)
            )
            if subscription_id is None:
                if not replace:
                    raise SubscriptionExists(
                        N_("<#{channel}> already has a daily digest: change it, or unsubscribe first."),
                        channel=channel_id,
                    )
                subscription_id = await connection.scalar(
                    update(subscriptions)
                    .where(subscriptions.c.guild_id == guild_id, subscriptions.c.channel_id == channel_id)
                    .values(paused_at=None, pause_reason=None, **settings)
                    .returning(subscriptions.c.id)
                )
            await _choose_feeds(connection, subscription_id, guild_id, chosen)
            (subscription,) = await self._subscriptions(connection, subscriptions.c.id == subscription_id)
        LOGGER.info(
            "Channel %s of guild %s gets a digest at %s %s (weekdays %s)",
            channel_id,
            guild_id,
            format_times(schedule.times),
            timezone,
            format_weekdays(schedule.weekdays) or "every day",
        )
        return subscription

    async def edit_subscription(
        self, guild_id: int, channel_id: int, changes: SubscriptionChanges, *, now: datetime | None = None
    ) -> Subscription | None:
        """Change what `changes` gives of the channel's digest, keeping the rest (paused or not); None
        when the channel has none. A new schedule's first edition is the first at or after `now`.

        Raises:
            UnknownFeed: a feed id the guild does not follow.
            InvalidSetting: a bad zone, time, weekday, story count or an empty feed choice.
        """
        moment = utc_now(now)
        async with self._engine.begin() as connection:
            found = await self._subscriptions(
                connection, and_(subscriptions.c.guild_id == guild_id, subscriptions.c.channel_id == channel_id)
            )
            if not found:
                return None
            current = found[0]
            values: dict[str, Any] = {}
            if changes.edition_times is not None or changes.weekdays is not None or changes.timezone is not None:
                timezone = check_timezone(changes.timezone or current.timezone)
                schedule = _schedule(
                    None,
                    changes.edition_times if changes.edition_times is not None else current.edition_times,
                    changes.weekdays if changes.weekdays is not None else current.weekdays,
                    timezone,
                )
                values |= {
                    "local_time": schedule.times[0],
                    "edition_times": [edition.strftime("%H:%M") for edition in schedule.times],
                    "weekdays": weekday_mask(schedule.weekdays),
                    "next_edition_at": schedule.first_from(moment).at,
                    "timezone": timezone,
                }
            if changes.max_stories is not None:
                if changes.max_stories < 1:
                    raise InvalidSetting(N_("A digest needs room for at least one story."))
                values["max_stories"] = changes.max_stories
            if changes.keywords is not None:
                values["keywords"] = list(_clean_words(changes.keywords))
            if changes.target_kind is not None:
                values["target_kind"] = TargetKind(changes.target_kind).value
            if changes.publish is not None:
                values["publish"] = changes.publish
            if changes.story_filter is not None:
                values |= _story_filter_columns(changes.story_filter)
            if changes.mode is not None:
                values["mode"] = SubscriptionMode(changes.mode)
            if changes.hourly_cap is not None:
                values["hourly_cap"] = _check_hourly_cap(changes.hourly_cap)
            if changes.ping_role_id is not None or changes.no_ping:
                values["ping_role_id"] = None if changes.no_ping else changes.ping_role_id
            if changes.all_feeds or changes.feed_ids is not None:
                chosen = None if changes.all_feeds else sorted(set(changes.feed_ids or ()))
                if chosen is not None and not chosen:
                    raise InvalidSetting(N_("Choose at least one feed, or all of them."))
                if chosen is not None:
                    await _check_followed(connection, guild_id, chosen)
                values["all_feeds"] = chosen is None
                await _choose_feeds(connection, current.id, guild_id, chosen)
            if values:
                await connection.execute(update(subscriptions).where(subscriptions.c.id == current.id).values(values))
            (subscription,) = await self._subscriptions(connection, subscriptions.c.id == current.id)
        LOGGER.info("Changed the digest of channel %s of guild %s: %s", channel_id, guild_id, sorted(values))
        return subscription

    async def unsubscribe(self, guild_id: int, channel_id: int) -> bool:
        """Remove the channel's digest, with its delivery history; False when it had none."""
        async with self._engine.begin() as connection:
            result = await connection.execute(
                delete(subscriptions).where(
                    subscriptions.c.guild_id == guild_id, subscriptions.c.channel_id == channel_id
                )
            )
        return result.rowcount > 0

    async def list_subscriptions(self, guild_id: int) -> list[Subscription]:
        """The guild's digests, oldest first."""
        async with self.reading() as connection:
            return await self._subscriptions(connection, subscriptions.c.guild_id == guild_id)

    async def get_subscription(self, guild_id: int, channel_id: int) -> Subscription | None:
        async with self.reading() as connection:
            found = await self._subscriptions(
                connection, and_(subscriptions.c.guild_id == guild_id, subscriptions.c.channel_id == channel_id)
            )
        return found[0] if found else None

    async def subscription_by_id(self, subscription_id: int) -> Subscription | None:
        """For the scheduler, which knows subscriptions by id: not scoped to a guild."""
        async with self.reading() as connection:
            found = await self._subscriptions(connection, subscriptions.c.id == subscription_id)
        return found[0] if found else None

    async def active_subscriptions(self) -> list[Subscription]:
        """Every digest that is not paused, in every guild: what the scheduler schedules."""
        async with self.reading() as connection:
            return await self._subscriptions(connection, subscriptions.c.paused_at.is_(None))

    async def pause_subscription(
        self, guild_id: int, channel_id: int, *, reason: str | None, now: datetime | None = None
    ) -> bool:
        """Stop posting the channel's digest until resumed, saying why (None: an admin paused it);
        False when it has none."""
        moment = utc_now(now)
        async with self._engine.begin() as connection:
            result = await connection.execute(
                update(subscriptions)
                .where(subscriptions.c.guild_id == guild_id, subscriptions.c.channel_id == channel_id)
                .values(paused_at=moment, pause_reason=clip_error(reason))
            )
        return result.rowcount > 0

    async def pause_running_subscription(
        self, subscription_id: int, *, reason: str, now: datetime | None = None
    ) -> bool:
        """Pause a digest that is running, saying why (a `PauseReason`); True only for the call that
        paused it, so that one process, once, tells the server (a digest paused already stays as it was)."""
        moment = utc_now(now)
        async with self._engine.begin() as connection:
            result = await connection.execute(
                update(subscriptions)
                .where(subscriptions.c.id == subscription_id, subscriptions.c.paused_at.is_(None))
                .values(paused_at=moment, pause_reason=clip_error(reason))
            )
        return result.rowcount > 0

    async def resume_subscription(self, guild_id: int, channel_id: int) -> bool:
        """Post the channel's digest again; False when it has none."""
        async with self._engine.begin() as connection:
            result = await connection.execute(
                update(subscriptions)
                .where(subscriptions.c.guild_id == guild_id, subscriptions.c.channel_id == channel_id)
                .values(paused_at=None, pause_reason=None)
            )
        return result.rowcount > 0

    async def adopt_guild_locales(self, locales: Mapping[int, str]) -> int:
        """Make the digests of each guild in `locales` post in that guild's locale (a Discord code), as
        its preferred locale is now: changed since they were set up, or never stored (digests set up
        before v5). Returns how many digests changed; a guild without digests costs one chunked read."""
        changed = 0
        async with self._engine.begin() as connection:
            for chunk in in_chunks(sorted(locales)):
                stored = await connection.execute(
                    select(subscriptions.c.guild_id, subscriptions.c.locale)
                    .where(subscriptions.c.guild_id.in_(chunk))
                    .distinct()
                )
                for guild_id in sorted({guild_id for guild_id, locale in stored if locale != locales[guild_id]}):
                    updated = await connection.execute(
                        update(subscriptions)
                        .where(
                            subscriptions.c.guild_id == guild_id,
                            or_(subscriptions.c.locale.is_(None), subscriptions.c.locale != locales[guild_id]),
                        )
                        .values(locale=locales[guild_id])
                    )
                    changed += updated.rowcount
        return changed

    async def known_guild_ids(self) -> set[int]:
        """Every guild that follows a feed or has a digest: those a bot no longer in them must forget."""
        query = union(select(guild_feeds.c.guild_id), select(subscriptions.c.guild_id))
        async with self.reading() as connection:
            return set((await connection.execute(query)).scalars())

    async def forget_guild(self, guild_id: int) -> ForgottenGuild:
        """Delete everything the guild made (the bot left it): its digests, their history, its follows.

        A feed the guild alone followed is no longer handed out for fetching (claim_due_feeds picks
        followed feeds only) and is pruned with its items once idle for the history retention.
        """
        async with self._engine.begin() as connection:
            # Deliveries, delivered items and feed choices go with their subscription (ON DELETE CASCADE).
            removed = await connection.execute(
                delete(subscriptions).where(subscriptions.c.guild_id == guild_id).returning(subscriptions.c.id)
            )
            subscription_ids = tuple(sorted(removed.scalars()))
            unfollowed = await connection.execute(delete(guild_feeds).where(guild_feeds.c.guild_id == guild_id))
        LOGGER.info(
            "Forgot guild %s: %d digests, %d followed feeds", guild_id, len(subscription_ids), unfollowed.rowcount
        )
        return ForgottenGuild(guild_id, subscription_ids=subscription_ids, unfollowed_feeds=unfollowed.rowcount)

    async def _subscriptions(self, connection: AsyncConnection, condition: Any) -> list[Subscription]:
        rows = (await connection.execute(select(subscriptions).where(condition).order_by(subscriptions.c.id))).all()
        chosen: dict[int, list[int]] = {}
        ids = [row.id for row in rows if not row.all_feeds]
        for chunk in in_chunks(ids):
            pairs = await connection.execute(
                select(subscription_feeds.c.subscription_id, subscription_feeds.c.feed_id)
                .where(subscription_feeds.c.subscription_id.in_(chunk))
                .order_by(subscription_feeds.c.feed_id)
            )
            for subscription_id, feed_id in pairs:
                chosen.setdefault(subscription_id, []).append(feed_id)
        return [
            Subscription(
                id=row.id,
                guild_id=row.guild_id,
                channel_id=row.channel_id,
                edition_times=edition_times_of(row),
                timezone=row.timezone,
                feed_ids=None if row.all_feeds else tuple(chosen.get(row.id, ())),
                max_stories=row.max_stories,
                keywords=tuple(row.keywords),
                paused_at=row.paused_at,
                pause_reason=row.pause_reason,
                created_at=row.created_at,
                created_by=row.created_by,
                locale=row.locale,
                weekdays=weekdays_of_mask(row.weekdays),
                next_edition_at=row.next_edition_at,
                target_kind=TargetKind(row.target_kind),
                publish=bool(row.publish),
                ping_role_id=row.ping_role_id,
                story_filter=StoryFilter(
                    include=tuple(row.include_words),
                    exclude=tuple(row.exclude_words),
                    max_per_outlet=row.max_per_outlet,
                    min_outlets=row.min_outlets,
                ),
                mode=SubscriptionMode(row.mode),
                hourly_cap=row.hourly_cap,
            )
            for row in rows
        ]

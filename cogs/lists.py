"""/feeds and /digests: what a server follows and gets, for every member to read, a page at a time.

They are top-level commands of their own because Discord sets default permissions per top-level
command: /feed and /digest, which change things, are shown to members with Manage Server only.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.digests import MAX_DIGEST_WINDOW
from bot.editions import format_times, weekday_runs
from bot.embeds import relative_time
from bot.i18n import ENGLISH, N_, Messages
from bot.i18n.translator import user_messages
from bot.news.errors import read_stored_error
from bot.news.filters import StoryFilter
from bot.paginator import Paginator, entry_pages
from bot.replies import pause_reason, require_guild, translated
from bot.services import FeedStatus, feed_name
from bot.store import Subscription
from bot.targets import TargetKind

if TYPE_CHECKING:
    from bot.client import NewsBot

LOGGER = logging.getLogger(__name__)

# What the user reads, in English: each string in one place, translated by the catalogues.
SKIP_RULES = N_(
    "Digests skip items already delivered to their channel, items first seen more than {hours} h ago, the "
    "same story from another outlet (merged, not repeated), and stories past a digest's max_stories."
)
NO_FEEDS = N_("This server follows no feeds yet: someone with Manage Server can add one with /feed add.")
FEED_STATE_OK = N_("ok")
FEED_STATE_FAILING = N_("failing")
FEED_LINE = N_("`{id}` **{name}** — {state}, last fetched {fetched}, {items} items ({recent} new in 24 h)")
FEED_ADDRESS = "\n<{url}>"
FEED_LAST_ERROR = N_("last error: {error}")
NO_DIGESTS = N_("No digests yet: someone with Manage Server can set one up with /digest subscribe.")
ALL_FEEDS = N_("all feeds")
DIGEST_LINE = N_("<#{channel}> at {time} {zone} · {feeds} · up to {stories} stories")
DIGEST_KEYWORDS = N_("keywords: {keywords}")
DIGEST_INCLUDE = N_("only with: {words}")
DIGEST_EXCLUDE = N_("never with: {words}")
NO_OUTLET_CAP = N_("no per-outlet cap")
DIGEST_PAUSED = N_("**paused**: {reason}")
TARGET_THREAD = N_("in a thread under each edition's header")
TARGET_FORUM = N_("a forum post per edition")
TARGET_PUBLISHED = N_("published to following servers")
TARGET_PING = N_("pings {role}")
PAUSED_BY_ADMIN = N_("by an admin")
LIST_SEPARATOR = ", "
PART_SEPARATOR = " · "


def feed_entry(status: FeedStatus, messages: Messages) -> str:
    """One feed in /feeds: its id, name, state, last fetch, item counts and address; failures below."""
    feed = status.feed
    line = messages.gettext(
        FEED_LINE,
        id=feed.id,
        name=feed_name(feed),
        state=messages.gettext(FEED_STATE_FAILING if feed.failing else FEED_STATE_OK),
        fetched=relative_time(feed.last_success_at, messages),
        items=messages.number(status.stored_items),
        recent=messages.number(status.recent_items),
    )
    if feed.consecutive_failures:
        line += messages.ngettext(
            ", {count} failed fetch in a row",
            ", {count} failed fetches in a row",
            feed.consecutive_failures,
            count=messages.number(feed.consecutive_failures),
        )
    line += FEED_ADDRESS.format(url=feed.url)
    if feed.last_error:
        stored = read_stored_error(feed.last_error)
        error = feed.last_error if stored is None else translated(stored, messages)
        line += "\n  " + messages.gettext(FEED_LAST_ERROR, error=error)
    return line


def weekday_names(weekdays: Collection[int], messages: Messages = ENGLISH) -> str:
    """'Mon–Fri', 'Sat, Sun', 'Mo.–Fr.' in the reader's language; '' for every day."""
    names = messages.format_locale.days["format"]["abbreviated"]
    return LIST_SEPARATOR.join(
        str(names[first]) if first == last else f"{names[first]}–{names[last]}"
        for first, last in weekday_runs(weekdays)
    )


def target_parts(subscription: Subscription, messages: Messages) -> list[str]:
    """How a digest is posted, when it is more than messages in its channel: a thread or forum post,
    published, a role pinged."""
    parts = []
    if subscription.target_kind is TargetKind.THREAD:
        parts.append(messages.gettext(TARGET_THREAD))
    elif subscription.target_kind is TargetKind.FORUM:
        parts.append(messages.gettext(TARGET_FORUM))
    if subscription.publish:
        parts.append(messages.gettext(TARGET_PUBLISHED))
    if subscription.ping_role_id is not None:
        parts.append(messages.gettext(TARGET_PING, role=f"<@&{subscription.ping_role_id}>"))
    return parts


def story_filter_parts(story_filter: StoryFilter, messages: Messages) -> list[str]:
    """What a digest's rules let in, for /digests: each rule set away from its default, in order."""
    parts = []
    if story_filter.include:
        parts.append(messages.gettext(DIGEST_INCLUDE, words=LIST_SEPARATOR.join(story_filter.include)))
    if story_filter.exclude:
        parts.append(messages.gettext(DIGEST_EXCLUDE, words=LIST_SEPARATOR.join(story_filter.exclude)))
    if story_filter.max_per_outlet == 0:
        parts.append(messages.gettext(NO_OUTLET_CAP))
    elif story_filter.max_per_outlet is not None:
        cap = story_filter.max_per_outlet
        parts.append(
            messages.ngettext(
                "at most {count} story per outlet",
                "at most {count} stories per outlet",
                cap,
                count=messages.number(cap),
            )
        )
    if story_filter.min_outlets > 1:
        least = story_filter.min_outlets
        parts.append(
            messages.ngettext(
                "stories covered by at least {count} outlet",
                "stories covered by at least {count} outlets",
                least,
                count=messages.number(least),
            )
        )
    return parts


def digest_entry(subscription: Subscription, feed_names: dict[int, str], messages: Messages) -> str:
    """One subscription in /digests: a live one says how often it may post, an edition one when."""
    feeds = (
        messages.gettext(ALL_FEEDS)
        if subscription.feed_ids is None
        else LIST_SEPARATOR.join(feed_names.get(feed_id, str(feed_id)) for feed_id in subscription.feed_ids)
    )
    if subscription.live:
        line = messages.ngettext(
            "<#{channel}> live, at most {count} post an hour · {feeds}",
            "<#{channel}> live, at most {count} posts an hour · {feeds}",
            subscription.hourly_cap,
            channel=subscription.channel_id,
            count=messages.number(subscription.hourly_cap),
            feeds=feeds,
        )
    else:
        line = messages.gettext(
            DIGEST_LINE,
            channel=subscription.channel_id,
            time=format_times(subscription.edition_times),
            zone=subscription.timezone,
            feeds=feeds,
            stories=messages.number(subscription.max_stories),
        )
        if days := weekday_names(subscription.weekdays, messages):
            line += PART_SEPARATOR + days
    if subscription.keywords:
        line += PART_SEPARATOR + messages.gettext(DIGEST_KEYWORDS, keywords=LIST_SEPARATOR.join(subscription.keywords))
    for part in [*target_parts(subscription, messages), *story_filter_parts(subscription.story_filter, messages)]:
        line += PART_SEPARATOR + part
    if subscription.paused:
        reason = (
            pause_reason(subscription.pause_reason, messages)
            if subscription.pause_reason
            else messages.gettext(PAUSED_BY_ADMIN)
        )
        line += "\n  " + messages.gettext(DIGEST_PAUSED, reason=reason)
    return line


class Lists(commands.Cog):
    """The server's feeds and digests, privately, with page buttons when they run long."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="feeds")
    @app_commands.guild_only()
    @app_commands.guild_install()
    async def feeds(self, interaction: discord.Interaction) -> None:
        """The feeds this server follows: when each was last fetched, and what went wrong if anything did."""
        report = await self.bot.feeds.status(require_guild(interaction))
        messages = user_messages(interaction)
        if not report.feeds:
            await interaction.response.send_message(messages.gettext(NO_FEEDS), ephemeral=True)
            return
        pages = entry_pages(
            title=messages.ngettext(
                "{count} feed · {failing} failing",
                "{count} feeds · {failing} failing",
                len(report.feeds),
                count=messages.number(len(report.feeds)),
                failing=messages.number(report.failing),
            ),
            entries=[feed_entry(status, messages) for status in report.feeds],
            footer=messages.gettext(SKIP_RULES, hours=round(MAX_DIGEST_WINDOW.total_seconds() / 3600)),
            messages=messages,
        )
        await Paginator(pages, owner_id=interaction.user.id, messages=messages).start(interaction, ephemeral=True)

    @app_commands.command(name="digests")
    @app_commands.guild_only()
    @app_commands.guild_install()
    async def digests(self, interaction: discord.Interaction) -> None:
        """This server's daily digests: where, when, from which feeds, and why one is paused."""
        listing = await self.bot.subscriptions.listing(require_guild(interaction))
        messages = user_messages(interaction)
        if not listing.subscriptions:
            await interaction.response.send_message(messages.gettext(NO_DIGESTS), ephemeral=True)
            return
        count = len(listing.subscriptions)
        pages = entry_pages(
            title=messages.ngettext(
                "{count} daily digest", "{count} daily digests", count, count=messages.number(count)
            ),
            entries=[
                digest_entry(subscription, listing.feed_names, messages) for subscription in listing.subscriptions
            ],
            messages=messages,
        )
        await Paginator(pages, owner_id=interaction.user.id, messages=messages).start(interaction, ephemeral=True)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Lists(bot))

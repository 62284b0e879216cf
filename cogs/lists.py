"""/feeds and /digests: what a server follows and gets, for every member to read, a page at a time.

They are top-level commands of their own because Discord sets default permissions per top-level
command: /feed and /digest, which change things, are shown to members with Manage Server only.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.digests import MAX_DIGEST_WINDOW
from bot.embeds import relative_time
from bot.paginator import Paginator, entry_pages
from bot.replies import require_guild
from bot.services import FeedStatus, feed_name
from bot.store import Subscription

if TYPE_CHECKING:
    from bot.client import NewsBot

LOGGER = logging.getLogger(__name__)

# What the user reads: each string in one place, so that it can be translated.
SKIP_RULES = (
    "Digests skip items already delivered to their channel, items first seen more than {hours} h ago, the "
    "same story from another outlet (merged, not repeated), and stories past a digest's max_stories."
)
NO_FEEDS = "This server follows no feeds yet: someone with Manage Server can add one with /feed add."
FEEDS_TITLE = "{count} feeds · {failing} failing"
FEED_STATE_OK = "ok"
FEED_STATE_FAILING = "failing"
FEED_LINE = "`{id}` **{name}** — {state}, last fetched {fetched}, {items} items ({recent} new in 24 h)"
FEED_FAILURES = ", {count} failed fetches in a row"
FEED_ADDRESS = "\n<{url}>"
FEED_LAST_ERROR = "\n  last error: {error}"
NO_DIGESTS = "No digests yet: someone with Manage Server can set one up with /digest subscribe."
DIGESTS_TITLE = "{count} daily digests"
ALL_FEEDS = "all feeds"
DIGEST_LINE = "<#{channel}> at {time:%H:%M} {zone} · {feeds} · up to {stories} stories"
DIGEST_KEYWORDS = " · keywords: {keywords}"
DIGEST_PAUSED = "\n  **paused**: {reason}"
PAUSED_BY_ADMIN = "by an admin"
LIST_SEPARATOR = ", "


def feed_entry(status: FeedStatus) -> str:
    """One feed in /feeds: its id, name, state, last fetch, item counts and address; failures below."""
    feed = status.feed
    line = FEED_LINE.format(
        id=feed.id,
        name=feed_name(feed),
        state=FEED_STATE_FAILING if feed.failing else FEED_STATE_OK,
        fetched=relative_time(feed.last_success_at),
        items=status.stored_items,
        recent=status.recent_items,
    )
    if feed.consecutive_failures:
        line += FEED_FAILURES.format(count=feed.consecutive_failures)
    line += FEED_ADDRESS.format(url=feed.url)
    if feed.last_error:
        line += FEED_LAST_ERROR.format(error=feed.last_error)
    return line


def digest_entry(subscription: Subscription, feed_names: dict[int, str]) -> str:
    """One subscription in /digests."""
    feeds = (
        ALL_FEEDS
        if subscription.feed_ids is None
        else LIST_SEPARATOR.join(feed_names.get(feed_id, str(feed_id)) for feed_id in subscription.feed_ids)
    )
    line = DIGEST_LINE.format(
        channel=subscription.channel_id,
        time=subscription.local_time,
        zone=subscription.timezone,
        feeds=feeds,
        stories=subscription.max_stories,
    )
    if subscription.keywords:
        line += DIGEST_KEYWORDS.format(keywords=LIST_SEPARATOR.join(subscription.keywords))
    if subscription.paused:
        line += DIGEST_PAUSED.format(reason=subscription.pause_reason or PAUSED_BY_ADMIN)
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
        if not report.feeds:
            await interaction.response.send_message(NO_FEEDS, ephemeral=True)
            return
        pages = entry_pages(
            title=FEEDS_TITLE.format(count=len(report.feeds), failing=report.failing),
            entries=[feed_entry(status) for status in report.feeds],
            footer=SKIP_RULES.format(hours=round(MAX_DIGEST_WINDOW.total_seconds() / 3600)),
        )
        await Paginator(pages, owner_id=interaction.user.id).start(interaction, ephemeral=True)

    @app_commands.command(name="digests")
    @app_commands.guild_only()
    @app_commands.guild_install()
    async def digests(self, interaction: discord.Interaction) -> None:
        """This server's daily digests: where, when, from which feeds, and why one is paused."""
        listing = await self.bot.subscriptions.listing(require_guild(interaction))
        if not listing.subscriptions:
            await interaction.response.send_message(NO_DIGESTS, ephemeral=True)
            return
        pages = entry_pages(
            title=DIGESTS_TITLE.format(count=len(listing.subscriptions)),
            entries=[digest_entry(subscription, listing.feed_names) for subscription in listing.subscriptions],
        )
        await Paginator(pages, owner_id=interaction.user.id).start(interaction, ephemeral=True)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Lists(bot))

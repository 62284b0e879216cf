"""/feed add | remove | list | status: the news feeds a server follows."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.digests import MAX_DIGEST_WINDOW
from bot.embeds import EMBED_COLOUR, EMBED_DESCRIPTION_LIMIT, fit_text
from bot.news.feeds import discover_feed
from bot.news.urls import is_http_url
from bot.replies import UserError, require_guild

if TYPE_CHECKING:
    from bot.client import NewsBot
    from bot.store import Feed, GuildFeed

LOGGER = logging.getLogger(__name__)

AUTOCOMPLETE_CHOICES = 25
"""Discord shows at most 25 autocomplete choices."""
CHOICE_NAME_LIMIT = 100


def feed_label(feed: Feed) -> str:
    return feed.title or feed.url


def timestamp(moment: datetime | None) -> str:
    """A Discord timestamp that each reader sees in their own time zone, or 'never'."""
    return discord.utils.format_dt(moment, style="R") if moment is not None else "never"


SKIP_RULES = (
    f"Digests skip items already delivered to their channel, items first seen more than "
    f"{MAX_DIGEST_WINDOW.total_seconds() / 3600:.0f} h ago, the same story from another outlet (merged, "
    "not repeated), and stories past a digest's max_stories."
)


def feed_status_line(feed: Feed, counts: tuple[int, int]) -> str:
    state = "failing" if feed.failing else "ok"
    stored, recent = counts
    line = (
        f"**{feed_label(feed)}** — {state}, last fetched {timestamp(feed.last_success_at)}, "
        f"{stored} items ({recent} new in 24 h)"
    )
    if feed.consecutive_failures:
        line += f", {feed.consecutive_failures} failed fetches in a row"
    if feed.last_error:
        line += f"\n  last error: {feed.last_error}"
    return line


@app_commands.guild_only()
class FeedCommands(commands.GroupCog, group_name="feed", group_description="The news feeds this server follows"):
    """Feeds are shared: a feed many servers follow is fetched once a cycle."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        super().__init__()

    async def feed_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Autocomplete: the server's feeds whose title or URL contains what was typed."""
        if interaction.guild_id is None:
            return []
        needle = current.casefold()
        followed = await self.bot.store.list_guild_feeds(interaction.guild_id)
        return [
            app_commands.Choice(
                name=fit_text(f"{feed_label(entry.feed)} ({entry.feed.url})", CHOICE_NAME_LIMIT),
                value=str(entry.feed.id),
            )
            for entry in followed
            if needle in entry.feed.url.casefold() or needle in (entry.feed.title or "").casefold()
        ][:AUTOCOMPLETE_CHOICES]

    async def _guild_feed(self, guild_id: int, value: str) -> GuildFeed:
        if value.isdigit() and (entry := await self.bot.store.get_guild_feed(guild_id, int(value))):
            return entry
        for entry in await self.bot.store.list_guild_feeds(guild_id):
            if value.strip() in {entry.feed.url, entry.feed.title}:
                return entry
        raise UserError("This server does not follow that feed. Pick one from the list.")

    @app_commands.command(name="add")
    @app_commands.describe(url="A feed (RSS or Atom) or a news site whose feed should be found")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def add(self, interaction: discord.Interaction, url: str) -> None:
        """Follow a news feed (needs Manage Server)."""
        guild_id = require_guild(interaction)
        url = url.strip().strip("<>")
        if not is_http_url(url):
            raise UserError("Give the feed's or the site's full address, starting with http:// or https://.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with self.bot.job():
            discovered = await discover_feed(self.bot.fetcher, url, executor=self.bot.executor)
            entry = await self.bot.store.add_guild_feed(
                guild_id,
                discovered.url,
                added_by=interaction.user.id,
                title=discovered.feed.title,
                site_url=discovered.feed.link,
            )
        how = {"direct": "", "link": " (found on the page)", "guess": " (found at a common feed address)"}
        await interaction.followup.send(
            f"Now following **{feed_label(entry.feed)}**{how[discovered.found_by]}: <{entry.feed.url}> "
            f"— {len(discovered.feed.items)} items in it now.",
            ephemeral=True,
        )

    @app_commands.command(name="remove")
    @app_commands.describe(feed="The feed to stop following")
    @app_commands.autocomplete(feed=feed_choices)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def remove(self, interaction: discord.Interaction, feed: str) -> None:
        """Stop following a feed (needs Manage Server)."""
        guild_id = require_guild(interaction)
        entry = await self._guild_feed(guild_id, feed)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.bot.store.remove_guild_feed(guild_id, entry.feed.id)
        await interaction.followup.send(f"Stopped following **{feed_label(entry.feed)}**.", ephemeral=True)

    @app_commands.command(name="list")
    async def list_feeds(self, interaction: discord.Interaction) -> None:
        """The feeds this server follows."""
        guild_id = require_guild(interaction)
        followed = await self.bot.store.list_guild_feeds(guild_id)
        if not followed:
            await interaction.response.send_message(
                "This server follows no feeds yet: add one with /feed add.", ephemeral=True
            )
            return
        lines = [f"`{entry.feed.id}` **{feed_label(entry.feed)}** <{entry.feed.url}>" for entry in followed]
        embed = discord.Embed(
            title=f"{len(followed)} feeds",
            colour=EMBED_COLOUR,
            description=fit_text("\n".join(lines), EMBED_DESCRIPTION_LIMIT),
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="status")
    @app_commands.describe(feed="One feed to look at (default: all of this server's feeds)")
    @app_commands.autocomplete(feed=feed_choices)
    async def status(self, interaction: discord.Interaction, feed: str | None = None) -> None:
        """When each feed was last fetched, and what went wrong if anything did."""
        guild_id = require_guild(interaction)
        if feed is not None:
            entries = [await self._guild_feed(guild_id, feed)]
        else:
            entries = await self.bot.store.list_guild_feeds(guild_id)
        if not entries:
            await interaction.response.send_message("This server follows no feeds yet.", ephemeral=True)
            return
        failing = sum(1 for entry in entries if entry.feed.failing)
        counts = await self.bot.store.item_counts([entry.feed.id for entry in entries])
        lines = "\n".join(feed_status_line(entry.feed, counts[entry.feed.id]) for entry in entries)
        embed = discord.Embed(
            title=f"Feed status · {len(entries)} feeds, {failing} failing",
            colour=EMBED_COLOUR,
            description=fit_text(lines, EMBED_DESCRIPTION_LIMIT),
        )
        embed.set_footer(text=SKIP_RULES)
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(FeedCommands(bot))

"""/feed add | remove | list | status: the news feeds a server follows."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.digests import MAX_DIGEST_WINDOW
from bot.discord_limits import AUTOCOMPLETE_CHOICES_LIMIT, CHOICE_NAME_LIMIT, EMBED_DESCRIPTION_LIMIT
from bot.embeds import EMBED_COLOUR, fit_text, relative_time
from bot.news.urls import is_http_url
from bot.replies import UserError, require_guild
from bot.services import FeedStatus, feed_name

if TYPE_CHECKING:
    from bot.client import NewsBot

LOGGER = logging.getLogger(__name__)

SKIP_RULES = (
    f"Digests skip items already delivered to their channel, items first seen more than "
    f"{MAX_DIGEST_WINDOW.total_seconds() / 3600:.0f} h ago, the same story from another outlet (merged, "
    "not repeated), and stories past a digest's max_stories."
)


FOUND_BY_NOTE = {"direct": "", "link": " (found on the page)", "guess": " (found at a common feed address)"}


def feed_status_line(status: FeedStatus) -> str:
    feed = status.feed
    state = "failing" if feed.failing else "ok"
    line = (
        f"**{feed_name(feed)}** — {state}, last fetched {relative_time(feed.last_success_at)}, "
        f"{status.stored_items} items ({status.recent_items} new in 24 h)"
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
        return [
            app_commands.Choice(
                name=fit_text(f"{feed_name(entry.feed)} ({entry.feed.url})", CHOICE_NAME_LIMIT),
                value=str(entry.feed.id),
            )
            for entry in await self.bot.feeds.search(interaction.guild_id, current)
        ][:AUTOCOMPLETE_CHOICES_LIMIT]

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
            followed = await self.bot.feeds.follow(guild_id, url, added_by=interaction.user.id)
        await interaction.followup.send(
            f"Now following **{feed_name(followed.feed)}**{FOUND_BY_NOTE[followed.found_by]}: <{followed.feed.url}> "
            f"— {followed.items_now} items in it now.",
            ephemeral=True,
        )

    @app_commands.command(name="remove")
    @app_commands.describe(feed="The feed to stop following")
    @app_commands.autocomplete(feed=feed_choices)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def remove(self, interaction: discord.Interaction, feed: str) -> None:
        """Stop following a feed (needs Manage Server)."""
        guild_id = require_guild(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        removed = await self.bot.feeds.unfollow(guild_id, feed)
        await interaction.followup.send(f"Stopped following **{feed_name(removed)}**.", ephemeral=True)

    @app_commands.command(name="list")
    async def list_feeds(self, interaction: discord.Interaction) -> None:
        """The feeds this server follows."""
        followed = await self.bot.feeds.followed(require_guild(interaction))
        if not followed:
            await interaction.response.send_message(
                "This server follows no feeds yet: add one with /feed add.", ephemeral=True
            )
            return
        lines = [f"`{entry.feed.id}` **{feed_name(entry.feed)}** <{entry.feed.url}>" for entry in followed]
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
        report = await self.bot.feeds.status(require_guild(interaction), feed)
        if not report.feeds:
            await interaction.response.send_message("This server follows no feeds yet.", ephemeral=True)
            return
        embed = discord.Embed(
            title=f"Feed status · {len(report.feeds)} feeds, {report.failing} failing",
            colour=EMBED_COLOUR,
            description=fit_text(
                "\n".join(feed_status_line(status) for status in report.feeds), EMBED_DESCRIPTION_LIMIT
            ),
        )
        embed.set_footer(text=SKIP_RULES)
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(FeedCommands(bot))

"""/feed add | remove: changing the news feeds a server follows (Manage Server)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_limits import AUTOCOMPLETE_CHOICES_LIMIT, CHOICE_NAME_LIMIT
from bot.embeds import fit_text
from bot.news.urls import is_http_url
from bot.replies import UserError, require_guild
from bot.services import feed_name

if TYPE_CHECKING:
    from bot.client import NewsBot

LOGGER = logging.getLogger(__name__)

FOUND_BY_NOTE = {"direct": "", "link": " (found on the page)", "guess": " (found at a common feed address)"}


@app_commands.guild_only()
@app_commands.guild_install()
@app_commands.default_permissions(manage_guild=True)
class FeedCommands(commands.GroupCog, group_name="feed", group_description="Change the news feeds this server follows"):
    """Changing feeds: Discord shows /feed only to members with Manage Server (a server may change that
    in its Integrations settings), so each command checks the permission too. Everyone reads the list
    with /feeds (cogs/lists.py). Feeds are shared: a feed many servers follow is fetched once a cycle."""

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


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(FeedCommands(bot))

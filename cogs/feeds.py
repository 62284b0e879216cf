"""/feed add | remove | import | export: changing the news feeds a server follows (Manage Server)."""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.attachments import read_attachment
from bot.discord_limits import AUTOCOMPLETE_CHOICES_LIMIT, CHOICE_NAME_LIMIT, EMBED_DESCRIPTION_LIMIT
from bot.embeds import EMBED_COLOUR, fit_text
from bot.news.opml import MAX_OPML_BYTES
from bot.news.urls import is_http_url
from bot.replies import UserError, require_guild
from bot.services import ImportedFeed, ImportOutcome, ImportReport, feed_name

if TYPE_CHECKING:
    from bot.client import NewsBot

LOGGER = logging.getLogger(__name__)

FOUND_BY_NOTE = {"direct": "", "link": " (found on the page)", "guess": " (found at a common feed address)"}


OUTCOME_MARKS = {
    ImportOutcome.FOLLOWED: "✅",
    ImportOutcome.ALREADY_FOLLOWING: "☑️",
    ImportOutcome.NOT_A_FEED: "❌",
    ImportOutcome.UNREACHABLE: "⚠️",
    ImportOutcome.REFUSED_ADDRESS: "⛔",
    ImportOutcome.OVER_LIMIT: "⏭️",
}
IMPORT_REPORT_NAME = "feed-import-report.txt"
EXPORT_NAME = "newsbrief-feeds.opml"


def imported_line(imported: ImportedFeed) -> str:
    line = (
        f"{OUTCOME_MARKS[imported.outcome]} {imported.listed.title} <{imported.listed.url}> — {imported.outcome.value}"
    )
    return f"{line}: {imported.detail}" if imported.detail else line


def import_summary(name: str, report: ImportReport) -> str:
    counts = ", ".join(f"{report.count(outcome)} {outcome.value}" for outcome in ImportOutcome if report.count(outcome))
    return f"Imported **{name}**, {len(report.feeds)} feeds: {counts}."


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
    @app_commands.describe(url="A feed (RSS, Atom or JSON Feed) or a news site whose feed should be found")
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

    @app_commands.command(name="import")
    @app_commands.describe(file="An OPML file exported from a feed reader (Feedly, Inoreader, NetNewsWire...)")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def import_feeds(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        """Follow the feeds of an OPML file, up to this server's limit (needs Manage Server)."""
        guild_id = require_guild(interaction)
        if file.size > MAX_OPML_BYTES:
            raise UserError(
                f"{file.filename} is larger than {MAX_OPML_BYTES // 1_000_000} MB, too large for a list of feeds."
            )
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await read_attachment(file.url, name=file.filename, max_bytes=MAX_OPML_BYTES)
        async with self.bot.job():
            report = await self.bot.feeds.import_opml(guild_id, data, added_by=interaction.user.id)
        lines = "\n".join(imported_line(imported) for imported in report.feeds)
        summary = import_summary(file.filename, report)
        if len(lines) <= EMBED_DESCRIPTION_LIMIT:
            embed = discord.Embed(colour=EMBED_COLOUR, description=lines)
            await interaction.followup.send(summary, embed=embed, ephemeral=True)
            return
        listing = discord.File(io.BytesIO(lines.encode()), filename=IMPORT_REPORT_NAME)
        await interaction.followup.send(f"{summary} Every feed's outcome is in the file.", file=listing, ephemeral=True)

    @app_commands.command(name="export")
    async def export_feeds(self, interaction: discord.Interaction) -> None:
        """This server's feeds as an OPML file, for a feed reader or another server."""
        guild_id = require_guild(interaction)
        server = interaction.guild.name if interaction.guild else "a Discord server"
        export = await self.bot.feeds.export_opml(guild_id, title=f"Feeds followed on {server}")
        if not export.feeds:
            await interaction.response.send_message(
                "This server follows no feeds yet: add one with /feed add or /feed import.", ephemeral=True
            )
            return
        await interaction.response.send_message(
            f"This server's {export.feeds} feeds, for any feed reader's import or /feed import:",
            file=discord.File(io.BytesIO(export.data), filename=EXPORT_NAME),
            ephemeral=True,
        )


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(FeedCommands(bot))

"""/feed add | remove | import | export | status: changing the news feeds a server follows, and what
its digests' rules hold back of them (Manage Server)."""

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
from bot.i18n import N_, Messages
from bot.i18n.translator import user_messages
from bot.news.opml import MAX_OPML_BYTES
from bot.news.render import held_back_lines
from bot.news.urls import is_http_url
from bot.paginator import Paginator, entry_pages
from bot.replies import UserError, require_guild, translated
from bot.services import HELD_BACK_WINDOW, DigestHeldBack, ImportedFeed, ImportOutcome, ImportReport, feed_name
from cogs.lists import NO_DIGESTS

if TYPE_CHECKING:
    from bot.client import NewsBot

LOGGER = logging.getLogger(__name__)

FOUND_BY_NOTE = {"direct": "", "link": N_(" (found on the page)"), "guess": N_(" (found at a common feed address)")}


OUTCOME_MARKS = {
    ImportOutcome.FOLLOWED: "✅",
    ImportOutcome.ALREADY_FOLLOWING: "☑️",
    ImportOutcome.NOT_A_FEED: "❌",
    ImportOutcome.UNREACHABLE: "⚠️",
    ImportOutcome.REFUSED_ADDRESS: "⛔",
    ImportOutcome.OVER_LIMIT: "⏭️",
}
OUTCOME_NAMES = {
    ImportOutcome.FOLLOWED: N_("followed"),
    ImportOutcome.ALREADY_FOLLOWING: N_("already following"),
    ImportOutcome.NOT_A_FEED: N_("not a feed"),
    ImportOutcome.UNREACHABLE: N_("unreachable"),
    ImportOutcome.REFUSED_ADDRESS: N_("refused address"),
    ImportOutcome.OVER_LIMIT: N_("over the limit"),
}
"""Each outcome in words, for the reader's language (the enum's values are for logs and tests)."""
IMPORT_REPORT_NAME = "feed-import-report.txt"
EXPORT_NAME = "newsbrief-feeds.opml"


def imported_line(imported: ImportedFeed, messages: Messages) -> str:
    outcome = messages.gettext(OUTCOME_NAMES[imported.outcome])
    line = f"{OUTCOME_MARKS[imported.outcome]} {imported.listed.title} <{imported.listed.url}> — {outcome}"
    return f"{line}: {translated(imported.detail, messages)}" if imported.detail else line


def import_summary(name: str, report: ImportReport, messages: Messages) -> str:
    counts = ", ".join(
        f"{messages.number(report.count(outcome))} {messages.gettext(OUTCOME_NAMES[outcome])}"
        for outcome in ImportOutcome
        if report.count(outcome)
    )
    total = len(report.feeds)
    return messages.ngettext(
        "Imported **{name}**, {total} feed: {counts}.",
        "Imported **{name}**, {total} feeds: {counts}.",
        total,
        name=name,
        total=messages.number(total),
        counts=counts,
    )


def held_back_entry(digest: DigestHeldBack, hours: int, messages: Messages) -> str:
    """One digest in /feed status: a line per rule that held stories back, as /digest preview words them."""
    channel = f"<#{digest.subscription.channel_id}>"
    lines = held_back_lines(digest.held_back, messages)
    if not lines:
        return messages.gettext(
            "{channel}: its rules held back no story of the last {hours} hours.", channel=channel, hours=hours
        )
    heading = messages.gettext("{channel}, stories of the last {hours} hours:", channel=channel, hours=hours)
    return "\n".join([heading, *(f"• {line}" for line in lines)])


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
            raise UserError(N_("Give the feed's or the site's full address, starting with http:// or https://."))
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with self.bot.job():
            followed = await self.bot.feeds.follow(guild_id, url, added_by=interaction.user.id)
        messages = user_messages(interaction)
        found_by = FOUND_BY_NOTE[followed.found_by]
        await interaction.followup.send(
            messages.ngettext(
                "Now following **{name}**{found_by}: <{url}> — {items} item in it now.",
                "Now following **{name}**{found_by}: <{url}> — {items} items in it now.",
                followed.items_now,
                name=feed_name(followed.feed),
                found_by=messages.gettext(found_by) if found_by else "",
                url=followed.feed.url,
                items=messages.number(followed.items_now),
            ),
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
        stopped = user_messages(interaction).gettext("Stopped following **{name}**.", name=feed_name(removed))
        await interaction.followup.send(stopped, ephemeral=True)

    @app_commands.command(name="import")
    @app_commands.describe(file="An OPML file exported from a feed reader (Feedly, Inoreader, NetNewsWire...)")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def import_feeds(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        """Follow the feeds of an OPML file, up to this server's limit (needs Manage Server)."""
        guild_id = require_guild(interaction)
        if file.size > MAX_OPML_BYTES:
            raise UserError(
                N_("{name} is larger than {size} MB, too large for a list of feeds."),
                name=file.filename,
                size=MAX_OPML_BYTES // 1_000_000,
            )
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await read_attachment(file.url, name=file.filename, max_bytes=MAX_OPML_BYTES)
        async with self.bot.job():
            report = await self.bot.feeds.import_opml(guild_id, data, added_by=interaction.user.id)
        messages = user_messages(interaction)
        lines = "\n".join(imported_line(imported, messages) for imported in report.feeds)
        summary = import_summary(file.filename, report, messages)
        if len(lines) <= EMBED_DESCRIPTION_LIMIT:
            embed = discord.Embed(colour=EMBED_COLOUR, description=lines)
            await interaction.followup.send(summary, embed=embed, ephemeral=True)
            return
        listing = discord.File(io.BytesIO(lines.encode()), filename=IMPORT_REPORT_NAME)
        in_file = messages.gettext("Every feed's outcome is in the file.")
        await interaction.followup.send(f"{summary} {in_file}", file=listing, ephemeral=True)

    @app_commands.command(name="export")
    async def export_feeds(self, interaction: discord.Interaction) -> None:
        """This server's feeds as an OPML file, for a feed reader or another server."""
        guild_id = require_guild(interaction)
        messages = user_messages(interaction)
        server = interaction.guild.name if interaction.guild else messages.gettext("a Discord server")
        export = await self.bot.feeds.export_opml(
            guild_id, title=messages.gettext("Feeds followed on {server}", server=server)
        )
        if not export.feeds:
            await interaction.response.send_message(
                messages.gettext("This server follows no feeds yet: add one with /feed add or /feed import."),
                ephemeral=True,
            )
            return
        await interaction.response.send_message(
            messages.ngettext(
                "This server's {count} feed, for any feed reader's import or /feed import:",
                "This server's {count} feeds, for any feed reader's import or /feed import:",
                export.feeds,
                count=messages.number(export.feeds),
            ),
            file=discord.File(io.BytesIO(export.data), filename=EXPORT_NAME),
            ephemeral=True,
        )

    @app_commands.command(name="status")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def status(self, interaction: discord.Interaction) -> None:
        """How many of the last day's stories each digest's rules held back (needs Manage Server)."""
        guild_id = require_guild(interaction)
        messages = user_messages(interaction)
        found = await self.bot.feeds.held_back(guild_id)  # a few queries and milliseconds: no defer, as /feeds
        if not found:
            await interaction.response.send_message(messages.gettext(NO_DIGESTS), ephemeral=True)
            return
        hours = round(HELD_BACK_WINDOW.total_seconds() / 3600)
        pages = entry_pages(
            title=messages.gettext("What each digest's rules held back"),
            entries=[held_back_entry(digest, hours, messages) for digest in found],
            footer=messages.gettext("Judged on what the feeds say, among the stories a digest has not posted."),
            messages=messages,
        )
        await Paginator(pages, owner_id=interaction.user.id, messages=messages).start(interaction, ephemeral=True)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(FeedCommands(bot))

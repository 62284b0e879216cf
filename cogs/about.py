"""/about: newsbrief's version, the servers and feeds it serves, its last refresh and today's digests."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import README_URL
from bot.embeds import EMBED_COLOUR, relative_time
from bot.i18n import N_, Messages
from bot.i18n.translator import user_messages
from bot.services import About

if TYPE_CHECKING:
    from bot.client import NewsBot

# What the user reads, in English: each string in one place, translated by the catalogues.
ABOUT_TITLE = "newsbrief {version}"
ABOUT_DESCRIPTION = N_("Short briefings of news pages, and daily digests of the news feeds a server follows.")
SERVERS = N_("Servers")
FEEDS_FOLLOWED = N_("Feeds followed")
LAST_REFRESH = N_("Last feed refresh")
DIGESTS_TODAY = N_("Digests posted today (UTC)")
HOW_TO = N_("Commands and setup")
README_LINK = "[README]({url})"


def about_embed(about: About, messages: Messages) -> discord.Embed:
    overview = about.overview
    embed = discord.Embed(
        title=ABOUT_TITLE.format(version=about.version),
        colour=EMBED_COLOUR,
        description=messages.gettext(ABOUT_DESCRIPTION),
    )
    embed.add_field(name=messages.gettext(SERVERS), value=messages.number(about.servers))
    embed.add_field(name=messages.gettext(FEEDS_FOLLOWED), value=messages.number(overview.followed_feeds))
    embed.add_field(name=messages.gettext(LAST_REFRESH), value=relative_time(overview.last_feed_fetch, messages))
    embed.add_field(name=messages.gettext(DIGESTS_TODAY), value=messages.number(overview.digests_posted_today))
    embed.add_field(name=messages.gettext(HOW_TO), value=README_LINK.format(url=README_URL))
    return embed


class AboutCommand(commands.Cog):
    """Anywhere newsbrief can be used, as /summarize can."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="about")
    @app_commands.allowed_installs(guilds=True, users=True)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def about(self, interaction: discord.Interaction) -> None:
        """What newsbrief is, its version, and how busy it is."""
        about = await self.bot.info.about(servers=len(self.bot.guilds))
        await interaction.response.send_message(embed=about_embed(about, user_messages(interaction)), ephemeral=True)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(AboutCommand(bot))

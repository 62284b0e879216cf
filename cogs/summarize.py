"""/summarize and the Summarize message command: parse, call the pipeline, render an embed.

Both install to a server and to a user's account, and work in servers, the bot's DMs and group DMs.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.embeds import briefing_embed, read_article_view
from bot.i18n import N_
from bot.i18n.translator import user_messages
from bot.news.urls import find_urls, is_http_url
from bot.replies import UserError, mark_answered, reply_for

if TYPE_CHECKING:
    from bot.client import NewsBot

LOGGER = logging.getLogger(__name__)

LINKS_PER_MESSAGE = 3
"""A message command summarizes at most this many links: more would flood the channel."""
RATE_WINDOW_SECONDS = 60.0
MAX_TRACKED_USERS = 10_000
"""Past this many rate buckets, idle ones are dropped so memory stays bounded."""


class UserRateLimit:
    """A per-user token bucket shared by every command that makes summaries."""

    def __init__(self, rate: int, per: float) -> None:
        self.rate = rate
        self.per = per
        self._buckets: dict[int, app_commands.Cooldown] = {}

    def hit(self, user_id: int, *, tokens: int = 1) -> None:
        """Take `tokens` from the user's bucket.

        Raises:
            app_commands.CommandOnCooldown: the user has used up their allowance for now.
        """
        if len(self._buckets) > MAX_TRACKED_USERS:
            self._buckets = {
                user: bucket for user, bucket in self._buckets.items() if bucket.get_tokens() < bucket.rate
            }
        bucket = self._buckets.setdefault(user_id, app_commands.Cooldown(self.rate, self.per))
        if bucket.get_tokens() < tokens:
            raise app_commands.CommandOnCooldown(bucket, bucket.get_retry_after() or self.per)
        bucket.update_rate_limit(tokens=tokens)


def answers_privately(interaction: discord.Interaction, private: bool | None = None) -> bool:
    """Whether a summary is shown only to the user: as they chose, else where the bot is not a member.

    In a server that has not installed newsbrief (a user installed it for themselves) a public answer
    would post into a server that never asked for the bot; in servers that have it, in its DMs and in
    group DMs the answer is public, as it is meant to be shared.
    """
    if private is not None:
        return private
    return interaction.guild_id is not None and not interaction.is_guild_integration()


def links_in_message(message: discord.Message) -> list[str]:
    """The links a message holds: in its text first, then in its embeds."""
    texts = [message.content]
    for embed in message.embeds:
        texts += [embed.url or "", embed.description or ""]
    return find_urls("\n".join(texts), limit=LINKS_PER_MESSAGE)


class Summarize(commands.Cog):
    """Summaries on demand."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        self.rate_limit = UserRateLimit(bot.settings.summarize_per_minute, RATE_WINDOW_SECONDS)
        self.message_command = app_commands.ContextMenu(
            name="Summarize",
            callback=self.summarize_message,
            allowed_installs=app_commands.AppInstallationType(guild=True, user=True),
            allowed_contexts=app_commands.AppCommandContext(guild=True, dm_channel=True, private_channel=True),
        )

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.message_command)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.message_command.name, type=self.message_command.type)

    @app_commands.command(name="summarize")
    @app_commands.allowed_installs(guilds=True, users=True)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    @app_commands.describe(
        url="The article's address (http or https)",
        sentences="How many sentences the summary has (default: 3 to 5, by the article's length)",
        private="Show the summary only to you (default: only where newsbrief is not a member of the server)",
    )
    async def summarize(
        self,
        interaction: discord.Interaction,
        url: str,
        sentences: app_commands.Range[int, 1, 10] | None = None,
        private: bool | None = None,
    ) -> None:
        """Summarize a news article: headline, outlet, summary and key quotes."""
        url = url.strip().strip("<>")
        if not is_http_url(url):
            raise UserError(N_("Give me the article's full address, starting with http:// or https://."))
        self.rate_limit.hit(interaction.user.id)
        ephemeral = answers_privately(interaction, private)
        await interaction.response.defer(thinking=True, ephemeral=ephemeral)
        async with self.bot.job():
            briefing = await self.bot.pipeline.brief_url(url, sentences=sentences)
            messages = user_messages(interaction)
            await interaction.followup.send(
                embed=briefing_embed(briefing, messages),
                view=read_article_view(briefing, messages),
                ephemeral=ephemeral,
            )
            mark_answered(interaction)

    async def summarize_message(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """Summarize the links in a message, one embed each."""
        urls = links_in_message(message)
        if not urls:
            raise UserError(N_("No link found in that message."))
        self.rate_limit.hit(interaction.user.id, tokens=min(len(urls), self.rate_limit.rate))
        ephemeral = answers_privately(interaction)
        messages = user_messages(interaction)
        await interaction.response.defer(thinking=True, ephemeral=ephemeral)
        async with self.bot.job():
            results = await asyncio.gather(*(self.bot.pipeline.brief_url(url) for url in urls), return_exceptions=True)
            failures = [
                (url, result) for url, result in zip(urls, results, strict=True) if isinstance(result, BaseException)
            ]
            if len(failures) == len(urls):
                raise failures[0][1]
            for result in results:
                if not isinstance(result, BaseException):
                    await interaction.followup.send(
                        embed=briefing_embed(result, messages),
                        view=read_article_view(result, messages),
                        ephemeral=ephemeral,
                    )
                    mark_answered(interaction)
            for url, error in failures:
                reason = reply_for(error, doing=f"summarizing {url} for user {interaction.user.id}", messages=messages)
                await interaction.followup.send(
                    messages.gettext("Could not summarize <{url}>: {reason}", url=url, reason=reason), ephemeral=True
                )


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Summarize(bot))

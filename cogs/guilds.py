"""The servers the bot is in: leaving one forgets it, and at start the ones left while offline are
forgotten (bot/services/guilds.py decides what may be forgotten); a server's digests follow its
preferred locale when it changes, and at start."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.replies import ShuttingDown
from bot.services import GuildService, GuildsInView

if TYPE_CHECKING:
    from bot.client import NewsBot

LOGGER = logging.getLogger(__name__)


def guilds_in_view(bot: commands.Bot | commands.AutoShardedBot) -> GuildsInView:
    """The guilds the client knows now, with the shards it runs.

    An AutoShardedBot has `shard_ids` (None when it runs every shard); a plain client runs one shard,
    `shard_id`, or all of them when that is None.
    """
    shard_ids: list[int] | None = getattr(bot, "shard_ids", None)
    if shard_ids is None and bot.shard_id is not None:
        shard_ids = [bot.shard_id]
    return GuildsInView(
        guild_ids=frozenset(guild.id for guild in bot.guilds),
        unavailable=frozenset(guild.id for guild in bot.guilds if guild.unavailable),
        shard_count=bot.shard_count,
        shard_ids=None if shard_ids is None else frozenset(shard_ids),
    )


def preferred_locales(bot: commands.Bot | commands.AutoShardedBot) -> dict[int, str]:
    """Each available guild's preferred locale (its Community settings), as a Discord locale code."""
    return {guild.id: guild.preferred_locale.value for guild in bot.guilds if not guild.unavailable}


class GuildEvents(commands.Cog):
    """Listens for the bot leaving servers and for their language changing; no commands."""

    def __init__(self, bot: NewsBot, service: GuildService) -> None:
        self.bot = bot
        self.service = service
        # on_ready fires again after a reconnect that had to IDENTIFY anew: one catch-up at a time.
        self._catching_up = asyncio.Lock()

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Kicked, banned, or the server deleted (not an outage: discord.py reports that as unavailable).

        Should the store fail here, discord.py logs the error and the next start's catch-up forgets the
        server instead."""
        await self._unless_closing(lambda: self.service.forget(guild.id))

    @commands.Cog.listener()
    async def on_guild_update(self, before: discord.Guild, after: discord.Guild) -> None:
        """A server's settings changed: when its preferred locale did, its digests post in the new one."""
        if before.preferred_locale != after.preferred_locale:
            await self._unless_closing(lambda: self.service.adopt_locales({after.id: after.preferred_locale.value}))

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Every guild of these shards has arrived (or timed out as unavailable): forget those left
        while offline, and post each one's digests in its preferred locale as it is now. Safe to repeat:
        a guild still present is never forgotten."""
        async with self._catching_up:
            await self._unless_closing(self._catch_up)

    async def _catch_up(self) -> None:
        report = await self.service.forget_departed(lambda: guilds_in_view(self.bot))
        if report.forgotten:
            LOGGER.info("Forgot %d guilds the bot was removed from while offline", len(report.forgotten))
        await self.service.adopt_locales(preferred_locales(self.bot))

    async def _unless_closing(self, work: Callable[[], Awaitable[object]]) -> None:
        """Do `work` as a job the bot's close waits for (the store closes after it), or skip it when the
        bot is already closing: the next start catches up."""
        try:
            async with self.bot.job():  # raises ShuttingDown on entry only
                await work()
        except ShuttingDown:
            LOGGER.info("Closing: the guilds left are checked at the next start")


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(GuildEvents(bot, GuildService(store=bot.store)))

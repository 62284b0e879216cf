"""The one error handler for application commands: users hear what went wrong (bot/replies.py words
it), bugs get logged."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.i18n.translator import user_messages
from bot.replies import reply_for, reply_privately

if TYPE_CHECKING:
    from bot.client import NewsBot

LOGGER = logging.getLogger(__name__)


class ErrorHandler(commands.Cog):
    """Installs itself as the command tree's error handler while loaded."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        self._previous_handler = bot.tree.on_error

    async def cog_load(self) -> None:
        self.bot.tree.on_error = self.on_app_command_error  # type: ignore[method-assign]

    async def cog_unload(self) -> None:
        self.bot.tree.on_error = self._previous_handler  # type: ignore[method-assign]

    async def on_app_command_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        command = interaction.command.qualified_name if interaction.command else "?"
        message = reply_for(
            error, doing=f"/{command} for user {interaction.user.id}", messages=user_messages(interaction)
        )
        try:
            await reply_privately(interaction, message)
        except discord.HTTPException:
            LOGGER.exception("Could not tell user %s about an error in /%s", interaction.user.id, command)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(ErrorHandler(bot))

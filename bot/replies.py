"""What the user is told when something goes wrong: the one table from errors to messages."""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.news.errors import Busy, FetchError, FetchErrorKind, InputError, NewsError, NotAnArticle

LOGGER = logging.getLogger(__name__)

GENERIC_FAILURE = "Something went wrong on my side. It has been logged; please try again later."


class UserError(app_commands.AppCommandError):
    """A problem with what the user asked for; its message is shown to them as it is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ShuttingDown(Exception):
    """The bot is closing and takes no new work."""


FETCH_MESSAGES: dict[str, str] = {
    FetchErrorKind.TIMEOUT: "That page took too long to answer.",
    FetchErrorKind.TOO_LARGE: "That page is too large to summarize.",
    FetchErrorKind.NOT_HTML: "That link is not a web page (it looks like a file, an image or a feed).",
    FetchErrorKind.BLOCKED_ADDRESS: "That address is not allowed.",
    FetchErrorKind.BAD_URL: "That is not a link I can open: use an http:// or https:// address.",
    FetchErrorKind.NETWORK: "I could not reach that site.",
}


def user_message(error: BaseException) -> str | None:
    """The message for an error the user should hear about, or None for an unexpected one."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    match error:
        case UserError() | InputError():
            return error.message
        case FetchError(kind=FetchErrorKind.HTTP_STATUS, status=404):
            return "That page was not found (HTTP 404)."
        case FetchError(kind=FetchErrorKind.HTTP_STATUS, status=status):
            return f"That site answered with an error (HTTP {status})."
        case FetchError(kind=kind) if kind in FETCH_MESSAGES:
            return FETCH_MESSAGES[kind]
        case NotAnArticle():
            return "That page does not look like an article."
        case Busy():
            return "I am making a lot of summaries right now; please try again in a moment."
        case NewsError():
            return error.message
        case ShuttingDown():
            return "newsbrief is restarting; please try again in a minute."
        case app_commands.CommandOnCooldown():
            return f"You are going fast: you can ask again in {error.retry_after:.0f} s."
        case app_commands.MissingPermissions():
            return "You need the Manage Server permission to do that."
        case app_commands.NoPrivateMessage():
            return "That command works only in a server."
        case app_commands.TransformerError() if isinstance(error.value, str | int | float):
            return f"“{error.value}” is not a valid value there."
        case app_commands.TransformerError():
            return "That choice is not available here."
        case app_commands.CheckFailure():
            return "You cannot use this command here."
    return None


def require_guild(interaction: discord.Interaction) -> int:
    """The guild the command was used in.

    Raises:
        app_commands.NoPrivateMessage: it was used in a direct message.
    """
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild_id


async def reply_privately(interaction: discord.Interaction, message: str) -> None:
    """Answer with a message only the user sees, whatever state the interaction is in.

    After a public defer, the first follow-up would replace the public "thinking…" message, so
    that message is deleted first and the answer sent as a private follow-up.
    """
    if not interaction.response.is_done():
        await interaction.response.send_message(message, ephemeral=True)
        return
    answered = interaction.extras.get("answered", False)
    if interaction.response.type is discord.InteractionResponseType.deferred_channel_message and not answered:
        try:
            await interaction.delete_original_response()
        except discord.HTTPException:
            LOGGER.debug("Could not delete the deferred response of %s", interaction.id)
    await interaction.followup.send(message, ephemeral=True)

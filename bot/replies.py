"""What the user is told when something goes wrong: the one table from errors to messages."""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.news.errors import Busy, FetchError, InputError, NewsError, NotAnArticle

LOGGER = logging.getLogger(__name__)

GENERIC_FAILURE = "Something went wrong on my side. It has been logged; please try again later."


class UserError(app_commands.AppCommandError):
    """A problem with what the user asked for; its message is shown to them as it is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ShuttingDown(Exception):
    """The bot is closing and takes no new work."""


_ANSWERED = "newsbrief.answered"
"""The key in `interaction.extras` that says a command has sent its answer (see `mark_answered`)."""

SENTENCE_ENDS = (".", "!", "?", "…")


def as_sentence(message: str) -> str:
    """The message ending as a sentence: a FetchError's message has no final stop."""
    return message if message.endswith(SENTENCE_ENDS) else f"{message}."


def user_message(error: BaseException) -> str | None:
    """The message for an error the user should hear about, or None for an unexpected one.

    The core's errors keep the precise wording they were raised with (a FetchError says which host
    refused, which status it answered, what kind of file the link is).
    """
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    match error:
        case UserError() | InputError():
            return error.message
        case NotAnArticle():
            return "That page does not look like an article."
        case Busy():
            return "I am making a lot of summaries right now; please try again in a moment."
        case FetchError():
            return as_sentence(error.message)
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


def reply_for(error: BaseException, *, doing: str) -> str:
    """What to tell the user about `error`: its message when it is for them (logged at debug level),
    else GENERIC_FAILURE, after logging the error with its traceback.

    Args:
        error: what went wrong.
        doing: what was being done, for the log ("/feed add for user 42").
    """
    message = user_message(error)
    if message is None:
        LOGGER.error("Unexpected error in %s", doing, exc_info=error)
        return GENERIC_FAILURE
    LOGGER.debug("%s: %s", doing, message)
    return message


def mark_answered(interaction: discord.Interaction) -> None:
    """Note that the command has sent its answer: an error after it must not delete the answer."""
    interaction.extras[_ANSWERED] = True


def was_answered(interaction: discord.Interaction) -> bool:
    return bool(interaction.extras.get(_ANSWERED, False))


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
    deferred = interaction.response.type is discord.InteractionResponseType.deferred_channel_message
    if deferred and not was_answered(interaction):
        try:
            await interaction.delete_original_response()
        except discord.HTTPException:
            LOGGER.debug("Could not delete the deferred response of %s", interaction.id)
    await interaction.followup.send(message, ephemeral=True)

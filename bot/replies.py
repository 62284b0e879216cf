"""What the user is told when something goes wrong: the one table from errors to messages."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import discord
from discord import app_commands

from bot.i18n import ENGLISH, N_, Messages
from bot.news.errors import Busy, FetchError, InputError, NewsError, NotAnArticle, Phrase
from bot.store import PauseReason

LOGGER = logging.getLogger(__name__)

GENERIC_FAILURE = N_("Something went wrong on my side. It has been logged; please try again later.")


class UserError(app_commands.AppCommandError):
    """A problem with what the user asked for; its message is shown to them, in their language.

    Args:
        message: in English with `{name}` placeholders, marked with N_ for the catalogues.
        params: what fills the placeholders.
    """

    def __init__(self, message: str, /, **params: object) -> None:
        self.template = message
        self.params = params
        self.message = message.format(**params) if params else message
        super().__init__(self.message)


class ShuttingDown(Exception):
    """The bot is closing and takes no new work."""


_ANSWERED = "newsbrief.answered"
"""The key in `interaction.extras` that says a command has sent its answer (see `mark_answered`)."""

SENTENCE_ENDS = (".", "!", "?", "…")


def as_sentence(message: str) -> str:
    """The message ending as a sentence: a FetchError's message has no final stop."""
    return message if message.endswith(SENTENCE_ENDS) else f"{message}."


def translated(error: NewsError | UserError, messages: Messages) -> str:
    """An error's message in the reader's language: its template translated and filled with its
    parameters, the `Phrase` ones and the errors given as a reason translated too. A template missing
    from the catalogue reads in English."""
    return messages.gettext(error.template, **{name: _param(value, messages) for name, value in error.params.items()})


def _param(value: object, messages: Messages) -> object:
    if isinstance(value, Phrase):
        return messages.gettext(value)
    if isinstance(value, tuple) and all(isinstance(part, Phrase) for part in value):
        return LIST_SEPARATOR.join(messages.gettext(part) for part in value)
    if isinstance(value, NewsError):
        return translated(value, messages)
    return value


PAUSE_REASONS: dict[str, str] = {
    PauseReason.CHANNEL_DELETED: N_("the channel was deleted"),
    PauseReason.CHANNEL_FORBIDDEN: N_("newsbrief lost permission to post or embed links in the channel"),
    PauseReason.FEEDS_REMOVED: N_("every feed this digest was following has been removed from the server"),
    PauseReason.FORUM_TAG_REQUIRED: N_(
        "the forum requires a tag on each post, and none of its tags matches the digest"
    ),
}
"""Each reason newsbrief pauses a digest for, as /digests and /digest now say it."""
ENGLISH_PAUSE_REASONS: dict[str, str] = {
    "The channel was deleted": PauseReason.CHANNEL_DELETED,
    "newsbrief lost permission to post or embed links in the channel": PauseReason.CHANNEL_FORBIDDEN,
    "Every feed this digest was following has been removed from the server.": PauseReason.FEEDS_REMOVED,
}
"""The English text subscriptions paused before the codes hold, read as the code it stands for."""


def pause_reason(stored: str, messages: Messages) -> str:
    """Why a digest is paused, in the reader's language: a `PauseReason` code (or the English text of
    one, kept before the codes) in their words; any other text as it was stored."""
    template = PAUSE_REASONS.get(ENGLISH_PAUSE_REASONS.get(stored, stored))
    return messages.gettext(template) if template is not None else stored


PAUSE_NOTICE = N_("newsbrief paused the digest of <#{channel}>: {reason}.")
PAUSE_FIXES: dict[str, str] = {
    PauseReason.CHANNEL_DELETED: N_("Set it up in another channel with /digest subscribe."),
    PauseReason.CHANNEL_FORBIDDEN: N_(
        "Give newsbrief back its permissions in <#{channel}>, then use /digest resume to start it again."
    ),
    PauseReason.FORUM_TAG_REQUIRED: N_(
        "Add a tag to <#{channel}> that names the digest's news, or let posts go without a tag, then use "
        "/digest resume to start it again."
    ),
}
"""What to fix for each reason a digest pauses itself; the pause notice ends with it."""
MISSING_FIX = N_("Give newsbrief {permissions} in <#{channel}>, then use /digest resume to start it again.")
LIST_SEPARATOR = ", "


def permission_list(labels: Sequence[str], messages: Messages) -> str:
    """Permission labels (N_ ids, see bot/permissions.py) in the reader's words: "Send Messages, Embed Links"."""
    return LIST_SEPARATOR.join(messages.gettext(label) for label in labels)


def pause_notice(channel_id: int, reason: str, missing: Sequence[str], messages: Messages) -> str:
    """What the server is told when its digest pauses itself: why, and what to fix (the permissions the
    bot lacks there by name, when it can tell)."""
    notice = messages.gettext(PAUSE_NOTICE, channel=channel_id, reason=pause_reason(reason, messages))
    if missing:
        fix: str | None = messages.gettext(
            MISSING_FIX, permissions=permission_list(missing, messages), channel=channel_id
        )
    else:
        template = PAUSE_FIXES.get(reason)
        fix = messages.gettext(template, channel=channel_id) if template is not None else None
    return f"{notice} {fix}" if fix else notice


def user_message(error: BaseException, messages: Messages = ENGLISH) -> str | None:
    """The message for an error the user should hear about, in their language, or None for an
    unexpected one.

    The core's errors keep the precise wording they were raised with (a FetchError says which host
    refused, which status it answered, what kind of file the link is), translated with their parameters.
    """
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    match error:
        case UserError() | InputError():
            return translated(error, messages)
        case NotAnArticle():
            return messages.gettext("That page does not look like an article.")
        case Busy():
            return messages.gettext("I am making a lot of summaries right now; please try again in a moment.")
        case FetchError():
            return as_sentence(translated(error, messages))
        case NewsError():
            return translated(error, messages)
        case ShuttingDown():
            return messages.gettext("newsbrief is restarting; please try again in a minute.")
        case app_commands.CommandOnCooldown():
            seconds = round(error.retry_after)
            return messages.ngettext(
                "You are going fast: you can ask again in {seconds} second.",
                "You are going fast: you can ask again in {seconds} seconds.",
                seconds,
                seconds=messages.number(seconds),
            )
        case app_commands.MissingPermissions():
            return messages.gettext("You need the Manage Server permission to do that.")
        case app_commands.NoPrivateMessage():
            return messages.gettext("That command works only in a server.")
        case app_commands.TransformerError() if isinstance(error.value, str | int | float):
            return messages.gettext("“{value}” is not a valid value there.", value=error.value)
        case app_commands.TransformerError():
            return messages.gettext("That choice is not available here.")
        case app_commands.CheckFailure():
            return messages.gettext("You cannot use this command here.")
    return None


def reply_for(error: BaseException, *, doing: str, messages: Messages = ENGLISH) -> str:
    """What to tell the user about `error`: its message when it is for them (logged at debug level),
    else GENERIC_FAILURE, after logging the error with its traceback.

    Args:
        error: what went wrong.
        doing: what was being done, for the log ("/feed add for user 42").
        messages: the user's language.
    """
    message = user_message(error, messages)
    if message is None:
        LOGGER.error("Unexpected error in %s", doing, exc_info=error)
        return messages.gettext(GENERIC_FAILURE)
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

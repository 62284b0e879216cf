"""Command names, descriptions and options in the reader's language: discord.py's translator over
the message catalogues (set in NewsBot.setup_hook), and the messages for an interaction."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.i18n import COMMAND_CONTEXT, ENGLISH, OPTION_CONTEXT, Messages, messages_for

Location = app_commands.TranslationContextLocation
NAME_CONTEXTS = {
    Location.command_name: COMMAND_CONTEXT,
    Location.group_name: COMMAND_CONTEXT,
    Location.parameter_name: OPTION_CONTEXT,
}
"""The catalogue context of each kind of name (see bot/i18n/extract.py); descriptions have none."""


class CatalogueTranslator(app_commands.Translator):
    """Answers discord.py's questions at sync from the catalogues: a locale without a catalogue, or a
    string its catalogue leaves as in English, gets no localization and Discord shows the English."""

    async def translate(
        self, string: app_commands.locale_str, locale: discord.Locale, context: app_commands.TranslationContextTypes
    ) -> str | None:
        messages = messages_for(locale.value)
        if messages.translations is ENGLISH.translations:
            return None
        name_context = NAME_CONTEXTS.get(context.location)
        if name_context is not None:
            translated = messages.pgettext(name_context, string.message)
        else:
            translated = messages.gettext(string.message)
        return translated if translated != string.message else None


def user_messages(interaction: discord.Interaction) -> Messages:
    """The messages in the language of the user who used a command or pressed a button."""
    return messages_for(interaction.locale.value)


def server_messages(guild: discord.Guild | None) -> Messages:
    """The messages in a server's preferred language (its Community settings), for what it posts."""
    return messages_for(guild.preferred_locale.value) if guild is not None else ENGLISH

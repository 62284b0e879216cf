"""Localization through the real client and the fake Discord: the synced commands carry their names and
descriptions in every shipped language, and replies follow the language of the user who asked."""

from __future__ import annotations

import re
from typing import Any

import discord
import pytest
from babel.messages.pofile import read_po
from discord import app_commands

from bot.client import NewsBot
from bot.i18n import CATALOGUE_OF_LOCALE, COMMAND_CONTEXT, OPTION_CONTEXT, TEMPLATE, messages_for, shipped_locales
from bot.i18n.translator import NAME_CONTEXTS
from cogs.about import DIGESTS_TODAY, FEEDS_FOLLOWED, HOW_TO, LAST_REFRESH, SERVERS
from newsbrief_testkit.fake_discord import FakeDiscord

from .conftest import private_reply

REPLY_LOCALES = ["en-US", *shipped_locales()]
CATALOGUE_LOCALES = {"en-US", *(catalogue.replace("_", "-") for catalogue in CATALOGUE_OF_LOCALE.values())}
"""One Discord locale for each catalogue, and English."""
"""English and every Discord locale with a catalogue (es-419 reads es-ES's)."""
BAD_LINK_REPLY = "Give me the article's full address, starting with http:// or https://."


def synced_command(fake: FakeDiscord, name: str) -> dict[str, Any]:
    return next(command for command in fake.commands[None] if command["name"] == name)


def descriptions(entry: dict[str, Any]) -> list[tuple[str, dict[str, str]]]:
    """Every description of a synced command and its options, with its localizations."""
    found = [(entry["description"], entry.get("description_localizations") or {})] if entry.get("description") else []
    for option in entry.get("options", []):
        found += descriptions(option)
    return found


async def test_every_synced_description_is_localized_for_every_shipped_locale(
    news_bot: NewsBot, fake: FakeDiscord
) -> None:
    unlocalized = [
        (description, sorted(set(shipped_locales()) - set(localizations)))
        for command in fake.commands[None]
        for description, localizations in descriptions(command)
        if set(shipped_locales()) - set(localizations)
    ]
    assert unlocalized == []


async def test_summarize_is_named_in_the_language_of_each_shipped_locale(news_bot: NewsBot, fake: FakeDiscord) -> None:
    names = synced_command(fake, "summarize")["name_localizations"]
    expected = {locale: messages_for(locale).pgettext(COMMAND_CONTEXT, "summarize") for locale in shipped_locales()}
    assert names == expected


async def test_options_are_named_in_the_option_context(news_bot: NewsBot, fake: FakeDiscord) -> None:
    url = synced_command(fake, "summarize")["options"][0]
    assert url["name"] == "url"
    assert url["name_localizations"]["uk"] == messages_for("uk").pgettext(OPTION_CONTEXT, "url")


async def test_every_string_the_translator_is_asked_for_is_in_the_template(news_bot: NewsBot) -> None:
    with TEMPLATE.open("rb") as template_file:
        template = {(message.context, message.id) for message in read_po(template_file)}
    asked: list[tuple[str | None, str]] = []

    class Recorder(app_commands.Translator):
        async def translate(
            self,
            string: app_commands.locale_str,
            locale: discord.Locale,
            context: app_commands.TranslationContextTypes,
        ) -> str | None:
            asked.append((NAME_CONTEXTS.get(context.location), string.message))
            return None

    recorder = Recorder()
    for command in news_bot.tree.get_commands(type=None):
        await command.get_translated_payload(news_bot.tree, recorder)
    assert asked
    assert sorted(set(asked) - template) == []


@pytest.mark.parametrize("locale", REPLY_LOCALES)
async def test_about_answers_in_the_users_locale(news_bot: NewsBot, fake: FakeDiscord, locale: str) -> None:
    interaction = await fake.send_slash_command("about", locale=locale)
    callback = await fake.wait_for_callback(interaction, status=200)
    embed = callback.json["data"]["embeds"][0]
    messages = messages_for(locale)
    assert [field["name"] for field in embed["fields"]] == [
        messages.gettext(label) for label in (SERVERS, FEEDS_FOLLOWED, LAST_REFRESH, DIGESTS_TODAY, HOW_TO)
    ]
    assert embed["fields"][2]["value"] == messages.gettext("never")
    english = locale.startswith("en")
    assert (embed["fields"][0]["name"] == "Servers" and embed["fields"][2]["value"] == "never") is english


@pytest.mark.parametrize("locale", REPLY_LOCALES)
async def test_a_summarize_error_answers_in_the_users_locale(news_bot: NewsBot, fake: FakeDiscord, locale: str) -> None:
    interaction = await fake.send_slash_command("summarize", {"url": "not a link"}, locale=locale)
    reply = await private_reply(fake, interaction)
    assert reply == messages_for(locale).gettext(BAD_LINK_REPLY)
    assert (reply == BAD_LINK_REPLY) is locale.startswith("en")


async def test_a_fetch_error_is_told_in_the_users_locale_with_its_details(news_bot: NewsBot, fake: FakeDiscord) -> None:
    interaction = await fake.send_slash_command("summarize", {"url": "http://127.0.0.1:9/"}, locale="de")
    reply = await private_reply(fake, interaction)
    assert reply == messages_for("de").gettext("Could not connect to {host}", host="127.0.0.1") + "."


COMMAND_REFERENCE = re.compile(r"(?:^|\s)/(\w[\w-]*)(?: (\w[\w-]*))?")
"""'/feed add' or '/feeds' in a message (not the '/' inside a link or 'Europe/Paris')."""
SUBCOMMAND = 1


def command_paths(fake: FakeDiscord) -> dict[str, set[str]]:
    """The synced slash commands: each top-level name and its subcommands' names (none for a command)."""
    return {
        command["name"]: {option["name"] for option in command.get("options", []) if option["type"] == SUBCOMMAND}
        for command in fake.commands[None]
        if command.get("type", 1) == 1
    }


@pytest.mark.parametrize("locale", sorted(CATALOGUE_LOCALES))
async def test_messages_name_commands_as_the_locale_names_them(
    news_bot: NewsBot, fake: FakeDiscord, locale: str
) -> None:
    messages = messages_for(locale)
    named = {
        messages.pgettext(COMMAND_CONTEXT, name): {messages.pgettext(COMMAND_CONTEXT, sub) for sub in subs}
        for name, subs in command_paths(fake).items()
    }
    with TEMPLATE.open("rb") as template_file:
        ids = [message.id for message in read_po(template_file) if message.id and not message.context]
    translations = messages.translations
    wrong = []
    for message_id in ids:
        if isinstance(message_id, str):
            forms = [translations.gettext(message_id)]
        else:
            forms = [translations.ngettext(message_id[0], message_id[1], count) for count in (1, 2, 5)]
        for form in forms:
            for command, sub in COMMAND_REFERENCE.findall(form):
                if command not in named or (named[command] and sub not in named[command]):
                    wrong.append((form, f"/{command} {sub}".strip()))
    assert wrong == []

"""Every extension loads, and together they define a clean command set.

The duplicate check reads each extension on its own bot, and each group cog's own list of subcommands:
loaded together, a second extension with a taken name fails to load before any test runs, and inside a
group cog Discord's mapping keeps only the last of two same-named subcommands, so a walk of the
command tree never sees the first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from discord import app_commands
from discord.ext import commands

from bot.client import BotResources, NewsBot, discover_extensions
from bot.settings import Settings

AppCommand = app_commands.Command[Any, ..., Any] | app_commands.ContextMenu | app_commands.Group


@pytest.fixture
async def bot_with_every_extension(offline_settings: Settings, bot_resources: BotResources) -> AsyncIterator[NewsBot]:
    bot = NewsBot(offline_settings, bot_resources)
    for name in discover_extensions():
        await bot.load_extension(name)
    yield bot
    for name in list(bot.extensions):
        await bot.unload_extension(name)


def walk_commands(bot: NewsBot) -> list[AppCommand]:
    found: list[AppCommand] = []
    for command in bot.tree.get_commands():
        found.append(command)
        if isinstance(command, app_commands.Group):
            found.extend(command.walk_commands())
    return found


def declared_commands(bot: NewsBot) -> Iterator[AppCommand]:
    """Every command the bot's cogs declare and its tree holds, same-named subcommands of a group cog
    included (the tree keeps only the last of them)."""
    grouped: set[str] = set()
    for cog in bot.cogs.values():
        group = cog.app_command
        if isinstance(cog, commands.GroupCog) and group is not None:
            grouped.add(group.name)
            yield group
            for child in cog.__cog_app_commands__:
                yield child
                if isinstance(child, app_commands.Group):
                    yield from child.walk_commands()
    for command in bot.tree.get_commands():
        if command.name in grouped:
            continue
        yield command
        if isinstance(command, app_commands.Group):
            yield from command.walk_commands()


async def commands_of_each_extension(settings: Settings, resources: BotResources) -> Counter[tuple[str, str]]:
    """(kind, qualified name) of every command, counted over the extensions each loaded on its own bot."""
    counted: Counter[tuple[str, str]] = Counter()
    for name in discover_extensions():
        bot = NewsBot(settings, resources)
        await bot.load_extension(name)
        for command in declared_commands(bot):
            kind = "menu" if isinstance(command, app_commands.ContextMenu) else "slash"
            counted[(kind, command.qualified_name)] += 1
        await bot.unload_extension(name)
    return counted


def test_every_cogs_module_is_discovered() -> None:
    assert {"cogs.errors", "cogs.summarize"} <= set(discover_extensions())


async def test_every_extension_loads(bot_with_every_extension: NewsBot) -> None:
    assert set(bot_with_every_extension.extensions) == set(discover_extensions())


async def test_no_two_commands_share_a_name(offline_settings: Settings, bot_resources: BotResources) -> None:
    counted = await commands_of_each_extension(offline_settings, bot_resources)
    assert [name for name, count in counted.items() if count > 1] == []


async def test_every_slash_command_and_option_has_a_description(bot_with_every_extension: NewsBot) -> None:
    undescribed = []
    for command in walk_commands(bot_with_every_extension):
        if isinstance(command, app_commands.ContextMenu):
            continue
        if not command.description or command.description == "…":
            undescribed.append(command.qualified_name)
        if isinstance(command, app_commands.Command):
            undescribed += [
                f"{command.qualified_name} {parameter.name}"
                for parameter in command.parameters
                if not parameter.description or parameter.description == "…"
            ]
    assert undescribed == []


async def test_summarize_message_command_is_registered(bot_with_every_extension: NewsBot) -> None:
    menus = [c.name for c in walk_commands(bot_with_every_extension) if isinstance(c, app_commands.ContextMenu)]
    assert menus == ["Summarize"]

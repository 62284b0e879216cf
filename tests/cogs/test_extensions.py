"""Every extension loads, and together they define a clean command set."""

from collections import Counter

import pytest
from discord import app_commands

from bot.client import NewsBot, discover_extensions
from bot.settings import Settings


@pytest.fixture
async def bot_with_every_extension():
    bot = NewsBot(Settings(_env_file=None, pipeline_processes=0))
    for name in discover_extensions():
        await bot.load_extension(name)
    yield bot
    for name in list(bot.extensions):
        await bot.unload_extension(name)


def walk_commands(bot: NewsBot) -> list[app_commands.Command | app_commands.ContextMenu | app_commands.Group]:
    found = []
    for command in bot.tree.get_commands():
        found.append(command)
        if isinstance(command, app_commands.Group):
            found.extend(command.walk_commands())
    return found


def test_every_cogs_module_is_discovered() -> None:
    assert {"cogs.errors", "cogs.summarize"} <= set(discover_extensions())


async def test_every_extension_loads(bot_with_every_extension: NewsBot) -> None:
    assert set(bot_with_every_extension.extensions) == set(discover_extensions())


async def test_no_two_commands_share_a_name(bot_with_every_extension: NewsBot) -> None:
    names = Counter(
        (type(command).__name__, getattr(command, "qualified_name", command.name))
        for command in walk_commands(bot_with_every_extension)
    )
    assert [name for name, count in names.items() if count > 1] == []


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

"""The command set as Discord receives it: where each command installs and works, and who is offered
the commands that change a server's feeds and digests."""

from __future__ import annotations

import pytest

from bot.client import NewsBot
from newsbrief_testkit.fake_discord import DEFAULT_PERMISSIONS, MANAGE_GUILD, FakeDiscord

from .conftest import private_reply

ANYWHERE = ([0, 1], [0, 1, 2], None)
"""Installs to servers and users; used in servers, the bot's DMs and group DMs; for everyone."""
SERVER_LISTS = ([0], [0], None)
SERVER_CHANGES = ([0], [0], str(MANAGE_GUILD))


def synced(fake: FakeDiscord) -> dict[str, tuple[object, object, object]]:
    return {
        command["name"]: (command["integration_types"], command["contexts"], command["default_member_permissions"])
        for command in fake.commands[None]
    }


async def test_the_synced_commands_carry_installs_contexts_and_default_permissions(
    news_bot: NewsBot, fake: FakeDiscord
) -> None:
    assert synced(fake) == {
        "summarize": ANYWHERE,
        "Summarize": ANYWHERE,
        "about": ANYWHERE,
        "feeds": SERVER_LISTS,
        "digests": SERVER_LISTS,
        "feed": SERVER_CHANGES,
        "digest": SERVER_CHANGES,
    }


async def test_a_member_without_manage_server_is_offered_no_changing_command(
    news_bot: NewsBot, fake: FakeDiscord
) -> None:
    assert fake.offered_commands(permissions=DEFAULT_PERMISSIONS) == [
        "Summarize",
        "about",
        "digests",
        "feeds",
        "summarize",
    ]


async def test_a_member_with_manage_server_is_offered_every_command(news_bot: NewsBot, fake: FakeDiscord) -> None:
    offered = fake.offered_commands(permissions=DEFAULT_PERMISSIONS | MANAGE_GUILD)
    assert offered == sorted(synced(fake))


async def test_a_user_install_offers_summarize_and_about_in_a_dm(news_bot: NewsBot, fake: FakeDiscord) -> None:
    assert fake.offered_commands(dm=True, user_install=True) == ["Summarize", "about", "summarize"]


async def test_a_user_install_offers_summarize_and_about_in_a_server_without_the_bot(
    news_bot: NewsBot, fake: FakeDiscord
) -> None:
    offered = fake.offered_commands(foreign_guild=True, permissions=DEFAULT_PERMISSIONS | MANAGE_GUILD)
    assert offered == ["Summarize", "about", "summarize"]


CHANGING_COMMANDS = [
    ("feed add", {"url": "https://news.example/feed.xml"}),
    ("feed remove", {"feed": "1"}),
    ("digest subscribe", {"channel": "{channel}", "times": "07:30", "timezone": "Europe/Paris"}),
    ("digest unsubscribe", {"channel": "{channel}"}),
    ("digest now", {}),
    ("digest preview", {}),
]


@pytest.mark.parametrize(("name", "options"), CHANGING_COMMANDS, ids=[name for name, _ in CHANGING_COMMANDS])
async def test_a_changing_command_is_refused_in_code_without_manage_server(
    news_bot: NewsBot, fake: FakeDiscord, name: str, options: dict[str, str]
) -> None:
    """A server may show /feed and /digest to anyone in its Integrations settings; the bot still refuses."""
    filled = {key: value.format(channel=fake.channel_id) for key, value in options.items()}
    interaction = await fake.send_slash_command(name, filled, permissions=DEFAULT_PERMISSIONS)
    assert await private_reply(fake, interaction) == "You need the Manage Server permission to do that."

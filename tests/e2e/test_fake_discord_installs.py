"""The fake's application command rules: what a sync may send, where a command is offered, and
interactions from a user install (the bot's DM, a group DM, a server the bot is not in)."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from newsbrief_testkit.fake_discord import (
    DEFAULT_PERMISSIONS,
    INVALID_FORM_BODY,
    MANAGE_GUILD,
    FakeDiscord,
    running_client,
)

from .test_fake_discord import EchoBot, call_fake

SEEN_WAIT_SECONDS = 10.0


class PlacesCog(commands.Cog):
    """/anywhere installs to users and servers and works everywhere; /manage is for server managers."""

    def __init__(self, seen: asyncio.Queue[discord.Interaction]) -> None:
        self.seen = seen

    @app_commands.command()
    @app_commands.allowed_installs(guilds=True, users=True)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def anywhere(self, interaction: discord.Interaction) -> None:
        """Answer wherever it is used."""
        self.seen.put_nowait(interaction)
        await interaction.response.send_message("Here.")

    @app_commands.command()
    @app_commands.guild_only()
    @app_commands.guild_install()
    @app_commands.default_permissions(manage_guild=True)
    async def manage(self, interaction: discord.Interaction) -> None:
        """Only for server managers."""
        await interaction.response.send_message("Managed.")


class PlacesBot(EchoBot):
    def __init__(self) -> None:
        super().__init__()
        self.seen: asyncio.Queue[discord.Interaction] = asyncio.Queue()

    async def setup_hook(self) -> None:
        await self.add_cog(PlacesCog(self.seen))
        await super().setup_hook()

    async def next_seen(self) -> discord.Interaction:
        return await asyncio.wait_for(self.seen.get(), SEEN_WAIT_SECONDS)


@pytest.fixture
async def bot(fake: FakeDiscord) -> AsyncIterator[PlacesBot]:
    places_bot = PlacesBot()
    async with running_client(places_bot, fake):
        yield places_bot


async def sync(fake: FakeDiscord, commands_sent: list[dict[str, Any]]) -> tuple[int, Any]:
    return await call_fake(fake, "PUT", f"/applications/{fake.application_id}/commands", commands_sent, as_bot=True)


def command(**fields: Any) -> dict[str, Any]:
    return {"name": "ping", "description": "Ping", "type": 1} | fields


async def test_integration_types_outside_guild_and_user_are_refused(fake_discord: FakeDiscord) -> None:
    status, body = await sync(fake_discord, [command(integration_types=[0, 2])])
    assert (status, body["code"], list(body["errors"]["0"]["integration_types"])) == (400, INVALID_FORM_BODY, ["1"])


async def test_contexts_outside_the_three_are_refused(fake_discord: FakeDiscord) -> None:
    status, body = await sync(fake_discord, [command(contexts=[0, 1, 2, 3])])
    assert (status, list(body["errors"]["0"]["contexts"])) == (400, ["3"])


async def test_default_member_permissions_that_is_no_number_is_refused(fake_discord: FakeDiscord) -> None:
    status, body = await sync(fake_discord, [command(default_member_permissions="manage_guild")])
    assert (status, list(body["errors"]["0"])) == (400, ["default_member_permissions"])


async def test_default_member_permissions_is_kept_as_a_string(fake_discord: FakeDiscord) -> None:
    status, body = await sync(fake_discord, [command(default_member_permissions=MANAGE_GUILD)])
    assert (status, body[0]["default_member_permissions"]) == (200, str(MANAGE_GUILD))


async def test_a_refused_sync_changes_no_command(fake_discord: FakeDiscord) -> None:
    await sync(fake_discord, [command()])
    await sync(fake_discord, [command(name="pong", contexts=[7])])
    assert [synced["name"] for synced in fake_discord.commands[None]] == ["ping"]


async def test_a_user_install_dm_interaction_has_no_guild(bot: PlacesBot, fake: FakeDiscord) -> None:
    sent = await fake.send_slash_command("anywhere", dm=True, user_install=True)
    seen = await bot.next_seen()
    assert ("guild_id" in sent.payload, sent.payload["context"], sent.payload["authorizing_integration_owners"]) == (
        False,
        1,
        {"1": fake.member_user["id"]},
    )
    assert (seen.guild_id, seen.is_user_integration()) == (None, True)


async def test_a_group_dm_interaction_comes_through_the_user_install(bot: PlacesBot, fake: FakeDiscord) -> None:
    sent = await fake.send_slash_command("anywhere", private_channel=True)
    seen = await bot.next_seen()
    assert (sent.payload["context"], seen.channel.type if seen.channel else None) == (2, discord.ChannelType.group)


async def test_a_foreign_server_interaction_is_no_guild_integration(bot: PlacesBot, fake: FakeDiscord) -> None:
    await fake.send_slash_command("anywhere", foreign_guild=True)
    seen = await bot.next_seen()
    assert (seen.guild_id, seen.is_guild_integration(), seen.is_user_integration()) == (
        fake.foreign_guild_id,
        False,
        True,
    )


async def test_a_guild_only_command_is_not_dispatched_in_a_dm(bot: PlacesBot, fake: FakeDiscord) -> None:
    with pytest.raises(ValueError, match="would not offer 'manage'"):
        await fake.send_slash_command("manage", dm=True)


async def test_a_guild_install_command_is_not_dispatched_in_a_foreign_server(bot: PlacesBot, fake: FakeDiscord) -> None:
    with pytest.raises(ValueError, match="would not offer 'manage'"):
        await fake.send_slash_command("manage", foreign_guild=True)


async def test_a_member_without_the_default_permission_is_not_offered_the_command(
    bot: PlacesBot, fake: FakeDiscord
) -> None:
    assert "manage" not in fake.offered_commands(permissions=DEFAULT_PERMISSIONS)


async def test_a_member_with_the_default_permission_is_offered_the_command(bot: PlacesBot, fake: FakeDiscord) -> None:
    assert "manage" in fake.offered_commands(permissions=DEFAULT_PERMISSIONS | MANAGE_GUILD)


async def test_a_user_install_offers_its_commands_in_a_dm(bot: PlacesBot, fake: FakeDiscord) -> None:
    offered = fake.offered_commands(dm=True, user_install=True)
    assert ("anywhere" in offered, "manage" in offered) == (True, False)

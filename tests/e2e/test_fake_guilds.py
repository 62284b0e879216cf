"""The fake's guilds (newsbrief_testkit/fake_discord/guilds.py): more than one, and GUILD_DELETE as Discord
sends it, read by a plain discord.py client. Apart from test_fake_discord.py to keep that file's bot out
of it: these need only a client with the guilds intent."""

from collections.abc import AsyncIterator

import discord
import pytest

from newsbrief_testkit.fake_discord import TO_BOT, FakeDiscord, running_client

WAIT_SECONDS = 10.0


@pytest.fixture
def second_guild(fake: FakeDiscord) -> int:
    return fake.add_guild("Second")


@pytest.fixture
async def client(fake: FakeDiscord, second_guild: int) -> AsyncIterator[discord.Client]:
    intents = discord.Intents.none()
    intents.guilds = True
    async with running_client(discord.Client(intents=intents, guild_ready_timeout=0.1), fake) as ready:
        yield ready


async def test_an_added_guild_arrives_with_its_channel(
    client: discord.Client, fake: FakeDiscord, second_guild: int
) -> None:
    guild = client.get_guild(second_guild)

    assert guild is not None
    assert not guild.unavailable
    assert [(channel.id, channel.name) for channel in guild.text_channels] == [
        (fake.channel_ids_of(second_guild)[0], "news")
    ]
    assert {each.id for each in client.guilds} == {fake.guild_id, second_guild}


async def test_removing_the_bot_sends_guild_delete_without_unavailable(
    client: discord.Client, fake: FakeDiscord, second_guild: int
) -> None:
    removed = client.loop.create_task(client.wait_for("guild_remove", timeout=WAIT_SECONDS))

    await fake.remove_guild(second_guild)

    assert (await removed).id == second_guild
    frame = await fake.wait_for_frame(event="GUILD_DELETE", direction=TO_BOT)
    assert frame.data == {"id": str(second_guild)}
    assert (client.get_guild(second_guild), second_guild in fake.guilds) == (None, False)


async def test_an_outage_marks_the_guild_unavailable_and_keeps_it(
    client: discord.Client, fake: FakeDiscord, second_guild: int
) -> None:
    unavailable = client.loop.create_task(client.wait_for("guild_unavailable", timeout=WAIT_SECONDS))

    await fake.make_guild_unavailable(second_guild)

    assert (await unavailable).id == second_guild
    guild = client.get_guild(second_guild)
    assert guild is not None
    assert guild.unavailable

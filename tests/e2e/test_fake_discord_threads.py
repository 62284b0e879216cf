"""The fake's threads, through discord.py: started from a message, with Discord's name, duration and
permission rules, and messages in them needing Send Messages in Threads."""

import discord
import pytest

from newsbrief_testkit.fake_discord import (
    CHANNEL_ANNOUNCEMENT_THREAD,
    CHANNEL_GUILD_ANNOUNCEMENT,
    CHANNEL_PUBLIC_THREAD,
    CREATE_PUBLIC_THREADS,
    FLAG_HAS_THREAD,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    FakeDiscord,
)

from .channel_kinds import call_as_bot, channel_of, connected


async def test_a_thread_started_from_a_message_has_the_messages_id(fake: FakeDiscord) -> None:
    news = fake.add_channel("briefings")
    async with connected(fake) as client:
        header = await channel_of(client, news).send("Morning briefing · 5 Dec 2026")
        thread = await header.create_thread(name="Morning briefing · 5 Dec 2026")

    stored = fake.channels[thread.id]
    assert (thread.id, stored["type"], stored["parent_id"]) == (header.id, CHANNEL_PUBLIC_THREAD, news["id"])
    assert fake.messages[header.id]["flags"] & FLAG_HAS_THREAD


async def test_a_message_of_an_announcement_channel_starts_an_announcement_thread(fake: FakeDiscord) -> None:
    news = fake.add_channel("announcements", channel_type=CHANNEL_GUILD_ANNOUNCEMENT)
    async with connected(fake) as client:
        header = await channel_of(client, news).send("Evening briefing")
        thread = await header.create_thread(name="Evening briefing")

    assert fake.channels[thread.id]["type"] == CHANNEL_ANNOUNCEMENT_THREAD


async def test_a_thread_name_over_100_characters_is_refused(fake: FakeDiscord) -> None:
    news = fake.add_channel("briefings")
    async with connected(fake) as client:
        header = await channel_of(client, news).send("Header")
        with pytest.raises(discord.HTTPException) as refused:
            await header.create_thread(name="x" * 101)

    assert refused.value.code == 50035
    assert "name" in refused.value.text


async def test_an_archive_duration_discord_does_not_offer_is_refused(fake: FakeDiscord) -> None:
    news = fake.add_channel("briefings")
    async with connected(fake) as client:
        header = await channel_of(client, news).send("Header")
    path = f"/channels/{news['id']}/messages/{header.id}/threads"
    status, body = await call_as_bot(fake, "POST", path, {"name": "Stories", "auto_archive_duration": 30})

    assert (status, list(body["errors"])) == (400, ["auto_archive_duration"])


async def test_a_message_starts_one_thread_at_most(fake: FakeDiscord) -> None:
    news = fake.add_channel("briefings")
    async with connected(fake) as client:
        header = await channel_of(client, news).send("Header")
        await header.create_thread(name="Stories")
        with pytest.raises(discord.HTTPException) as refused:
            await header.create_thread(name="Stories again")

    assert refused.value.code == 160004


async def test_starting_a_thread_needs_create_public_threads(fake: FakeDiscord) -> None:
    news = fake.add_channel("briefings", bot_denied=CREATE_PUBLIC_THREADS)
    async with connected(fake) as client:
        header = await channel_of(client, news).send("Header")
        with pytest.raises(discord.Forbidden) as refused:
            await header.create_thread(name="Stories")

    assert refused.value.code == 50013


async def test_a_thread_takes_messages_without_send_messages_in_its_channel(fake: FakeDiscord) -> None:
    news = fake.add_channel("briefings")
    async with connected(fake) as client:
        header = await channel_of(client, news).send("Header")
        thread = await header.create_thread(name="Stories")
        news["permission_overwrites"].append(
            {"id": fake.bot_user["id"], "type": 1, "allow": "0", "deny": str(SEND_MESSAGES)}
        )
        story = await client.get_partial_messageable(thread.id).send("Story one")

    assert [message["id"] for message in fake.channel_messages(thread.id)] == [str(story.id)]


async def test_a_message_in_a_thread_needs_send_messages_in_threads(fake: FakeDiscord) -> None:
    news = fake.add_channel("briefings", bot_denied=SEND_MESSAGES_IN_THREADS)
    async with connected(fake) as client:
        header = await channel_of(client, news).send("Header")
        thread = await header.create_thread(name="Stories")
        with pytest.raises(discord.Forbidden) as refused:
            await client.get_partial_messageable(thread.id).send("Story one")

    assert refused.value.code == 50013


async def test_a_thread_is_listed_under_its_channel(fake: FakeDiscord) -> None:
    news = fake.add_channel("briefings")
    async with connected(fake) as client:
        header = await channel_of(client, news).send("Header")
        await header.create_thread(name="Stories")

    assert [thread["name"] for thread in fake.threads_of(int(news["id"]))] == ["Stories"]

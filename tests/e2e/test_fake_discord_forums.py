"""The fake's forum channels, through discord.py: a post is a thread with a starter message, tagged
within Discord's rules (5 tags of the forum's own, a required tag, moderated tags), made with Send Messages."""

import discord
import pytest

from newsbrief_testkit.fake_discord import (
    CHANNEL_PUBLIC_THREAD,
    CREATE_PUBLIC_THREADS,
    MANAGE_THREADS,
    SEND_MESSAGES,
    FakeDiscord,
)

from .channel_kinds import call_as_bot, channel_of, connected

TAGS = ("Politics", "Sport", "Science", "Climate", "Business", "Culture")


async def test_a_forum_post_is_a_thread_whose_starter_message_has_its_id(fake: FakeDiscord) -> None:
    forum = fake.add_forum("briefings", tags=TAGS)
    async with connected(fake) as client:
        channel = channel_of(client, forum)
        sport = next(tag for tag in channel.available_tags if tag.name == "Sport")
        post = await channel.create_thread(name="Evening briefing", content="7 stories", applied_tags=[sport])

    stored = fake.channels[post.thread.id]
    assert (post.message.id, stored["type"], stored["parent_id"]) == (
        post.thread.id,
        CHANNEL_PUBLIC_THREAD,
        forum["id"],
    )
    assert stored["applied_tags"] == [str(sport.id)]
    assert fake.messages[post.thread.id]["content"] == "7 stories"


async def test_a_forum_post_without_a_message_is_refused(fake: FakeDiscord) -> None:
    forum = fake.add_forum("briefings")

    status, body = await call_as_bot(fake, "POST", f"/channels/{forum['id']}/threads", {"name": "Evening briefing"})

    assert (status, body["code"], list(body["errors"])) == (400, 50035, ["message"])


async def test_a_forum_post_name_over_100_characters_is_refused(fake: FakeDiscord) -> None:
    forum = fake.add_forum("briefings")
    async with connected(fake) as client:
        with pytest.raises(discord.HTTPException) as refused:
            await channel_of(client, forum).create_thread(name="x" * 101, content="7 stories")

    assert refused.value.code == 50035


async def test_six_tags_on_a_forum_post_are_refused(fake: FakeDiscord) -> None:
    forum = fake.add_forum("briefings", tags=TAGS)
    async with connected(fake) as client:
        channel = channel_of(client, forum)
        with pytest.raises(discord.HTTPException) as refused:
            await channel.create_thread(name="Briefing", content="7 stories", applied_tags=channel.available_tags)

    assert refused.value.code == 50035
    assert "applied_tags" in refused.value.text


async def test_a_tag_of_another_forum_is_refused(fake: FakeDiscord) -> None:
    forum = fake.add_forum("briefings", tags=["Sport"])
    other = fake.add_forum("elsewhere", tags=["Sport"])
    async with connected(fake) as client:
        foreign = channel_of(client, other).available_tags[0]
        with pytest.raises(discord.HTTPException) as refused:
            await channel_of(client, forum).create_thread(name="Briefing", content="x", applied_tags=[foreign])

    assert refused.value.code == 50035


async def test_a_forum_that_requires_a_tag_refuses_a_post_without_one(fake: FakeDiscord) -> None:
    forum = fake.add_forum("briefings", tags=TAGS, require_tag=True)
    async with connected(fake) as client:
        with pytest.raises(discord.HTTPException) as refused:
            await channel_of(client, forum).create_thread(name="Briefing", content="7 stories")

    assert refused.value.code == 40067


async def test_a_moderated_tag_needs_manage_threads(fake: FakeDiscord) -> None:
    forum = fake.add_forum("briefings", tags=[{"name": "Breaking", "moderated": True}])
    async with connected(fake) as client:
        channel = channel_of(client, forum)
        with pytest.raises(discord.Forbidden) as refused:
            await channel.create_thread(name="Briefing", content="x", applied_tags=channel.available_tags)

    assert refused.value.code == 50013


async def test_a_moderated_tag_is_applied_with_manage_threads(fake: FakeDiscord) -> None:
    forum = fake.add_forum("briefings", tags=[{"name": "Breaking", "moderated": True}], bot_allowed=MANAGE_THREADS)
    async with connected(fake) as client:
        channel = channel_of(client, forum)
        post = await channel.create_thread(name="Briefing", content="x", applied_tags=channel.available_tags)

    assert fake.channels[post.thread.id]["applied_tags"] == [forum["available_tags"][0]["id"]]


async def test_a_forum_post_needs_send_messages(fake: FakeDiscord) -> None:
    forum = fake.add_forum("briefings", bot_denied=SEND_MESSAGES)
    async with connected(fake) as client:
        with pytest.raises(discord.Forbidden) as refused:
            await channel_of(client, forum).create_thread(name="Briefing", content="7 stories")

    assert refused.value.code == 50013


async def test_a_forum_post_does_not_need_create_public_threads(fake: FakeDiscord) -> None:
    forum = fake.add_forum("briefings", bot_denied=CREATE_PUBLIC_THREADS)
    async with connected(fake) as client:
        post = await channel_of(client, forum).create_thread(name="Briefing", content="7 stories")

    assert [thread["id"] for thread in fake.threads_of(int(forum["id"]))] == [str(post.thread.id)]


async def test_a_message_cannot_be_posted_in_the_forum_itself(fake: FakeDiscord) -> None:
    forum = fake.add_forum("briefings")
    async with connected(fake) as client:
        with pytest.raises(discord.HTTPException) as refused:
            await client.get_partial_messageable(int(forum["id"])).send("Hello")

    assert refused.value.code == 40058


async def test_a_forum_post_takes_more_messages_in_its_thread(fake: FakeDiscord) -> None:
    forum = fake.add_forum("briefings")
    async with connected(fake) as client:
        post = await channel_of(client, forum).create_thread(name="Briefing", content="Stories 1-10")
        more = await post.thread.send("Stories 11-12")

    assert [m["id"] for m in fake.channel_messages(post.thread.id)] == [str(post.message.id), str(more.id)]

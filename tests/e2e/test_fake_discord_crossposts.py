"""The fake's publishing in announcement channels, through discord.py: only there, once a message, the
bot's own with Send Messages and another's with Manage Messages, at most 10 an hour per channel."""

import discord
import pytest

from newsbrief_testkit.fake_discord import (
    CHANNEL_GUILD_ANNOUNCEMENT,
    CROSSPOST_WINDOW_SECONDS,
    CROSSPOSTS_PER_WINDOW,
    MANAGE_MESSAGES,
    FakeDiscord,
)

from .channel_kinds import call_as_bot, channel_of, connected


def crosspost_path(channel_id: int | str, message_id: int | str) -> str:
    return f"/channels/{channel_id}/messages/{message_id}/crosspost"


async def test_a_published_message_is_marked_crossposted(fake: FakeDiscord) -> None:
    news = fake.add_channel("announcements", channel_type=CHANNEL_GUILD_ANNOUNCEMENT)
    async with connected(fake) as client:
        sent = await channel_of(client, news).send("Evening briefing")
        await sent.publish()

    assert fake.crossposted(int(news["id"])) == [sent.id]


async def test_publishing_in_a_text_channel_is_refused(fake: FakeDiscord) -> None:
    news = fake.add_channel("briefings")
    async with connected(fake) as client:
        sent = await channel_of(client, news).send("Evening briefing")
        with pytest.raises(discord.HTTPException) as refused:
            await sent.publish()

    assert (refused.value.status, refused.value.code) == (400, 50024)


async def test_a_message_is_published_once(fake: FakeDiscord) -> None:
    news = fake.add_channel("announcements", channel_type=CHANNEL_GUILD_ANNOUNCEMENT)
    async with connected(fake) as client:
        sent = await channel_of(client, news).send("Evening briefing")
        await sent.publish()
        with pytest.raises(discord.HTTPException) as refused:
            await sent.publish()

    assert refused.value.code == 40033


async def test_publishing_another_users_message_needs_manage_messages(fake: FakeDiscord) -> None:
    news = fake.add_channel("announcements", channel_type=CHANNEL_GUILD_ANNOUNCEMENT)
    theirs = fake.add_message("A member's announcement", channel_id=int(news["id"]))

    status, body = await call_as_bot(fake, "POST", crosspost_path(news["id"], theirs["id"]))

    assert (status, body["code"]) == (403, 50013)


async def test_another_users_message_is_published_with_manage_messages(fake: FakeDiscord) -> None:
    news = fake.add_channel("announcements", channel_type=CHANNEL_GUILD_ANNOUNCEMENT, bot_allowed=MANAGE_MESSAGES)
    theirs = fake.add_message("A member's announcement", channel_id=int(news["id"]))

    status, _ = await call_as_bot(fake, "POST", crosspost_path(news["id"], theirs["id"]))

    assert status == 200


async def test_the_eleventh_publish_within_an_hour_is_rate_limited(fake: FakeDiscord) -> None:
    news = fake.add_channel("announcements", channel_type=CHANNEL_GUILD_ANNOUNCEMENT)
    ids = [fake.add_message(f"Story {n}", channel_id=int(news["id"]), author=fake.bot_user)["id"] for n in range(11)]
    for message_id in ids[:CROSSPOSTS_PER_WINDOW]:
        await call_as_bot(fake, "POST", crosspost_path(news["id"], message_id))
        fake.advance_clock(60)

    status, body = await call_as_bot(fake, "POST", crosspost_path(news["id"], ids[-1]))

    assert (status, body["global"]) == (429, False)
    assert body["retry_after"] == pytest.approx(CROSSPOST_WINDOW_SECONDS - 60 * CROSSPOSTS_PER_WINDOW, abs=1)


async def test_publishing_is_allowed_again_once_the_hour_has_passed(fake: FakeDiscord) -> None:
    news = fake.add_channel("announcements", channel_type=CHANNEL_GUILD_ANNOUNCEMENT)
    ids = [fake.add_message(f"Story {n}", channel_id=int(news["id"]), author=fake.bot_user)["id"] for n in range(11)]
    for message_id in ids[:CROSSPOSTS_PER_WINDOW]:
        await call_as_bot(fake, "POST", crosspost_path(news["id"], message_id))
    fake.advance_clock(CROSSPOST_WINDOW_SECONDS)

    status, _ = await call_as_bot(fake, "POST", crosspost_path(news["id"], ids[-1]))

    assert status == 200

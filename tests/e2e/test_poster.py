"""The digest poster against the fake Discord: what each failure of Discord becomes for the digest
service (a channel to pause, a post to retry, or a bug to raise)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import discord
import pytest

from bot.digests import ChannelUnavailable, PostedMessage, TransientPostError
from bot.embeds import DigestMessage, pack_digest
from bot.news.digest import Digest, DigestStory
from bot.settings import Settings
from bot.store import PauseReason
from newsbrief_testkit.fake_discord import VIEW_CHANNEL, FakeDiscord

from .conftest import running_news_bot

SERVICE_UNAVAILABLE = 503
"""A server error discord.py does not retry (it retries 500, 502, 504 and 524 for seconds): one answer is enough."""
MESSAGE = DigestMessage(content="Morning digest: nothing new since yesterday.", embeds=(), item_keys=())


def channel_messages(fake: FakeDiscord) -> str:
    return rf"/channels/{fake.channel_id}/messages"


@pytest.mark.parametrize(
    ("status", "reason"),
    [(404, PauseReason.CHANNEL_DELETED), (403, PauseReason.CHANNEL_FORBIDDEN)],
)
async def test_a_channel_gone_or_closed_to_the_bot_is_unavailable_with_the_reason(
    fake: FakeDiscord, make_settings: Callable[..., Settings], status: int, reason: PauseReason
) -> None:
    async with running_news_bot(fake, make_settings()) as bot:
        fake.fail_next("POST", channel_messages(fake), status=status)
        with pytest.raises(ChannelUnavailable) as raised:
            await bot.poster.post(fake.channel_id, MESSAGE, key="delivery-1-message-0")

    assert raised.value.reason == reason


async def test_a_discord_server_error_is_transient(fake: FakeDiscord, make_settings: Callable[..., Settings]) -> None:
    async with running_news_bot(fake, make_settings()) as bot:
        fake.fail_next("POST", channel_messages(fake), status=SERVICE_UNAVAILABLE)
        with pytest.raises(TransientPostError, match="Discord answered 503"):
            await bot.poster.post(fake.channel_id, MESSAGE, key="delivery-1-message-0")


async def test_a_request_discord_refuses_otherwise_is_raised_as_it_is(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    async with running_news_bot(fake, make_settings()) as bot:
        fake.fail_next("POST", channel_messages(fake), status=400)
        with pytest.raises(discord.HTTPException) as raised:
            await bot.poster.post(fake.channel_id, MESSAGE, key="delivery-1-message-0")

    assert not isinstance(raised.value, discord.NotFound | discord.Forbidden)
    assert raised.value.status == 400


async def test_a_post_after_a_failure_goes_through(fake: FakeDiscord, make_settings: Callable[..., Settings]) -> None:
    async with running_news_bot(fake, make_settings()) as bot:
        fake.fail_next("POST", channel_messages(fake), status=SERVICE_UNAVAILABLE)
        with pytest.raises(TransientPostError):
            await bot.poster.post(fake.channel_id, MESSAGE, key="delivery-1-message-0")
        message_id = await bot.poster.post(fake.channel_id, MESSAGE, key="delivery-1-message-0")

    assert fake.messages[message_id]["content"] == MESSAGE.content


def digest_message(*links: str) -> DigestMessage:
    """A digest message of one story per link, as the bot packs them (title linked, no outlets)."""
    embeds = tuple(discord.Embed(title=f"Story {number}", url=link) for number, link in enumerate(links))
    return DigestMessage(content=None, embeds=embeds, item_keys=())


async def test_the_bots_own_messages_after_one_are_read_back_with_their_links(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    async with running_news_bot(fake, make_settings()) as bot:
        first = await bot.poster.post(fake.channel_id, digest_message("https://a.example/1"), key="d1-m0")
        fake.add_message("Thanks for the digest!")
        second = await bot.poster.post(
            fake.channel_id, digest_message("https://a.example/2", "https://b.example/3"), key="d1-m1"
        )

        found = await bot.poster.own_messages(fake.channel_id, after=first)

    assert found == [PostedMessage(id=second, links=frozenset({"https://a.example/2", "https://b.example/3"}))]


async def test_the_bots_own_messages_since_a_moment_are_read_back_oldest_first(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    async with running_news_bot(fake, make_settings()) as bot:
        began = datetime.now(UTC) - timedelta(seconds=1)
        ids = [await bot.poster.post(fake.channel_id, MESSAGE, key=f"d2-m{number}") for number in range(3)]

        found = await bot.poster.own_messages(fake.channel_id, after=began)
        later = await bot.poster.own_messages(fake.channel_id, after=datetime.now(UTC) + timedelta(minutes=1))

    assert ([message.id for message in found], later) == (ids, [])


async def test_a_channel_the_bot_cannot_see_reads_as_empty(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    hidden = int(fake.add_channel("hidden", bot_denied=VIEW_CHANNEL)["id"])
    async with running_news_bot(fake, make_settings()) as bot:
        assert await bot.poster.own_messages(hidden, after=1) == []


async def test_a_digest_message_goes_out_with_its_pictures_and_link_buttons(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    stories = tuple(
        DigestStory(
            title=f"Harbour story {number}",
            url=f"https://gazette.example/news/{number}",
            links=(f"https://gazette.example/news/{number}",),
            outlets=(f"Outlet {number}",),
            summary=("The harbour bridge closed.",),
            image=f"https://cdn.example/{number}.jpg",
        )
        for number in range(10)
    )
    digest = Digest(title="Morning briefing", local_date=date(2026, 11, 25), stories=stories, source_count=10)
    (message,) = pack_digest(digest)
    async with running_news_bot(fake, make_settings()) as bot:
        message_id = await bot.poster.post(fake.channel_id, message, key="delivery-2-message-0")

    posted = fake.messages[message_id]
    buttons = [button for row in posted["components"] for button in row["components"]]
    assert [button["url"] for button in buttons] == [story.url for story in stories]
    assert [embed["thumbnail"]["url"] for embed in posted["embeds"]] == [story.image for story in stories]

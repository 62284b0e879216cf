"""The poster delivers an edition to each kind of target through the real client and the fake Discord:
thread mode, a forum post with a matching tag, an announcement channel that publishes, a role ping."""

import logging
from collections.abc import Callable
from datetime import date

import pytest

from bot.embeds import DigestMessage
from bot.news.digest import Digest, DigestStory
from bot.settings import Settings
from bot.targets import DeliveryTarget, TargetKind
from newsbrief_testkit.fake_discord import (
    CHANNEL_GUILD_ANNOUNCEMENT,
    CROSSPOSTS_PER_WINDOW,
    MENTION_EVERYONE,
    FakeDiscord,
)

from .channel_kinds import call_as_bot
from .conftest import running_news_bot


def edition(*titles: str, title: str = "Evening briefing") -> Digest:
    stories = tuple(
        DigestStory(
            title=title,
            url=f"https://gazette.example/news/{number}",
            links=(f"https://gazette.example/news/{number}",),
            outlets=("Gazette",),
            summary=("It happened today.",),
            item_keys=(("https://gazette.example/feed", str(number)),),
        )
        for number, title in enumerate(titles)
    )
    return Digest(title=title, local_date=date(2026, 12, 5), stories=stories, source_count=1)


async def deliver(bot: object, digest: Digest, target: DeliveryTarget, *, delivery: int = 1) -> list[int]:
    """Pack and post every message, as the digest service does (one nonce per delivery and message, the
    delivery's first message given to the rest)."""
    poster = bot.poster  # type: ignore[attr-defined]
    messages: list[DigestMessage] = list(poster.pack(digest, target=target))
    posted: list[int] = []
    for n, message in enumerate(messages):
        first = posted[0] if posted else None
        posted.append(
            await poster.post(
                target.channel_id, message, key=f"d{delivery}-m{n}", target=target, first_message_id=first
            )
        )
    return posted


async def test_thread_mode_puts_the_header_in_the_channel_and_the_stories_in_a_thread_under_it(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    channel = int(fake.add_channel("briefings")["id"])
    target = DeliveryTarget(channel_id=channel, kind=TargetKind.THREAD)
    async with running_news_bot(fake, make_settings()) as bot:
        header_id, story_id = await deliver(bot, edition("Bridge reopens", "Rates held"), target)

    (header,) = fake.channel_messages(channel)
    (thread,) = fake.threads_of(channel)
    assert (header["id"], header["embeds"], thread["id"]) == (str(header_id), [], str(header_id))
    assert thread["name"] == header["content"].splitlines()[0]
    stories = fake.channel_messages(header_id)
    assert [m["id"] for m in stories] == [str(story_id)]
    assert [e["title"] for e in stories[0]["embeds"]] == ["Bridge reopens", "Rates held"]


async def test_a_forum_edition_is_one_post_titled_with_the_header_and_tagged_by_its_stories(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    forum = fake.add_forum("briefings", tags=["Politics", "Sport", "Weather"])
    target = DeliveryTarget(channel_id=int(forum["id"]), kind=TargetKind.FORUM)
    async with running_news_bot(fake, make_settings()) as bot:
        (starter_id,) = await deliver(bot, edition("Sport: the derby ends level", "Storm warning"), target)

    (post,) = fake.threads_of(int(forum["id"]))
    sport = next(tag["id"] for tag in forum["available_tags"] if tag["name"] == "Sport")
    assert (post["id"], post["applied_tags"]) == (str(starter_id), [sport])
    assert post["name"].startswith("Evening briefing")


async def test_an_announcement_channel_that_publishes_publishes_each_message(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    channel = int(fake.add_channel("announcements", channel_type=CHANNEL_GUILD_ANNOUNCEMENT)["id"])
    target = DeliveryTarget(channel_id=channel, publish=True)
    async with running_news_bot(fake, make_settings()) as bot:
        posted = await deliver(bot, edition(*(f"Story {n}" for n in range(12))), target)

    assert len(posted) == 2
    assert fake.crossposted(channel) == posted


async def test_a_publish_discord_refuses_for_the_hourly_limit_is_logged_and_the_message_stays(
    fake: FakeDiscord, make_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    channel = int(fake.add_channel("announcements", channel_type=CHANNEL_GUILD_ANNOUNCEMENT)["id"])
    for number in range(CROSSPOSTS_PER_WINDOW):  # another process published this hour's ten already
        earlier = fake.add_message(f"Earlier {number}", channel_id=channel, author=fake.bot_user)
        await call_as_bot(fake, "POST", f"/channels/{channel}/messages/{earlier['id']}/crosspost")
    target = DeliveryTarget(channel_id=channel, publish=True)
    async with running_news_bot(fake, make_settings()) as bot:
        with caplog.at_level(logging.WARNING, logger="bot.poster"):
            (posted,) = await deliver(bot, edition("Bridge reopens"), target)

    assert posted in fake.messages
    assert posted not in fake.crossposted(channel)
    assert "publishing limit" in caplog.text


async def test_the_poster_stops_publishing_at_ten_an_hour_without_asking_discord(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    channel = int(fake.add_channel("announcements", channel_type=CHANNEL_GUILD_ANNOUNCEMENT)["id"])
    target = DeliveryTarget(channel_id=channel, publish=True)
    async with running_news_bot(fake, make_settings()) as bot:
        for number in range(CROSSPOSTS_PER_WINDOW + 1):
            await deliver(bot, edition(f"Story {number}"), target, delivery=number)

    crossposts = [r for r in fake.requests if r.method == "POST" and r.path.endswith("/crosspost")]
    assert (len(crossposts), len(fake.crossposted(channel))) == (CROSSPOSTS_PER_WINDOW, CROSSPOSTS_PER_WINDOW)


async def test_a_ping_role_is_mentioned_at_the_top_and_nothing_else_pings(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    channel = int(fake.add_channel("briefings", bot_allowed=MENTION_EVERYONE)["id"])
    readers, staff = fake.add_role("Readers"), fake.add_role("Staff")
    target = DeliveryTarget(channel_id=channel, ping_role_id=int(readers["id"]))
    async with running_news_bot(fake, make_settings()) as bot:
        loud = edition("Bridge reopens", title=f"@everyone <@&{staff['id']}> Evening briefing")
        (posted,) = await deliver(bot, loud, target)

    stored = fake.messages[posted]
    assert stored["content"].startswith(f"<@&{readers['id']}> ")
    assert (stored["mention_roles"], stored["mention_everyone"]) == ([readers["id"]], False)


async def test_a_digest_without_a_ping_role_pings_nobody(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    channel = int(fake.add_channel("briefings", bot_allowed=MENTION_EVERYONE)["id"])
    staff = fake.add_role("Staff")
    message = DigestMessage(content=f"@everyone <@&{staff['id']}> Evening briefing", embeds=(), item_keys=())
    async with running_news_bot(fake, make_settings()) as bot:
        posted = await bot.poster.post(channel, message, key="d2-m0")

    assert (fake.messages[posted]["mention_roles"], fake.messages[posted]["mention_everyone"]) == ([], False)


async def test_a_message_discord_returns_for_a_repeated_nonce_is_not_published_twice(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    channel = int(fake.add_channel("announcements", channel_type=CHANNEL_GUILD_ANNOUNCEMENT)["id"])
    target = DeliveryTarget(channel_id=channel, publish=True)
    async with running_news_bot(fake, make_settings()) as bot:
        first = await deliver(bot, edition("Bridge reopens"), target)
        again = await deliver(bot, edition("Bridge reopens"), target)

    crossposts = [r for r in fake.requests if r.method == "POST" and r.path.endswith("/crosspost")]
    assert (again, len(crossposts)) == (first, 1)

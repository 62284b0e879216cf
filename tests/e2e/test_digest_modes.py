"""Live digests and /digest edit's rules end to end, through the real client and the fake Discord:
/digest subscribe mode: live with an hourly cap, /digest edit switching modes and changing or clearing
what gets in while keeping the rest, /digests naming a live digest, and the refusals a cap can get."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time
from typing import Any

from bot.client import NewsBot
from bot.i18n import messages_for
from bot.news.filters import StoryFilter
from bot.settings import Settings
from bot.store import Subscription
from bot.store.tables import MAX_HOURLY_CAP, SubscriptionMode
from newsbrief_testkit.fake_discord import DEFAULT_PERMISSIONS, FakeDiscord

from .conftest import private_reply, running_news_bot
from .test_digests import ADMIN


async def digest_command(fake: FakeDiscord, command: str, locale: str = "en-US", **options: Any) -> str:
    """/digest `command` for the fake's channel with `options`, by an admin; the private reply."""
    given = {"channel": str(fake.channel_id), **options}
    return await private_reply(
        fake, await fake.send_slash_command(f"digest {command}", given, permissions=ADMIN, locale=locale)
    )


async def subscribe(fake: FakeDiscord, **options: Any) -> str:
    return await digest_command(fake, "subscribe", **({"times": "07:30", "timezone": "UTC"} | options))


async def stored(bot: NewsBot, fake: FakeDiscord) -> Subscription:
    subscription = await bot.store.get_subscription(fake.guild_id, fake.channel_id)
    assert subscription is not None
    return subscription


async def test_subscribe_live_posts_each_story_with_the_hourly_cap_given(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    async with running_news_bot(fake, make_settings()) as bot:
        reply = await subscribe(fake, mode="live", hourly_cap=4)
        subscription = await stored(bot, fake)

    assert (subscription.mode, subscription.hourly_cap) == (SubscriptionMode.LIVE, 4)
    assert reply == f"<#{fake.channel_id}> will get each new story as it breaks, at most 4 posts an hour."


async def test_subscribe_live_without_times_keeps_a_morning_edition_and_says_so(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    async with running_news_bot(fake, make_settings()) as bot:
        reply = await digest_command(fake, "subscribe", mode="live")
        subscription = await stored(bot, fake)

    assert (subscription.mode, subscription.edition_times, subscription.timezone) == (
        SubscriptionMode.LIVE,
        (time(8, 0),),
        "UTC",
    )
    assert reply == (
        f"<#{fake.channel_id}> will get each new story as it breaks, at most 10 posts an hour.\n"
        "Back on editions (/digest edit mode: editions), it would post at 08:00 (UTC)."
    )


async def test_subscribe_live_with_times_says_nothing_of_a_default(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    async with running_news_bot(fake, make_settings()) as bot:
        reply = await digest_command(fake, "subscribe", mode="live", times="06:45", timezone="Europe/Paris")
        subscription = await stored(bot, fake)

    assert (subscription.edition_times, subscription.timezone) == ((time(6, 45),), "Europe/Paris")
    assert reply == f"<#{fake.channel_id}> will get each new story as it breaks, at most 10 posts an hour."


async def test_editions_without_times_are_refused_in_the_users_language(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    async with running_news_bot(fake, make_settings()) as bot:
        reply = await digest_command(fake, "subscribe", locale="de", timezone="Europe/Berlin")
        saved = await bot.store.get_subscription(fake.guild_id, fake.channel_id)

    german = messages_for("de").gettext(
        "A digest of editions needs times: and timezone:, like 07:30 and Europe/Paris (mode: live needs neither)."
    )
    assert reply == german
    assert german.startswith("Ein Digest")
    assert saved is None


async def test_edit_switches_to_live_and_back_keeping_the_edition_times(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    async with running_news_bot(fake, make_settings()) as bot:
        await subscribe(fake, times="07:30, 18:00")
        to_live = await digest_command(fake, "edit", mode="live", hourly_cap=12)
        live = await stored(bot, fake)
        back = await digest_command(fake, "edit", mode="edition")
        edition = await stored(bot, fake)

    assert (live.mode, live.hourly_cap) == (SubscriptionMode.LIVE, 12)
    assert to_live == f"<#{fake.channel_id}> will get each new story as it breaks, at most 12 posts an hour."
    assert (edition.mode, edition.edition_times) == (SubscriptionMode.EDITION, (time(7, 30), time(18, 0)))
    assert back == f"<#{fake.channel_id}> will get its digest every day at 07:30, 18:00 (UTC)."


async def test_edit_changes_the_rules_given_and_keeps_the_others(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    async with running_news_bot(fake, make_settings()) as bot:
        await subscribe(fake, include="tunnel", exclude="storm", per_outlet=2, min_outlets=3, keywords="harbour")
        await digest_command(fake, "edit", include="bridge, ferry", min_outlets=2)
        first = await stored(bot, fake)
        await digest_command(fake, "edit", exclude="toll", per_outlet=0)
        second = await stored(bot, fake)

    assert first.story_filter == StoryFilter(
        include=("bridge", "ferry"), exclude=("storm",), max_per_outlet=2, min_outlets=2
    )
    assert second.story_filter == StoryFilter(
        include=("bridge", "ferry"), exclude=("toll",), max_per_outlet=0, min_outlets=2
    )
    assert second.keywords == ("harbour",)


async def test_edit_clears_keywords_include_and_exclude_words_with_a_dash(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    async with running_news_bot(fake, make_settings()) as bot:
        await subscribe(fake, include="tunnel", exclude="storm", per_outlet=2, keywords="harbour, port")
        await digest_command(fake, "edit", keywords="-", include=" - ", exclude="-")
        cleared = await stored(bot, fake)

    assert cleared.keywords == ()
    assert cleared.story_filter == StoryFilter(max_per_outlet=2)


async def test_edit_returns_to_the_default_per_outlet_cap_which_digests_then_leaves_unsaid(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    async with running_news_bot(fake, make_settings()) as bot:
        await subscribe(fake, per_outlet=0, min_outlets=2)
        await digest_command(fake, "edit", default_per_outlet=True)
        restored = await stored(bot, fake)
        interaction = await fake.send_slash_command("digests", permissions=DEFAULT_PERMISSIONS)
        callback = await fake.wait_for_callback(interaction, status=200)

    assert restored.story_filter == StoryFilter(max_per_outlet=None, min_outlets=2)
    assert callback.json["data"]["embeds"][0]["description"] == (
        f"<#{fake.channel_id}> at 07:30 UTC · all feeds · up to 10 stories · stories covered by at least 2 outlets"
    )


async def test_digests_shows_a_live_digest_with_its_hourly_cap(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    async with running_news_bot(fake, make_settings()):
        await subscribe(fake, mode="live", hourly_cap=1, exclude="storm")
        interaction = await fake.send_slash_command("digests", permissions=DEFAULT_PERMISSIONS)
        callback = await fake.wait_for_callback(interaction, status=200)

    assert callback.json["data"]["embeds"][0]["description"] == (
        f"<#{fake.channel_id}> live, at most 1 post an hour · all feeds · never with: storm"
    )


async def test_an_hourly_cap_out_of_range_is_refused_in_the_users_language(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    async with running_news_bot(fake, make_settings()) as bot:
        await subscribe(fake, mode="live", hourly_cap=4)
        reply = await digest_command(fake, "edit", locale="de", hourly_cap=MAX_HOURLY_CAP + 1)
        kept = await stored(bot, fake)

    german = messages_for("de").gettext("A live digest posts from 1 to {most} messages an hour.", most=MAX_HOURLY_CAP)
    assert reply == german
    assert german.startswith("Ein Live-Digest")
    assert kept.hourly_cap == 4


async def test_an_hourly_cap_for_editions_is_refused_and_says_to_go_live(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    async with running_news_bot(fake, make_settings()) as bot:
        reply = await subscribe(fake, hourly_cap=4)
        saved = await bot.store.get_subscription(fake.guild_id, fake.channel_id)

    assert reply == "hourly_cap is for live digests: give mode: live with it."
    assert saved is None


async def test_the_mode_choices_are_named_in_each_language(news_bot: NewsBot, fake: FakeDiscord) -> None:
    (digest,) = [command for command in fake.commands[None] if command["name"] == "digest"]
    subscribe_options = next(option for option in digest["options"] if option["name"] == "subscribe")["options"]
    mode = next(option for option in subscribe_options if option["name"] == "mode")

    assert [(choice["value"], choice["name_localizations"]["fr"]) for choice in mode["choices"]] == [
        ("edition", "éditions"),
        ("live", "direct"),
    ]

"""The permission check names exactly what the bot lacks for each kind of target, from the permissions
Discord gives its member in the channel (overwrites included), as the fake hands them to discord.py."""

from collections.abc import Callable

import discord

from bot.i18n import messages_for
from bot.permissions import missing_permissions
from bot.settings import Settings
from bot.targets import DeliveryTarget, TargetKind
from newsbrief_testkit.fake_discord import (
    CHANNEL_GUILD_ANNOUNCEMENT,
    CREATE_PUBLIC_THREADS,
    EMBED_LINKS,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    VIEW_CHANNEL,
    FakeDiscord,
)

from .conftest import running_news_bot


async def missing_in(
    fake: FakeDiscord,
    make_settings: Callable[..., Settings],
    channel: dict[str, object],
    kind: TargetKind,
    **more: bool,
) -> list[str]:
    async with running_news_bot(fake, make_settings()) as bot:
        found = bot.get_channel(int(str(channel["id"])))
        assert isinstance(found, discord.abc.GuildChannel)
        return missing_permissions(found, DeliveryTarget(channel_id=found.id, kind=kind, **more))


async def test_a_channel_the_bot_can_post_in_misses_nothing(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    assert await missing_in(fake, make_settings, fake.add_channel("briefings"), TargetKind.CHANNEL) == []


async def test_a_channel_without_embed_links_names_embed_links(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    channel = fake.add_channel("briefings", bot_denied=EMBED_LINKS)

    assert await missing_in(fake, make_settings, channel, TargetKind.CHANNEL) == ["Embed Links"]


async def test_a_hidden_channel_names_view_channel_first(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    channel = fake.add_channel("staff", bot_denied=VIEW_CHANNEL)

    assert (await missing_in(fake, make_settings, channel, TargetKind.CHANNEL))[0] == "View Channel"


async def test_thread_mode_names_send_messages_in_threads(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    channel = fake.add_channel("briefings", bot_denied=SEND_MESSAGES_IN_THREADS)

    assert await missing_in(fake, make_settings, channel, TargetKind.THREAD) == ["Send Messages in Threads"]


async def test_thread_mode_names_create_public_threads(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    channel = fake.add_channel("briefings", bot_denied=CREATE_PUBLIC_THREADS)

    assert await missing_in(fake, make_settings, channel, TargetKind.THREAD) == ["Create Public Threads"]


async def test_a_forum_without_send_messages_names_create_posts(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    forum = fake.add_forum("briefings", bot_denied=SEND_MESSAGES)

    # Denying Send Messages denies Embed Links with it, as Discord does.
    assert await missing_in(fake, make_settings, forum, TargetKind.FORUM) == ["Create Posts", "Embed Links"]


async def test_a_forum_does_not_need_create_public_threads(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    forum = fake.add_forum("briefings", bot_denied=CREATE_PUBLIC_THREADS)

    assert await missing_in(fake, make_settings, forum, TargetKind.FORUM) == []


async def test_publishing_its_own_messages_needs_nothing_more_than_posting(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    channel = fake.add_channel("announcements", channel_type=CHANNEL_GUILD_ANNOUNCEMENT)

    assert await missing_in(fake, make_settings, channel, TargetKind.CHANNEL, publish=True) == []


async def test_a_missing_permission_is_named_in_the_servers_language(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    channel = fake.add_channel("briefings", bot_denied=SEND_MESSAGES_IN_THREADS)

    (missing,) = await missing_in(fake, make_settings, channel, TargetKind.THREAD)

    assert messages_for("de").gettext(missing) == "Nachrichten in Threads senden"

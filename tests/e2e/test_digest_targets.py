"""Digest targets end to end: set up with /digest subscribe (thread mode, a forum, an announcement channel
that publishes, a role to ping) and posted by the digest service through the real client and the fake
Discord; the checks before saving; /digest edit, pause and resume; a delivery cut off mid-thread and
finished by another bot, which finds the thread from the store alone."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import discord
import pytest

from bot.client import NewsBot
from bot.digests import DeliveryResult
from bot.permissions import missing_permissions
from bot.settings import Settings
from bot.store import DeliveryKind, DeliveryStatus, PauseReason, Subscription
from bot.targets import DeliveryTarget, TargetKind
from newsbrief_testkit.fake_discord import (
    CHANNEL_GUILD_ANNOUNCEMENT,
    CREATE_PUBLIC_THREADS,
    EMBED_LINKS,
    NONCE_WINDOW_SECONDS,
    SEND_MESSAGES,
    FakeDiscord,
)
from newsbrief_testkit.local_site import LocalSite

from .conftest import private_reply, running_news_bot
from .test_delivery_faults import TOPICS, publish_topics
from .test_digests import ADMIN


async def follow_topics(fake: FakeDiscord, site: LocalSite) -> None:
    """The server follows a feed of twelve unrelated stories: a digest of them is two messages of embeds."""
    reply = await private_reply(
        fake, await fake.send_slash_command("feed add", {"url": publish_topics(site)}, permissions=ADMIN)
    )
    assert "Town Crier" in reply


async def subscribe(fake: FakeDiscord, channel_id: int, **options: object) -> str:
    values: dict[str, object] = {"channel": str(channel_id), "times": "07:30", "timezone": "UTC"}
    values["max_stories"] = len(TOPICS)
    return await private_reply(
        fake, await fake.send_slash_command("digest subscribe", values | options, permissions=ADMIN)
    )


async def post_now(fake: FakeDiscord, channel_id: int) -> str:
    interaction = await fake.send_slash_command("digest now", {"channel": str(channel_id)}, permissions=ADMIN)
    return await private_reply(fake, interaction)


async def stored(bot: NewsBot, fake: FakeDiscord, channel_id: int) -> Subscription | None:
    return await bot.store.get_subscription(fake.guild_id, channel_id)


def titles_in(fake: FakeDiscord, channel_id: int) -> list[str]:
    return [embed["title"] for message in fake.channel_messages(channel_id) for embed in message["embeds"]]


def bot_lacks(bot: NewsBot, channel_id: int, kind: TargetKind = TargetKind.CHANNEL) -> list[str]:
    """What the bot's cache says it lacks to post to the kind of target in the channel."""
    channel = bot.get_channel(channel_id)
    assert isinstance(channel, discord.TextChannel)
    return missing_permissions(channel, DeliveryTarget(channel_id=channel_id, kind=kind))


async def until(check: Callable[[], bool], *, within: float = 10.0) -> None:
    """Wait for the bot to have handled a gateway event (its cache changes a moment after it is sent)."""
    deadline = asyncio.get_running_loop().time() + within
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("the bot never saw the change")
        await asyncio.sleep(0.02)


# --- targets ------------------------------------------------------------------------------------


async def test_thread_mode_posts_the_header_in_the_channel_and_every_story_in_its_thread(
    fake: FakeDiscord, local_site: LocalSite, make_settings: Callable[..., Settings]
) -> None:
    async with running_news_bot(fake, make_settings()):
        await follow_topics(fake, local_site)
        assert "in a thread under each edition's header" in await subscribe(fake, fake.channel_id, thread=True)
        assert (await post_now(fake, fake.channel_id)).startswith(f"Posted {len(TOPICS)} stories")

    (header,) = fake.channel_messages()
    (thread,) = fake.threads_of(fake.channel_id)
    assert (header["embeds"], thread["id"]) == ([], header["id"])
    assert sorted(titles_in(fake, int(thread["id"]))) == sorted(title for title, _summary in TOPICS)


async def test_a_forum_digest_is_one_post_titled_with_the_edition_and_tagged_by_its_stories(
    fake: FakeDiscord, local_site: LocalSite, make_settings: Callable[..., Settings]
) -> None:
    forum = fake.add_forum("briefings", tags=["Volcano", "Elections"])
    async with running_news_bot(fake, make_settings()):
        await follow_topics(fake, local_site)
        assert "a forum post per edition" in await subscribe(fake, int(forum["id"]))
        await post_now(fake, int(forum["id"]))

    (post,) = fake.threads_of(int(forum["id"]))
    volcano = next(tag["id"] for tag in forum["available_tags"] if tag["name"] == "Volcano")
    assert post["applied_tags"] == [volcano]
    assert post["name"].startswith(f"{len(TOPICS)} stories") or "briefing" in post["name"].casefold()
    assert sorted(titles_in(fake, int(post["id"]))) == sorted(title for title, _summary in TOPICS)


async def test_an_announcement_digest_that_publishes_publishes_each_message(
    fake: FakeDiscord, local_site: LocalSite, make_settings: Callable[..., Settings]
) -> None:
    channel = int(fake.add_channel("briefings", channel_type=CHANNEL_GUILD_ANNOUNCEMENT)["id"])
    async with running_news_bot(fake, make_settings()):
        await follow_topics(fake, local_site)
        assert "published to following servers" in await subscribe(fake, channel, publish=True)
        await post_now(fake, channel)

    posted = [int(message["id"]) for message in fake.channel_messages(channel)]
    assert len(posted) == 2
    assert fake.crossposted(channel) == posted


async def test_a_ping_role_is_mentioned_at_the_top_and_allowed_alone(
    fake: FakeDiscord, local_site: LocalSite, make_settings: Callable[..., Settings]
) -> None:
    readers = fake.add_role("Readers")
    async with running_news_bot(fake, make_settings()):
        await follow_topics(fake, local_site)
        assert f"pings <@&{readers['id']}>" in await subscribe(fake, fake.channel_id, ping=readers["id"])
        since = len(fake.requests)
        await post_now(fake, fake.channel_id)

    first, second = fake.channel_messages()
    assert first["content"].startswith(f"<@&{readers['id']}> ")
    assert (first["mention_roles"], second["mention_roles"]) == ([readers["id"]], [])
    posts = [
        r for r in fake.requests[since:] if r.method == "POST" and r.path == f"/channels/{fake.channel_id}/messages"
    ]
    allowed = posts[0].json["allowed_mentions"]
    assert (allowed["parse"], [str(role) for role in allowed["roles"]]) == ([], [readers["id"]])


# --- the checks before saving -------------------------------------------------------------------


async def test_subscribe_names_the_permission_the_bot_lacks_and_saves_nothing(
    fake: FakeDiscord, local_site: LocalSite, make_settings: Callable[..., Settings]
) -> None:
    channel = int(fake.add_channel("briefings", bot_denied=CREATE_PUBLIC_THREADS)["id"])
    async with running_news_bot(fake, make_settings()) as bot:
        reply = await subscribe(fake, channel, thread=True)
        assert await stored(bot, fake, channel) is None

    assert reply == (
        f"I cannot post the digest in <#{channel}>: I need Create Public Threads there. Grant them, then try again."
    )


async def test_subscribe_names_the_missing_permission_in_the_admins_language(
    fake: FakeDiscord, local_site: LocalSite, make_settings: Callable[..., Settings]
) -> None:
    channel = int(fake.add_channel("briefings", bot_denied=EMBED_LINKS)["id"])
    async with running_news_bot(fake, make_settings()):
        options = {"channel": str(channel), "times": "07:30", "timezone": "UTC"}
        interaction = await fake.send_slash_command("digest subscribe", options, permissions=ADMIN, locale="de")
        reply = await private_reply(fake, interaction)

    assert "Links einbetten" in reply


@pytest.mark.parametrize(
    ("kind", "options", "says"),
    [
        ("text", {"publish": True}, "announcement channel"),
        ("forum", {"thread": True}, "is a forum"),
        ("announcement", {"publish": True, "thread": True}, "not both"),
    ],
)
async def test_subscribe_refuses_options_that_cannot_work_there(
    fake: FakeDiscord, make_settings: Callable[..., Settings], kind: str, options: dict[str, object], says: str
) -> None:
    channels = {
        "text": lambda: fake.add_channel("briefings"),
        "forum": lambda: fake.add_forum("briefings"),
        "announcement": lambda: fake.add_channel("briefings", channel_type=CHANNEL_GUILD_ANNOUNCEMENT),
    }
    channel = int(channels[kind]()["id"])
    async with running_news_bot(fake, make_settings()) as bot:
        reply = await subscribe(fake, channel, **options)
        assert await stored(bot, fake, channel) is None

    assert says in reply


# --- edit, pause, resume ------------------------------------------------------------------------


async def test_edit_changes_the_options_given_and_keeps_the_rest(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    readers = fake.add_role("Readers")
    async with running_news_bot(fake, make_settings()) as bot:
        await subscribe(fake, fake.channel_id, times="07:30, 18:00", keywords="tunnel", ping=readers["id"])
        options = {"channel": str(fake.channel_id), "thread": True, "max_stories": 4}
        reply = await private_reply(fake, await fake.send_slash_command("digest edit", options, permissions=ADMIN))
        edited = await stored(bot, fake, fake.channel_id)

    assert edited is not None
    assert (edited.target_kind, edited.max_stories) == (TargetKind.THREAD, 4)
    assert (edited.keywords, edited.ping_role_id, len(edited.edition_times)) == (("tunnel",), int(readers["id"]), 2)
    assert "in a thread under each edition's header" in reply


async def test_edit_refuses_what_the_channel_cannot_take(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    async with running_news_bot(fake, make_settings()) as bot:
        await subscribe(fake, fake.channel_id)
        options = {"channel": str(fake.channel_id), "publish": True}
        reply = await private_reply(fake, await fake.send_slash_command("digest edit", options, permissions=ADMIN))
        kept = await stored(bot, fake, fake.channel_id)

    assert "announcement channel" in reply
    assert kept is not None
    assert not kept.publish


async def test_edit_pause_and_resume_need_manage_server(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    async with running_news_bot(fake, make_settings()):
        await subscribe(fake, fake.channel_id)
        for command in ("digest edit", "digest pause", "digest resume"):
            interaction = await fake.send_slash_command(command, {"channel": str(fake.channel_id)})
            assert "Manage Server" in await private_reply(fake, interaction)
    assert "digest" not in fake.offered_commands()


async def test_a_paused_digest_is_listed_as_paused_and_resumes(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    channel = {"channel": str(fake.channel_id)}
    async with running_news_bot(fake, make_settings()) as bot:
        await subscribe(fake, fake.channel_id)
        paused = await private_reply(fake, await fake.send_slash_command("digest pause", channel, permissions=ADMIN))
        listing = await fake.send_slash_command("digests")
        listed = (await fake.wait_for_callback(listing, status=200)).json["data"]["embeds"][0]["description"]
        scheduled = await bot.store.active_subscriptions()
        resumed = await private_reply(fake, await fake.send_slash_command("digest resume", channel, permissions=ADMIN))
        running = await bot.store.active_subscriptions()

    assert "/digest resume" in paused
    assert "**paused**: by an admin" in listed
    assert (scheduled, len(running)) == ([], 1)
    assert "running again" in resumed


async def test_resume_names_a_permission_still_missing(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    channel = {"channel": str(fake.channel_id)}
    async with running_news_bot(fake, make_settings()) as bot:
        await subscribe(fake, fake.channel_id)
        await private_reply(fake, await fake.send_slash_command("digest pause", channel, permissions=ADMIN))
        await fake.change_bot_permissions(fake.channel_id, denied=EMBED_LINKS)
        await until(lambda: "Embed Links" in bot_lacks(bot, fake.channel_id))
        reply = await private_reply(fake, await fake.send_slash_command("digest resume", channel, permissions=ADMIN))
        still = await bot.store.active_subscriptions()

    assert "Embed Links" in reply
    assert still == []


# --- a delivery cut off mid-thread, finished by another bot -------------------------------------


async def cut_off_in_the_thread(
    fake: FakeDiscord, local_site: LocalSite, settings: Settings, *, after_store: bool
) -> tuple[int, int]:
    """A thread-mode digest whose first story message is cut off (before Discord stores it, or after,
    its answer lost) by the bot going away; returns (subscription id, delivery id)."""
    async with running_news_bot(fake, settings) as bot:
        await follow_topics(fake, local_site)
        await subscribe(fake, fake.channel_id, thread=True)
        subscription = await stored(bot, fake, fake.channel_id)
        assert subscription is not None
        story = rf"/channels/(?!{fake.channel_id}/)\d+/messages"
        hold: Any = fake.hold_after_store("POST", story) if after_store else fake.hold_before_store("POST", story)
        delivering = asyncio.create_task(
            bot.digests.deliver(subscription.id, kind=DeliveryKind.MANUAL, poster=bot.poster)
        )
        await (hold.wait_stored() if after_store else hold.wait_held())
        delivering.cancel()  # the process goes away: the claim is released, the thread known only to the store
        await asyncio.gather(delivering, return_exceptions=True)
        hold.drop()
        delivery = await bot.store.latest_delivery(subscription.id)
        assert delivery is not None
        assert delivery.status is not DeliveryStatus.POSTED
    fake.advance_clock(NONCE_WINDOW_SECONDS + 1)  # Discord has forgotten the nonces: only reading back helps
    return subscription.id, delivery.id


@pytest.mark.parametrize("after_store", [False, True], ids=["before-discord-stored-it", "after-discord-stored-it"])
async def test_a_thread_mode_delivery_finished_by_another_bot_posts_the_rest_in_the_same_thread_once(
    fake: FakeDiscord, local_site: LocalSite, make_settings: Callable[..., Settings], after_store: bool
) -> None:
    settings = make_settings()
    subscription_id, delivery_id = await cut_off_in_the_thread(fake, local_site, settings, after_store=after_store)

    async with running_news_bot(fake, settings, run_scheduler=False) as bot:
        outcome = await bot.digests.resume(subscription_id, delivery_id, poster=bot.poster)

    assert outcome.result is DeliveryResult.POSTED
    (header,) = fake.channel_messages()
    (thread,) = fake.threads_of(fake.channel_id)
    assert thread["id"] == header["id"]
    assert sorted(titles_in(fake, int(thread["id"]))) == sorted(title for title, _summary in TOPICS)


# --- the pause notice ---------------------------------------------------------------------------


async def test_a_digest_that_lost_send_messages_tells_the_system_channel_once_what_to_grant(
    fake: FakeDiscord, local_site: LocalSite, make_settings: Callable[..., Settings]
) -> None:
    system = int(fake.add_channel("general")["id"])
    fake.set_system_channel(system)
    async with running_news_bot(fake, make_settings()) as bot:
        await follow_topics(fake, local_site)
        await subscribe(fake, fake.channel_id)
        await fake.change_bot_permissions(fake.channel_id, denied=SEND_MESSAGES)
        await until(lambda: "Send Messages" in bot_lacks(bot, fake.channel_id))
        assert "The digest is paused" in await post_now(fake, fake.channel_id)
        await post_now(fake, fake.channel_id)  # refused again: paused already, nobody is told twice

    (notice,) = fake.channel_messages(system)
    assert notice["content"] == (
        f"newsbrief paused the digest of <#{fake.channel_id}>: newsbrief lost permission to post or embed links in "
        f"the channel. Give newsbrief Send Messages, Embed Links in <#{fake.channel_id}>, then use /digest resume "
        "to start it again."
    )
    assert (notice["mention_roles"], notice["mention_everyone"]) == ([], False)


async def test_thread_mode_that_can_no_longer_start_threads_says_so_in_its_channel(
    fake: FakeDiscord, local_site: LocalSite, make_settings: Callable[..., Settings]
) -> None:
    fake.set_system_channel(int(fake.add_channel("general")["id"]))
    async with running_news_bot(fake, make_settings()) as bot:
        await follow_topics(fake, local_site)
        await subscribe(fake, fake.channel_id, thread=True)
        await fake.change_bot_permissions(fake.channel_id, denied=CREATE_PUBLIC_THREADS)
        await until(lambda: bot_lacks(bot, fake.channel_id, TargetKind.THREAD) != [])
        await post_now(fake, fake.channel_id)
        paused = await stored(bot, fake, fake.channel_id)

    *_header, notice = fake.channel_messages()
    assert "Give newsbrief Create Public Threads in" in notice["content"]
    assert paused is not None
    assert paused.pause_reason == PauseReason.CHANNEL_FORBIDDEN


async def test_a_deleted_channel_tells_the_system_channel_to_set_the_digest_up_elsewhere(
    fake: FakeDiscord, local_site: LocalSite, make_settings: Callable[..., Settings]
) -> None:
    system = int(fake.add_channel("general")["id"])
    fake.set_system_channel(system)
    async with running_news_bot(fake, make_settings()) as bot:
        await follow_topics(fake, local_site)
        await subscribe(fake, fake.channel_id)
        subscription = await stored(bot, fake, fake.channel_id)
        assert subscription is not None
        await fake.delete_channel(fake.channel_id)
        await until(lambda: bot.get_channel(fake.channel_id) is None)
        outcome = await bot.digests.deliver(subscription.id, kind=DeliveryKind.MANUAL, poster=bot.poster)

    assert outcome.result is DeliveryResult.CHANNEL_UNAVAILABLE
    (notice,) = fake.channel_messages(system)
    assert notice["content"].endswith("the channel was deleted. Set it up in another channel with /digest subscribe.")


async def test_a_forum_that_requires_a_tag_none_matches_pauses_and_says_what_to_fix(
    fake: FakeDiscord, local_site: LocalSite, make_settings: Callable[..., Settings]
) -> None:
    system = int(fake.add_channel("general")["id"])
    fake.set_system_channel(system)
    forum = int(fake.add_forum("briefings", tags=["Elections"], require_tag=True)["id"])
    async with running_news_bot(fake, make_settings()) as bot:
        await follow_topics(fake, local_site)
        await subscribe(fake, forum)
        await post_now(fake, forum)
        paused = await stored(bot, fake, forum)

    assert paused is not None
    assert paused.pause_reason == PauseReason.FORUM_TAG_REQUIRED
    (notice,) = fake.channel_messages(system)
    assert f"Add a tag to <#{forum}>" in notice["content"]


async def test_the_pause_notice_is_in_the_servers_language(
    fake: FakeDiscord, local_site: LocalSite, make_settings: Callable[..., Settings]
) -> None:
    system = int(fake.add_channel("general")["id"])
    fake.set_system_channel(system)
    await fake.set_preferred_locale(fake.guild_id, "de")  # before the bot connects: its guild is German
    async with running_news_bot(fake, make_settings()) as bot:
        await follow_topics(fake, local_site)
        await subscribe(fake, fake.channel_id)
        await fake.change_bot_permissions(fake.channel_id, denied=SEND_MESSAGES)
        await until(lambda: "Send Messages" in bot_lacks(bot, fake.channel_id))
        await post_now(fake, fake.channel_id)

    (notice,) = fake.channel_messages(system)
    assert "Nachrichten senden" in notice["content"]
    assert "/digest fortsetzen" in notice["content"]

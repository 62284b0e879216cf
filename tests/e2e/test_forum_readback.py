"""A forum digest cut off after Discord stored its post, before the store recorded it, finished by
another bot: Discord takes no nonce for a forum post, so only finding the bot's own post among the
guild's active threads or the forum's archived ones (a thread's id is the snowflake of its creation)
keeps it from a second post."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from bot.digests import DeliveryResult
from bot.settings import Settings
from bot.store import DeliveryKind, DeliveryStatus
from newsbrief_testkit.fake_discord import NONCE_WINDOW_SECONDS, READ_MESSAGE_HISTORY, FakeDiscord
from newsbrief_testkit.local_site import LocalSite

from .conftest import running_news_bot
from .test_delivery_faults import TOPICS
from .test_digest_targets import follow_topics, stored, subscribe, titles_in


async def cut_off_after_the_forum_post(
    fake: FakeDiscord, local_site: LocalSite, settings: Settings, forum: int
) -> tuple[int, int]:
    """A forum digest whose post Discord stored and whose answer the bot never read (it went away);
    returns (subscription id, delivery id)."""
    async with running_news_bot(fake, settings) as bot:
        await follow_topics(fake, local_site)
        await subscribe(fake, forum)
        subscription = await stored(bot, fake, forum)
        assert subscription is not None
        hold: Any = fake.hold_after_store("POST", rf"/channels/{forum}/threads")
        delivering = asyncio.create_task(
            bot.digests.deliver(subscription.id, kind=DeliveryKind.MANUAL, poster=bot.poster)
        )
        await hold.wait_stored()
        delivering.cancel()  # the process goes away: the post is in the forum, unknown to the store
        await asyncio.gather(delivering, return_exceptions=True)
        hold.drop()
        delivery = await bot.store.latest_delivery(subscription.id)
        assert delivery is not None
        assert delivery.status is not DeliveryStatus.POSTED
    fake.advance_clock(NONCE_WINDOW_SECONDS + 1)
    return subscription.id, delivery.id


@pytest.mark.parametrize("archived", [False, True], ids=["post-active", "post-archived-since"])
async def test_a_forum_digest_cut_off_after_discord_stored_its_post_is_finished_in_that_post_once(
    fake: FakeDiscord, local_site: LocalSite, make_settings: Callable[..., Settings], archived: bool
) -> None:
    settings = make_settings()
    forum_id = int(fake.add_forum("briefings")["id"])
    subscription_id, delivery_id = await cut_off_after_the_forum_post(fake, local_site, settings, forum_id)
    if archived:  # the forum archived the idle post before a bot took the delivery over
        (cut_off,) = fake.threads_of(forum_id)
        fake.archive_thread(int(cut_off["id"]))

    async with running_news_bot(fake, settings, run_scheduler=False) as bot:
        outcome = await bot.digests.resume(subscription_id, delivery_id, poster=bot.poster)

    assert outcome.result is DeliveryResult.POSTED
    (post,) = fake.threads_of(forum_id)
    assert outcome.message_ids[0] == int(post["id"])
    assert sorted(titles_in(fake, int(post["id"]))) == sorted(title for title, _summary in TOPICS)


async def test_a_forum_the_bot_cannot_read_back_goes_on_with_the_delivery_unpaused(
    fake: FakeDiscord, local_site: LocalSite, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings()
    forum_id = int(fake.add_forum("briefings")["id"])
    subscription_id, delivery_id = await cut_off_after_the_forum_post(fake, local_site, settings, forum_id)

    async with running_news_bot(fake, settings, run_scheduler=False) as bot:
        await fake.change_bot_permissions(forum_id, denied=READ_MESSAGE_HISTORY)
        outcome = await bot.digests.resume(subscription_id, delivery_id, poster=bot.poster)

    assert outcome.result is DeliveryResult.POSTED  # only the nonce could help, and a forum post has none

"""Forum posts once across crashes, crashed for real: a bot process (tests/digest_process.py) posting
through the bot's DiscordPoster to the fake Discord is killed with SIGKILL after Discord stored its forum
post and before the store recorded it; its restart must not post it again. Discord takes no nonce for
a forum post (POST /channels/{forum}/threads): only finding the bot's own post among the guild's active
threads, newer than the claim, keeps it from a second one. An edition, then a live story."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import AsyncIterator

import pytest

from bot.store import Store
from bot.targets import TargetKind
from newsbrief_testkit.fake_discord import FakeDiscord
from newsbrief_testkit.local_site import LocalSite
from tests.newsroom import REPORTS
from tests.test_digests_crash import (
    FAST_LEASE,
    REST_WITHIN,
    STARTUP_TIMEOUT,
    Processes,
    a_digest_due_now,
    store,
    url_of,
    wait_until_posted,
)
from tests.test_digests_crash import SLUGS as EDITION_SLUGS
from tests.test_live_crash import LIVE_EVERY, WITHIN, a_live_subscription_with_new_stories, wait_until_all_recorded
from tests.test_live_crash import SLUGS as LIVE_SLUGS

__all__ = ["store"]  # a fixture, used by name


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    started = await FakeDiscord.start()
    try:
        yield started
    finally:
        await started.close()


@contextlib.asynccontextmanager
async def killed_after_its_forum_post(
    store: Store, fake: FakeDiscord, forum_id: int, *options: str
) -> AsyncIterator[None]:
    """A bot process killed once Discord stored its first forum post, its answer unread; then a second
    process, running until the block ends."""
    bots = Processes(url_of(store), fake.base_url)
    hold = fake.hold_after_store("POST", rf"/channels/{forum_id}/threads")
    try:
        first = await bots.start("--discord-token", fake.token, *options)
        await hold.wait_stored(timeout=STARTUP_TIMEOUT)
        await bots.kill(first.pid)
        hold.drop()
        await bots.start("--discord-token", fake.token, *options)
        yield
    finally:
        await bots.kill_all()


def titles_in_posts(fake: FakeDiscord, forum_id: int) -> Counter[str]:
    return Counter(
        embed["title"]
        for post in fake.threads_of(forum_id)
        for message in fake.channel_messages(int(post["id"]))
        for embed in message["embeds"]
    )


async def test_an_edition_whose_process_was_killed_after_discord_stored_its_forum_post_is_not_posted_again(
    store: Store, local_site: LocalSite, fake: FakeDiscord
) -> None:
    forum_id = int(fake.add_forum("briefings")["id"])
    subscription_id = await a_digest_due_now(store, local_site, channel_id=forum_id, target_kind=TargetKind.FORUM)
    async with killed_after_its_forum_post(store, fake, forum_id, *FAST_LEASE):
        await wait_until_posted(store, subscription_id, within=REST_WITHIN)

    assert len(fake.threads_of(forum_id)) == 1
    assert titles_in_posts(fake, forum_id) == Counter(REPORTS[slug].title for slug in EDITION_SLUGS)


async def test_a_live_story_whose_process_was_killed_after_discord_stored_its_forum_post_is_not_posted_again(
    store: Store, local_site: LocalSite, fake: FakeDiscord
) -> None:
    forum_id = int(fake.add_forum("briefings")["id"])
    subscription_id = await a_live_subscription_with_new_stories(
        store, local_site, channel_id=forum_id, target_kind=TargetKind.FORUM
    )
    async with killed_after_its_forum_post(store, fake, forum_id, *LIVE_EVERY):
        await wait_until_all_recorded(store, subscription_id, within=WITHIN)

    assert len(fake.threads_of(forum_id)) == len(LIVE_SLUGS)
    assert titles_in_posts(fake, forum_id) == Counter(REPORTS[slug].title for slug in LIVE_SLUGS)

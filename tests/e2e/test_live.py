"""Live delivery end to end: the real bot and client against the fake Discord, feeds on a local site. A
story a refresh brings is posted in that refresh's cycle; another outlet's article about it edits that
post (PATCH) instead of posting again, or the combined message a held story went out in; stories over
the hourly cap arrive as one message when the clock passes the hour; a forum gets a post per story,
titled with its headline; a ping names its role only."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any

from bot.client import NewsBot
from bot.live import next_hour
from bot.scheduler import CLOCK_JOB_ID, REFRESH_JOB_ID
from bot.settings import Settings
from bot.store import Subscription
from bot.store.tables import SubscriptionMode
from bot.targets import TargetKind
from newsbrief_testkit.fake_discord import FakeDiscord, RecordedRequest
from newsbrief_testkit.local_site import LocalSite

from .conftest import private_reply, running_news_bot
from .test_delivery_faults import TOPICS
from .test_digests import ADMIN, OUTLETS, Clock, feed_urls

__all__ = ["feed_urls"]  # the fixture, used by name

MEMBER = 4242


async def subscribe_live(bot: NewsBot, fake: FakeDiscord, channel_id: int, **options: Any) -> Subscription:
    return await bot.store.subscribe(
        fake.guild_id,
        channel_id,
        created_by=MEMBER,
        local_time=time(7, 30),
        timezone="UTC",
        mode=SubscriptionMode.LIVE,
        **options,
    )


async def follow(fake: FakeDiscord, url: str) -> None:
    await private_reply(fake, await fake.send_slash_command("feed add", {"url": url}, permissions=ADMIN))


def refresh_now(bot: NewsBot) -> None:
    """The feed refresh (and the live cycle after it) runs now rather than at its interval."""
    bot.scheduler.scheduler.modify_job(REFRESH_JOB_ID, next_run_time=datetime.now(UTC))


def posts_to(fake: FakeDiscord, channel_id: int) -> list[RecordedRequest]:
    return [r for r in fake.requests if r.method == "POST" and r.path == f"/channels/{channel_id}/messages"]


async def wait_for_posts(fake: FakeDiscord, channel_id: int, count: int, *, within: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while len([r for r in posts_to(fake, channel_id) if r.status == 200]) < count:
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"{len(posts_to(fake, channel_id))} posts to {channel_id}, not {count}")
        await asyncio.sleep(0.05)


def publish_five_topics(site: LocalSite) -> str:
    """A feed of five unrelated stories, each with its page."""
    published = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
    items = []
    for number, (title, summary) in enumerate(TOPICS[:5]):
        link = site.add(
            f"/five/{number}",
            f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            + f"<p>{summary} {title}, a spokesperson said on Tuesday.</p>" * 3
            + "</article></body></html>",
        )
        items.append(
            f"<item><title>{title}</title><link>{link}</link><guid>five-{number}</guid>"
            f"<description>{summary}</description><pubDate>{published}</pubDate></item>"
        )
    feed = "<?xml version='1.0'?><rss version='2.0'><channel><title>Town Crier</title><link>{}</link>{}</channel></rss>"
    return site.add("/five.xml", feed.format(site.url("/"), "".join(items)), content_type="application/rss+xml")


async def test_a_story_a_refresh_brings_is_posted_in_that_cycle(
    fake: FakeDiscord, feed_urls: list[str], make_settings: Callable[..., Settings]
) -> None:
    coast, _daily, _wire = feed_urls
    async with running_news_bot(fake, make_settings()) as bot:
        await subscribe_live(bot, fake, fake.channel_id)
        await follow(fake, coast)
        refresh_now(bot)
        await wait_for_posts(fake, fake.channel_id, 2)
        await asyncio.sleep(0.5)

    titles = sorted(embed["title"] for message in fake.channel_messages() for embed in message["embeds"])
    assert titles == sorted([OUTLETS["coast"][1], "Schools close as winter storm hits the hills"])
    assert all(len(message["embeds"]) == 1 for message in fake.channel_messages())
    assert len(posts_to(fake, fake.channel_id)) == 2


async def test_a_second_outlets_article_edits_the_post_to_name_both_outlets(
    fake: FakeDiscord, feed_urls: list[str], make_settings: Callable[..., Settings]
) -> None:
    coast, daily, _wire = feed_urls
    async with running_news_bot(fake, make_settings()) as bot:
        # The refreshes are run here, one after the other: a second refresh asked for while the first
        # still runs is skipped by the scheduler.
        await subscribe_live(bot, fake, fake.channel_id)
        await follow(fake, coast)
        await bot.scheduler.refresh_job()
        await wait_for_posts(fake, fake.channel_id, 2)
        tunnel = next(m for m in fake.channel_messages() if m["embeds"][0]["title"] == OUTLETS["coast"][1])

        await follow(fake, daily)
        await bot.scheduler.refresh_job()
        edit = await fake.wait_for_request(
            "PATCH", rf"/channels/{fake.channel_id}/messages/{tunnel['id']}", status=200, timeout=30
        )

    assert len(posts_to(fake, fake.channel_id)) == 2
    (field,) = [f for f in edit.json["embeds"][0]["fields"] if f["name"].startswith("Covered by")]
    assert field["name"] == "Covered by 2 outlets"
    assert "City Daily" in field["value"]
    assert "Coastline Herald" in field["value"]
    assert "/daily/tunnel" in field["value"]
    assert "/coast/tunnel" in field["value"]


async def test_stories_over_the_hourly_cap_arrive_as_one_message_when_the_hour_passes(
    fake: FakeDiscord, local_site: LocalSite, make_settings: Callable[..., Settings]
) -> None:
    clock = Clock()
    async with running_news_bot(fake, make_settings(), clock=clock) as bot:
        await subscribe_live(bot, fake, fake.channel_id, hourly_cap=2)
        await follow(fake, publish_five_topics(local_site))
        refresh_now(bot)
        await wait_for_posts(fake, fake.channel_id, 2)
        await asyncio.sleep(1.0)
        assert len(posts_to(fake, fake.channel_id)) == 2

        clock.ahead = next_hour(clock()) - clock() + timedelta(minutes=1)
        bot.scheduler.scheduler.modify_job(CLOCK_JOB_ID, next_run_time=datetime.now(UTC))
        await wait_for_posts(fake, fake.channel_id, 3)
        await asyncio.sleep(0.5)

    first, second, combined = (message for message in fake.channel_messages())
    listed = combined["embeds"][0]["description"]
    assert combined["embeds"][0]["title"] == "3 more stories this hour"
    shown = {first["embeds"][0]["title"], second["embeds"][0]["title"]}
    assert sorted(title for title, _summary in TOPICS[:5] if title in listed) == sorted(
        title for title, _summary in TOPICS[:5] if title not in shown
    )
    assert len(posts_to(fake, fake.channel_id)) == 3


async def test_a_second_outlets_article_edits_the_combined_message_its_held_story_went_out_in(
    fake: FakeDiscord, local_site: LocalSite, feed_urls: list[str], make_settings: Callable[..., Settings]
) -> None:
    coast, daily, _wire = feed_urls
    clock = Clock()
    async with running_news_bot(fake, make_settings(), clock=clock) as bot:
        # The jobs are run here, one after the other, so that no refresh is skipped for one still running.
        await subscribe_live(bot, fake, fake.channel_id, hourly_cap=1)
        await follow(fake, publish_five_topics(local_site))
        await bot.scheduler.refresh_job()
        await follow(fake, coast)  # the hour's one post is spent: the tunnel and the storm are held too
        await bot.scheduler.refresh_job()
        clock.ahead = next_hour(clock()) - clock() + timedelta(minutes=1)
        await bot.scheduler.clock_job()
        await wait_for_posts(fake, fake.channel_id, 2)
        *_, combined = fake.channel_messages()

        await follow(fake, daily)
        await bot.scheduler.refresh_job()
        edit = await fake.wait_for_request(
            "PATCH", rf"/channels/{fake.channel_id}/messages/{combined['id']}", status=200, timeout=30
        )

    assert len(posts_to(fake, fake.channel_id)) == 2
    (embed,) = edit.json["embeds"]
    assert embed["title"] == combined["embeds"][0]["title"] == "6 more stories this hour"
    (tunnel,) = [entry for entry in embed["description"].split("\n\n") if OUTLETS["coast"][1] in entry]
    assert "Coastline Herald" in tunnel
    assert "City Daily" in tunnel
    assert "City Daily" not in combined["embeds"][0]["description"]


async def test_a_live_forum_post_is_titled_with_its_headline_and_pings_only_its_role(
    fake: FakeDiscord, feed_urls: list[str], make_settings: Callable[..., Settings]
) -> None:
    forum = fake.add_forum("breaking", tags=["Tunnel", "Sport"])
    role = 777
    coast, _daily, _wire = feed_urls
    async with running_news_bot(fake, make_settings()) as bot:
        await subscribe_live(bot, fake, int(forum["id"]), target_kind=TargetKind.FORUM, ping_role_id=role)
        await follow(fake, coast)
        refresh_now(bot)
        await fake.wait_for_request("POST", rf"/channels/{forum['id']}/threads", status=201, timeout=30)
        await asyncio.sleep(1.0)

    posts = {post["name"]: post for post in fake.threads_of(int(forum["id"]))}
    assert set(posts) == {OUTLETS["coast"][1], "Schools close as winter storm hits the hills"}
    tunnel_tag = next(tag["id"] for tag in forum["available_tags"] if tag["name"] == "Tunnel")
    assert posts[OUTLETS["coast"][1]]["applied_tags"] == [tunnel_tag]
    creations = [r for r in fake.requests if r.method == "POST" and r.path == f"/channels/{forum['id']}/threads"]
    for creation in creations:
        message = creation.json["message"]
        assert message["content"].startswith(f"<@&{role}>")
        assert message["allowed_mentions"] == {"parse": [], "roles": [role]}


async def test_a_second_outlet_edits_the_forum_post_of_the_story_in_its_thread(
    fake: FakeDiscord, feed_urls: list[str], make_settings: Callable[..., Settings]
) -> None:
    forum = fake.add_forum("breaking", tags=[])
    coast, daily, _wire = feed_urls
    async with running_news_bot(fake, make_settings()) as bot:
        await subscribe_live(bot, fake, int(forum["id"]), target_kind=TargetKind.FORUM)
        await follow(fake, coast)
        refresh_now(bot)
        await fake.wait_for_request("POST", rf"/channels/{forum['id']}/threads", status=201, timeout=30)
        await asyncio.sleep(1.0)
        tunnel = next(post for post in fake.threads_of(int(forum["id"])) if post["name"] == OUTLETS["coast"][1])

        await follow(fake, daily)
        refresh_now(bot)
        edit = await fake.wait_for_request("PATCH", rf"/channels/{tunnel['id']}/messages/\d+", status=200, timeout=30)

    assert "Covered by 2 outlets" in str(edit.json["embeds"])
    assert len(fake.threads_of(int(forum["id"]))) == 2

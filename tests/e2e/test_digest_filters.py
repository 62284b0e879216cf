"""What gets into a digest, end to end: /digest subscribe's include, exclude, per_outlet and min_outlets
through the real client and the fake Discord, what /digest now posts and /digest preview and /feed status
say it held back, and /digests naming the rules."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from bot.i18n import messages_for
from bot.news.filters import StoryFilter
from bot.settings import Settings
from newsbrief_testkit.fake_discord import DEFAULT_PERMISSIONS, FakeDiscord
from newsbrief_testkit.local_site import LocalSite

from .conftest import EPHEMERAL, private_reply, running_news_bot

MANAGE_GUILD = 1 << 5
ADMIN = DEFAULT_PERMISSIONS | MANAGE_GUILD

TUNNEL = "Harbour tunnel opens two years late and over budget"
COAST_ONLY = [
    "Schools close as winter storm hits the hills",
    "Lifeboat crew rescues two kayakers off the point",
    "Fishing fleet stays in port as prices fall",
    "Lighthouse keeper's cottage becomes a museum",
]
"""Stories the Coastline Herald alone reports; with the tunnel story, which every outlet covers."""
OUTLETS = {"coast": "Coastline Herald", "daily": "City Daily", "wire": "Metro Wire"}
PAGE = "<html><head><title>{title}</title></head><body><article><h1>{title}</h1><p>{text}</p></article></body></html>"


def _item(site: LocalSite, slug: str, number: int, title: str, summary: str) -> str:
    path = f"/{slug}/story-{number}"
    site.add(path, PAGE.format(title=title, text=f"{summary} " * 6))
    published = format_datetime(datetime.now(UTC) - timedelta(hours=1, minutes=number))
    return (
        f"<item><title>{title}</title><link>{site.url(path)}</link><guid>{slug}-{number}</guid>"
        f"<description>{summary}</description><pubDate>{published}</pubDate></item>"
    )


@pytest.fixture
def feed_urls(local_site: LocalSite) -> list[str]:
    """Three outlets: each reports the tunnel, and the Coastline Herald four stories of its own."""
    urls = []
    for slug, outlet in OUTLETS.items():
        items = [
            _item(local_site, slug, 0, TUNNEL, "The harbour tunnel opened to traffic on Thursday, two years late.")
        ]
        if slug == "coast":
            items += [
                _item(local_site, slug, number, title, f"{title}, the Coastline Herald reports from the coast.")
                for number, title in enumerate(COAST_ONLY, start=1)
            ]
        body = (
            f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{outlet}</title>'
            f"<link>{local_site.url('/' + slug)}</link><description>News</description>{''.join(items)}</channel></rss>"
        )
        urls.append(local_site.add(f"/{slug}/feed.xml", body, content_type="application/rss+xml"))
    return urls


async def follow_and_subscribe(fake: FakeDiscord, feed_urls: list[str], **rules: object) -> str:
    """Follow the feeds and set up the channel's digest with `rules` as options; the reply."""
    for url in feed_urls:
        await private_reply(fake, await fake.send_slash_command("feed add", {"url": url}, permissions=ADMIN))
    options = {"channel": str(fake.channel_id), "times": "07:30", "timezone": "UTC", **rules}
    return await private_reply(fake, await fake.send_slash_command("digest subscribe", options, permissions=ADMIN))


async def posted_titles(fake: FakeDiscord) -> list[str]:
    """/digest now, then the titles of the stories it posted in the channel."""
    await private_reply(fake, await fake.send_slash_command("digest now", permissions=ADMIN))
    posts = [r for r in fake.requests if r.method == "POST" and r.path == f"/channels/{fake.channel_id}/messages"]
    return [embed["title"] for post in posts for embed in post.json.get("embeds", [])]


async def test_subscribe_stores_the_rules_its_options_give(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    rules = {"include": "tunnel, Київ", "exclude": "storm;toll", "per_outlet": 3, "min_outlets": 2}
    async with running_news_bot(fake, make_settings()) as bot:
        await follow_and_subscribe(fake, [], **rules)
        (subscription,) = await bot.store.list_subscriptions(fake.guild_id)
    assert subscription.story_filter == StoryFilter(
        include=("tunnel", "Київ"), exclude=("storm", "toll"), max_per_outlet=3, min_outlets=2
    )


async def test_exclude_keeps_a_story_that_names_the_word_out_of_the_digest(
    fake: FakeDiscord, feed_urls: list[str], make_settings: Callable[..., Settings]
) -> None:
    async with running_news_bot(fake, make_settings()):
        await follow_and_subscribe(fake, feed_urls, exclude="STORM, port")
        titles = await posted_titles(fake)
    assert sorted(titles) == sorted([TUNNEL, COAST_ONLY[1], COAST_ONLY[3]])


async def test_include_lets_in_only_the_stories_that_name_a_word(
    fake: FakeDiscord, feed_urls: list[str], make_settings: Callable[..., Settings]
) -> None:
    async with running_news_bot(fake, make_settings()):
        await follow_and_subscribe(fake, feed_urls, include="kayakers, museum")
        titles = await posted_titles(fake)
    assert sorted(titles) == sorted([COAST_ONLY[1], COAST_ONLY[3]])


async def test_min_outlets_keeps_only_the_story_several_outlets_covered(
    fake: FakeDiscord, feed_urls: list[str], make_settings: Callable[..., Settings]
) -> None:
    async with running_news_bot(fake, make_settings()):
        await follow_and_subscribe(fake, feed_urls, min_outlets=2)
        titles = await posted_titles(fake)
    assert titles == [TUNNEL]


async def test_per_outlet_caps_the_stories_one_outlet_reported_alone(
    fake: FakeDiscord, feed_urls: list[str], make_settings: Callable[..., Settings]
) -> None:
    async with running_news_bot(fake, make_settings()):
        await follow_and_subscribe(fake, feed_urls, per_outlet=1)
        titles = await posted_titles(fake)
    assert titles[0] == TUNNEL
    assert len(titles) == 2
    assert titles[1] in COAST_ONLY


async def test_by_default_one_busy_outlet_fills_at_most_half_the_digest(
    fake: FakeDiscord, feed_urls: list[str], make_settings: Callable[..., Settings]
) -> None:
    async with running_news_bot(fake, make_settings()):
        await follow_and_subscribe(fake, feed_urls, max_stories=4)
        titles = await posted_titles(fake)
    assert titles[0] == TUNNEL
    assert len(titles) == 3  # the tunnel, then two of the Coastline Herald's four: half of four


async def test_preview_says_in_the_users_language_how_many_stories_each_rule_held_back(
    fake: FakeDiscord, feed_urls: list[str], make_settings: Callable[..., Settings]
) -> None:
    async with running_news_bot(fake, make_settings()):
        await follow_and_subscribe(fake, feed_urls, exclude="storm", per_outlet=1)
        interaction = await fake.send_slash_command("digest preview", permissions=ADMIN, locale="de")
        followup = await fake.wait_for_followup(interaction, status=200, timeout=30)
    german = messages_for("de")
    lines = followup.json["content"].split("\n")
    assert lines[1:] == [
        german.ngettext(
            "Held back {count} story with an excluded word",
            "Held back {count} stories with an excluded word",
            1,
            count=1,
        ),
        german.ngettext(
            "Held back {count} story over the per-outlet cap",
            "Held back {count} stories over the per-outlet cap",
            2,
            count=2,
        ),
    ]
    assert lines[1] == "1 Meldung mit einem ausgeschlossenen Wort zurückgehalten"


async def test_preview_of_a_digest_no_rule_held_back_says_nothing_more(
    fake: FakeDiscord, feed_urls: list[str], make_settings: Callable[..., Settings]
) -> None:
    async with running_news_bot(fake, make_settings()):
        await follow_and_subscribe(fake, feed_urls, per_outlet=0)
        interaction = await fake.send_slash_command("digest preview", permissions=ADMIN)
        followup = await fake.wait_for_followup(interaction, status=200, timeout=30)
    assert followup.json["content"].endswith("5 stories from 3 sources")


async def test_digests_names_each_rule_set(fake: FakeDiscord, make_settings: Callable[..., Settings]) -> None:
    async with running_news_bot(fake, make_settings()):
        await follow_and_subscribe(fake, [], include="tunnel", exclude="storm, toll", per_outlet=2, min_outlets=3)
        interaction = await fake.send_slash_command("digests", permissions=DEFAULT_PERMISSIONS)
        callback = await fake.wait_for_callback(interaction, status=200)
    description = callback.json["data"]["embeds"][0]["description"]
    assert description.endswith(
        " · only with: tunnel · never with: storm, toll · at most 2 stories per outlet"
        " · stories covered by at least 3 outlets"
    )


async def feed_status(fake: FakeDiscord, locale: str = "en-US") -> dict[str, Any]:
    """/digest preview (which reads the feeds, posting and marking nothing), then /feed status's embed."""
    await fake.wait_for_followup(
        await fake.send_slash_command("digest preview", permissions=ADMIN), status=200, timeout=30
    )
    interaction = await fake.send_slash_command("feed status", permissions=ADMIN, locale=locale)
    callback = await fake.wait_for_callback(interaction, status=200)
    assert callback.json["data"]["flags"] & EPHEMERAL
    embed: dict[str, Any] = callback.json["data"]["embeds"][0]
    return embed


async def test_feed_status_says_how_many_stories_each_rule_held_back_in_the_last_day(
    fake: FakeDiscord, feed_urls: list[str], make_settings: Callable[..., Settings]
) -> None:
    async with running_news_bot(fake, make_settings()):
        await follow_and_subscribe(fake, feed_urls, exclude="storm", per_outlet=1)
        embed = await feed_status(fake)

    assert embed["title"] == "What each digest's rules held back"
    assert embed["description"] == (
        f"<#{fake.channel_id}>, stories of the last 24 hours:\n"
        "• Held back 1 story with an excluded word\n"
        "• Held back 2 stories over the per-outlet cap"
    )


async def test_feed_status_says_so_in_the_users_language_when_no_rule_held_a_story_back(
    fake: FakeDiscord, feed_urls: list[str], make_settings: Callable[..., Settings]
) -> None:
    async with running_news_bot(fake, make_settings()):
        await follow_and_subscribe(fake, feed_urls, per_outlet=0)
        embed = await feed_status(fake, locale="de")

    assert embed["description"] == messages_for("de").gettext(
        "{channel}: its rules held back no story of the last {hours} hours.", channel=f"<#{fake.channel_id}>", hours=24
    )
    assert "keine Meldung" in embed["description"]

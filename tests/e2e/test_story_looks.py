"""How a digest's stories look on Discord, through the real client: each story's picture (the page's,
else the one its feed names), a link button per story, and the footer's reading time."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from bot.settings import Settings
from newsbrief_testkit.fake_discord import FakeDiscord
from newsbrief_testkit.local_site import LocalSite

from .conftest import private_reply, running_news_bot
from .test_digests import ADMIN, ARTICLE, follow_and_subscribe, wait_for_digest

FEED_PICTURE = "https://cdn.example/ferry-from-the-feed.jpg"
PAGE_PICTURE = "https://cdn.example/tunnel-from-the-page.jpg"
OTHER_FEED_PICTURE = "https://cdn.example/tunnel-from-the-feed.jpg"
FERRY = "Night ferry to the islands is cancelled"
TUNNEL = "Harbour tunnel opens two years late"


def item(site: LocalSite, slug: str, title: str, picture: str, *, hours_ago: int) -> str:
    published = format_datetime(datetime.now(UTC) - timedelta(hours=hours_ago))
    return (
        f"<item><title>{title}</title><link>{site.url(f'/pictures/{slug}')}</link><guid>{slug}</guid>"
        f"<description>{title}, the council said on Thursday.</description><pubDate>{published}</pubDate>"
        f'<media:content url="{picture}" medium="image" width="1200" height="800"/></item>'
    )


@pytest.fixture
def pictured_feed(local_site: LocalSite) -> str:
    """A feed of two stories that each name a picture: the ferry's page is gone (the story falls back
    to the feed), the tunnel's page names a picture of its own."""
    tunnel = ARTICLE.format(title=TUNNEL, summary="The harbour tunnel opened to traffic on Thursday.")
    page_picture = f'<meta property="og:image" content="{PAGE_PICTURE}">'
    local_site.add("/pictures/tunnel", tunnel.replace("</head>", f"{page_picture}</head>", 1))
    items = item(local_site, "ferry", FERRY, FEED_PICTURE, hours_ago=1)
    items += item(local_site, "tunnel", TUNNEL, OTHER_FEED_PICTURE, hours_ago=2)
    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>Coastline Herald</title>'
        f"<link>{local_site.url('/pictures')}</link><description>News</description>{items}</channel></rss>"
    )
    return local_site.add("/pictures/feed.xml", body, content_type="application/rss+xml")


async def post_digest_now(
    fake: FakeDiscord, feed_url: str, make_settings: Callable[..., Settings], *, guild_locale: str = "en-US"
) -> dict[str, Any]:
    async with running_news_bot(fake, make_settings()):
        local_time = datetime.now(UTC) + timedelta(hours=3)
        await follow_and_subscribe(fake, [feed_url], local_time=local_time, guild_locale=guild_locale)
        await private_reply(fake, await fake.send_slash_command("digest now", permissions=ADMIN))
        return await wait_for_digest(fake)


async def test_a_story_shows_its_pages_picture_else_the_one_its_feed_names(
    fake: FakeDiscord, pictured_feed: str, make_settings: Callable[..., Settings]
) -> None:
    digest = await post_digest_now(fake, pictured_feed, make_settings)
    pictures = {embed["title"]: embed.get("thumbnail", {}).get("url") for embed in digest["embeds"]}
    assert pictures == {
        FERRY: FEED_PICTURE,
        TUNNEL: PAGE_PICTURE,
    }


async def test_each_story_of_a_digest_message_has_a_link_button_named_for_it(
    fake: FakeDiscord, pictured_feed: str, make_settings: Callable[..., Settings]
) -> None:
    digest = await post_digest_now(fake, pictured_feed, make_settings)
    buttons = [button for row in digest["components"] for button in row["components"]]
    assert [(button["style"], button["label"], button["url"]) for button in buttons] == [
        (5, embed["title"], embed["url"]) for embed in digest["embeds"]
    ]


async def test_a_briefed_storys_footer_gives_its_reading_time_in_the_servers_language(
    fake: FakeDiscord, pictured_feed: str, make_settings: Callable[..., Settings]
) -> None:
    digest = await post_digest_now(fake, pictured_feed, make_settings, guild_locale="de")
    footers = {embed["title"]: embed["footer"]["text"] for embed in digest["embeds"]}
    assert re.fullmatch(r"Coastline Herald · 1 Min\. Lesezeit · \d+ Wörter", footers[TUNNEL])
    assert "Lesezeit" not in footers[FERRY]  # its page is gone: no length to tell

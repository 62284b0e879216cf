"""FeedService: following finds the feed and then stores it, and one rule names a feed everywhere."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.news.errors import NewsError
from bot.services import FeedNotFollowed, FeedService
from tests.newsroom import Newsroom
from tests.store.samples import GUILD, MEMBER, OTHER_GUILD

COURIER = "Harbour Courier"


def site_front_page(feed_url: str | None) -> str:
    """A news site's front page that announces its feed (or, given None, no feed)."""
    link = f"<link rel='alternate' type='application/rss+xml' title='News' href='{feed_url}'>" if feed_url else ""
    return f"<!doctype html><html><head><title>Harbour Courier</title>{link}</head><body><p>News</p></body></html>"


def publish_courier(room: Newsroom) -> str:
    published = room.clock() - timedelta(hours=1)
    return room.publish("/courier.xml", [("ferry", published), ("orchard", published)], title=COURIER)


async def test_following_a_site_finds_the_feed_its_page_announces_and_stores_it(
    newsroom: Newsroom, feed_service: FeedService
) -> None:
    feed_url = publish_courier(newsroom)
    front_page = newsroom.site.add("/", site_front_page(feed_url))

    followed = await feed_service.follow(GUILD, front_page, added_by=MEMBER)

    assert (followed.feed.url, followed.feed.title, followed.found_by, followed.items_now) == (
        feed_url,
        COURIER,
        "link",
        2,
    )
    assert [entry.feed.id for entry in await feed_service.followed(GUILD)] == [followed.feed.id]


async def test_following_a_page_without_a_feed_stores_nothing(newsroom: Newsroom, feed_service: FeedService) -> None:
    front_page = newsroom.site.add("/", site_front_page(None))

    with pytest.raises(NewsError):
        await feed_service.follow(GUILD, front_page, added_by=MEMBER)

    assert await feed_service.followed(GUILD) == []


@pytest.mark.parametrize("name", ["id", "url", "title", "title in another case"])
async def test_a_feed_is_named_by_its_id_its_url_or_its_title_in_any_case(
    newsroom: Newsroom, feed_service: FeedService, name: str
) -> None:
    feed_url = publish_courier(newsroom)
    followed = await feed_service.follow(GUILD, feed_url, added_by=MEMBER)
    names = {
        "id": f" {followed.feed.id} ",
        "url": feed_url,
        "title": COURIER,
        "title in another case": COURIER.upper(),
    }

    assert (await feed_service.find(GUILD, names[name])).feed.id == followed.feed.id


async def test_a_feed_of_another_guild_is_not_found_and_the_error_names_what_was_asked(
    newsroom: Newsroom, feed_service: FeedService
) -> None:
    await feed_service.follow(OTHER_GUILD, publish_courier(newsroom), added_by=MEMBER)

    with pytest.raises(FeedNotFollowed, match="“Harbour Courier”"):
        await feed_service.find(GUILD, COURIER)


async def test_unfollowing_removes_the_feed_from_the_guild_only(newsroom: Newsroom, feed_service: FeedService) -> None:
    feed_url = publish_courier(newsroom)
    await feed_service.follow(GUILD, feed_url, added_by=MEMBER)
    await feed_service.follow(OTHER_GUILD, feed_url, added_by=MEMBER)

    removed = await feed_service.unfollow(GUILD, COURIER.lower())

    assert removed.url == feed_url
    assert (await feed_service.followed(GUILD), len(await feed_service.followed(OTHER_GUILD))) == ([], 1)


async def test_search_matches_the_title_or_the_url_in_any_case(newsroom: Newsroom, feed_service: FeedService) -> None:
    await feed_service.follow(GUILD, publish_courier(newsroom), added_by=MEMBER)

    found = [await feed_service.search(GUILD, typed) for typed in ("harb", "COURIER.XML", "tribune")]

    assert [len(entries) for entries in found] == [1, 1, 0]


async def test_status_counts_each_feeds_stored_and_recent_items(newsroom: Newsroom, feed_service: FeedService) -> None:
    followed = await feed_service.follow(GUILD, publish_courier(newsroom), added_by=MEMBER)
    await newsroom.refresher.refresh_due()
    newsroom.clock.advance(timedelta(days=2))

    report = await feed_service.status(GUILD)

    assert [(status.feed.id, status.stored_items, status.recent_items) for status in report.feeds] == [
        (followed.feed.id, 2, 0)
    ]
    assert report.failing == 0


async def test_status_of_one_feed_not_followed_raises(newsroom: Newsroom, feed_service: FeedService) -> None:
    with pytest.raises(FeedNotFollowed):
        await feed_service.status(GUILD, "Harbour Courier")

"""FeedService: following finds the feed and then stores it, and one rule names a feed everywhere."""

from __future__ import annotations

import ipaddress
from datetime import time, timedelta
from html import escape

import pytest

from bot.news.errors import NewsError
from bot.news.fetch import AddressPolicy, Fetcher
from bot.news.filters import HeldBack, StoryFilter
from bot.news.opml import OpmlError, parse_opml
from bot.services import HELD_BACK_WINDOW, FeedNotFollowed, FeedService, ImportOutcome, ImportReport
from bot.store import MAX_FEEDS_PER_GUILD
from tests.newsroom import Newsroom
from tests.store.samples import CHANNEL, GUILD, MEMBER, OTHER_GUILD

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


# --- OPML import and export ----------------------------------------------------------------------


def opml(*urls: str) -> bytes:
    rows = "".join(f'<outline type="rss" text="Feed {n}" xmlUrl="{escape(url)}"/>' for n, url in enumerate(urls))
    return f'<?xml version="1.0"?><opml version="2.0"><head/><body>{rows}</body></opml>'.encode()


def outcomes(report: ImportReport) -> list[tuple[str, ImportOutcome]]:
    return [(imported.listed.url, imported.outcome) for imported in report.feeds]


async def test_import_reports_every_feed_of_the_file_in_order(newsroom: Newsroom, feed_service: FeedService) -> None:
    courier = publish_courier(newsroom)
    followed_before = newsroom.publish("/gazette.xml", [], title="Gazette")
    await feed_service.follow(GUILD, followed_before, added_by=MEMBER)
    page = newsroom.site.add("/about", site_front_page(None))
    gone = newsroom.site.url("/gone.xml")

    report = await feed_service.import_opml(GUILD, opml(courier, followed_before, page, gone), added_by=MEMBER)

    assert outcomes(report) == [
        (courier, ImportOutcome.FOLLOWED),
        (followed_before, ImportOutcome.ALREADY_FOLLOWING),
        (page, ImportOutcome.NOT_A_FEED),
        (gone, ImportOutcome.NOT_A_FEED),
    ]
    assert [entry.feed.url for entry in await feed_service.followed(GUILD)] == [followed_before, courier]


async def test_import_follows_only_up_to_the_feed_limit_and_reports_the_rest(
    newsroom: Newsroom, feed_service: FeedService
) -> None:
    for n in range(MAX_FEEDS_PER_GUILD - 1):
        await newsroom.follow(f"https://feed{n}.example/rss")
    feeds = [newsroom.publish(f"/f{n}.xml", [], title=f"F{n}") for n in range(3)]
    missing = newsroom.site.url("/missing.xml")

    report = await feed_service.import_opml(GUILD, opml(missing, *feeds), added_by=MEMBER)

    assert outcomes(report) == [
        (missing, ImportOutcome.NOT_A_FEED),
        (feeds[0], ImportOutcome.FOLLOWED),
        (feeds[1], ImportOutcome.OVER_LIMIT),
        (feeds[2], ImportOutcome.OVER_LIMIT),
    ]


async def test_import_refuses_the_addresses_the_fetcher_refuses(newsroom: Newsroom) -> None:
    feed_url = publish_courier(newsroom)
    loopback_only = AddressPolicy(allowed_networks=(ipaddress.ip_network("127.0.0.1/32"),))
    async with Fetcher(address_policy=loopback_only) as fetcher:
        service = FeedService(store=newsroom.store, fetcher=fetcher, clock=newsroom.clock)
        private = feed_url.replace("127.0.0.1", "10.0.0.7")

        report = await service.import_opml(GUILD, opml(private, "ftp://files.example/feed"), added_by=MEMBER)

    assert [imported.outcome for imported in report.feeds] == [ImportOutcome.REFUSED_ADDRESS] * 2
    assert await service.followed(GUILD) == []


async def test_import_of_a_refused_file_follows_nothing(newsroom: Newsroom, feed_service: FeedService) -> None:
    feed_url = publish_courier(newsroom)

    with pytest.raises(OpmlError):
        await feed_service.import_opml(GUILD, opml(feed_url).replace(b"<body>", b"<body><broken>"), added_by=MEMBER)

    assert await feed_service.followed(GUILD) == []


async def test_export_lists_the_guild_feeds_as_opml_that_imports_back(
    newsroom: Newsroom, feed_service: FeedService
) -> None:
    feed_url = publish_courier(newsroom)
    await feed_service.follow(GUILD, feed_url, added_by=MEMBER)

    exported = await feed_service.export_opml(GUILD, title="Feeds of Coast")

    assert exported.feeds == 1
    assert [(feed.url, feed.title) for feed in parse_opml(exported.data)] == [(feed_url, COURIER)]
    report = await feed_service.import_opml(OTHER_GUILD, exported.data, added_by=MEMBER)
    assert outcomes(report) == [(feed_url, ImportOutcome.FOLLOWED)]


async def subscribe_with_rules(room: Newsroom, story_filter: StoryFilter) -> None:
    await room.store.subscribe(
        GUILD, CHANNEL, created_by=MEMBER, local_time=time(7, 30), timezone="UTC", story_filter=story_filter
    )


async def test_held_back_counts_what_each_digest_rule_kept_out_of_the_days_stories(
    newsroom: Newsroom, feed_service: FeedService
) -> None:
    published = newsroom.clock() - timedelta(hours=1)
    slugs = ["ferry", "orchard", "observatory", "chess"]
    url = newsroom.publish("/courier.xml", [(slug, published) for slug in slugs], title=COURIER)
    await feed_service.follow(GUILD, url, added_by=MEMBER)
    await newsroom.refresher.refresh_due()
    await subscribe_with_rules(newsroom, StoryFilter(exclude=("frost",), max_per_outlet=1))

    (found,) = await feed_service.held_back(GUILD)

    assert found.subscription.channel_id == CHANNEL
    assert found.held_back == HeldBack(excluded=1, outlet_cap=2)  # the frost story; two of the three left


async def test_held_back_leaves_out_the_stories_of_more_than_a_day_ago(
    newsroom: Newsroom, feed_service: FeedService
) -> None:
    url = newsroom.publish("/courier.xml", [("orchard", newsroom.clock() - timedelta(hours=1))], title=COURIER)
    await feed_service.follow(GUILD, url, added_by=MEMBER)
    await newsroom.refresher.refresh_due()
    await subscribe_with_rules(newsroom, StoryFilter(exclude=("frost",)))
    newsroom.clock.advance(HELD_BACK_WINDOW + timedelta(minutes=1))

    (found,) = await feed_service.held_back(GUILD)

    assert found.held_back == HeldBack()


async def test_held_back_of_a_guild_without_digests_is_empty(feed_service: FeedService) -> None:
    assert await feed_service.held_back(GUILD) == []

"""Building a digest: stories across outlets, ranked, summarized from their pages or their feeds."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.news.digest import (
    Digest,
    DigestStory,
    build_digest,
    digest_feed_sources,
    digest_title,
    keyword_counter,
    rank_stories,
)
from bot.news.errors import FetchError, InputError
from bot.news.feeds import FeedItem, parse_feed
from bot.news.fetch import Fetcher
from bot.news.models import Briefing
from bot.news.pipeline import Pipeline, brief_text
from bot.news.stories import Story
from newsbrief_testkit.local_site import LocalSite
from tests.conftest import DIGEST_FEEDS, DIGEST_FIXTURES, render_digest_feed

ZONE = ZoneInfo("Europe/Lisbon")


def local_items(site: LocalSite, now: datetime) -> list[FeedItem]:
    """Every item of the three outlets' feeds, linking to pages on the local site."""
    items: list[FeedItem] = []
    for name in DIGEST_FEEDS:
        feed = parse_feed(render_digest_feed(name, site=site.url(""), now=now), url=site.url(f"/{name}/feed.xml"))
        items.extend(feed.items)
    return items


def story_titled(digest: Digest, start: str) -> DigestStory:
    (story,) = [story for story in digest.stories if story.title.startswith(start)]
    return story


@pytest.fixture
async def pipeline() -> AsyncIterator[Pipeline]:
    async with Fetcher(allow_private=True, total_timeout=10) as fetcher:
        yield Pipeline(fetcher=fetcher)


@pytest.fixture
def now() -> datetime:
    return datetime.now(ZONE)


async def test_three_outlets_covering_one_event_become_one_story_with_every_link(
    digest_site: LocalSite, pipeline: Pipeline, now: datetime
) -> None:
    digest = await build_digest(local_items(digest_site, now), pipeline=pipeline, local_now=now)

    bridge = story_titled(digest, "Harbour bridge closed")
    assert set(bridge.outlets) == {"Harbour Gazette", "Bay Radio News", "Coast Times"}
    assert set(bridge.links) == {digest_site.url(f"/{outlet}/bridge") for outlet in DIGEST_FEEDS}


async def test_story_carries_the_item_key_of_every_outlet(
    digest_site: LocalSite, pipeline: Pipeline, now: datetime
) -> None:
    digest = await build_digest(local_items(digest_site, now), pipeline=pipeline, local_now=now)

    assert set(story_titled(digest, "Harbour bridge closed").item_keys) == {
        (digest_site.url("/gazette/feed.xml"), "guid:gazette-7781"),
        (digest_site.url("/radio/feed.xml"), f"guid:{digest_site.url('/radio/bridge')}"),
        (digest_site.url("/times/feed.xml"), "guid:urn:coast-times:4410"),
    }


async def test_story_is_summarized_from_its_page_with_a_key_quote(
    digest_site: LocalSite, pipeline: Pipeline, now: datetime
) -> None:
    digest = await build_digest(local_items(digest_site, now), pipeline=pipeline, local_now=now, summary_sentences=2)

    library = story_titled(digest, "Central library")
    page = (DIGEST_FIXTURES / "library.html").read_text(encoding="utf-8")
    assert (library.from_feed_summary, len(library.summary)) == (False, 2)
    assert all(sentence in page for sentence in library.summary)
    assert library.key_quote is not None
    assert library.key_quote.speaker == "Grace Holloway"


async def test_story_whose_page_is_missing_falls_back_to_the_feed_summary(
    digest_site: LocalSite, pipeline: Pipeline, now: datetime
) -> None:
    digest = await build_digest(local_items(digest_site, now), pipeline=pipeline, local_now=now, summary_sentences=2)

    ferry = story_titled(digest, "Ferry fares")
    assert ferry.from_feed_summary is True
    assert ferry.summary == (
        "Ferry fares across the bay will rise by 8 percent from April, the operator said.",
        "A single adult ticket will cost €6.50.",
    )
    assert ferry.key_quote is None


async def test_keyword_puts_the_matching_story_first_and_keeps_the_rest(
    digest_site: LocalSite, pipeline: Pipeline, now: datetime
) -> None:
    items = local_items(digest_site, now)
    digest = await build_digest(items, pipeline=pipeline, local_now=now, keywords=["LIBRARY"])

    assert [story.keywords_matched for story in digest.stories][:2] == [1, 0]
    assert digest.stories[0].title.startswith("Central library")
    assert len(digest.stories) == 5


async def test_without_keywords_stories_go_by_outlets_then_recency(
    digest_site: LocalSite, pipeline: Pipeline, now: datetime
) -> None:
    digest = await build_digest(local_items(digest_site, now), pipeline=pipeline, local_now=now)

    titles = [story.title.split()[0] for story in digest.stories]
    assert titles == ["Harbour", "Council", "Ferry", "Central", "Councillors"]


async def test_max_stories_keeps_the_top_stories_and_briefs_only_them(
    digest_site: LocalSite, pipeline: Pipeline, now: datetime
) -> None:
    items = local_items(digest_site, now)
    digest = await build_digest(items, pipeline=pipeline, local_now=now, max_stories=2, keywords=["night buses"])

    assert [story.title[:18] for story in digest.stories] == ["Council votes to r", "Harbour bridge clo"]
    assert digest_site.hits["/times/library"] == 0


async def test_source_count_counts_the_outlets_of_the_stories_shown(
    digest_site: LocalSite, pipeline: Pipeline, now: datetime
) -> None:
    items = local_items(digest_site, now)
    full = await build_digest(items, pipeline=pipeline, local_now=now)
    one = await build_digest(items, pipeline=pipeline, local_now=now, max_stories=1, keywords=["ferry"])

    assert (full.source_count, one.source_count) == (3, 1)


async def test_link_repeated_in_two_feeds_carries_both_item_keys(
    digest_site: LocalSite, pipeline: Pipeline, now: datetime
) -> None:
    items = local_items(digest_site, now)
    library = next(item for item in items if item.title.startswith("Central library"))
    section_copy = FeedItem(
        key="guid:culture-4402",
        title=library.title,
        link=f"{library.link}?utm_source=culture",
        summary=library.summary,
        published=library.published,
        authors=(),
        feed_url=digest_site.url("/times/culture.xml"),
        source="Coast Times",
    )
    digest = await build_digest([*items, section_copy], pipeline=pipeline, local_now=now)

    assert set(story_titled(digest, "Central library").item_keys) == {
        (library.feed_url, library.key),
        (section_copy.feed_url, section_copy.key),
    }


def write_feed(folder: Path, name: str, *, site: LocalSite, now: datetime) -> str:
    path = folder / f"{name}.xml"
    path.write_bytes(render_digest_feed(name, site=site.url(""), now=now))
    return str(path)


async def test_feed_sources_keep_only_items_within_max_age(
    digest_site: LocalSite, pipeline: Pipeline, now: datetime, tmp_path: Path
) -> None:
    gazette = write_feed(tmp_path, "gazette", site=digest_site, now=now)

    day = await digest_feed_sources([gazette], pipeline=pipeline, max_age=timedelta(hours=24), concurrency=2)
    two_days = await digest_feed_sources([gazette], pipeline=pipeline, max_age=timedelta(days=2), concurrency=2)

    assert (len(day.digest.stories), len(two_days.digest.stories)) == (2, 3)


async def test_feed_source_that_is_a_site_is_read_through_the_feed_it_announces(
    digest_site: LocalSite, pipeline: Pipeline, now: datetime
) -> None:
    digest_site.add(
        "/times/feed.xml",
        render_digest_feed("times", site=digest_site.url(""), now=now),
        content_type="application/atom+xml; charset=utf-8",
    )
    home = digest_site.add(
        "/times/",
        '<html><head><title>Coast Times</title><link rel="alternate" type="application/atom+xml" '
        'href="/times/feed.xml"></head><body><h1>Coast Times</h1></body></html>',
    )

    result = await digest_feed_sources(
        [home], pipeline=pipeline, max_age=timedelta(hours=24), concurrency=2, keywords=["library"]
    )

    first = result.digest.stories[0]
    assert (first.title, first.keywords_matched) == ("Central library reopens a year after flood", 1)


async def test_feed_source_that_fails_is_named_with_its_error_and_the_others_go_on(
    digest_site: LocalSite, pipeline: Pipeline, now: datetime, tmp_path: Path
) -> None:
    gazette = write_feed(tmp_path, "gazette", site=digest_site, now=now)
    dead = digest_site.url("/dead/feed.xml")
    missing = str(tmp_path / "missing.xml")

    result = await digest_feed_sources(
        [dead, gazette, missing], pipeline=pipeline, max_age=timedelta(hours=24), concurrency=2
    )

    assert [(failure.source, type(failure.error)) for failure in result.failures] == [
        (dead, FetchError),
        (missing, InputError),
    ]
    assert result.digest.failing_feeds == (dead, missing)
    assert len(result.digest.stories) == 2


async def test_empty_input_gives_a_digest_without_stories(pipeline: Pipeline) -> None:
    morning = datetime(2026, 11, 25, 7, 0, tzinfo=ZONE)
    digest = await build_digest([], pipeline=pipeline, local_now=morning, failing_feeds=["Coast Times"])

    assert digest == Digest(
        title="Morning briefing",
        local_date=date(2026, 11, 25),
        stories=(),
        source_count=0,
        failing_feeds=("Coast Times",),
    )


async def test_naive_local_now_is_refused(pipeline: Pipeline) -> None:
    with pytest.raises(ValueError, match="aware"):
        await build_digest([], pipeline=pipeline, local_now=datetime(2026, 11, 25, 7, 0))  # noqa: DTZ001  the naive time under test


BRIEF_TEXT = (
    "Officials confirmed the decision on Tuesday after a long meeting. The change takes effect next month. "
    "Residents will be told by letter. A review is planned for the spring."
)
UNRELATED_TITLES = (
    "Wildfire forces evacuation of hillside villages",
    "Striking teachers reject latest pay offer",
    "Museum returns looted bronze statues",
    "Airport runway repairs delay morning flights",
    "Hospital opens new cancer treatment wing",
    "Football club sacks manager after defeat",
    "Bakery chain recalls bread over allergy fears",
    "Orchestra cancels tour as funding dries up",
)


class CountingPipeline(Pipeline):
    """Briefs a fixed text after a pause, counting how many briefings run at once."""

    def __init__(self) -> None:
        super().__init__(fetcher=Fetcher())
        self.running = 0
        self.most_at_once = 0

    async def brief_url(self, url: str, *, sentences: int | None = None) -> Briefing:
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        try:
            await asyncio.sleep(0.02)
            return brief_text(BRIEF_TEXT, url=url, sentences=sentences)
        finally:
            self.running -= 1


def make_item(title: str, *, source: str, hours_ago: float = 1.0, summary: str = "") -> FeedItem:
    slug = "-".join(title.lower().split()[:4])
    return FeedItem(
        key=f"guid:{slug}",
        title=title,
        link=f"https://{source.lower().replace(' ', '')}.example/{slug}",
        summary=summary,
        published=datetime(2026, 11, 25, 6, 0, tzinfo=UTC) - timedelta(hours=hours_ago),
        authors=(),
        feed_url=f"https://{source.lower().replace(' ', '')}.example/feed.xml",
        source=source,
        language="en",
    )


async def test_story_pages_are_briefed_at_most_four_at_once() -> None:
    counting = CountingPipeline()
    items = [make_item(title, source=f"Outlet {n}") for n, title in enumerate(UNRELATED_TITLES)]
    try:
        digest = await build_digest(items, pipeline=counting, local_now=datetime(2026, 11, 25, 9, 0, tzinfo=ZONE))
    finally:
        await counting.fetcher.close()

    assert (len(digest.stories), counting.most_at_once) == (8, 4)


# --- ranking (pure) ------------------------------------------------------------------------------

NOW = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


def single_story(item: FeedItem, *others: FeedItem) -> Story:
    items = (item, *others)
    return Story(
        title=item.title,
        representative=item,
        items=items,
        outlets=tuple(entry.source for entry in items),
        published=item.published,
    )


def test_rank_puts_more_outlets_before_fewer() -> None:
    lone = single_story(make_item("Wildfire forces evacuation", source="A", hours_ago=0.5))
    shared = single_story(
        make_item("Museum returns bronzes", source="A", hours_ago=5),
        make_item("Museum hands back bronzes", source="B", hours_ago=4),
    )
    assert rank_stories([lone, shared], now=NOW) == [shared, lone]


def test_rank_puts_the_newer_story_first_among_equals() -> None:
    older = single_story(make_item("Wildfire forces evacuation", source="A", hours_ago=9))
    newer = single_story(make_item("Museum returns bronzes", source="B", hours_ago=2))
    undated = single_story(FeedItem("guid:x", "Orchestra cancels tour", None, "", None, (), "https://c/feed", "C"))
    assert rank_stories([undated, older, newer], now=NOW) == [newer, older, undated]


def test_rank_treats_a_story_dated_in_the_future_as_published_now() -> None:
    future = single_story(make_item("Wildfire forces evacuation", source="A", hours_ago=-30))
    current = single_story(make_item("Museum returns bronzes", source="B", hours_ago=0))
    assert rank_stories([future, current], now=NOW) == [future, current]
    assert rank_stories([current, future], now=NOW) == [current, future]


def test_rank_puts_a_story_matching_more_keywords_first() -> None:
    one = single_story(make_item("Teachers strike over pay", source="A", hours_ago=1))
    two = single_story(make_item("Teachers strike closes schools", source="B", hours_ago=9, summary="Pay talks fail."))
    assert rank_stories([one, two], keywords=["pay", "schools"], now=NOW) == [two, one]


def test_keywords_match_whole_words_only() -> None:
    story = single_story(make_item("Night buses approved for business district", source="A"))
    assert keyword_counter(["bus", "business", "district"])(story) == 2


def test_keywords_match_in_any_case_and_across_line_breaks() -> None:
    story = single_story(make_item("Harbour bridge closed", source="A", summary="The HARBOUR\nbridge shut."))
    assert keyword_counter(["harbour bridge", "Bridge", "", "  "])(story) == 2


def test_keywords_ending_in_a_symbol_still_match() -> None:
    story = single_story(make_item("Compiler team ships C++ modules", source="A"))
    assert keyword_counter(["C++", "C#"])(story) == 1


# --- naming -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hour", "minute", "title"),
    [
        (0, 0, "Morning briefing"),
        (11, 59, "Morning briefing"),
        (12, 0, "Afternoon briefing"),
        (17, 59, "Afternoon briefing"),
        (18, 0, "Evening briefing"),
        (23, 59, "Evening briefing"),
    ],
)
def test_digest_title_follows_the_local_time_of_day(hour: int, minute: int, title: str) -> None:
    assert digest_title(datetime(2026, 11, 25, hour, minute, tzinfo=ZONE)) == title

"""Building a digest: stories across outlets, ranked, summarized from their pages or their feeds."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
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
from bot.news.filters import HeldBack, StoryFilter
from bot.news.models import Briefing, PageBrief, Quote
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


async def test_outlet_named_by_its_host_takes_the_site_name_of_the_briefed_page(
    digest_site: LocalSite, pipeline: Pipeline, now: datetime
) -> None:
    link = digest_site.url("/times/library")
    alert = FeedItem(
        key="guid:alert-1",
        title="Central library to open on Sundays",
        link=link,
        summary="",
        published=now.astimezone(UTC),
        authors=(),
        feed_url="https://www.google.com/alerts/feeds/1/2",
        source="127.0.0.1",  # as the feed reader names the site of an alert feed's item
    )

    digest = await build_digest([alert], pipeline=pipeline, local_now=now)

    (story,) = digest.stories
    assert (story.outlets, story.outlet_links) == (("Coast Times",), (("Coast Times", link),))


# --- what gets in --------------------------------------------------------------------------------

LISBON_MORNING = datetime(2026, 11, 25, 9, 0, tzinfo=ZONE)


def unlinked_item(title: str, *, source: str, summary: str = "", hours_ago: float = 1.0) -> FeedItem:
    """An item without a link: its story is told from the feed alone, no page fetched."""
    return FeedItem(
        key=f"guid:{source}:{title}",
        title=title,
        link=None,
        summary=summary,
        published=datetime(2026, 11, 25, 6, 0, tzinfo=UTC) - timedelta(hours=hours_ago),
        authors=(),
        feed_url=f"https://{source.lower().replace(' ', '')}.example/feed.xml",
        source=source,
    )


async def filtered(
    pipeline: Pipeline, items: list[FeedItem], story_filter: StoryFilter, *, max_stories: int = 10
) -> Digest:
    return await build_digest(
        items, pipeline=pipeline, local_now=LISBON_MORNING, story_filter=story_filter, max_stories=max_stories
    )


def titles(digest: Digest) -> list[str]:
    return [story.title for story in digest.stories]


async def test_exclude_word_keeps_its_stories_out_and_counts_them(pipeline: Pipeline) -> None:
    items = [
        unlinked_item("Football club sacks manager", source="A"),
        unlinked_item("Museum returns bronzes", source="B", summary="The football-mad curator wept."),
        unlinked_item("Hospital opens cancer wing", source="C"),
    ]
    digest = await filtered(pipeline, items, StoryFilter(exclude=("FOOTBALL",)))

    assert (titles(digest), digest.held_back) == (["Hospital opens cancer wing"], HeldBack(excluded=2))


async def test_include_word_lets_in_only_the_stories_that_name_it(pipeline: Pipeline) -> None:
    items = [
        unlinked_item("Air raid sirens in Kyiv overnight", source="A"),
        unlinked_item("Kyivstar restores its mobile network", source="B"),
        unlinked_item("Mayor speaks", source="C", summary="Kyiv's mayor said the metro stays open."),
    ]
    digest = await filtered(pipeline, items, StoryFilter(include=("kyiv",)))

    assert set(titles(digest)) == {"Air raid sirens in Kyiv overnight", "Mayor speaks"}
    assert digest.held_back == HeldBack(not_included=1)


async def test_include_word_in_cyrillic_matches_any_case_but_not_a_longer_word(pipeline: Pipeline) -> None:
    items = [
        unlinked_item("КИЇВ: нічна тривога", source="A"),
        unlinked_item("Київстар відновив зв'язок", source="B"),
    ]
    digest = await filtered(pipeline, items, StoryFilter(include=("Київ",)))

    assert titles(digest) == ["КИЇВ: нічна тривога"]


async def test_include_word_in_japanese_matches_inside_a_sentence_without_spaces(pipeline: Pipeline) -> None:
    items = [
        unlinked_item("東京都で大雪が降った", source="A"),
        unlinked_item("大阪で祭りが開かれた", source="B"),
    ]
    digest = await filtered(pipeline, items, StoryFilter(include=("東京",)))

    assert (titles(digest), digest.held_back.not_included) == (["東京都で大雪が降った"], 1)


async def test_exclude_wins_over_include_and_a_story_is_counted_once(pipeline: Pipeline) -> None:
    items = [unlinked_item("Kyiv football derby postponed", source="A"), unlinked_item("Bakery recall", source="B")]
    digest = await filtered(pipeline, items, StoryFilter(include=("kyiv",), exclude=("football",)))

    assert (titles(digest), digest.held_back) == ([], HeldBack(excluded=1, not_included=1))


async def test_exclude_word_named_only_on_the_page_gives_the_place_to_the_next_story(
    local_site: LocalSite, pipeline: Pipeline
) -> None:
    derby = local_site.add("/derby", article_page(*DERBY_PARAGRAPHS, "Football fans were told to stay at home."))
    items = [
        make_item("City derby postponed by snow", source="A", hours_ago=0.5),
        make_item("Museum returns looted bronzes", source="B", hours_ago=2),
        make_item("Orchestra cancels its tour", source="C", hours_ago=3),
    ]
    items[0] = replace(items[0], link=derby)
    items[1:] = [replace(item, link=None) for item in items[1:]]

    digest = await filtered(pipeline, items, StoryFilter(exclude=("football",)), max_stories=2)

    assert titles(digest) == ["Museum returns looted bronzes", "Orchestra cancels its tour"]
    assert digest.held_back == HeldBack(excluded=1)


def busy_and_quiet_items(busy: int, quiet: int) -> list[FeedItem]:
    """`busy` stories from one outlet, all newer than the `quiet` stories of other outlets."""
    items = [unlinked_item(title, source="Busy Wire", hours_ago=0.1 * n) for n, title in enumerate(MANY_TITLES[:busy])]
    items += [
        unlinked_item(title, source=f"Quiet {n}", hours_ago=5 + n)
        for n, title in enumerate(MANY_TITLES[busy : busy + quiet])
    ]
    return items


MANY_TITLES = (
    *UNRELATED_TITLES,
    "Glacier retreat speeds up in the Alps",
    "Parliament debates new housing bill",
    "Chess prodigy wins national title",
    "Satellite launch delayed by strong winds",
    "Volcano eruption grounds regional flights",
    "Library extends weekend opening hours",
    "Fishermen protest new quota rules",
    "Tram line extension opens to passengers",
)


def article_page(*paragraphs: str, head: str = "") -> str:
    body = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    return f"<html><head><title>News</title>{head}</head><body><article>{body}</article></body></html>"


DERBY_PARAGRAPHS = (
    "The derby between the two city clubs was postponed on Saturday after heavy snow covered the pitch overnight.",
    "Groundstaff worked through the night but the referee ruled the surface unsafe two hours before kick-off.",
    "Both clubs said tickets would remain valid for the rearranged match, which is expected in early January.",
    "It is the first time in eleven years that the fixture has been called off because of the weather.",
)


async def test_by_default_one_outlet_fills_at_most_half_the_digest(pipeline: Pipeline) -> None:
    digest = await filtered(pipeline, busy_and_quiet_items(12, 3), StoryFilter(), max_stories=10)

    outlets = [story.outlets[0] for story in digest.stories]
    assert (outlets.count("Busy Wire"), len(outlets)) == (5, 8)
    assert digest.held_back == HeldBack(outlet_cap=5)


async def test_default_cap_is_lifted_when_one_outlet_has_every_story(pipeline: Pipeline) -> None:
    digest = await filtered(pipeline, busy_and_quiet_items(12, 0), StoryFilter(), max_stories=10)

    assert (len(digest.stories), digest.held_back.outlet_cap) == (10, 0)


async def test_max_per_outlet_sets_the_cap(pipeline: Pipeline) -> None:
    digest = await filtered(pipeline, busy_and_quiet_items(12, 3), StoryFilter(max_per_outlet=2), max_stories=10)

    assert [story.outlets[0] for story in digest.stories].count("Busy Wire") == 2


async def test_max_per_outlet_zero_is_no_cap(pipeline: Pipeline) -> None:
    digest = await filtered(pipeline, busy_and_quiet_items(12, 3), StoryFilter(max_per_outlet=0), max_stories=10)

    assert ([story.outlets[0] for story in digest.stories].count("Busy Wire"), digest.held_back.outlet_cap) == (10, 0)


async def test_a_story_several_outlets_covered_does_not_count_against_the_cap(pipeline: Pipeline) -> None:
    items = busy_and_quiet_items(3, 1)
    items.append(unlinked_item(MANY_TITLES[0], source="Quiet 9"))  # the busy outlet's first story, also elsewhere
    digest = await filtered(pipeline, items, StoryFilter(max_per_outlet=2), max_stories=10)

    assert len(digest.stories) == 4  # the shared story, two of the busy outlet's own, the quiet one


async def test_min_outlets_keeps_only_stories_covered_that_widely(pipeline: Pipeline) -> None:
    items = [
        unlinked_item("Harbour bridge closed after cracks found", source="A"),
        unlinked_item("Harbour bridge closed after cracks found", source="B"),
        unlinked_item("Bakery recalls bread", source="C"),
    ]
    digest = await filtered(pipeline, items, StoryFilter(min_outlets=2))

    assert (titles(digest), digest.held_back) == (
        ["Harbour bridge closed after cracks found"],
        HeldBack(too_few_outlets=1),
    )


async def test_story_carries_the_pictures_of_its_page_else_of_its_feed(
    local_site: LocalSite, pipeline: Pipeline
) -> None:
    head = '<meta property="og:image" content="/pictures/bridge.jpg">'
    page = local_site.add("/bridge", article_page(*DERBY_PARAGRAPHS, head=head))
    with_page = replace(make_item("Harbour bridge closed", source="A"), link=page, image="https://a.example/feed.jpg")
    feed_only = replace(make_item("Bakery recalls bread", source="B"), link=None, image="https://b.example/bread.jpg")

    digest = await build_digest([with_page, feed_only], pipeline=pipeline, local_now=LISBON_MORNING)

    assert {story.title: story.image for story in digest.stories} == {
        "Harbour bridge closed": local_site.url("/pictures/bridge.jpg"),
        "Bakery recalls bread": "https://b.example/bread.jpg",
    }


async def test_a_story_briefed_ahead_carries_its_pages_length(
    digest_site: LocalSite, pipeline: Pipeline, now: datetime
) -> None:
    library_link = digest_site.url("/times/library")
    brief = PageBrief(url=library_link, summary=("The library reopens on Monday.",), word_count=471)

    async def stored(links: Sequence[str]) -> dict[str, PageBrief]:
        return {link: brief for link in links if link == library_link}

    digest = await build_digest(local_items(digest_site, now), pipeline=pipeline, local_now=now, briefs=stored)

    assert {story.title: story.word_count for story in digest.stories if story.word_count} == {
        story_titled(digest, "Central library").title: 471
    }


async def test_stories_take_briefs_handed_in_and_no_page_is_fetched(
    digest_site: LocalSite, pipeline: Pipeline, now: datetime
) -> None:
    library_link = digest_site.url("/times/library")
    brief = PageBrief(
        url=library_link,
        summary=("The library reopens on Monday.", "Its reading room has new lamps.", "Entry stays free."),
        quotes=(Quote(text="We missed our readers.", speaker="Grace Holloway"),),
        image="https://coast-times.example/library.jpg",
        site="Coast Times",
    )
    asked: list[list[str]] = []

    async def stored(links: Sequence[str]) -> dict[str, PageBrief]:
        asked.append(list(links))
        return {link: brief for link in links if link == library_link}

    digest = await build_digest(
        local_items(digest_site, now), pipeline=pipeline, local_now=now, summary_sentences=2, briefs=stored
    )

    library = story_titled(digest, "Central library")
    assert (library.summary, library.key_quote, library.image, library.from_feed_summary) == (
        brief.summary[:2],
        brief.quotes[0],
        brief.image,
        False,
    )
    assert all(story.from_feed_summary for story in digest.stories if story is not library)
    assert library_link in asked[0]
    assert not [path for path in digest_site.hits if not path.endswith(".xml")]

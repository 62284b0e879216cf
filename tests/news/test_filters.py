"""What gets into a digest, decided on stories alone: the word and outlet-count rules, the per-outlet cap."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.news.feeds import FeedItem
from bot.news.filters import (
    HeldBack,
    StoryFilter,
    default_outlet_cap,
    outlet_cap,
    select_stories,
    sift_stories,
)
from bot.news.stories import Story, group_stories


def story(title: str, *outlets: str, summary: str = "") -> Story:
    """One story reported by `outlets` under the same headline."""
    items = [
        FeedItem(
            key=f"guid:{outlet}:{title}",
            title=title,
            link=None,
            summary=summary,
            published=datetime(2026, 11, 25, 6, 0, tzinfo=UTC),
            authors=(),
            feed_url=f"https://{outlet.lower()}.example/feed.xml",
            source=outlet,
        )
        for outlet in outlets
    ]
    (grouped,) = group_stories(items)
    return grouped


def test_sift_counts_a_story_breaking_several_rules_once_under_the_first() -> None:
    stories = [
        story("Derby postponed as snow covers the pitch", "Wire"),  # excluded, no include word, one outlet
        story("Kyiv metro extends its night service", "Wire"),  # one outlet only
        story("Kyiv metro extends its night service", "Post", "Daily"),
    ]
    sifted = sift_stories(stories, StoryFilter(include=("Kyiv",), exclude=("snow",), min_outlets=2))

    assert [len(kept.outlets) for kept in sifted.stories] == [2]
    assert sifted.held_back == HeldBack(excluded=1, too_few_outlets=1)


def test_sift_matches_words_in_the_feeds_summary_too() -> None:
    stories = [story("Council meeting tonight", "Wire", summary="The vote on the Straße plan is expected.")]
    sifted = sift_stories(stories, StoryFilter(exclude=("STRASSE",)))
    assert (sifted.stories, sifted.held_back) == ([], HeldBack(excluded=1))


def test_select_skips_an_outlets_stories_past_its_cap_but_not_a_shared_one() -> None:
    stories = [
        story("One", "Busy"),
        story("Two", "Busy"),
        story("Shared", "Busy", "Quiet"),
        story("Three", "Busy"),
        story("Also shared", "Busy", "Quiet"),
        story("Four", "Quiet"),
    ]
    assert select_stories(stories, max_stories=10, cap=1, rejected=set()) == [0, 2, 4, 5]
    assert select_stories(stories, max_stories=4, cap=None, rejected={1}) == [0, 2, 3, 4]


def test_the_default_cap_is_half_the_digest_unless_one_outlet_has_every_story() -> None:
    mixed = [story("One", "Busy"), story("Two", "Quiet")]
    alone = [story("One", "Busy"), story("Two", "Busy")]

    assert outlet_cap(StoryFilter(), mixed, 10) == default_outlet_cap(10) == 5
    assert outlet_cap(StoryFilter(), alone, 10) is None
    assert (outlet_cap(StoryFilter(max_per_outlet=0), mixed, 10), default_outlet_cap(1)) == (None, 1)


@pytest.mark.parametrize("options", [{"max_per_outlet": -1}, {"min_outlets": 0}])
def test_story_filter_refuses_impossible_values(options: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="must be"):
        StoryFilter(**options)  # type: ignore[arg-type]

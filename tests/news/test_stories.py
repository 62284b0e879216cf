"""Grouping one event told by several outlets into one story."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from bot.news.feeds import FeedItem
from bot.news.stories import Story, group_stories, similarity_matrix

FIXTURES = Path(__file__).parent / "fixtures" / "stories"
RAW_ITEMS = json.loads((FIXTURES / "items.json").read_text(encoding="utf-8"))


def _item(name: str) -> FeedItem:
    raw = RAW_ITEMS[name]
    host = raw["link"].split("/")[2]
    return FeedItem(
        key=f"guid:{name}",
        title=raw["title"],
        link=raw["link"],
        summary=raw["summary"],
        published=datetime.fromisoformat(raw["published"]),
        authors=(),
        feed_url=f"https://{host}/feed.xml",
        source=raw["source"],
        language=raw.get("language", "en"),
    )


def _items(*names: str) -> list[FeedItem]:
    return [_item(name) for name in names]


def _story_of(stories: list[Story], link: str) -> Story:
    (story,) = [story for story in stories if link in story.links]
    return story


FLOOD_WALL = ("flood_wall_gazette", "flood_wall_radio", "flood_wall_times")
BRIDGE = ("bridge_closed_radio", "bridge_closed_times")


def test_three_outlets_telling_one_event_become_one_story() -> None:
    stories = group_stories(_items(*FLOOD_WALL, *BRIDGE, "ferry_gazette"))

    flood = _story_of(stories, RAW_ITEMS["flood_wall_gazette"]["link"])
    assert flood.outlet_count == 3
    assert set(flood.outlets) == {"Harbour Gazette", "Bay Radio News", "Coast Times"}
    assert set(flood.links) == {RAW_ITEMS[name]["link"] for name in FLOOD_WALL}


def test_different_events_in_one_town_stay_apart() -> None:
    stories = group_stories(_items(*FLOOD_WALL, *BRIDGE, "ferry_gazette"))

    assert sorted(story.outlet_count for story in stories) == [1, 2, 3]
    bridge = _story_of(stories, RAW_ITEMS["bridge_closed_radio"]["link"])
    assert set(bridge.links) == {RAW_ITEMS[name]["link"] for name in BRIDGE}


def test_two_items_from_one_outlet_never_share_a_story() -> None:
    gazette_twice = _items("flood_wall_gazette", "flood_wall_followup_gazette")

    assert similarity_matrix(gazette_twice)[0, 1] > 0.3  # alike enough to merge, were they two outlets
    assert [story.outlet_count for story in group_stories(gazette_twice)] == [1, 1]


def test_a_second_item_from_one_outlet_stays_out_of_the_story() -> None:
    stories = group_stories(_items(*FLOOD_WALL, "flood_wall_followup_gazette"))

    for story in stories:
        assert len(story.outlets) == len(story.items)
    assert max(story.outlet_count for story in stories) == 3


def test_the_same_article_in_two_feeds_counts_once() -> None:
    world = _item("flood_wall_gazette")
    assert world.link is not None
    local = replace(world, link=world.link + "?utm_source=local-feed", feed_url="https://gazette.example/local.xml")

    (story,) = group_stories([world, local])

    assert story.items == (world,)


def test_story_items_run_earliest_first_and_the_story_dates_from_the_first() -> None:
    (story,) = group_stories(_items("flood_wall_times", "flood_wall_radio", "flood_wall_gazette"))

    assert [item.source for item in story.items] == ["Harbour Gazette", "Bay Radio News", "Coast Times"]
    assert story.outlets == ("Harbour Gazette", "Bay Radio News", "Coast Times")
    assert story.published == datetime(2026, 3, 2, 22, 10, tzinfo=UTC)


def test_undated_items_come_last_in_a_story() -> None:
    undated = replace(_item("flood_wall_gazette"), published=None)

    (story,) = group_stories([undated, _item("flood_wall_radio")])

    assert story.items[-1] is undated
    assert story.published == datetime(2026, 3, 3, 6, 0, tzinfo=UTC)


def test_representative_is_the_item_closest_to_the_others() -> None:
    items = _items(*FLOOD_WALL)
    similarity = similarity_matrix(items)
    central = items[int(np.argmax(similarity.sum(axis=1)))]

    (story,) = group_stories(items)

    assert story.representative == central
    assert story.title == central.title


def test_stories_with_more_outlets_come_first_then_the_newest() -> None:
    stories = group_stories(_items("ferry_gazette", *BRIDGE, *FLOOD_WALL, "parking_de_zeitung"))

    assert [story.outlet_count for story in stories] == [3, 2, 1, 1]
    assert stories[2].title == "Stadtrat streitet über höhere Parkgebühren"  # 2 March, after the ferry


def test_german_items_with_inflected_words_merge() -> None:
    stories = group_stories(_items("ferry_de_kurier", "ferry_de_zeitung", "parking_de_zeitung"))

    ferry = _story_of(stories, RAW_ITEMS["ferry_de_kurier"]["link"])
    assert ferry.outlets == ("Nordkurier", "Ostsee-Zeitung")
    assert len(stories) == 2


def test_inflected_forms_match_in_the_items_language() -> None:
    ferry = _item("ferry_de_kurier")
    singular = replace(ferry, title="Neue Fähre", summary="")
    plural = replace(
        ferry, title="Fähren", summary="", link="https://ostsee-zeitung.example/a", source="Ostsee-Zeitung"
    )

    similarity = similarity_matrix([singular, plural])

    assert similarity[0, 1] > 0.5


def test_chinese_items_are_compared_by_character_pairs() -> None:
    stories = group_stories(_items("rail_zh_xinwen", "rail_zh_ribao", "museum_zh_ribao"))

    rail = _story_of(stories, RAW_ITEMS["rail_zh_xinwen"]["link"])
    assert rail.outlet_count == 2
    assert len(stories) == 2


def test_average_link_does_not_chain_unrelated_items() -> None:
    items = [
        replace(_item("flood_wall_gazette"), title="Quay flood wall approved", summary=""),
        replace(_item("flood_wall_radio"), title="Quay flood wall approved as swing bridge closes", summary=""),
        replace(_item("bridge_closed_times"), title="Swing bridge closes", summary=""),
    ]

    average = group_stories(items, threshold=0.5)
    single = group_stories(items, threshold=0.5, linkage="single")

    assert sorted(story.outlet_count for story in average) == [1, 2]
    assert [story.outlet_count for story in single] == [3]


def test_similarity_is_symmetric_with_nothing_on_the_diagonal() -> None:
    similarity = similarity_matrix(_items(*FLOOD_WALL, *BRIDGE))

    assert similarity.shape == (5, 5)
    assert np.allclose(similarity, similarity.T)
    assert not similarity.diagonal().any()
    assert float(similarity.max()) <= 1.0 + 1e-6


def test_no_items_make_no_stories() -> None:
    assert group_stories([]) == []


@pytest.mark.parametrize("threshold", [0.0, -0.1, 1.5])
def test_threshold_outside_zero_to_one_is_refused(threshold: float) -> None:
    with pytest.raises(ValueError, match="threshold"):
        group_stories(_items(*FLOOD_WALL), threshold=threshold)

"""Live mode's decisions: new stories are posted up to the hourly cap and the rest held, another
outlet's coverage of a recent post edits it with every outlet, and every process names a story alike."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.discord_limits import MESSAGE_NONCE_LIMIT
from bot.live import LivePlan, next_hour, plan_live, story_coverage, story_key, story_nonce
from bot.news.digest import DigestStory
from bot.store.live import Coverage, LivePost
from bot.store.tables import LivePostStatus
from tests.test_digest_embeds import make_story

POSTED_AT = datetime(2026, 12, 4, 9, 40, tzinfo=UTC)
COURIER = Coverage(outlet="Harbour Courier", link="https://harbour-courier.example/news/story-1")
GAZETTE = Coverage(outlet="Island Gazette", link="https://island-gazette.example/news/story-1")


def _posted(*coverage: Coverage, post_id: int = 7) -> LivePost:
    return LivePost(
        id=post_id,
        subscription_id=1,
        story_key="k",
        status=LivePostStatus.POSTED,
        nonce="n",
        message_ids=(900,),
        coverage=coverage,
        posted_at=POSTED_AT,
        due_at=None,
    )


def _stories(count: int) -> list[DigestStory]:
    return [make_story(number, outlets=(f"Outlet {number}",)) for number in range(1, count + 1)]


def test_new_stories_are_posted_up_to_the_cap_and_the_rest_held() -> None:
    stories = _stories(5)

    plan = plan_live(stories, [], posted_this_hour=7, hourly_cap=10)

    assert plan == LivePlan(post=tuple(stories[:3]), hold=tuple(stories[3:]))


def test_everything_is_held_once_the_hour_is_full() -> None:
    stories = _stories(2)

    assert plan_live(stories, [], posted_this_hour=12, hourly_cap=10) == LivePlan(hold=tuple(stories))


def test_another_outlets_coverage_edits_the_post_with_every_outlet() -> None:
    story = make_story(1, outlets=("Island Gazette", "Harbour Courier"))

    plan = plan_live([story], [_posted(COURIER)], posted_this_hour=10, hourly_cap=10)

    (edit,) = plan.edit
    assert (plan.post, plan.hold) == ((), ())
    assert edit.coverage == (COURIER, GAZETTE)


def test_a_link_spelled_otherwise_is_the_same_outlet() -> None:
    story = make_story(1, outlets=("Harbour Courier",))
    respelled = Coverage(outlet="Harbour Courier", link="HTTPS://Harbour-Courier.example/news/story-1?utm_source=rss")

    assert plan_live([story], [_posted(respelled)], posted_this_hour=0, hourly_cap=10) == LivePlan()


def test_two_new_outlets_in_one_cycle_make_one_edit_naming_both() -> None:
    third = make_story(1, outlets=("Bay Times", "Harbour Courier"))
    second = make_story(1, outlets=("Island Gazette", "Harbour Courier"))

    plan = plan_live([second, third], [_posted(COURIER)], posted_this_hour=0, hourly_cap=10)

    (edit,) = plan.edit
    assert [item.outlet for item in edit.coverage] == ["Harbour Courier", "Island Gazette", "Bay Times"]


def test_every_process_names_a_story_and_its_nonce_alike() -> None:
    story = make_story(3)
    key = story_key(story)

    assert key == story_key(make_story(3, outlets=("Harbour Gazette", "Bay Times")))
    assert story_nonce(1, key) == story_nonce(1, key) != story_nonce(2, key)
    assert len(story_nonce(1, key)) <= MESSAGE_NONCE_LIMIT
    assert story_coverage(story) == (Coverage("Harbour Gazette", "https://harbour-gazette.example/news/story-3"),)


def test_held_stories_go_out_when_the_next_clock_hour_begins() -> None:
    assert next_hour(POSTED_AT) == datetime(2026, 12, 4, 10, 0, tzinfo=UTC)

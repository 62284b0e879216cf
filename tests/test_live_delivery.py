"""Live delivery: feeds refreshed into a real store, stories built by the real pipeline from pages on a
local site, posted, edited and held through a recording poster (the Discord boundary)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from email.utils import format_datetime
from html import escape

import pytest

from bot.digests import ChannelUnavailable, DeliveryResult, TransientPostError
from bot.live import next_hour
from bot.live_delivery import LiveDelivery, LiveOutcome
from bot.store import DeliveryKind, PauseReason, Subscription, SubscriptionChanges
from bot.store.tables import SubscriptionMode
from tests.newsroom import REPORTS, CrashAfterStoring, Newsroom, page_html, title
from tests.store.samples import CHANNEL, GUILD, MEMBER

RIVAL_FERRY = (
    "Lindholm ferry crossings cut from nine to four a day as deckhands call in sick",
    "The Lindholm ferry operator will run four crossings a day instead of nine from Monday, "
    "with eleven deckhands off sick.",
)
"""The ferry report as another outlet, the Island Gazette, tells it: the same event, its own link."""


def hours_ago(room: Newsroom, hours: float) -> datetime:
    return room.clock() - timedelta(hours=hours)


async def live_subscription(room: Newsroom, *, hourly_cap: int = 10) -> Subscription:
    return await room.store.subscribe(
        GUILD,
        CHANNEL,
        created_by=MEMBER,
        local_time=time(7, 30),
        timezone="Europe/Berlin",
        mode=SubscriptionMode.LIVE,
        hourly_cap=hourly_cap,
        now=room.clock(),
    )


async def follow_courier(room: Newsroom, slugs: tuple[str, ...]) -> None:
    await room.follow(room.publish("/courier.xml", [(slug, hours_ago(room, 1)) for slug in slugs]))


async def follow_rival(room: Newsroom) -> str:
    """The Island Gazette's feed with its own ferry report; returns the report's link."""
    headline, teaser = RIVAL_FERRY
    link = room.site.url("/gazette/ferry")
    room.site.add("/gazette/ferry", page_html(REPORTS["ferry"]).replace(REPORTS["ferry"].title, headline))
    feed = (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Island Gazette</title>"
        f"<link>{room.site.url('/gazette')}</link><description>Island news</description>"
        f"<item><title>{escape(headline)}</title><link>{link}</link><guid isPermaLink='false'>gazette-ferry</guid>"
        f"<pubDate>{format_datetime(hours_ago(room, 0.5), usegmt=True)}</pubDate>"
        f"<description>{escape(teaser)}</description></item></channel></rss>"
    )
    await room.follow(room.site.add("/gazette.xml", feed, content_type="application/rss+xml; charset=utf-8"))
    return link


async def cycle(room: Newsroom, live: LiveDelivery) -> LiveOutcome:
    """A refresh of the feeds that are due, then the live cycle after it."""
    await room.refresher.refresh_due()
    return await live.run_cycle(poster=room.poster)


@pytest.fixture
def live(newsroom: Newsroom) -> LiveDelivery:
    return LiveDelivery(newsroom.service, workers=2)


async def test_each_new_story_is_posted_in_the_refresh_that_brought_it(newsroom: Newsroom, live: LiveDelivery) -> None:
    await live_subscription(newsroom)
    await follow_courier(newsroom, ("ferry", "orchard"))

    outcome = await cycle(newsroom, live)

    assert outcome.posted == 2
    assert sorted(newsroom.poster.titles) == sorted([title("ferry"), title("orchard")])
    assert all(len(message.titles) == 1 for _channel, _id, message in newsroom.poster.posted)


async def test_a_cycle_counts_the_posts_of_every_subscription_its_workers_served(
    newsroom: Newsroom, live: LiveDelivery
) -> None:
    await follow_courier(newsroom, ("ferry", "orchard"))
    for channel in (CHANNEL, CHANNEL + 1, CHANNEL + 2):
        await newsroom.store.subscribe(
            GUILD, channel, created_by=MEMBER, local_time=time(7, 30), timezone="UTC",
            mode=SubscriptionMode.LIVE, now=newsroom.clock(),
        )  # fmt: skip

    outcome = await cycle(newsroom, live)

    assert outcome.posted == len(newsroom.poster.posted) == 6


async def test_a_story_is_posted_once_however_many_cycles_follow(newsroom: Newsroom, live: LiveDelivery) -> None:
    await live_subscription(newsroom)
    await follow_courier(newsroom, ("ferry",))
    await cycle(newsroom, live)

    newsroom.clock.advance(timedelta(minutes=20))
    again = await cycle(newsroom, live)

    assert again == LiveOutcome()
    assert newsroom.poster.titles == [title("ferry")]


async def test_items_first_seen_before_the_subscription_are_not_posted(newsroom: Newsroom, live: LiveDelivery) -> None:
    await follow_courier(newsroom, ("ferry",))
    await newsroom.refresher.refresh_due()
    newsroom.clock.advance(timedelta(minutes=5))
    await live_subscription(newsroom)

    outcome = await live.run_cycle(poster=newsroom.poster)

    assert outcome.posted == 0


async def test_another_outlets_coverage_edits_the_post_instead_of_posting_again(
    newsroom: Newsroom, live: LiveDelivery
) -> None:
    await live_subscription(newsroom)
    await follow_courier(newsroom, ("ferry",))
    await cycle(newsroom, live)
    (_channel, first_id, _first), *_ = newsroom.poster.posted

    newsroom.clock.advance(timedelta(minutes=20))
    rival_link = await follow_rival(newsroom)
    outcome = await cycle(newsroom, live)

    assert (outcome.posted, outcome.edited) == (0, 1)
    ((channel, message_id, edited),) = newsroom.poster.edits
    assert (channel, message_id) == (CHANNEL, first_id)
    assert set(edited.outlets) == {"Harbour Courier", "Island Gazette"}
    assert rival_link in edited.links


async def test_coverage_is_recorded_with_the_post_so_a_third_cycle_changes_nothing(
    newsroom: Newsroom, live: LiveDelivery
) -> None:
    subscription = await live_subscription(newsroom)
    await follow_courier(newsroom, ("ferry",))
    await cycle(newsroom, live)
    newsroom.clock.advance(timedelta(minutes=20))
    await follow_rival(newsroom)
    await cycle(newsroom, live)

    newsroom.clock.advance(timedelta(minutes=20))
    third = await cycle(newsroom, live)

    (post,) = await newsroom.store.live_posts_since(subscription.id, newsroom.clock() - timedelta(hours=1))
    assert {item.outlet for item in post.coverage} == {"Harbour Courier", "Island Gazette"}
    assert third == LiveOutcome()


async def test_stories_over_the_hourly_cap_wait_for_one_message_at_the_next_hour(
    newsroom: Newsroom, live: LiveDelivery
) -> None:
    await live_subscription(newsroom, hourly_cap=2)
    await follow_courier(newsroom, ("ferry", "orchard", "chess", "tram", "observatory"))

    outcome = await cycle(newsroom, live)
    before_the_hour = await live.post_held(poster=newsroom.poster)

    assert (outcome.posted, outcome.held, before_the_hour.posted) == (2, 3, 0)
    newsroom.clock.set(next_hour(newsroom.clock()))
    at_the_hour = await live.post_held(poster=newsroom.poster)

    assert at_the_hour.posted == 1
    *_, (_channel, _id, combined) = newsroom.poster.posted
    assert len(combined.titles) == 3
    assert sorted(newsroom.poster.titles) == sorted(title(slug) for slug in REPORTS)


async def test_another_outlets_coverage_of_a_held_story_edits_the_combined_message(
    newsroom: Newsroom, live: LiveDelivery
) -> None:
    await live_subscription(newsroom, hourly_cap=1)
    await follow_courier(newsroom, ("orchard",))
    await cycle(newsroom, live)
    newsroom.clock.advance(timedelta(minutes=20))
    newsroom.publish("/courier.xml", [(slug, hours_ago(newsroom, 0.2)) for slug in ("orchard", "ferry", "chess")])
    assert (await cycle(newsroom, live)).held == 2
    newsroom.clock.set(next_hour(newsroom.clock()))
    await live.post_held(poster=newsroom.poster)
    *_, (_channel, combined_id, combined) = newsroom.poster.posted

    newsroom.clock.advance(timedelta(minutes=20))
    rival_link = await follow_rival(newsroom)
    outcome = await cycle(newsroom, live)

    assert (outcome.posted, outcome.edited) == (0, 1)
    ((channel, message_id, edited),) = newsroom.poster.edits
    assert (channel, message_id) == (CHANNEL, combined_id)
    assert edited.titles == combined.titles
    assert set(edited.links) - set(combined.links) == {rival_link}


async def test_a_later_cycle_in_the_same_hour_holds_once_the_cap_is_spent(
    newsroom: Newsroom, live: LiveDelivery
) -> None:
    await live_subscription(newsroom, hourly_cap=2)
    await follow_courier(newsroom, ("ferry", "orchard"))
    await cycle(newsroom, live)
    newsroom.clock.advance(timedelta(minutes=20))
    newsroom.publish("/courier.xml", [("ferry", hours_ago(newsroom, 1)), ("chess", hours_ago(newsroom, 0.2))])

    later = await cycle(newsroom, live)

    assert (later.posted, later.held) == (0, 1)


async def test_stories_a_digest_delivered_are_not_posted_after_a_switch_to_live(
    newsroom: Newsroom, live: LiveDelivery
) -> None:
    subscription = await newsroom.subscribe()
    await follow_courier(newsroom, ("ferry", "orchard"))
    await newsroom.deliver(subscription, DeliveryKind.MANUAL)
    await newsroom.store.edit_subscription(GUILD, CHANNEL, SubscriptionChanges(mode=SubscriptionMode.LIVE))
    newsroom.clock.advance(timedelta(minutes=20))
    newsroom.publish("/courier.xml", [("ferry", hours_ago(newsroom, 1)), ("tram", hours_ago(newsroom, 0.2))])

    outcome = await cycle(newsroom, live)

    assert outcome.posted == 1
    assert newsroom.poster.titles[-1] == title("tram")


async def test_a_taken_over_story_finds_its_message_instead_of_posting_again(
    newsroom: Newsroom, live: LiveDelivery
) -> None:
    subscription = await live_subscription(newsroom)
    await follow_courier(newsroom, ("ferry",))
    await newsroom.refresher.refresh_due()
    newsroom.poster.failures = [CrashAfterStoring()]
    with pytest.raises(CrashAfterStoring):
        await live.deliver_new(subscription.id, poster=newsroom.poster)
    newsroom.poster.forget_nonces()  # Discord keeps nonces a few minutes only

    outcome = await live.run_cycle(poster=newsroom.poster)

    assert outcome.posted == 0
    assert newsroom.poster.titles == [title("ferry")]


async def test_a_combined_message_taken_over_is_not_posted_twice(newsroom: Newsroom, live: LiveDelivery) -> None:
    subscription = await live_subscription(newsroom, hourly_cap=1)
    await follow_courier(newsroom, ("ferry", "orchard", "chess"))
    await cycle(newsroom, live)
    newsroom.clock.set(next_hour(newsroom.clock()))
    newsroom.poster.failures = [CrashAfterStoring()]
    with pytest.raises(CrashAfterStoring):
        await live.deliver_held(subscription.id, poster=newsroom.poster)
    newsroom.poster.forget_nonces()

    again = await live.post_held(poster=newsroom.poster)

    assert again.posted == 0
    assert len(newsroom.poster.posted) == 2


async def test_a_failed_post_is_released_and_posted_by_the_next_cycle(newsroom: Newsroom, live: LiveDelivery) -> None:
    await live_subscription(newsroom)
    await follow_courier(newsroom, ("ferry",))
    newsroom.poster.failures = [TransientPostError("503")] * newsroom.service.post_attempts
    first = await cycle(newsroom, live)

    second = await live.run_cycle(poster=newsroom.poster)

    assert (first.posted, second.posted) == (0, 1)
    assert newsroom.poster.titles == [title("ferry")]


async def test_a_refusing_channel_pauses_the_live_subscription(newsroom: Newsroom, live: LiveDelivery) -> None:
    subscription = await live_subscription(newsroom)
    await follow_courier(newsroom, ("ferry",))
    newsroom.poster.failures = [ChannelUnavailable(PauseReason.CHANNEL_DELETED)]

    outcome = await cycle(newsroom, live)

    paused = await newsroom.store.subscription_by_id(subscription.id)
    assert outcome.paused == 1
    assert paused is not None
    assert paused.pause_reason == PauseReason.CHANNEL_DELETED
    assert newsroom.poster.pause_notices == [(GUILD, CHANNEL, PauseReason.CHANNEL_DELETED)]


async def test_stories_posted_live_are_not_repeated_by_a_digest(newsroom: Newsroom, live: LiveDelivery) -> None:
    subscription = await live_subscription(newsroom, hourly_cap=1)
    await follow_courier(newsroom, ("ferry", "orchard"))
    await cycle(newsroom, live)  # one posted, one held

    outcome = await newsroom.service.deliver(subscription.id, kind=DeliveryKind.MANUAL, poster=newsroom.poster)

    assert outcome.result is DeliveryResult.POSTED
    assert outcome.stories == 0


async def test_an_edition_subscription_gets_no_live_posts(newsroom: Newsroom, live: LiveDelivery) -> None:
    subscription = await newsroom.subscribe()
    await follow_courier(newsroom, ("ferry",))
    await newsroom.refresher.refresh_due()

    outcome = await live.deliver_new(subscription.id, poster=newsroom.poster)

    assert outcome == LiveOutcome()
    assert newsroom.poster.posted == []


async def test_the_edition_clock_never_claims_a_live_subscription(newsroom: Newsroom) -> None:
    await live_subscription(newsroom)

    due = await newsroom.store.claim_due_editions(
        now=newsroom.clock() + timedelta(days=1), limit=10, grace=timedelta(days=2)
    )

    assert due.claims == ()


async def test_preview_of_a_live_subscription_shows_only_what_broke_since_it_was_set_up(newsroom: Newsroom) -> None:
    await follow_courier(newsroom, ("ferry",))
    await newsroom.refresher.refresh_due()
    newsroom.clock.advance(timedelta(minutes=5))
    subscription = await live_subscription(newsroom)
    newsroom.clock.advance(timedelta(minutes=20))
    newsroom.publish("/courier.xml", [("ferry", hours_ago(newsroom, 2)), ("orchard", hours_ago(newsroom, 1))])

    preview = await newsroom.service.preview(subscription.id)

    assert [story.title for story in preview.stories] == [title("orchard")]

"""SubscriptionService: a digest's schedule is written to the store (its first edition due), and one
asked for now is posted through the digest service, with typed results."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import time, timedelta

import pytest

from bot.digests import DeliveryResult
from bot.news.filters import StoryFilter
from bot.services import (
    DEFAULT_HOURLY_CAP,
    LIVE_EDITION_TIME,
    LIVE_ZONE,
    DigestEdit,
    DigestRequest,
    EditionsNeedSchedule,
    FeedNotFollowed,
    FeedService,
    HourlyCapNeedsLive,
    NoDigest,
    SubscriptionMode,
    SubscriptionService,
    UnknownZone,
    check_zone,
    zone_names,
)
from bot.targets import CannotPostThere, ChannelKind, DeliveryTarget, TargetKind, TargetRefused
from tests.newsroom import Newsroom, title
from tests.store.samples import CHANNEL, GUILD, MEMBER

MORNING = time(7, 30)
EVENING = time(18, 0)
ROLE = 4242


@dataclass(frozen=True)
class Channel:
    """A channel as Discord would describe it to the service (bot.permissions.GuildChannelAccess is the bot's)."""

    channel_id: int = CHANNEL
    kind: ChannelKind = ChannelKind.TEXT
    lacking: tuple[str, ...] = ()

    def missing(self, target: DeliveryTarget) -> tuple[str, ...]:
        return self.lacking


TEXT_CHANNEL = Channel()


def request(**changes: object) -> DigestRequest:
    values: dict[str, object] = {
        "guild_id": GUILD,
        "channel_id": CHANNEL,
        "created_by": MEMBER,
        "edition_times": (MORNING,),
        "timezone": "Europe/Berlin",
    }
    return DigestRequest(**(values | changes))  # type: ignore[arg-type]


async def follow_courier(room: Newsroom, feeds: FeedService, *slugs: str) -> int:
    published = room.clock() - timedelta(hours=1)
    url = room.publish("/courier.xml", [(slug, published) for slug in slugs])
    return (await feeds.follow(GUILD, url, added_by=MEMBER)).feed.id


async def test_subscribe_stores_the_digest_with_its_first_edition_due(
    newsroom: Newsroom, subscription_service: SubscriptionService
) -> None:
    subscription = await subscription_service.subscribe(
        request(edition_times=(MORNING, EVENING), weekdays=(5, 6)), TEXT_CHANNEL
    )

    assert (subscription.edition_times, subscription.weekdays, subscription.timezone, subscription.feed_ids) == (
        (MORNING, EVENING),
        (5, 6),
        "Europe/Berlin",
        None,
    )
    assert subscription.next_edition_at == subscription.schedule.first_from(subscription.created_at).at
    assert await newsroom.store.subscription_by_id(subscription.id) == subscription


async def test_subscribe_stores_the_requests_story_filter(
    newsroom: Newsroom, subscription_service: SubscriptionService
) -> None:
    rules = StoryFilter(include=("ferry",), exclude=("strike",), max_per_outlet=4, min_outlets=2)
    subscription = await subscription_service.subscribe(request(story_filter=rules), TEXT_CHANNEL)

    assert subscription.story_filter == rules
    assert await newsroom.store.subscription_by_id(subscription.id) == subscription


async def test_subscribe_turns_feed_names_into_the_guilds_feed_ids(
    newsroom: Newsroom, feed_service: FeedService, subscription_service: SubscriptionService
) -> None:
    feed_id = await follow_courier(newsroom, feed_service, "ferry")

    subscription = await subscription_service.subscribe(request(feeds=["harbour courier"]), TEXT_CHANNEL)

    assert subscription.feed_ids == (feed_id,)


@pytest.mark.parametrize(
    ("changes", "error"),
    [({"timezone": "Mars/Olympus"}, UnknownZone), ({"feeds": ["The Tribune"]}, FeedNotFollowed)],
)
async def test_a_refused_subscription_stores_and_schedules_nothing(
    subscription_service: SubscriptionService,
    changes: dict[str, object],
    error: type[Exception],
) -> None:
    with pytest.raises(error):
        await subscription_service.subscribe(request(**changes), TEXT_CHANNEL)

    assert (await subscription_service.listing(GUILD)).subscriptions == ()


async def test_unsubscribe_removes_the_digest_and_its_schedule(
    newsroom: Newsroom, subscription_service: SubscriptionService
) -> None:
    subscription = await subscription_service.subscribe(request(), TEXT_CHANNEL)

    await subscription_service.unsubscribe(GUILD, CHANNEL)

    assert (await subscription_service.listing(GUILD)).subscriptions == ()
    assert await newsroom.store.subscription_by_id(subscription.id) is None


@pytest.mark.parametrize("action", ["unsubscribe", "post_now", "preview"])
async def test_a_channel_without_a_digest_is_named_in_the_error(
    subscription_service: SubscriptionService, action: str
) -> None:
    with pytest.raises(NoDigest, match=f"<#{CHANNEL}> has no digest"):
        await getattr(subscription_service, action)(GUILD, CHANNEL)


async def test_the_listing_names_the_feeds_the_digests_pick(
    newsroom: Newsroom, feed_service: FeedService, subscription_service: SubscriptionService
) -> None:
    feed_id = await follow_courier(newsroom, feed_service, "ferry")
    await subscription_service.subscribe(request(feeds=[str(feed_id)]), TEXT_CHANNEL)

    listing = await subscription_service.listing(GUILD)

    assert [subscription.channel_id for subscription in listing.subscriptions] == [CHANNEL]
    assert listing.feed_names == {feed_id: "Harbour Courier"}


async def test_post_now_posts_the_digest_and_reports_the_stories(
    newsroom: Newsroom, feed_service: FeedService, subscription_service: SubscriptionService
) -> None:
    await follow_courier(newsroom, feed_service, "ferry", "orchard")
    await subscription_service.subscribe(request(), TEXT_CHANNEL)

    outcome = await subscription_service.post_now(GUILD, CHANNEL)

    assert (outcome.result, outcome.stories) == (DeliveryResult.POSTED, 2)
    assert sorted(newsroom.poster.titles) == sorted([title("ferry"), title("orchard")])


async def test_preview_posts_nothing_and_leaves_the_stories_for_the_digest(
    newsroom: Newsroom, feed_service: FeedService, subscription_service: SubscriptionService
) -> None:
    await follow_courier(newsroom, feed_service, "ferry")
    await subscription_service.subscribe(request(), TEXT_CHANNEL)

    previewed = await subscription_service.preview(GUILD, CHANNEL)
    posted = await subscription_service.post_now(GUILD, CHANNEL)

    assert [story.title for story in previewed.stories] == [title("ferry")]
    assert (posted.stories, newsroom.poster.titles) == (1, [title("ferry")])


def test_digests_take_area_location_zones_and_utc_but_not_legacy_aliases() -> None:
    assert {"Europe/Paris", "America/Argentina/Buenos_Aires", "UTC"} <= set(zone_names())
    assert {"EST", "Japan"}.isdisjoint(zone_names())


def test_check_zone_names_the_zone_it_refuses() -> None:
    with pytest.raises(UnknownZone, match="“Japan” is not a time zone I know"):
        check_zone("Japan")


async def test_subscribe_in_a_forum_posts_forum_posts(subscription_service: SubscriptionService) -> None:
    subscription = await subscription_service.subscribe(request(), Channel(kind=ChannelKind.FORUM))

    assert subscription.target_kind is TargetKind.FORUM


async def test_subscribe_refuses_thread_mode_in_a_forum(
    newsroom: Newsroom, subscription_service: SubscriptionService
) -> None:
    with pytest.raises(TargetRefused, match="forum"):
        await subscription_service.subscribe(request(thread=True), Channel(kind=ChannelKind.FORUM))
    assert await newsroom.store.get_subscription(GUILD, CHANNEL) is None


async def test_subscribe_refuses_to_publish_outside_an_announcement_channel(
    subscription_service: SubscriptionService,
) -> None:
    with pytest.raises(TargetRefused, match="announcement"):
        await subscription_service.subscribe(request(publish=True), TEXT_CHANNEL)


async def test_subscribe_refuses_to_publish_in_thread_mode(subscription_service: SubscriptionService) -> None:
    with pytest.raises(TargetRefused, match="not both"):
        await subscription_service.subscribe(request(publish=True, thread=True), Channel(kind=ChannelKind.ANNOUNCEMENT))


async def test_subscribe_names_each_missing_permission_and_saves_nothing(
    newsroom: Newsroom, subscription_service: SubscriptionService
) -> None:
    with pytest.raises(CannotPostThere) as refused:
        await subscription_service.subscribe(request(), Channel(lacking=("Send Messages", "Embed Links")))

    assert refused.value.missing == ("Send Messages", "Embed Links")
    assert await newsroom.store.get_subscription(GUILD, CHANNEL) is None


async def test_edit_keeps_every_option_it_is_not_given(subscription_service: SubscriptionService) -> None:
    made = await subscription_service.subscribe(
        request(edition_times=(MORNING, EVENING), keywords=["rates"], ping_role_id=ROLE), TEXT_CHANNEL
    )

    edited = await subscription_service.edit(DigestEdit(GUILD, CHANNEL, thread=True), TEXT_CHANNEL)

    assert edited.target == DeliveryTarget(channel_id=CHANNEL, kind=TargetKind.THREAD, ping_role_id=ROLE)
    assert (edited.edition_times, edited.keywords, edited.timezone) == (made.edition_times, ("rates",), "Europe/Berlin")


async def test_edit_checks_the_target_it_makes(subscription_service: SubscriptionService) -> None:
    await subscription_service.subscribe(request(publish=True), Channel(kind=ChannelKind.ANNOUNCEMENT))

    with pytest.raises(TargetRefused, match="not both"):
        await subscription_service.edit(DigestEdit(GUILD, CHANNEL, thread=True), Channel(kind=ChannelKind.ANNOUNCEMENT))


async def test_edit_of_a_channel_without_a_digest_says_so(subscription_service: SubscriptionService) -> None:
    with pytest.raises(NoDigest):
        await subscription_service.edit(DigestEdit(GUILD, CHANNEL, max_stories=3), TEXT_CHANNEL)


async def test_pause_then_resume(newsroom: Newsroom, subscription_service: SubscriptionService) -> None:
    await subscription_service.subscribe(request(), TEXT_CHANNEL)

    paused = await subscription_service.pause(GUILD, CHANNEL)
    scheduled_while_paused = await newsroom.store.active_subscriptions()
    resumed = await subscription_service.resume(GUILD, CHANNEL, TEXT_CHANNEL)

    assert (paused.paused, paused.pause_reason, scheduled_while_paused) == (True, None, [])
    assert not resumed.paused


async def test_resume_stays_paused_while_a_permission_is_missing(
    newsroom: Newsroom, subscription_service: SubscriptionService
) -> None:
    await subscription_service.subscribe(request(), TEXT_CHANNEL)
    await subscription_service.pause(GUILD, CHANNEL)

    with pytest.raises(CannotPostThere):
        await subscription_service.resume(GUILD, CHANNEL, Channel(lacking=("Embed Links",)))
    assert await newsroom.store.active_subscriptions() == []


# --- live mode and the story filter through edit ---------------------------------------------------


async def test_subscribe_live_stores_the_mode_and_the_hourly_cap(subscription_service: SubscriptionService) -> None:
    made = await subscription_service.subscribe(request(mode=SubscriptionMode.LIVE, hourly_cap=5), TEXT_CHANNEL)

    assert (made.mode, made.hourly_cap) == (SubscriptionMode.LIVE, 5)


async def test_subscribe_live_without_a_cap_takes_the_default(subscription_service: SubscriptionService) -> None:
    made = await subscription_service.subscribe(request(mode=SubscriptionMode.LIVE), TEXT_CHANNEL)

    assert made.hourly_cap == DEFAULT_HOURLY_CAP


async def test_subscribe_live_without_times_or_zone_keeps_a_morning_edition_in_utc(
    subscription_service: SubscriptionService,
) -> None:
    made = await subscription_service.subscribe(
        request(mode=SubscriptionMode.LIVE, edition_times=(), timezone=None), TEXT_CHANNEL
    )

    assert (made.edition_times, made.timezone) == ((LIVE_EDITION_TIME,), LIVE_ZONE)


async def test_subscribe_live_keeps_the_morning_edition_in_the_zone_given(
    subscription_service: SubscriptionService,
) -> None:
    made = await subscription_service.subscribe(
        request(mode=SubscriptionMode.LIVE, edition_times=(), timezone="Asia/Tokyo"), TEXT_CHANNEL
    )

    assert (made.edition_times, made.timezone) == ((LIVE_EDITION_TIME,), "Asia/Tokyo")


@pytest.mark.parametrize("missing", [{"edition_times": ()}, {"timezone": None}])
async def test_editions_without_times_or_zone_are_refused_and_nothing_stored(
    newsroom: Newsroom, subscription_service: SubscriptionService, missing: dict[str, object]
) -> None:
    with pytest.raises(EditionsNeedSchedule):
        await subscription_service.subscribe(request(**missing), TEXT_CHANNEL)

    assert await newsroom.store.get_subscription(GUILD, CHANNEL) is None


async def test_an_unknown_zone_is_refused_for_a_live_digest_too(subscription_service: SubscriptionService) -> None:
    with pytest.raises(UnknownZone):
        await subscription_service.subscribe(
            request(mode=SubscriptionMode.LIVE, edition_times=(), timezone="Mars/Olympus"), TEXT_CHANNEL
        )


async def test_an_hourly_cap_for_editions_is_refused_and_nothing_stored(
    newsroom: Newsroom, subscription_service: SubscriptionService
) -> None:
    with pytest.raises(HourlyCapNeedsLive):
        await subscription_service.subscribe(request(hourly_cap=5), TEXT_CHANNEL)

    assert await newsroom.store.get_subscription(GUILD, CHANNEL) is None


async def test_edit_switches_to_live_and_back_keeping_the_edition_times(
    subscription_service: SubscriptionService,
) -> None:
    await subscription_service.subscribe(request(edition_times=(MORNING, EVENING)), TEXT_CHANNEL)

    live = await subscription_service.edit(
        DigestEdit(GUILD, CHANNEL, mode=SubscriptionMode.LIVE, hourly_cap=3), TEXT_CHANNEL
    )
    back = await subscription_service.edit(DigestEdit(GUILD, CHANNEL, mode=SubscriptionMode.EDITION), TEXT_CHANNEL)

    assert (live.mode, live.hourly_cap) == (SubscriptionMode.LIVE, 3)
    assert (back.mode, back.edition_times, back.hourly_cap) == (SubscriptionMode.EDITION, (MORNING, EVENING), 3)


async def test_edit_takes_an_hourly_cap_for_a_live_digest_without_a_mode(
    subscription_service: SubscriptionService,
) -> None:
    await subscription_service.subscribe(request(mode=SubscriptionMode.LIVE), TEXT_CHANNEL)

    edited = await subscription_service.edit(DigestEdit(GUILD, CHANNEL, hourly_cap=20), TEXT_CHANNEL)

    assert edited.hourly_cap == 20


async def test_edit_refuses_an_hourly_cap_for_an_edition_digest(subscription_service: SubscriptionService) -> None:
    await subscription_service.subscribe(request(), TEXT_CHANNEL)

    with pytest.raises(HourlyCapNeedsLive):
        await subscription_service.edit(DigestEdit(GUILD, CHANNEL, hourly_cap=20), TEXT_CHANNEL)


RULES = StoryFilter(include=("tunnel",), exclude=("storm",), max_per_outlet=2, min_outlets=3)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"include": ["bridge", "ferry"]}, replace(RULES, include=("bridge", "ferry"))),
        ({"exclude": ["toll"]}, replace(RULES, exclude=("toll",))),
        ({"max_per_outlet": 0}, replace(RULES, max_per_outlet=0)),
        ({"min_outlets": 1}, replace(RULES, min_outlets=1)),
        ({"include": [], "exclude": []}, replace(RULES, include=(), exclude=())),
        ({"default_per_outlet": True}, replace(RULES, max_per_outlet=None)),
        ({"default_per_outlet": True, "max_per_outlet": 0}, replace(RULES, max_per_outlet=None)),
    ],
)
async def test_edit_changes_the_rules_given_and_keeps_the_others(
    subscription_service: SubscriptionService, change: dict[str, object], expected: StoryFilter
) -> None:
    await subscription_service.subscribe(request(story_filter=RULES), TEXT_CHANNEL)

    edited = await subscription_service.edit(DigestEdit(GUILD, CHANNEL, **change), TEXT_CHANNEL)  # type: ignore[arg-type]

    assert edited.story_filter == expected


async def test_edit_without_a_rule_keeps_the_story_filter(subscription_service: SubscriptionService) -> None:
    await subscription_service.subscribe(request(story_filter=RULES), TEXT_CHANNEL)

    edited = await subscription_service.edit(DigestEdit(GUILD, CHANNEL, max_stories=4), TEXT_CHANNEL)

    assert edited.story_filter == RULES


async def test_edit_clears_the_keywords_with_an_empty_list(subscription_service: SubscriptionService) -> None:
    await subscription_service.subscribe(request(keywords=["rates", "port"]), TEXT_CHANNEL)

    edited = await subscription_service.edit(DigestEdit(GUILD, CHANNEL, keywords=[]), TEXT_CHANNEL)

    assert edited.keywords == ()

"""Subscriptions: one per channel, validated settings, pausing, and guild isolation."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from bot.news.digest import DEFAULT_MAX_STORIES
from bot.news.filters import DEFAULT_STORY_FILTER, StoryFilter
from bot.store import (
    DeliveryKind,
    DeliveryStatus,
    ForgottenGuild,
    InvalidSetting,
    PauseReason,
    Store,
    SubscriptionChanges,
    SubscriptionExists,
    UnknownFeed,
)
from bot.store.tables import MAX_HOURLY_CAP, SubscriptionMode
from bot.targets import DeliveryTarget, TargetKind
from tests.store.conftest import stored_delivery
from tests.store.samples import CHANNEL, FEED_URLS, GUILD, MEMBER, MORNING, NOW, OTHER_CHANNEL, OTHER_GUILD

ROLE = 555


async def test_a_subscription_keeps_every_setting(store: Store) -> None:
    feed_id = (await store.add_guild_feed(GUILD, FEED_URLS[0], added_by=MEMBER, now=NOW)).feed.id

    made = await store.subscribe(
        GUILD,
        CHANNEL,
        created_by=MEMBER,
        local_time=time(18, 45),
        timezone="America/Argentina/Buenos_Aires",
        feed_ids=[feed_id],
        max_stories=5,
        keywords=[" climate ", "Climate", "", "election  results"],
        now=NOW,
    )

    assert made == await store.get_subscription(GUILD, CHANNEL)
    assert (made.local_time, made.timezone, made.feed_ids, made.max_stories) == (
        time(18, 45),
        "America/Argentina/Buenos_Aires",
        (feed_id,),
        5,
    )
    assert made.keywords == ("climate", "election results")
    assert (made.created_by, made.created_at, made.paused) == (MEMBER, NOW, False)
    assert made.zone.key == "America/Argentina/Buenos_Aires"


async def test_a_subscription_takes_all_feeds_and_ten_stories_by_default(store: Store) -> None:
    made = await store.subscribe(GUILD, CHANNEL, created_by=MEMBER, local_time=MORNING, timezone="Asia/Tokyo")
    assert (made.feed_ids, made.max_stories, made.keywords) == (None, DEFAULT_MAX_STORIES, ())
    assert DEFAULT_MAX_STORIES == 10


async def test_a_subscription_keeps_its_story_filter_with_words_cleaned(store: Store) -> None:
    rules = StoryFilter(
        include=(" Kyiv ", "kyiv", "", "Київ"),
        exclude=("football  transfer", "Straße"),
        max_per_outlet=0,
        min_outlets=2,
    )
    made = await store.subscribe(
        GUILD, CHANNEL, created_by=MEMBER, local_time=MORNING, timezone="Europe/Kyiv", story_filter=rules
    )

    assert made == await store.get_subscription(GUILD, CHANNEL)
    assert made.story_filter == StoryFilter(
        include=("Kyiv", "Київ"), exclude=("football transfer", "Straße"), max_per_outlet=0, min_outlets=2
    )


async def test_a_subscription_without_rules_lets_every_story_in_with_the_default_cap(store: Store) -> None:
    made = await store.subscribe(GUILD, CHANNEL, created_by=MEMBER, local_time=MORNING, timezone="Asia/Tokyo")
    stored = await store.get_subscription(GUILD, CHANNEL)
    assert made.story_filter == (stored.story_filter if stored else None) == DEFAULT_STORY_FILTER
    assert (DEFAULT_STORY_FILTER.include, DEFAULT_STORY_FILTER.max_per_outlet, DEFAULT_STORY_FILTER.min_outlets) == (
        (),
        None,
        1,
    )


async def test_replacing_a_subscription_replaces_its_rules(store: Store) -> None:
    await store.subscribe(
        GUILD,
        CHANNEL,
        created_by=MEMBER,
        local_time=MORNING,
        timezone="Asia/Tokyo",
        story_filter=StoryFilter(exclude=("sport",), max_per_outlet=3),
    )
    replaced = await store.subscribe(
        GUILD,
        CHANNEL,
        created_by=MEMBER,
        local_time=MORNING,
        timezone="Asia/Tokyo",
        story_filter=StoryFilter(include=("election",), min_outlets=3),
        replace=True,
    )
    assert replaced.story_filter == StoryFilter(include=("election",), min_outlets=3)


async def test_a_subscription_keeps_the_servers_locale_and_a_replacement_updates_it(store: Store) -> None:
    made = await store.subscribe(
        GUILD, CHANNEL, created_by=MEMBER, local_time=MORNING, timezone="Europe/Kyiv", locale="uk"
    )
    replaced = await store.subscribe(
        GUILD, CHANNEL, created_by=MEMBER, local_time=MORNING, timezone="Europe/Kyiv", locale="pl", replace=True
    )
    stored = await store.get_subscription(GUILD, CHANNEL)
    assert (made.locale, replaced.locale, stored.locale if stored else None) == ("uk", "pl", "pl")


async def test_a_channel_has_one_subscription(store: Store) -> None:
    await store.subscribe(GUILD, CHANNEL, created_by=MEMBER, local_time=MORNING, timezone="Asia/Tokyo")
    with pytest.raises(SubscriptionExists, match="already has a daily digest"):
        await store.subscribe(GUILD, CHANNEL, created_by=MEMBER, local_time=time(9, 0), timezone="Asia/Tokyo")


async def test_replacing_a_subscription_keeps_its_id_and_resumes_it(store: Store) -> None:
    first = await store.subscribe(GUILD, CHANNEL, created_by=MEMBER, local_time=MORNING, timezone="Asia/Tokyo")
    await store.pause_subscription(GUILD, CHANNEL, reason="Missing permission: Send Messages", now=NOW)

    second = await store.subscribe(
        GUILD, CHANNEL, created_by=MEMBER, local_time=time(9, 0), timezone="Europe/Rome", replace=True
    )

    assert second.id == first.id
    assert (second.local_time, second.timezone, second.paused, second.pause_reason) == (
        time(9, 0),
        "Europe/Rome",
        False,
        None,
    )


async def test_a_subscription_can_choose_only_its_guilds_feeds(store: Store) -> None:
    theirs = (await store.add_guild_feed(OTHER_GUILD, FEED_URLS[0], added_by=MEMBER, now=NOW)).feed.id
    with pytest.raises(UnknownFeed, match=str(theirs)):
        await store.subscribe(
            GUILD, CHANNEL, created_by=MEMBER, local_time=MORNING, timezone="Asia/Tokyo", feed_ids=[theirs]
        )
    assert await store.list_subscriptions(GUILD) == []


@pytest.mark.parametrize(
    ("local_time", "timezone", "max_stories", "feed_ids"),
    [
        (MORNING, "Europe/Atlantis", 10, None),
        (MORNING, "CET+1", 10, None),
        (MORNING, "EST", 10, None),
        (time(7, 30, 15), "Europe/Paris", 10, None),
        (MORNING, "Europe/Paris", 0, None),
        (MORNING, "Europe/Paris", 10, []),
    ],
    ids=["unknown-zone", "not-iana", "legacy-alias", "seconds", "no-stories", "no-feeds"],
)
async def test_bad_settings_are_refused(
    store: Store, local_time: time, timezone: str, max_stories: int, feed_ids: list[int] | None
) -> None:
    with pytest.raises(InvalidSetting):
        await store.subscribe(
            GUILD,
            CHANNEL,
            created_by=MEMBER,
            local_time=local_time,
            timezone=timezone,
            max_stories=max_stories,
            feed_ids=feed_ids,
        )


async def test_paused_subscriptions_are_not_scheduled_until_resumed(store: Store) -> None:
    paused = await store.subscribe(GUILD, CHANNEL, created_by=MEMBER, local_time=MORNING, timezone="Asia/Tokyo")
    running = await store.subscribe(GUILD, OTHER_CHANNEL, created_by=MEMBER, local_time=MORNING, timezone="UTC")

    assert await store.pause_subscription(GUILD, CHANNEL, reason="Channel archived", now=NOW) is True
    assert [subscription.id for subscription in await store.active_subscriptions()] == [running.id]
    stored = await store.subscription_by_id(paused.id)
    assert stored is not None
    assert (stored.paused_at, stored.pause_reason) == (NOW, "Channel archived")

    assert await store.resume_subscription(GUILD, CHANNEL) is True
    assert [subscription.id for subscription in await store.active_subscriptions()] == [paused.id, running.id]


async def test_a_guild_reaches_only_its_own_subscriptions(store: Store) -> None:
    ours = await store.subscribe(GUILD, CHANNEL, created_by=MEMBER, local_time=MORNING, timezone="Asia/Tokyo")
    await store.subscribe(OTHER_GUILD, OTHER_CHANNEL, created_by=MEMBER, local_time=MORNING, timezone="Asia/Tokyo")

    assert await store.list_subscriptions(GUILD) == [ours]
    assert await store.get_subscription(GUILD, OTHER_CHANNEL) is None
    assert await store.pause_subscription(GUILD, OTHER_CHANNEL, reason="no", now=NOW) is False
    assert await store.resume_subscription(OTHER_GUILD, CHANNEL) is False
    assert await store.unsubscribe(GUILD, OTHER_CHANNEL) is False
    assert len(await store.active_subscriptions()) == 2


async def test_unsubscribing_deletes_the_delivery_history(store: Store) -> None:
    made = await store.subscribe(GUILD, CHANNEL, created_by=MEMBER, local_time=MORNING, timezone="Asia/Tokyo")
    claim = await store.claim_delivery(made.id, NOW.date(), DeliveryKind.SCHEDULED, now=NOW)
    assert claim is not None

    assert await store.unsubscribe(GUILD, CHANNEL) is True

    assert await store.get_subscription(GUILD, CHANNEL) is None
    assert await stored_delivery(store, claim.delivery_id) is None


async def test_forgetting_a_guild_leaves_other_guilds_alone(store: Store) -> None:
    ours = await store.add_guild_feed(GUILD, FEED_URLS[0], added_by=MEMBER, now=NOW)
    theirs = await store.add_guild_feed(OTHER_GUILD, FEED_URLS[0], added_by=MEMBER, now=NOW)
    made = await store.subscribe(
        GUILD, CHANNEL, created_by=MEMBER, local_time=MORNING, timezone="UTC", feed_ids=[ours.feed.id]
    )
    kept = await store.subscribe(OTHER_GUILD, OTHER_CHANNEL, created_by=MEMBER, local_time=MORNING, timezone="UTC")
    claim = await store.claim_delivery(made.id, NOW.date(), DeliveryKind.SCHEDULED, now=NOW)
    assert claim is not None
    await store.complete_delivery(claim, status=DeliveryStatus.POSTED, message_ids=[1], now=NOW + timedelta(seconds=5))

    await store.forget_guild(GUILD)

    assert (await store.list_guild_feeds(GUILD), await store.list_subscriptions(GUILD)) == ([], [])
    assert await store.list_guild_feeds(OTHER_GUILD) == [theirs]
    assert await store.list_subscriptions(OTHER_GUILD) == [kept]


async def test_forgetting_a_guild_names_its_removed_digests(store: Store) -> None:
    await store.add_guild_feed(GUILD, FEED_URLS[0], added_by=MEMBER, now=NOW)
    await store.add_guild_feed(GUILD, FEED_URLS[1], added_by=MEMBER, now=NOW)
    first = await store.subscribe(GUILD, CHANNEL, created_by=MEMBER, local_time=MORNING, timezone="UTC")
    second = await store.subscribe(GUILD, OTHER_CHANNEL, created_by=MEMBER, local_time=MORNING, timezone="UTC")
    await store.subscribe(OTHER_GUILD, CHANNEL, created_by=MEMBER, local_time=MORNING, timezone="UTC")

    forgotten = await store.forget_guild(GUILD)

    assert forgotten == ForgottenGuild(GUILD, subscription_ids=(first.id, second.id), unfollowed_feeds=2)


async def test_forgetting_an_unknown_guild_removes_nothing(store: Store) -> None:
    await store.subscribe(OTHER_GUILD, CHANNEL, created_by=MEMBER, local_time=MORNING, timezone="UTC")

    assert await store.forget_guild(GUILD) == ForgottenGuild(GUILD)
    assert len(await store.active_subscriptions()) == 1


async def test_known_guilds_are_those_with_a_follow_or_a_digest(store: Store) -> None:
    digest_only = 1_203_456_789_012_345_999
    await store.add_guild_feed(GUILD, FEED_URLS[0], added_by=MEMBER, now=NOW)
    await store.add_guild_feed(OTHER_GUILD, FEED_URLS[0], added_by=MEMBER, now=NOW)
    await store.subscribe(GUILD, CHANNEL, created_by=MEMBER, local_time=MORNING, timezone="UTC")
    await store.subscribe(digest_only, CHANNEL, created_by=MEMBER, local_time=MORNING, timezone="UTC")

    assert await store.known_guild_ids() == {GUILD, OTHER_GUILD, digest_only}

    await store.forget_guild(OTHER_GUILD)

    assert await store.known_guild_ids() == {GUILD, digest_only}


async def test_a_subscription_keeps_its_target(store: Store) -> None:
    made = await store.subscribe(
        GUILD,
        CHANNEL,
        created_by=MEMBER,
        local_time=MORNING,
        timezone="UTC",
        target_kind=TargetKind.THREAD,
        publish=True,
        ping_role_id=ROLE,
    )

    assert (await store.get_subscription(GUILD, CHANNEL)) == made
    assert made.target == DeliveryTarget(channel_id=CHANNEL, kind=TargetKind.THREAD, publish=True, ping_role_id=ROLE)


async def test_an_edit_changes_what_it_gives_and_keeps_the_rest(store: Store) -> None:
    made = await store.subscribe(
        GUILD, CHANNEL, created_by=MEMBER, local_time=MORNING, timezone="UTC", keywords=["rates"], ping_role_id=ROLE
    )

    edited = await store.edit_subscription(
        GUILD, CHANNEL, SubscriptionChanges(max_stories=4, target_kind=TargetKind.THREAD), now=NOW
    )

    assert edited is not None
    assert (edited.max_stories, edited.target_kind) == (4, TargetKind.THREAD)
    assert (edited.keywords, edited.ping_role_id, edited.edition_times, edited.next_edition_at) == (
        ("rates",),
        ROLE,
        made.edition_times,
        made.next_edition_at,
    )


async def test_an_edit_of_the_schedule_sets_the_next_edition_from_now(store: Store) -> None:
    await store.subscribe(GUILD, CHANNEL, created_by=MEMBER, local_time=MORNING, timezone="UTC", now=NOW)
    evening = time(18, 0)

    edited = await store.edit_subscription(GUILD, CHANNEL, SubscriptionChanges(edition_times=[evening]), now=NOW)

    assert edited is not None
    assert (edited.edition_times, edited.next_edition_at) == ((evening,), edited.schedule.first_from(NOW).at)


async def test_an_edit_can_stop_the_ping_and_take_all_feeds(store: Store) -> None:
    feed_id = (await store.add_guild_feed(GUILD, FEED_URLS[0], added_by=MEMBER, now=NOW)).feed.id
    await store.subscribe(
        GUILD, CHANNEL, created_by=MEMBER, local_time=MORNING, timezone="UTC", feed_ids=[feed_id], ping_role_id=ROLE
    )

    edited = await store.edit_subscription(GUILD, CHANNEL, SubscriptionChanges(no_ping=True, all_feeds=True))

    assert edited is not None
    assert (edited.ping_role_id, edited.feed_ids) == (None, None)


async def test_an_edit_keeps_a_paused_digest_paused(store: Store) -> None:
    await store.subscribe(GUILD, CHANNEL, created_by=MEMBER, local_time=MORNING, timezone="UTC")
    await store.pause_subscription(GUILD, CHANNEL, reason=None, now=NOW)

    edited = await store.edit_subscription(GUILD, CHANNEL, SubscriptionChanges(max_stories=3))

    assert edited is not None
    assert edited.paused


async def test_an_edit_of_a_channel_without_a_digest_finds_none(store: Store) -> None:
    assert await store.edit_subscription(GUILD, CHANNEL, SubscriptionChanges(max_stories=3)) is None


async def test_a_running_digest_is_paused_once_by_whoever_finds_its_channel_gone(
    store: Store, second_store: Store
) -> None:
    made = await store.subscribe(GUILD, CHANNEL, created_by=MEMBER, local_time=MORNING, timezone="UTC")

    first = await store.pause_running_subscription(made.id, reason=PauseReason.CHANNEL_DELETED, now=NOW)
    second = await second_store.pause_running_subscription(made.id, reason=PauseReason.CHANNEL_FORBIDDEN, now=NOW)

    paused = await store.get_subscription(GUILD, CHANNEL)
    assert (first, second) == (True, False)
    assert paused is not None
    assert paused.pause_reason == PauseReason.CHANNEL_DELETED


async def test_a_subscription_is_an_edition_with_ten_live_posts_an_hour_by_default(store: Store) -> None:
    made = await store.subscribe(GUILD, CHANNEL, created_by=MEMBER, local_time=MORNING, timezone="Asia/Tokyo")
    assert (made.mode, made.hourly_cap, made.live) == (SubscriptionMode.EDITION, 10, False)


async def test_a_live_subscription_keeps_its_mode_and_hourly_cap(store: Store) -> None:
    await store.subscribe(
        GUILD,
        CHANNEL,
        created_by=MEMBER,
        local_time=MORNING,
        timezone="Asia/Tokyo",
        mode=SubscriptionMode.LIVE,
        hourly_cap=4,
    )
    stored = await store.get_subscription(GUILD, CHANNEL)
    assert stored is not None
    assert (stored.mode, stored.hourly_cap, stored.live) == (SubscriptionMode.LIVE, 4, True)


@pytest.mark.parametrize("cap", [0, MAX_HOURLY_CAP + 1])
async def test_an_hourly_cap_out_of_range_is_refused(store: Store, cap: int) -> None:
    with pytest.raises(InvalidSetting):
        await store.subscribe(
            GUILD, CHANNEL, created_by=MEMBER, local_time=MORNING, timezone="Asia/Tokyo", hourly_cap=cap
        )
    assert await store.get_subscription(GUILD, CHANNEL) is None


async def test_an_edit_changes_mode_cap_and_story_filter_and_keeps_the_rest(store: Store) -> None:
    await store.subscribe(
        GUILD,
        CHANNEL,
        created_by=MEMBER,
        local_time=MORNING,
        timezone="Asia/Tokyo",
        max_stories=6,
        story_filter=StoryFilter(include=("election",), exclude=("sport",), min_outlets=2),
    )
    rules = StoryFilter(exclude=("Football",), max_per_outlet=2)

    edited = await store.edit_subscription(
        GUILD, CHANNEL, SubscriptionChanges(mode=SubscriptionMode.LIVE, hourly_cap=3, story_filter=rules)
    )

    assert edited is not None
    assert (edited.mode, edited.hourly_cap, edited.max_stories) == (SubscriptionMode.LIVE, 3, 6)
    assert edited.story_filter == rules

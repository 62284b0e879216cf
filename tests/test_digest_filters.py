"""A subscription's rules decide what gets into its digests: scheduled, posted now and previewed alike."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from bot.news.filters import HeldBack, StoryFilter
from bot.store import Subscription
from tests.newsroom import NOW, Newsroom, title
from tests.store.samples import CHANNEL, GUILD, MEMBER


def hours_ago(room: Newsroom, hours: float) -> datetime:
    return room.clock() - timedelta(hours=hours)


async def subscribe_with(newsroom: Newsroom, story_filter: StoryFilter) -> Subscription:
    return await newsroom.store.subscribe(
        GUILD, CHANNEL, created_by=MEMBER, local_time=time(7, 30), timezone="UTC", story_filter=story_filter, now=NOW
    )


async def test_a_digest_keeps_out_what_its_subscriptions_rules_keep_out(newsroom: Newsroom) -> None:
    slugs = ["ferry", "orchard", "chess", "tram"]
    await newsroom.follow(newsroom.publish("/courier.xml", [(slug, hours_ago(newsroom, 1)) for slug in slugs]))
    subscription = await subscribe_with(newsroom, StoryFilter(exclude=("chess",), max_per_outlet=0))

    await newsroom.deliver(subscription)

    assert sorted(newsroom.poster.titles) == sorted(title(slug) for slug in ("ferry", "orchard", "tram"))
    assert newsroom.poster.digests[-1].held_back == HeldBack(excluded=1)


async def test_a_preview_counts_what_each_rule_held_back(newsroom: Newsroom) -> None:
    slugs = ["ferry", "orchard", "chess", "tram", "observatory"]
    await newsroom.follow(newsroom.publish("/courier.xml", [(slug, hours_ago(newsroom, 1)) for slug in slugs]))
    subscription = await subscribe_with(newsroom, StoryFilter(exclude=("frost",), max_per_outlet=2))

    preview = await newsroom.service.preview(subscription.id)

    assert len(preview.stories) == 2
    assert preview.held_back == HeldBack(excluded=1, outlet_cap=2)

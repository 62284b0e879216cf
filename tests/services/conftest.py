"""Service fixtures: the services wired as the bot wires them, on the newsroom's real store, pipeline and
recording poster, with a real digest scheduler whose timer is paused (jobs registered, none run)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.scheduler import DigestScheduler
from bot.services import FeedService, SubscriptionService
from tests.newsroom import Newsroom


@pytest.fixture
def feed_service(newsroom: Newsroom) -> FeedService:
    return FeedService(store=newsroom.store, fetcher=newsroom.refresher.fetcher, clock=newsroom.clock)


@pytest.fixture
async def scheduler(newsroom: Newsroom) -> AsyncIterator[DigestScheduler]:
    scheduler = DigestScheduler(
        store=newsroom.store,
        service=newsroom.service,
        poster=newsroom.poster,
        refresher=newsroom.refresher,
        clock=newsroom.clock,
    )
    await scheduler.start(paused=True)
    yield scheduler
    await scheduler.stop()


@pytest.fixture
def subscription_service(newsroom: Newsroom, feed_service: FeedService) -> SubscriptionService:
    return SubscriptionService(
        store=newsroom.store,
        digests=newsroom.service,
        poster=newsroom.poster,
        feeds=feed_service,
    )

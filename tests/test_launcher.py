"""The launcher: what it opens for the bot, and that it closes it all on the way out."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.launcher import open_resources
from bot.settings import Settings


async def test_the_resources_are_built_from_the_settings(offline_settings: Settings) -> None:
    settings = offline_settings.model_copy(update={"feed_refresh_minutes": 7, "max_concurrent_jobs": 3})
    async with open_resources(settings) as resources:
        assert resources.refresher.check_every == timedelta(minutes=7)
        assert resources.digests.store is resources.store
        assert resources.pipeline.fetcher is resources.fetcher
        assert resources.executor is None  # PIPELINE_PROCESSES=0: the loop's threads


async def test_leaving_closes_the_fetcher(offline_settings: Settings) -> None:
    async with open_resources(offline_settings) as resources:
        assert not resources.fetcher.closed
    assert resources.fetcher.closed


async def test_an_error_inside_still_closes_the_fetcher(offline_settings: Settings) -> None:
    with pytest.raises(RuntimeError, match="the bot failed"):
        async with open_resources(offline_settings) as resources:
            raise RuntimeError("the bot failed")
    assert resources.fetcher.closed


async def test_the_digest_service_holds_deliveries_for_the_lease_of_the_settings(offline_settings: Settings) -> None:
    settings = offline_settings.model_copy(update={"delivery_lease_seconds": 6, "digest_sweep_seconds": 2})
    async with open_resources(settings) as resources:
        assert resources.digests.lease == timedelta(seconds=6)
        assert resources.digests.lease_renewal == timedelta(seconds=2)  # a third of it

"""The process's metrics, read as Prometheus reads them: budget waits, editions due, posted and failed
with their queue lag (through the real scheduler and store), feed fetches by outcome (through the real
refresher against a local site), and which part of a cluster the process is."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from bot.digests import TransientPostError
from bot.operations import BotMetrics
from bot.scheduler import DigestScheduler
from tests.newsroom import Newsroom
from tests.store.samples import GUILD, MEMBER

BERLIN_MORNING = time(7, 30)
"""06:30 UTC in March, when the edition is due."""
DUE_AT = datetime(2025, 3, 14, 6, 30, tzinfo=UTC)


def scraped(metrics: BotMetrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the exposition, parsed as Prometheus parses a scrape: by name and labels."""
    text = generate_latest(metrics.registry).decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(metrics: BotMetrics, name: str, **labels: str) -> float | None:
    return scraped(metrics).get((name, tuple(sorted(labels.items()))))


def test_a_request_that_waited_for_the_budget_is_counted_and_its_wait_measured() -> None:
    metrics = BotMetrics()
    metrics.observe_budget_wait(0.3)
    metrics.observe_budget_wait(0.0)
    exposed = generate_latest(metrics.registry).decode()
    assert "newsbrief_discord_budget_waits_total 1.0" in exposed
    assert "newsbrief_discord_budget_wait_seconds_count 2.0" in exposed
    assert 'newsbrief_discord_budget_wait_seconds_bucket{le="0.25"} 1.0' in exposed


def test_the_largest_loop_lag_is_kept_beside_the_latest() -> None:
    metrics = BotMetrics()
    for lag in (0.02, 1.5, 0.01):
        metrics.observe_loop_lag(lag)

    assert value(metrics, "newsbrief_event_loop_lag_seconds") == 0.01
    assert value(metrics, "newsbrief_event_loop_lag_max_seconds") == 1.5


def test_the_process_says_which_cluster_index_and_shards_it_runs() -> None:
    metrics = BotMetrics()
    metrics.describe_process(cluster_index=1, cluster_count=2, shard_ids=(3, 1))

    labels = {"cluster_index": "1", "cluster_count": "2", "shards": "1,3"}
    assert value(metrics, "newsbrief_process_info", **labels) == 1.0


async def scheduler_with_an_edition_due(room: Newsroom, *, late: timedelta) -> tuple[DigestScheduler, BotMetrics]:
    """A Berlin 07:30 edition of one story, the clock `late` past it, and a scheduler counting into fresh metrics."""
    url = room.publish("/courier.xml", [("ferry", DUE_AT - timedelta(hours=1))])
    await room.follow(url)
    await room.store.subscribe(
        GUILD, 1_203_456_789_012_360_001, created_by=MEMBER, local_time=BERLIN_MORNING, timezone="Europe/Berlin",
        now=DUE_AT - timedelta(days=1),
    )  # fmt: skip
    room.clock.set(DUE_AT + late)
    metrics = BotMetrics()
    scheduler = DigestScheduler(
        store=room.store, service=room.service, poster=room.poster, clock=room.clock, metrics=metrics
    )
    return scheduler, metrics


async def test_a_posted_edition_counts_as_due_and_posted_with_how_late_it_started(newsroom: Newsroom) -> None:
    scheduler, metrics = await scheduler_with_an_edition_due(newsroom, late=timedelta(seconds=40))

    await scheduler.run_due()

    assert value(metrics, "newsbrief_editions_due_total") == 1.0
    assert value(metrics, "newsbrief_editions_posted_total") == 1.0
    assert value(metrics, "newsbrief_editions_failed_total") == 0.0
    assert value(metrics, "newsbrief_edition_queue_lag_seconds_sum") == 40.0
    assert value(metrics, "newsbrief_edition_queue_lag_seconds_bucket", le="30.0") == 0.0
    assert value(metrics, "newsbrief_edition_queue_lag_seconds_bucket", le="60.0") == 1.0
    assert value(metrics, "newsbrief_editions_in_flight") == 0.0


async def test_an_edition_discord_refused_counts_as_failed_not_posted(newsroom: Newsroom) -> None:
    scheduler, metrics = await scheduler_with_an_edition_due(newsroom, late=timedelta(seconds=5))
    newsroom.poster.failures = [TransientPostError("Discord answered 503")] * 10

    await scheduler.run_due()

    assert value(metrics, "newsbrief_editions_failed_total") == 1.0
    assert value(metrics, "newsbrief_editions_posted_total") == 0.0


async def test_an_edition_past_the_grace_counts_as_missed_not_due(newsroom: Newsroom) -> None:
    scheduler, metrics = await scheduler_with_an_edition_due(newsroom, late=timedelta(hours=2))

    await scheduler.run_due()

    assert value(metrics, "newsbrief_editions_missed_total") == 1.0
    assert value(metrics, "newsbrief_editions_due_total") == 0.0


async def test_feed_fetches_are_counted_by_outcome(newsroom: Newsroom) -> None:
    metrics = BotMetrics()
    newsroom.refresher.observe = metrics.observe_feed_fetch
    path = "/courier.xml"
    await newsroom.follow(newsroom.publish(path, [("ferry", DUE_AT - timedelta(hours=1))]))
    await newsroom.follow(newsroom.site.url("/gone.xml"))  # answers 404

    await newsroom.refresher.refresh_due()  # new items
    newsroom.clock.advance(timedelta(hours=1))
    await newsroom.refresher.refresh_due()  # the same items again
    newsroom.site.add(path, b"", status=304)
    newsroom.clock.advance(timedelta(hours=1))
    await newsroom.refresher.refresh_due()  # not modified

    assert value(metrics, "newsbrief_feed_fetches_total", outcome="new") == 1.0
    assert value(metrics, "newsbrief_feed_fetches_total", outcome="unchanged") == 1.0
    assert value(metrics, "newsbrief_feed_fetches_total", outcome="not_modified") == 1.0
    assert value(metrics, "newsbrief_feed_fetches_total", outcome="failed") == 3.0

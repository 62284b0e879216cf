"""The process's metrics, read as Prometheus reads them."""

from __future__ import annotations

from prometheus_client import generate_latest

from bot.operations import BotMetrics


def test_a_request_that_waited_for_the_budget_is_counted_and_its_wait_measured() -> None:
    metrics = BotMetrics()
    metrics.observe_budget_wait(0.3)
    metrics.observe_budget_wait(0.0)
    exposed = generate_latest(metrics.registry).decode()
    assert "newsbrief_discord_budget_waits_total 1.0" in exposed
    assert "newsbrief_discord_budget_wait_seconds_count 2.0" in exposed
    assert 'newsbrief_discord_budget_wait_seconds_bucket{le="0.25"} 1.0' in exposed

"""NewsBot's start-up duties that need no connection: extensions, command hashes, endpoints."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import discord
import pytest
import yarl

from bot import client
from bot.client import (
    RATE_LIMIT_SWEEP_SECONDS,
    BotResources,
    NewsBot,
    command_set_hash,
    configure_discord_endpoints,
    sweep_rate_limits_at_most_every,
)
from bot.settings import Settings


@pytest.fixture
def bot(offline_settings: Settings, bot_resources: BotResources) -> NewsBot:
    return NewsBot(offline_settings, bot_resources)


async def test_a_broken_extension_does_not_stop_the_others(
    bot: NewsBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    names = ["cogs.errors", "tests.cogs.broken_extension", "cogs.summarize"]
    monkeypatch.setattr(client, "discover_extensions", lambda: names)
    with caplog.at_level(logging.ERROR, logger="bot.client"):
        await bot.load_all_extensions()
    assert (set(bot.extensions), set(bot.failed_extensions)) == (
        {"cogs.errors", "cogs.summarize"},
        {"tests.cogs.broken_extension"},
    )


async def test_a_broken_extension_is_logged_with_its_traceback(
    bot: NewsBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(client, "discover_extensions", lambda: ["tests.cogs.broken_extension"])
    with caplog.at_level(logging.ERROR, logger="bot.client"):
        await bot.load_all_extensions()
    assert any(record.exc_info for record in caplog.records if "broken_extension" in record.getMessage())


async def test_command_hash_is_stable(bot: NewsBot) -> None:
    await bot.load_extension("cogs.summarize")
    assert command_set_hash(bot.tree, 1) == command_set_hash(bot.tree, 1)


async def test_command_hash_changes_with_the_command_set(bot: NewsBot) -> None:
    before = command_set_hash(bot.tree, 1)
    await bot.load_extension("cogs.summarize")
    assert command_set_hash(bot.tree, 1) != before


def test_command_hash_depends_on_the_application(bot: NewsBot) -> None:
    assert command_set_hash(bot.tree, 1) != command_set_hash(bot.tree, 2)


def test_configure_discord_endpoints_points_rest_and_gateway(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    )
    settings = Settings(
        _env_file=None, discord_api_base="http://127.0.0.1:9/api/v10/", discord_gateway_url="ws://127.0.0.1:9/gw"
    )
    configure_discord_endpoints(settings)
    endpoints = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    assert endpoints == ("http://127.0.0.1:9/api/v10", yarl.URL("ws://127.0.0.1:9/gw"))


def test_bot_asks_for_no_privileged_intent(bot: NewsBot) -> None:
    intents = bot.intents
    assert [intents.members, intents.presences, intents.message_content] == [False, False, False]


def test_the_scheduler_sweeps_at_the_interval_of_the_settings(
    offline_settings: Settings, bot_resources: BotResources
) -> None:
    settings = offline_settings.model_copy(update={"delivery_lease_seconds": 6, "digest_sweep_seconds": 2})
    assert NewsBot(settings, bot_resources).scheduler.sweep_interval == timedelta(seconds=2)


class _Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_bot_sweeps_rate_limit_buckets_at_most_once_a_minute(bot: NewsBot) -> None:
    assert bot.http._try_clear_expired_ratelimits.__qualname__.startswith(sweep_rate_limits_at_most_every.__name__)


async def test_a_burst_into_new_channels_looks_through_the_rate_limit_buckets_once_a_minute(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    looked_at: list[object] = []
    is_inactive = discord.http.Ratelimit.is_inactive

    def counted(bucket: discord.http.Ratelimit) -> bool:
        looked_at.append(bucket)
        return is_inactive(bucket)

    monkeypatch.setattr(discord.http.Ratelimit, "is_inactive", counted)
    http = discord.http.HTTPClient(asyncio.get_running_loop())
    sweep_rate_limits_at_most_every(http, RATE_LIMIT_SWEEP_SECONDS, clock=_Ticks())

    for channel in range(3_000):
        http.get_ratelimit(f"POST /channels/{channel}/messages")

    assert len(looked_at) < 3_000  # one sweep; discord.py alone looks at 4.5 million


async def test_idle_rate_limit_buckets_are_still_forgotten() -> None:
    http = discord.http.HTTPClient(asyncio.get_running_loop())
    ticks = _Ticks()
    sweep_rate_limits_at_most_every(http, RATE_LIMIT_SWEEP_SECONDS, clock=ticks)
    for channel in range(300):
        http.get_ratelimit(f"POST /channels/{channel}/messages")
    for bucket in http._buckets.values():
        bucket._last_request -= 301  # idle for longer than discord.py keeps a bucket
    ticks.now += RATE_LIMIT_SWEEP_SECONDS

    http.get_ratelimit("POST /channels/300/messages")

    assert len(http._buckets) == 1

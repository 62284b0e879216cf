"""Health and metrics, scraped over 127.0.0.1 from a bot connected to the fake."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp

from bot.client import NewsBot
from bot.launcher import open_resources
from bot.operations import OperationsServer
from bot.settings import Settings
from newsbrief_testkit.fake_discord import FakeDiscord
from newsbrief_testkit.local_site import LocalSite

from .conftest import embed_answer, running_news_bot

HARBOUR_PAGE = (Path(__file__).parent / "pages" / "harbour.html").read_text()
COUNTED_WITHIN_SECONDS = 5.0
"""discord.py reports a command complete just after its last answer is sent."""


@asynccontextmanager
async def operations_of(bot: NewsBot) -> AsyncIterator[OperationsServer]:
    server = OperationsServer(bot, host="127.0.0.1", port=0)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def scrape(server: OperationsServer, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{server.port}{path}") as reply:
        return reply.status, await reply.text()


async def test_metrics_show_every_shard_connected(fake: FakeDiscord, make_settings: Callable[..., Settings]) -> None:
    fake.max_concurrency = 2
    async with running_news_bot(fake, make_settings(shard_count=2)) as bot, operations_of(bot) as server:
        status, text = await scrape(server, "/metrics")

    assert status == 200
    assert 'newsbrief_shard_connected{shard="0"} 1.0' in text
    assert 'newsbrief_shard_connected{shard="1"} 1.0' in text
    assert 'newsbrief_shard_latency_seconds{shard="1"}' in text


async def test_metrics_count_an_answered_summarize(
    fake: FakeDiscord, local_site: LocalSite, make_settings: Callable[..., Settings]
) -> None:
    url = local_site.add("/news/harbour", HARBOUR_PAGE)
    async with running_news_bot(fake, make_settings()) as bot, operations_of(bot) as server:
        await embed_answer(fake, await fake.send_slash_command("summarize", {"url": url}))
        async with asyncio.timeout(COUNTED_WITHIN_SECONDS):
            while True:
                text = (await scrape(server, "/metrics"))[1]
                if 'newsbrief_interactions_answered_total{command="summarize",shard="0"} 1.0' in text:
                    break
                await asyncio.sleep(0.05)

    assert "newsbrief_event_loop_lag_seconds" in text


async def test_health_is_200_with_every_shard_connected(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    async with running_news_bot(fake, make_settings()) as bot, operations_of(bot) as server:
        status, _ = await scrape(server, "/health")

    assert status == 200


async def test_health_is_503_before_the_bot_has_connected(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    async with open_resources(settings) as resources, NewsBot(settings, resources) as bot, operations_of(bot) as server:
        status, body = await scrape(server, "/health")

    assert (status, '"ready": false' in body) == (503, True)

"""Discord's rate limits through the fake: its global limit and message buckets answer as Discord does,
discord.py obeys a per-route 429, and bot processes sharing the budget in PostgreSQL post a burst with no
global 429 at all."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import aiohttp
import discord
from discord.http import Route
from sqlalchemy.ext.asyncio import create_async_engine

from bot.client import NewsBot, budget_trace
from bot.operations import BotMetrics
from bot.ratebudget import RequestBudget, SharedBucket, pace_for
from bot.store import open_store
from newsbrief_testkit.fake_discord import FakeDiscord, point_discord_at
from tests.store.conftest import empty_postgres, postgres_url

GLOBAL_LIMIT = 50
PROCESSES = 3
MESSAGES_EACH = 40


@asynccontextmanager
async def started_fake(**options: object) -> AsyncIterator[FakeDiscord]:
    fake = await FakeDiscord.start(**options)
    try:
        with point_discord_at(fake):
            yield fake
    finally:
        await fake.close()


@asynccontextmanager
async def logged_in(fake: FakeDiscord, **options: object) -> AsyncIterator[discord.Client]:
    """A discord.py client logged in over REST (no gateway: posting needs none)."""
    client = discord.Client(intents=discord.Intents.none(), **options)  # type: ignore[arg-type]
    await client.login(fake.token)
    try:
        yield client
    finally:
        await client.close()


async def post(client: discord.Client, channel_id: int, text: str) -> None:
    route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id)
    await client.http.request(route, json={"content": text})


async def test_the_fake_refuses_requests_over_the_global_limit_as_discord_does() -> None:
    async with started_fake(global_rate_limit=5) as fake, aiohttp.ClientSession() as session:
        headers = {"Authorization": f"Bot {fake.token}"}
        answers = []
        for _ in range(6):
            async with session.get(f"{fake.api_base}/users/@me", headers=headers) as response:
                answers.append((response.status, dict(response.headers), await response.json()))
    _status, refused_headers, body = answers[-1]
    assert [answer[0] for answer in answers] == [200] * 5 + [429]
    assert body["global"] is True
    assert 0 < body["retry_after"] <= 1
    assert refused_headers["X-RateLimit-Global"] == "true"
    assert refused_headers["X-RateLimit-Scope"] == "global"


async def test_a_message_bucket_answers_its_headers_and_then_429() -> None:
    async with started_fake(message_rate_limit=(2, 5.0)) as fake, aiohttp.ClientSession() as session:
        headers = {"Authorization": f"Bot {fake.token}"}
        answers = []
        for text in ("one", "two", "three"):
            url = f"{fake.api_base}/channels/{fake.channel_id}/messages"
            async with session.post(url, headers=headers, json={"content": text}) as response:
                answers.append((response.status, dict(response.headers), await response.json()))
    assert [answer[0] for answer in answers] == [200, 200, 429]
    assert [answer[1]["X-RateLimit-Remaining"] for answer in answers[:2]] == ["1", "0"]
    assert answers[2][1]["X-RateLimit-Scope"] == "user"
    assert answers[2][2]["global"] is False


async def test_discord_py_waits_out_a_per_route_429_and_each_message_arrives_once() -> None:
    """Two processes of one bot post to one channel: the second does not know the bucket is spent, is
    refused, waits retry_after and posts again."""
    async with started_fake(message_rate_limit=(3, 1.0)) as fake:
        async with logged_in(fake) as first, logged_in(fake) as second:
            texts = [f"message {n}" for n in range(8)]
            await asyncio.gather(*(post(first if n % 2 else second, fake.channel_id, t) for n, t in enumerate(texts)))
        posted = [message["content"] for message in fake.channel_messages()]
    assert fake.rate_limited.route_hits, "the fake never refused: the test shows nothing"
    assert sorted(posted) == sorted(texts)


async def burst(fake: FakeDiscord, clients: list[discord.Client]) -> float:
    """Every client posts MESSAGES_EACH messages to a channel of its own at once; returns the seconds taken."""
    channels = [int(fake.add_channel(f"burst-{n}")["id"]) for n in range(len(clients))]
    started = time.monotonic()
    await asyncio.gather(
        *(
            post(client, channel, f"{n}-{m}")
            for n, (client, channel) in enumerate(zip(clients, channels, strict=True))
            for m in range(MESSAGES_EACH)
        )
    )
    return time.monotonic() - started


async def test_processes_sharing_the_budget_post_a_burst_without_a_global_429() -> None:
    """Three bot processes (a client and a database engine each) on one PostgreSQL budget."""
    url = postgres_url()
    await empty_postgres(url)
    await (await open_store(url)).close()  # migrated: the budget's table exists
    async with started_fake(global_rate_limit=GLOBAL_LIMIT) as fake, AsyncExitStack() as stack:
        clients = []
        for _ in range(PROCESSES):
            engine = create_async_engine(url)
            stack.push_async_callback(engine.dispose)
            budget = RequestBudget(SharedBucket(engine, pace=pace_for(GLOBAL_LIMIT)))
            trace = budget_trace(budget, BotMetrics(), lambda: fake.application_id)
            clients.append(await stack.enter_async_context(logged_in(fake, http_trace=trace)))
        seconds = await burst(fake, clients)
        posted = len(fake.messages)
    assert fake.rate_limited.global_hits == []
    assert posted == PROCESSES * MESSAGES_EACH
    print(f"{posted} messages by {PROCESSES} processes in {seconds:.2f} s: {posted / seconds:.1f}/s")


async def test_without_the_budget_the_same_burst_is_refused() -> None:
    """The control: the fake's limit bites the burst when nothing paces it (discord.py waits out each
    global 429 and every message still arrives, late)."""
    async with started_fake(global_rate_limit=GLOBAL_LIMIT) as fake, AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(logged_in(fake)) for _ in range(PROCESSES)]
        await burst(fake, clients)
    assert fake.rate_limited.global_hits


async def test_an_interaction_answer_does_not_wait_behind_posts_queued_for_the_budget(
    news_bot: NewsBot, fake: FakeDiscord
) -> None:
    """Seconds of posts are queued for the global budget (on by default towards Discord's own API); /about
    is answered at once, its callback exempt as Discord exempts it, while a post still waits its turn."""
    assert news_bot.request_budget is not None
    await news_bot.request_budget.slots.reserve(250)  # about 5.6 s of slots at 44.5 a second
    channel = news_bot.get_channel(fake.channel_id)
    assert isinstance(channel, discord.TextChannel)
    queued_post = asyncio.create_task(channel.send("a digest"))
    try:
        started = time.monotonic()
        interaction = await fake.send_slash_command("about")
        await fake.wait_for_callback(interaction, status=200, timeout=2)
        assert time.monotonic() - started < 2
        assert not queued_post.done()
        assert fake.channel_messages() == []
    finally:
        queued_post.cancel()

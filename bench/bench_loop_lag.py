"""Event-loop lag while the bot makes ten summaries of long pages at once.

The real bot (discord.py client, NewsBot, the summarize cog) runs against the test suite's fake Discord,
with long pages served on 127.0.0.1. A probe task measures how late the loop wakes from 5 ms sleeps,
and the fake records when each gateway heartbeat arrives. CPU work in threads and in worker processes
is measured side by side in one run. Prints figures; asserts nothing.

    .venv/bin/python bench/bench_loop_lag.py
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
import tempfile
import time
from pathlib import Path

from bot.client import NewsBot
from bot.launcher import open_resources
from bot.settings import Settings
from newsbrief_testkit.fake_discord import FakeDiscord, point_discord_at, running_client
from newsbrief_testkit.local_site import LocalSite

REQUESTS = 10
PROBE_SECONDS = 0.005
HEARTBEAT_MS = 250
PARAGRAPH = (
    "The council's transport committee said on Tuesday that the new tram line would carry {n},000 passengers a "
    "day by 2030, but members warned that the budget of ${n}.5 billion depended on federal grants. "
    "“We cannot build this on hope,” said committee chair Laura Benning, who asked officials for a revised plan. "
    "Engineers expect construction in the old port district to take at least {n} years."
)


def long_page(index: int, words: int = 10_000) -> str:
    paragraphs: list[str] = []
    while sum(len(p.split()) for p in paragraphs) < words:
        paragraphs.append(PARAGRAPH.format(n=len(paragraphs) % 9 + index + 1))
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    head = f"<html><head><title>Tram plan {index}</title></head>"
    return f"{head}<body><article><h1>Tram plan {index}</h1>{body}</article></body></html>"


async def probe_loop(stop: asyncio.Event, lags: list[float]) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(PROBE_SECONDS)
        lags.append(time.perf_counter() - started - PROBE_SECONDS)


async def measure(processes: int) -> dict[str, float]:
    site = LocalSite()
    await site.start()
    fake = await FakeDiscord.start(heartbeat_interval_ms=HEARTBEAT_MS)
    urls = [site.add(f"/tram/{i}", long_page(i)) for i in range(REQUESTS)]
    with tempfile.TemporaryDirectory() as data_dir, point_discord_at(fake):
        settings = Settings(
            _env_file=None,
            fetch_allow_private=True,
            pipeline_processes=processes,
            max_concurrent_jobs=REQUESTS,
            summarize_per_minute=REQUESTS,
            data_dir=Path(data_dir),
            database_url=f"sqlite+aiosqlite:///{data_dir}/newsbrief.db",
        )
        async with open_resources(settings) as resources:
            bot = NewsBot(settings, resources, guild_ready_timeout=0.1)
            async with running_client(bot, fake):
                if processes:  # warm the workers so the figures are about serving, not starting
                    await bot.pipeline.run_cpu(len, "warm")
                stop, lags = asyncio.Event(), list[float]()
                probe = asyncio.create_task(probe_loop(stop, lags))
                first_frame = len(fake.frames)
                started = time.perf_counter()
                interactions = [await fake.send_slash_command("summarize", {"url": url}) for url in urls]
                for interaction in interactions:
                    await fake.wait_for_followup(interaction, status=200, timeout=120)
                wall = time.perf_counter() - started
                stop.set()
                await probe
    heartbeats = [f.at for f in fake.frames[first_frame:] if f.op == 1 and f.direction == "from_bot"]
    gaps = [b - a for a, b in itertools.pairwise(heartbeats)]
    await fake.close()
    await site.stop()
    return {
        "wall_s": wall,
        "max_lag_ms": max(lags) * 1000,
        "p99_lag_ms": statistics.quantiles(lags, n=100)[98] * 1000 if len(lags) > 100 else max(lags) * 1000,
        "heartbeats": len(heartbeats),
        "max_heartbeat_gap_ms": max(gaps) * 1000 if gaps else float("nan"),
    }


async def main() -> None:
    print(f"{REQUESTS} concurrent /summarize on ~10,000-word pages; heartbeat every {HEARTBEAT_MS} ms")
    results = {}
    for label, processes in (("threads", 0), ("2 processes", 2)):
        results[label] = await measure(processes)
        figures = results[label]
        print(
            f"{label:>12}: wall {figures['wall_s']:.2f} s, loop lag max {figures['max_lag_ms']:.1f} ms "
            f"(p99 {figures['p99_lag_ms']:.1f} ms), heartbeats {figures['heartbeats']:.0f}, "
            f"largest heartbeat gap {figures['max_heartbeat_gap_ms']:.0f} ms"
        )
    ratio = results["threads"]["max_lag_ms"] / max(results["2 processes"]["max_lag_ms"], 1e-9)
    print(f"max loop lag, threads / processes: {ratio:.1f}x")


if __name__ == "__main__":
    asyncio.run(main())

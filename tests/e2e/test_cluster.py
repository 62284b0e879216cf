"""Sharded bot processes against the fake: `newsbrief cluster` children answer for the guilds of their
shards, a child that dies is started again, and a bot in 2,500 guilds starts sharded."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from bot.store import open_store
from newsbrief_testkit.fake_discord import CLOSE_SHARDING_REQUIRED, MAX_GUILDS_PER_SESSION, FakeDiscord
from newsbrief_testkit.local_site import LocalSite

from .conftest import embed_answer

PAGES = Path(__file__).parent / "pages"
HARBOUR_PAGE = (PAGES / "harbour.html").read_text()
HEADLINE = "Harbour tunnel opens two years late and 40% over budget"
START_SECONDS = 60.0
"""Time for a bot process to import, log in and connect, on a machine busy with other tests."""
STOP_SECONDS = 30.0
CHILD_ONE_STARTED = r"Cluster process 1 \(pid (\d+)\) runs shards"


@dataclass
class BotProcess:
    """A `python -m bot ...` process whose log (stderr) is read all along, so a full pipe never blocks it."""

    process: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)
    reader: asyncio.Task[None] | None = None

    @property
    def log(self) -> str:
        return "".join(self.lines)

    async def read_log(self) -> None:
        assert self.process.stderr is not None
        async for line in self.process.stderr:
            self.lines.append(line.decode())

    async def wait_for_log(self, pattern: str, *, since: int = 0) -> re.Match[str]:
        """The first log line from line ``since`` on matching ``pattern``, within START_SECONDS."""
        async with asyncio.timeout(START_SECONDS):
            while True:
                for line in self.lines[since:]:
                    if found := re.search(pattern, line):
                        return found
                await asyncio.sleep(0.05)

    async def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), STOP_SECONDS)


async def migrated_database(tmp_path: Path) -> str:
    """A SQLite database the processes share, migrated before they start so they do not race to do it."""
    (tmp_path / "data").mkdir(exist_ok=True)
    url = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'newsbrief.db'}"
    store = await open_store(url)
    await store.close()
    return url


@asynccontextmanager
async def bot_process(
    fake: FakeDiscord, tmp_path: Path, *arguments: str, database_url: str | None = None, **settings: str
) -> AsyncIterator[BotProcess]:
    """`python -m bot *arguments` pointed at ``fake``, with ``settings`` as environment variables, on
    ``database_url`` (migrated already) or a SQLite database in ``tmp_path`` shared by such processes."""
    (tmp_path / "data").mkdir(exist_ok=True)
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DISCORD_")} | {
        "DISCORD_API_BASE": fake.api_base,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        "DISCORD_TOKEN": fake.token,
        "FETCH_ALLOW_PRIVATE": "true",
        "PIPELINE_PROCESSES": "0",
        "DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": database_url or await migrated_database(tmp_path),
        "PYTHONPATH": str(Path(__file__).parents[2]),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *arguments,
        cwd=tmp_path,
        env=environment | settings,
        stderr=asyncio.subprocess.PIPE,
    )
    running = BotProcess(process)
    running.reader = asyncio.create_task(running.read_log())
    try:
        yield running
    finally:
        if process.returncode is None:
            with suppress(ProcessLookupError):
                process.kill()
        with suppress(TimeoutError):
            await asyncio.wait_for(process.wait(), STOP_SECONDS)
        with suppress(Exception):
            await asyncio.wait_for(running.reader, STOP_SECONDS)


def process_exists(pid: int) -> bool:
    """Whether ``pid`` is still a running process (a zombie, exited but not yet reaped, counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def guild_channel(fake: FakeDiscord, shard: tuple[int, int]) -> tuple[int, int]:
    """A new guild on ``shard`` with one text channel: (guild id, channel id)."""
    guild_id = fake.add_guild(f"Guild on shard {shard[0]}", shard=shard)
    return guild_id, int(fake.add_channel("news", guild_id=guild_id)["id"])


async def summarize_in(fake: FakeDiscord, guild_channel: tuple[int, int], url: str) -> str:
    guild_id, channel_id = guild_channel
    await fake.wait_until_connected(guild_id=guild_id, timeout=START_SECONDS)
    interaction = await fake.send_slash_command("summarize", {"url": url}, channel_id=channel_id)
    return str((await embed_answer(fake, interaction))["title"])


async def test_cluster_processes_answer_summarize_for_the_guilds_of_their_shards(
    fake: FakeDiscord, local_site: LocalSite, tmp_path: Path
) -> None:
    url = local_site.add("/news/harbour", HARBOUR_PAGE)
    fake.max_concurrency = 2
    on_shard = [guild_channel(fake, (shard_id, 2)) for shard_id in (0, 1)]

    async with bot_process(fake, tmp_path, "cluster", "--processes", "2", SHARD_COUNT="2") as cluster:
        titles = [await summarize_in(fake, place, url) for place in on_shard]
        exit_code = await cluster.stop()

    assert (titles, exit_code) == ([HEADLINE, HEADLINE], 0)
    connected = re.findall(r"\[cluster (\d)\] discord\.gateway: Shard ID (\d) has connected", cluster.log)
    assert sorted(connected) == [("0", "0"), ("1", "1")]
    assert fake.token not in cluster.log


async def test_cluster_starts_a_process_that_died_again(
    fake: FakeDiscord, local_site: LocalSite, tmp_path: Path
) -> None:
    url = local_site.add("/news/harbour", HARBOUR_PAGE)
    fake.max_concurrency = 2
    on_shard_one = guild_channel(fake, (1, 2))

    async with bot_process(fake, tmp_path, "cluster", "--processes", "2", SHARD_COUNT="2") as cluster:
        first = await cluster.wait_for_log(CHILD_ONE_STARTED)
        await fake.wait_until_connected(guild_id=on_shard_one[0], timeout=START_SECONDS)
        os.kill(int(first.group(1)), signal.SIGKILL)
        second = await cluster.wait_for_log(CHILD_ONE_STARTED, since=cluster.lines.index(first.string) + 1)
        title = await summarize_in(fake, on_shard_one, url)
        exit_code = await cluster.stop()

    assert (title, exit_code) == (HEADLINE, 0)
    assert second.group(1) != first.group(1)


async def test_cluster_children_stop_when_the_cluster_is_killed(fake: FakeDiscord, tmp_path: Path) -> None:
    fake.max_concurrency = 2

    async with bot_process(fake, tmp_path, "cluster", "--processes", "2", SHARD_COUNT="2") as cluster:
        children = [
            int((await cluster.wait_for_log(rf"Cluster process {index} \(pid (\d+)\)")).group(1)) for index in (0, 1)
        ]
        await fake.wait_until_connected(timeout=START_SECONDS)
        cluster.process.kill()  # not waited for: asyncio's wait() also waits for the children's stderr
        try:
            async with asyncio.timeout(STOP_SECONDS):
                while True:
                    alive = [pid for pid in children if process_exists(pid)]
                    if not alive:
                        break
                    await asyncio.sleep(0.1)
        finally:
            for pid in children:
                if process_exists(pid):
                    os.kill(pid, signal.SIGKILL)

    assert alive == []


async def test_a_bot_in_2500_guilds_starts_on_the_recommended_shards(fake: FakeDiscord, tmp_path: Path) -> None:
    for number in range(MAX_GUILDS_PER_SESSION - 1):  # with the fake's own guild: 2,500
        fake.add_guild(f"Guild {number}")
    fake.max_concurrency = 3  # the three recommended shards start together

    async with bot_process(fake, tmp_path, "run") as bot:
        for guild_id in fake.guilds:  # every shard's session is up
            await fake.wait_until_connected(guild_id=guild_id, timeout=START_SECONDS)
        exit_code = await bot.stop()

    closed_4011 = [
        c for c in fake.gateway_connections if c._ws is not None and c._ws.close_code == CLOSE_SHARDING_REQUIRED
    ]
    assert (exit_code, closed_4011) == (0, [])
    assert "Discord recommends 3 shards" in bot.log

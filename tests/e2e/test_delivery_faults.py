"""Digest delivery through Discord's faults, end to end: `newsbrief run` killed -9 after the fake Discord
stored a digest message and before the bot heard so, or before the message reached the fake, then
restarted; two `newsbrief run` on PostgreSQL, the one posting killed -9 and the other finishing; and
/digest now through a 10-minute outage. Each story appears once, whatever the nonce window: the fake
keeps nonces 5 minutes as Discord does, and the tests move its clock past them, so only reading the
channel back helps.

The first process test runs the production lease (60 s) and sweep (30 s): the restarted bot takes
over within 90 s of the kill, 60-65 s measured. The others run a 6 s lease and a 2 s sweep
(DELIVERY_LEASE_SECONDS, DIGEST_SWEEP_SECONDS), the same code on a tenth of the wait.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time as monotonic
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path

from bot.settings import Settings
from bot.store import DeliveryKind, DeliveryStatus, open_store
from newsbrief_testkit.fake_discord import NONCE_WINDOW_SECONDS, FakeDiscord
from newsbrief_testkit.local_site import LocalSite
from tests.newsroom import open_test_store
from tests.store.conftest import postgres_url
from tests.store.samples import MEMBER

from .conftest import private_reply, running_news_bot
from .test_digests import ADMIN, Clock

REST_WITHIN = 120.0
"""The bar: the rest of the digest is posted within two minutes of the restart."""
STARTUP_TIMEOUT = 90.0
"""A bot process's imports, login, command sync and first digest (briefing twelve pages) on a busy machine."""
SHORT_LEASE = {"DELIVERY_LEASE_SECONDS": "6", "DIGEST_SWEEP_SECONDS": "2"}
"""Production's 60 s lease (renewed every 20 s) and 30 s sweep, a tenth as long: a dead process's digest
is free to take over within 8 s of its last renewal."""

TOPICS = (
    ("Lighthouse keeper retires after forty years on the rock", "Agnes Moller climbed the 212 steps daily."),
    ("City council approves a new cycle lane along the river", "The lane will run four kilometres to the port."),
    ("Beekeepers report the best honey harvest in a decade", "A warm spring kept the hives busy until June."),
    ("Museum returns carved masks to their community of origin", "Twelve masks travel home by sea this autumn."),
    ("Volcano observatory raises its alert level to yellow", "Small tremors were recorded under the crater."),
    ("Rowing club wins the national eights final by a canvas", "The crew trained on the frozen lake all winter."),
    ("Bakery chain recalls rye bread over undeclared sesame", "Customers can return loaves for a full refund."),
    ("Orchestra premieres a symphony written by a teenager", "The composer is sixteen and still at school."),
    ("Rare white stork spotted nesting on a church tower", "Birdwatchers gathered in the square at dawn."),
    ("Ferry operator orders two battery-powered vessels", "The ships will cross the strait without diesel."),
    ("Library extends opening hours during exam season", "Students may study until midnight from Monday."),
    ("Mountain pass reopens after the longest closure on record", "Snowploughs cleared drifts nine metres deep."),
)  # fmt: skip
"""Twelve unrelated stories: more than one message holds (ten embeds), so a digest of them is two."""


def publish_topics(site: LocalSite) -> str:
    published = format_datetime(datetime.now(UTC) - timedelta(hours=2))
    items = []
    for number, (title, summary) in enumerate(TOPICS):
        paragraphs = "".join(f"<p>{escape(summary)} {escape(title)}, said a spokesperson on Tuesday.</p>" * 3)
        link = site.add(f"/news/{number}", f"<html><head><title>{escape(title)}</title></head><body><article>"
                        f"<h1>{escape(title)}</h1>{paragraphs}</article></body></html>")  # fmt: skip
        items.append(
            f"<item><title>{escape(title)}</title><link>{link}</link><guid>topic-{number}</guid>"
            f"<description>{escape(summary)}</description><pubDate>{published}</pubDate></item>"
        )
    feed = "<?xml version='1.0'?><rss version='2.0'><channel><title>Town Crier</title><link>{}</link>{}</channel></rss>"
    return site.add("/feed.xml", feed.format(site.url("/"), "".join(items)), content_type="application/rss+xml")


def posted_titles(fake: FakeDiscord) -> Counter[str]:
    return Counter(embed["title"] for message in fake.channel_messages() for embed in message["embeds"])


async def a_digest_due_now(database_url: str, fake: FakeDiscord, site: LocalSite) -> int:
    """The guild follows the twelve-story feed; the channel's daily digest came due a minute ago."""
    now = datetime.now(UTC)
    store = await open_store(database_url)
    try:
        await store.add_guild_feed(fake.guild_id, publish_topics(site), added_by=MEMBER, now=now - timedelta(hours=1))
        subscription = await store.subscribe(
            fake.guild_id,
            fake.channel_id,
            created_by=MEMBER,
            local_time=(now - timedelta(minutes=1)).time().replace(second=0, microsecond=0),
            timezone="UTC",
            max_stories=len(TOPICS),
            now=now - timedelta(hours=1),
        )
    finally:
        await store.close()
    return subscription.id


@asynccontextmanager
async def newsbrief_run(
    fake: FakeDiscord, database_url: str, folder: Path, settings: Mapping[str, str] | None = None
) -> AsyncIterator[asyncio.subprocess.Process]:
    """`newsbrief run` as a process against the fake, logging to bot.log in `folder`, with `settings`
    added to its environment; killed at the end if still running. No worker processes: a killed bot's
    workers would outlive it."""
    environment = (
        {key: value for key, value in os.environ.items() if not key.startswith("DISCORD_")}
        | {
            "DISCORD_API_BASE": fake.api_base,
            "DISCORD_GATEWAY_URL": fake.gateway_url,
            "DISCORD_TOKEN": fake.token,
            "FETCH_ALLOW_PRIVATE": "true",
            "PIPELINE_PROCESSES": "0",
            "DATA_DIR": str(folder / "data"),
            "DATABASE_URL": database_url,
            "PYTHONPATH": str(Path(__file__).parents[2]),
        }
        | dict(settings or {})
    )
    with (folder / "bot.log").open("ab") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=folder, env=environment, stdout=log, stderr=log
        )
        try:
            yield process
        finally:
            if process.returncode is None:
                process.kill()
            await process.wait()


async def wait_until_posted(database_url: str, subscription_id: int, *, within: float) -> float:
    """Seconds until the subscription's scheduled digest is recorded as posted."""
    store = await open_store(database_url)
    started = monotonic.monotonic()
    try:
        while monotonic.monotonic() - started < within:
            delivery = await store.latest_delivery(subscription_id, kind=DeliveryKind.SCHEDULED)
            if delivery is not None and delivery.status is DeliveryStatus.POSTED:
                return monotonic.monotonic() - started
            await asyncio.sleep(0.5)
    finally:
        await store.close()
    raise AssertionError(f"the digest was not posted within {within} s")


async def test_a_bot_killed_after_discord_stored_a_message_posts_the_rest_once_after_restart(
    fake: FakeDiscord, local_site: LocalSite, tmp_path: Path
) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'newsbrief.db'}"
    subscription_id = await a_digest_due_now(database_url, fake, local_site)
    hold = fake.hold_after_store("POST", rf"/channels/{fake.channel_id}/messages")
    # The short lease: production's (a 60 s lease, a 30 s sweep) took this test 67 s, the longest of the
    # suite; its restart posted the rest 63-65 s later, well within the two minutes (issue 9).
    async with newsbrief_run(fake, database_url, tmp_path, SHORT_LEASE) as first:
        await hold.wait_stored(timeout=STARTUP_TIMEOUT)
        first.send_signal(signal.SIGKILL)
        await first.wait()
    hold.drop()
    fake.advance_clock(NONCE_WINDOW_SECONDS + 1)  # a same-key post would now be stored again

    async with newsbrief_run(fake, database_url, tmp_path, SHORT_LEASE):
        took = await wait_until_posted(database_url, subscription_id, within=REST_WITHIN)

    assert posted_titles(fake) == Counter(title for title, _summary in TOPICS)
    assert len(fake.channel_messages()) >= 2  # the held message, and the rest
    assert took < REST_WITHIN


async def test_a_bot_killed_before_its_message_reached_discord_posts_the_rest_once_after_restart(
    fake: FakeDiscord, local_site: LocalSite, tmp_path: Path
) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'newsbrief.db'}"
    subscription_id = await a_digest_due_now(database_url, fake, local_site)
    held = fake.hold_before_store("POST", rf"/channels/{fake.channel_id}/messages", skip=1)  # the second message
    async with newsbrief_run(fake, database_url, tmp_path, SHORT_LEASE) as first:
        await held.wait_held(timeout=STARTUP_TIMEOUT)
        first.send_signal(signal.SIGKILL)
        await first.wait()
    held.drop()  # it never reaches Discord

    async with newsbrief_run(fake, database_url, tmp_path, SHORT_LEASE):
        took = await wait_until_posted(database_url, subscription_id, within=REST_WITHIN)

    assert posted_titles(fake) == Counter(title for title, _summary in TOPICS)
    assert len(fake.channel_messages()) == 2  # the first message, and the rest
    assert took < REST_WITHIN


async def test_two_bots_on_postgresql_one_killed_mid_digest_and_the_other_finishes_it_once(
    fake: FakeDiscord, local_site: LocalSite, tmp_path: Path
) -> None:
    async with open_test_store("postgresql", tmp_path):  # skips without TEST_DATABASE_URL; empties it
        database_url = postgres_url()
    subscription_id = await a_digest_due_now(database_url, fake, local_site)
    hold = fake.hold_after_store("POST", rf"/channels/{fake.channel_id}/messages")
    folders = bot_folders(tmp_path, "first", "second")
    async with (
        newsbrief_run(fake, database_url, folders[0], SHORT_LEASE) as first,
        newsbrief_run(fake, database_url, folders[1], SHORT_LEASE) as second,
    ):
        await hold.wait_stored(timeout=STARTUP_TIMEOUT)
        posting = [posting_delivery(folder) for folder in folders]
        assert posting.count(True) == 1, "exactly one bot posts the digest"
        holder, other = (first, second) if posting[0] else (second, first)
        holder.send_signal(signal.SIGKILL)
        await holder.wait()
        killed_at = monotonic.monotonic()
        hold.drop()
        fake.advance_clock(NONCE_WINDOW_SECONDS + 1)  # a same-key post would now be stored again

        took = await wait_until_posted(database_url, subscription_id, within=REST_WITHIN)
        still_running = other.returncode is None

    assert posted_titles(fake) == Counter(title for title, _summary in TOPICS)
    assert len(fake.channel_messages()) == 2  # the held message, and the rest
    assert still_running
    assert monotonic.monotonic() - killed_at < REST_WITHIN
    assert took < REST_WITHIN


def bot_folders(parent: Path, *names: str) -> list[Path]:
    """A working folder for each bot process: its data and its log."""
    folders = [parent / name for name in names]
    for folder in folders:
        folder.mkdir()
    return folders


def posting_delivery(folder: Path) -> bool:
    """Whether the bot logging in `folder` began posting a delivery (DigestService logs it as it starts)."""
    return "Posting delivery" in (folder / "bot.log").read_text(errors="replace")


OUTAGE = timedelta(minutes=10)


async def test_a_manual_digest_through_a_ten_minute_outage_is_posted_once_after_it(
    fake: FakeDiscord, local_site: LocalSite, make_settings: Callable[..., Settings]
) -> None:
    clock = Clock()
    async with running_news_bot(fake, make_settings(), clock=clock) as bot:
        waits: list[float] = []

        async def no_wait(seconds: float) -> None:  # the service's waits between tries, skipped
            waits.append(seconds)

        bot.digests.sleep = no_wait
        await bot.store.add_guild_feed(fake.guild_id, publish_topics(local_site), added_by=MEMBER)
        later_today = (clock() + timedelta(hours=3)).time().replace(second=0, microsecond=0)  # not due meanwhile
        await bot.store.subscribe(
            fake.guild_id, fake.channel_id, created_by=MEMBER, local_time=later_today, timezone="UTC",
            max_stories=len(TOPICS),
        )  # fmt: skip
        fake.outage(rf"/channels/{fake.channel_id}/messages", seconds=OUTAGE.total_seconds())
        asked = await fake.send_slash_command("digest now", permissions=ADMIN)
        reply = await private_reply(fake, asked)

        sweep = timedelta(seconds=30)
        elapsed = timedelta(0)
        while not fake.channel_messages() and elapsed < OUTAGE + timedelta(minutes=5):
            clock.ahead += sweep  # the bot's clock and Discord's move together, a sweep at a time
            fake.advance_clock(sweep.total_seconds())
            elapsed += sweep
            await bot.scheduler.catch_up()
        for _ in range(4):  # later sweeps find nothing more to do
            clock.ahead += sweep
            await bot.scheduler.catch_up()

    assert reply.startswith("Discord kept failing; the digest is retried")
    assert OUTAGE <= elapsed <= OUTAGE + timedelta(minutes=2, seconds=30)
    assert posted_titles(fake) == Counter(title for title, _summary in TOPICS)
    assert waits  # Discord's 503s were tried again within each attempt too

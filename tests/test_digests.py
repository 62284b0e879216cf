"""The digest service: feeds refreshed into a real store, digests built by the real pipeline from pages on
a local site, posted through a recording poster (the Discord boundary), each item once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path

import pytest

from bot.digests import (
    FEED_CHECK_INTERVAL,
    MESSAGE_KEY_CHARS,
    PLATFORM_CLOCK_SKEW,
    ChannelUnavailable,
    DeliveryResult,
    DigestService,
    FeedRefresher,
    PostedMessage,
    TransientPostError,
    message_key,
)
from bot.news.digest import Digest
from bot.news.fetch import Fetcher
from bot.news.pipeline import Pipeline
from bot.store import FAILING_AFTER, DeliveryKind, DeliveryStatus, Store, Subscription, failure_backoff, open_store
from bot.store.deliveries import CLAIM_LEASE, FIRST_RETRY_DELAY
from tests.local_site import LocalSite
from tests.store.conftest import BACKENDS, empty_postgres, postgres_url, sqlite_url

NOW = datetime(2025, 3, 14, 5, 0, tzinfo=UTC)
"""A Friday, 06:00 in Berlin: before the test subscriptions' 07:30."""

GUILD = 1_203_456_789_012_345_678
OTHER_GUILD = 1_198_765_432_109_876_543
CHANNEL = 1_203_456_789_012_349_001
MEMBER = 1_150_000_000_000_000_042
FIRST_MESSAGE = 1_349_912_345_678_900_000


@dataclass(frozen=True)
class Report:
    """A news report: its feed entry and its page."""

    title: str
    teaser: str
    paragraphs: tuple[str, ...]


REPORTS = {
    "ferry": Report(
        title="Island ferry timetable cut to four crossings a day over crew shortage",
        teaser="The operator of the Lindholm ferry will run four crossings a day instead of nine from Monday. "
        "It says eleven deckhands are off sick.",
        paragraphs=(
            "The operator of the Lindholm ferry will run four crossings a day instead of nine from Monday, "
            "after eleven of its deckhands called in sick during the past fortnight.",
            "Islanders who commute to the mainland said the reduced timetable would make it impossible to reach "
            "the hospital and the secondary school on time. The last boat back will now leave at 17:40.",
            "The operator said it was training six new deckhands and expected to restore the full timetable "
            "by the end of April. Season tickets will be refunded for the weeks affected.",
        ),
    ),
    "orchard": Report(
        title="Late frost wipes out half of the valley's cherry blossom",
        teaser="Growers in the Elm valley lost about half of their cherry blossom to two nights of frost. "
        "Prices are expected to rise in June.",
        paragraphs=(
            "Growers in the Elm valley lost about half of their cherry blossom to two nights of frost this week, "
            "the regional fruit growers' association said on Thursday.",
            "Temperatures fell to minus four degrees on Tuesday night, weeks after mild weather had brought the "
            "trees into flower unusually early. Sprinklers saved some orchards, but not the older ones on the slopes.",
            "The association expects cherry prices to rise sharply in June and has asked the ministry for "
            "emergency support for the smallest farms.",
        ),
    ),
    "observatory": Report(
        title="Hilltop observatory reopens to visitors with a restored 1912 telescope",
        teaser="The Kestrel Hill observatory opens its doors again on Saturday after three years of restoration. "
        "Its refracting telescope has new lenses.",
        paragraphs=(
            "The Kestrel Hill observatory opens its doors again on Saturday after three years of restoration work "
            "on its dome and its refracting telescope, built in 1912.",
            "Volunteers cleaned and realigned the brass mounting by hand, while a workshop in Jena ground new "
            "lenses to the original specification. The dome now turns on electric motors.",
            "Public viewing evenings will run every clear Friday, and schools can book daytime visits to see "
            "the sun through a filtered eyepiece.",
        ),
    ),
    "chess": Report(
        title="Twelve-year-old wins the city chess championship in a final-round upset",
        teaser="A twelve-year-old from the Northside club won the city chess championship on Sunday. "
        "She beat the defending champion with the black pieces.",
        paragraphs=(
            "A twelve-year-old from the Northside club won the city chess championship on Sunday, beating the "
            "defending champion with the black pieces in the final round.",
            "Her opponent, a former national junior champion, resigned after forty-one moves when he could no "
            "longer stop a passed pawn. Tournament organisers said she was the youngest winner in its history.",
            "She qualifies for the national championship in Leipzig in August, where she will be the youngest "
            "player in the field.",
        ),
    ),
    "tram": Report(
        title="Night trams return on weekends from May after a four-year pause",
        teaser="Night trams will run again on Friday and Saturday nights from May. "
        "The transport authority dropped them during the pandemic.",
        paragraphs=(
            "Night trams will run again on Friday and Saturday nights from the first weekend in May, the transport "
            "authority announced, four years after the service was dropped during the pandemic.",
            "Lines 2 and 7 will run every thirty minutes between midnight and five in the morning. Bar owners and "
            "hospital staff had campaigned for the service to return.",
            "The authority said the trial would last six months and that passenger numbers would decide whether "
            "the night service becomes permanent.",
        ),
    ),
}


class FakeClock:
    """The time the code under test sees; tests move it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> None:
        self.now = now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


class SimulatedCrash(BaseException):
    """The process dies mid-post (not an Exception: nothing in the service may catch it)."""


class CrashAfterStoring(BaseException):
    """The process dies after Discord stored the message and before the poster heard its answer."""


@dataclass(frozen=True)
class Sent:
    """A packed digest message, as the recording poster makes them."""

    content: str
    titles: tuple[str, ...]
    item_keys: tuple[tuple[str, str], ...]
    links: tuple[str, ...] = ()
    """The stories' links, as the message shows them."""


class LostAnswer(TransientPostError):
    """As a timeout after Discord created the message: posted, but the poster never heard so."""


@dataclass
class RecordingPoster:
    """The Discord boundary: packs `per_message` stories a message, records what it posts, and fails
    when told to (one entry of `failures` is taken per post; None posts; a LostAnswer or a
    CrashAfterStoring posts, then fails). Like Discord with a nonce, a message posted again under the
    same key is not posted twice, until `forget_nonces` (Discord keeps them a few minutes). Reads its
    posts back as Discord's history does, without their keys."""

    clock: Callable[[], datetime] = lambda: NOW
    per_message: int = 2
    failures: list[BaseException | None] = field(default_factory=list)
    posted: list[tuple[int, int, Sent]] = field(default_factory=list)
    posted_at: dict[int, datetime] = field(default_factory=dict)
    digests: list[Digest] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    """The key of every post attempt."""
    by_key: dict[str, int] = field(default_factory=dict)
    reads: list[int | datetime] = field(default_factory=list)
    """Where each read of the channel began."""

    def forget_nonces(self) -> None:
        self.by_key.clear()

    def pack(self, digest: Digest) -> list[Sent]:
        self.digests.append(digest)
        if not digest.stories:
            return [Sent(content="Nothing new since yesterday.", titles=(), item_keys=())]
        messages = []
        for start in range(0, len(digest.stories), self.per_message):
            stories = digest.stories[start : start + self.per_message]
            messages.append(
                Sent(
                    content="\n".join(story.title for story in stories),
                    titles=tuple(story.title for story in stories),
                    item_keys=tuple(key for story in stories for key in story.item_keys),
                    links=tuple(link for story in stories for link in (story.url, *story.links) if link),
                )
            )
        return messages

    async def post(self, channel_id: int, message: Sent, *, key: str) -> int:
        self.keys.append(key)
        failure = self.failures.pop(0) if self.failures else None
        if failure is not None and not isinstance(failure, (LostAnswer, CrashAfterStoring)):
            raise failure
        if key not in self.by_key:
            self.by_key[key] = FIRST_MESSAGE + len(self.posted)
            self.posted.append((channel_id, self.by_key[key], message))
            self.posted_at[self.by_key[key]] = self.clock()
        if failure is not None:
            raise failure
        return self.by_key[key]

    async def own_messages(self, channel_id: int, *, after: int | datetime) -> list[PostedMessage]:
        self.reads.append(after)
        return [
            PostedMessage(id=message_id, links=frozenset(message.links))
            for channel, message_id, message in self.posted
            if channel == channel_id
            and (message_id > after if isinstance(after, int) else self.posted_at[message_id] > after)
        ]

    @property
    def titles(self) -> list[str]:
        return [title for _channel, _id, message in self.posted for title in message.titles]


def page_html(report: Report) -> str:
    paragraphs = "\n".join(f"<p>{escape(paragraph)}</p>" for paragraph in report.paragraphs)
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(report.title)}</title></head>"
        f"<body><nav><a href='/'>Home</a></nav><article><h1>{escape(report.title)}</h1>{paragraphs}</article>"
        "<footer>© Harbour Courier</footer></body></html>"
    )


@dataclass
class Newsroom:
    """Everything a digest needs, real but local: the site, the store, the fetcher and the pipeline."""

    site: LocalSite
    store: Store
    clock: FakeClock
    pipeline: Pipeline
    refresher: FeedRefresher
    service: DigestService
    poster: RecordingPoster
    sleeps: list[float]

    def publish(
        self,
        path: str,
        items: Sequence[tuple[str, datetime]],
        *,
        title: str = "Harbour Courier",
        without_pages: Sequence[str] = (),
    ) -> str:
        """Serve an RSS feed at `path` with these (report, published) items and the reports' pages."""
        entries = []
        for slug, published in items:
            report = REPORTS[slug]
            link = self.site.url(f"/news/{slug}")
            if slug not in without_pages:
                self.site.add(f"/news/{slug}", page_html(report))
            entries.append(
                f"<item><title>{escape(report.title)}</title><link>{link}</link>"
                f"<guid isPermaLink='false'>courier-{slug}</guid>"
                f"<pubDate>{format_datetime(published, usegmt=True)}</pubDate>"
                f"<description>{escape(report.teaser)}</description></item>"
            )
        feed = (
            "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
            f"<title>{escape(title)}</title><link>{self.site.url('/')}</link><description>Local news</description>"
            + "".join(entries)
            + "</channel></rss>"
        )
        return self.site.add(path, feed, content_type="application/rss+xml; charset=utf-8")

    async def follow(self, url: str, *, guild_id: int = GUILD) -> int:
        return (await self.store.add_guild_feed(guild_id, url, added_by=MEMBER, now=self.clock())).feed.id

    async def subscribe(
        self, *, channel_id: int = CHANNEL, local_time: time = time(7, 30), timezone: str = "Europe/Berlin"
    ) -> Subscription:
        return await self.store.subscribe(
            GUILD, channel_id, created_by=MEMBER, local_time=local_time, timezone=timezone, now=self.clock()
        )

    async def deliver(self, subscription: Subscription, kind: DeliveryKind = DeliveryKind.SCHEDULED) -> DeliveryResult:
        outcome = await self.service.deliver(subscription.id, kind=kind, poster=self.poster)
        return outcome.result


@asynccontextmanager
async def open_test_store(backend: str, folder: Path) -> AsyncIterator[Store]:
    """A store at the latest schema with no rows, on SQLite or on TEST_DATABASE_URL's PostgreSQL."""
    if backend == "sqlite":
        url = sqlite_url(folder)
    else:
        url = postgres_url()
        await empty_postgres(url)
    store = await open_store(url)
    try:
        yield store
    finally:
        await store.close()


@asynccontextmanager
async def open_newsroom(store: Store, site: LocalSite, *, now: datetime = NOW) -> AsyncIterator[Newsroom]:
    clock = FakeClock(now)
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async with Fetcher(allow_private=True) as fetcher:
        pipeline = Pipeline(fetcher=fetcher)
        refresher = FeedRefresher(store=store, fetcher=fetcher, clock=clock)
        service = DigestService(store=store, pipeline=pipeline, refresher=refresher, clock=clock, sleep=sleep)
        yield Newsroom(site, store, clock, pipeline, refresher, service, RecordingPoster(clock=clock), sleeps)


@pytest.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    async with open_test_store(str(request.param), tmp_path) as opened:
        yield opened


@pytest.fixture
async def newsroom(store: Store, local_site: LocalSite) -> AsyncIterator[Newsroom]:
    async with open_newsroom(store, local_site) as room:
        yield room


def hours_ago(room: Newsroom, hours: float) -> datetime:
    return room.clock() - timedelta(hours=hours)


def title(slug: str) -> str:
    return REPORTS[slug].title


def no_repeats(titles: Sequence[str]) -> Iterator[str]:
    seen = set()
    for one in titles:
        if one in seen:
            yield one
        seen.add(one)


# --- refreshing -------------------------------------------------------------------------------------


async def test_a_refresh_stores_new_items_with_the_feeds_summary(newsroom: Newsroom) -> None:
    url = newsroom.publish("/courier.xml", [("ferry", hours_ago(newsroom, 2)), ("orchard", hours_ago(newsroom, 3))])
    feed_id = await newsroom.follow(url)
    subscription = await newsroom.subscribe()

    report = await newsroom.refresher.refresh_due()

    assert (report.fetched, report.new_items) == (1, 2)
    items = await newsroom.store.undelivered_items(subscription.id, since=NOW)
    assert {item.title: item.summary for item in items} == {
        title("ferry"): REPORTS["ferry"].teaser,
        title("orchard"): REPORTS["orchard"].teaser,
    }
    (followed,) = await newsroom.store.list_guild_feeds(GUILD)
    assert (followed.feed.id, followed.feed.title, followed.feed.next_check_at) == (
        feed_id,
        "Harbour Courier",
        NOW + FEED_CHECK_INTERVAL,
    )


async def test_a_feed_many_guilds_follow_is_fetched_once_a_cycle(newsroom: Newsroom) -> None:
    url = newsroom.publish("/courier.xml", [("ferry", hours_ago(newsroom, 2))])
    await newsroom.follow(url)
    await newsroom.follow(url, guild_id=OTHER_GUILD)

    await newsroom.refresher.refresh_due()
    await newsroom.refresher.refresh_due()
    assert newsroom.site.hits["/courier.xml"] == 1

    newsroom.clock.advance(FEED_CHECK_INTERVAL)
    await newsroom.refresher.refresh_due()
    assert newsroom.site.hits["/courier.xml"] == 2


async def test_a_feed_that_keeps_failing_is_named_in_the_digest(newsroom: Newsroom) -> None:
    await newsroom.follow(newsroom.publish("/courier.xml", [("ferry", hours_ago(newsroom, 1))]))
    broken = newsroom.site.add("/broken.xml", "Internal Server Error", content_type="text/plain", status=500)
    await newsroom.follow(broken)
    subscription = await newsroom.subscribe()

    failing = []
    for failures in range(1, FAILING_AFTER + 1):
        await newsroom.refresher.refresh_due()
        feed = next(entry.feed for entry in await newsroom.store.list_guild_feeds(GUILD) if entry.feed.url == broken)
        failing.append(feed.failing)
        newsroom.clock.advance(failure_backoff(failures))

    assert failing == [False] * (FAILING_AFTER - 1) + [True]
    assert await newsroom.deliver(subscription) is DeliveryResult.POSTED
    assert newsroom.poster.digests[-1].failing_feeds == (broken,)
    assert newsroom.poster.titles == [title("ferry")]


# --- what a digest carries --------------------------------------------------------------------------


async def test_a_digest_posts_the_new_stories_and_records_them(newsroom: Newsroom) -> None:
    await newsroom.follow(
        newsroom.publish(
            "/courier.xml",
            [("ferry", hours_ago(newsroom, 1)), ("orchard", hours_ago(newsroom, 2)), ("chess", hours_ago(newsroom, 3))],
        )
    )
    subscription = await newsroom.subscribe()

    outcome = await newsroom.service.deliver(subscription.id, kind=DeliveryKind.SCHEDULED, poster=newsroom.poster)

    assert (outcome.result, outcome.stories) == (DeliveryResult.POSTED, 3)
    assert sorted(newsroom.poster.titles) == sorted([title("ferry"), title("orchard"), title("chess")])
    assert outcome.message_ids == tuple(message_id for _channel, message_id, _sent in newsroom.poster.posted)
    assert {channel for channel, _id, _sent in newsroom.poster.posted} == {CHANNEL}
    assert await newsroom.store.undelivered_items(subscription.id, since=NOW - timedelta(days=1)) == []
    assert outcome.delivery_id is not None
    delivery = await newsroom.store.latest_delivery(subscription.id)
    assert delivery is not None
    assert delivery.id == outcome.delivery_id
    assert (delivery.status, delivery.local_date, delivery.posted_message_ids) == (
        DeliveryStatus.POSTED,
        NOW.date(),
        outcome.message_ids,
    )


async def test_a_scheduled_digest_is_posted_once_per_local_date(newsroom: Newsroom) -> None:
    await newsroom.follow(newsroom.publish("/courier.xml", [("ferry", hours_ago(newsroom, 1))]))
    subscription = await newsroom.subscribe()

    first = await newsroom.deliver(subscription)
    newsroom.clock.advance(timedelta(hours=2))
    second = await newsroom.deliver(subscription)

    assert (first, second) == (DeliveryResult.POSTED, DeliveryResult.ALREADY_DELIVERED)
    assert len(newsroom.poster.posted) == 1


async def test_the_first_digest_covers_the_last_day_not_the_backlog(newsroom: Newsroom) -> None:
    await newsroom.follow(
        newsroom.publish(
            "/courier.xml",
            [
                ("ferry", hours_ago(newsroom, 2)),
                ("orchard", hours_ago(newsroom, 30)),
                ("chess", hours_ago(newsroom, 72)),
            ],
        )
    )
    subscription = await newsroom.subscribe()

    await newsroom.deliver(subscription)

    assert newsroom.poster.titles == [title("ferry")]


async def test_the_next_digest_carries_only_what_is_new_since_the_last(newsroom: Newsroom) -> None:
    path = "/courier.xml"
    await newsroom.follow(
        newsroom.publish(path, [("ferry", hours_ago(newsroom, 1)), ("orchard", hours_ago(newsroom, 2))])
    )
    subscription = await newsroom.subscribe()
    await newsroom.deliver(subscription)

    newsroom.clock.advance(timedelta(days=1))
    newsroom.publish(
        path,
        [
            ("chess", hours_ago(newsroom, 3)),
            ("tram", hours_ago(newsroom, 4)),
            ("ferry", hours_ago(newsroom, 25)),
            ("orchard", hours_ago(newsroom, 26)),
        ],
    )
    posted_before = len(newsroom.poster.titles)
    assert await newsroom.deliver(subscription) is DeliveryResult.POSTED

    assert sorted(newsroom.poster.titles[posted_before:]) == sorted([title("chess"), title("tram")])


async def test_a_manual_digest_counts_so_the_scheduled_one_carries_only_newer_stories(newsroom: Newsroom) -> None:
    path = "/courier.xml"
    await newsroom.follow(
        newsroom.publish(path, [("ferry", hours_ago(newsroom, 1)), ("orchard", hours_ago(newsroom, 2))])
    )
    subscription = await newsroom.subscribe()

    assert await newsroom.deliver(subscription, DeliveryKind.MANUAL) is DeliveryResult.POSTED
    newsroom.clock.advance(FEED_CHECK_INTERVAL)
    newsroom.publish(
        path, [("tram", newsroom.clock()), ("ferry", hours_ago(newsroom, 1)), ("orchard", hours_ago(newsroom, 2))]
    )
    newsroom.clock.advance(timedelta(minutes=15))
    assert await newsroom.deliver(subscription) is DeliveryResult.POSTED

    assert newsroom.poster.titles[2:] == [title("tram")]
    assert sorted(newsroom.poster.titles[:2]) == sorted([title("ferry"), title("orchard")])


async def test_stories_a_digest_left_out_are_not_offered_again(newsroom: Newsroom) -> None:
    path = "/courier.xml"
    first_day = [
        ("ferry", hours_ago(newsroom, 1)),
        ("orchard", hours_ago(newsroom, 2)),
        ("chess", hours_ago(newsroom, 3)),
    ]
    await newsroom.follow(newsroom.publish(path, first_day))
    subscription = await newsroom.store.subscribe(
        GUILD, CHANNEL, created_by=MEMBER, local_time=time(7, 30), timezone="Europe/Berlin", max_stories=2, now=NOW
    )
    await newsroom.deliver(subscription, DeliveryKind.MANUAL)
    left_out = {title(slug) for slug, _published in first_day} - set(newsroom.poster.titles)

    newsroom.clock.advance(FEED_CHECK_INTERVAL)
    newsroom.publish(path, [("tram", newsroom.clock()), *first_day])
    await newsroom.deliver(subscription)

    assert len(left_out) == 1
    assert newsroom.poster.titles[2:] == [title("tram")]


async def test_a_resumed_digest_with_nothing_left_posts_nothing_more(newsroom: Newsroom) -> None:
    feed_id = await newsroom.follow(newsroom.publish("/courier.xml", [("ferry", hours_ago(newsroom, 1))]))
    subscription = await newsroom.subscribe()
    await newsroom.refresher.refresh_due()
    # A crash after the last message was posted and recorded, before the delivery was completed.
    claim = await newsroom.store.claim_delivery(subscription.id, NOW.date(), DeliveryKind.SCHEDULED, now=NOW)
    assert claim is not None
    (item,) = await newsroom.store.undelivered_items(subscription.id, since=NOW)
    await newsroom.store.record_delivered_items(
        subscription.id, [item.ref], delivery_id=claim.delivery_id, message_id=FIRST_MESSAGE, now=NOW
    )
    newsroom.clock.advance(CLAIM_LEASE)

    outcome = await newsroom.service.deliver(subscription.id, kind=DeliveryKind.SCHEDULED, poster=newsroom.poster)

    assert (outcome.result, outcome.message_ids, newsroom.poster.posted) == (
        DeliveryResult.POSTED,
        (FIRST_MESSAGE,),
        [],
    )
    assert item.feed_id == feed_id


async def test_a_second_manual_digest_with_nothing_new_says_so(newsroom: Newsroom) -> None:
    await newsroom.follow(newsroom.publish("/courier.xml", [("ferry", hours_ago(newsroom, 1))]))
    subscription = await newsroom.subscribe()
    await newsroom.deliver(subscription, DeliveryKind.MANUAL)

    outcome = await newsroom.service.deliver(subscription.id, kind=DeliveryKind.MANUAL, poster=newsroom.poster)

    assert (outcome.result, outcome.stories) == (DeliveryResult.POSTED, 0)
    assert newsroom.poster.posted[-1][2].content == "Nothing new since yesterday."


async def test_a_story_whose_page_is_gone_is_told_from_the_feeds_summary(newsroom: Newsroom) -> None:
    await newsroom.follow(
        newsroom.publish(
            "/courier.xml",
            [("ferry", hours_ago(newsroom, 1)), ("orchard", hours_ago(newsroom, 2))],
            without_pages=["orchard"],
        )
    )
    subscription = await newsroom.subscribe()

    await newsroom.deliver(subscription)

    stories = {story.title: story for story in newsroom.poster.digests[-1].stories}
    assert stories[title("orchard")].from_feed_summary
    assert " ".join(stories[title("orchard")].summary) == REPORTS["orchard"].teaser
    assert not stories[title("ferry")].from_feed_summary
    assert stories[title("ferry")].summary[0].startswith("The operator of the Lindholm ferry")


async def test_a_preview_marks_nothing(newsroom: Newsroom) -> None:
    await newsroom.follow(
        newsroom.publish("/courier.xml", [("ferry", hours_ago(newsroom, 1)), ("chess", hours_ago(newsroom, 2))])
    )
    subscription = await newsroom.subscribe()

    preview = await newsroom.service.preview(subscription.id)
    again = await newsroom.service.preview(subscription.id)
    await newsroom.deliver(subscription)

    assert [story.title for story in preview.stories] == [story.title for story in again.stories]
    assert sorted(newsroom.poster.titles) == sorted(story.title for story in preview.stories)
    assert len(preview.stories) == 2


async def test_a_subscription_with_chosen_feeds_reads_only_those(newsroom: Newsroom) -> None:
    chosen = await newsroom.follow(newsroom.publish("/courier.xml", [("ferry", hours_ago(newsroom, 1))]))
    await newsroom.follow(newsroom.publish("/valley.xml", [("orchard", hours_ago(newsroom, 1))], title="Valley Post"))
    subscription = await newsroom.store.subscribe(
        GUILD, CHANNEL, created_by=MEMBER, local_time=time(7, 30), timezone="Europe/Berlin", feed_ids=[chosen], now=NOW
    )

    await newsroom.deliver(subscription)

    assert newsroom.poster.titles == [title("ferry")]
    assert newsroom.site.hits["/valley.xml"] == 0


# --- when Discord says no ---------------------------------------------------------------------------


async def test_a_lost_channel_pauses_the_subscription_with_the_reason(newsroom: Newsroom) -> None:
    await newsroom.follow(newsroom.publish("/courier.xml", [("ferry", hours_ago(newsroom, 1))]))
    subscription = await newsroom.subscribe()
    reason = "The bot may no longer post in this channel."
    newsroom.poster.failures = [ChannelUnavailable(reason)]

    outcome = await newsroom.service.deliver(subscription.id, kind=DeliveryKind.SCHEDULED, poster=newsroom.poster)

    assert (outcome.result, outcome.error) == (DeliveryResult.CHANNEL_UNAVAILABLE, reason)
    paused = await newsroom.store.subscription_by_id(subscription.id)
    assert paused is not None
    assert (paused.paused, paused.pause_reason) == (True, reason)
    assert outcome.delivery_id is not None
    delivery = await newsroom.store.latest_delivery(subscription.id)
    assert delivery is not None
    assert delivery.id == outcome.delivery_id
    assert (delivery.status, delivery.error) == (DeliveryStatus.FAILED, reason)
    newsroom.clock.advance(timedelta(days=1))
    assert await newsroom.deliver(subscription) is DeliveryResult.PAUSED


async def test_discord_errors_are_retried_with_growing_waits(newsroom: Newsroom) -> None:
    await newsroom.follow(newsroom.publish("/courier.xml", [("ferry", hours_ago(newsroom, 1))]))
    subscription = await newsroom.subscribe()
    newsroom.poster.failures = [TransientPostError("503 Service Unavailable"), TransientPostError("502 Bad Gateway")]

    assert await newsroom.deliver(subscription) is DeliveryResult.POSTED

    assert newsroom.sleeps == [2.0, 4.0]
    assert newsroom.poster.titles == [title("ferry")]


async def test_a_message_whose_answer_was_lost_is_retried_under_the_same_key(newsroom: Newsroom) -> None:
    await newsroom.follow(newsroom.publish("/courier.xml", [("ferry", hours_ago(newsroom, 1))]))
    subscription = await newsroom.subscribe()
    newsroom.poster.failures = [LostAnswer("timed out")]

    assert await newsroom.deliver(subscription) is DeliveryResult.POSTED

    assert len(newsroom.poster.keys) == 2
    assert newsroom.poster.keys[0] == newsroom.poster.keys[1]
    assert newsroom.poster.titles == [title("ferry")]


async def test_each_message_of_a_digest_has_its_own_key(newsroom: Newsroom) -> None:
    slugs = ["ferry", "orchard", "chess"]
    await newsroom.follow(
        newsroom.publish("/courier.xml", [(slug, hours_ago(newsroom, n + 1)) for n, slug in enumerate(slugs)])
    )
    subscription = await newsroom.subscribe()

    assert await newsroom.deliver(subscription) is DeliveryResult.POSTED

    assert len(newsroom.poster.keys) == len(set(newsroom.poster.keys)) == 2
    assert all(len(key) <= MESSAGE_KEY_CHARS for key in newsroom.poster.keys)


def test_a_message_key_changes_with_the_items_it_carries() -> None:
    ferry = [("https://courier.example/feed.xml", "ferry")]
    orchard = [("https://courier.example/feed.xml", "orchard")]
    assert message_key(7, 1, ferry) == message_key(7, 1, list(ferry))
    assert (
        len({message_key(7, 1, ferry), message_key(7, 1, orchard), message_key(7, 2, ferry), message_key(8, 1, ferry)})
        == 4
    )


async def test_a_digest_discord_keeps_refusing_fails_and_a_later_claim_posts_the_rest(newsroom: Newsroom) -> None:
    slugs = ["ferry", "orchard", "chess"]
    await newsroom.follow(
        newsroom.publish("/courier.xml", [(slug, hours_ago(newsroom, n + 1)) for n, slug in enumerate(slugs)])
    )
    subscription = await newsroom.subscribe()
    newsroom.poster.failures = [None] + [TransientPostError("500 Internal Server Error")] * 4

    failed = await newsroom.service.deliver(subscription.id, kind=DeliveryKind.SCHEDULED, poster=newsroom.poster)
    newsroom.clock.advance(timedelta(minutes=5))
    resumed = await newsroom.service.deliver(subscription.id, kind=DeliveryKind.SCHEDULED, poster=newsroom.poster)

    assert (failed.result, len(failed.message_ids), len(newsroom.sleeps)) == (DeliveryResult.FAILED, 1, 3)
    assert (resumed.result, resumed.delivery_id, len(resumed.message_ids)) == (
        DeliveryResult.POSTED,
        failed.delivery_id,
        2,
    )
    assert sorted(newsroom.poster.titles) == sorted(title(slug) for slug in slugs)


async def test_a_crash_mid_post_is_resumed_with_only_the_rest(newsroom: Newsroom) -> None:
    slugs = ["ferry", "orchard", "chess", "tram", "observatory"]
    await newsroom.follow(
        newsroom.publish("/courier.xml", [(slug, hours_ago(newsroom, n + 1)) for n, slug in enumerate(slugs)])
    )
    subscription = await newsroom.subscribe()
    newsroom.poster.failures = [None, SimulatedCrash()]

    with pytest.raises(SimulatedCrash):
        await newsroom.deliver(subscription)
    newsroom.clock.advance(timedelta(seconds=30))
    assert await newsroom.deliver(subscription) is DeliveryResult.ALREADY_DELIVERED  # the lease still holds
    newsroom.clock.advance(CLAIM_LEASE)
    assert await newsroom.deliver(subscription) is DeliveryResult.POSTED

    assert list(no_repeats(newsroom.poster.titles)) == []
    assert sorted(newsroom.poster.titles) == sorted(title(slug) for slug in slugs)
    assert len(newsroom.poster.posted) == 3


async def test_a_resumed_digest_records_a_message_discord_has_and_does_not_post_it_again(newsroom: Newsroom) -> None:
    slugs = ["ferry", "orchard", "chess", "tram", "observatory"]
    await newsroom.follow(
        newsroom.publish("/courier.xml", [(slug, hours_ago(newsroom, n + 1)) for n, slug in enumerate(slugs)])
    )
    subscription = await newsroom.subscribe()
    newsroom.poster.failures = [None, CrashAfterStoring()]
    with pytest.raises(CrashAfterStoring):
        await newsroom.deliver(subscription)
    stored = newsroom.poster.posted[1][1]
    newsroom.clock.advance(CLAIM_LEASE)
    newsroom.poster.forget_nonces()  # minutes passed: Discord would post the same nonce again

    outcome = await newsroom.service.deliver(subscription.id, kind=DeliveryKind.SCHEDULED, poster=newsroom.poster)

    assert list(no_repeats(newsroom.poster.titles)) == []
    assert sorted(newsroom.poster.titles) == sorted(title(slug) for slug in slugs)
    assert (outcome.result, outcome.stories, len(newsroom.poster.posted)) == (DeliveryResult.POSTED, 1, 3)
    assert outcome.message_ids[:2] == (FIRST_MESSAGE, stored)
    assert newsroom.poster.reads == [FIRST_MESSAGE]  # read from the last message recorded
    assert await newsroom.store.undelivered_items(subscription.id, since=NOW - timedelta(days=1)) == []


async def test_a_resumed_digest_that_packs_differently_still_posts_each_story_once(newsroom: Newsroom) -> None:
    path = "/courier.xml"
    slugs = ["ferry", "orchard", "chess", "tram"]
    await newsroom.follow(newsroom.publish(path, [(slug, hours_ago(newsroom, n + 1)) for n, slug in enumerate(slugs)]))
    subscription = await newsroom.subscribe()
    newsroom.poster.failures = [CrashAfterStoring()]
    with pytest.raises(CrashAfterStoring):
        await newsroom.deliver(subscription)
    # Before the takeover a newer story comes in, which the resumed digest ranks first.
    newsroom.clock.advance(FEED_CHECK_INTERVAL)
    newsroom.publish(path, [("observatory", newsroom.clock()), *((s, hours_ago(newsroom, 1)) for s in slugs)])
    newsroom.poster.forget_nonces()

    assert await newsroom.deliver(subscription) is DeliveryResult.POSTED

    assert list(no_repeats(newsroom.poster.titles)) == []
    assert sorted(newsroom.poster.titles) == sorted(title(slug) for slug in [*slugs, "observatory"])
    assert newsroom.poster.reads == [NOW - PLATFORM_CLOCK_SKEW]  # nothing recorded: read from the start


async def test_a_resumed_nothing_new_note_is_not_posted_twice(newsroom: Newsroom) -> None:
    await newsroom.follow(newsroom.publish("/courier.xml", []))
    subscription = await newsroom.subscribe()
    newsroom.poster.failures = [CrashAfterStoring()]
    with pytest.raises(CrashAfterStoring):
        await newsroom.deliver(subscription)
    newsroom.clock.advance(CLAIM_LEASE)
    newsroom.poster.forget_nonces()

    outcome = await newsroom.service.deliver(subscription.id, kind=DeliveryKind.SCHEDULED, poster=newsroom.poster)

    assert (outcome.result, outcome.message_ids) == (DeliveryResult.POSTED, (FIRST_MESSAGE,))
    assert len(newsroom.poster.posted) == 1


async def test_a_manual_digest_discord_refused_is_retried_and_posted_once(newsroom: Newsroom) -> None:
    await newsroom.follow(
        newsroom.publish("/courier.xml", [("ferry", hours_ago(newsroom, 1)), ("chess", hours_ago(newsroom, 2))])
    )
    subscription = await newsroom.subscribe()
    newsroom.poster.failures = [TransientPostError("503 Service Unavailable")] * 4
    failed = await newsroom.service.deliver(subscription.id, kind=DeliveryKind.MANUAL, poster=newsroom.poster)
    assert (failed.result, failed.delivery_id is not None) == (DeliveryResult.FAILED, True)
    assert failed.delivery_id is not None

    too_soon = await newsroom.service.resume(subscription.id, failed.delivery_id, poster=newsroom.poster)
    newsroom.clock.advance(FIRST_RETRY_DELAY)
    retried = await newsroom.service.resume(subscription.id, failed.delivery_id, poster=newsroom.poster)
    again = await newsroom.service.resume(subscription.id, failed.delivery_id, poster=newsroom.poster)

    assert [too_soon.result, retried.result, again.result] == [
        DeliveryResult.ALREADY_DELIVERED,
        DeliveryResult.POSTED,
        DeliveryResult.ALREADY_DELIVERED,
    ]
    assert sorted(newsroom.poster.titles) == sorted([title("ferry"), title("chess")])
    delivery = await newsroom.store.latest_delivery(subscription.id, kind=DeliveryKind.MANUAL)
    assert delivery is not None
    assert (delivery.id, delivery.status, delivery.attempt) == (failed.delivery_id, DeliveryStatus.POSTED, 2)


async def test_a_retried_manual_digest_with_nothing_left_posts_no_note(newsroom: Newsroom) -> None:
    await newsroom.follow(newsroom.publish("/courier.xml", [("ferry", hours_ago(newsroom, 1))]))
    subscription = await newsroom.subscribe()
    newsroom.poster.failures = [TransientPostError("503 Service Unavailable")] * 4
    failed = await newsroom.service.deliver(subscription.id, kind=DeliveryKind.MANUAL, poster=newsroom.poster)
    assert failed.delivery_id is not None
    newsroom.clock.advance(FIRST_RETRY_DELAY)
    assert await newsroom.deliver(subscription, DeliveryKind.MANUAL) is DeliveryResult.POSTED  # asked again

    retried = await newsroom.service.resume(subscription.id, failed.delivery_id, poster=newsroom.poster)

    assert (retried.result, retried.stories, newsroom.poster.titles) == (DeliveryResult.POSTED, 0, [title("ferry")])
    assert len(newsroom.poster.posted) == 1


async def test_a_manual_digest_whose_channel_is_gone_is_not_retried(newsroom: Newsroom) -> None:
    await newsroom.follow(newsroom.publish("/courier.xml", [("ferry", hours_ago(newsroom, 1))]))
    subscription = await newsroom.subscribe()
    newsroom.poster.failures = [ChannelUnavailable("The channel was deleted")]
    lost = await newsroom.service.deliver(subscription.id, kind=DeliveryKind.MANUAL, poster=newsroom.poster)
    assert lost.delivery_id is not None
    newsroom.clock.advance(FIRST_RETRY_DELAY)

    retried = await newsroom.service.resume(subscription.id, lost.delivery_id, poster=newsroom.poster)

    assert (lost.result, retried.result, newsroom.poster.keys) == (
        DeliveryResult.CHANNEL_UNAVAILABLE,
        DeliveryResult.PAUSED,
        newsroom.poster.keys[:1],
    )


async def test_a_delivery_slower_than_its_lease_keeps_its_claim_by_renewing_it(newsroom: Newsroom) -> None:
    slugs = ["ferry", "orchard", "chess", "tram", "observatory"]
    await newsroom.follow(
        newsroom.publish("/courier.xml", [(slug, hours_ago(newsroom, n + 1)) for n, slug in enumerate(slugs)])
    )
    subscription = await newsroom.subscribe()
    await newsroom.refresher.refresh_due()
    service = DigestService(
        store=newsroom.store, pipeline=newsroom.pipeline, clock=newsroom.clock, lease_renewal=timedelta(seconds=0.05)
    )
    original_post = newsroom.poster.post
    racers: list[object] = []

    async def slow_post(channel_id: int, message: Sent, *, key: str) -> int:
        # Each message takes 40 s of the store's time: three outlast an unrenewed lease.
        newsroom.clock.advance(timedelta(seconds=40))
        await asyncio.sleep(0.3)  # real time for the renewals to run
        raced = await newsroom.store.claim_delivery(
            subscription.id, NOW.date(), DeliveryKind.SCHEDULED, now=newsroom.clock()
        )
        racers.append(raced)
        return await original_post(channel_id, message, key=key)

    newsroom.poster.post = slow_post  # type: ignore[method-assign]

    outcome = await service.deliver(
        subscription.id, kind=DeliveryKind.SCHEDULED, local_date=NOW.date(), poster=newsroom.poster
    )

    assert (outcome.result, len(newsroom.poster.posted)) == (DeliveryResult.POSTED, 3)
    assert racers == [None, None, None]


async def test_a_holder_that_lost_its_lease_posts_no_more(newsroom: Newsroom) -> None:
    slugs = ["ferry", "orchard", "chess"]
    await newsroom.follow(
        newsroom.publish("/courier.xml", [(slug, hours_ago(newsroom, n + 1)) for n, slug in enumerate(slugs)])
    )
    subscription = await newsroom.subscribe()
    # The first post stalls past the lease (a frozen process), and another process takes over.
    newsroom.poster.failures = [None]
    original_post = newsroom.poster.post

    async def stalling_post(channel_id: int, message: Sent, *, key: str) -> int:
        posted = await original_post(channel_id, message, key=key)
        newsroom.clock.advance(CLAIM_LEASE)
        return posted

    newsroom.poster.post = stalling_post  # type: ignore[method-assign]

    outcome = await newsroom.service.deliver(subscription.id, kind=DeliveryKind.SCHEDULED, poster=newsroom.poster)

    assert (outcome.result, len(newsroom.poster.posted)) == (DeliveryResult.TAKEN_OVER, 1)
    delivery = await newsroom.store.latest_delivery(subscription.id)
    assert delivery is not None
    assert (delivery.status, delivery.posted_message_ids) == (DeliveryStatus.CLAIMED, (FIRST_MESSAGE,))


# --- housekeeping -----------------------------------------------------------------------------------


async def test_after_housekeeping_a_story_the_feed_still_lists_is_not_posted_again(newsroom: Newsroom) -> None:
    path = "/courier.xml"
    await newsroom.follow(
        newsroom.publish(path, [("ferry", hours_ago(newsroom, 1)), ("orchard", hours_ago(newsroom, 2))])
    )
    subscription = await newsroom.subscribe()
    assert await newsroom.deliver(subscription) is DeliveryResult.POSTED
    # The feed drops one story, then does not change for 40 days: every check is answered 304.
    newsroom.clock.advance(FEED_CHECK_INTERVAL)
    newsroom.publish(path, [("ferry", hours_ago(newsroom, 1))])
    await newsroom.refresher.refresh_due()
    newsroom.site.add(path, b"", status=304)
    newsroom.clock.advance(timedelta(days=40))
    assert (await newsroom.refresher.refresh_due()).not_modified == 1

    pruned = await newsroom.store.prune_history(retention=timedelta(days=30), now=newsroom.clock())
    # Then it changes: a new story, and the 40-day-old one still there, under a fresh date.
    newsroom.clock.advance(FEED_CHECK_INTERVAL)
    newsroom.publish(path, [("tram", hours_ago(newsroom, 1)), ("ferry", hours_ago(newsroom, 1))])
    refreshed = await newsroom.refresher.refresh_due()
    posted_before = len(newsroom.poster.titles)
    assert await newsroom.deliver(subscription) is DeliveryResult.POSTED

    assert (pruned.seen_items, pruned.delivered_items, pruned.deliveries) == (1, 1, 0)  # the dropped story
    assert refreshed.new_items == 1
    assert newsroom.poster.titles[posted_before:] == [title("tram")]


async def test_a_feed_deleted_while_it_is_fetched_is_skipped(newsroom: Newsroom) -> None:
    path = "/courier.xml"
    feed_id = await newsroom.follow(newsroom.publish(path, [("ferry", hours_ago(newsroom, 1))]))
    page = newsroom.site.pages[path]
    newsroom.site.add(path, page.body, content_type=page.content_type, delay=0.3)

    refreshing = asyncio.create_task(newsroom.refresher.refresh_due())
    for _ in range(500):  # until the request is in flight
        if newsroom.site.hits[path]:
            break
        await asyncio.sleep(0.01)
    await newsroom.store.remove_guild_feed(GUILD, feed_id)
    assert await newsroom.store.prune_unfollowed_feeds() == 1

    assert (await refreshing).new_items == 0

"""A newsroom for digest tests: news reports served by a local site, a real store, the real pipeline
(and the page briefer, with a pipeline of its own), and a recording poster in Discord's place (the
Discord boundary). Shared by the digest, scheduler and service tests; their fixtures are in conftest.py."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path

from bot.briefs import PageBriefer
from bot.digests import DeliveryResult, DigestService, FeedRefresher, PostedMessage, TransientPostError
from bot.live import HeldStory
from bot.news.digest import Digest, DigestStory
from bot.news.fetch import Fetcher
from bot.news.pipeline import Pipeline
from bot.store import DeliveryKind, Store, Subscription, open_store
from bot.targets import DeliveryTarget
from newsbrief_testkit.local_site import LocalSite
from tests.store.conftest import empty_postgres, postgres_url, sqlite_url
from tests.store.samples import CHANNEL, GUILD, MEMBER

NOW = datetime(2025, 3, 14, 5, 0, tzinfo=UTC)
"""A Friday, 06:00 in Berlin: before the test subscriptions' 07:30."""

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
    outlets: tuple[str, ...] = ()
    """A live post's outlets."""


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
    pause_notices: list[tuple[int, int, str]] = field(default_factory=list)
    """(guild, channel, reason) of every pause the server was told of."""
    edits: list[tuple[int, int, Sent]] = field(default_factory=list)
    """(channel, message, new message) of every live post edited."""

    def forget_nonces(self) -> None:
        self.by_key.clear()

    def pack(self, digest: Digest, *, locale: str | None = None, **_target: object) -> list[Sent]:
        self.digests.append(digest)
        if not digest.stories:
            return [Sent(content="Nothing new since the last edition.", titles=(), item_keys=())]
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

    async def post(self, channel_id: int, message: Sent, *, key: str, **_target: object) -> int:
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

    async def own_messages(self, channel_id: int, *, after: int | datetime, **_target: object) -> list[PostedMessage]:
        self.reads.append(after)
        return [
            PostedMessage(id=message_id, links=frozenset(message.links))
            for channel, message_id, message in self.posted
            if channel == channel_id
            and (message_id > after if isinstance(after, int) else self.posted_at[message_id] > after)
        ]

    async def tell_paused(self, guild_id: int, target: DeliveryTarget, reason: str, *, locale: str | None) -> bool:
        self.pause_notices.append((guild_id, target.channel_id, reason))
        return True

    def pack_live(self, story: DigestStory, *, locale: str | None = None, **_target: object) -> Sent:
        return Sent(
            content=story.title,
            titles=(story.title,),
            item_keys=story.item_keys,
            links=tuple(link for link in (story.url, *story.links) if link),
            outlets=story.outlets,
        )

    def pack_held(self, stories: Sequence[HeldStory], *, locale: str | None = None, **_target: object) -> Sent:
        return Sent(
            content="\n".join(story.title for story in stories),
            titles=tuple(story.title for story in stories),
            item_keys=(),
            links=tuple(item.link for story in stories for item in story.coverage),
        )

    async def edit(self, channel_id: int, message_id: int, message: Sent, **_target: object) -> bool:
        failure = self.failures.pop(0) if self.failures else None
        if failure is not None:
            raise failure
        self.edits.append((channel_id, message_id, message))
        return True

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
    briefer: PageBriefer

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
        # As the launcher builds them: the briefer has a pipeline of its own, apart from /summarize's.
        briefer = PageBriefer(store=store, pipeline=Pipeline(fetcher=fetcher), clock=clock)
        refresher = FeedRefresher(store=store, fetcher=fetcher, clock=clock, briefer=briefer)
        service = DigestService(store=store, pipeline=pipeline, refresher=refresher, clock=clock, sleep=sleep)
        try:
            yield Newsroom(
                site, store, clock, pipeline, refresher, service, RecordingPoster(clock=clock), sleeps, briefer
            )
        finally:
            await briefer.close()


def title(slug: str) -> str:
    return REPORTS[slug].title

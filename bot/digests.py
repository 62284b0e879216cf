"""Daily digests as a service: keep the followed feeds fresh, and post each subscription's digest once.

Two pieces, both Discord-free (the bot hands in a `Poster`, the one place that knows Discord):

- `FeedRefresher` (bot/refresh.py, re-exported here) fetches the feeds that are due (conditional GET,
  one fetch per feed however many guilds follow it, a few at a time per host) and stores what they show.
- `DigestService` builds a subscription's digest from the stored items it has not been sent, posts it
  message by message, and records after each message which items it carried. The store's claim makes
  a scheduled digest happen once per local date across processes and restarts. The claim is a lease
  renewed while the digest is posted, so a crashed process's delivery is taken over within a minute;
  the taker first reads the channel back for what the crashed attempt posted without recording it
  (matched by links: Discord does not return nonces), records that, and posts only the rest.

Which items a digest covers (documented here because the store leaves it to its callers):

- never an item already delivered to the subscription (the store's anti-join, by item and by link);
- a subscription's first digest: items first seen and published in the last FIRST_DIGEST_WINDOW
  (24 hours), not the whole backlog of feeds just followed;
- later digests: items first seen since the last posted digest (scheduled or manual) began, and
  published within MAX_DIGEST_WINDOW (48 hours). Items a digest left out (past max_stories) are
  not offered again: each digest is "what is new since the last one". The 48-hour bound keeps a feed
  added to a guild, or one back after days of failing, from flooding the next digest with its archive.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import weakref
from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Protocol, TypeVar

from bot.clock import Clock as Clock
from bot.clock import utc_now as utc_now
from bot.discord_limits import MESSAGE_NONCE_LIMIT
from bot.news.digest import Digest, build_digest, digest_title
from bot.news.feeds import FeedItem
from bot.news.filters import StoryFilter
from bot.news.pipeline import Pipeline
from bot.news.urls import normalize_url

# Re-exported: the refresher lives in bot.refresh, and callers know it from here.
from bot.refresh import FEED_CHECK_INTERVAL as FEED_CHECK_INTERVAL
from bot.refresh import FeedRefresher as FeedRefresher
from bot.refresh import RefreshReport as RefreshReport
from bot.store import (
    CLAIM_LEASE,
    Claim,
    DeliveryKind,
    DeliveryStatus,
    Feed,
    ItemRef,
    NotFound,
    Store,
    Subscription,
    renewal_interval,
)
from bot.targets import DeliveryTarget

LOGGER = logging.getLogger(__name__)

FIRST_DIGEST_WINDOW = timedelta(hours=24)
"""A subscription's first digest covers a day: what a daily digest would have covered."""

MAX_DIGEST_WINDOW = timedelta(hours=48)
"""A later digest never reaches further back than two days: a missed day is news worth catching up
on, older items are archive."""

MAX_DIGEST_ITEMS = 1000
"""Items read for one digest, newest first: 50 feeds (a guild's cap) of a busy day's 20 items each."""

POST_ATTEMPTS = 4
"""Tries per message when Discord answers 5xx: three retries span 2 + 4 + 8 seconds, enough for a
blip; an outage longer than that is left to a later claim of the delivery, within the grace."""

POST_RETRY_DELAY = timedelta(seconds=2)
"""Wait before the first retry of a message; each further retry waits twice as long."""


PLATFORM_CLOCK_SKEW = timedelta(seconds=10)
"""A resumed delivery with nothing recorded reads the channel from this long before it began: the
host's clock may run ahead of Discord's by a little (NTP keeps it within a second); an older message
of the bot's shows stories already recorded, which match nothing."""


FIRST_FETCH_WAIT = 30.0
"""Seconds a digest waits for another process to finish the first fetch of a feed nobody has read yet:
an edition due as the bot starts, or just after /feed add, should not go out empty because another
process holds that feed's fetch. Later fetches are not waited for: what they bring goes in the next
edition."""
FIRST_FETCH_POLL = 0.5

MIN_NAMED_EDITIONS = 2
"""From two editions a day, each is named by its own time (see `edition_named`)."""

DELIVERY_CUT_OFF = "cut off by a shutdown"
"""The error a delivery released mid-post carries until it is taken over."""


# --- the Discord boundary -------------------------------------------------------------------------


class ChannelUnavailable(Exception):
    """The channel cannot take the digest for good (deleted, or the bot lost permission to post).

    The subscription is paused with `reason`, a `PauseReason` code that /digests puts in the reader's words.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TransientPostError(Exception):
    """Posting failed in a way that may pass (Discord 5xx, a dropped connection): worth retrying."""


class OutgoingMessage(Protocol):
    """A packed message: whatever the poster sends, with the feed items it carries."""

    @property
    def item_keys(self) -> Sequence[tuple[str, str]]:
        """(feed URL, item key) of every item the message shows (`DigestStory.item_keys`)."""
        ...


MessageT = TypeVar("MessageT", bound=OutgoingMessage)
ResultT = TypeVar("ResultT")


MESSAGE_KEY_CHARS = MESSAGE_NONCE_LIMIT
"""Discord's limit on a message nonce, which is what the bot's poster uses the key for."""


def message_key(delivery_id: int, position: int, item_keys: Iterable[tuple[str, str]]) -> str:
    """The idempotency key of a digest message: its delivery, its place in it and the items it
    carries. A retry after a lost answer reuses it, and Discord answers with the message it already
    has, for a few minutes. A resumed digest does not rely on it: it reads the channel back first
    (`DigestService._record_already_posted`), so a message packed otherwise after a crash (new
    stories arrived, a page now summarizes to a longer embed) does not repeat a story either."""
    identity = repr((delivery_id, position, tuple(item_keys))).encode()
    return hashlib.sha256(identity).hexdigest()[:MESSAGE_KEY_CHARS]


@dataclass(frozen=True, slots=True)
class PostedMessage:
    """A message of the bot's already in a channel, as the poster reads it back."""

    id: int
    links: frozenset[str]
    """Every link the message shows: its stories' titles' and outlets' links, as posted."""


class Poster(Protocol[MessageT]):
    """Packs a digest into messages and posts them where a subscription's target says: the bot's is
    bot/poster.py (`embeds.pack_digest`, channel.send, threads, forum posts, publishing)."""

    def pack(
        self,
        digest: Digest,
        *,
        locale: str | None = None,
        target: DeliveryTarget | None = None,
        continuing: bool = False,
    ) -> Sequence[MessageT]:
        """The digest as messages, in `locale` (a Discord locale code; None for English), shaped for
        `target` (None: plain messages in a channel); `continuing` a delivery that has posted its first
        message already (what is left of an interrupted one)."""
        ...

    async def post(
        self,
        channel_id: int,
        message: MessageT,
        *,
        key: str,
        target: DeliveryTarget | None = None,
        first_message_id: int | None = None,
    ) -> int:
        """Post one message and return its id.

        `key` names this message of this delivery (at most MESSAGE_KEY_CHARS characters): posted
        again under the same key within a few minutes (a retry after a timeout whose message did
        arrive, a restart between posting and recording), the poster returns the message already
        posted instead of posting a second one, if the platform allows. `first_message_id` is the
        delivery's first message, posted before (recorded, so known to whichever process goes on
        with the delivery): where the target puts the rest after it (a thread under it, say).

        Raises:
            ChannelUnavailable: the channel is gone or closed to the bot.
            TransientPostError: try again later.
        """
        ...

    async def own_messages(
        self,
        channel_id: int,
        *,
        after: int | datetime,
        target: DeliveryTarget | None = None,
        first_message_id: int | None = None,
    ) -> Sequence[PostedMessage]:
        """The bot's own messages of the target after the message `after` or the moment `after`,
        oldest first: what an interrupted delivery may have posted without recording it, wherever
        the target put them after `first_message_id`. Read back as the platform keeps them (Discord
        does not return nonces), so matched by their links.

        Raises:
            ChannelUnavailable: the channel is gone or closed to the bot.
            TransientPostError: try again later.
        """
        ...

    async def tell_paused(self, guild_id: int, target: DeliveryTarget, reason: str, *, locale: str | None) -> bool:
        """Tell the server its digest paused itself for `reason` (a `PauseReason`) and what to fix, in
        `locale`; False when it could not be told."""
        ...


# --- delivering digests ---------------------------------------------------------------------------


class DeliveryResult(StrEnum):
    POSTED = "posted"
    """Posted (a digest with no new stories posts its "nothing new" line, if the poster packs one)."""
    ALREADY_DELIVERED = "already_delivered"
    """The scheduled digest of that date was posted, or is being posted, by someone else."""
    PAUSED = "paused"
    """The subscription is paused: no scheduled digest, and no retry of a manual one."""
    NOT_FOUND = "not_found"
    """The subscription no longer exists."""
    CHANNEL_UNAVAILABLE = "channel_unavailable"
    """The channel is gone or closed to the bot: the subscription is now paused."""
    FAILED = "failed"
    """Discord kept failing: the delivery is marked failed, and a later claim finishes it (the
    scheduler's sweep, for scheduled and manual digests alike, within the grace)."""
    TAKEN_OVER = "taken_over"
    """This process lost the claim's lease mid-delivery (it stalled past the lease) and stopped:
    the process that took the delivery over finishes it."""


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    result: DeliveryResult
    delivery_id: int | None = None
    message_ids: tuple[int, ...] = ()
    """Every message of the delivery, those of an earlier, interrupted attempt included."""
    stories: int = 0
    """Stories posted by this attempt."""
    error: str | None = None


class LeaseLost(Exception):
    """The claim's lease ran out or was taken over: its holder must not post any more."""


class _LeaseKeeper:
    """Renews a claim's lease every `every` in the background while its delivery runs.

    `held` says whether a post may still start: the lease was renewed (or taken) and has at least
    `every` left, the time one more renewal needs, so that no post starts on a lease that may run
    out, and be taken over, before the post is recorded.
    """

    def __init__(self, store: Store, claim: Claim, *, lease: timedelta, every: timedelta, clock: Clock) -> None:
        self.store = store
        self.claim = claim
        self.lease = lease
        self.every = every
        self.clock = clock
        self.expires_at = claim.lease_expires_at
        self.lost = False
        self._task: asyncio.Task[None] | None = None

    def held(self) -> bool:
        return not self.lost and self.clock() + self.every <= self.expires_at

    def check(self) -> None:
        if not self.held():
            raise LeaseLost(f"the lease on delivery {self.claim.delivery_id} ran out or was taken over")

    async def __aenter__(self) -> _LeaseKeeper:
        self._task = asyncio.create_task(self._renew(), name=f"lease of delivery {self.claim.delivery_id}")
        return self

    async def __aexit__(self, *_exc_info: object) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _renew(self) -> None:
        # Real time, not the injected sleep: the lease runs out in the database's time, whatever a test's clock does.
        while True:
            await asyncio.sleep(self.every.total_seconds())
            moment = self.clock()
            try:
                renewed = await self.store.renew_claim(self.claim, now=moment, lease=self.lease)
            except Exception:  # the database is away: keep trying while the lease lasts
                LOGGER.warning("Renewing the lease on delivery %s failed", self.claim.delivery_id, exc_info=True)
                continue
            if not renewed:
                LOGGER.warning("Delivery %s was taken over by another process", self.claim.delivery_id)
                self.lost = True
                return
            self.expires_at = moment + self.lease


@dataclass(frozen=True, slots=True)
class Gathered:
    """A subscription's digest material: its feeds and the stored items, as the digest builder takes them."""

    feeds: tuple[Feed, ...]
    items: tuple[FeedItem, ...]


def never_fetched(feed: Feed) -> bool:
    """Whether no fetch of the feed has ended yet, well or badly."""
    return feed.last_success_at is None and feed.last_error_at is None


class DigestService:
    """Builds and posts subscriptions' digests: each scheduled one once per local date, each item once."""

    def __init__(
        self,
        *,
        store: Store,
        pipeline: Pipeline,
        refresher: FeedRefresher | None = None,
        clock: Clock = utc_now,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        post_attempts: int = POST_ATTEMPTS,
        post_retry_delay: timedelta = POST_RETRY_DELAY,
        lease: timedelta = CLAIM_LEASE,
        lease_renewal: timedelta | None = None,
    ) -> None:
        """Args:
        store: feeds, items, subscriptions and deliveries.
        pipeline: runs the digest's CPU work (grouping and ranking stories); it briefs the story
            pages only when the refresher has no briefer.
        refresher: refreshes a subscription's due feeds before its digest; None to use what is stored.
            Its briefer's stored briefs are the stories' summaries (a story without one shows its
            feed's summary and says so), so a digest fetches no page itself.
        clock: the current time.
        sleep: waits between post retries (tests pass a recorder).
        post_attempts: tries per message on TransientPostError.
        post_retry_delay: the first retry's wait, doubling after.
        lease: how long a claim holds without renewal (DELIVERY_LEASE_SECONDS); another process
            takes a delivery over that long after its holder's last renewal.
        lease_renewal: how often the holder renews it while delivering; by default a third of
            `lease` (`renewal_interval`).
        """
        lease_renewal = renewal_interval(lease) if lease_renewal is None else lease_renewal
        if post_attempts < 1:
            raise ValueError("post_attempts must be at least 1")
        if not timedelta(0) < lease_renewal < lease:
            raise ValueError("lease_renewal must be positive and shorter than the lease")
        self.store = store
        self.pipeline = pipeline
        self.refresher = refresher
        self.clock = clock
        self.sleep = sleep
        self.post_attempts = post_attempts
        self.post_retry_delay = post_retry_delay
        self.lease = lease
        self.lease_renewal = lease_renewal
        # One delivery at a time per subscription in this process: a /digest now and the scheduled
        # digest at the same moment would otherwise both read the same undelivered items. Weak values:
        # a lock lives while a delivery holds or waits for it, so the table does not grow forever.
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    def lock_of(self, subscription_id: int) -> asyncio.Lock:
        """The subscription's delivery lock, shared by every delivery of it under way in this process."""
        lock = self._locks.get(subscription_id)
        if lock is None:
            lock = self._locks[subscription_id] = asyncio.Lock()
        return lock

    async def preview(self, subscription_id: int) -> Digest:
        """The digest the subscription would get now, without posting or marking anything.

        Raises:
            NotFound: there is no such subscription.
        """
        subscription = await self._subscription(subscription_id)
        if subscription is None:
            raise NotFound(f"Subscription {subscription_id} no longer exists.")
        await self._refresh(subscription)
        return await self._build(subscription, await self.gather(subscription, exclude=frozenset()))

    async def deliver(
        self,
        subscription_id: int,
        *,
        kind: DeliveryKind,
        local_date: date | None = None,
        edition_time: time | None = None,
        poster: Poster[MessageT],
    ) -> DeliveryOutcome:
        """Post the subscription's digest to its channel, unless it is done or being done already.

        Args:
            subscription_id: whose digest.
            kind: SCHEDULED (once per local date) or MANUAL (/digest now: always; its stories count as
                delivered, so a scheduled digest later that day carries only what is newer).
            local_date: the date the digest is for, in the subscription's zone; today there by default.
            edition_time: which of that date's editions (a scheduled one; the first by default).
            poster: packs and posts the messages.
        """
        kind = DeliveryKind(kind)
        async with self.lock_of(subscription_id):
            subscription = await self._subscription(subscription_id)
            if subscription is None:
                return DeliveryOutcome(DeliveryResult.NOT_FOUND)
            if subscription.paused and kind is DeliveryKind.SCHEDULED:
                return DeliveryOutcome(DeliveryResult.PAUSED, error=subscription.pause_reason)
            await self._refresh(subscription)
            day = local_date or self.clock().astimezone(subscription.zone).date()
            claim = await self.store.claim_delivery(
                subscription.id, day, kind, edition_time=edition_time, now=self.clock(), lease=self.lease
            )
            if claim is None:
                return DeliveryOutcome(DeliveryResult.ALREADY_DELIVERED)
            return await self._run(subscription, claim, poster)

    async def deliver_edition(self, claim: Claim, *, poster: Poster[MessageT]) -> DeliveryOutcome:
        """Post an edition the delivery clock claimed (`Store.claim_due_editions`): its feeds are
        refreshed under the claim's lease, then it is posted as `deliver` posts.

        NOT_FOUND when the subscription is gone (its delivery went with it); PAUSED, the delivery
        left failed, when it was paused since the claim.
        """
        async with self.lock_of(claim.subscription_id):
            subscription = await self._subscription(claim.subscription_id)
            if subscription is None:
                return DeliveryOutcome(DeliveryResult.NOT_FOUND, delivery_id=claim.delivery_id)
            if subscription.paused:
                await self.store.complete_delivery(
                    claim, status=DeliveryStatus.FAILED, error=subscription.pause_reason, now=self.clock()
                )
                return DeliveryOutcome(
                    DeliveryResult.PAUSED, delivery_id=claim.delivery_id, error=subscription.pause_reason
                )
            return await self._run(subscription, claim, poster, refresh_first=True)

    async def resume(self, subscription_id: int, delivery_id: int, *, poster: Poster[MessageT]) -> DeliveryOutcome:
        """Finish a delivery that failed or whose holder died (a manual digest, found by the
        scheduler's sweep), posting only what Discord does not have yet.

        ALREADY_DELIVERED when it is posted, or its claim is held or was just taken by someone else;
        PAUSED, leaving it as it is, while the subscription is paused (its channel refused it).
        """
        async with self.lock_of(subscription_id):
            subscription = await self._subscription(subscription_id)
            if subscription is None:
                return DeliveryOutcome(DeliveryResult.NOT_FOUND)
            if subscription.paused:
                return DeliveryOutcome(DeliveryResult.PAUSED, delivery_id=delivery_id, error=subscription.pause_reason)
            claim = await self.store.take_over_delivery(delivery_id, now=self.clock(), lease=self.lease)
            if claim is None:
                return DeliveryOutcome(DeliveryResult.ALREADY_DELIVERED)
            if claim.subscription_id != subscription_id:
                raise ValueError(f"delivery {delivery_id} is not one of subscription {subscription_id}'s")
            return await self._run(subscription, claim, poster)

    async def _run(
        self, subscription: Subscription, claim: Claim, poster: Poster[MessageT], *, refresh_first: bool = False
    ) -> DeliveryOutcome:
        """Post the claimed delivery, its lease renewed meanwhile (and its feeds refreshed first, with
        `refresh_first`); whatever goes wrong, leave it failed (a later claim then takes it over after
        `retry_delay`) rather than held until the lease runs out. Cancelled (a shutdown cut it off),
        release the claim: the next sweep, here or in another process, takes it over at once."""
        LOGGER.info(
            "Posting delivery %s of subscription %s to channel %s (attempt %d)",
            claim.delivery_id,
            subscription.id,
            subscription.channel_id,
            claim.attempt,
        )
        try:
            async with _LeaseKeeper(
                self.store, claim, lease=self.lease, every=self.lease_renewal, clock=self.clock
            ) as lease:
                try:
                    if refresh_first:
                        await self._refresh(subscription)
                    return await self._post_digest(subscription, claim, poster, lease)
                except LeaseLost as lost:
                    LOGGER.warning("Stopped delivery %s: %s", claim.delivery_id, lost)
                    return DeliveryOutcome(DeliveryResult.TAKEN_OVER, delivery_id=claim.delivery_id, error=str(lost))
                except Exception as error:
                    await self.store.complete_delivery(
                        claim, status=DeliveryStatus.FAILED, error=f"{type(error).__name__}: {error}", now=self.clock()
                    )
                    raise
        except asyncio.CancelledError:
            # After the lease keeper has stopped, so that no renewal lands after the release.
            await self._release(claim)
            raise

    async def _release(self, claim: Claim) -> None:
        try:
            released = await self.store.release_claim(claim, reason=DELIVERY_CUT_OFF, now=self.clock())
        except Exception:  # the database is away too: the lease runs out by itself
            LOGGER.warning("Releasing delivery %s failed; it is free once its lease runs out", claim.delivery_id)
            return
        if released:
            LOGGER.info("Delivery %s was cut off and released: the next sweep finishes it", claim.delivery_id)

    async def _post_digest(
        self, subscription: Subscription, claim: Claim, poster: Poster[MessageT], lease: _LeaseKeeper
    ) -> DeliveryOutcome:
        gathered = await self.gather(subscription, exclude=claim.delivered)
        digest = edition_named(subscription, claim, await self._build(subscription, gathered))
        feed_ids = {feed.url: feed.id for feed in gathered.feeds}
        posted = list(claim.posted_message_ids)
        try:
            if claim.resumed:
                digest, found = await self._record_already_posted(subscription, claim, gathered, digest, poster)
                posted += [message_id for message_id in found if message_id not in posted]
            messages: Sequence[MessageT] = poster.pack(
                digest, locale=subscription.locale, target=subscription.target, continuing=bool(posted)
            )
            if not digest.stories and (posted or (claim.resumed and claim.kind is DeliveryKind.MANUAL)):
                # Nothing left: no "nothing new" after the digest's stories, nor as the late answer
                # to a /digest now that Discord refused.
                messages = ()
            for message in messages:
                key = message_key(claim.delivery_id, len(posted), message.item_keys)
                message_id = await self.post_message(
                    poster, subscription, message, key=key, first_message_id=posted[0] if posted else None, lease=lease
                )
                posted.append(message_id)
                # Right after the post: a crash from here on neither repeats this message nor loses the rest.
                await self.store.record_delivered_items(
                    subscription.id,
                    item_refs(message.item_keys, feed_ids),
                    delivery_id=claim.delivery_id,
                    message_id=message_id,
                    now=self.clock(),
                )
        except ChannelUnavailable as unavailable:
            LOGGER.warning(
                "Channel %s of guild %s cannot take digests (%s): pausing subscription %s",
                subscription.channel_id,
                subscription.guild_id,
                unavailable.reason,
                subscription.id,
            )
            await self.store.complete_delivery(
                claim, status=DeliveryStatus.FAILED, error=unavailable.reason, now=self.clock()
            )
            await self.pause_unavailable(subscription, unavailable.reason, poster)
            return DeliveryOutcome(
                DeliveryResult.CHANNEL_UNAVAILABLE,
                delivery_id=claim.delivery_id,
                message_ids=tuple(posted),
                error=unavailable.reason,
            )
        except TransientPostError as error:
            LOGGER.warning("Delivery %s failed after %d tries: %s", claim.delivery_id, self.post_attempts, error)
            await self.store.complete_delivery(claim, status=DeliveryStatus.FAILED, error=str(error), now=self.clock())
            return DeliveryOutcome(
                DeliveryResult.FAILED, delivery_id=claim.delivery_id, message_ids=tuple(posted), error=str(error)
            )
        await self.store.complete_delivery(claim, status=DeliveryStatus.POSTED, now=self.clock())
        LOGGER.info(
            "Delivered digest %s to channel %s: %d stories in %d messages",
            claim.delivery_id,
            subscription.channel_id,
            len(digest.stories),
            len(messages),
        )
        return DeliveryOutcome(
            DeliveryResult.POSTED, delivery_id=claim.delivery_id, message_ids=tuple(posted), stories=len(digest.stories)
        )

    async def _record_already_posted(
        self,
        subscription: Subscription,
        claim: Claim,
        gathered: Gathered,
        digest: Digest,
        poster: Poster[MessageT],
    ) -> tuple[Digest, list[int]]:
        """Read the channel for messages an earlier attempt posted without recording them (it died
        between Discord's answer and the record, or never heard the answer), and record the items
        they show as delivered by them. Returns the digest without those stories, and their ids.

        A message shows an item when one of its links is the item's link; every item of a story of
        which one item is shown counts as shown, as posting that story would have recorded them all.
        """
        after: int | datetime = (
            max(claim.posted_message_ids) if claim.posted_message_ids else claim.started_at - PLATFORM_CLOCK_SKEW
        )
        found = await poster.own_messages(
            subscription.channel_id,
            after=after,
            target=subscription.target,
            first_message_id=claim.posted_message_ids[0] if claim.posted_message_ids else None,
        )
        by_link: dict[str, list[FeedItem]] = {}
        for item in gathered.items:
            if item.link:
                by_link.setdefault(normalize_url(item.link), []).append(item)
        feed_ids = {feed.url: feed.id for feed in gathered.feeds}
        stories = list(digest.stories)
        message_ids: list[int] = []
        for message in found:
            shown = {
                (item.feed_url, item.key) for link in message.links for item in by_link.get(normalize_url(link), ())
            }
            carried = [story for story in stories if shown.intersection(story.item_keys)]
            for story in carried:
                shown.update(story.item_keys)
            if not shown and (message.links or digest.stories):
                continue  # nothing of this digest: another delivery's message
            await self.store.record_delivered_items(
                subscription.id,
                item_refs(sorted(shown), feed_ids),
                delivery_id=claim.delivery_id,
                message_id=message.id,
                now=self.clock(),
            )
            message_ids.append(message.id)
            stories = [story for story in stories if story not in carried]
            LOGGER.info(
                "Delivery %s: message %s was already posted, with %d stories; recorded, not sent again",
                claim.delivery_id,
                message.id,
                len(carried),
            )
        return replace(digest, stories=tuple(stories)), message_ids

    async def pause_unavailable(self, subscription: Subscription, reason: str, poster: Poster[MessageT]) -> None:
        """Pause the subscription; the process that paused it tells the server, once."""
        if not await self.store.pause_running_subscription(subscription.id, reason=reason, now=self.clock()):
            return
        try:
            await poster.tell_paused(subscription.guild_id, subscription.target, reason, locale=subscription.locale)
        except Exception:  # the pause stands and /digests shows it; the notice is a courtesy
            LOGGER.warning("Telling guild %s about the paused digest failed", subscription.guild_id, exc_info=True)

    async def post_message(
        self,
        poster: Poster[MessageT],
        subscription: Subscription,
        message: MessageT,
        *,
        key: str,
        first_message_id: int | None,
        lease: _LeaseKeeper | None,
    ) -> int:
        """Post one message, retrying TransientPostError; each try only while `lease` holds (a live
        post's claim is short enough to need no renewal: None)."""
        channel_id = subscription.channel_id
        return await self.with_retries(
            lambda: poster.post(
                channel_id, message, key=key, target=subscription.target, first_message_id=first_message_id
            ),
            what=f"Posting to channel {channel_id}",
            lease=lease,
        )

    async def with_retries(
        self, attempt: Callable[[], Awaitable[ResultT]], *, what: str, lease: _LeaseKeeper | None = None
    ) -> ResultT:
        """`attempt` (a post or an edit), tried again on TransientPostError up to `post_attempts` times,
        `post_retry_delay` apart and doubling; each try only while `lease` holds (None: no lease)."""
        delay = self.post_retry_delay
        for number in range(1, self.post_attempts + 1):
            if lease is not None:
                lease.check()
            try:
                return await attempt()
            except TransientPostError as error:
                if number == self.post_attempts:
                    raise
                LOGGER.info("%s failed (%s); retrying in %s", what, error, delay)
                await self.sleep(delay.total_seconds())
                delay *= 2
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _subscription(self, subscription_id: int) -> Subscription | None:
        return await self.store.subscription_by_id(subscription_id)

    async def _refresh(self, subscription: Subscription) -> None:
        """Fetch the subscription's feeds that are due; a digest goes out with what is stored anyway."""
        if self.refresher is None:
            return
        feeds = await self._feeds(subscription)
        first_fetches = any(never_fetched(feed) for feed in feeds)
        try:
            if self.refresher.has_work_for(feeds, now=self.clock()):
                await self.refresher.refresh_due(feed_ids=[feed.id for feed in feeds])
            if first_fetches:  # else nothing to wait for: no second read
                await self._await_first_fetches(subscription)
        except Exception:  # the database or the fetcher broke: the stored items still make a digest
            LOGGER.error("Refreshing the feeds of subscription %s failed", subscription.id, exc_info=True)

    async def _await_first_fetches(self, subscription: Subscription) -> None:
        """Wait (FIRST_FETCH_WAIT at most) while a feed of the subscription has never been fetched: after
        `refresh_due`, such a feed is being fetched by another process."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + FIRST_FETCH_WAIT
        while any(never_fetched(feed) for feed in await self._feeds(subscription)):
            if loop.time() >= deadline:
                LOGGER.info("Subscription %s goes out without a feed no process has fetched yet", subscription.id)
                return
            await asyncio.sleep(FIRST_FETCH_POLL)

    async def _feeds(self, subscription: Subscription) -> list[Feed]:
        followed = await self.store.list_guild_feeds(subscription.guild_id)
        chosen = None if subscription.feed_ids is None else set(subscription.feed_ids)
        return [entry.feed for entry in followed if chosen is None or entry.feed.id in chosen]

    async def gather(self, subscription: Subscription, *, exclude: Collection[ItemRef] = frozenset()) -> Gathered:
        """The subscription's feeds and its undelivered items of the window its next digest (or, live,
        its next live cycle) covers; `exclude`: items an interrupted delivery posted already."""
        now = self.clock()
        previous = await self.store.latest_delivery(subscription.id, status=DeliveryStatus.POSTED)
        if previous is None:
            since = published_after = now - FIRST_DIGEST_WINDOW
        else:
            published_after = now - MAX_DIGEST_WINDOW
            # Strictly after: the last digest read every item first seen up to its claim.
            since = max(previous.claimed_at + timedelta(microseconds=1), published_after)
        if subscription.live:
            # Live posts what breaks from the moment it is set up, never the backlog before it.
            since = max(since, subscription.created_at)
        feeds = tuple(await self._feeds(subscription))
        by_id = {feed.id: feed for feed in feeds}
        stored = await self.store.undelivered_items(
            subscription.id,
            since=since,
            published_after=published_after,
            feed_ids=list(by_id),
            limit=MAX_DIGEST_ITEMS,
        )
        items = tuple(
            item.feed_item(by_id[item.feed_id]) for item in stored if item.ref not in exclude and item.feed_id in by_id
        )
        return Gathered(feeds=feeds, items=items)

    async def _build(self, subscription: Subscription, gathered: Gathered) -> Digest:
        return await self.build_stories(
            subscription,
            gathered.items,
            max_stories=subscription.max_stories,
            story_filter=subscription.story_filter,
            failing_feeds=[feed.title or feed.url for feed in gathered.feeds if feed.failing],
        )

    async def build_stories(
        self,
        subscription: Subscription,
        items: Sequence[FeedItem],
        *,
        max_stories: int,
        story_filter: StoryFilter,
        failing_feeds: Sequence[str] = (),
    ) -> Digest:
        """`items` as the subscription's ranked, summarized stories (one per event across outlets,
        its keywords first, `story_filter` applied), from the briefs the refresher stored."""
        briefer = self.refresher.briefer if self.refresher is not None else None
        return await build_digest(
            items,
            pipeline=self.pipeline,
            briefs=briefer.briefs_for if briefer is not None else None,
            local_now=self.clock().astimezone(subscription.zone),
            max_stories=max_stories,
            keywords=subscription.keywords,
            story_filter=story_filter,
            failing_feeds=failing_feeds,
        )


def edition_named(subscription: Subscription, claim: Claim, digest: Digest) -> Digest:
    """The digest titled for its edition when the subscription has several a day ("Evening briefing"
    by the edition's local hour, of the edition's date, however late it is posted); a single daily
    edition keeps the title of the time it is made."""
    if claim.edition_time is None or len(subscription.edition_times) < MIN_NAMED_EDITIONS:
        return digest
    edition = datetime.combine(claim.local_date, claim.edition_time)
    return replace(digest, title=digest_title(edition), local_date=claim.local_date)


def item_refs(item_keys: Sequence[tuple[str, str]], feed_ids: dict[str, int]) -> list[ItemRef]:
    refs = []
    for feed_url, key in item_keys:
        feed_id = feed_ids.get(feed_url)
        if feed_id is None:
            LOGGER.warning("A digest message names item %r of feed %s, which the digest did not read", key, feed_url)
            continue
        refs.append(ItemRef(feed_id, key))
    return refs

"""Live delivery: each new story a live subscription's feeds bring is posted within the refresh that
brought it, another outlet's coverage of a story posted in the last day edits that post (or the
combined message it went out in), and what is over the hourly cap goes out as one combined message when
the next hour begins.

Discord-free, like the digest service whose gathering it reuses (bot/digests.py: the same items, one
story per event across outlets, the same briefs and story filters, the subscription's history of
delivered items). bot/live.py decides; bot/store/live.py keeps each story's claim, so a story is
posted once across processes and crashes:

- a story is claimed before it is posted, with a nonce that is the same for every process;
- a holder that died between posting and recording leaves a claim whose lease runs out; the next
  cycle takes it over and first reads the channel back for its message (by links, as an interrupted
  edition does), posting only when it is not there;
- a story's items are recorded as delivered once its message is recorded (or once it is held, or
  its post edited), so an edition after a switch from live does not repeat them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from bot.digests import (
    PLATFORM_CLOCK_SKEW,
    ChannelUnavailable,
    DigestService,
    Gathered,
    MessageT,
    Poster,
    TransientPostError,
    item_refs,
)
from bot.live import (
    LIVE_EDIT_WINDOW,
    CoverageEdit,
    HeldStory,
    LivePlan,
    covered_story,
    hour_start,
    next_hour,
    plan_live,
    story_coverage,
    story_key,
    story_nonce,
)
from bot.news.digest import DigestStory
from bot.news.filters import StoryFilter
from bot.news.urls import normalize_url
from bot.store import Subscription
from bot.store.live import LIVE_LEASE, LiveClaim, LivePost
from bot.store.records import link_key
from bot.store.tables import LivePostStatus
from bot.targets import DeliveryTarget

LOGGER = logging.getLogger(__name__)

DEFAULT_LIVE_WORKERS = 4
"""Subscriptions worked on at once by one process's live cycle: each is a few queries and a few
messages; Discord's rate limit, shared by all, is what bounds the rest."""


class LivePoster(Poster[MessageT], Protocol[MessageT]):
    """A poster that also packs live posts and edits them (bot/poster.py's DiscordPoster)."""

    def pack_live(
        self, story: DigestStory, *, locale: str | None = None, target: DeliveryTarget | None = None
    ) -> MessageT:
        """One story as one message, shaped for `target` (None: as an edit of its post carries it)."""
        ...

    def pack_held(
        self, stories: Sequence[HeldStory], *, locale: str | None = None, target: DeliveryTarget | None = None
    ) -> MessageT:
        """The stories held over the hourly cap as one message, shaped for `target`."""
        ...

    async def edit(
        self, channel_id: int, message_id: int, message: MessageT, *, target: DeliveryTarget | None = None
    ) -> bool:
        """Replace the embeds of a message the bot posted; False when the message is gone.

        Raises:
            ChannelUnavailable: the channel is gone or closed to the bot.
            TransientPostError: try again later.
        """
        ...


@dataclass(frozen=True, slots=True)
class LiveOutcome:
    """What live delivery did, for one subscription or summed over a cycle."""

    posted: int = 0
    """Messages posted: one per story, one per combined message."""
    edited: int = 0
    held: int = 0
    paused: int = 0
    """Subscriptions paused because their channel refused them."""

    def __add__(self, other: LiveOutcome) -> LiveOutcome:
        return LiveOutcome(
            posted=self.posted + other.posted,
            edited=self.edited + other.edited,
            held=self.held + other.held,
            paused=self.paused + other.paused,
        )


def live_filter(story_filter: StoryFilter) -> StoryFilter:
    """The subscription's filter as live applies it: include, exclude and minimum of outlets; the
    per-outlet cap shares out an edition's room, and live has no edition to share (its hourly cap
    bounds what is posted)."""
    return replace(story_filter, max_per_outlet=0)


class LiveDelivery:
    """Posts live subscriptions' new stories, edits their posts with new coverage, and posts the
    stories held over the cap at the next hour."""

    def __init__(
        self, digests: DigestService, *, workers: int = DEFAULT_LIVE_WORKERS, lease: timedelta = LIVE_LEASE
    ) -> None:
        """Args:
        digests: the digest service whose gathering, story building, posting and pausing live reuses
            (and whose per-subscription lock keeps a /digest now and a live cycle apart).
        workers: subscriptions worked on at once.
        lease: how long a story's claim holds: a holder that dies leaves it to the first cycle after.
        """
        if workers < 1:
            raise ValueError("at least one live worker is needed")
        self.digests = digests
        self.store = digests.store
        self.workers = workers
        self.lease = lease

    def _now(self) -> datetime:
        return self.digests.clock()

    # --- cycles -----------------------------------------------------------------------------------

    async def run_cycle(self, *, poster: LivePoster[MessageT]) -> LiveOutcome:
        """After a refresh: every active live subscription's new stories posted, edits made, the rest held."""
        ids = await self.store.live_subscription_ids()
        return await self._each(ids, lambda subscription_id: self.deliver_new(subscription_id, poster=poster))

    async def post_held(self, *, poster: LivePoster[MessageT]) -> LiveOutcome:
        """At an hour's start: every subscription's stories held for it, one combined message each."""
        ids = await self.store.subscriptions_holding_stories(now=self._now())
        return await self._each(ids, lambda subscription_id: self.deliver_held(subscription_id, poster=poster))

    async def _each(self, ids: Sequence[int], work: Callable[[int], Awaitable[LiveOutcome]]) -> LiveOutcome:
        """`work` on each subscription, `workers` at a time; one's failure is logged, the rest go on."""
        pending = iter(ids)
        total = LiveOutcome()

        async def worker() -> None:
            nonlocal total
            for subscription_id in pending:  # shared: each id is taken by one worker
                try:
                    done = await work(subscription_id)
                except Exception:
                    LOGGER.error("Live delivery to subscription %s failed", subscription_id, exc_info=True)
                    continue
                total += done  # after the await: `total += await ...` would add to a stale total

        async with asyncio.TaskGroup() as group:
            for _ in range(min(self.workers, len(ids))):
                group.create_task(worker())
        return total

    # --- one subscription -------------------------------------------------------------------------

    async def deliver_new(self, subscription_id: int, *, poster: LivePoster[MessageT]) -> LiveOutcome:
        """Post, edit or hold the subscription's new stories (nothing for a paused or edition one)."""
        async with self.digests.lock_of(subscription_id):
            subscription = await self.store.subscription_by_id(subscription_id)
            if subscription is None or subscription.paused or not subscription.live:
                return LiveOutcome()
            gathered = await self.digests.gather(subscription)
            if not gathered.items:
                return LiveOutcome()
            stories, plan = await self._plan(subscription, gathered)
            feed_ids = {feed.url: feed.id for feed in gathered.feeds}
            return await self._guarded(
                subscription,
                poster,
                self._carry_out(subscription, stories, plan, feed_ids, poster),
                waiting="Live posts of subscription {id} wait for the next refresh: {error}",
            )

    async def _guarded(
        self, subscription: Subscription, poster: LivePoster[MessageT], work: Awaitable[LiveOutcome], *, waiting: str
    ) -> LiveOutcome:
        """`work`'s outcome; a channel that refuses the bot pauses the subscription (as editions do), and
        a failure that may pass leaves the rest for later, logged as `waiting` says."""
        try:
            return await work
        except ChannelUnavailable as unavailable:
            LOGGER.warning(
                "Channel %s cannot take live posts (%s): pausing subscription %s",
                subscription.channel_id,
                unavailable.reason,
                subscription.id,
            )
            await self.digests.pause_unavailable(subscription, unavailable.reason, poster)
            return LiveOutcome(paused=1)
        except TransientPostError as error:
            LOGGER.warning(waiting.format(id=subscription.id, error=error))
            return LiveOutcome()

    async def _plan(self, subscription: Subscription, gathered: Gathered) -> tuple[list[DigestStory], LivePlan]:
        """The new items as stories, grouped with the items of the subscription's posts of the last
        day (so another outlet's article joins the story it covers), and what to do with them."""
        now = self._now()
        since = now - LIVE_EDIT_WINDOW
        feeds = {feed.id: feed for feed in gathered.feeds}
        fresh = {(item.feed_url, item.key) for item in gathered.items}
        context = [
            item.feed_item(feeds[item.feed_id])
            for item in await self.store.live_items_since(subscription.id, since)
            if item.feed_id in feeds and (feeds[item.feed_id].url, item.key) not in fresh
        ]
        items = [*gathered.items, *context]
        digest = await self.digests.build_stories(
            subscription, items, max_stories=len(items), story_filter=live_filter(subscription.story_filter)
        )
        stories = [story for story in digest.stories if fresh.intersection(story.item_keys)]
        recent = await self.store.live_posts_since(subscription.id, since)
        posted_this_hour = await self.store.live_messages_since(subscription.id, hour_start(now))
        plan = plan_live(stories, recent, posted_this_hour=posted_this_hour, hourly_cap=subscription.hourly_cap)
        return stories, plan

    async def _carry_out(
        self,
        subscription: Subscription,
        stories: Sequence[DigestStory],
        plan: LivePlan,
        feed_ids: dict[str, int],
        poster: LivePoster[MessageT],
    ) -> LiveOutcome:
        outcome = LiveOutcome()
        for story in plan.hold:
            outcome += await self._hold(subscription, story, feed_ids)
        for story in plan.post:
            outcome += await self._post_story(subscription, story, feed_ids, poster)
        for edit in plan.edit:
            outcome += await self._edit(subscription, edit, feed_ids, poster)
        planned = {id(story) for story in (*plan.post, *plan.hold, *(edit.story for edit in plan.edit))}
        for story in stories:
            if id(story) not in planned:
                # Its new outlets' links are a post's already (the same article in another feed):
                # nothing to show, but not new next time either.
                await self._record_items(subscription, story, feed_ids)
        return outcome

    async def _hold(self, subscription: Subscription, story: DigestStory, feed_ids: dict[str, int]) -> LiveOutcome:
        key = story_key(story)
        held = await self.store.hold_live_story(
            subscription.id,
            key,
            story_coverage(story),
            nonce=story_nonce(subscription.id, key),
            due_at=next_hour(self._now()),
            now=self._now(),
        )
        if held or await self._settled(subscription.id, key):
            await self._record_items(subscription, story, feed_ids)
        return LiveOutcome(held=int(held))

    async def _post_story(
        self, subscription: Subscription, story: DigestStory, feed_ids: dict[str, int], poster: LivePoster[MessageT]
    ) -> LiveOutcome:
        key = story_key(story)
        claim = await self.store.claim_live_story(
            subscription.id,
            key,
            story_coverage(story),
            nonce=story_nonce(subscription.id, key),
            now=self._now(),
            lease=self.lease,
        )
        if claim is None:
            # Posted or held already, its items not recorded (their recorder died); or being posted.
            if await self._settled(subscription.id, key):
                await self._record_items(subscription, story, feed_ids)
            return LiveOutcome()
        message = poster.pack_live(story, locale=subscription.locale, target=subscription.target)
        posted = await self._post_claimed(subscription, claim, message, poster)
        await self._record_items(subscription, story, feed_ids)
        return LiveOutcome(posted=int(posted))

    async def _edit(
        self,
        subscription: Subscription,
        edit: CoverageEdit,
        feed_ids: dict[str, int],
        poster: LivePoster[MessageT],
    ) -> LiveOutcome:
        """Edit the post to name every outlet: a story's own post shows the story again; the hour's
        combined message a held story went out in lists each of its stories again, this one with
        its new outlets."""
        edited = False
        if edit.post.message_ids:
            if edit.post.due_at is not None:  # it was held, and went out in the hour's combined message
                message = await self._combined_message(subscription, edit, poster)
            else:
                message = poster.pack_live(covered_story(edit.story, edit.coverage), locale=subscription.locale)
            message_id = edit.post.message_ids[0]
            edited = await self.digests.with_retries(
                lambda: poster.edit(subscription.channel_id, message_id, message, target=subscription.target),
                what=f"Editing live post {message_id}",
            )
        await self.store.record_live_coverage(edit.post.id, edit.coverage)
        await self._record_items(subscription, edit.story, feed_ids)
        return LiveOutcome(edited=int(edited))

    async def _combined_message(
        self, subscription: Subscription, edit: CoverageEdit, poster: LivePoster[MessageT]
    ) -> MessageT:
        """The combined message `edit.post` went out in, as an edit carries it: its stories as the
        store has them (an earlier edit of this cycle included), the edited one with its new coverage."""
        posts = [
            replace(post, coverage=edit.coverage) if post.id == edit.post.id else post
            for post in await self.store.live_posts_in_message(edit.post)
        ]
        return poster.pack_held(await self._held_stories(posts), locale=subscription.locale)

    # --- held stories -----------------------------------------------------------------------------

    async def deliver_held(self, subscription_id: int, *, poster: LivePoster[MessageT]) -> LiveOutcome:
        """Post the subscription's stories held for an hour now begun as one message (a paused
        subscription keeps them until it is resumed)."""
        async with self.digests.lock_of(subscription_id):
            subscription = await self.store.subscription_by_id(subscription_id)
            if subscription is None or subscription.paused:
                return LiveOutcome()
            claim = await self.store.claim_held_stories(subscription.id, now=self._now(), lease=self.lease)
            if claim is None:
                return LiveOutcome()
            return await self._guarded(
                subscription,
                poster,
                self._post_held(subscription, claim, poster),
                waiting="Held stories of subscription {id} wait for the next check: {error}",
            )

    async def _post_held(
        self, subscription: Subscription, claim: LiveClaim, poster: LivePoster[MessageT]
    ) -> LiveOutcome:
        held = await self._held_stories(claim.posts)
        message = poster.pack_held(held, locale=subscription.locale, target=subscription.target)
        posted = await self._post_claimed(subscription, claim, message, poster, always_look=True)
        LOGGER.info("Posted %d held stories to channel %s in one message", len(held), subscription.channel_id)
        return LiveOutcome(posted=int(posted))

    async def _held_stories(self, posts: Sequence[LivePost]) -> list[HeldStory]:
        """Held stories as the combined message lists them: each headline (stored with its first
        outlet's article) and its outlets' links."""
        headlines = await self.store.headlines_by_link([item.link for post in posts for item in post.coverage])
        return [HeldStory(title=_headline(post, headlines), coverage=post.coverage) for post in posts]

    # --- posting once -----------------------------------------------------------------------------

    async def _post_claimed(
        self,
        subscription: Subscription,
        claim: LiveClaim,
        message: MessageT,
        poster: LivePoster[MessageT],
        *,
        always_look: bool = False,
    ) -> bool:
        """Post the claim's message and record it; the claim is released when that fails. A claim taken
        over (or, `always_look`, any) first looks for its message in the channel: found, it is
        recorded, not posted again. Returns whether a message was posted."""
        try:
            found = await self._posted_already(subscription, claim, poster) if claim.resumed or always_look else None
            message_id = found
            if message_id is None:
                message_id = await self.digests.post_message(
                    poster, subscription, message, key=claim.nonce, first_message_id=None, lease=None
                )
        except BaseException:
            await self.store.release_live_claim(claim, now=self._now())
            raise
        await self.store.record_live_message(claim, [message_id], now=self._now())
        return found is None

    async def _posted_already(
        self, subscription: Subscription, claim: LiveClaim, poster: LivePoster[MessageT]
    ) -> int | None:
        """The bot's message in the channel showing one of the claim's links, posted since its first
        claim: what a holder that died before recording it had posted. Matched by links, as Discord
        does not return nonces."""
        started = [post.claimed_at for post in claim.posts if post.claimed_at is not None]
        after = min(started, default=self._now() - LIVE_EDIT_WINDOW) - PLATFORM_CLOCK_SKEW
        links = {normalize_url(item.link) for post in claim.posts for item in post.coverage}
        for found in await poster.own_messages(subscription.channel_id, after=after, target=subscription.target):
            if links.intersection(normalize_url(link) for link in found.links):
                LOGGER.info("Live message %s was posted already; recorded, not sent again", found.id)
                return found.id
        return None

    async def _settled(self, subscription_id: int, key: str) -> bool:
        """Whether the story is posted or held (its items then go with it), not being posted."""
        known = await self.store.live_post(subscription_id, key)
        return known is not None and known.status is not LivePostStatus.CLAIMED

    async def _record_items(self, subscription: Subscription, story: DigestStory, feed_ids: dict[str, int]) -> None:
        await self.store.record_delivered_items(subscription.id, item_refs(story.item_keys, feed_ids), now=self._now())


def _headline(post: LivePost, headlines: dict[str, str]) -> str:
    """A held story's headline: the stored title of its first outlet's article with one."""
    for item in post.coverage:
        key = link_key(item.link)
        if key is not None and key in headlines:
            return headlines[key]
    return post.coverage[0].outlet if post.coverage else ""

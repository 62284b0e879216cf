"""Live posts: each story a live subscription posts, once across restarts and processes.

A story is claimed before it is posted, as a row keyed by (subscription, story): whoever inserts the
row posts it; the row keeps the nonce the message goes out with. A holder that dies between posting
and recording leaves a claim whose lease runs out; the next taker gets the same nonce back (Discord
answers a repeat within minutes with the first message) and the links, to find its own message in
the channel first (as editions do, bot/digests.py). A story over the hourly cap is held: its row
waits for the next hour, when one claim takes every held story of the subscription into one message.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.engine import Row

from bot.store.database import Queries, upsert
from bot.store.records import StoredItem, in_chunks, item_from_row, link_key, utc_now
from bot.store.tables import (
    CLAIM_TOKEN_LENGTH,
    LivePostStatus,
    SubscriptionMode,
    delivered_items,
    live_posts,
    seen_items,
    subscriptions,
)

LOGGER = logging.getLogger(__name__)

LIVE_LEASE = timedelta(minutes=2)
"""How long a story's claim holds: one message and its edits under Discord's rate limits, with room."""


@dataclass(frozen=True, slots=True)
class Coverage:
    """One outlet's article about a story."""

    outlet: str
    link: str


@dataclass(frozen=True, slots=True)
class LivePost:
    """A story's row: posted (with its message), held for the next hour, or being posted."""

    id: int
    subscription_id: int
    story_key: str
    status: LivePostStatus
    nonce: str
    message_ids: tuple[int, ...]
    coverage: tuple[Coverage, ...]
    posted_at: datetime | None
    due_at: datetime | None
    claimed_at: datetime | None = None
    """When the story was first claimed or held: no message of it can be older."""


@dataclass(frozen=True, slots=True)
class LiveClaim:
    """The right to post one message carrying these stories, until `lease_expires_at`.

    `message_ids` is what an earlier holder recorded before it died (empty for a new story); `nonce`
    is the first holder's, so a repeat of its post is answered with the same message."""

    subscription_id: int
    posts: tuple[LivePost, ...]
    token: str
    nonce: str
    lease_expires_at: datetime
    resumed: bool = False
    """Taken over from a holder whose lease ran out: it may have posted without recording, so the
    taker looks for its message first."""


def _coverage_values(coverage: Sequence[Coverage]) -> list[dict[str, str]]:
    return [{"outlet": item.outlet, "link": item.link} for item in coverage]


def _post_from_row(row: Row[Any]) -> LivePost:
    return LivePost(
        id=row.id,
        subscription_id=row.subscription_id,
        story_key=row.story_key,
        status=LivePostStatus(row.status),
        nonce=row.nonce,
        message_ids=tuple(int(message_id) for message_id in row.message_ids),
        coverage=tuple(Coverage(outlet=item["outlet"], link=item["link"]) for item in row.outlets),
        posted_at=row.posted_at,
        due_at=row.due_at,
        claimed_at=row.claimed_at,
    )


def _new_token() -> str:
    return secrets.token_hex(CLAIM_TOKEN_LENGTH // 2)


class LiveQueries(Queries):
    """Live posts: stories claimed, held over the cap, recorded with their message, edited as covered."""

    async def claim_live_story(
        self,
        subscription_id: int,
        story_key: str,
        coverage: Sequence[Coverage],
        *,
        nonce: str,
        now: datetime | None = None,
        lease: timedelta = LIVE_LEASE,
    ) -> LiveClaim | None:
        """Claim a story for posting now; None when it is posted or held already, or another holder's
        lease still holds. A claim whose holder died is taken over with its first nonce."""
        return await self._insert_or_take_over(
            subscription_id, story_key, coverage, nonce=nonce, now=now, lease=lease, held_until=None
        )

    async def hold_live_story(
        self,
        subscription_id: int,
        story_key: str,
        coverage: Sequence[Coverage],
        *,
        nonce: str,
        due_at: datetime,
        now: datetime | None = None,
    ) -> bool:
        """Keep a story over the hourly cap for the message at `due_at`; False when the story is known."""
        claim = await self._insert_or_take_over(
            subscription_id, story_key, coverage, nonce=nonce, now=now, lease=LIVE_LEASE, held_until=due_at
        )
        return claim is not None

    async def _insert_or_take_over(
        self,
        subscription_id: int,
        story_key: str,
        coverage: Sequence[Coverage],
        *,
        nonce: str,
        now: datetime | None,
        lease: timedelta,
        held_until: datetime | None,
    ) -> LiveClaim | None:
        moment = utc_now(now)
        token = _new_token()
        if held_until is None:
            state: dict[str, Any] = {
                "status": LivePostStatus.CLAIMED,
                "claim_token": token,
                "lease_expires_at": moment + lease,
            }
        else:
            state = {"status": LivePostStatus.HELD, "due_at": utc_now(held_until)}
        async with self._engine.begin() as connection:
            row = (
                await connection.execute(
                    upsert(connection.dialect, live_posts)
                    .values(
                        subscription_id=subscription_id,
                        story_key=story_key,
                        nonce=nonce,
                        message_ids=[],
                        outlets=_coverage_values(coverage),
                        claimed_at=moment,
                        **state,
                    )
                    .on_conflict_do_nothing(index_elements=[live_posts.c.subscription_id, live_posts.c.story_key])
                    .returning(live_posts)
                )
            ).one_or_none()
            resumed = row is None
            if row is None and held_until is None:
                # On PostgreSQL the WHERE is checked again after a concurrent taker's commit: one wins.
                row = (
                    await connection.execute(
                        update(live_posts)
                        .where(
                            live_posts.c.subscription_id == subscription_id,
                            live_posts.c.story_key == story_key,
                            live_posts.c.status == LivePostStatus.CLAIMED,
                            live_posts.c.lease_expires_at <= moment,
                        )
                        .values(claim_token=token, lease_expires_at=moment + lease)
                        .returning(live_posts)
                    )
                ).one_or_none()
        if row is None:
            return None
        post = _post_from_row(row)
        return LiveClaim(subscription_id, (post,), token, post.nonce, moment + lease, resumed=resumed)

    async def claim_held_stories(
        self, subscription_id: int, *, now: datetime | None = None, lease: timedelta = LIVE_LEASE
    ) -> LiveClaim | None:
        """Claim every story the subscription held for an hour now begun (due by `now`), for one
        combined message; also takes over a combined message whose holder died. None when none."""
        moment = utc_now(now)
        token = _new_token()
        async with self._engine.begin() as connection:
            rows = (
                await connection.execute(
                    update(live_posts)
                    .where(
                        live_posts.c.subscription_id == subscription_id,
                        live_posts.c.due_at <= moment,
                        or_(
                            live_posts.c.status == LivePostStatus.HELD,
                            and_(
                                live_posts.c.status == LivePostStatus.CLAIMED,
                                live_posts.c.lease_expires_at <= moment,
                            ),
                        ),
                    )
                    .values(status=LivePostStatus.CLAIMED, claim_token=token, lease_expires_at=moment + lease)
                    .returning(live_posts)
                )
            ).all()
            if not rows:
                return None
            posts = sorted((_post_from_row(row) for row in rows), key=lambda post: post.id)
            # Every story of the message shares one nonce, the oldest story's: a taker after a crash
            # holds the same stories (and perhaps more held since), so it posts with the same nonce.
            shared = posts[0].nonce
            await connection.execute(
                update(live_posts).where(live_posts.c.id.in_([post.id for post in posts])).values(nonce=shared)
            )
        return LiveClaim(subscription_id, tuple(posts), token, shared, moment + lease)

    async def record_live_message(
        self, claim: LiveClaim, message_ids: Sequence[int], *, now: datetime | None = None
    ) -> bool:
        """The claim's stories are posted as these messages; False when the claim was lost."""
        async with self._engine.begin() as connection:
            result = await connection.execute(
                update(live_posts)
                .where(
                    live_posts.c.id.in_([post.id for post in claim.posts]),
                    live_posts.c.status == LivePostStatus.CLAIMED,
                    live_posts.c.claim_token == claim.token,
                )
                .values(
                    status=LivePostStatus.POSTED,
                    claim_token=None,
                    lease_expires_at=None,
                    message_ids=[int(message_id) for message_id in message_ids],
                    posted_at=utc_now(now),
                )
            )
        if result.rowcount != len(claim.posts):
            LOGGER.info("The claim on live stories %s was lost before its message was recorded", claim.posts)
            return False
        return True

    async def release_live_claim(self, claim: LiveClaim, *, now: datetime | None = None) -> None:
        """Give the claim up (posting failed): its stories may be claimed again at once (from `now`)."""
        async with self._engine.begin() as connection:
            await connection.execute(
                update(live_posts)
                .where(live_posts.c.id.in_([post.id for post in claim.posts]), live_posts.c.claim_token == claim.token)
                .values(lease_expires_at=utc_now(now) - timedelta(seconds=1))
            )

    async def live_posts_since(self, subscription_id: int, since: datetime) -> list[LivePost]:
        """The subscription's stories posted at or after `since`, oldest first: the ones another
        outlet's coverage may edit."""
        async with self.reading() as connection:
            rows = (
                await connection.execute(
                    select(live_posts)
                    .where(
                        live_posts.c.subscription_id == subscription_id,
                        live_posts.c.status == LivePostStatus.POSTED,
                        live_posts.c.posted_at >= utc_now(since),
                    )
                    .order_by(live_posts.c.posted_at, live_posts.c.id)
                )
            ).all()
        return [_post_from_row(row) for row in rows]

    async def live_posts_in_message(self, post: LivePost) -> list[LivePost]:
        """The posted stories that went out in `post`'s message (`post` itself for a single story;
        every story of a combined message, which share its nonce), in the order it lists them."""
        async with self.reading() as connection:
            rows = (
                await connection.execute(
                    select(live_posts)
                    .where(
                        live_posts.c.subscription_id == post.subscription_id,
                        live_posts.c.nonce == post.nonce,
                        live_posts.c.status == LivePostStatus.POSTED,
                    )
                    .order_by(live_posts.c.id)
                )
            ).all()
        return [_post_from_row(row) for row in rows]

    async def live_messages_since(self, subscription_id: int, since: datetime) -> int:
        """How many live messages the subscription posted at or after `since` (a combined message
        counts once): what the hourly cap is checked against."""
        async with self.reading() as connection:
            count = await connection.scalar(
                select(func.count(func.distinct(live_posts.c.nonce))).where(
                    live_posts.c.subscription_id == subscription_id,
                    live_posts.c.status.in_([LivePostStatus.POSTED, LivePostStatus.CLAIMED]),
                    or_(live_posts.c.posted_at >= utc_now(since), live_posts.c.posted_at.is_(None)),
                )
            )
        return int(count or 0)

    async def record_live_coverage(self, post_id: int, coverage: Sequence[Coverage]) -> None:
        """The story's post was edited to name these outlets."""
        async with self._engine.begin() as connection:
            await connection.execute(
                update(live_posts).where(live_posts.c.id == post_id).values(outlets=_coverage_values(coverage))
            )

    async def prune_live_posts(self, *, posted_before: datetime) -> int:
        """Forget the stories posted before the time (at least LIVE_EDIT_WINDOW back: no new coverage
        edits them any more); a story held for its hour or being posted is kept whatever its age, until
        it is posted. A story forgotten is new again if it ever comes back. Returns how many went."""
        async with self._engine.begin() as connection:
            result = await connection.execute(
                delete(live_posts).where(
                    live_posts.c.status == LivePostStatus.POSTED, live_posts.c.posted_at < utc_now(posted_before)
                )
            )
        return result.rowcount

    async def live_post(self, subscription_id: int, story_key: str) -> LivePost | None:
        """The subscription's row of the story, whatever its state; None when the story is new to it."""
        async with self.reading() as connection:
            row = (
                await connection.execute(
                    select(live_posts).where(
                        live_posts.c.subscription_id == subscription_id, live_posts.c.story_key == story_key
                    )
                )
            ).one_or_none()
        return None if row is None else _post_from_row(row)

    async def live_items_since(self, subscription_id: int, since: datetime) -> list[StoredItem]:
        """The stored items delivered to the subscription at or after `since`: what a new outlet's
        article is grouped with, to be known as coverage of a story posted already."""
        async with self.reading() as connection:
            rows = (
                await connection.execute(
                    select(seen_items)
                    .join(
                        delivered_items,
                        and_(
                            delivered_items.c.feed_id == seen_items.c.feed_id,
                            delivered_items.c.item_key == seen_items.c.item_key,
                        ),
                    )
                    .where(
                        delivered_items.c.subscription_id == subscription_id,
                        delivered_items.c.delivered_at >= utc_now(since),
                    )
                    .order_by(delivered_items.c.delivered_at, seen_items.c.feed_id, seen_items.c.item_key)
                )
            ).all()
        return [item_from_row(row) for row in rows]

    async def subscriptions_holding_stories(self, *, now: datetime | None = None) -> list[int]:
        """The subscriptions with stories held for an hour now begun (or a combined message whose
        holder died): those `claim_held_stories` has work for. A paused subscription keeps its held
        stories for the first hour after it is resumed, and is not asked about meanwhile."""
        moment = utc_now(now)
        async with self.reading() as connection:
            rows = await connection.scalars(
                select(live_posts.c.subscription_id)
                .join(subscriptions, subscriptions.c.id == live_posts.c.subscription_id)
                .where(
                    subscriptions.c.paused_at.is_(None),
                    live_posts.c.due_at <= moment,
                    or_(
                        live_posts.c.status == LivePostStatus.HELD,
                        and_(live_posts.c.status == LivePostStatus.CLAIMED, live_posts.c.lease_expires_at <= moment),
                    ),
                )
                .distinct()
                .order_by(live_posts.c.subscription_id)
            )
            return list(rows)

    async def headlines_by_link(self, links: Sequence[str]) -> dict[str, str]:
        """The stored headline of each link (by link key; links never stored are left out): the
        titles of held stories, whose rows keep only their outlets' links."""
        keys = sorted({key for key in map(link_key, links) if key is not None})
        found: dict[str, str] = {}
        async with self.reading() as connection:
            for chunk in in_chunks(keys):
                rows = await connection.execute(
                    select(seen_items.c.link_key, seen_items.c.title).where(seen_items.c.link_key.in_(list(chunk)))
                )
                for row in rows:
                    if row.title:
                        found.setdefault(row.link_key, row.title)
        return found

    async def live_subscription_ids(self) -> list[int]:
        """The live subscriptions that are not paused: those a live cycle looks at."""
        async with self.reading() as connection:
            rows = await connection.scalars(
                select(subscriptions.c.id)
                .where(subscriptions.c.mode == SubscriptionMode.LIVE, subscriptions.c.paused_at.is_(None))
                .order_by(subscriptions.c.id)
            )
            return list(rows)

"""Deliveries: claiming the right to post a digest exactly once among processes (due editions are
claimed by the delivery clock, see `claim_due_editions`), completing it, and recording which items
and messages it posted so that no later digest repeats them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Row, bindparam, exists, insert, select, text, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.editions import Edition, EditionSchedule, weekdays_of_mask
from bot.settings import DEFAULT_DELIVERY_LEASE_SECONDS
from bot.store.database import Queries, upsert
from bot.store.records import (
    Claim,
    Delivery,
    DueEditions,
    ItemRef,
    MissedEdition,
    NotFound,
    clip_error,
    delivery_from_row,
    edition_times_of,
    in_chunks,
    stored_item_key,
    utc_now,
)
from bot.store.tables import (
    DeliveryKind,
    DeliveryStatus,
    SubscriptionMode,
    delivered_items,
    deliveries,
    seen_items,
    subscriptions,
)

LOGGER = logging.getLogger(__name__)


CLAIM_LEASE = timedelta(seconds=DEFAULT_DELIVERY_LEASE_SECONDS)
"""How long a claim holds unless its owner renews it: DELIVERY_LEASE_SECONDS's default (see
bot.settings.DEFAULT_DELIVERY_LEASE_SECONDS for why a minute)."""

RENEWALS_PER_LEASE = 3
"""How many times a claim's owner renews it per lease while it posts: one renewal may fail (a slow
database, a stalled loop) and the next still comes with a third of the lease to spare."""


def renewal_interval(lease: timedelta) -> timedelta:
    """How often the owner of a claim of `lease` renews it while it posts."""
    return lease / RENEWALS_PER_LEASE


LEASE_RENEWAL = renewal_interval(CLAIM_LEASE)
"""How often the owner of a claim renews it, at the default lease: every 20 s."""

FIRST_RETRY_DELAY = timedelta(seconds=15)
"""A failed delivery (Discord kept answering 5xx) may be claimed again this long after it failed,
then twice as long after each further failure, up to MAX_RETRY_DELAY."""

MAX_RETRY_DELAY = timedelta(minutes=2)
"""The longest wait between tries of a failed delivery: an outage of any length is followed by the
digest within two minutes (and a sweep's interval) of Discord's recovery, at no more than 30 tries
an hour, four posts each."""

_KNOWN_LINKS = select(seen_items.c.feed_id, seen_items.c.item_key, seen_items.c.link_key).where(
    tuple_(seen_items.c.feed_id, seen_items.c.item_key).in_(bindparam("refs", expanding=True))
)
"""The link keys of stored items, by (feed id, item key); one cached statement whatever the count."""


def retry_delay(attempt: int) -> timedelta:
    """How long after its `attempt`-th try failed a delivery may be tried again."""
    doublings = max(0, min(attempt - 1, 16))  # 16: far past the cap, and no huge powers of two
    return min(FIRST_RETRY_DELAY * (1 << doublings), MAX_RETRY_DELAY)


def _still_held(claim: Claim) -> tuple[ColumnElement[bool], ...]:
    """The conditions on the delivery's row under which `claim` still holds it: no one took it over
    (the attempt is the claim's) and it is not completed."""
    return (
        deliveries.c.id == claim.delivery_id,
        deliveries.c.attempt == claim.attempt,
        deliveries.c.status == DeliveryStatus.CLAIMED,
    )


_SCHEDULED_KEY = [deliveries.c.subscription_id, deliveries.c.local_date, deliveries.c.edition_time]
"""The unique key of scheduled deliveries (a partial index, kind = 'scheduled'): one per edition."""


def _fresh_claim(
    subscription_id: int, local_date: date, kind: DeliveryKind, moment: datetime, lease: timedelta
) -> dict[str, Any]:
    """A new delivery row's values, claimed at `moment` for `lease`."""
    return {
        "subscription_id": subscription_id,
        "local_date": local_date,
        "kind": kind,
        "status": DeliveryStatus.CLAIMED,
        "attempt": 1,
        "claimed_at": moment,
        "started_at": moment,
        "lease_expires_at": moment + lease,
        "posted_message_ids": [],
    }


def _new_claim(
    delivery_id: int,
    subscription_id: int,
    local_date: date,
    kind: DeliveryKind,
    moment: datetime,
    lease: timedelta,
    edition_time: time | None,
) -> Claim:
    return Claim(
        delivery_id=delivery_id,
        subscription_id=subscription_id,
        local_date=local_date,
        kind=kind,
        attempt=1,
        claimed_at=moment,
        posted_message_ids=(),
        delivered=frozenset(),
        started_at=moment,
        lease_expires_at=moment + lease,
        edition_time=edition_time,
    )


class _DeliveryState(Protocol):
    @property
    def status(self) -> str: ...
    @property
    def attempt(self) -> int: ...
    @property
    def completed_at(self) -> datetime | None: ...
    @property
    def lease_expires_at(self) -> datetime | None: ...


def takeover_due(delivery: _DeliveryState, now: datetime) -> bool:
    """Whether another claim may take the delivery over at `now`: it failed long enough ago (see
    `retry_delay`), or it is claimed and its lease ran out (its owner died or stalled)."""
    if delivery.status == DeliveryStatus.FAILED:
        return delivery.completed_at is None or delivery.completed_at + retry_delay(delivery.attempt) <= now
    if delivery.status == DeliveryStatus.CLAIMED:
        return delivery.lease_expires_at is None or delivery.lease_expires_at <= now
    return False


class DeliveryQueries(Queries):
    """Deliveries and their delivered items: global, by subscription id."""

    async def claim_due_editions(
        self, *, now: datetime | None = None, limit: int, grace: timedelta, lease: timedelta = CLAIM_LEASE
    ) -> DueEditions:
        """Claim up to `limit` editions that are due, oldest first, each for `lease` unless renewed.

        In one transaction per call: the due subscriptions' rows are locked (PostgreSQL: FOR UPDATE
        SKIP LOCKED, so that processes claiming at once take different ones; SQLite: the write lock
        every transaction begins with), each one's latest edition at or before `now` gets its
        delivery row, and its `next_edition_at` moves to the edition after. An edition later than
        `grace` is not claimed (it is returned as missed) and the next one still becomes due; so do
        older editions missed with it: only the latest counts. An edition whose delivery row exists
        already (claimed before the schedule was changed, or before the upgrade to version 6) is
        left to that row.
        """
        moment = utc_now(now)
        if limit < 1:
            return DueEditions()
        due = (
            select(
                subscriptions.c.id,
                subscriptions.c.timezone,
                subscriptions.c.local_time,
                subscriptions.c.edition_times,
                subscriptions.c.weekdays,
                subscriptions.c.next_edition_at,
            )
            .where(
                subscriptions.c.paused_at.is_(None),
                subscriptions.c.next_edition_at <= moment,
                # A live subscription posts each story as it breaks (bot/live_delivery.py), never editions.
                subscriptions.c.mode != SubscriptionMode.LIVE,
            )
            .order_by(subscriptions.c.next_edition_at, subscriptions.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        claims: list[Claim] = []
        missed: list[MissedEdition] = []
        async with self._engine.begin() as connection:
            rows = (await connection.execute(due)).all()
            for row in rows:
                schedule = EditionSchedule.of(edition_times_of(row), weekdays_of_mask(row.weekdays), row.timezone)
                latest = schedule.last_at_or_before(moment)
                if latest.at < row.next_edition_at:
                    pass  # not an edition of this schedule: nothing is due before the next one
                elif moment - latest.at > grace:
                    missed.append(MissedEdition(row.id, latest, due_since=row.next_edition_at))
                else:
                    claim = await self._claim_edition(connection, row.id, latest, moment=moment, lease=lease)
                    if claim is not None:
                        claims.append(claim)
                await connection.execute(
                    update(subscriptions)
                    .where(subscriptions.c.id == row.id)
                    .values(next_edition_at=schedule.next_after(max(latest.at, row.next_edition_at)).at)
                )
        return DueEditions(claims=tuple(claims), missed=tuple(missed), full=len(rows) == limit)

    async def _claim_edition(
        self, connection: AsyncConnection, subscription_id: int, edition: Edition, *, moment: datetime, lease: timedelta
    ) -> Claim | None:
        delivery_id = await connection.scalar(
            upsert(connection.dialect, deliveries)
            .values(
                **_fresh_claim(subscription_id, edition.local_date, DeliveryKind.SCHEDULED, moment, lease),
                edition_time=edition.local_time,
            )
            .on_conflict_do_nothing(index_elements=_SCHEDULED_KEY, index_where=text("kind = 'scheduled'"))
            .returning(deliveries.c.id)
        )
        if delivery_id is None:
            return None
        claim = _new_claim(
            delivery_id, subscription_id, edition.local_date, DeliveryKind.SCHEDULED, moment, lease, edition.local_time
        )
        return replace(claim, due_at=edition.at)

    async def claim_delivery(
        self,
        subscription_id: int,
        local_date: date,
        kind: DeliveryKind,
        *,
        edition_time: time | None = None,
        now: datetime | None = None,
        lease: timedelta = CLAIM_LEASE,
    ) -> Claim | None:
        """Claim the right to post the subscription's digest for `local_date`, for `lease` unless renewed.

        A manual digest is always claimed anew. A scheduled one exists once per local date and
        `edition_time` (the subscription's first edition time when None), so among processes racing
        for it exactly one gets a Claim. The others get None, and so does anyone
        once it is posted, or while its lease holds. A claim whose lease ran out (its process died),
        or a delivery that failed (after `retry_delay`), is taken over: the Claim then says what was
        already posted, so that only the rest is.
        """
        moment = utc_now(now)
        kind = DeliveryKind(kind)
        fresh = _fresh_claim(subscription_id, local_date, kind, moment, lease)
        async with self._engine.begin() as connection:
            if kind is DeliveryKind.MANUAL:
                delivery_id = await connection.scalar(insert(deliveries).values(**fresh).returning(deliveries.c.id))
                return _new_claim(delivery_id, subscription_id, local_date, kind, moment, lease, None)
            if edition_time is None:
                edition_time = await connection.scalar(
                    select(subscriptions.c.local_time).where(subscriptions.c.id == subscription_id)
                )
                if edition_time is None:
                    raise NotFound(f"Subscription {subscription_id} no longer exists.")
            # The partial unique index makes this the one place where racing claims are decided.
            delivery_id = await connection.scalar(
                upsert(connection.dialect, deliveries)
                .values(**fresh, edition_time=edition_time)
                .on_conflict_do_nothing(index_elements=_SCHEDULED_KEY, index_where=text("kind = 'scheduled'"))
                .returning(deliveries.c.id)
            )
            if delivery_id is not None:
                return _new_claim(delivery_id, subscription_id, local_date, kind, moment, lease, edition_time)
            existing = (
                await connection.execute(
                    select(deliveries)
                    .where(
                        deliveries.c.subscription_id == subscription_id,
                        deliveries.c.local_date == local_date,
                        deliveries.c.edition_time == edition_time,
                        deliveries.c.kind == DeliveryKind.SCHEDULED,
                    )
                    .with_for_update()
                )
            ).one()
            return await self._take_over(connection, existing, moment=moment, lease=lease)

    async def take_over_delivery(
        self, delivery_id: int, *, now: datetime | None = None, lease: timedelta = CLAIM_LEASE
    ) -> Claim | None:
        """Claim an existing delivery of any kind again, if it failed or its lease ran out (see
        `takeover_due`): how the retry sweep finishes a manual digest. None when it is posted, held,
        gone, or another process took it over first."""
        moment = utc_now(now)
        async with self._engine.begin() as connection:
            existing = (
                await connection.execute(select(deliveries).where(deliveries.c.id == delivery_id).with_for_update())
            ).one_or_none()
            if existing is None:
                return None
            return await self._take_over(connection, existing, moment=moment, lease=lease)

    async def _take_over(
        self, connection: AsyncConnection, existing: Row[Any], *, moment: datetime, lease: timedelta
    ) -> Claim | None:
        if not takeover_due(existing, moment):
            return None
        # Compare-and-set on the attempt: of two processes taking it over, one wins.
        attempt = await connection.scalar(
            update(deliveries)
            .where(deliveries.c.id == existing.id, deliveries.c.attempt == existing.attempt)
            .values(
                status=DeliveryStatus.CLAIMED,
                attempt=existing.attempt + 1,
                claimed_at=moment,
                lease_expires_at=moment + lease,
                completed_at=None,
                error=None,
            )
            .returning(deliveries.c.attempt)
        )
        if attempt is None:
            return None
        delivered = await connection.execute(
            select(delivered_items.c.feed_id, delivered_items.c.item_key).where(
                delivered_items.c.delivery_id == existing.id
            )
        )
        claim = Claim(
            delivery_id=existing.id,
            subscription_id=existing.subscription_id,
            local_date=existing.local_date,
            kind=DeliveryKind(existing.kind),
            attempt=attempt,
            claimed_at=moment,
            posted_message_ids=tuple(int(message_id) for message_id in existing.posted_message_ids),
            delivered=frozenset(ItemRef(row.feed_id, row.item_key) for row in delivered),
            started_at=existing.started_at or existing.claimed_at,
            lease_expires_at=moment + lease,
            edition_time=existing.edition_time,
        )
        LOGGER.info(
            "Took over delivery %s of subscription %s (attempt %d, was %s)",
            claim.delivery_id,
            claim.subscription_id,
            claim.attempt,
            existing.status,
        )
        return claim

    async def renew_claim(self, claim: Claim, *, now: datetime | None = None, lease: timedelta = CLAIM_LEASE) -> bool:
        """Extend the claim's lease to `lease` from now. False when the claim is no longer held (taken
        over, or completed): its holder must then stop posting."""
        moment = utc_now(now)
        async with self._engine.begin() as connection:
            result = await connection.execute(
                update(deliveries).where(*_still_held(claim)).values(lease_expires_at=moment + lease)
            )
        return bool(result.rowcount)

    async def release_claim(self, claim: Claim, *, reason: str, now: datetime | None = None) -> bool:
        """Give the claim up before its lease runs out (its holder was stopped mid-delivery): the
        delivery is free to take over at once, as one whose holder died is after its lease, and what
        it posted is read back by whoever takes it over. False when the claim was no longer held."""
        moment = utc_now(now)
        async with self._engine.begin() as connection:
            result = await connection.execute(
                update(deliveries).where(*_still_held(claim)).values(lease_expires_at=moment, error=clip_error(reason))
            )
        return bool(result.rowcount)

    async def deliveries_to_retry(
        self, *, kind: DeliveryKind, started_after: datetime, now: datetime
    ) -> list[Delivery]:
        """Deliveries of `kind` begun after `started_after` that another claim may take over now:
        failed (and waited their `retry_delay`), or claimed by an owner whose lease ran out. One
        that a later delivery of its subscription has posted since is not owed any more (that one
        carried what was new), and is left out."""
        moment = utc_now(now)
        later = deliveries.alias("later")
        superseded = exists().where(
            later.c.subscription_id == deliveries.c.subscription_id,
            later.c.status == DeliveryStatus.POSTED,
            later.c.started_at > deliveries.c.started_at,
        )
        query = (
            select(deliveries)
            .where(
                deliveries.c.status.in_([DeliveryStatus.FAILED, DeliveryStatus.CLAIMED]),
                deliveries.c.kind == DeliveryKind(kind),
                deliveries.c.started_at > utc_now(started_after),
                ~superseded,
            )
            .order_by(deliveries.c.started_at, deliveries.c.id)
        )
        async with self.reading() as connection:
            rows = (await connection.execute(query)).all()
        return [delivery_from_row(row) for row in rows if takeover_due(row, moment)]

    async def complete_delivery(
        self,
        claim: Claim,
        *,
        status: DeliveryStatus,
        message_ids: Sequence[int] = (),
        items: Iterable[ItemRef] = (),
        error: str | None = None,
        now: datetime | None = None,
    ) -> bool:
        """Finish a claimed delivery as posted or failed, recording the messages and items it posted
        (they are recorded whatever happens: they were posted). Returns False when the claim was
        taken over meanwhile, in which case the status is left to the new holder."""
        status = DeliveryStatus(status)
        if status is DeliveryStatus.CLAIMED:
            raise ValueError("a delivery completes as posted or failed")
        moment = utc_now(now)
        async with self._engine.begin() as connection:
            await self._record_delivered(
                connection,
                claim.subscription_id,
                items,
                delivery_id=claim.delivery_id,
                message_ids=message_ids,
                now=moment,
            )
            result = await connection.execute(
                update(deliveries)
                .where(*_still_held(claim))
                .values(status=status, completed_at=moment, lease_expires_at=None, error=clip_error(error))
            )
        if result.rowcount == 0:
            LOGGER.warning("Delivery %s was taken over before attempt %d completed", claim.delivery_id, claim.attempt)
            return False
        return True

    async def latest_delivery(
        self, subscription_id: int, *, status: DeliveryStatus | None = None, kind: DeliveryKind | None = None
    ) -> Delivery | None:
        """The subscription's most recently claimed delivery (of that status and kind, when given):
        a digest covers what is new since the last one posted."""
        query = select(deliveries).where(deliveries.c.subscription_id == subscription_id)
        if status is not None:
            query = query.where(deliveries.c.status == DeliveryStatus(status))
        if kind is not None:
            query = query.where(deliveries.c.kind == DeliveryKind(kind))
        query = query.order_by(deliveries.c.claimed_at.desc(), deliveries.c.id.desc()).limit(1)
        async with self.reading() as connection:
            row = (await connection.execute(query)).one_or_none()
        return None if row is None else delivery_from_row(row)

    async def record_delivered_items(
        self,
        subscription_id: int,
        items: Iterable[ItemRef],
        *,
        delivery_id: int | None = None,
        message_id: int | None = None,
        now: datetime | None = None,
    ) -> None:
        """Remember that these items went to the subscription, so no later digest repeats them.

        With `delivery_id`, they (and `message_id`, the message that carried them) count as that
        delivery's progress: a claim that takes the delivery over after a crash sees them.
        """
        if message_id is not None and delivery_id is None:
            raise ValueError("a message id belongs to a delivery: pass delivery_id too")
        moment = utc_now(now)
        async with self._engine.begin() as connection:
            await self._record_delivered(
                connection,
                subscription_id,
                items,
                delivery_id=delivery_id,
                message_ids=() if message_id is None else (message_id,),
                now=moment,
            )

    async def _record_delivered(
        self,
        connection: AsyncConnection,
        subscription_id: int,
        items: Iterable[ItemRef],
        *,
        delivery_id: int | None,
        message_ids: Sequence[int],
        now: datetime,
    ) -> None:
        refs = list(dict.fromkeys(ItemRef(feed_id, stored_item_key(key)) for feed_id, key in items))
        if not refs and not message_ids:
            return
        posted: list[int] = []
        if delivery_id is not None:
            # Locked first, so that two attempts recording for one delivery take their turns.
            delivery = (
                await connection.execute(
                    select(deliveries.c.subscription_id, deliveries.c.posted_message_ids)
                    .where(deliveries.c.id == delivery_id)
                    .with_for_update()
                )
            ).one_or_none()
            if delivery is None or delivery.subscription_id != subscription_id:
                raise ValueError(f"delivery {delivery_id} is not one of subscription {subscription_id}'s")
            posted = [int(message_id) for message_id in delivery.posted_message_ids]
        links: dict[ItemRef, str | None] = {}
        for chunk in in_chunks(refs):
            known = await connection.execute(_KNOWN_LINKS, {"refs": [tuple(ref) for ref in chunk]})
            links.update((ItemRef(row.feed_id, row.item_key), row.link_key) for row in known)
        if refs:
            # One statement executed for many rows: compiled once and cached, where a multi-row
            # VALUES statement is compiled anew each time (80 ms for 1,000 items, on the event loop).
            await connection.execute(
                upsert(connection.dialect, delivered_items).on_conflict_do_nothing(
                    index_elements=[
                        delivered_items.c.subscription_id,
                        delivered_items.c.feed_id,
                        delivered_items.c.item_key,
                    ]
                ),
                [
                    {
                        "subscription_id": subscription_id,
                        "feed_id": ref.feed_id,
                        "item_key": ref.key,
                        "link_key": links.get(ref),
                        "delivery_id": delivery_id,
                        "delivered_at": now,
                    }
                    for ref in refs
                ],
            )
        added = [message_id for message_id in dict.fromkeys(message_ids) if message_id not in posted]
        if added and delivery_id is not None:
            await connection.execute(
                update(deliveries).where(deliveries.c.id == delivery_id).values(posted_message_ids=posted + added)
            )

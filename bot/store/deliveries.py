"""Deliveries: claiming the right to post a digest exactly once among processes, completing it, and
recording which items and messages it posted so that no later digest repeats them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, insert, select, text, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.database import Queries, upsert
from bot.store.records import (
    Claim,
    Delivery,
    ItemRef,
    NotFound,
    clip_error,
    delivery_from_row,
    in_chunks,
    stored_item_key,
    utc_now,
)
from bot.store.tables import DeliveryKind, DeliveryStatus, delivered_items, deliveries, seen_items

LOGGER = logging.getLogger(__name__)


STALE_CLAIM_AFTER = timedelta(minutes=15)
"""A delivery claimed this long ago and still not finished is presumed abandoned (the process died),
and may be claimed again. Posting a digest takes seconds, even rate-limited."""
_KNOWN_LINKS = select(seen_items.c.feed_id, seen_items.c.item_key, seen_items.c.link_key).where(
    tuple_(seen_items.c.feed_id, seen_items.c.item_key).in_(bindparam("refs", expanding=True))
)
"""The link keys of stored items, by (feed id, item key); one cached statement whatever the count."""


class DeliveryQueries(Queries):
    """Deliveries and their delivered items: global, by subscription id."""

    async def claim_delivery(
        self,
        subscription_id: int,
        local_date: date,
        kind: DeliveryKind,
        *,
        now: datetime | None = None,
        stale_after: timedelta = STALE_CLAIM_AFTER,
    ) -> Claim | None:
        """Claim the right to post the subscription's digest for `local_date`.

        A manual digest is always claimed anew. A scheduled one exists once per local date, so among
        processes racing for it exactly one gets a Claim. The others get None, and so does anyone
        once it is posted, or while its claim is fresh. A claim older than `stale_after` that was
        never completed (its process died), or a failed delivery, is taken over: the Claim then
        says what was already posted, so that only the rest is.
        """
        moment = utc_now(now)
        kind = DeliveryKind(kind)
        fresh = {
            "subscription_id": subscription_id,
            "local_date": local_date,
            "kind": kind,
            "status": DeliveryStatus.CLAIMED,
            "attempt": 1,
            "claimed_at": moment,
            "posted_message_ids": [],
        }
        async with self._engine.begin() as connection:
            if kind is DeliveryKind.MANUAL:
                delivery_id = await connection.scalar(insert(deliveries).values(**fresh).returning(deliveries.c.id))
            else:
                # The partial unique index makes this the one place where racing claims are decided.
                delivery_id = await connection.scalar(
                    upsert(connection.dialect, deliveries)
                    .values(**fresh)
                    .on_conflict_do_nothing(
                        index_elements=[deliveries.c.subscription_id, deliveries.c.local_date],
                        index_where=text("kind = 'scheduled'"),
                    )
                    .returning(deliveries.c.id)
                )
            if delivery_id is not None:
                return Claim(
                    delivery_id=delivery_id,
                    subscription_id=subscription_id,
                    local_date=local_date,
                    kind=kind,
                    attempt=1,
                    claimed_at=moment,
                    posted_message_ids=(),
                    delivered=frozenset(),
                )
            existing = (
                await connection.execute(
                    select(deliveries)
                    .where(
                        deliveries.c.subscription_id == subscription_id,
                        deliveries.c.local_date == local_date,
                        deliveries.c.kind == DeliveryKind.SCHEDULED,
                    )
                    .with_for_update()
                )
            ).one()
            abandoned = existing.status == DeliveryStatus.CLAIMED and existing.claimed_at <= moment - stale_after
            if existing.status != DeliveryStatus.FAILED and not abandoned:
                return None
            # Compare-and-set on the attempt: of two processes taking it over, one wins.
            attempt = await connection.scalar(
                update(deliveries)
                .where(deliveries.c.id == existing.id, deliveries.c.attempt == existing.attempt)
                .values(
                    status=DeliveryStatus.CLAIMED,
                    attempt=existing.attempt + 1,
                    claimed_at=moment,
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
                subscription_id=subscription_id,
                local_date=local_date,
                kind=kind,
                attempt=attempt,
                claimed_at=moment,
                posted_message_ids=tuple(int(message_id) for message_id in existing.posted_message_ids),
                delivered=frozenset(ItemRef(row.feed_id, row.item_key) for row in delivered),
            )
        LOGGER.info(
            "Took over delivery %s of subscription %s (attempt %d, was %s)",
            claim.delivery_id,
            subscription_id,
            claim.attempt,
            existing.status,
        )
        return claim

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
                .where(
                    deliveries.c.id == claim.delivery_id,
                    deliveries.c.attempt == claim.attempt,
                    deliveries.c.status == DeliveryStatus.CLAIMED,
                )
                .values(status=status, completed_at=moment, error=clip_error(error))
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
        async with self._engine.connect() as connection:
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
        moment = utc_now(now)
        async with self._engine.begin() as connection:
            await self._record_delivered(
                connection, subscription_id, items, delivery_id=delivery_id, message_ids=(), now=moment
            )
            if message_id is not None:
                if delivery_id is None:
                    raise ValueError("a message id belongs to a delivery: pass delivery_id too")
                await self._add_message_ids(connection, delivery_id, [message_id])

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
        if delivery_id is not None:
            owner = await connection.scalar(select(deliveries.c.subscription_id).where(deliveries.c.id == delivery_id))
            if owner != subscription_id:
                raise ValueError(f"delivery {delivery_id} is not one of subscription {subscription_id}'s")
        refs = list(dict.fromkeys(ItemRef(feed_id, stored_item_key(key)) for feed_id, key in items))
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
        if message_ids and delivery_id is not None:
            await self._add_message_ids(connection, delivery_id, message_ids)

    async def _add_message_ids(self, connection: AsyncConnection, delivery_id: int, message_ids: Sequence[int]) -> None:
        current = await connection.scalar(
            select(deliveries.c.posted_message_ids).where(deliveries.c.id == delivery_id).with_for_update()
        )
        if current is None:
            raise NotFound(f"Delivery {delivery_id} no longer exists.")
        posted = [int(message_id) for message_id in current]
        added = [message_id for message_id in dict.fromkeys(message_ids) if message_id not in posted]
        if added:
            await connection.execute(
                update(deliveries).where(deliveries.c.id == delivery_id).values(posted_message_ids=posted + added)
            )

"""Discord's global rate limit as one budget that every bot process draws from before a REST request.

The budget is a token bucket that lends ahead: a reservation of n slots takes n tokens at once, even
into debt, and slot j may be used when the bucket would have held j tokens. Slots are therefore spaced
1/pace apart across all processes, never more than BURST at once after a quiet spell, so in any window
of T seconds at most pace * T + BURST slots fall due.

A slot is used within SLOT_LATENESS_SECONDS of its time or given up for a new one (a stalled event loop
must not send a queue of late requests together), and requests may reach Discord up to
TRANSIT_SPREAD_SECONDS apart from how they left. The pace is chosen so that, with both, Discord sees at
most `limit` requests in any one second (see `pace_for`): 44.5 a second for Discord's 50.

On PostgreSQL the bucket is a row (`request_budgets`) that one statement refills by elapsed time on the
database's clock and draws from; a process reserves for all its waiting requests at once, up to
MAX_SLOTS_PER_RESERVATION, so the database sees one round trip per batch, not per request. On SQLite
(one process) the same arithmetic runs in memory. Nothing here knows discord.py: bot/client.py hooks it
into the HTTP session.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Double, cast, func, literal
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.tables import request_budgets

LOGGER = logging.getLogger(__name__)

BURST = 1
"""Slots a quiet bucket hands out at once: one, so that requests are spread evenly over the second."""
SLOT_LATENESS_SECONDS = 0.05
"""How late a slot may still be used (event-loop lag plus the database round trip); later, another is
reserved. A database further than this away makes slots late: a warning says so."""
TRANSIT_SPREAD_SECONDS = 0.05
"""How much longer one request may take to reach Discord than another sent after it."""
MAX_SLOTS_PER_RESERVATION = 10
"""Slots one process reserves in a round trip: 0.2 s of Discord's pace, so one process's batch does not
keep the others waiting long."""
BUDGET_NAME = "discord-global"


def pace_for(limit: int) -> float:
    """Slots a second for a limit of `limit` requests in any second.

    A slot used up to SLOT_LATENESS late and arriving up to TRANSIT_SPREAD early or late relative to the
    others falls in a second together with the slots of 1 + both seconds around it:
    pace * (1 + lateness + spread) + BURST <= limit.
    """
    return (limit - BURST) / (1 + SLOT_LATENESS_SECONDS + TRANSIT_SPREAD_SECONDS)


def refilled(tokens: float, updated_at: float, now: float, *, pace: float, capacity: float) -> float:
    """Tokens in the bucket at `now`: what it held, plus what the elapsed time added, up to `capacity`."""
    return min(capacity, tokens + max(now - updated_at, 0.0) * pace)


def slot_delays(level: float, count: int, *, pace: float) -> list[float]:
    """Seconds from now until each of `count` slots is due, the bucket holding `level` tokens before."""
    return [max(0.0, (slot - level) / pace) for slot in range(1, count + 1)]


class SlotSource(Protocol):
    """A bucket that reserves slots: `reserve(n)` returns each slot's delay from now, in seconds."""

    async def reserve(self, count: int) -> list[float]: ...


class LocalBucket:
    """The bucket in memory, for one process (SQLite)."""

    def __init__(self, *, pace: float, capacity: float = BURST, clock: Callable[[], float] = time.monotonic) -> None:
        self.pace = pace
        self.capacity = capacity
        self.clock = clock
        self._tokens = capacity
        self._updated_at = clock()

    async def reserve(self, count: int) -> list[float]:
        now = self.clock()
        level = refilled(self._tokens, self._updated_at, now, pace=self.pace, capacity=self.capacity)
        self._tokens = level - count
        self._updated_at = max(now, self._updated_at)
        return slot_delays(level, count, pace=self.pace)


class SharedBucket:
    """The bucket as a row every process on the database draws from (PostgreSQL).

    One INSERT ... ON CONFLICT DO UPDATE ... RETURNING makes the row (full) or refills and draws from it,
    under the row's lock, on the database's clock (`statement_timestamp()`), so processes on machines with
    different clocks agree. `clock` replaces the database's clock (tests).
    """

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        pace: float,
        capacity: float = BURST,
        name: str = BUDGET_NAME,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.engine = engine
        self.pace = pace
        self.capacity = capacity
        self.name = name
        self.clock = clock

    async def reserve(self, count: int) -> list[float]:
        now = (
            literal(self.clock(), Double)
            if self.clock is not None
            else cast(func.extract("epoch", func.statement_timestamp()), Double)
        )
        row = request_budgets.c
        level = func.least(self.capacity, row.tokens + func.greatest(now - row.updated_at, 0.0) * self.pace)
        statement = (
            insert(request_budgets)
            .values(name=self.name, tokens=self.capacity - count, updated_at=now)
            .on_conflict_do_update(
                index_elements=[row.name],
                set_={"tokens": level - count, "updated_at": func.greatest(now, row.updated_at)},
            )
            .returning(row.tokens)
        )
        async with self.engine.begin() as connection:
            tokens_after = (await connection.execute(statement)).scalar_one()
        return slot_delays(tokens_after + count, count, pace=self.pace)


@dataclass(eq=False)
class _Waiter:
    ready: asyncio.Future[float]
    """Set to the slot's time on the local clock."""


class RequestBudget:
    """Makes each request wait for its slot; the requests waiting in this process share one reservation.

    Args:
        slots: the bucket (LocalBucket, or SharedBucket for every process on PostgreSQL).
        clock: the local monotonic clock the slots are waited for on.
    """

    def __init__(
        self,
        slots: SlotSource,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_batch: int = MAX_SLOTS_PER_RESERVATION,
    ) -> None:
        self.slots = slots
        self.clock = clock
        self.max_batch = max_batch
        self._waiting: deque[_Waiter] = deque()
        self._reserving: asyncio.Task[None] | None = None
        self._slow_warned_at = float("-inf")

    async def acquire(self) -> float:
        """Wait for a slot; returns the seconds waited."""
        started = self.clock()
        while True:
            waiter = _Waiter(asyncio.get_running_loop().create_future())
            self._waiting.append(waiter)
            if self._reserving is None or self._reserving.done():
                self._reserving = asyncio.create_task(self._reserve_for_waiters(), name="request-budget")
            due = await waiter.ready
            await asyncio.sleep(max(due - self.clock(), 0.0))
            if self.clock() - due <= SLOT_LATENESS_SECONDS:
                return self.clock() - started
            LOGGER.debug("A request slot came %.3f s late; reserving another", self.clock() - due)

    async def _reserve_for_waiters(self) -> None:
        while self._waiting:
            batch: list[_Waiter] = []
            while self._waiting and len(batch) < self.max_batch:
                waiter = self._waiting.popleft()
                if not waiter.ready.done():  # a request cancelled while it waited needs no slot
                    batch.append(waiter)
            if not batch:
                return
            sent = self.clock()
            try:
                delays = await self.slots.reserve(len(batch))
            except Exception as error:
                for waiter in batch:
                    if not waiter.ready.done():
                        waiter.ready.set_exception(error)
                continue
            received = self.clock()
            self._warn_if_slow(received - sent)
            for waiter, delay in zip(batch, delays, strict=True):
                if not waiter.ready.done():
                    waiter.ready.set_result(received + delay)

    def _warn_if_slow(self, round_trip: float) -> None:
        """A round trip longer than the lateness allowed makes every slot late: say so once a minute."""
        if round_trip > SLOT_LATENESS_SECONDS and self.clock() - self._slow_warned_at > 60:
            self._slow_warned_at = self.clock()
            LOGGER.warning(
                "The request budget's database answered in %.0f ms; slots are used late and Discord's global "
                "limit may be exceeded: use a nearer database, or a rate-limit proxy (DISCORD_API_BASE)",
                round_trip * 1000,
            )


def counts_against_global_limit(url: str, *, api_base: str, application_id: int | None) -> bool:
    """Whether a request to `url` is bound by Discord's global limit: every request to the REST API but
    the interaction endpoints (an interaction's callback, and its webhook, whose id is the application's)."""
    base = api_base.rstrip("/")
    if not url.startswith(base + "/"):
        return False  # the gateway, the CDN, feeds: not the REST API
    path = url[len(base) :].split("?", 1)[0]
    parts = path.strip("/").split("/")
    if parts[0] == "interactions" and len(parts) >= 4 and parts[3] == "callback":
        return False
    return not (parts[0] == "webhooks" and application_id is not None and parts[1:2] == [str(application_id)])

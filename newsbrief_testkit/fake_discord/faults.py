"""Faults a test injects into the REST API: rate limits and errors for the next requests, an outage, and,
for crash tests, a request held before Discord reads it or its answer held back after Discord stored it.

Gateway faults (reconnect, invalid session, dropped connection) live with the gateway.
"""

# Test helpers take `timeout=` like asyncio.wait_for does.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import math
import re
import time
import zlib
from dataclasses import dataclass, field
from http import HTTPStatus

from .limits import DEFAULT_WAIT_SECONDS, RATE_LIMIT_VIA
from .records import Incoming, RecordedRequest
from .state import FakeState
from .wire import Reply

# What a held answer became: sent to the bot, or its connection closed without one.
RELEASED = "released"
DROPPED = "dropped"


@dataclass(eq=False)
class InjectedFault:
    """The next ``remaining`` requests matching ``method`` and ``path`` answer ``status``."""

    method: str
    path: re.Pattern[str]
    status: int
    remaining: int
    retry_after: float
    is_global: bool
    scope: str
    hits: list[int] = field(default_factory=list)

    def matches(self, method: str, path: str) -> bool:
        return self.remaining > 0 and self.method in ("*", method) and self.path.fullmatch(path) is not None


@dataclass(eq=False)
class Outage:
    """Every request matching ``method`` and ``path`` answers ``status`` until ended or ``ends_at`` on the
    fake's clock; ``hits`` are the indexes in ``fake.requests`` of the requests it answered."""

    method: str
    path: re.Pattern[str]
    status: int
    ends_at: float | None
    ended: bool = False
    hits: list[int] = field(default_factory=list)

    def matches(self, method: str, path: str, now: float) -> bool:
        if self.ended or (self.ends_at is not None and now >= self.ends_at):
            return False
        return self.method in ("*", method) and self.path.fullmatch(path) is not None


class _Held:
    """A request the fake holds until the test decides: ``release()`` or ``drop()``. Subclasses are
    dataclasses with the two fields below."""

    outcome: str | None
    _decided: asyncio.Event

    def release(self) -> None:
        """Let it go on: a held answer is sent (to a bot that may no longer be there to read it), a held
        request is done and answered as usual."""
        self._decide(RELEASED)

    def drop(self) -> None:
        """Close its connection without an answer, as when Discord's edge goes away: a held request is
        then never done."""
        self._decide(DROPPED)

    def _decide(self, outcome: str) -> None:
        if self.outcome is None:
            self.outcome = outcome
            self._decided.set()

    async def _wait_decided(self) -> str:
        await self._decided.wait()
        assert self.outcome is not None
        return self.outcome


@dataclass(eq=False)
class HeldReply(_Held):
    """The answer to the next successful request matching ``method`` and ``path``, held back.

    The fake does the request's work first (a message is stored, visible to GET and in ``fake.messages``,
    and the request is in ``fake.requests``), then keeps the HTTP answer until ``release()`` sends it or
    ``drop()`` closes the connection without one: the moment to kill a bot that Discord has answered
    before it heard the answer.
    """

    method: str
    path: re.Pattern[str]
    request: RecordedRequest | None = None
    outcome: str | None = None
    _stored: asyncio.Event = field(default_factory=asyncio.Event, repr=False)
    _decided: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    def matches(self, method: str, path: str) -> bool:
        return self.request is None and self.method in ("*", method) and self.path.fullmatch(path) is not None

    async def wait_stored(self, *, timeout: float = DEFAULT_WAIT_SECONDS) -> RecordedRequest:
        """Wait until the fake has done the held request's work; returns that request (status, response)."""
        try:
            await asyncio.wait_for(self._stored.wait(), timeout)
        except TimeoutError:
            raise TimeoutError(f"no {self.method} {self.path.pattern} was stored within {timeout}s") from None
        assert self.request is not None
        return self.request

    def _hold(self, request: RecordedRequest) -> None:
        self.request = request
        self._stored.set()


@dataclass(eq=False)
class HeldRequest(_Held):
    """The next request matching ``method`` and ``path`` (after ``skip`` of them went through), held as it
    arrives, before the fake does anything with it: nothing is stored, answered or recorded until
    ``release()`` lets the fake do it as usual, or ``drop()`` closes the connection and the request is
    never done at all. The moment to kill a bot whose message has not reached Discord.
    """

    method: str
    path: re.Pattern[str]
    skip: int = 0
    passed: int = 0
    """Matching requests let through so far, up to ``skip``."""
    request: Incoming | None = None
    outcome: str | None = None
    _held: asyncio.Event = field(default_factory=asyncio.Event, repr=False)
    _decided: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    def takes(self, method: str, path: str) -> bool:
        """Whether it holds this request (a matching one past ``skip``, while it holds none yet)."""
        if self.request is not None or self.method not in ("*", method) or self.path.fullmatch(path) is None:
            return False
        if self.passed < self.skip:
            self.passed += 1
            return False
        return True

    async def wait_held(self, *, timeout: float = DEFAULT_WAIT_SECONDS) -> Incoming:
        """Wait until a request is held; returns it as it arrived (method, path, json, headers)."""
        try:
            await asyncio.wait_for(self._held.wait(), timeout)
        except TimeoutError:
            raise TimeoutError(f"no {self.method} {self.path.pattern} arrived within {timeout}s") from None
        assert self.request is not None
        return self.request

    def _hold(self, request: Incoming) -> None:
        self.request = request
        self._held.set()


class Faults(FakeState):
    """The REST fault tools; see the package docstring."""

    def fail_next(
        self,
        method: str,
        path: str,
        *,
        status: int = 429,
        count: int = 1,
        retry_after: float = 0.2,
        is_global: bool = False,
        scope: str = "user",
    ) -> InjectedFault:
        """Make the next ``count`` requests matching ``method`` ("*" for any) and regex ``path`` fail.

        429 answers carry Discord's body (``retry_after``, ``global``) and headers (Retry-After,
        X-RateLimit-Limit/-Remaining/-Reset/-Reset-After/-Bucket/-Scope, X-RateLimit-Global, Via).
        Of these discord.py 2.7 reads the body's ``retry_after`` and ``global`` and needs ``Via`` (a 429
        without it is taken for a Cloudflare ban and raised); it reads the X-RateLimit headers only on
        answers that are not 429. Other statuses get a plain Discord error body: discord.py retries
        500/502/504 after 1 s, 3 s... and raises on the rest.
        """
        fault = InjectedFault(
            method=method,
            path=re.compile(path),
            status=status,
            remaining=count,
            retry_after=retry_after,
            is_global=is_global,
            scope="global" if is_global else scope,
        )
        self.faults.append(fault)
        return fault

    def outage(self, path: str = ".*", *, method: str = "*", status: int = 503, seconds: float | None = None) -> Outage:
        """From now on every request matching ``method`` ("*" for any) and regex ``path`` answers ``status``
        with Discord's body for it (``{"code": 0, "message": "503: Service Unavailable"}``) until
        end_outage(), or for ``seconds`` of the fake's clock (advance_clock moves it).

        discord.py retries 500, 502, 504 and 524 a few times and raises DiscordServerError on a 503 at once.
        """
        ends_at = None if seconds is None else self.clock() + seconds
        outage = Outage(method=method, path=re.compile(path), status=status, ends_at=ends_at)
        self.outages.append(outage)
        return outage

    def end_outage(self) -> None:
        """End every outage: requests are answered as usual again."""
        for outage in self.outages:
            outage.ended = True
        self._notify()

    def hold_after_store(self, method: str, path: str) -> HeldReply:
        """Hold the answer to the next successful request matching ``method`` and regex ``path``.

        For a message POST the message is stored (GET and ``fake.messages`` show it, the nonce counts)
        and the answer waits for ``release()`` or ``drop()``; ``await hold.wait_stored()`` returns when
        the message is stored. Answers that are not 2xx are sent at once and leave the hold armed.
        close() drops any answer still held.
        """
        hold = HeldReply(method=method, path=re.compile(path))
        self.holds.append(hold)
        return hold

    def hold_before_store(self, method: str, path: str, *, skip: int = 0) -> HeldRequest:
        """Hold the next request matching ``method`` and regex ``path``, after letting ``skip`` of them
        through, before the fake does it: ``await held.wait_held()`` returns when it is held, then
        ``release()`` lets it be done and answered, ``drop()`` closes its connection with nothing stored
        or recorded. close() drops a request still held.
        """
        held = HeldRequest(method=method, path=re.compile(path), skip=skip)
        self.held_requests.append(held)
        return held

    async def _held_back(self, incoming: Incoming) -> bool:
        """Hold the request if a hold_before_store takes it; True when it was dropped (never to be done)."""
        held = next((h for h in self.held_requests if h.takes(incoming.method, incoming.path)), None)
        if held is None:
            return False
        held._hold(incoming)
        return await held._wait_decided() == DROPPED

    def _outage_reply(self, incoming: Incoming, index: int) -> Reply | None:
        now = self.clock()
        outage = next((o for o in self.outages if o.matches(incoming.method, incoming.path, now)), None)
        if outage is None:
            return None
        outage.hits.append(index)
        return Reply(outage.status, {"code": 0, "message": f"{outage.status}: {HTTPStatus(outage.status).phrase}"})

    def _take_hold(self, request: RecordedRequest) -> HeldReply | None:
        """The hold a just-recorded successful request falls under, now holding it."""
        if not 200 <= request.status < 300:
            return None
        hold = next((h for h in self.holds if h.matches(request.method, request.path)), None)
        if hold is not None:
            hold._hold(request)
        return hold

    def _drop_held_replies(self) -> None:
        for hold in self.holds:
            hold.drop()
        for held in self.held_requests:
            held.drop()

    def _fault_reply(self, incoming: Incoming, index: int) -> Reply | None:
        if reply := self._outage_reply(incoming, index):
            return reply
        fault = next((f for f in self.faults if f.matches(incoming.method, incoming.path)), None)
        if fault is None:
            return None
        fault.remaining -= 1
        fault.hits.append(index)
        if fault.status != 429:
            return Reply(fault.status, {"code": 0, "message": f"{fault.status}: injected by the fake"})
        bucket = format(zlib.crc32(f"{fault.method} {fault.path.pattern}".encode()), "08x")
        headers = {
            "Retry-After": str(math.ceil(fault.retry_after)),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + fault.retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{fault.retry_after:.3f}",
            "X-RateLimit-Bucket": bucket,
            "X-RateLimit-Scope": fault.scope,
            "Via": RATE_LIMIT_VIA,
        }
        if fault.is_global:
            headers["X-RateLimit-Global"] = "true"
        body = {"message": "You are being rate limited.", "retry_after": fault.retry_after, "global": fault.is_global}
        return Reply(429, body, headers)

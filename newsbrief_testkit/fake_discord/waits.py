"""Test-facing waits: for a request, a gateway frame, an interaction's callback or follow-up."""

# Test helpers take `timeout=` like asyncio.wait_for does: a test reads better with it than wrapped in
# asyncio.timeout, and a stuck bot then fails with a message that lists what it did send.
# ruff: noqa: ASYNC109

from __future__ import annotations

import re
from collections.abc import Callable

from .limits import DEFAULT_WAIT_SECONDS, FROM_BOT
from .records import FakeInteraction, GatewayFrame, RecordedRequest
from .state import FakeState


class Waits(FakeState):
    """Waiting for what the bot does, with a message listing what it did when it does not."""

    async def wait_for_request(
        self,
        method: str,
        path: str,
        *,
        status: int | None = None,
        since: int = 0,
        predicate: Callable[[RecordedRequest], bool] | None = None,
        timeout: float = DEFAULT_WAIT_SECONDS,
    ) -> RecordedRequest:
        """The first recorded request from index ``since`` on whose path fully matches the regex ``path``.

        Raises TimeoutError listing what was recorded when none arrives in ``timeout`` seconds.
        """
        pattern = re.compile(path)

        def check() -> RecordedRequest | None:
            for request in self.requests[since:]:
                if (
                    request.method == method
                    and pattern.fullmatch(request.path)
                    and (status is None or request.status == status)
                    and (predicate is None or predicate(request))
                ):
                    return request
            return None

        def describe() -> str:
            seen = "\n".join(f"  {r.method} {r.path} -> {r.status}" for r in self.requests[since:][-30:])
            wanted = f"{method} {path}" + (f" -> {status}" if status is not None else "")
            return f"no request {wanted} within {timeout}s; recorded:\n{seen or '  (none)'}"

        return await self._wait_until(check, timeout=timeout, describe=describe)

    async def wait_for_frame(
        self,
        *,
        op: int | None = None,
        event: str | None = None,
        direction: str = FROM_BOT,
        since: int = 0,
        timeout: float = DEFAULT_WAIT_SECONDS,
    ) -> GatewayFrame:
        """The first gateway frame from index ``since`` on with this direction, op and event name."""

        def check() -> GatewayFrame | None:
            for frame in self.frames[since:]:
                if (
                    frame.direction == direction
                    and (op is None or frame.op == op)
                    and (event is None or frame.event == event)
                ):
                    return frame
            return None

        def describe() -> str:
            seen = "\n".join(f"  {f.direction} op={f.op} t={f.event}" for f in self.frames[since:][-30:])
            return f"no {direction} frame op={op} t={event} within {timeout}s; recorded:\n{seen or '  (none)'}"

        return await self._wait_until(check, timeout=timeout, describe=describe)

    async def wait_for_callback(
        self, interaction: FakeInteraction, *, status: int | None = None, timeout: float = DEFAULT_WAIT_SECONDS
    ) -> RecordedRequest:
        """The bot's ``POST /interactions/{id}/{token}/callback`` for this interaction."""
        path = rf"/interactions/{interaction.id}/{re.escape(interaction.token)}/callback"
        return await self.wait_for_request("POST", path, status=status, timeout=timeout)

    async def wait_for_followup(
        self,
        interaction: FakeInteraction,
        *,
        status: int | None = None,
        since: int = 0,
        timeout: float = DEFAULT_WAIT_SECONDS,
    ) -> RecordedRequest:
        """The bot's ``POST /webhooks/{application}/{token}`` (a follow-up) for this interaction."""
        path = rf"/webhooks/{self.application_id}/{re.escape(interaction.token)}"
        return await self.wait_for_request("POST", path, status=status, since=since, timeout=timeout)

    @property
    def unknown_routes(self) -> list[RecordedRequest]:
        """Requests no route of the fake answered: what the bot called that the fake does not serve."""
        return [request for request in self.requests if not request.routed]

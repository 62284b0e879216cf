"""What the fake records for a test to read: requests with their files, gateway frames, interactions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class RecordedFile:
    """One file part of a multipart request (discord.py names them ``files[0]``, ``files[1]``...)."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass(frozen=True, slots=True)
class Incoming:
    """A REST request as read from the wire; ``path`` is relative to the API base (``/channels/1/messages``),
    ``json`` is the JSON body or, for a multipart body, its ``payload_json``."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: tuple[RecordedFile, ...]
    headers: dict[str, str]


@dataclass(frozen=True, slots=True)
class RecordedRequest(Incoming):
    """One REST request as the fake received it, with the answer it gave.

    ``index`` is its place in ``fake.requests``; ``at`` is ``loop.time()`` on arrival; ``routed`` is False
    when no route of the fake matched (404/405).
    """

    index: int
    at: float
    status: int
    response: Any
    routed: bool = True


@dataclass(frozen=True, slots=True)
class GatewayFrame:
    """One gateway payload, in either direction (``TO_BOT`` or ``FROM_BOT``)."""

    index: int
    direction: str
    op: int
    event: str | None
    seq: int | None
    data: Any
    at: float
    connection: int


@dataclass(eq=False)
class FakeInteraction:
    """An interaction the fake dispatched, and what the bot did with it.

    ``callback_type`` is the type of the accepted callback (None until acknowledged); ``original`` the
    message of the original response; ``followups`` the other messages sent through its webhook.
    """

    id: int
    token: str
    payload: dict[str, Any]
    created_at: float
    callback_type: int | None = None
    original: dict[str, Any] | None = None
    followups: list[dict[str, Any]] = field(default_factory=list)

    @property
    def acknowledged(self) -> bool:
        return self.callback_type is not None


@dataclass(eq=False)
class RouteBucket:
    """One fixed window of a per-route limit: ``used`` requests since ``resets_at - period``."""

    resets_at: float
    used: int = 0


@dataclass(eq=False)
class RateLimitCounts:
    """What the limits refused: indexes in ``fake.requests`` of global and of per-route 429s."""

    global_hits: list[int] = field(default_factory=list)
    route_hits: list[int] = field(default_factory=list)

"""The REST wire: a request as the routes read it, a reply as Discord shapes it, and Discord's error bodies."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .limits import INVALID_FORM_BODY


@dataclass(frozen=True, slots=True)
class Reply:
    """An answer: a status, a JSON body (None for an empty one) and headers."""

    status: int
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def to_response(self) -> web.Response:
        if self.body is None:
            return web.Response(status=self.status, headers=self.headers)
        # Exactly "application/json": discord.py reads the body as JSON only for that header value, and
        # web.json_response would add "; charset=utf-8".
        return web.Response(
            status=self.status,
            body=json.dumps(self.body).encode(),
            content_type="application/json",
            headers=self.headers,
        )


Handler = Callable[..., Awaitable[Reply]]


@dataclass(frozen=True, slots=True)
class Route:
    """One path of the API and the handler of each method it serves; the path's named groups are the
    handler's keyword arguments."""

    pattern: re.Pattern[str]
    handlers: Mapping[str, Handler]
    needs_bot_token: bool = True


def route(path: str, handlers: Mapping[str, Handler], *, needs_bot_token: bool = True) -> Route:
    """A Route for the regex ``path`` (matched in full)."""
    return Route(re.compile(path), handlers, needs_bot_token)


# Path parts of the route regexes.
SNOWFLAKE = r"\d+"
TOKEN = r"[^/]+"


def error_reply(status: int, code: int, message: str, errors: Mapping[str, Any] | None = None) -> Reply:
    """Discord's JSON error body: a numeric code, a message, and for form errors the nested ``errors``."""
    body: dict[str, Any] = {"code": code, "message": message}
    if errors:
        body["errors"] = dict(errors)
    return Reply(status, body)


def field_error(code: str, message: str) -> dict[str, Any]:
    """One field's entry in the nested ``errors`` of a 50035 "Invalid Form Body"."""
    return {"_errors": [{"code": code, "message": message}]}


def too_long(limit: int) -> dict[str, Any]:
    return field_error("BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def invalid_form_body(errors: Mapping[str, Any]) -> Reply:
    """400 50035 with Discord's nested ``errors``, keyed by field (``embeds.0.title``, ``limit``...)."""
    return error_reply(400, INVALID_FORM_BODY, "Invalid Form Body", errors)

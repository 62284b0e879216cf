"""The REST server: reads a request, applies faults, finds its route, records it and answers; and the
routes about the bot itself (gateway URL, current user, application, guild)."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from aiohttp import BodyPartReader, web

from .faults import DROPPED, Faults
from .limits import (
    API_PREFIX,
    FROM_BOT,
    INVALID_JSON,
    OP_IDENTIFY,
    SESSION_START_RESET_MS,
    SESSION_STARTS_PER_DAY,
    UNKNOWN_GUILD,
)
from .ratelimits import RateLimits
from .records import Incoming, RecordedFile, RecordedRequest
from .wire import SNOWFLAKE, Reply, Route, error_reply, route

LOGGER = logging.getLogger(__name__)


class RestServer(Faults, RateLimits):
    """Serves ``/api/v10/...`` from ``_routes`` (set by FakeDiscord from every part's routes)."""

    _routes: list[Route]

    def _own_routes(self) -> list[Route]:
        return [
            route(r"/gateway", {"GET": self._get_gateway}, needs_bot_token=False),
            route(r"/gateway/bot", {"GET": self._get_gateway_bot}),
            route(r"/users/@me", {"GET": self._get_current_user}),
            route(r"/(?:oauth2/)?applications/@me", {"GET": self._get_application}),
            route(rf"/guilds/(?P<guild>{SNOWFLAKE})", {"GET": self._get_guild}),
        ]

    async def _handle_rest(self, request: web.Request) -> web.StreamResponse:
        at = asyncio.get_running_loop().time()
        incoming_or_reply = await self._read_request(request)
        routed = True
        if isinstance(incoming_or_reply, Reply):
            incoming = Incoming(request.method, request.path[len(API_PREFIX) :], dict(request.query), None, (), {})
            reply = incoming_or_reply
        else:
            incoming = incoming_or_reply
            if await self._held_back(incoming):
                if request.transport is not None:
                    request.transport.close()
                return web.Response()  # never written: the connection is closed
            index = len(self.requests)
            refused = (
                self._global_limit_reply(incoming, index)
                or self._fault_reply(incoming, index)
                or self._route_limit_reply(incoming, index)
            )
            reply, routed = (refused, True) if refused is not None else await self._route(incoming)
            reply = self._with_route_headers(incoming, reply)
        self.requests.append(
            RecordedRequest(
                index=len(self.requests),
                method=incoming.method,
                path=incoming.path,
                query=incoming.query,
                json=incoming.json,
                files=incoming.files,
                headers=dict(request.headers),
                at=at,
                status=reply.status,
                response=reply.body,
                routed=routed,
            )
        )
        self._notify()
        hold = self._take_hold(self.requests[-1])
        if hold is not None and await hold._wait_decided() == DROPPED and request.transport is not None:
            # aiohttp then gives up writing the answer to the closed connection quietly.
            request.transport.close()
        return reply.to_response()

    async def _read_request(self, request: web.Request) -> Incoming | Reply:
        body: Any = None
        files: list[RecordedFile] = []
        if request.content_type == "application/json":
            raw = await request.read()
            if raw:
                try:
                    body = json.loads(raw)
                except ValueError:
                    return error_reply(400, INVALID_JSON, "The request body contains invalid JSON.")
        elif request.content_type == "multipart/form-data":
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):
                    continue
                if part.name == "payload_json":
                    try:
                        body = json.loads(await part.text())
                    except ValueError:
                        return error_reply(400, INVALID_JSON, "The request body contains invalid JSON.")
                else:
                    files.append(
                        RecordedFile(
                            field=part.name or "",
                            filename=part.filename,
                            content_type=part.headers.get("Content-Type"),
                            data=bytes(await part.read()),
                        )
                    )
        else:
            await request.read()
        return Incoming(
            method=request.method,
            path=request.path[len(API_PREFIX) :],
            query=dict(request.query),
            json=body,
            files=tuple(files),
            headers=dict(request.headers),
        )

    async def _route(self, incoming: Incoming) -> tuple[Reply, bool]:
        for served in self._routes:
            found = served.pattern.fullmatch(incoming.path)
            if found is None:
                continue
            handler = served.handlers.get(incoming.method)
            if handler is None:
                return error_reply(405, 0, "405: Method Not Allowed"), False
            if served.needs_bot_token and incoming.headers.get("Authorization") != f"Bot {self.token}":
                return error_reply(401, 0, "401: Unauthorized"), True
            return await handler(incoming, **found.groupdict()), True
        LOGGER.info("fake Discord has no route for %s %s", incoming.method, incoming.path)
        return error_reply(404, 0, "404: Not Found"), False

    async def _get_gateway(self, incoming: Incoming) -> Reply:
        return Reply(200, {"url": self.gateway_url})

    async def _get_gateway_bot(self, incoming: Incoming) -> Reply:
        identifies = sum(1 for frame in self.frames if frame.op == OP_IDENTIFY and frame.direction == FROM_BOT)
        limit = {
            "total": SESSION_STARTS_PER_DAY,
            "remaining": max(SESSION_STARTS_PER_DAY - identifies, 0),
            "reset_after": SESSION_START_RESET_MS,
            "max_concurrency": self.max_concurrency,
        }
        return Reply(200, {"url": self.gateway_url, "shards": self.recommended_shards, "session_start_limit": limit})

    async def _get_current_user(self, incoming: Incoming) -> Reply:
        return Reply(200, self.bot_user)

    async def _get_application(self, incoming: Incoming) -> Reply:
        return Reply(
            200,
            {
                "id": str(self.application_id),
                "name": self.bot_user["username"],
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": self.owner_user,
                "team": None,
                "verify_key": "0" * 64,
                "flags": 0,
                "summary": "",
                "tags": [],
                "interactions_endpoint_url": None,
                "bot": self.bot_user,
            },
        )

    async def _get_guild(self, incoming: Incoming, guild: str) -> Reply:
        found = self.guilds.get(int(guild))
        if found is None:
            return error_reply(404, UNKNOWN_GUILD, "Unknown Guild")
        return Reply(200, found)

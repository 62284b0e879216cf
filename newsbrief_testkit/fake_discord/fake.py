"""FakeDiscord: the parts put together, and its life as a server on 127.0.0.1."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from .commands import CommandRoutes
from .components import ComponentSender
from .guilds import GuildEvents
from .interactions import InteractionRoutes
from .limits import API_PREFIX, ATTACHMENTS_PATH, CLOSE_GOING_AWAY, GATEWAY_PATH, HOST
from .publishing import CrosspostRoutes
from .rest import RestServer
from .threads import ThreadRoutes
from .waits import Waits

LOGGER = logging.getLogger(__name__)


class FakeDiscord(
    Waits,
    RestServer,
    ThreadRoutes,
    CrosspostRoutes,
    InteractionRoutes,
    CommandRoutes,
    ComponentSender,
    GuildEvents,
):
    """A fake Discord REST API and gateway on 127.0.0.1; see the package docstring.

    The constructor's options are FakeState's: ``token``, ``ack_deadline``, ``token_lifetime``,
    ``heartbeat_interval_ms``, ``privileged_intents``, ``shard_count`` (the shards GET /gateway/bot
    recommends; one per 1,000 guilds when None), ``max_concurrency`` (its session_start_limit's),
    ``compress_frames``.
    """

    @classmethod
    async def start(cls, **options: Any) -> FakeDiscord:
        """Start a fake on 127.0.0.1 with a free port; ``options`` are the constructor's."""
        fake = cls(**options)
        fake._routes = [
            *fake._own_routes(),
            *fake._command_routes(),
            *fake._channel_routes(),
            *fake._thread_routes(),
            *fake._crosspost_routes(),
            *fake._interaction_routes(),
        ]
        app = web.Application()
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", fake._handle_rest)
        app.router.add_get(GATEWAY_PATH, fake._handle_gateway)
        app.router.add_get(GATEWAY_PATH + "/", fake._handle_gateway)
        app.router.add_get(ATTACHMENTS_PATH + "/{channel}/{attachment}/{filename}", fake._handle_attachment)
        # Short shutdown: by then every websocket has been closed by close().
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, HOST, 0)
        await site.start()
        fake._runner = runner
        fake.port = runner.addresses[0][1]
        LOGGER.debug("fake Discord listening on %s", fake.api_base)
        return fake

    async def close(self) -> None:
        """Drop any held answer, close every gateway connection, then the server."""
        self._drop_held_replies()
        for connection in list(self.gateway_connections):
            if connection._ws is not None and not connection._ws.closed:
                await connection._ws.close(code=CLOSE_GOING_AWAY, message=b"fake Discord stopping")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return self

    async def __aexit__(self, *_exc_info: object) -> None:
        await self.close()

"""The gateway websocket: HELLO, IDENTIFY and READY, RESUME, heartbeats, member chunks, dispatches, and the
gateway faults (reconnect, invalid session, dropped connection).

Shards as Discord has them: IDENTIFY may carry ``shard: [shard_id, count]``; the session then gets the
guilds with ``(guild_id >> 22) % count == shard_id`` (DMs go to shard 0), and every event of a guild
goes to the session of its shard. A shard id outside the count, or a count other than the other live
sessions', is closed with 4010 (Invalid shard); a session that would hold 2,500 guilds or more (an
unsharded one, for a bot in that many) with 4011 (Sharding required).

Compression: discord.py asks for ``compress=zlib-stream`` (``zstd-stream`` where a zstd module is installed)
and decompresses binary frames only; text frames it reads as they are. zlib-stream is honoured (one zlib
context per connection, each frame ending in a Z_SYNC_FLUSH); any other request is answered with plain text
frames, which discord.py accepts.
"""

# Test helpers take `timeout=` like asyncio.wait_for does.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import json
import secrets
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from .limits import (
    CLOSE_AUTHENTICATION_FAILED,
    CLOSE_DISALLOWED_INTENTS,
    CLOSE_INVALID_SHARD,
    CLOSE_SHARDING_REQUIRED,
    CLOSE_UNKNOWN_ERROR,
    DEFAULT_WAIT_SECONDS,
    FROM_BOT,
    MAX_GUILDS_PER_SESSION,
    OP_DISPATCH,
    OP_HEARTBEAT,
    OP_HEARTBEAT_ACK,
    OP_HELLO,
    OP_IDENTIFY,
    OP_INVALID_SESSION,
    OP_RECONNECT,
    OP_REQUEST_GUILD_MEMBERS,
    OP_RESUME,
    PRIVILEGED_INTENTS,
    TO_BOT,
)
from .records import GatewayFrame
from .state import FakeState

GUILDS_BETWEEN_FRAMES_READ = 20
"""GUILD_CREATEs sent before the connection's frames are read again: a heartbeat waits for at most this many."""


@dataclass(eq=False)
class GatewayConnection:
    """One websocket connection of a client; ``compression`` is None for plain text frames."""

    id: int
    query: dict[str, str]
    compression: str | None
    session_id: str | None = None
    ready: bool = False
    closed: bool = False
    _ws: web.WebSocketResponse | None = field(default=None, repr=False)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)
    _zlib: Any = field(default=None, repr=False)
    _guilds_sending: asyncio.Task[None] | None = field(default=None, repr=False)


@dataclass(eq=False)
class GatewaySession:
    """A session the client identified; it survives its connection and is RESUMEd on a new one."""

    session_id: str
    shard: tuple[int, int] | None
    intents: int
    seq: int = 0
    connection: GatewayConnection | None = None


class Gateway(FakeState):
    """The fake's gateway endpoint and the tools a test uses to send events and gateway faults."""

    def _record_frame(self, connection: GatewayConnection, direction: str, payload: Mapping[str, Any]) -> None:
        self.frames.append(
            GatewayFrame(
                index=len(self.frames),
                direction=direction,
                op=payload.get("op", -1),
                event=payload.get("t"),
                seq=payload.get("s"),
                data=payload.get("d"),
                at=asyncio.get_running_loop().time(),
                connection=connection.id,
            )
        )
        self._notify()

    async def _handle_gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        query = dict(request.query)
        wants_zlib = self.compress_frames and query.get("compress") == "zlib-stream"
        connection = GatewayConnection(
            id=next(self._connection_ids),
            query=query,
            compression="zlib-stream" if wants_zlib else None,
            _ws=ws,
            _zlib=zlib.compressobj() if wants_zlib else None,
        )
        self.gateway_connections.append(connection)
        self._notify()
        try:
            await self._send(connection, {"op": OP_HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
            async for message in ws:
                if message.type is WSMsgType.TEXT:
                    text = message.data
                elif message.type is WSMsgType.BINARY:
                    text = message.data.decode()
                else:
                    continue
                await self._on_frame(connection, json.loads(text))
        finally:
            connection.closed = True
            connection.ready = False
            if connection._guilds_sending is not None:
                connection._guilds_sending.cancel()
            for session in self._sessions.values():
                if session.connection is connection:
                    session.connection = None
            self._notify()
        return ws

    async def _send(self, connection: GatewayConnection, payload: Mapping[str, Any]) -> None:
        ws = connection._ws
        if ws is None or ws.closed:
            raise ConnectionError(f"gateway connection {connection.id} is closed")
        async with connection._lock:
            self._record_frame(connection, TO_BOT, payload)
            text = json.dumps(payload)
            if connection._zlib is not None:
                data = connection._zlib.compress(text.encode()) + connection._zlib.flush(zlib.Z_SYNC_FLUSH)
                await ws.send_bytes(data)
            else:
                await ws.send_str(text)

    async def _send_dispatch(self, session: GatewaySession, event: str, data: Mapping[str, Any]) -> None:
        if session.connection is None:
            raise ConnectionError(f"session {session.session_id} has no connection")
        session.seq += 1
        await self._send(session.connection, {"op": OP_DISPATCH, "t": event, "s": session.seq, "d": data})

    async def _on_frame(self, connection: GatewayConnection, payload: dict[str, Any]) -> None:
        self._record_frame(connection, FROM_BOT, payload)
        op = payload.get("op")
        data = payload.get("d")
        if op == OP_HEARTBEAT:
            await self._send(connection, {"op": OP_HEARTBEAT_ACK})
        elif op == OP_IDENTIFY:
            await self._identify(connection, data or {})
        elif op == OP_RESUME:
            await self._resume(connection, data or {})
        elif op == OP_REQUEST_GUILD_MEMBERS:
            await self._send_member_chunk(connection, data or {})

    def _guild_ids_for(self, shard: tuple[int, int] | None) -> list[int]:
        if shard is None:
            return list(self.guilds)
        shard_id, count = shard
        return [guild_id for guild_id in self.guilds if (guild_id >> 22) % count == shard_id]

    def _valid_shard(self, shard: tuple[int, int]) -> bool:
        """A shard id below its count, and the count every other live session uses (4010 otherwise)."""
        shard_id, count = shard
        if count < 1 or not 0 <= shard_id < count:
            return False
        live_counts = {
            session.shard[1] if session.shard is not None else 1
            for session in self._sessions.values()
            if session.connection is not None and not session.connection.closed
        }
        return live_counts <= {count}

    async def _identify(self, connection: GatewayConnection, data: Mapping[str, Any]) -> None:
        assert connection._ws is not None
        if data.get("token") != self.token:
            await connection._ws.close(code=CLOSE_AUTHENTICATION_FAILED, message=b"Authentication failed.")
            return
        intents = int(data.get("intents", 0))
        if intents & PRIVILEGED_INTENTS & ~self.privileged_intents:
            await connection._ws.close(code=CLOSE_DISALLOWED_INTENTS, message=b"Disallowed intent(s).")
            return
        raw_shard = data.get("shard")
        shard = (int(raw_shard[0]), int(raw_shard[1])) if raw_shard else None
        if shard is not None and not self._valid_shard(shard):
            await connection._ws.close(code=CLOSE_INVALID_SHARD, message=b"Invalid shard.")
            return
        if len(self._guild_ids_for(shard)) >= MAX_GUILDS_PER_SESSION:
            await connection._ws.close(code=CLOSE_SHARDING_REQUIRED, message=b"Sharding required.")
            return
        session = GatewaySession(session_id=secrets.token_hex(16), shard=shard, intents=intents, connection=connection)
        self._sessions[session.session_id] = session
        connection.session_id = session.session_id
        guild_ids = self._guild_ids_for(shard)
        ready: dict[str, Any] = {
            "v": 10,
            "user": self.bot_user,
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": 0},
            "guilds": [{"id": str(guild_id), "unavailable": True} for guild_id in guild_ids],
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
        }
        if shard is not None:
            ready["shard"] = list(shard)
        await self._send_dispatch(session, "READY", ready)
        # Discord goes on answering heartbeats while it sends the guilds: a shard of a thousand guilds takes
        # longer than a heartbeat interval to receive, and a client whose heartbeat goes unanswered reconnects.
        connection._guilds_sending = asyncio.create_task(self._send_guilds(session, connection, guild_ids))

    async def _send_guilds(self, session: GatewaySession, connection: GatewayConnection, guild_ids: list[int]) -> None:
        """GUILD_CREATE for each guild of the session, then the connection is ready; nothing more once the
        client has closed or left the connection."""
        try:
            for sent, guild_id in enumerate(guild_ids, start=1):
                if session.connection is not connection:
                    return
                await self._send_dispatch(session, "GUILD_CREATE", self._guild_create_payload(guild_id))
                if sent % GUILDS_BETWEEN_FRAMES_READ == 0:
                    await asyncio.sleep(0)  # let the connection's reader answer a heartbeat
        except ConnectionError:  # aiohttp's "cannot write to closing transport" included
            return
        connection.ready = True
        self._notify()

    async def _resume(self, connection: GatewayConnection, data: Mapping[str, Any]) -> None:
        session = self._sessions.get(str(data.get("session_id")))
        if session is None or data.get("token") != self.token:
            await self._send(connection, {"op": OP_INVALID_SESSION, "d": False})
            return
        previous = session.connection
        if previous is not None and previous is not connection:
            previous.ready = False
        session.connection = connection
        connection.session_id = session.session_id
        # Nothing is replayed: the fake keeps no backlog of missed events.
        await self._send_dispatch(session, "RESUMED", {})
        connection.ready = True
        self._notify()

    async def _send_member_chunk(self, connection: GatewayConnection, data: Mapping[str, Any]) -> None:
        guild_id = int(data.get("guild_id", 0))
        session = self._sessions.get(connection.session_id or "")
        if session is None or guild_id not in self.guilds:
            return
        chunk = {
            "guild_id": str(guild_id),
            "members": self._guild_members(),
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        await self._send_dispatch(session, "GUILD_MEMBERS_CHUNK", chunk)

    def _ready_sessions(self, guild_id: int | None) -> list[GatewaySession]:
        chosen = []
        for session in self._sessions.values():
            connection = session.connection
            if connection is None or not connection.ready or connection.closed:
                continue
            if session.shard is not None:
                shard_id, count = session.shard
                wanted = (guild_id >> 22) % count if guild_id is not None else 0
                if shard_id != wanted:
                    continue
            chosen.append(session)
        return chosen

    async def _wait_for_sessions(self, guild_id: int | None, timeout: float) -> list[GatewaySession]:
        return await self._wait_until(
            lambda: self._ready_sessions(guild_id) or None,
            timeout=timeout,
            describe=lambda: f"no client connected and ready on the fake gateway within {timeout}s",
        )

    async def wait_until_connected(self, *, guild_id: int | None = None, timeout: float = DEFAULT_WAIT_SECONDS) -> None:
        """Wait until a client has a ready (identified or resumed) gateway session: for ``guild_id``'s
        shard when given, else shard 0's (or an unsharded one)."""
        await self._wait_for_sessions(guild_id, timeout)

    async def dispatch(self, event: str, data: Mapping[str, Any], *, timeout: float = DEFAULT_WAIT_SECONDS) -> None:
        """Send a DISPATCH to the ready session(s) that own ``data["guild_id"]``'s shard.

        Waits up to ``timeout`` for a ready session, so a test may dispatch right after a reconnect.
        """
        raw_guild = data.get("guild_id")
        guild_id = int(raw_guild) if raw_guild is not None else None
        for session in await self._wait_for_sessions(guild_id, timeout):
            await self._send_dispatch(session, event, data)

    async def request_reconnect(self, *, timeout: float = DEFAULT_WAIT_SECONDS) -> None:
        """Send op 7 RECONNECT to every ready session; discord.py closes and RESUMEs on resume_gateway_url."""
        for session in await self._wait_for_sessions(None, timeout):
            assert session.connection is not None
            session.connection.ready = False
            await self._send(session.connection, {"op": OP_RECONNECT, "d": None})

    async def invalidate_session(self, *, resumable: bool = False, timeout: float = DEFAULT_WAIT_SECONDS) -> None:
        """Send op 9 INVALID_SESSION; when not resumable the session is forgotten and the client IDENTIFYs.

        discord.py waits 5 s in ``before_identify_hook`` before a non-initial IDENTIFY; override it in
        tests.
        """
        for session in await self._wait_for_sessions(None, timeout):
            assert session.connection is not None
            session.connection.ready = False
            await self._send(session.connection, {"op": OP_INVALID_SESSION, "d": resumable})
            if not resumable:
                del self._sessions[session.session_id]

    async def drop_connection(self, *, code: int = CLOSE_UNKNOWN_ERROR, timeout: float = DEFAULT_WAIT_SECONDS) -> None:
        """Close every ready gateway connection with ``code`` (4000: the client reconnects and RESUMEs)."""
        for session in await self._wait_for_sessions(None, timeout):
            connection = session.connection
            assert connection is not None
            assert connection._ws is not None
            connection.ready = False
            await connection._ws.close(code=code, message=b"dropped by the fake")

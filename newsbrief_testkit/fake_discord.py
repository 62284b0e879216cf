"""A small fake Discord, REST API and gateway websocket, for end-to-end tests of the real discord.py client.

Why: what can break between newsbrief and Discord lives in discord.py's HTTP and gateway code (login,
command sync, the 3-second acknowledgement, follow-ups through the interaction webhook, rate limits,
reconnect and resume). Mocks skip all of it; this fake speaks the wire protocol on 127.0.0.1, so the
unchanged client runs against it and a test sees exactly what the bot sent.

Use (tests/e2e/conftest.py gives the first two steps as the fixtures ``fake_discord`` and
``discord_pointed_at_fake``)::

    fake = await FakeDiscord.start()                    # 127.0.0.1, a free port
    with point_discord_at(fake):                         # discord.py's REST base and gateway, restored after
        async with running_client(bot, fake):            # login, connect, wait for on_ready; close after
            interaction = await fake.send_slash_command("echo", {"text": "hi"})
            callback = await fake.wait_for_callback(interaction)          # POST /interactions/.../callback
            followup = await fake.wait_for_followup(interaction, status=200)
            assert followup.json["embeds"][0]["description"] == "hi"
    await fake.close()

Everything is recorded: ``fake.requests`` (RecordedRequest: method, path under /api/v10, query, json,
files, status, response), ``fake.frames`` (GatewayFrame, both directions), ``fake.unknown_routes``.
``wait_for_request`` / ``wait_for_frame`` wait for one (``since=len(fake.requests)`` for new ones only).

Rules enforced as Discord does: a callback later than ``ack_deadline`` (3 s) gets 404 10062 and a second
callback 400 40060; webhooks of a never-acknowledged interaction answer 404 10015 and expire after
``token_lifetime`` (15 min, 401 50027); message content over 2000 characters and embeds over their limits
answer 400 50035 "Invalid Form Body" with Discord's nested ``errors``; an empty message 400 50006;
privileged intents not enabled with ``privileged_intents`` close the gateway with 4014. After a deferral
(callback type 5) the first follow-up fills the "thinking" message (same id, the deferral's visibility).
The limits are written here on purpose rather than imported from bot/embeds.py, so that a wrong constant
in the bot fails a test instead of agreeing with itself.

Faults: ``fail_next(method, path, status=429 | 5xx, count=..., retry_after=...)``, ``request_reconnect()``
(op 7; the client RESUMEs, nothing is replayed), ``invalidate_session()`` (op 9; override the bot's
``before_identify_hook``, which otherwise sleeps 5 s before identifying again), ``drop_connection()``.

Gateway compression: discord.py asks for ``compress=zlib-stream`` (``zstd-stream`` where a zstd module is
installed) and decompresses binary frames only; text frames it reads as they are. zlib-stream is honoured
(one zlib context per connection, each frame ending in a Z_SYNC_FLUSH); any other request is answered with
plain text frames, which discord.py accepts.

Replies carry no rate-limit headers unless a fault asks for a 429: with them discord.py would start
bucketing, which is Discord's behaviour to copy only where a test asks for it.
"""

# Test helpers take `timeout=` like asyncio.wait_for does: a test reads better with it than wrapped in
# asyncio.timeout, and a stuck bot then fails with a message that lists what it did send.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import math
import re
import secrets
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import discord
import discord.gateway
import discord.http
import yarl
from aiohttp import BodyPartReader, WSMsgType, web

LOGGER = logging.getLogger(__name__)

T = TypeVar("T")

HOST = "127.0.0.1"
# discord.py 2.x builds every REST URL on API v10 (discord.http.INTERNAL_API_VERSION).
API_PREFIX = "/api/v10"
GATEWAY_PATH = "/gateway"
ATTACHMENTS_PATH = "/attachments"

# Snowflakes count milliseconds from the first second of 2015 (Discord's epoch).
DISCORD_EPOCH_MS = 1_420_070_400_000

# Discord: an interaction must be acknowledged within 3 s, its token then works for 15 minutes.
ACK_DEADLINE_SECONDS = 3.0
INTERACTION_TOKEN_LIFETIME_SECONDS = 15 * 60.0
# What Discord announces in HELLO; the client heartbeats at this period (first beat at once).
HEARTBEAT_INTERVAL_MS = 41_250
# How long a test waits for the bot by default before it is declared stuck.
DEFAULT_WAIT_SECONDS = 10.0
# Upload limit of an unboosted guild; every interaction payload carries it.
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024

# Discord's message limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
CONTENT_LIMIT = 2000
NONCE_LIMIT = 25
NONCE_WINDOW_SECONDS = 5 * 60.0
"""Discord returns the earlier message for a repeated nonce with enforce_nonce "in the past few minutes"."""
EMBEDS_PER_MESSAGE_LIMIT = 10
EMBED_TITLE_LIMIT = 256
EMBED_DESCRIPTION_LIMIT = 4096
EMBED_FIELDS_LIMIT = 25
EMBED_FIELD_NAME_LIMIT = 256
EMBED_FIELD_VALUE_LIMIT = 1024
EMBED_FOOTER_TEXT_LIMIT = 2048
EMBED_AUTHOR_NAME_LIMIT = 256
EMBED_TOTAL_LIMIT = 6000
AUTOCOMPLETE_CHOICES_LIMIT = 25

# Discord's JSON error codes used here.
UNKNOWN_CHANNEL = 10003
UNKNOWN_GUILD = 10004
UNKNOWN_MESSAGE = 10008
UNKNOWN_WEBHOOK = 10015
UNKNOWN_INTERACTION = 10062
INTERACTION_ALREADY_ACKNOWLEDGED = 40060
MISSING_ACCESS = 50001
CANNOT_EDIT_ANOTHER_USERS_MESSAGE = 50005
CANNOT_SEND_EMPTY_MESSAGE = 50006
INVALID_WEBHOOK_TOKEN = 50027
INVALID_FORM_BODY = 50035
INVALID_JSON = 50109

# Message flags.
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7

# Interaction types and callback (response) types.
INTERACTION_APPLICATION_COMMAND = 2
INTERACTION_COMPONENT = 3
INTERACTION_AUTOCOMPLETE = 4
CALLBACK_PONG = 1
CALLBACK_CHANNEL_MESSAGE = 4
CALLBACK_DEFERRED_CHANNEL_MESSAGE = 5
CALLBACK_DEFERRED_UPDATE_MESSAGE = 6
CALLBACK_UPDATE_MESSAGE = 7
CALLBACK_AUTOCOMPLETE_RESULT = 8
CALLBACK_MODAL = 9
CALLBACK_LAUNCH_ACTIVITY = 12
KNOWN_CALLBACK_TYPES = frozenset(
    {
        CALLBACK_PONG,
        CALLBACK_CHANNEL_MESSAGE,
        CALLBACK_DEFERRED_CHANNEL_MESSAGE,
        CALLBACK_DEFERRED_UPDATE_MESSAGE,
        CALLBACK_UPDATE_MESSAGE,
        CALLBACK_AUTOCOMPLETE_RESULT,
        CALLBACK_MODAL,
        CALLBACK_LAUNCH_ACTIVITY,
    }
)

# Application command types and option types.
COMMAND_CHAT_INPUT = 1
COMMAND_MESSAGE = 3
OPTION_SUB_COMMAND = 1
OPTION_SUB_COMMAND_GROUP = 2
OPTION_CHANNEL = 7
OPTION_STRING = 3
OPTION_INTEGER = 4
OPTION_BOOLEAN = 5
OPTION_NUMBER = 10

# Message types: ordinary, and the replies to a slash command and to a context-menu command.
MESSAGE_DEFAULT = 0
MESSAGE_CHAT_INPUT_COMMAND = 20
MESSAGE_CONTEXT_MENU_COMMAND = 23

# Channel types.
CHANNEL_GUILD_TEXT = 0
CHANNEL_DM = 1

# Gateway opcodes.
OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_RESUME = 6
OP_RECONNECT = 7
OP_REQUEST_GUILD_MEMBERS = 8
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11

# Gateway close codes.
CLOSE_GOING_AWAY = 1001
CLOSE_UNKNOWN_ERROR = 4000
CLOSE_AUTHENTICATION_FAILED = 4004
CLOSE_DISALLOWED_INTENTS = 4014

# Privileged intents: Discord refuses them unless enabled for the application in the developer portal.
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = INTENT_GUILD_MEMBERS | INTENT_GUILD_PRESENCES | INTENT_MESSAGE_CONTENT

# Permissions of the member and of the bot in the fake guild: read, write, embed, attach, history, commands.
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
USE_APPLICATION_COMMANDS = 1 << 31
DEFAULT_PERMISSIONS = (
    VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | ATTACH_FILES | READ_MESSAGE_HISTORY | USE_APPLICATION_COMMANDS
)

# Directions of a recorded gateway frame.
TO_BOT = "to_bot"
FROM_BOT = "from_bot"

# discord.py treats a 429 without a Via header as a Cloudflare ban and raises at once.
RATE_LIMIT_VIA = "1.1 google"

DEFAULT_TOKEN = "fake-bot-token.for-tests"


@dataclass(frozen=True, slots=True)
class RecordedFile:
    """One file part of a multipart request (discord.py names them ``files[0]``, ``files[1]``...)."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One REST request as the fake received it, with the answer it gave.

    ``path`` is relative to the API base (``/channels/1/messages``); ``json`` is the JSON body or, for a
    multipart body, its ``payload_json``; ``at`` is ``loop.time()`` on arrival; ``routed`` is False when no
    route of the fake matched (404/405).
    """

    index: int
    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: tuple[RecordedFile, ...]
    headers: dict[str, str]
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


@dataclass(eq=False)
class _Session:
    session_id: str
    shard: tuple[int, int] | None
    intents: int
    seq: int = 0
    connection: GatewayConnection | None = None


@dataclass(frozen=True, slots=True)
class _Incoming:
    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: tuple[RecordedFile, ...]
    headers: dict[str, str]


@dataclass(frozen=True, slots=True)
class _Reply:
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


_Handler = Callable[..., Awaitable[_Reply]]


@dataclass(frozen=True, slots=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    handler: _Handler
    needs_bot_token: bool


def _error(status: int, code: int, message: str, errors: Mapping[str, Any] | None = None) -> _Reply:
    body: dict[str, Any] = {"code": code, "message": message}
    if errors:
        body["errors"] = dict(errors)
    return _Reply(status, body)


def _field_error(code: str, message: str) -> dict[str, Any]:
    return {"_errors": [{"code": code, "message": message}]}


def _too_long(limit: int) -> dict[str, Any]:
    return _field_error("BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def _text_length(value: Any) -> int:
    return len(value) if isinstance(value, str) else 0


def _embed_errors(embed: Mapping[str, Any]) -> dict[str, Any]:
    """Per-embed limits, keyed as Discord keys them (``title``, ``fields.3.value``...)."""
    errors: dict[str, Any] = {}
    if _text_length(embed.get("title")) > EMBED_TITLE_LIMIT:
        errors["title"] = _too_long(EMBED_TITLE_LIMIT)
    if _text_length(embed.get("description")) > EMBED_DESCRIPTION_LIMIT:
        errors["description"] = _too_long(EMBED_DESCRIPTION_LIMIT)
    footer = embed.get("footer") or {}
    if _text_length(footer.get("text")) > EMBED_FOOTER_TEXT_LIMIT:
        errors["footer"] = {"text": _too_long(EMBED_FOOTER_TEXT_LIMIT)}
    author = embed.get("author") or {}
    if _text_length(author.get("name")) > EMBED_AUTHOR_NAME_LIMIT:
        errors["author"] = {"name": _too_long(EMBED_AUTHOR_NAME_LIMIT)}
    fields = embed.get("fields") or []
    if len(fields) > EMBED_FIELDS_LIMIT:
        errors["fields"] = _too_long(EMBED_FIELDS_LIMIT)
    else:
        field_errors: dict[str, Any] = {}
        for index, embed_field in enumerate(fields):
            one: dict[str, Any] = {}
            for key, limit in (("name", EMBED_FIELD_NAME_LIMIT), ("value", EMBED_FIELD_VALUE_LIMIT)):
                text = embed_field.get(key)
                if not isinstance(text, str) or not text.strip():
                    one[key] = _field_error("BASE_TYPE_REQUIRED", "This field is required")
                elif len(text) > limit:
                    one[key] = _too_long(limit)
            if one:
                field_errors[str(index)] = one
        if field_errors:
            errors["fields"] = field_errors
    return errors


def _embed_size(embed: Mapping[str, Any]) -> int:
    """Characters that count towards the 6000 shared by all embeds of a message."""
    size = _text_length(embed.get("title")) + _text_length(embed.get("description"))
    size += _text_length((embed.get("footer") or {}).get("text"))
    size += _text_length((embed.get("author") or {}).get("name"))
    for embed_field in embed.get("fields") or []:
        size += _text_length(embed_field.get("name")) + _text_length(embed_field.get("value"))
    return size


def _message_form_errors(body: Mapping[str, Any]) -> dict[str, Any]:
    """Discord's "Invalid Form Body" errors for a message body; empty when it is acceptable."""
    errors: dict[str, Any] = {}
    if _text_length(body.get("content")) > CONTENT_LIMIT:
        errors["content"] = _too_long(CONTENT_LIMIT)
    if body.get("nonce") is not None and len(str(body["nonce"])) > NONCE_LIMIT:
        errors["nonce"] = _too_long(NONCE_LIMIT)
    embeds = body.get("embeds") or []
    if len(embeds) > EMBEDS_PER_MESSAGE_LIMIT:
        errors["embeds"] = _too_long(EMBEDS_PER_MESSAGE_LIMIT)
        return errors
    per_embed = {str(index): found for index, embed in enumerate(embeds) if (found := _embed_errors(embed))}
    if per_embed:
        errors["embeds"] = per_embed
    elif sum(_embed_size(embed) for embed in embeds) > EMBED_TOTAL_LIMIT:
        errors["embeds"] = _field_error(
            "MAX_EMBED_SIZE_EXCEEDED", f"Embed size exceeds maximum size of {EMBED_TOTAL_LIMIT}"
        )
    return errors


def _has_visible_content(message: Mapping[str, Any]) -> bool:
    content = message.get("content")
    return bool(
        (isinstance(content, str) and content.strip())
        or message.get("embeds")
        or message.get("attachments")
        or message.get("components")
        or message.get("sticker_ids")
        or message.get("sticker_items")
        or message.get("poll")
    )


def _utc_now_iso() -> str:
    return datetime.now(UTC).isoformat()


def _infer_option_type(value: object) -> int:
    if isinstance(value, bool):
        return OPTION_BOOLEAN
    if isinstance(value, int):
        return OPTION_INTEGER
    if isinstance(value, float):
        return OPTION_NUMBER
    if isinstance(value, str):
        return OPTION_STRING
    raise TypeError(f"cannot infer an option type for {value!r}; pass the option dicts instead")


def _find_named(options: Sequence[Mapping[str, Any]], name: str) -> Mapping[str, Any] | None:
    return next((option for option in options if option.get("name") == name), None)


class FakeDiscord:
    """A fake Discord REST API and gateway on 127.0.0.1; see the module docstring."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        ack_deadline: float = ACK_DEADLINE_SECONDS,
        token_lifetime: float = INTERACTION_TOKEN_LIFETIME_SECONDS,
        heartbeat_interval_ms: int = HEARTBEAT_INTERVAL_MS,
        privileged_intents: int = 0,
        shard_count: int = 1,
        compress_frames: bool = True,
    ) -> None:
        self.token = token
        self.ack_deadline = ack_deadline
        self.token_lifetime = token_lifetime
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.privileged_intents = privileged_intents
        self.shard_count = shard_count
        self.compress_frames = compress_frames

        self._last_snowflake = 0
        self._increment = itertools.count()
        self.application_id = self.new_id()
        self.guild_id = self.new_id()
        self.channel_id = self.new_id()
        self.bot_user: dict[str, Any] = {
            "id": str(self.application_id),
            "username": "newsbrief-test",
            "discriminator": "0",
            "global_name": None,
            "avatar": None,
            "bot": True,
            "flags": 0,
            "public_flags": 0,
            "verified": True,
            "mfa_enabled": False,
        }
        self.member_user: dict[str, Any] = self.new_user(username="reader", global_name="Reader")
        self.owner_user: dict[str, Any] = self.new_user(username="owner", global_name="Owner")
        self.guilds: dict[int, dict[str, Any]] = {self.guild_id: self._guild(self.guild_id, "Newsroom")}
        self.channels: dict[int, dict[str, Any]] = {
            self.channel_id: self._text_channel(self.channel_id, self.guild_id, "news")
        }

        self.requests: list[RecordedRequest] = []
        self.frames: list[GatewayFrame] = []
        self.commands: dict[int | None, list[dict[str, Any]]] = {}
        self.messages: dict[int, dict[str, Any]] = {}
        self.interactions: dict[int, FakeInteraction] = {}
        self.gateway_connections: list[GatewayConnection] = []
        self.faults: list[InjectedFault] = []
        self.attachments: dict[int, bytes] = {}
        self._nonces: dict[tuple[str, str], tuple[float, int]] = {}

        self._interactions_by_token: dict[str, FakeInteraction] = {}
        self._sessions: dict[str, _Session] = {}
        self._changed = asyncio.Event()
        self._connection_ids = itertools.count(1)
        self._routes = self._build_routes()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ----------------------------------------------------------------- lifecycle

    @classmethod
    async def start(cls, **options: Any) -> FakeDiscord:
        """Start a fake on 127.0.0.1 with a free port; ``options`` are the constructor's."""
        fake = cls(**options)
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
        """Close every gateway connection, then the server."""
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

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def api_base(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return f"ws://{HOST}:{self.port}{GATEWAY_PATH}"

    # ----------------------------------------------------------------- identities

    def new_id(self) -> int:
        """A fresh snowflake, increasing, with the current time in it as Discord's are."""
        now_ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        candidate = (now_ms << 22) | (next(self._increment) & 0xFFF)
        self._last_snowflake = max(candidate, self._last_snowflake + 1)
        return self._last_snowflake

    def new_user(self, *, username: str, global_name: str | None = None) -> dict[str, Any]:
        """A user payload with a fresh id (not a bot)."""
        return {
            "id": str(self.new_id()),
            "username": username,
            "discriminator": "0",
            "global_name": global_name,
            "avatar": None,
            "public_flags": 0,
        }

    def add_message(
        self,
        content: str = "",
        *,
        channel_id: int | None = None,
        author: Mapping[str, Any] | None = None,
        embeds: Sequence[Mapping[str, Any]] = (),
    ) -> dict[str, Any]:
        """Store a message as if a user had posted it (the target of a message command, say)."""
        message = self._new_message(
            channel_id=channel_id or self.channel_id,
            author=dict(author or self.member_user),
            body={"content": content, "embeds": [dict(embed) for embed in embeds]},
        )
        self.messages[int(message["id"])] = message
        return message

    def _guild(self, guild_id: int, name: str) -> dict[str, Any]:
        return {
            "id": str(guild_id),
            "name": name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": self.owner_user["id"],
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "vanity_url_code": None,
            "preferred_locale": "en-US",
            "features": [],
            "application_id": None,
            "max_members": 500_000,
            "nsfw": False,
            "roles": [
                {
                    "id": str(guild_id),
                    "name": "@everyone",
                    "permissions": str(DEFAULT_PERMISSIONS),
                    "position": 0,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                    "icon": None,
                    "unicode_emoji": None,
                    "flags": 0,
                }
            ],
            "emojis": [],
            "stickers": [],
        }

    @staticmethod
    def _text_channel(channel_id: int, guild_id: int, name: str) -> dict[str, Any]:
        return {
            "id": str(channel_id),
            "type": CHANNEL_GUILD_TEXT,
            "guild_id": str(guild_id),
            "name": name,
            "position": 0,
            "permission_overwrites": [],
            "topic": None,
            "nsfw": False,
            "parent_id": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
        }

    def _member(self, user: Mapping[str, Any], *, permissions: int | None = None) -> dict[str, Any]:
        member: dict[str, Any] = {
            "user": dict(user),
            "roles": [],
            "joined_at": _utc_now_iso(),
            "deaf": False,
            "mute": False,
            "flags": 0,
            "nick": None,
            "avatar": None,
            "pending": False,
            "premium_since": None,
            "communication_disabled_until": None,
        }
        if permissions is not None:
            member["permissions"] = str(permissions)
        return member

    def _guild_members(self) -> list[dict[str, Any]]:
        """The bot, the member who runs the commands, and the owner: everyone in the fake guild."""
        return [self._member(user) for user in (self.bot_user, self.member_user, self.owner_user)]

    def _guild_create_payload(self, guild_id: int) -> dict[str, Any]:
        channels = [channel for channel in self.channels.values() if channel.get("guild_id") == str(guild_id)]
        return {
            **self.guilds[guild_id],
            "unavailable": False,
            "large": False,
            "member_count": len(self._guild_members()),
            "joined_at": _utc_now_iso(),
            "channels": channels,
            "threads": [],
            "members": [self._member(self.bot_user)],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    # ----------------------------------------------------------------- recording and waiting

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_until(self, check: Callable[[], T | None], *, timeout: float, describe: Callable[[], str]) -> T:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            changed = self._changed
            found = check()
            if found is not None:
                return found
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError(describe())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

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

    # ----------------------------------------------------------------- fault injection

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

    def _fault_reply(self, incoming: _Incoming, index: int) -> _Reply | None:
        fault = next((f for f in self.faults if f.matches(incoming.method, incoming.path)), None)
        if fault is None:
            return None
        fault.remaining -= 1
        fault.hits.append(index)
        if fault.status != 429:
            return _Reply(fault.status, {"code": 0, "message": f"{fault.status}: injected by the fake"})
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
        return _Reply(429, body, headers)

    # ----------------------------------------------------------------- REST

    def _build_routes(self) -> list[_Route]:
        snowflake = r"\d+"
        token = r"[^/]+"
        table: list[tuple[str, str, _Handler, bool]] = [
            ("GET", r"/gateway", self._get_gateway, False),
            ("GET", r"/gateway/bot", self._get_gateway_bot, True),
            ("GET", r"/users/@me", self._get_current_user, True),
            ("GET", r"/oauth2/applications/@me", self._get_application, True),
            ("GET", r"/applications/@me", self._get_application, True),
            ("GET", rf"/applications/(?P<app>{snowflake})/commands", self._get_commands, True),
            ("PUT", rf"/applications/(?P<app>{snowflake})/commands", self._put_commands, True),
            (
                "GET",
                rf"/applications/(?P<app>{snowflake})/guilds/(?P<guild>{snowflake})/commands",
                self._get_commands,
                True,
            ),
            (
                "PUT",
                rf"/applications/(?P<app>{snowflake})/guilds/(?P<guild>{snowflake})/commands",
                self._put_commands,
                True,
            ),
            (
                "POST",
                rf"/interactions/(?P<interaction_id>{snowflake})/(?P<token>{token})/callback",
                self._post_callback,
                False,
            ),
            ("POST", rf"/webhooks/(?P<app>{snowflake})/(?P<token>{token})", self._post_followup, False),
            *(
                (
                    method,
                    rf"/webhooks/(?P<app>{snowflake})/(?P<token>{token})/messages/(?P<message>@original|{snowflake})",
                    self._webhook_message,
                    False,
                )
                for method in ("GET", "PATCH", "DELETE")
            ),
            ("GET", rf"/channels/(?P<channel>{snowflake})", self._get_channel, True),
            ("GET", rf"/channels/(?P<channel>{snowflake})/messages", self._get_channel_messages, True),
            ("POST", rf"/channels/(?P<channel>{snowflake})/messages", self._post_channel_message, True),
            ("POST", rf"/channels/(?P<channel>{snowflake})/typing", self._post_typing, True),
            *(
                (
                    method,
                    rf"/channels/(?P<channel>{snowflake})/messages/(?P<message>{snowflake})",
                    self._channel_message,
                    True,
                )
                for method in ("GET", "PATCH", "DELETE")
            ),
            ("GET", rf"/guilds/(?P<guild>{snowflake})", self._get_guild, True),
        ]
        return [_Route(method, re.compile(path), handler, auth) for method, path, handler, auth in table]

    async def _handle_rest(self, request: web.Request) -> web.StreamResponse:
        at = asyncio.get_running_loop().time()
        incoming_or_reply = await self._read_request(request)
        routed = True
        if isinstance(incoming_or_reply, _Reply):
            incoming = _Incoming(request.method, request.path[len(API_PREFIX) :], dict(request.query), None, (), {})
            reply = incoming_or_reply
        else:
            incoming = incoming_or_reply
            fault = self._fault_reply(incoming, len(self.requests))
            if fault is None:
                reply, routed = await self._route(incoming)
            else:
                reply = fault
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
        return reply.to_response()

    async def _read_request(self, request: web.Request) -> _Incoming | _Reply:
        body: Any = None
        files: list[RecordedFile] = []
        if request.content_type == "application/json":
            raw = await request.read()
            if raw:
                try:
                    body = json.loads(raw)
                except ValueError:
                    return _error(400, INVALID_JSON, "The request body contains invalid JSON.")
        elif request.content_type == "multipart/form-data":
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):
                    continue
                if part.name == "payload_json":
                    try:
                        body = json.loads(await part.text())
                    except ValueError:
                        return _error(400, INVALID_JSON, "The request body contains invalid JSON.")
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
        return _Incoming(
            method=request.method,
            path=request.path[len(API_PREFIX) :],
            query=dict(request.query),
            json=body,
            files=tuple(files),
            headers=dict(request.headers),
        )

    async def _route(self, incoming: _Incoming) -> tuple[_Reply, bool]:
        path_matched = False
        for route in self._routes:
            found = route.pattern.fullmatch(incoming.path)
            if found is None:
                continue
            path_matched = True
            if route.method != incoming.method:
                continue
            if route.needs_bot_token and incoming.headers.get("Authorization") != f"Bot {self.token}":
                return _error(401, 0, "401: Unauthorized"), True
            return await route.handler(incoming, **found.groupdict()), True
        if path_matched:
            return _error(405, 0, "405: Method Not Allowed"), False
        LOGGER.info("fake Discord has no route for %s %s", incoming.method, incoming.path)
        return _error(404, 0, "404: Not Found"), False

    async def _get_gateway(self, incoming: _Incoming) -> _Reply:
        return _Reply(200, {"url": self.gateway_url})

    async def _get_gateway_bot(self, incoming: _Incoming) -> _Reply:
        limit = {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1}
        return _Reply(200, {"url": self.gateway_url, "shards": self.shard_count, "session_start_limit": limit})

    async def _get_current_user(self, incoming: _Incoming) -> _Reply:
        return _Reply(200, self.bot_user)

    async def _get_application(self, incoming: _Incoming) -> _Reply:
        return _Reply(
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

    def _wrong_application(self, app: str) -> _Reply | None:
        if int(app) != self.application_id:
            return _error(403, MISSING_ACCESS, "Missing Access")
        return None

    async def _get_commands(self, incoming: _Incoming, app: str, guild: str | None = None) -> _Reply:
        if refused := self._wrong_application(app):
            return refused
        return _Reply(200, self.commands.get(int(guild) if guild else None, []))

    async def _put_commands(self, incoming: _Incoming, app: str, guild: str | None = None) -> _Reply:
        """Bulk overwrite: ids stay stable for a command of the same name and type, as on Discord."""
        if refused := self._wrong_application(app):
            return refused
        if not isinstance(incoming.json, list):
            return _error(
                400, INVALID_FORM_BODY, "Invalid Form Body", _field_error("LIST_TYPE_CONVERT", "Must be an array.")
            )
        guild_id = int(guild) if guild else None
        if guild_id is not None and guild_id not in self.guilds:
            return _error(404, UNKNOWN_GUILD, "Unknown Guild")
        previous = {(cmd["name"], cmd.get("type", 1)): cmd["id"] for cmd in self.commands.get(guild_id, [])}
        registered = []
        for sent in incoming.json:
            command_type = sent.get("type", COMMAND_CHAT_INPUT)
            command = {
                "description": "",
                "options": [],
                "default_member_permissions": None,
                "nsfw": False,
                **sent,
                "id": previous.get((sent.get("name"), command_type)) or str(self.new_id()),
                "application_id": str(self.application_id),
                "type": command_type,
                "version": str(self.new_id()),
            }
            if guild_id is not None:
                command["guild_id"] = str(guild_id)
            registered.append(command)
        self.commands[guild_id] = registered
        return _Reply(200, registered)

    async def _get_channel(self, incoming: _Incoming, channel: str) -> _Reply:
        found = self.channels.get(int(channel))
        if found is None:
            return _error(404, UNKNOWN_CHANNEL, "Unknown Channel")
        return _Reply(200, found)

    async def _get_guild(self, incoming: _Incoming, guild: str) -> _Reply:
        found = self.guilds.get(int(guild))
        if found is None:
            return _error(404, UNKNOWN_GUILD, "Unknown Guild")
        return _Reply(200, found)

    async def _post_typing(self, incoming: _Incoming, channel: str) -> _Reply:
        if int(channel) not in self.channels:
            return _error(404, UNKNOWN_CHANNEL, "Unknown Channel")
        return _Reply(204)

    async def _get_channel_messages(self, incoming: _Incoming, channel: str) -> _Reply:
        if int(channel) not in self.channels:
            return _error(404, UNKNOWN_CHANNEL, "Unknown Channel")
        limit = int(incoming.query.get("limit", "50"))
        in_channel = [m for m in self.messages.values() if m["channel_id"] == channel]
        newest_first = sorted(in_channel, key=lambda m: int(m["id"]), reverse=True)
        return _Reply(200, newest_first[:limit])

    async def _post_channel_message(self, incoming: _Incoming, channel: str) -> _Reply:
        if int(channel) not in self.channels:
            return _error(404, UNKNOWN_CHANNEL, "Unknown Channel")
        body = incoming.json if isinstance(incoming.json, dict) else {}
        if refused := self._refuse_message(body, incoming.files, creating=True):
            return refused
        nonce = (str(self.bot_user["id"]), str(body["nonce"])) if body.get("nonce") is not None else None
        if nonce is not None and body.get("enforce_nonce") and (earlier := self._nonces.get(nonce)):
            created, message_id = earlier
            if time.monotonic() - created < NONCE_WINDOW_SECONDS and message_id in self.messages:
                return _Reply(200, self.messages[message_id])
        message = self._new_message(channel_id=int(channel), author=self.bot_user, body=body, files=incoming.files)
        if nonce is not None:
            message["nonce"] = body["nonce"]
            self._nonces[nonce] = (time.monotonic(), int(message["id"]))
        self.messages[int(message["id"])] = message
        return _Reply(200, message)

    async def _channel_message(self, incoming: _Incoming, channel: str, message: str) -> _Reply:
        stored = self.messages.get(int(message))
        if stored is None or stored["channel_id"] != channel:
            return _error(404, UNKNOWN_MESSAGE, "Unknown Message")
        if incoming.method == "GET":
            return _Reply(200, stored)
        if incoming.method == "DELETE":
            del self.messages[int(message)]
            return _Reply(204)
        if stored["author"]["id"] != self.bot_user["id"]:
            return _error(403, CANNOT_EDIT_ANOTHER_USERS_MESSAGE, "Cannot edit a message authored by another user")
        return self._edit_message(stored, incoming)

    # ----------------------------------------------------------------- interactions over REST

    async def _post_callback(self, incoming: _Incoming, interaction_id: str, token: str) -> _Reply:
        interaction = self.interactions.get(int(interaction_id))
        if interaction is None or interaction.token != token:
            return _error(404, UNKNOWN_INTERACTION, "Unknown interaction")
        if interaction.acknowledged:
            return _error(400, INTERACTION_ALREADY_ACKNOWLEDGED, "Interaction has already been acknowledged.")
        if asyncio.get_running_loop().time() - interaction.created_at > self.ack_deadline:
            return _error(404, UNKNOWN_INTERACTION, "Unknown interaction")
        body = incoming.json if isinstance(incoming.json, dict) else {}
        callback_type = body.get("type")
        if callback_type not in KNOWN_CALLBACK_TYPES:
            errors = {
                "type": _field_error("BASE_TYPE_CHOICES", f"Value must be one of {sorted(KNOWN_CALLBACK_TYPES)}.")
            }
            return _error(400, INVALID_FORM_BODY, "Invalid Form Body", errors)
        data = body.get("data") or {}
        if callback_type in (CALLBACK_CHANNEL_MESSAGE, CALLBACK_UPDATE_MESSAGE):
            refused = self._refuse_message(data, incoming.files, creating=callback_type == CALLBACK_CHANNEL_MESSAGE)
            if refused is not None:
                if refused.body.get("code") == INVALID_FORM_BODY:
                    return _error(400, INVALID_FORM_BODY, "Invalid Form Body", {"data": refused.body["errors"]})
                return refused
        if (
            callback_type == CALLBACK_AUTOCOMPLETE_RESULT
            and len(data.get("choices") or []) > AUTOCOMPLETE_CHOICES_LIMIT
        ):
            errors = {"data": {"choices": _too_long(AUTOCOMPLETE_CHOICES_LIMIT)}}
            return _error(400, INVALID_FORM_BODY, "Invalid Form Body", errors)

        interaction.callback_type = callback_type
        if callback_type == CALLBACK_CHANNEL_MESSAGE:
            interaction.original = self._interaction_message(interaction, data, incoming.files)
        elif callback_type == CALLBACK_DEFERRED_CHANNEL_MESSAGE:
            flags = FLAG_LOADING | (int(data.get("flags", 0)) & FLAG_EPHEMERAL)
            interaction.original = self._interaction_message(interaction, {"content": "", "flags": flags}, ())
        elif callback_type in (CALLBACK_DEFERRED_UPDATE_MESSAGE, CALLBACK_UPDATE_MESSAGE):
            target = interaction.payload.get("message")
            if target is not None:
                interaction.original = self.messages.get(int(target["id"]), target)
                if callback_type == CALLBACK_UPDATE_MESSAGE:
                    self._apply_edit(interaction.original, data, incoming.files)

        if incoming.query.get("with_response", "").lower() not in ("1", "true"):
            return _Reply(204)
        original = interaction.original if callback_type in (4, 5, 7) else None
        summary: dict[str, Any] = {"id": str(interaction.id), "type": interaction.payload["type"]}
        response: dict[str, Any] = {"interaction": summary}
        if original is not None:
            summary["response_message_id"] = original["id"]
            summary["response_message_loading"] = bool(original["flags"] & FLAG_LOADING)
            summary["response_message_ephemeral"] = bool(original["flags"] & FLAG_EPHEMERAL)
            response["resource"] = {"type": callback_type, "message": original}
        return _Reply(200, response)

    def _interaction_for_webhook(self, app: str, token: str) -> FakeInteraction | _Reply:
        interaction = self._interactions_by_token.get(token)
        if interaction is None or int(app) != self.application_id:
            return _error(404, UNKNOWN_WEBHOOK, "Unknown Webhook")
        if asyncio.get_running_loop().time() - interaction.created_at > self.token_lifetime:
            return _error(401, INVALID_WEBHOOK_TOKEN, "Invalid Webhook Token")
        if not interaction.acknowledged:
            return _error(404, UNKNOWN_WEBHOOK, "Unknown Webhook")
        return interaction

    async def _post_followup(self, incoming: _Incoming, app: str, token: str) -> _Reply:
        interaction = self._interaction_for_webhook(app, token)
        if isinstance(interaction, _Reply):
            return interaction
        body = incoming.json if isinstance(incoming.json, dict) else {}
        if refused := self._refuse_message(body, incoming.files, creating=True):
            return refused
        original = interaction.original
        if (
            interaction.callback_type == CALLBACK_DEFERRED_CHANNEL_MESSAGE
            and original is not None
            and original["flags"] & FLAG_LOADING
        ):
            # After a deferral, the first follow-up replaces the "thinking" message; it keeps the
            # deferral's visibility whatever flags the follow-up asks for.
            self._apply_edit(original, body, incoming.files)
            message = original
        else:
            message = self._interaction_message(interaction, body, incoming.files, followup=True)
            interaction.followups.append(message)
        if incoming.query.get("wait", "").lower() not in ("1", "true"):
            return _Reply(204)
        return _Reply(200, message)

    async def _webhook_message(self, incoming: _Incoming, app: str, token: str, message: str) -> _Reply:
        interaction = self._interaction_for_webhook(app, token)
        if isinstance(interaction, _Reply):
            return interaction
        candidates = [interaction.original] if interaction.original is not None else []
        candidates += interaction.followups
        if message == "@original":
            stored = interaction.original
        else:
            stored = next((m for m in candidates if m["id"] == message), None)
        if stored is None:
            return _error(404, UNKNOWN_MESSAGE, "Unknown Message")
        if incoming.method == "GET":
            return _Reply(200, stored)
        if incoming.method == "DELETE":
            self.messages.pop(int(stored["id"]), None)
            if stored is interaction.original:
                interaction.original = None
            else:
                interaction.followups.remove(stored)
            return _Reply(204)
        return self._edit_message(stored, incoming)

    # ----------------------------------------------------------------- messages

    def _refuse_message(
        self, body: Mapping[str, Any], files: Sequence[RecordedFile], *, creating: bool
    ) -> _Reply | None:
        errors = _message_form_errors(body)
        if errors:
            return _error(400, INVALID_FORM_BODY, "Invalid Form Body", errors)
        if creating and not files and not _has_visible_content(body):
            return _error(400, CANNOT_SEND_EMPTY_MESSAGE, "Cannot send an empty message")
        return None

    def _edit_message(self, stored: dict[str, Any], incoming: _Incoming) -> _Reply:
        body = incoming.json if isinstance(incoming.json, dict) else {}
        if refused := self._refuse_message(body, incoming.files, creating=False):
            return refused
        edited = dict(stored)
        self._apply_edit(edited, body, incoming.files)
        if not _has_visible_content(edited):
            return _error(400, CANNOT_SEND_EMPTY_MESSAGE, "Cannot send an empty message")
        stored.clear()
        stored.update(edited)
        return _Reply(200, stored)

    def _attachments(
        self, channel_id: int, described: Sequence[Mapping[str, Any]], files: Sequence[RecordedFile]
    ) -> list[dict[str, Any]]:
        """Attachment objects for uploaded files; ``described`` is the body's ``attachments`` list."""
        created = []
        for index, upload in enumerate(files):
            about = next((a for a in described if str(a.get("id")) == str(index)), {})
            attachment_id = self.new_id()
            filename = about.get("filename") or upload.filename or f"file{index}"
            self.attachments[attachment_id] = upload.data
            url = f"{self.base_url}{ATTACHMENTS_PATH}/{channel_id}/{attachment_id}/{filename}"
            attachment = {
                "id": str(attachment_id),
                "filename": filename,
                "size": len(upload.data),
                "url": url,
                "proxy_url": url,
                "content_type": upload.content_type,
            }
            if about.get("description"):
                attachment["description"] = about["description"]
            created.append(attachment)
        return created

    def _apply_edit(self, message: dict[str, Any], body: Mapping[str, Any], files: Sequence[RecordedFile]) -> None:
        """An edit: the first one of a deferred ("thinking") message ends the loading state."""
        self._apply_body(message, body, files)
        if message["flags"] & FLAG_LOADING:
            message["flags"] &= ~FLAG_LOADING
        else:
            message["edited_timestamp"] = _utc_now_iso()

    def _apply_body(self, message: dict[str, Any], body: Mapping[str, Any], files: Sequence[RecordedFile]) -> None:
        for key in ("content", "embeds", "components", "poll"):
            if key in body:
                message[key] = body[key] if body[key] is not None else ([] if key != "content" else "")
        message["embeds"] = [{"type": "rich", **embed} for embed in message.get("embeds") or []]
        described = body.get("attachments")
        if described is not None:
            kept_ids = {str(a.get("id")) for a in described}
            message["attachments"] = [a for a in message.get("attachments", []) if a["id"] in kept_ids]
        message["attachments"] = list(message.get("attachments", [])) + self._attachments(
            int(message["channel_id"]), described or [], files
        )

    def _new_message(
        self,
        *,
        channel_id: int,
        author: Mapping[str, Any],
        body: Mapping[str, Any],
        files: Sequence[RecordedFile] = (),
        message_type: int = MESSAGE_DEFAULT,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "id": str(self.new_id()),
            "channel_id": str(channel_id),
            "type": message_type,
            "author": dict(author),
            "content": body.get("content") or "",
            "embeds": [],
            "attachments": [],
            "components": [],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": bool(body.get("tts", False)),
            "timestamp": _utc_now_iso(),
            "edited_timestamp": None,
            "flags": int(body.get("flags") or 0),
        }
        self._apply_body(message, {k: v for k, v in body.items() if k != "content"}, files)
        return message

    def _interaction_message(
        self,
        interaction: FakeInteraction,
        body: Mapping[str, Any],
        files: Sequence[RecordedFile],
        *,
        followup: bool = False,
    ) -> dict[str, Any]:
        payload = interaction.payload
        command_type = (payload.get("data") or {}).get("type", COMMAND_CHAT_INPUT)
        message_type = MESSAGE_DEFAULT
        if not followup:
            chat_input = command_type == COMMAND_CHAT_INPUT
            message_type = MESSAGE_CHAT_INPUT_COMMAND if chat_input else MESSAGE_CONTEXT_MENU_COMMAND
        flags = int(body.get("flags") or 0)
        message = self._new_message(
            channel_id=int(payload["channel_id"]),
            author=self.bot_user,
            body={**body, "flags": flags},
            files=files,
            message_type=message_type,
        )
        user = (payload.get("member") or {}).get("user") or payload.get("user")
        message["webhook_id"] = str(self.application_id)
        message["application_id"] = str(self.application_id)
        message["interaction_metadata"] = {
            "id": str(interaction.id),
            "type": payload["type"],
            "user": user,
            "authorizing_integration_owners": payload.get("authorizing_integration_owners", {}),
        }
        if not flags & FLAG_EPHEMERAL:
            self.messages[int(message["id"])] = message
        return message

    async def _handle_attachment(self, request: web.Request) -> web.StreamResponse:
        data = self.attachments.get(int(request.match_info["attachment"]))
        if data is None:
            raise web.HTTPNotFound()
        return web.Response(body=data, content_type="application/octet-stream")

    # ----------------------------------------------------------------- gateway

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

    async def _send_dispatch(self, session: _Session, event: str, data: Mapping[str, Any]) -> None:
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
        session = _Session(session_id=secrets.token_hex(16), shard=shard, intents=intents, connection=connection)
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
        for guild_id in guild_ids:
            await self._send_dispatch(session, "GUILD_CREATE", self._guild_create_payload(guild_id))
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

    def _ready_sessions(self, guild_id: int | None) -> list[_Session]:
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

    async def _wait_for_sessions(self, guild_id: int | None, timeout: float) -> list[_Session]:
        return await self._wait_until(
            lambda: self._ready_sessions(guild_id) or None,
            timeout=timeout,
            describe=lambda: f"no client connected and ready on the fake gateway within {timeout}s",
        )

    async def wait_until_connected(self, *, timeout: float = DEFAULT_WAIT_SECONDS) -> None:
        """Wait until a client has a ready (identified or resumed) gateway session."""
        await self._wait_for_sessions(None, timeout)

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

    # ----------------------------------------------------------------- sending interactions

    def _find_command(self, name: str, command_type: int, guild_id: int | None) -> dict[str, Any] | None:
        scopes: list[int | None] = [guild_id, None] if guild_id is not None else [None]
        for scope in scopes:
            for command in self.commands.get(scope, []):
                if command["name"] == name and command.get("type", COMMAND_CHAT_INPUT) == command_type:
                    return command
        return None

    def _command_data(self, name: str, command_type: int, guild_id: int | None) -> dict[str, Any]:
        command = self._find_command(name, command_type, guild_id)
        data: dict[str, Any] = {"name": name, "type": command_type}
        if command is None:
            data["id"] = str(self.new_id())
        else:
            data["id"] = command["id"]
            if command.get("guild_id") is not None:
                data["guild_id"] = command["guild_id"]
        return data

    async def send_interaction(
        self,
        interaction_type: int,
        data: Mapping[str, Any],
        *,
        message: Mapping[str, Any] | None = None,
        channel_id: int | None = None,
        user: Mapping[str, Any] | None = None,
        permissions: int = DEFAULT_PERMISSIONS,
        dm: bool = False,
        locale: str = "en-US",
        timeout: float = DEFAULT_WAIT_SECONDS,
    ) -> FakeInteraction:
        """Dispatch an INTERACTION_CREATE with a fresh id and token; the general form of send_*."""
        interaction_id = self.new_id()
        token = "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48)
        user = dict(user or self.member_user)
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": interaction_type,
            "data": dict(data),
            "token": token,
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
            "app_permissions": str(DEFAULT_PERMISSIONS),
        }
        if dm:
            dm_channel_id = channel_id or self.new_id()
            payload["channel_id"] = str(dm_channel_id)
            payload["channel"] = {"id": str(dm_channel_id), "type": CHANNEL_DM, "recipients": [user]}
            payload["user"] = user
            payload["context"] = 1
            payload["authorizing_integration_owners"] = {"0": str(self.application_id)}
        else:
            channel = self.channels[channel_id or self.channel_id]
            guild_id = int(channel["guild_id"])
            payload["guild_id"] = str(guild_id)
            payload["guild"] = {"id": str(guild_id), "locale": "en-US", "features": []}
            payload["guild_locale"] = "en-US"
            payload["channel_id"] = channel["id"]
            payload["channel"] = channel
            payload["member"] = self._member(user, permissions=permissions)
            payload["context"] = 0
            payload["authorizing_integration_owners"] = {"0": str(guild_id)}
        if message is not None:
            payload["message"] = dict(message)
        sessions = await self._wait_for_sessions(int(payload["guild_id"]) if "guild_id" in payload else None, timeout)
        # The deadline runs from when Discord hands the interaction over, so after any wait for the client.
        interaction = FakeInteraction(
            id=interaction_id, token=token, payload=payload, created_at=asyncio.get_running_loop().time()
        )
        self.interactions[interaction_id] = interaction
        self._interactions_by_token[token] = interaction
        for session in sessions:
            await self._send_dispatch(session, "INTERACTION_CREATE", payload)
        return interaction

    def _slash_data(
        self,
        name: str,
        options: Mapping[str, object] | Sequence[Mapping[str, Any]] | None,
        guild_id: int | None,
        focused: str | None,
    ) -> dict[str, Any]:
        """``name`` may hold sub-command words ("feed add"); option types come from the synced definition."""
        words = name.split()
        data = self._command_data(words[0], COMMAND_CHAT_INPUT, guild_id)
        command = self._find_command(words[0], COMMAND_CHAT_INPUT, guild_id) or {}
        definitions: Sequence[Mapping[str, Any]] = command.get("options") or []
        container = data
        for position, word in enumerate(words[1:], start=1):
            known = _find_named(definitions, word)
            is_last = position == len(words) - 1
            default_type = OPTION_SUB_COMMAND if is_last else OPTION_SUB_COMMAND_GROUP
            nested: dict[str, Any] = {"name": word, "type": (known or {}).get("type", default_type)}
            container["options"] = [nested]
            container = nested
            definitions = (known or {}).get("options") or []
        if options is None:
            leaves: list[dict[str, Any]] = []
        elif isinstance(options, Mapping):
            leaves = []
            for option_name, value in options.items():
                known = _find_named(definitions, option_name)
                option_type = known["type"] if known else _infer_option_type(value)
                leaves.append({"name": option_name, "type": option_type, "value": value})
        else:
            leaves = [dict(option) for option in options]
        if focused is not None:
            for leaf in leaves:
                if leaf["name"] == focused:
                    leaf["focused"] = True
        container["options"] = leaves
        channels = {
            str(leaf["value"]): dict(self.channels[int(leaf["value"])], permissions=str(DEFAULT_PERMISSIONS))
            for leaf in leaves
            if leaf["type"] == OPTION_CHANNEL
            and str(leaf.get("value", "")).isdigit()
            and int(leaf["value"]) in self.channels
        }
        if channels:  # Discord sends the chosen channels' objects along, as discord.py expects
            data["resolved"] = {"channels": channels}
        return data

    async def send_slash_command(
        self,
        name: str,
        options: Mapping[str, object] | Sequence[Mapping[str, Any]] | None = None,
        *,
        channel_id: int | None = None,
        user: Mapping[str, Any] | None = None,
        permissions: int = DEFAULT_PERMISSIONS,
        dm: bool = False,
        locale: str = "en-US",
        timeout: float = DEFAULT_WAIT_SECONDS,
    ) -> FakeInteraction:
        """Dispatch a slash command (interaction type 2, data type 1).

        ``options`` maps option names to values (types from the synced command, else inferred from the
        Python value), or is a list of raw option dicts. ``name`` may hold sub-commands: "feed add".
        The other arguments are send_interaction's.
        """
        data = self._slash_data(name, options, self._command_guild(channel_id, dm), focused=None)
        return await self.send_interaction(
            INTERACTION_APPLICATION_COMMAND,
            data,
            channel_id=channel_id,
            user=user,
            permissions=permissions,
            dm=dm,
            locale=locale,
            timeout=timeout,
        )

    async def send_autocomplete(
        self,
        name: str,
        options: Mapping[str, object],
        *,
        focused: str,
        channel_id: int | None = None,
        user: Mapping[str, Any] | None = None,
        dm: bool = False,
        timeout: float = DEFAULT_WAIT_SECONDS,
    ) -> FakeInteraction:
        """Dispatch an autocomplete interaction (type 4), ``focused`` naming the option being typed."""
        data = self._slash_data(name, options, self._command_guild(channel_id, dm), focused=focused)
        return await self.send_interaction(
            INTERACTION_AUTOCOMPLETE, data, channel_id=channel_id, user=user, dm=dm, timeout=timeout
        )

    async def send_message_command(
        self,
        name: str,
        *,
        target: Mapping[str, Any],
        channel_id: int | None = None,
        user: Mapping[str, Any] | None = None,
        permissions: int = DEFAULT_PERMISSIONS,
        dm: bool = False,
        timeout: float = DEFAULT_WAIT_SECONDS,
    ) -> FakeInteraction:
        """Dispatch a message context-menu command (data type 3) on ``target`` (see add_message)."""
        data = self._command_data(name, COMMAND_MESSAGE, self._command_guild(channel_id, dm))
        data["target_id"] = target["id"]
        data["resolved"] = {"messages": {target["id"]: dict(target)}}
        return await self.send_interaction(
            INTERACTION_APPLICATION_COMMAND,
            data,
            channel_id=channel_id,
            user=user,
            permissions=permissions,
            dm=dm,
            timeout=timeout,
        )

    def _command_guild(self, channel_id: int | None, dm: bool) -> int | None:
        """The guild whose commands are looked up first (then the global ones): none in a DM."""
        if dm:
            return None
        return int(self.channels[channel_id or self.channel_id]["guild_id"])


@contextlib.contextmanager
def point_discord_at(fake: FakeDiscord) -> Iterator[FakeDiscord]:
    """Point discord.py's REST base and gateway at ``fake``; restore both afterwards.

    They are class attributes read when a route is built and when the gateway connects, so they must be
    set before login. The originals are restored even if the code under test changed them meanwhile.
    """
    original_base = discord.http.Route.BASE
    original_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = fake.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    try:
        yield fake
    finally:
        discord.http.Route.BASE = original_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = original_gateway


@contextlib.asynccontextmanager
async def running_client(
    client: discord.Client, fake: FakeDiscord, *, timeout: float = DEFAULT_WAIT_SECONDS
) -> AsyncIterator[discord.Client]:
    """Log ``client`` in to ``fake``, connect, and wait for on_ready; close it and its task on exit.

    discord.py must already point at the fake (point_discord_at). An error of the client's connect task
    is raised here, at start or on exit.
    """
    connect_task: asyncio.Task[None] | None = None
    try:
        await client.login(fake.token)
        connect_task = asyncio.create_task(client.connect(), name="fake-discord-client")
        ready_task = asyncio.create_task(client.wait_until_ready())
        done, _ = await asyncio.wait({connect_task, ready_task}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if ready_task not in done:
            ready_task.cancel()
            if connect_task in done:
                connect_task.result()
            raise TimeoutError(f"client not ready within {timeout}s")
        yield client
    finally:
        await client.close()
        outcome = await asyncio.gather(connect_task, return_exceptions=True) if connect_task else [None]
    if isinstance(outcome[0], BaseException):
        raise outcome[0]

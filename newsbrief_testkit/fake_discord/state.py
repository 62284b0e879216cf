"""The fake's world: its settings, clock, identities, the guild with its channels and members, and the
recorded lists a test reads; the base every other part of FakeDiscord builds on."""

# _wait_until takes `timeout=` like asyncio.wait_for does (see waits.py).
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
import time
from collections import deque
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from aiohttp import web

from .limits import (
    ACK_DEADLINE_SECONDS,
    API_PREFIX,
    CHANNEL_GUILD_TEXT,
    DEFAULT_PERMISSIONS,
    DEFAULT_TOKEN,
    DISCORD_EPOCH_MS,
    GATEWAY_PATH,
    GUILDS_PER_RECOMMENDED_SHARD,
    HEARTBEAT_INTERVAL_MS,
    HOST,
    INTERACTION_TOKEN_LIFETIME_SECONDS,
    THREAD_CHANNEL_TYPES,
)
from .records import FakeInteraction, GatewayFrame, RateLimitCounts, RecordedRequest, RouteBucket

if TYPE_CHECKING:
    from .faults import HeldReply, HeldRequest, InjectedFault, Outage
    from .gateway import GatewayConnection, GatewaySession

Found = TypeVar("Found")

# Permission overwrite targets: a role (the @everyone role has the guild's id) or a member.
OVERWRITE_ROLE = 0
OVERWRITE_MEMBER = 1


class FakeState:
    """Settings, clock, identities, guild, channels and records; see the package docstring."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        ack_deadline: float = ACK_DEADLINE_SECONDS,
        token_lifetime: float = INTERACTION_TOKEN_LIFETIME_SECONDS,
        heartbeat_interval_ms: int = HEARTBEAT_INTERVAL_MS,
        privileged_intents: int = 0,
        shard_count: int | None = None,
        max_concurrency: int = 1,
        compress_frames: bool = True,
        global_rate_limit: int | None = None,
        message_rate_limit: tuple[int, float] | None = None,
    ) -> None:
        self.token = token
        self.ack_deadline = ack_deadline
        self.token_lifetime = token_lifetime
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.privileged_intents = privileged_intents
        self.shard_count = shard_count
        self.max_concurrency = max_concurrency
        self.compress_frames = compress_frames
        self.global_rate_limit = global_rate_limit
        self.message_rate_limit = message_rate_limit
        self.rate_limited = RateLimitCounts()
        self._global_windows: dict[str, deque[float]] = {}
        self._route_buckets: dict[str, RouteBucket] = {}

        self._clock_offset = 0.0
        self._last_snowflake = 0
        self._increment = itertools.count()
        self.application_id = self.new_id()
        self.guild_id = self.new_id()
        self.channel_id = self.new_id()
        # A server the bot is not in, where a user who installed the app may still use it.
        self.foreign_guild_id = self.new_id()
        self.foreign_channel_id = self.new_id()
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
        self.outages: list[Outage] = []
        self.holds: list[HeldReply] = []
        self.held_requests: list[HeldRequest] = []
        self.attachments: dict[int, bytes] = {}
        self.uploads: dict[str, dict[str, Any]] = {}
        """Attachment objects of files users attached to commands (`upload_attachment`), by id."""
        self._nonces: dict[tuple[str, str], tuple[float, int]] = {}

        self._interactions_by_token: dict[str, FakeInteraction] = {}
        self._sessions: dict[str, GatewaySession] = {}
        self._changed = asyncio.Event()
        self._connection_ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def api_base(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return f"ws://{HOST}:{self.port}{GATEWAY_PATH}"

    # ----------------------------------------------------------------- clock

    def clock(self) -> float:
        """Seconds on the fake's monotonic clock: real time plus every advance_clock.

        It runs the nonce window, the interaction acknowledgement deadline and the token lifetime.
        """
        return time.monotonic() + self._clock_offset

    def advance_clock(self, seconds: float) -> None:
        """Move the fake's clock ``seconds`` forward, as if that much time had passed on Discord.

        Windows and deadlines expire (a repeated nonce then makes a new message), and the time in new
        snowflakes and timestamps jumps by as much. The bot's own clock is not touched.
        """
        if seconds < 0:
            raise ValueError("Discord's clock does not go back")
        self._clock_offset += seconds
        self._notify()

    def _wall_time(self) -> float:
        """Unix time on the fake's clock."""
        return time.time() + self._clock_offset

    def _now_iso(self) -> str:
        return datetime.fromtimestamp(self._wall_time(), UTC).isoformat()

    # ----------------------------------------------------------------- identities

    def new_id(self) -> int:
        """A fresh snowflake, increasing, with the current time in it as Discord's are."""
        now_ms = int(self._wall_time() * 1000) - DISCORD_EPOCH_MS
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

    @property
    def recommended_shards(self) -> int:
        """The ``shards`` GET /gateway/bot answers: ``shard_count`` if given, else one per 1,000 guilds."""
        if self.shard_count is not None:
            return self.shard_count
        return max(1, math.ceil(len(self.guilds) / GUILDS_PER_RECOMMENDED_SHARD))

    def add_guild(self, name: str, *, shard: tuple[int, int] | None = None) -> int:
        """Add a guild the bot is in (no channels: add_channel(..., guild_id=) adds them) and return its id.

        ``shard`` = (shard_id, shard_count) picks an id whose events go to that shard, (id >> 22) % count
        == shard_id, as Discord routes them. Add guilds before the client connects: READY lists them.
        """
        guild_id = self.new_id()
        if shard is not None:
            shard_id, count = shard
            while (guild_id >> 22) % count != shard_id:
                guild_id += 1 << 22  # one millisecond later: the next shard
            self._last_snowflake = max(self._last_snowflake, guild_id)
        self.guilds[guild_id] = self._guild(guild_id, name)
        return guild_id

    def add_channel(
        self,
        name: str,
        *,
        guild_id: int | None = None,
        bot_denied: int = 0,
        bot_allowed: int = 0,
        channel_type: int = CHANNEL_GUILD_TEXT,
    ) -> dict[str, Any]:
        """Add a channel to a guild (the fake's one by default) and return its payload: a text channel, or
        an announcement channel with ``channel_type=CHANNEL_GUILD_ANNOUNCEMENT`` (``add_forum`` adds forums).

        ``bot_denied`` and ``bot_allowed`` are permission bits a member overwrite denies or grants the bot
        there (denying VIEW_CHANNEL makes the channel invisible to it). Add channels before the client
        connects: GUILD_CREATE carries them, and the fake sends no CHANNEL_CREATE.
        """
        channel_id = self.new_id()
        channel = self._text_channel(channel_id, guild_id or self.guild_id, name)
        channel["type"] = channel_type
        if bot_denied or bot_allowed:
            overwrite = {
                "id": self.bot_user["id"],
                "type": OVERWRITE_MEMBER,
                "allow": str(bot_allowed),
                "deny": str(bot_denied),
            }
            channel["permission_overwrites"].append(overwrite)
        self.channels[channel_id] = channel
        return channel

    def set_system_channel(self, channel_id: int) -> None:
        """Make the channel its guild's system channel (where Discord posts join messages, and where a
        bot can tell the server things); set it before the client connects: GUILD_CREATE carries it."""
        channel = self.channels[channel_id]
        self.guilds[int(channel["guild_id"])]["system_channel_id"] = channel["id"]

    def bot_permissions(self, channel_id: int) -> int:
        """The bot's permissions in a channel, as Discord computes them for a member without roles.

        The @everyone role's permissions, then the channel's overwrites for @everyone, then the one for
        the bot itself (https://discord.com/developers/docs/topics/permissions#permission-overwrites).
        A thread has its parent channel's (SEND_MESSAGES then counts for nothing there: a thread needs
        SEND_MESSAGES_IN_THREADS, https://discord.com/developers/docs/topics/threads#permissions).
        """
        channel = self.channels[channel_id]
        if channel["type"] in THREAD_CHANNEL_TYPES:
            channel = self.channels[int(channel["parent_id"])]
        guild = self.guilds[int(channel["guild_id"])]
        everyone = next(role for role in guild["roles"] if role["id"] == guild["id"])
        permissions = int(everyone["permissions"])
        for target_id, target_type in ((guild["id"], OVERWRITE_ROLE), (self.bot_user["id"], OVERWRITE_MEMBER)):
            for overwrite in channel.get("permission_overwrites", []):
                if overwrite["id"] == target_id and overwrite["type"] == target_type:
                    permissions = (permissions & ~int(overwrite["deny"])) | int(overwrite["allow"])
        return permissions

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
            "joined_at": self._now_iso(),
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
        in_guild = [channel for channel in self.channels.values() if channel.get("guild_id") == str(guild_id)]
        channels = [channel for channel in in_guild if channel["type"] not in THREAD_CHANNEL_TYPES]
        threads = [channel for channel in in_guild if channel["type"] in THREAD_CHANNEL_TYPES]
        return {
            **self.guilds[guild_id],
            "unavailable": False,
            "large": False,
            "member_count": len(self._guild_members()),
            "joined_at": self._now_iso(),
            "channels": channels,
            "threads": threads,
            "members": [self._member(self.bot_user)],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    # ----------------------------------------------------------------- waiting

    def _notify(self) -> None:
        """Wake every waiter: something was recorded or changed."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_until(
        self, check: Callable[[], Found | None], *, timeout: float, describe: Callable[[], str]
    ) -> Found:
        """The first result of ``check`` that is not None, checked after every change; TimeoutError with
        ``describe()`` after ``timeout`` seconds."""
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

"""Publishing (crossposting) a message of an announcement channel to the servers that follow it.

``POST /channels/{id}/messages/{message}/crosspost``, as documented
(https://discord.com/developers/docs/resources/message#crosspost-message): only in an announcement channel
(50024 elsewhere: the docs name no code, the fake answers the general one for the channel type); the bot's
own message needs SEND_MESSAGES, another's MANAGE_MESSAGES as well (50013); a message is published once
(40033). Discord publishes at most 10 messages an hour per channel: the 11th within an hour of the first
answers 429 with ``retry_after`` until the oldest leaves the hour, on the fake's clock, with the headers a
429 carries (discord.py needs ``Via``; it then sleeps ``retry_after`` and tries again, unless the client's
``max_ratelimit_timeout`` is shorter, when it raises RateLimited).
"""

from __future__ import annotations

import math
import time
import zlib
from typing import Any

from .channels import ChannelRoutes
from .limits import (
    ALREADY_CROSSPOSTED,
    CANNOT_EXECUTE_ON_CHANNEL_TYPE,
    CHANNEL_GUILD_ANNOUNCEMENT,
    CROSSPOST_WINDOW_SECONDS,
    CROSSPOSTS_PER_WINDOW,
    FLAG_CROSSPOSTED,
    MANAGE_MESSAGES,
    MISSING_PERMISSIONS,
    RATE_LIMIT_VIA,
    SEND_MESSAGES,
    UNKNOWN_MESSAGE,
)
from .records import Incoming
from .wire import SNOWFLAKE, Reply, Route, error_reply, route


class CrosspostRoutes(ChannelRoutes):
    """Publishing in announcement channels, within Discord's hourly limit per channel."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._crossposts: dict[int, list[float]] = {}
        """Per channel, when (on the fake's clock) each message published in the last hour was."""

    def crossposted(self, channel_id: int) -> list[int]:
        """The ids of the channel's messages published so far, oldest first."""
        return [
            int(message["id"]) for message in self.channel_messages(channel_id) if message["flags"] & FLAG_CROSSPOSTED
        ]

    def _crosspost_routes(self) -> list[Route]:
        path = rf"/channels/(?P<channel>{SNOWFLAKE})/messages/(?P<message>{SNOWFLAKE})/crosspost"
        return [route(path, {"POST": self._crosspost})]

    async def _crosspost(self, incoming: Incoming, channel: str, message: str) -> Reply:
        if refused := self._refuse_channel(channel, SEND_MESSAGES):
            return refused
        if self.channels[int(channel)]["type"] != CHANNEL_GUILD_ANNOUNCEMENT:
            return error_reply(400, CANNOT_EXECUTE_ON_CHANNEL_TYPE, "Cannot execute action on this channel type")
        stored = self.messages.get(int(message))
        if stored is None or stored["channel_id"] != channel:
            return error_reply(404, UNKNOWN_MESSAGE, "Unknown Message")
        if stored["author"]["id"] != self.bot_user["id"] and not self.bot_permissions(int(channel)) & MANAGE_MESSAGES:
            return error_reply(403, MISSING_PERMISSIONS, "Missing Permissions")
        if stored["flags"] & FLAG_CROSSPOSTED:
            return error_reply(400, ALREADY_CROSSPOSTED, "This message has already been crossposted.")
        now = self.clock()
        recent = [at for at in self._crossposts.get(int(channel), []) if now - at < CROSSPOST_WINDOW_SECONDS]
        self._crossposts[int(channel)] = recent
        if len(recent) >= CROSSPOSTS_PER_WINDOW:
            return self._crosspost_limited(channel, retry_after=recent[0] + CROSSPOST_WINDOW_SECONDS - now)
        recent.append(now)
        stored["flags"] |= FLAG_CROSSPOSTED
        return Reply(200, stored)

    @staticmethod
    def _crosspost_limited(channel: str, *, retry_after: float) -> Reply:
        """Discord's 429 for a channel's hourly publishing limit: its body and rate-limit headers."""
        bucket = format(zlib.crc32(f"crosspost {channel}".encode()), "08x")
        headers = {
            "Retry-After": str(math.ceil(retry_after)),
            "X-RateLimit-Limit": str(CROSSPOSTS_PER_WINDOW),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Bucket": bucket,
            "X-RateLimit-Scope": "shared",
            "Via": RATE_LIMIT_VIA,
        }
        body = {"message": "You are being rate limited.", "retry_after": round(retry_after, 3), "global": False}
        return Reply(429, body, headers)

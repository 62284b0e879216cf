"""Discord's rate limits, when a test turns them on: the global limit (requests a second per bot token, in
any one second) and the per-channel bucket of message creation, with Discord's headers and 429 bodies
(https://discord.com/developers/docs/topics/rate-limits).

Interaction endpoints (callbacks, and the webhook of an interaction, whose id is the application's) are not
bound by the global limit, as on Discord. A refused request counts against nothing.
"""

from __future__ import annotations

import math
import re
import time
import zlib
from collections import deque
from dataclasses import replace

from .limits import RATE_LIMIT_VIA
from .records import Incoming, RouteBucket
from .state import FakeState
from .wire import Reply

GLOBAL_WINDOW_SECONDS = 1.0
MESSAGE_CREATE = re.compile(r"/channels/(?P<channel>\d+)/messages")


class RateLimits(FakeState):
    """``global_rate_limit`` (requests in any second per token, None: no limit) and ``message_rate_limit``
    ((requests, seconds) per channel for POST /channels/{id}/messages, None: no limit) are constructor
    options (FakeState); ``rate_limited`` counts the 429s given."""

    def _global_limit_reply(self, incoming: Incoming, index: int) -> Reply | None:
        if self.global_rate_limit is None or self._interaction_endpoint(incoming.path):
            return None
        now = self.clock()
        sent = self._global_windows.setdefault(incoming.headers.get("Authorization", ""), deque())
        while sent and sent[0] <= now - GLOBAL_WINDOW_SECONDS:
            sent.popleft()
        if len(sent) < self.global_rate_limit:
            sent.append(now)
            return None
        self.rate_limited.global_hits.append(index)
        retry_after = round(sent[0] + GLOBAL_WINDOW_SECONDS - now, 3)
        headers = {
            "Retry-After": str(math.ceil(retry_after)),
            "X-RateLimit-Global": "true",
            "X-RateLimit-Scope": "global",
            "Via": RATE_LIMIT_VIA,
        }
        body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": True}
        return Reply(429, body, headers)

    def _route_limit_reply(self, incoming: Incoming, index: int) -> Reply | None:
        """A 429 when the channel's message bucket is used up; else counts the request against it."""
        bucket = self._message_bucket(incoming)
        if bucket is None:
            return None
        limit, _period = self.message_rate_limit or (0, 0.0)
        if bucket.used < limit:
            bucket.used += 1
            return None
        self.rate_limited.route_hits.append(index)
        retry_after = round(bucket.resets_at - self.clock(), 3)
        headers = {
            **self._bucket_headers(bucket),
            "Retry-After": str(math.ceil(retry_after)),
            "X-RateLimit-Scope": "user",
            "Via": RATE_LIMIT_VIA,
        }
        body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": False}
        return Reply(429, body, headers)

    def _with_route_headers(self, incoming: Incoming, reply: Reply) -> Reply:
        """A message create's answer carries its bucket's X-RateLimit-* headers, as Discord's do."""
        bucket = self._message_bucket(incoming, start=False)
        if bucket is None or reply.status == 429:
            return reply
        return replace(reply, headers={**reply.headers, **self._bucket_headers(bucket)})

    def _message_bucket(self, incoming: Incoming, *, start: bool = True) -> RouteBucket | None:
        found = MESSAGE_CREATE.fullmatch(incoming.path)
        if self.message_rate_limit is None or incoming.method != "POST" or found is None:
            return None
        _limit, period = self.message_rate_limit
        now = self.clock()
        bucket = self._route_buckets.get(found["channel"])
        if bucket is None or (start and now >= bucket.resets_at):
            bucket = self._route_buckets[found["channel"]] = RouteBucket(resets_at=now + period)
        return bucket

    def _bucket_headers(self, bucket: RouteBucket) -> dict[str, str]:
        limit, _period = self.message_rate_limit or (0, 0.0)
        reset_after = max(bucket.resets_at - self.clock(), 0.0)
        return {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(max(limit - bucket.used, 0)),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": format(zlib.crc32(b"POST /channels/{channel_id}/messages"), "08x"),
        }

    def _interaction_endpoint(self, path: str) -> bool:
        parts = path.strip("/").split("/")
        if parts[0] == "interactions" and parts[-1] == "callback":
            return True
        return parts[0] == "webhooks" and parts[1:2] == [str(self.application_id)]

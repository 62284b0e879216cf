"""Channels and their messages over REST: read a channel, list its messages, post, read, edit, delete."""

from __future__ import annotations

from .limits import (
    CANNOT_EDIT_ANOTHER_USERS_MESSAGE,
    MISSING_ACCESS,
    MISSING_PERMISSIONS,
    NONCE_WINDOW_SECONDS,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    UNKNOWN_CHANNEL,
    UNKNOWN_MESSAGE,
    VIEW_CHANNEL,
)
from .messages import MessageStore
from .records import Incoming
from .wire import SNOWFLAKE, Reply, Route, error_reply, route


class ChannelRoutes(MessageStore):
    """``/channels/{id}``, its messages and typing; the bot's view of a channel follows its permissions."""

    def _channel_routes(self) -> list[Route]:
        channel = rf"/channels/(?P<channel>{SNOWFLAKE})"
        one_message = {"GET": self._channel_message, "PATCH": self._channel_message, "DELETE": self._channel_message}
        return [
            route(channel, {"GET": self._get_channel}),
            route(channel + "/messages", {"GET": self._get_channel_messages, "POST": self._post_channel_message}),
            route(channel + "/typing", {"POST": self._post_typing}),
            route(channel + rf"/messages/(?P<message>{SNOWFLAKE})", one_message),
        ]

    def _refuse_channel(self, channel: str, needs: int = 0) -> Reply | None:
        """404 for a channel that does not exist, 403 when the bot cannot see it or lacks ``needs``."""
        if int(channel) not in self.channels:
            return error_reply(404, UNKNOWN_CHANNEL, "Unknown Channel")
        permissions = self.bot_permissions(int(channel))
        if not permissions & VIEW_CHANNEL:
            return error_reply(403, MISSING_ACCESS, "Missing Access")
        if permissions & needs != needs:
            return error_reply(403, MISSING_PERMISSIONS, "Missing Permissions")
        return None

    async def _get_channel(self, incoming: Incoming, channel: str) -> Reply:
        if refused := self._refuse_channel(channel):
            return refused
        return Reply(200, self.channels[int(channel)])

    async def _post_typing(self, incoming: Incoming, channel: str) -> Reply:
        if refused := self._refuse_channel(channel, SEND_MESSAGES):
            return refused
        return Reply(204)

    async def _get_channel_messages(self, incoming: Incoming, channel: str) -> Reply:
        if refused := self._refuse_channel(channel):
            return refused
        limit = int(incoming.query.get("limit", "50"))
        in_channel = [m for m in self.messages.values() if m["channel_id"] == channel]
        newest_first = sorted(in_channel, key=lambda m: int(m["id"]), reverse=True)
        return Reply(200, newest_first[:limit])

    async def _post_channel_message(self, incoming: Incoming, channel: str) -> Reply:
        if refused := self._refuse_channel(channel, SEND_MESSAGES):
            return refused
        body = incoming.json if isinstance(incoming.json, dict) else {}
        if refused := self._refuse_message(body, incoming.files, creating=True):
            return refused
        nonce = (str(self.bot_user["id"]), str(body["nonce"])) if body.get("nonce") is not None else None
        if nonce is not None and body.get("enforce_nonce") and (earlier := self._nonces.get(nonce)):
            created, message_id = earlier
            if self.clock() - created < NONCE_WINDOW_SECONDS and message_id in self.messages:
                return Reply(200, self.messages[message_id])
        message = self._new_message(channel_id=int(channel), author=self.bot_user, body=body, files=incoming.files)
        if nonce is not None:
            message["nonce"] = body["nonce"]
            self._nonces[nonce] = (self.clock(), int(message["id"]))
        self.messages[int(message["id"])] = message
        return Reply(200, message)

    async def _channel_message(self, incoming: Incoming, channel: str, message: str) -> Reply:
        if refused := self._refuse_channel(channel, READ_MESSAGE_HISTORY if incoming.method == "GET" else 0):
            return refused
        stored = self.messages.get(int(message))
        if stored is None or stored["channel_id"] != channel:
            return error_reply(404, UNKNOWN_MESSAGE, "Unknown Message")
        if incoming.method == "GET":
            return Reply(200, stored)
        if incoming.method == "DELETE":
            del self.messages[int(message)]
            return Reply(204)
        if stored["author"]["id"] != self.bot_user["id"]:
            return error_reply(403, CANNOT_EDIT_ANOTHER_USERS_MESSAGE, "Cannot edit a message authored by another user")
        return self._edit_message(stored, incoming)

"""Channels and their messages over REST: read a channel, list its messages, post, read, edit, delete.

GET /channels/{id}/messages follows https://discord.com/developers/docs/resources/message#get-channel-messages:
``limit`` 1-100 (50 when absent), at most one of ``around``, ``before`` and ``after``, newest first.
"""

from __future__ import annotations

from typing import Any

from .limits import (
    CANNOT_EDIT_ANOTHER_USERS_MESSAGE,
    CANNOT_SEND_IN_FORUM,
    CHANNEL_GUILD_FORUM,
    MESSAGES_PAGE_DEFAULT,
    MESSAGES_PAGE_MAX,
    MESSAGES_PAGE_MIN,
    MISSING_ACCESS,
    MISSING_PERMISSIONS,
    NONCE_WINDOW_SECONDS,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    THREAD_CHANNEL_TYPES,
    UNKNOWN_CHANNEL,
    UNKNOWN_MESSAGE,
    VIEW_CHANNEL,
)
from .messages import MessageStore
from .records import Incoming
from .wire import SNOWFLAKE, Reply, Route, error_reply, field_error, invalid_form_body, route

# The three anchors of a page of messages; Discord documents them as mutually exclusive.
PAGE_ANCHORS = ("around", "before", "after")


def _integer_error(value: str, kind: str) -> dict[str, Any]:
    return field_error("NUMBER_TYPE_COERCE", f'Value "{value}" is not {kind}.')


def _page_query(query: dict[str, str]) -> tuple[int, str | None, int] | dict[str, Any]:
    """``(limit, anchor name, anchor id)`` from a messages query, or Discord's form errors for it."""
    errors: dict[str, Any] = {}
    raw_limit = query.get("limit", str(MESSAGES_PAGE_DEFAULT))
    limit = int(raw_limit) if raw_limit.lstrip("-").isdigit() else None
    if limit is None:
        errors["limit"] = _integer_error(raw_limit, "int")
    elif limit < MESSAGES_PAGE_MIN:
        errors["limit"] = field_error(
            "NUMBER_TYPE_MIN", f"int value should be greater than or equal to {MESSAGES_PAGE_MIN}."
        )
    elif limit > MESSAGES_PAGE_MAX:
        errors["limit"] = field_error(
            "NUMBER_TYPE_MAX", f"int value should be less than or equal to {MESSAGES_PAGE_MAX}."
        )
    anchors = [name for name in PAGE_ANCHORS if name in query]
    for name in anchors:
        if not query[name].isdigit():
            errors[name] = _integer_error(query[name], "snowflake")
    if len(anchors) > 1:
        # Discord's docs say "only one may be passed at a time" without the answer to more; the fake
        # refuses rather than guess which one Discord would follow.
        errors[anchors[1]] = field_error("MUTUALLY_EXCLUSIVE", f"Only one of {', '.join(PAGE_ANCHORS)} may be passed.")
    if errors or limit is None:
        return errors
    anchor = anchors[0] if anchors else None
    return limit, anchor, int(query[anchor]) if anchor else 0


def _page(newest_first: list[dict[str, Any]], limit: int, anchor: str | None, anchor_id: int) -> list[dict[str, Any]]:
    """One page of a channel's messages, newest first, as Discord pages them.

    ``before``: the newest ``limit`` older than the id; ``after``: the oldest ``limit`` newer than it;
    ``around``: the message itself and those next to it, half of the page newer than it.
    """
    if anchor == "before":
        return [m for m in newest_first if int(m["id"]) < anchor_id][:limit]
    if anchor == "after":
        newer = [m for m in newest_first if int(m["id"]) > anchor_id]
        return newer[-limit:]
    if anchor == "around":
        newer = [m for m in newest_first if int(m["id"]) > anchor_id]
        older = [m for m in newest_first if int(m["id"]) <= anchor_id]
        newer_count = min(limit // 2, len(newer))
        return newer[len(newer) - newer_count :] + older[: limit - newer_count]
    return newest_first[:limit]


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

    def _send_permission(self, channel_id: int) -> int:
        """What posting in the channel takes: SEND_MESSAGES, or SEND_MESSAGES_IN_THREADS in a thread."""
        is_thread = self.channels.get(channel_id, {}).get("type") in THREAD_CHANNEL_TYPES
        return SEND_MESSAGES_IN_THREADS if is_thread else SEND_MESSAGES

    async def _get_channel(self, incoming: Incoming, channel: str) -> Reply:
        if refused := self._refuse_channel(channel):
            return refused
        return Reply(200, self.channels[int(channel)])

    async def _post_typing(self, incoming: Incoming, channel: str) -> Reply:
        if refused := self._refuse_channel(channel, SEND_MESSAGES):
            return refused
        return Reply(204)

    async def _get_channel_messages(self, incoming: Incoming, channel: str) -> Reply:
        """A page of the channel's messages; none at all without READ_MESSAGE_HISTORY, as documented."""
        if refused := self._refuse_channel(channel):
            return refused
        page_query = _page_query(incoming.query)
        if isinstance(page_query, dict):
            return invalid_form_body(page_query)
        if not self.bot_permissions(int(channel)) & READ_MESSAGE_HISTORY:
            return Reply(200, [])
        newest_first = self.channel_messages(int(channel))[::-1]
        return Reply(200, _page(newest_first, *page_query))

    async def _post_channel_message(self, incoming: Incoming, channel: str) -> Reply:
        """A new message from the bot; with ``enforce_nonce``, a nonce repeated within the window on the
        fake's clock answers the earlier message instead of making another."""
        if refused := self._refuse_channel(channel, self._send_permission(int(channel))):
            return refused
        if self.channels[int(channel)]["type"] == CHANNEL_GUILD_FORUM:
            return error_reply(400, CANNOT_SEND_IN_FORUM, "Cannot send a message in a forum channel")
        body = incoming.json if isinstance(incoming.json, dict) else {}
        if refused := self._refuse_message(body, incoming.files, creating=True):
            return refused
        nonce = (str(self.bot_user["id"]), str(body["nonce"])) if body.get("nonce") is not None else None
        if nonce is not None and body.get("enforce_nonce") and (earlier := self._nonces.get(nonce)):
            created, message_id = earlier
            if self.clock() - created < NONCE_WINDOW_SECONDS and message_id in self.messages:
                return Reply(200, dict(self.messages[message_id], nonce=body["nonce"]))
        message = self._new_message(channel_id=int(channel), author=self.bot_user, body=body, files=incoming.files)
        self.messages[int(message["id"])] = message
        if nonce is None:
            return Reply(200, message)
        self._nonces[nonce] = (self.clock(), int(message["id"]))
        # The nonce comes back in the create answer (and MESSAGE_CREATE) only; Discord does not keep it.
        return Reply(200, dict(message, nonce=body["nonce"]))

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

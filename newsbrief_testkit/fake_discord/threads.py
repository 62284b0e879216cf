"""Threads and forums: a thread started from a message, a thread without one, and a forum post, with the
rules Discord documents for them (https://discord.com/developers/docs/resources/channel#start-thread-from-message
and the two sections after it; https://discord.com/developers/docs/topics/threads).

- ``POST /channels/{id}/messages/{message}/threads``: in a text channel (a public thread, type 11) or an
  announcement channel (an announcement thread, type 10), never a forum (50024); the thread's id is the
  message's, so a message starts one thread at most (160004); needs CREATE_PUBLIC_THREADS.
- ``POST /channels/{id}/threads``: in a forum, a post: a ``message`` is required (50035 without one, 50006 for
  an empty one), at most 5 ``applied_tags``, each one of the forum's ``available_tags`` (50035); a forum
  with REQUIRE_TAG refuses a post without a tag (40067), a moderated tag needs MANAGE_THREADS (50013).
  It needs SEND_MESSAGES ("Create Posts"; CREATE_PUBLIC_THREADS is ignored). The starter message has the
  thread's id. Elsewhere, a thread without a message: ``type`` 11 (needs CREATE_PUBLIC_THREADS) or 12.
- Both: ``name`` 1-100 characters, ``auto_archive_duration`` one of 60, 1440, 4320, 10080.
- ``GET /guilds/{id}/threads/active`` (https://discord.com/developers/docs/resources/guild#list-active-guild-threads):
  every unarchived thread of the guild, forum posts included, in channels the bot can see, newest (highest
  id) first, as ``{"threads": [...], "members": [...]}``, ``members`` the bot's own thread members; 404
  Unknown Guild (10004) for a guild the bot is not in.
- ``GET /channels/{id}/threads/archived/public``
  (https://discord.com/developers/docs/resources/channel#list-public-archived-threads): a text,
  announcement or forum channel's archived public threads, most recently archived first, as ``{"threads",
  "members", "has_more"}``; ``before`` an ISO8601 timestamp (threads archived before it), ``limit`` 2-100
  (discord.py never asks for fewer than 2), 50 by default; needs READ_MESSAGE_HISTORY.

Messages in a thread go through ``POST /channels/{thread}/messages`` (channels.py), which there needs
SEND_MESSAGES_IN_THREADS, the thread's permissions being its parent's. The fake sends no THREAD_CREATE.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from .channels import ChannelRoutes
from .limits import (
    APPLIED_TAGS_LIMIT,
    ARCHIVED_THREADS_PAGE_DEFAULT,
    ARCHIVED_THREADS_PAGE_MAX,
    ARCHIVED_THREADS_PAGE_MIN,
    CANNOT_EXECUTE_ON_CHANNEL_TYPE,
    CHANNEL_ANNOUNCEMENT_THREAD,
    CHANNEL_FLAG_REQUIRE_TAG,
    CHANNEL_GUILD_ANNOUNCEMENT,
    CHANNEL_GUILD_FORUM,
    CHANNEL_GUILD_TEXT,
    CHANNEL_PRIVATE_THREAD,
    CHANNEL_PUBLIC_THREAD,
    CREATE_PUBLIC_THREADS,
    FLAG_HAS_THREAD,
    FORUM_TAG_NAME_LIMIT,
    FORUM_TAG_REQUIRED,
    MANAGE_THREADS,
    MISSING_PERMISSIONS,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    THREAD_ALREADY_CREATED,
    THREAD_AUTO_ARCHIVE_MINUTES,
    THREAD_CHANNEL_TYPES,
    THREAD_DEFAULT_AUTO_ARCHIVE_MINUTES,
    THREAD_NAME_LIMIT,
    UNKNOWN_GUILD,
    UNKNOWN_MESSAGE,
    VIEW_CHANNEL,
)
from .records import Incoming
from .wire import SNOWFLAKE, Reply, Route, error_reply, field_error, invalid_form_body, route, too_long

# What a text or announcement channel's message starts: a public thread, or an announcement thread.
THREAD_TYPE_OF_PARENT = {
    CHANNEL_GUILD_TEXT: CHANNEL_PUBLIC_THREAD,
    CHANNEL_GUILD_ANNOUNCEMENT: CHANNEL_ANNOUNCEMENT_THREAD,
}


def _thread_form_errors(body: Mapping[str, Any]) -> dict[str, Any]:
    """The errors of the fields every thread start shares: its name and archive duration."""
    errors: dict[str, Any] = {}
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        errors["name"] = field_error("BASE_TYPE_REQUIRED", "This field is required")
    elif len(name) > THREAD_NAME_LIMIT:
        errors["name"] = field_error("BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {THREAD_NAME_LIMIT} in length.")
    duration = body.get("auto_archive_duration")
    if duration is not None and duration not in THREAD_AUTO_ARCHIVE_MINUTES:
        allowed = ", ".join(str(minutes) for minutes in sorted(THREAD_AUTO_ARCHIVE_MINUTES))
        errors["auto_archive_duration"] = field_error("BASE_TYPE_CHOICES", f"Value must be one of {{{allowed}}}.")
    return errors


class ThreadRoutes(ChannelRoutes):
    """Forums to add, and the routes that start threads and forum posts; see the module docstring."""

    def add_forum(
        self,
        name: str,
        *,
        tags: Sequence[str | Mapping[str, Any]] = (),
        require_tag: bool = False,
        guild_id: int | None = None,
        bot_denied: int = 0,
        bot_allowed: int = 0,
    ) -> dict[str, Any]:
        """Add a forum channel and return its payload; ``tags`` are its available tags, each a name or a
        dict with ``name`` and optionally ``moderated``, ``emoji_name`` (ids are given). ``require_tag``
        sets the REQUIRE_TAG flag. Other arguments as for add_channel."""
        forum = self.add_channel(
            name,
            guild_id=guild_id,
            bot_denied=bot_denied,
            bot_allowed=bot_allowed,
            channel_type=CHANNEL_GUILD_FORUM,
        )
        available = []
        for tag in tags:
            about = {"name": tag} if isinstance(tag, str) else dict(tag)
            if len(about["name"]) > FORUM_TAG_NAME_LIMIT:
                raise ValueError(f"Discord limits a forum tag's name to {FORUM_TAG_NAME_LIMIT} characters")
            available.append(
                {
                    "id": str(self.new_id()),
                    "name": about["name"],
                    "moderated": bool(about.get("moderated", False)),
                    "emoji_id": None,
                    "emoji_name": about.get("emoji_name"),
                }
            )
        forum.update(
            {
                "available_tags": available,
                "flags": CHANNEL_FLAG_REQUIRE_TAG if require_tag else 0,
                "default_auto_archive_duration": THREAD_DEFAULT_AUTO_ARCHIVE_MINUTES,
                "default_thread_rate_limit_per_user": 0,
                "default_reaction_emoji": None,
                "default_sort_order": None,
                "default_forum_layout": 0,
            }
        )
        return forum

    def threads_of(self, channel_id: int) -> list[dict[str, Any]]:
        """The threads (forum posts in a forum) started in a channel, oldest first."""
        found = [thread for thread in self.channels.values() if thread.get("parent_id") == str(channel_id)]
        return sorted(found, key=lambda thread: int(thread["id"]))

    def _thread_routes(self) -> list[Route]:
        channel = rf"/channels/(?P<channel>{SNOWFLAKE})"
        return [
            route(channel + rf"/messages/(?P<message>{SNOWFLAKE})/threads", {"POST": self._start_thread_from_message}),
            route(channel + "/threads", {"POST": self._start_thread}),
            route(rf"/guilds/(?P<guild>{SNOWFLAKE})/threads/active", {"GET": self._list_active_threads}),
            route(channel + "/threads/archived/public", {"GET": self._list_public_archived_threads}),
        ]

    def archive_thread(self, thread_id: int) -> None:
        """Archive the thread now, as its auto-archive duration running out or a moderator does."""
        metadata = self.channels[thread_id]["thread_metadata"]
        metadata["archived"] = True
        metadata["archive_timestamp"] = self._now_iso()

    def _thread_members(self, threads: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The bot's thread member in each of `threads` it opened."""
        return [
            {
                "id": thread["id"],
                "user_id": self.bot_user["id"],
                "join_timestamp": thread["thread_metadata"]["create_timestamp"],
                "flags": 0,
            }
            for thread in threads
            if thread["owner_id"] == self.bot_user["id"]
        ]

    async def _list_public_archived_threads(self, incoming: Incoming, channel: str) -> Reply:
        if refused := self._refuse_channel(channel, READ_MESSAGE_HISTORY):
            return refused
        if self.channels[int(channel)]["type"] not in (*THREAD_TYPE_OF_PARENT, CHANNEL_GUILD_FORUM):
            return error_reply(400, CANNOT_EXECUTE_ON_CHANNEL_TYPE, "Cannot execute action on this channel type")
        errors: dict[str, Any] = {}
        raw_limit = incoming.query.get("limit", str(ARCHIVED_THREADS_PAGE_DEFAULT))
        limit = int(raw_limit) if raw_limit.isdigit() else None
        if limit is None or not ARCHIVED_THREADS_PAGE_MIN <= limit <= ARCHIVED_THREADS_PAGE_MAX:
            errors["limit"] = field_error(
                "NUMBER_TYPE_MAX",
                f"int value should be between {ARCHIVED_THREADS_PAGE_MIN} and {ARCHIVED_THREADS_PAGE_MAX}.",
            )
        before: datetime | None = None
        if "before" in incoming.query:
            try:
                before = datetime.fromisoformat(incoming.query["before"])
            except ValueError:
                errors["before"] = field_error("DATE_TIME_TYPE_PARSE", "Could not parse the timestamp.")
        if errors or limit is None:
            return invalid_form_body(errors)
        archived = [
            thread
            for thread in self.channels.values()
            if thread.get("parent_id") == channel
            and thread["type"] in (CHANNEL_PUBLIC_THREAD, CHANNEL_ANNOUNCEMENT_THREAD)
            and thread["thread_metadata"]["archived"]
            and (before is None or datetime.fromisoformat(thread["thread_metadata"]["archive_timestamp"]) < before)
        ]
        archived.sort(key=lambda thread: thread["thread_metadata"]["archive_timestamp"], reverse=True)
        page = archived[:limit]
        return Reply(200, {"threads": page, "members": self._thread_members(page), "has_more": len(archived) > limit})

    async def _list_active_threads(self, incoming: Incoming, guild: str) -> Reply:
        if int(guild) not in self.guilds:
            return error_reply(404, UNKNOWN_GUILD, "Unknown Guild")
        threads = [
            thread
            for thread in self.channels.values()
            if thread["guild_id"] == guild
            and thread["type"] in THREAD_CHANNEL_TYPES
            and not thread["thread_metadata"]["archived"]
            and self.bot_permissions(int(thread["id"])) & VIEW_CHANNEL
        ]
        threads.sort(key=lambda thread: int(thread["id"]), reverse=True)
        return Reply(200, {"threads": threads, "members": self._thread_members(threads)})

    def _new_thread(
        self, *, thread_id: int, parent: Mapping[str, Any], thread_type: int, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        now = self._now_iso()
        thread = {
            "id": str(thread_id),
            "type": thread_type,
            "guild_id": parent["guild_id"],
            "parent_id": parent["id"],
            "owner_id": self.bot_user["id"],
            "name": body["name"],
            "last_message_id": None,
            "message_count": 0,
            "member_count": 1,
            "total_message_sent": 0,
            "rate_limit_per_user": int(body.get("rate_limit_per_user") or 0),
            "flags": 0,
            "applied_tags": [str(tag) for tag in body.get("applied_tags") or []],
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": body.get("auto_archive_duration")
                or parent.get("default_auto_archive_duration", THREAD_DEFAULT_AUTO_ARCHIVE_MINUTES),
                "archive_timestamp": now,
                "locked": False,
                "create_timestamp": now,
            },
        }
        self.channels[thread_id] = thread
        return thread

    async def _start_thread_from_message(self, incoming: Incoming, channel: str, message: str) -> Reply:
        if refused := self._refuse_channel(channel, CREATE_PUBLIC_THREADS):
            return refused
        parent = self.channels[int(channel)]
        thread_type = THREAD_TYPE_OF_PARENT.get(parent["type"])
        if thread_type is None:
            return error_reply(400, CANNOT_EXECUTE_ON_CHANNEL_TYPE, "Cannot execute action on this channel type")
        stored = self.messages.get(int(message))
        if stored is None or stored["channel_id"] != channel:
            return error_reply(404, UNKNOWN_MESSAGE, "Unknown Message")
        body = incoming.json if isinstance(incoming.json, dict) else {}
        if errors := _thread_form_errors(body):
            return invalid_form_body(errors)
        if int(message) in self.channels:
            return error_reply(400, THREAD_ALREADY_CREATED, "A thread has already been created for this message")
        thread = self._new_thread(thread_id=int(message), parent=parent, thread_type=thread_type, body=body)
        stored["flags"] |= FLAG_HAS_THREAD
        stored["thread"] = thread
        return Reply(201, thread)

    async def _start_thread(self, incoming: Incoming, channel: str) -> Reply:
        if int(channel) in self.channels and self.channels[int(channel)]["type"] == CHANNEL_GUILD_FORUM:
            return self._start_forum_post(incoming, channel)
        body = incoming.json if isinstance(incoming.json, dict) else {}
        thread_type = body.get("type", CHANNEL_PRIVATE_THREAD)
        needs = CREATE_PUBLIC_THREADS if thread_type != CHANNEL_PRIVATE_THREAD else 0
        if refused := self._refuse_channel(channel, needs):
            return refused
        parent = self.channels[int(channel)]
        if parent["type"] not in THREAD_TYPE_OF_PARENT:
            return error_reply(400, CANNOT_EXECUTE_ON_CHANNEL_TYPE, "Cannot execute action on this channel type")
        if errors := _thread_form_errors(body):
            return invalid_form_body(errors)
        return Reply(201, self._new_thread(thread_id=self.new_id(), parent=parent, thread_type=thread_type, body=body))

    def _start_forum_post(self, incoming: Incoming, channel: str) -> Reply:
        """A forum post: a public thread and its starter message, which has the thread's id."""
        if refused := self._refuse_channel(channel, SEND_MESSAGES):
            return refused
        forum = self.channels[int(channel)]
        body = incoming.json if isinstance(incoming.json, dict) else {}
        errors = _thread_form_errors(body)
        first = body.get("message")
        if not isinstance(first, Mapping):
            errors["message"] = field_error("BASE_TYPE_REQUIRED", "This field is required")
        elif found := self._message_errors(first):
            errors["message"] = found
        tags = {tag["id"]: tag for tag in forum.get("available_tags", [])}
        applied = [str(tag) for tag in body.get("applied_tags") or []]
        if len(applied) > APPLIED_TAGS_LIMIT:
            errors["applied_tags"] = too_long(APPLIED_TAGS_LIMIT)
        elif unknown := [tag for tag in applied if tag not in tags]:
            errors["applied_tags"] = field_error("UNKNOWN_TAG", f"Unknown tag {unknown[0]}")
        if errors:
            return invalid_form_body(errors)
        if not applied and forum.get("flags", 0) & CHANNEL_FLAG_REQUIRE_TAG:
            return error_reply(400, FORUM_TAG_REQUIRED, "A tag is required to create a forum post in this channel")
        moderated = any(tags[tag]["moderated"] for tag in applied)
        if moderated and not self.bot_permissions(int(channel)) & MANAGE_THREADS:
            return error_reply(403, MISSING_PERMISSIONS, "Missing Permissions")
        assert isinstance(first, Mapping)
        if refused := self._refuse_message(first, incoming.files, creating=True):
            return refused
        thread_id = self.new_id()
        message = self._new_message(channel_id=thread_id, author=self.bot_user, body=first, files=incoming.files)
        message["id"] = str(thread_id)
        thread = self._new_thread(thread_id=thread_id, parent=forum, thread_type=CHANNEL_PUBLIC_THREAD, body=body)
        thread["last_message_id"] = message["id"]
        self.messages[thread_id] = message
        forum["last_message_id"] = thread["id"]
        return Reply(201, dict(thread, message=message))

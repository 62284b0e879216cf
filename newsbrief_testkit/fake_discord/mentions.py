"""Mentions as Discord parses them from a message's content, under its ``allowed_mentions``, and the roles
of a guild that can be mentioned.

https://discord.com/developers/docs/resources/message#allowed-mentions-object: without ``allowed_mentions``
a bot's message parses every mention in its content; with it, only the types in ``parse`` and the ids in
``roles`` and ``users`` (``parse`` naming a type excludes a list of that type). A role pings only when it is
mentionable or the bot has MENTION_EVERYONE, and @everyone/@here only with MENTION_EVERYONE. What pinged is
kept in the message as Discord returns it (``mention_everyone``, ``mention_roles``, ``mentions``), which is
what a test reads. Mentions in embeds never ping.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .limits import ALLOWED_MENTION_IDS_LIMIT, MENTION_EVERYONE, MENTION_TYPES
from .state import FakeState
from .wire import field_error, too_long

USER_MENTION = re.compile(r"<@!?(\d+)>")
ROLE_MENTION = re.compile(r"<@&(\d+)>")
EVERYONE_MENTION = re.compile(r"@(?:everyone|here)\b")

# The allowed mention type that a list of ids of the same name excludes from ``parse``.
ID_LISTS = ("roles", "users")


def allowed_mentions_errors(allowed: Any) -> dict[str, Any]:
    """Discord's form errors for an ``allowed_mentions`` object; empty when it is acceptable."""
    if allowed is None:
        return {}
    if not isinstance(allowed, Mapping):
        return field_error("DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
    errors: dict[str, Any] = {}
    parse = allowed.get("parse") or []
    unknown = [kind for kind in parse if kind not in MENTION_TYPES]
    if unknown:
        errors["parse"] = field_error("ENUM_TYPE_COERCE", f'Value "{unknown[0]}" is not a valid enum value.')
    for kind in ID_LISTS:
        ids = allowed.get(kind) or []
        if len(ids) > ALLOWED_MENTION_IDS_LIMIT:
            errors[kind] = too_long(ALLOWED_MENTION_IDS_LIMIT)
        elif ids and kind in parse:
            errors[kind] = field_error(
                "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
            )
    return errors


class Mentions(FakeState):
    """Roles to mention, and the mentions a stored message carries."""

    def add_role(self, name: str, *, guild_id: int | None = None, mentionable: bool = True) -> dict[str, Any]:
        """Add a role (no permissions, nobody has it) to a guild, the fake's one by default; returns it.

        Add roles before the client connects: GUILD_CREATE carries them.
        """
        guild = self.guilds[guild_id or self.guild_id]
        role = {
            "id": str(self.new_id()),
            "name": name,
            "permissions": "0",
            "position": len(guild["roles"]),
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": mentionable,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }
        guild["roles"].append(role)
        return role

    def _apply_mentions(self, message: dict[str, Any], body: Mapping[str, Any]) -> None:
        """Set what the message pings, as Discord parses it when the bot posts ``body``."""
        content = message.get("content") or ""
        allowed = body.get("allowed_mentions")
        parse = set(MENTION_TYPES) if allowed is None else set(allowed.get("parse") or [])
        listed = {kind: set() if allowed is None else {str(i) for i in allowed.get(kind) or []} for kind in ID_LISTS}
        channel = self.channels.get(int(message["channel_id"]))
        can_mention_everyone = channel is not None and bool(self.bot_permissions(int(channel["id"])) & MENTION_EVERYONE)
        roles = {}
        if channel is not None:
            guild = self.guilds[int(channel["guild_id"])]
            roles = {role["id"]: role for role in guild["roles"] if role["id"] != guild["id"]}
        mentioned_roles = []
        for role_id in dict.fromkeys(ROLE_MENTION.findall(content)):
            role = roles.get(role_id)
            wanted = "roles" in parse or role_id in listed["roles"]
            if role is not None and wanted and (role["mentionable"] or can_mention_everyone):
                mentioned_roles.append(role_id)
        users = {user["id"]: user for user in (self.bot_user, self.member_user, self.owner_user)}
        mentioned_users = [
            dict(users[user_id])
            for user_id in dict.fromkeys(USER_MENTION.findall(content))
            if user_id in users and ("users" in parse or user_id in listed["users"])
        ]
        message["mention_roles"] = mentioned_roles
        message["mentions"] = mentioned_users
        message["mention_everyone"] = bool(
            "everyone" in parse and can_mention_everyone and EVERYONE_MENTION.search(content)
        )

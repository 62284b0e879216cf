"""Interactions sent to the bot as Discord would: slash commands, autocomplete, message commands."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict, Unpack

from .gateway import Gateway
from .limits import (
    ATTACHMENT_SIZE_LIMIT,
    CHANNEL_DM,
    COMMAND_CHAT_INPUT,
    COMMAND_MESSAGE,
    DEFAULT_PERMISSIONS,
    DEFAULT_WAIT_SECONDS,
    INTERACTION_APPLICATION_COMMAND,
    INTERACTION_AUTOCOMPLETE,
    OPTION_BOOLEAN,
    OPTION_CHANNEL,
    OPTION_INTEGER,
    OPTION_NUMBER,
    OPTION_STRING,
    OPTION_SUB_COMMAND,
    OPTION_SUB_COMMAND_GROUP,
)
from .records import FakeInteraction


class InteractionContext(TypedDict, total=False):
    """Where and by whom an interaction is sent; every key is optional.

    ``channel_id`` (the fake's channel by default), ``user`` (the member user), ``permissions`` (the
    member's, DEFAULT_PERMISSIONS), ``dm`` (a direct message instead of a guild channel), ``locale``
    ("en-US"), ``timeout`` (for a ready gateway session, DEFAULT_WAIT_SECONDS).
    """

    channel_id: int | None
    user: Mapping[str, Any] | None
    permissions: int
    dm: bool
    locale: str
    timeout: float


def infer_option_type(value: object) -> int:
    if isinstance(value, bool):
        return OPTION_BOOLEAN
    if isinstance(value, int):
        return OPTION_INTEGER
    if isinstance(value, float):
        return OPTION_NUMBER
    if isinstance(value, str):
        return OPTION_STRING
    raise TypeError(f"cannot infer an option type for {value!r}; pass the option dicts instead")


def find_named(options: Sequence[Mapping[str, Any]], name: str) -> Mapping[str, Any] | None:
    return next((option for option in options if option.get("name") == name), None)


class InteractionSender(Gateway):
    """Builds INTERACTION_CREATE payloads from the synced commands and dispatches them to the bot.

    The acknowledgement deadline and the token lifetime run on the fake's clock from the dispatch.
    """

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
        **context: Unpack[InteractionContext],
    ) -> FakeInteraction:
        """Dispatch an INTERACTION_CREATE with a fresh id and token; the general form of send_*."""
        channel_id = context.get("channel_id")
        user = dict(context.get("user") or self.member_user)
        permissions = context.get("permissions", DEFAULT_PERMISSIONS)
        locale = context.get("locale", "en-US")
        timeout = context.get("timeout", DEFAULT_WAIT_SECONDS)
        interaction_id = self.new_id()
        token = "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48)
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
            "app_permissions": str(DEFAULT_PERMISSIONS),  # the bot's in the channel, set below for a guild
        }
        if context.get("dm", False):
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
            payload["app_permissions"] = str(self.bot_permissions(int(channel["id"])))
            payload["context"] = 0
            payload["authorizing_integration_owners"] = {"0": str(guild_id)}
        if message is not None:
            payload["message"] = dict(message)
        owning_guild = int(payload["guild_id"]) if "guild_id" in payload else None
        sessions = await self._wait_for_sessions(owning_guild, timeout)
        # The deadline runs from when Discord hands the interaction over, so after any wait for the client.
        interaction = FakeInteraction(id=interaction_id, token=token, payload=payload, created_at=self.clock())
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
            known = find_named(definitions, word)
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
                known = find_named(definitions, option_name)
                option_type = known["type"] if known else infer_option_type(value)
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
        **context: Unpack[InteractionContext],
    ) -> FakeInteraction:
        """Dispatch a slash command (interaction type 2, data type 1).

        ``options`` maps option names to values (types from the synced command, else inferred from the
        Python value), or is a list of raw option dicts. ``name`` may hold sub-commands: "feed add".
        ``context`` is where and by whom (InteractionContext).
        """
        data = self._slash_data(name, options, self._command_guild(context), focused=None)
        return await self.send_interaction(INTERACTION_APPLICATION_COMMAND, data, **context)

    async def send_autocomplete(
        self,
        name: str,
        options: Mapping[str, object],
        *,
        focused: str,
        **context: Unpack[InteractionContext],
    ) -> FakeInteraction:
        """Dispatch an autocomplete interaction (type 4), ``focused`` naming the option being typed."""
        data = self._slash_data(name, options, self._command_guild(context), focused=focused)
        return await self.send_interaction(INTERACTION_AUTOCOMPLETE, data, **context)

    async def send_message_command(
        self, name: str, *, target: Mapping[str, Any], **context: Unpack[InteractionContext]
    ) -> FakeInteraction:
        """Dispatch a message context-menu command (data type 3) on ``target`` (see add_message)."""
        data = self._command_data(name, COMMAND_MESSAGE, self._command_guild(context))
        data["target_id"] = target["id"]
        data["resolved"] = {"messages": {target["id"]: dict(target)}}
        return await self.send_interaction(INTERACTION_APPLICATION_COMMAND, data, **context)

    def _command_guild(self, context: InteractionContext) -> int | None:
        """The guild whose commands are looked up first (then the global ones): none in a DM."""
        if context.get("dm", False):
            return None
        return int(self.channels[context.get("channel_id") or self.channel_id]["guild_id"])

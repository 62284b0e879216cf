"""Interactions sent to the bot as Discord would: slash commands, autocomplete, message commands."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict, Unpack

from .command_rules import is_offered
from .gateway import Gateway
from .limits import (
    ATTACHMENT_SIZE_LIMIT,
    ATTACHMENTS_PATH,
    CHANNEL_DM,
    CHANNEL_GROUP_DM,
    COMMAND_CHAT_INPUT,
    COMMAND_MESSAGE,
    CONTEXT_BOT_DM,
    CONTEXT_GUILD,
    CONTEXT_PRIVATE_CHANNEL,
    DEFAULT_PERMISSIONS,
    DEFAULT_WAIT_SECONDS,
    INSTALL_GUILD,
    INSTALL_USER,
    INTERACTION_APPLICATION_COMMAND,
    INTERACTION_AUTOCOMPLETE,
    OPTION_ATTACHMENT,
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
    member's, DEFAULT_PERMISSIONS), ``dm`` (the bot's DM, context 1, instead of a guild channel),
    ``private_channel`` (a group DM, context 2, reached through a user install), ``foreign_guild`` (a
    server the bot is not in, ``fake.foreign_guild_id``, reached through a user install),
    ``user_install`` (the user installed the app: authorizing_integration_owners has "1", and in a DM
    not "0"), ``locale`` ("en-US", the user's), ``guild_locale`` (the server's preferred locale: the
    guild's own, "en-US" unless set_preferred_locale changed it),
    ``timeout`` (for a ready gateway session, DEFAULT_WAIT_SECONDS).
    """

    channel_id: int | None
    user: Mapping[str, Any] | None
    permissions: int
    dm: bool
    private_channel: bool
    foreign_guild: bool
    user_install: bool
    locale: str
    guild_locale: str
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
        self._place(payload, user, context)
        self._refuse_unoffered(payload, permissions)
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

    def _place(self, payload: dict[str, Any], user: dict[str, Any], context: InteractionContext) -> None:
        """Where the interaction happens and who installed the app there (``context``,
        ``authorizing_integration_owners``: "0" the guild install, "1" the user install), as Discord sends it."""
        channel_id = context.get("channel_id")
        user_install = context.get("user_install", False)
        owners: dict[str, str] = {str(INSTALL_USER): user["id"]} if user_install else {}
        if context.get("dm", False) or context.get("private_channel", False):
            private = context.get("private_channel", False)
            dm_channel_id = str(channel_id or self.new_id())
            payload["channel_id"] = dm_channel_id
            if private:  # a group DM: only a user install reaches it, the bot is never a member
                friend = self.new_user(username="friend")
                payload["channel"] = {"id": dm_channel_id, "type": CHANNEL_GROUP_DM, "recipients": [user, friend]}
                owners = {str(INSTALL_USER): user["id"]}
            else:
                payload["channel"] = {"id": dm_channel_id, "type": CHANNEL_DM, "recipients": [user]}
                if not user_install:
                    owners[str(INSTALL_GUILD)] = "0"  # a guild install's bot DM: Discord's owner is "0"
            payload["user"] = user
            payload["context"] = CONTEXT_PRIVATE_CHANNEL if private else CONTEXT_BOT_DM
            payload["authorizing_integration_owners"] = owners
            return
        if context.get("foreign_guild", False):  # the bot is not a member: only a user install reaches it
            guild_id = self.foreign_guild_id
            channel = self._text_channel(self.foreign_channel_id, guild_id, "elsewhere")
            app_permissions = DEFAULT_PERMISSIONS
            owners = {str(INSTALL_USER): user["id"]}
        else:
            channel = self.channels[channel_id or self.channel_id]
            guild_id = int(channel["guild_id"])
            app_permissions = self.bot_permissions(int(channel["id"]))
            owners[str(INSTALL_GUILD)] = str(guild_id)
        payload["guild_id"] = str(guild_id)
        known = self.guilds.get(guild_id)  # a foreign guild is not the fake's: en-US unless told
        guild_locale = context.get("guild_locale", known["preferred_locale"] if known else "en-US")
        payload["guild"] = {"id": str(guild_id), "locale": guild_locale, "features": []}
        payload["guild_locale"] = guild_locale
        payload["channel_id"] = channel["id"]
        payload["channel"] = channel
        payload["member"] = self._member(user, permissions=context.get("permissions", DEFAULT_PERMISSIONS))
        payload["app_permissions"] = str(app_permissions)
        payload["context"] = CONTEXT_GUILD
        payload["authorizing_integration_owners"] = owners

    def _refuse_unoffered(self, payload: Mapping[str, Any], permissions: int) -> None:
        """Discord dispatches a command only where its contexts and integration types offer it.

        default_member_permissions is not enforced here: a server may grant a command to anyone in its
        Integrations settings, so the bot must check permissions itself (see ``offered_commands``).
        """
        if payload["type"] not in (INTERACTION_APPLICATION_COMMAND, INTERACTION_AUTOCOMPLETE):
            return
        command = self._synced_command(str(payload["data"].get("id")))
        installs = [int(key) for key in payload["authorizing_integration_owners"]]
        if command is not None and not is_offered(
            command, context=payload["context"], installs=installs, permissions=None
        ):
            raise ValueError(
                f"Discord would not offer {command['name']!r} in context {payload['context']} with installs "
                f"{installs}: its contexts are {command.get('contexts')}, its integration types "
                f"{command.get('integration_types')}"
            )

    def _synced_command(self, command_id: str) -> dict[str, Any] | None:
        return next(
            (command for scope in self.commands.values() for command in scope if command["id"] == command_id), None
        )

    def offered_commands(self, **context: Unpack[InteractionContext]) -> list[str]:
        """The names of the commands Discord's client offers a user in a place (``context`` as for the
        send_* methods: ``permissions``, ``dm``, ``private_channel``, ``foreign_guild``, ``user_install``),
        judged by each synced command's contexts, integration types and default_member_permissions."""
        payload: dict[str, Any] = {}
        self._place(payload, dict(context.get("user") or self.member_user), context)
        guild_id = int(payload["guild_id"]) if "guild_id" in payload else None
        in_server = payload["context"] == CONTEXT_GUILD
        scopes: list[int | None] = [None] if guild_id is None or guild_id not in self.guilds else [None, guild_id]
        return sorted(
            command["name"]
            for scope in scopes
            for command in self.commands.get(scope, [])
            if is_offered(
                command,
                context=payload["context"],
                installs=[int(key) for key in payload["authorizing_integration_owners"]],
                permissions=context.get("permissions", DEFAULT_PERMISSIONS) if in_server else None,
            )
        )

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
            data.setdefault("resolved", {})["channels"] = channels
        attachments = {
            str(leaf["value"]): self.uploads[str(leaf["value"])]
            for leaf in leaves
            if leaf["type"] == OPTION_ATTACHMENT and str(leaf.get("value", "")) in self.uploads
        }
        if attachments:  # and the attached files' objects, with the CDN address to read them from
            data.setdefault("resolved", {})["attachments"] = attachments
        return data

    def upload_attachment(
        self, filename: str, data: bytes, *, content_type: str = "application/octet-stream"
    ) -> dict[str, Any]:
        """A file a user attaches to a command option, kept where Discord's CDN would serve it; pass
        the returned object's "id" as the option's value."""
        attachment_id = self.new_id()
        self.attachments[attachment_id] = data
        url = f"{self.base_url}{ATTACHMENTS_PATH}/{self.channel_id}/{attachment_id}/{filename}"
        attachment: dict[str, Any] = {
            "id": str(attachment_id),
            "filename": filename,
            "size": len(data),
            "url": url,
            "proxy_url": url,
            "content_type": content_type,
        }
        self.uploads[str(attachment_id)] = attachment
        return attachment

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
        """The guild whose commands are looked up first (then the global ones): none in a DM, a group DM
        or a server the bot is not in."""
        if context.get("dm", False) or context.get("private_channel", False) or context.get("foreign_guild", False):
            return None
        return int(self.channels[context.get("channel_id") or self.channel_id]["guild_id"])

"""Application commands over REST: the bulk overwrite a sync sends, and the lists it reads back."""

from __future__ import annotations

from .limits import COMMAND_CHAT_INPUT, MISSING_ACCESS, UNKNOWN_GUILD
from .records import Incoming
from .state import FakeState
from .wire import SNOWFLAKE, Reply, Route, error_reply, field_error, invalid_form_body, route


class CommandRoutes(FakeState):
    """``/applications/{id}/commands`` and ``/applications/{id}/guilds/{id}/commands``."""

    def _command_routes(self) -> list[Route]:
        handlers = {"GET": self._get_commands, "PUT": self._put_commands}
        return [
            route(rf"/applications/(?P<app>{SNOWFLAKE}){scope}/commands", handlers)
            for scope in ("", rf"/guilds/(?P<guild>{SNOWFLAKE})")
        ]

    def _wrong_application(self, app: str) -> Reply | None:
        if int(app) != self.application_id:
            return error_reply(403, MISSING_ACCESS, "Missing Access")
        return None

    async def _get_commands(self, incoming: Incoming, app: str, guild: str | None = None) -> Reply:
        if refused := self._wrong_application(app):
            return refused
        return Reply(200, self.commands.get(int(guild) if guild else None, []))

    async def _put_commands(self, incoming: Incoming, app: str, guild: str | None = None) -> Reply:
        """Bulk overwrite: ids stay stable for a command of the same name and type, as on Discord."""
        if refused := self._wrong_application(app):
            return refused
        if not isinstance(incoming.json, list):
            return invalid_form_body(field_error("LIST_TYPE_CONVERT", "Must be an array."))
        guild_id = int(guild) if guild else None
        if guild_id is not None and guild_id not in self.guilds:
            return error_reply(404, UNKNOWN_GUILD, "Unknown Guild")
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
        return Reply(200, registered)

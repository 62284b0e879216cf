"""Guilds joining, leaving and changing: more guilds than the fake's one, and GUILD_DELETE and GUILD_UPDATE
as Discord sends them; a channel's permissions changed (CHANNEL_UPDATE) or the channel deleted (CHANNEL_DELETE)."""

# Test helpers take `timeout=` like asyncio.wait_for does.
# ruff: noqa: ASYNC109

from __future__ import annotations

from typing import Any

from .gateway import Gateway
from .limits import DEFAULT_WAIT_SECONDS
from .state import OVERWRITE_MEMBER


class GuildEvents(Gateway):
    """Add guilds before the client connects; remove the bot from one, take one down, or change its
    settings while it runs."""

    def add_guild(self, name: str, *, shard: tuple[int, int] | None = None) -> int:
        """Add a guild with one text channel, ``#news``, and return its id (on the shard (id, count)
        when given, see FakeState.add_guild).

        Add guilds before the client connects: READY lists them and a GUILD_CREATE follows for each.
        ``channel_ids_of(guild_id)`` finds its channel.
        """
        guild_id = super().add_guild(name, shard=shard)
        self.add_channel("news", guild_id=guild_id)
        return guild_id

    def channel_ids_of(self, guild_id: int) -> list[int]:
        """The ids of a guild's channels, oldest first."""
        return [channel_id for channel_id, channel in self.channels.items() if channel["guild_id"] == str(guild_id)]

    async def remove_guild(self, guild_id: int, *, timeout: float = DEFAULT_WAIT_SECONDS) -> None:
        """The bot is kicked from the guild: it is gone from the fake, and the session on its shard gets
        GUILD_DELETE ``{"id": ...}``, without ``unavailable`` (Discord leaves it unset for a removal)."""
        await self._send_guild_delete(guild_id, {"id": str(guild_id)}, timeout)
        del self.guilds[guild_id]
        for channel_id in self.channel_ids_of(guild_id):
            del self.channels[channel_id]

    async def make_guild_unavailable(self, guild_id: int, *, timeout: float = DEFAULT_WAIT_SECONDS) -> None:
        """An outage: GUILD_DELETE ``{"id": ..., "unavailable": true}``; the bot is still in the guild."""
        await self._send_guild_delete(guild_id, {"id": str(guild_id), "unavailable": True}, timeout)

    async def set_preferred_locale(self, guild_id: int, locale: str, *, timeout: float = DEFAULT_WAIT_SECONDS) -> None:
        """The server's preferred locale (Server Settings > Community) becomes ``locale``, a Discord locale
        code. A client connected on the guild's shard gets GUILD_UPDATE, whose payload is the whole guild
        object as it is now (https://discord.com/developers/docs/topics/gateway-events#guild-update);
        before any client connects only the guild changes, and READY's GUILD_CREATE carries it."""
        guild = self.guilds[guild_id]
        guild["preferred_locale"] = locale
        if self._sessions:
            await self._send_guild_event("GUILD_UPDATE", guild_id, dict(guild), timeout)

    async def change_bot_permissions(
        self, channel_id: int, *, denied: int = 0, allowed: int = 0, timeout: float = DEFAULT_WAIT_SECONDS
    ) -> None:
        """The bot's member overwrite in the channel becomes ``denied``/``allowed`` (an admin edits the
        channel's permissions): REST follows it at once, and a connected client gets CHANNEL_UPDATE with
        the whole channel, as Discord sends it."""
        channel = self.channels[channel_id]
        others = [o for o in channel["permission_overwrites"] if o["id"] != self.bot_user["id"]]
        if denied or allowed:
            others.append(
                {"id": self.bot_user["id"], "type": OVERWRITE_MEMBER, "allow": str(allowed), "deny": str(denied)}
            )
        channel["permission_overwrites"] = others
        if self._sessions:
            await self._send_guild_event("CHANNEL_UPDATE", int(channel["guild_id"]), dict(channel), timeout)

    async def delete_channel(self, channel_id: int, *, timeout: float = DEFAULT_WAIT_SECONDS) -> None:
        """An admin deletes the channel: REST answers 404 Unknown Channel for it from now on, and a
        connected client gets CHANNEL_DELETE."""
        channel = self.channels.pop(channel_id)
        if self._sessions:
            await self._send_guild_event("CHANNEL_DELETE", int(channel["guild_id"]), dict(channel), timeout)

    async def _send_guild_delete(self, guild_id: int, data: dict[str, Any], timeout: float) -> None:
        await self._send_guild_event("GUILD_DELETE", guild_id, data, timeout)

    async def _send_guild_event(self, event: str, guild_id: int, data: dict[str, Any], timeout: float) -> None:
        # GUILD_DELETE and GUILD_UPDATE name their guild by "id", not "guild_id": route them to its shard here.
        for session in await self._wait_for_sessions(guild_id, timeout):
            await self._send_dispatch(session, event, data)

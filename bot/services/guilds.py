"""The servers the bot is in: a server that removes the bot is forgotten (its follows and digests),
and at start the servers it left while it was offline are forgotten the same way. A server's digests
post in its preferred locale as it is now: when it changes, and at start for changes made while the bot
was offline (and for digests set up before the locale was stored).

A guild is forgotten only on evidence this process has: a removal it was told of, or a guild list from
its own shards, complete and available, that lacks a guild the store knows. A guild on a shard another
process runs is that process's to judge.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from bot.store import ForgottenGuild, Store

LOGGER = logging.getLogger(__name__)


def on_shards(guild_id: int, *, shard_count: int | None, shard_ids: Collection[int] | None) -> bool:
    """Whether a process running `shard_ids` of `shard_count` shards is told of the guild.

    Discord puts a guild on shard (guild_id >> 22) % shard_count. None for either means the process runs
    every shard (an unsharded client, or an AutoShardedBot launching them all).
    """
    if shard_count is None or shard_ids is None:
        return True
    return (guild_id >> 22) % shard_count in shard_ids


@dataclass(frozen=True, slots=True)
class GuildsInView:
    """The guilds this process's gateway connections report, once they are all ready."""

    guild_ids: frozenset[int]
    """Every guild the bot is in on these shards, available or not."""
    unavailable: frozenset[int] = frozenset()
    """Those Discord has not sent (an outage, or GUILD_CREATE still to come)."""
    shard_count: int | None = None
    shard_ids: frozenset[int] | None = None

    def covers(self, guild_id: int) -> bool:
        """Whether the guild would be in this view if the bot were in it."""
        return on_shards(guild_id, shard_count=self.shard_count, shard_ids=self.shard_ids)


@dataclass(frozen=True, slots=True)
class DepartedGuilds:
    """What a catch-up on guilds left while offline did."""

    forgotten: tuple[ForgottenGuild, ...] = ()
    held_back: str | None = None
    """Why nothing was forgotten although the store knows guilds the view lacks; None when nothing was
    held back."""


class GuildService:
    """Forget the guilds the bot has left; keep digests in their guild's language."""

    def __init__(self, *, store: Store) -> None:
        """Args:
        store: the guilds' follows and digests (a digest's schedule is its row: nothing else to drop).
        """
        self.store = store

    async def forget(self, guild_id: int) -> ForgottenGuild:
        """Forget a guild the bot is no longer in: its follows and its digests.

        Another guild following the same feeds keeps them; a feed no guild follows is no longer fetched.
        """
        return await self.store.forget_guild(guild_id)

    async def adopt_locales(self, locales: Mapping[int, str]) -> int:
        """Make each guild's digests post in its preferred locale (guild id -> Discord locale code) from
        their next post on; returns how many digests changed language."""
        changed = await self.store.adopt_guild_locales(locales)
        if changed:
            LOGGER.info("%d digests now post in their server's preferred locale", changed)
        return changed

    async def forget_departed(self, view: Callable[[], GuildsInView]) -> DepartedGuilds:
        """Forget every guild the store knows, on this process's shards, that the bot is no longer in.

        Args:
            view: the guilds as the client sees them now; called after the store is read, so a guild
                the bot joins meanwhile counts as one it is in.

        Nothing is forgotten while a guild in view is unavailable, or when the view is empty although
        the store knows guilds on these shards: both look like an outage, not like being removed.
        """
        known = await self.store.known_guild_ids()
        seen = view()
        ours = {guild_id for guild_id in known if seen.covers(guild_id)}
        departed = sorted(ours - seen.guild_ids)
        if not departed:
            return DepartedGuilds()
        if seen.unavailable:
            return self._held_back(f"some guilds are unavailable ({len(seen.unavailable)})", departed)
        if not seen.guild_ids:
            return self._held_back("the client sees no guild at all", departed)
        LOGGER.info("Forgetting %d guilds the bot left while it was offline", len(departed))
        return DepartedGuilds(forgotten=tuple([await self.forget(guild_id) for guild_id in departed]))

    @staticmethod
    def _held_back(reason: str, departed: list[int]) -> DepartedGuilds:
        LOGGER.warning(
            "Not forgetting %d guilds missing from the guild list, because %s: it may be an outage. "
            "They are checked again at the next READY.",
            len(departed),
            reason,
        )
        return DepartedGuilds(held_back=reason)

"""What /about tells: the version, and the bot at a glance across servers, from one store query."""

from __future__ import annotations

from dataclasses import dataclass

from bot import __version__
from bot.digests import Clock, utc_now
from bot.store import Overview, Store


@dataclass(frozen=True, slots=True)
class About:
    version: str
    servers: int
    """Servers the bot is in, as its gateway connection knows them."""
    overview: Overview


class AboutService:
    """The figures of /about; cheap: one statement, whatever the number of servers and feeds."""

    def __init__(self, *, store: Store, clock: Clock = utc_now) -> None:
        """Args:
        store: counts the feeds and today's digests.
        clock: the current time (what "today" is).
        """
        self.store = store
        self.clock = clock

    async def about(self, *, servers: int) -> About:
        """The version and figures, with `servers` as Discord's side knows it."""
        return About(version=__version__, servers=servers, overview=await self.store.overview(now=self.clock()))

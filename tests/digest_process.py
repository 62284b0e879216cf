"""A bot process for the crash tests: the real DigestScheduler and DigestService on a real database,
posting to the test's stand-in channel over HTTP instead of to Discord.

    python -m tests.digest_process DATABASE_URL CHANNEL_URL [--lease S] [--renewal S] [--sweep S] [--live-every S]
        [--discord-token TOKEN]

It runs until it is killed. Stories are packed two to a message (with the bot's own embeds), so a
five-story digest is three messages and a crash can fall between them. Each request says which
process sent it (X-Process-Id), so a test can kill the one that holds a delivery. With --live-every, it
also refreshes the feeds and runs the live cycle that often (live claims lasting --lease).

With --discord-token, CHANNEL_URL is a fake Discord's address (newsbrief_testkit/fake_discord) and the
process posts through the bot's own DiscordPoster, the real discord.py client logged in over REST:
for what only Discord's routes show (forum posts, which take no nonce).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import discord

from bot.digests import ChannelUnavailable, DigestService, FeedRefresher, PostedMessage, TransientPostError
from bot.embeds import DigestMessage, held_stories_message, live_story_message, pack_digest
from bot.live import HeldStory
from bot.live_delivery import LiveDelivery
from bot.news.digest import Digest, DigestStory
from bot.news.fetch import Fetcher
from bot.news.pipeline import Pipeline
from bot.poster import DiscordPoster, embed_links
from bot.scheduler import RETRY_SWEEP_INTERVAL, DigestScheduler
from bot.store import CLAIM_LEASE, LEASE_RENEWAL, open_store
from newsbrief_testkit.fake_discord.client import point_discord_at_address

STORIES_PER_MESSAGE = 2
SERVER_ERROR = 500
NOT_FOUND = 404


class ChannelPoster:
    """The Poster against the stand-in channel: Discord's message JSON, without discord.py's client."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")

    def pack(self, digest: Digest, *, locale: str | None = None, **_target: object) -> Sequence[DigestMessage]:
        if not digest.stories:
            return pack_digest(digest)
        messages = []
        for start in range(0, len(digest.stories), STORIES_PER_MESSAGE):
            (message,) = pack_digest(replace(digest, stories=digest.stories[start : start + STORIES_PER_MESSAGE]))
            messages.append(replace(message, content=message.content if start == 0 else None))
        return messages

    async def post(self, channel_id: int, message: DigestMessage, *, key: str, **_target: object) -> int:
        body = {"content": message.content, "embeds": [embed.to_dict() for embed in message.embeds], "nonce": key}
        answer = await self._request("POST", f"/channels/{channel_id}/messages", json=body)
        return int(answer["id"])

    async def own_messages(self, channel_id: int, *, after: int | datetime, **_target: object) -> list[PostedMessage]:
        start = after if isinstance(after, int) else discord.utils.time_snowflake(after)
        answer = await self._request("GET", f"/channels/{channel_id}/messages", params={"after": str(start)})
        return [
            PostedMessage(
                id=int(message["id"]),
                links=embed_links(discord.Embed.from_dict(embed) for embed in message["embeds"]),
            )
            for message in answer
        ]

    async def tell_paused(self, guild_id: int, target: object, reason: str, *, locale: str | None) -> bool:
        return False  # the stand-in channel never goes away

    def pack_live(self, story: DigestStory, *, locale: str | None = None, **_target: object) -> DigestMessage:
        return live_story_message(story)

    def pack_held(self, stories: Sequence[HeldStory], *, locale: str | None = None, **_target: object) -> DigestMessage:
        return held_stories_message(stories)

    async def edit(self, channel_id: int, message_id: int, message: DigestMessage, **_target: object) -> bool:
        body = {"embeds": [embed.to_dict() for embed in message.embeds]}
        await self._request("PATCH", f"/channels/{channel_id}/messages/{message_id}", json=body)
        return True

    async def _request(
        self, method: str, path: str, *, json: object = None, params: dict[str, str] | None = None
    ) -> Any:
        try:
            async with self.session.request(
                method, self.base_url + path, json=json, params=params, headers={"X-Process-Id": str(os.getpid())}
            ) as response:
                if response.status == NOT_FOUND:
                    raise ChannelUnavailable("The channel was deleted")
                if response.status >= SERVER_ERROR:
                    raise TransientPostError(f"the channel answered {response.status}")
                response.raise_for_status()
                return await response.json()
        except aiohttp.ClientConnectionError as error:
            raise TransientPostError(f"the channel could not be reached: {error}") from error


async def discord_poster(token: str) -> DiscordPoster:
    """The bot's poster, its client logged in to the fake Discord (REST only, as the
    poster needs: it posts before the gateway is ready). The process points discord.py there for its
    whole run: routes are built from it request by request."""
    client = discord.Client(intents=discord.Intents.none())
    await client.login(token)
    return DiscordPoster(client)


async def run(
    database_url: str,
    channel_url: str,
    *,
    lease: float,
    renewal: float,
    sweep: float,
    live_every: float | None,
    discord_token: str | None,
) -> None:
    store = await open_store(database_url)
    async with Fetcher(allow_private=True) as fetcher, aiohttp.ClientSession() as session:
        refresher = FeedRefresher(store=store, fetcher=fetcher) if live_every is not None else None
        service = DigestService(
            store=store,
            pipeline=Pipeline(fetcher=fetcher),
            refresher=refresher,
            lease=timedelta(seconds=lease),
            lease_renewal=timedelta(seconds=renewal),
        )
        poster: ChannelPoster | DiscordPoster = ChannelPoster(session, channel_url)
        if discord_token is not None:
            poster = await discord_poster(discord_token)
        scheduler = DigestScheduler(
            store=store,
            service=service,
            poster=poster,
            refresher=refresher,
            refresh_interval=timedelta(seconds=live_every or RETRY_SWEEP_INTERVAL.total_seconds()),
            sweep_interval=timedelta(seconds=sweep),
            live=LiveDelivery(service, lease=timedelta(seconds=lease)),
        )
        await scheduler.start()
        await asyncio.Event().wait()  # until killed


def main(argv: Sequence[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("database_url")
    parser.add_argument("channel_url")
    parser.add_argument("--lease", type=float, default=CLAIM_LEASE.total_seconds())
    parser.add_argument("--renewal", type=float, default=LEASE_RENEWAL.total_seconds())
    parser.add_argument("--sweep", type=float, default=RETRY_SWEEP_INTERVAL.total_seconds())
    parser.add_argument(
        "--live-every", type=float, default=None, help="refresh the feeds and run the live cycle every S seconds"
    )
    parser.add_argument(
        "--discord-token", default=None, help="CHANNEL_URL is a fake Discord: post through DiscordPoster"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format=f"[{os.getpid()}] %(asctime)s %(name)s %(message)s")
    pointed = point_discord_at_address(args.channel_url) if args.discord_token else contextlib.nullcontext()
    with pointed:
        asyncio.run(
            run(
                args.database_url,
                args.channel_url,
                lease=args.lease,
                renewal=args.renewal,
                sweep=args.sweep,
                live_every=args.live_every,
                discord_token=args.discord_token,
            )
        )


if __name__ == "__main__":
    main(sys.argv[1:])

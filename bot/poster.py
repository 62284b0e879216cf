"""Digests into a Discord channel: the Poster the digest service and scheduler post through."""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

import aiohttp
import discord

from bot.digests import ChannelUnavailable, PostedMessage, TransientPostError
from bot.embeds import DigestMessage, pack_digest
from bot.i18n import messages_for
from bot.news.digest import Digest
from bot.store import PauseReason

LOGGER = logging.getLogger(__name__)

SERVER_ERROR = 500

OWN_MESSAGES_READ_LIMIT = 200
"""Messages read back after an interrupted delivery's last recorded one: a digest is a few messages
(ten stories to a message), and people may talk in between; two requests of Discord's 100."""

_MARKDOWN_LINK = re.compile(r"\]\((https?://[^)\s]+)\)")
"""A Markdown link's target, as `embeds.coverage_field` writes each outlet's link."""


@contextlib.contextmanager
def _discord_errors() -> Iterator[None]:
    """Discord's answers as the digest service takes them: gone for good, or worth another try."""
    try:
        yield
    except discord.NotFound as error:
        raise ChannelUnavailable(PauseReason.CHANNEL_DELETED) from error
    except discord.Forbidden as error:
        raise ChannelUnavailable(PauseReason.CHANNEL_FORBIDDEN) from error
    except discord.HTTPException as error:
        if error.status >= SERVER_ERROR:
            raise TransientPostError(f"Discord answered {error.status}") from error
        raise
    except (aiohttp.ClientError, TimeoutError) as error:
        raise TransientPostError(f"Discord could not be reached: {error}") from error


def embed_links(embeds: Iterable[discord.Embed]) -> frozenset[str]:
    """Every link a digest message's embeds show: each story's title link and its outlets' links."""
    links: set[str] = set()
    for embed in embeds:
        if embed.url:
            links.add(embed.url)
        for field in embed.fields:
            links.update(_MARKDOWN_LINK.findall(field.value or ""))
    return frozenset(links)


class DiscordPoster:
    """Posts over REST only, so it works before the gateway is ready (missed digests go out at start)."""

    def __init__(self, client: discord.Client) -> None:
        self.client = client

    def pack(self, digest: Digest, *, locale: str | None = None) -> Sequence[DigestMessage]:
        return pack_digest(digest, messages_for(locale))

    async def post(self, channel_id: int, message: DigestMessage, *, key: str) -> int:
        """Send one message; returns its id. `key` goes as the message's nonce, which discord.py
        sends with enforce_nonce: Discord then answers a repeat within minutes with the first message.

        Raises:
            ChannelUnavailable: the channel is gone or the bot may not post there (pause the digest).
            TransientPostError: Discord failed for now (retry later).
        """
        channel = self.client.get_partial_messageable(channel_id)
        with _discord_errors():
            sent = await channel.send(
                content=message.content, embeds=list(message.embeds), view=message.view(), nonce=key
            )
        return sent.id

    async def own_messages(self, channel_id: int, *, after: int | datetime) -> Sequence[PostedMessage]:
        """The bot's messages in the channel after the message id or moment `after`, oldest first
        (GET /channels/{id}/messages?after=...), with the links each shows.

        Without Read Message History in the channel (invites before it was asked for) it finds
        nothing, and logs so: the delivery goes on, and only the nonce then stands between a
        message and its repeat (Discord keeps nonces a few minutes).

        Raises:
            ChannelUnavailable: the channel is gone.
            TransientPostError: Discord failed for now (retry later).
        """
        if self.client.user is None:
            raise TransientPostError("not logged in to Discord yet")
        bot_id = self.client.user.id
        channel = self.client.get_partial_messageable(channel_id)
        start = discord.Object(id=after) if isinstance(after, int) else after
        found: list[PostedMessage] = []
        try:
            with _discord_errors():
                async for message in channel.history(limit=OWN_MESSAGES_READ_LIMIT, after=start, oldest_first=True):
                    if message.author.id == bot_id:
                        found.append(PostedMessage(id=message.id, links=embed_links(message.embeds)))
        except ChannelUnavailable as unavailable:
            if not isinstance(unavailable.__cause__, discord.Forbidden):
                raise
            LOGGER.warning(
                "Cannot read the history of channel %s (grant newsbrief Read Message History): "
                "an interrupted digest there cannot check what it already posted",
                channel_id,
            )
            return []
        return found

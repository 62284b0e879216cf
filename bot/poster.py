"""Digests into a Discord channel: the Poster the digest service and scheduler post through."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import aiohttp
import discord

from bot.digests import ChannelUnavailable, TransientPostError
from bot.embeds import DigestMessage, pack_digest
from bot.i18n import messages_for
from bot.news.digest import Digest

LOGGER = logging.getLogger(__name__)

SERVER_ERROR = 500


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
        try:
            sent = await channel.send(content=message.content, embeds=list(message.embeds), nonce=key)
        except discord.NotFound as error:
            raise ChannelUnavailable("The channel was deleted") from error
        except discord.Forbidden as error:
            raise ChannelUnavailable("newsbrief lost permission to post or embed links in the channel") from error
        except discord.HTTPException as error:
            if error.status >= SERVER_ERROR:
                raise TransientPostError(f"Discord answered {error.status}") from error
            raise
        except (aiohttp.ClientError, TimeoutError) as error:
            raise TransientPostError(f"Discord could not be reached: {error}") from error
        return sent.id

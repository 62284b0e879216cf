"""Files users attach to commands, read with a size cap.

discord.py's `Attachment.read()` reads the whole file whatever its size. Discord reports an
attachment's size, but that is the client's word; the file is read here in chunks through aiohttp
and the read stops as soon as it passes the cap. The file lives on Discord's CDN, not on a site a
user chose, so it is read outside the news fetcher and its address guard.
"""

from __future__ import annotations

import aiohttp

from bot.news.errors import N_, InputError

READ_TIMEOUT_SECONDS = 30.0
"""Discord's CDN serves a file of a few megabytes in well under a second; this is for a bad day."""

CHUNK_BYTES = 64 * 1024


def _too_large(name: str, max_bytes: int) -> InputError:
    return InputError(
        N_("{name} is larger than {size} kB, the most this command reads."), name=name, size=f"{max_bytes // 1000:,}"
    )


async def read_attachment(url: str, *, name: str, max_bytes: int) -> bytes:
    """The bytes of an attached file, at most `max_bytes` of them.

    Args:
        url: the attachment's CDN address, as Discord gives it.
        name: the file's name, for messages.
        max_bytes: the largest file read.

    Raises:
        InputError: the file is larger than `max_bytes`, or could not be read.
    """
    timeout = aiohttp.ClientTimeout(total=READ_TIMEOUT_SECONDS)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url) as response:
            if response.status != 200:
                raise InputError(
                    N_("{name} could not be read from Discord (HTTP {status}); attach it again."),
                    name=name,
                    status=response.status,
                )
            if (response.content_length or 0) > max_bytes:
                raise _too_large(name, max_bytes)
            body = bytearray()
            async for chunk in response.content.iter_chunked(CHUNK_BYTES):
                body += chunk
                if len(body) > max_bytes:
                    raise _too_large(name, max_bytes)
            return bytes(body)
    except (aiohttp.ClientError, TimeoutError):
        raise InputError(N_("{name} could not be read from Discord; attach it again."), name=name) from None

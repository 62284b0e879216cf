"""Attached files are read with a cap, whatever size Discord said they were."""

from __future__ import annotations

import pytest

from bot.attachments import read_attachment
from bot.news.errors import InputError
from newsbrief_testkit.local_site import LocalSite


async def test_a_file_within_the_cap_is_read_whole(local_site: LocalSite) -> None:
    url = local_site.add("/a/feeds.opml", b"<opml/>" * 100, content_type="application/octet-stream")
    assert await read_attachment(url, name="feeds.opml", max_bytes=1000) == b"<opml/>" * 100


async def test_a_file_past_the_cap_is_refused(local_site: LocalSite) -> None:
    url = local_site.add("/a/feeds.opml", b"x" * 5000, content_type="application/octet-stream")
    with pytest.raises(InputError, match="larger than 1 kB"):
        await read_attachment(url, name="feeds.opml", max_bytes=1000)


async def test_a_file_gone_from_the_cdn_is_a_clear_error(local_site: LocalSite) -> None:
    with pytest.raises(InputError, match="HTTP 404"):
        await read_attachment(local_site.url("/a/gone.opml"), name="gone.opml", max_bytes=1000)

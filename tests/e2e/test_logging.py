"""No credentials in the logs: the real discord.py client at DEBUG against the fake Discord."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.cli import _configure_logging
from bot.redaction import REDACTED
from bot.settings import Settings
from newsbrief_testkit.fake_discord import FakeDiscord
from newsbrief_testkit.local_site import LocalSite

from .conftest import embed_answer, private_reply, running_news_bot

HARBOUR_PAGE = (Path(__file__).parent / "pages" / "harbour.html").read_text()


@pytest.fixture
def debug_log(fake: FakeDiscord, make_settings: Callable[..., Settings]) -> Iterator[tuple[Settings, io.StringIO]]:
    """Settings at DEBUG with the fake's token, and the stream the bot's own logging setup writes to."""
    settings = make_settings(log_level="DEBUG", discord_token=fake.token)
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = _configure_logging(settings, stream)
    try:
        yield settings, stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


async def test_debug_log_holds_no_bot_token_or_interaction_token(
    fake: FakeDiscord, local_site: LocalSite, debug_log: tuple[Settings, io.StringIO]
) -> None:
    settings, stream = debug_log
    url = local_site.add("/news/harbour", HARBOUR_PAGE)
    async with running_news_bot(fake, settings):
        answered = await fake.send_slash_command("summarize", {"url": url})
        await embed_answer(fake, answered)
        refused = await fake.send_slash_command("summarize", {"url": "not a link"})
        await private_reply(fake, refused)
    log = stream.getvalue()

    # The log did record the calls that carry the tokens, with the tokens taken out.
    assert f"/interactions/{answered.id}/{REDACTED}/callback" in log
    assert f"/webhooks/{fake.application_id}/{REDACTED}" in log
    assert [secret for secret in (fake.token, answered.token, refused.token) if secret in log] == []

"""The log filter that keeps tokens out of every log line."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.redaction import REDACTED, RedactSecrets

BOT_TOKEN = "bot-token-from-settings"
SHAPED_TOKEN = "MTA5ODc2NTQzMjEwOTg3NjU0.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789"


@pytest.fixture
def logged() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecrets([BOT_TOKEN]))
    logger = logging.getLogger("tests.redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


def test_interaction_token_in_a_url_is_redacted(logged: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = logged
    logger.debug("%s %s has returned %s", "POST", "https://discord.com/api/v10/interactions/123/aW50ZX/callback", 204)
    assert (
        stream.getvalue() == f"POST https://discord.com/api/v10/interactions/123/{REDACTED}/callback has returned 204\n"
    )


def test_token_field_of_a_gateway_event_is_redacted(logged: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = logged
    logger.debug("WebSocket Event: %s", {"t": "INTERACTION_CREATE", "d": {"id": "1", "token": "aW50ZX"}})
    assert "aW50ZX" not in stream.getvalue()


def test_bot_token_is_redacted_from_a_traceback(logged: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = logged
    try:
        raise RuntimeError(f"login failed with {BOT_TOKEN}")
    except RuntimeError:
        logger.exception("Login failed")
    assert BOT_TOKEN not in stream.getvalue()
    assert f"login failed with {REDACTED}" in stream.getvalue()


def test_anything_shaped_like_a_bot_token_is_redacted(logged: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = logged
    logger.info("Authorization: Bot %s", SHAPED_TOKEN)
    assert stream.getvalue() == f"Authorization: Bot {REDACTED}\n"

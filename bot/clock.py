"""The time services judge things by: the real clock in the bot, a fixed or stepped one in tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
"""Returns the current time, timezone-aware: `utc_now` in the bot, a fixed or stepped time in tests."""


def utc_now() -> datetime:
    return datetime.now(UTC)

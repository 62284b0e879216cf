"""The records' pure helpers, which every query module relies on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.store import Store
from bot.store.records import ERROR_TEXT_LIMIT, clip_error, in_chunks, link_key, utc_now
from tests.store.samples import FEED_URLS, GUILD, MEMBER, NOW


async def test_naive_times_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="naive"):
        await store.add_guild_feed(GUILD, FEED_URLS[0], added_by=MEMBER, now=NOW.replace(tzinfo=None))


def test_times_are_converted_to_utc() -> None:
    paris_morning = datetime(2025, 3, 14, 7, 30, tzinfo=timezone(timedelta(hours=1)))
    assert utc_now(paris_morning).tzinfo is UTC
    assert utc_now(paris_morning) == paris_morning


def test_error_texts_are_clipped_to_the_limit() -> None:
    assert clip_error("x" * (ERROR_TEXT_LIMIT + 5)) == "x" * ERROR_TEXT_LIMIT
    assert clip_error(None) is None


def test_rows_are_split_into_statements_of_at_most_the_size() -> None:
    assert [list(chunk) for chunk in in_chunks(list(range(5)), size=2)] == [[0, 1], [2, 3], [4]]


def test_one_page_has_one_link_key_however_its_link_is_spelled() -> None:
    assert link_key("https://Example.org/a?utm_source=x") == link_key("https://example.org/a")
    assert link_key("  ") is None

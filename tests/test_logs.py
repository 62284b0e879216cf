"""Log lines as JSON objects for collectors, with tokens kept out as in readable lines."""

from __future__ import annotations

import io
import json
import logging
import os
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.cli import _configure_logging
from bot.logs import JsonFormatter, log_formatter
from bot.redaction import REDACTED
from bot.settings import Settings

BOT_TOKEN = "bot-token-from-settings"


def formatted(level: int, message: str, *args: object, exc_info: Any = None, **extra: object) -> dict[str, Any]:
    """A record as JsonFormatter writes it, read back."""
    record = logging.LogRecord("tests.logs", level, __file__, 1, message, args, exc_info)
    record.__dict__.update(extra)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    return dict(json.loads(line))


@pytest.fixture
def cli_json_log() -> Iterator[io.StringIO]:
    """The stream the command line's own logging set-up writes to with LOG_FORMAT=json and a token."""
    settings = Settings(_env_file=None, log_format="json", discord_token=BOT_TOKEN)
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = _configure_logging(settings, stream, level="INFO")
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def records(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_record_is_one_json_object_with_utc_time_level_logger_and_message() -> None:
    record = formatted(logging.WARNING, "Feed %s failed", "https://example.com/feed")

    assert {key: record[key] for key in ("level", "logger", "message")} == {
        "level": "WARNING",
        "logger": "tests.logs",
        "message": "Feed https://example.com/feed failed",
    }
    assert datetime.fromisoformat(record["time"]).utcoffset() == timedelta(0)


def test_an_exception_stays_inside_its_one_line() -> None:
    try:
        raise RuntimeError("the database went away")
    except RuntimeError:
        record = formatted(logging.ERROR, "Refresh failed", exc_info=sys.exc_info())

    assert record["message"] == "Refresh failed"
    assert record["exception"].startswith("Traceback (most recent call last):")
    assert record["exception"].endswith("RuntimeError: the database went away")


def test_shard_and_process_are_written_when_the_record_has_them() -> None:
    about_shard = formatted(logging.INFO, "Shard connected", shard_id=3)
    other = formatted(logging.INFO, "Not about a shard")

    assert (about_shard["shard"], "shard" in other) == (3, False)
    assert about_shard["process"] == other["process"] == os.getpid()


def test_log_format_json_writes_json_lines(cli_json_log: io.StringIO) -> None:
    logging.getLogger("tests.logged_by_the_cli").info("Digest posted")
    assert [record["message"] for record in records(cli_json_log)] == ["Digest posted"]


def test_token_in_a_message_is_redacted_in_json(cli_json_log: io.StringIO) -> None:
    logging.getLogger("tests.logged_by_the_cli").info("Login with %s", BOT_TOKEN)

    assert BOT_TOKEN not in cli_json_log.getvalue()
    assert records(cli_json_log)[0]["message"] == f"Login with {REDACTED}"


def test_token_in_an_exception_is_redacted_in_json(cli_json_log: io.StringIO) -> None:
    try:
        raise RuntimeError(f"login failed with {BOT_TOKEN}")
    except RuntimeError:
        logging.getLogger("tests.logged_by_the_cli").exception("Login failed")

    assert BOT_TOKEN not in cli_json_log.getvalue()
    assert records(cli_json_log)[0]["exception"].endswith(f"RuntimeError: login failed with {REDACTED}")


def _line(formatter: logging.Formatter) -> str:
    return formatter.format(logging.LogRecord("tests.logs", logging.INFO, __file__, 1, "connected", (), None))


def test_a_cluster_members_text_lines_name_it() -> None:
    assert "INFO     [cluster 2] tests.logs: connected" in _line(log_formatter("text", cluster_index=2))


def test_a_cluster_members_json_lines_carry_it() -> None:
    assert json.loads(_line(log_formatter("json", cluster_index=2)))["cluster"] == 2


def test_a_lone_process_names_no_cluster_member() -> None:
    assert "cluster" not in _line(log_formatter("text")) + _line(log_formatter("json"))

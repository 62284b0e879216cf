"""What the command line writes where: results on standard output, errors, logs and the progress line
on standard error, the progress line only on a terminal."""

from __future__ import annotations

import asyncio
import json
import os
import pty
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsbrief_testkit.local_site import LocalSite
from tests.conftest import render_digest_feed
from tests.test_cli import ARTICLE, run_cli
from tests.test_cli_digest import render_feed

ROOT = Path(__file__).parents[1]
SLOW_SECONDS = 1.6
"""Longer than the progress line's one-second delay, with room for it to be drawn."""


def article_page() -> str:
    return (
        "<html><body><article><h1>Storm</h1>"
        + "".join(f"<p>{p}</p>" for p in ARTICLE.split("\n\n")[1:])
        + "</article></body></html>"
    )


def cli_environment() -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    return environment | {"PYTHONPATH": str(ROOT), "FETCH_ALLOW_PRIVATE": "true", "TERM": "xterm"}


async def run_cli_async(*args: str, cwd: Path, stderr_terminal: bool = False) -> tuple[int, str, str]:
    """Run `newsbrief` without blocking the loop that serves the test's pages; standard error is a
    pipe, or a pseudo-terminal when `stderr_terminal`."""
    primary, secondary = pty.openpty() if stderr_terminal else (-1, -1)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=cwd,
        env=cli_environment(),
        stdout=asyncio.subprocess.PIPE,
        stderr=secondary if stderr_terminal else asyncio.subprocess.PIPE,
    )
    if stderr_terminal:
        os.close(secondary)
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    if stderr_terminal:
        stderr = await asyncio.to_thread(read_all, primary)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


def read_all(descriptor: int) -> bytes:
    """Everything written to a pseudo-terminal whose other end is closed."""
    chunks = []
    try:
        while chunk := os.read(descriptor, 65536):
            chunks.append(chunk)
    except OSError:  # EIO: the writer has gone
        pass
    finally:
        os.close(descriptor)
    return b"".join(chunks)


def test_text_mode_prints_briefings_on_stdout_and_failures_on_stderr(tmp_path: Path) -> None:
    (tmp_path / "storm.txt").write_text(ARTICLE)

    result = run_cli("summarize", "storm.txt", "missing.txt", cwd=tmp_path)

    assert result.returncode == 1
    assert result.stdout.startswith("# Storm closes schools across the region\n")
    assert "missing.txt" not in result.stdout
    assert result.stderr.startswith("newsbrief: missing.txt: ")


def test_json_mode_keeps_stdout_to_json_and_tells_failures_on_stderr(tmp_path: Path) -> None:
    (tmp_path / "storm.txt").write_text(ARTICLE)

    result = run_cli("summarize", "--json", "storm.txt", "missing.txt", cwd=tmp_path)

    assert [json.loads(line)["source"] for line in result.stdout.splitlines()] == ["storm.txt", "missing.txt"]
    assert result.stderr.startswith("newsbrief: missing.txt: ")


def test_fetcher_info_logs_stay_off_the_terminal_unless_verbose(tmp_path: Path) -> None:
    # Links on a loopback address the fetcher refuses, which it logs at INFO.
    (tmp_path / "radio.xml").write_bytes(render_feed("radio", site="http://127.0.0.1:9"))

    quiet = run_cli("digest", "radio.xml", cwd=tmp_path)
    verbose = run_cli("digest", "-v", "radio.xml", cwd=tmp_path)

    assert (quiet.returncode, quiet.stderr) == (0, "")
    assert "INFO     bot.news.fetch: Refused to connect to 127.0.0.1" in verbose.stderr
    assert quiet.stdout.splitlines()[0] == verbose.stdout.splitlines()[0]


def test_verbose_logs_are_json_lines_on_stderr_with_log_format_json(tmp_path: Path) -> None:
    # The fetcher logs at INFO that it refuses a loopback address. The failure itself is told by the
    # command's own diagnostic line, which is not a log record and stays text.
    result = run_cli("summarize", "-v", "http://127.0.0.1:9/storm", cwd=tmp_path, LOG_FORMAT="json")

    lines = result.stderr.splitlines()
    assert "newsbrief: http://127.0.0.1:9/storm: 127.0.0.1 is a loopback address" in lines
    logged = [json.loads(line) for line in lines if not line.startswith("newsbrief: ")]
    assert {"level": "INFO", "logger": "bot.news.fetch", "message": "Refused to connect to 127.0.0.1 (loopback)"} in [
        {key: record[key] for key in ("level", "logger", "message")} for record in logged
    ]


def test_help_documents_the_exit_statuses(tmp_path: Path) -> None:
    result = run_cli("summarize", "--help", cwd=tmp_path)
    assert "exit status:" in result.stdout
    assert "130  interrupted" in result.stdout


@pytest.fixture
def slow_page(local_site: LocalSite) -> str:
    return local_site.add("/storm", article_page(), delay=SLOW_SECONDS)


async def test_no_progress_line_when_stderr_is_piped(slow_page: str, tmp_path: Path) -> None:
    status, stdout, stderr = await run_cli_async("summarize", slow_page, cwd=tmp_path)

    assert (status, stderr) == (0, "")
    assert stdout.startswith("# Storm")


async def test_progress_line_on_a_terminal_for_a_slow_url(slow_page: str, tmp_path: Path) -> None:
    status, stdout, stderr = await run_cli_async("summarize", slow_page, cwd=tmp_path, stderr_terminal=True)

    assert status == 0
    assert "\r\x1b[K| Summarizing 0/1 · 1 s" in stderr
    assert stderr.endswith("\r\x1b[K")  # and taken off before the result is printed
    assert stdout.startswith("# Storm")


async def test_progress_line_on_a_terminal_for_a_digest(local_site: LocalSite, tmp_path: Path) -> None:
    feed = render_digest_feed("radio", site="http://127.0.0.1:9", now=datetime.now(UTC).replace(microsecond=0))
    url = local_site.add("/radio.xml", feed, content_type="application/rss+xml", delay=SLOW_SECONDS)

    status, _, stderr = await run_cli_async("digest", url, cwd=tmp_path, stderr_terminal=True)

    assert status == 0
    assert "Reading feeds 0/1" in stderr

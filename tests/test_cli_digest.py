"""`newsbrief digest`: feeds from URLs, sites and files into one printed digest."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.cli import _duration, digest_feeds
from bot.settings import Settings
from newsbrief_testkit.local_site import LocalSite
from tests.conftest import render_digest_feed

ATOM = "application/atom+xml; charset=utf-8"


def render_feed(name: str, *, site: str) -> bytes:
    """A fixture feed dated hours before now, to the second."""
    return render_digest_feed(name, site=site, now=datetime.now(UTC).replace(microsecond=0))


def write_feed(folder: Path, name: str, *, site: str) -> str:
    path = folder / f"{name}.xml"
    path.write_bytes(render_feed(name, site=site))
    return str(path)


@pytest.fixture
def settings() -> Settings:
    return Settings(_env_file=None, fetch_allow_private=True, fetch_timeout_seconds=5)


async def run_digest(sources: list[str], settings: Settings, **options: Any) -> tuple[int, dict[str, Any], str]:
    out, err = io.StringIO(), io.StringIO()
    options.setdefault("since", timedelta(hours=24))
    status = await digest_feeds(sources, as_json=True, out=out, err=err, settings=settings, **options)
    return status, json.loads(out.getvalue()), err.getvalue()


def story_titled(record: dict[str, Any], start: str) -> dict[str, Any]:
    (story,) = [story for story in record["stories"] if story["title"].startswith(start)]
    return story


async def test_digest_prints_json_for_two_feed_files_and_one_served_feed(
    digest_site: LocalSite, settings: Settings, tmp_path: Path
) -> None:
    site = digest_site.url("")
    times = digest_site.add("/times/feed.xml", render_feed("times", site=site), content_type=ATOM)
    files = [write_feed(tmp_path, name, site=site) for name in ("gazette", "radio")]

    status, record, errors = await run_digest([*files, times], settings)

    assert (status, errors, record["failing_feeds"], record["source_count"]) == (0, "", [], 3)
    bridge = story_titled(record, "Harbour bridge closed")
    assert set(bridge["links"]) == {digest_site.url(f"/{outlet}/bridge") for outlet in ("gazette", "radio", "times")}
    assert (len(bridge["outlets"]), bridge["from_feed_summary"]) == (3, False)
    assert bridge["key_quote"]["speaker"] in {"Ellen Marsh", "Tom Reilly"}


async def test_digest_reports_a_dead_feed_and_prints_the_others(
    digest_site: LocalSite, settings: Settings, tmp_path: Path
) -> None:
    gazette = write_feed(tmp_path, "gazette", site=digest_site.url(""))
    dead = digest_site.url("/dead/feed.xml")

    status, record, errors = await run_digest([dead, gazette], settings)

    assert (status, record["failing_feeds"]) == (0, [dead])
    assert dead in errors
    assert [story["title"][:20] for story in record["stories"]] == ["Harbour bridge close", "Council votes to run"]


async def test_digest_exits_1_when_every_feed_failed(local_site: LocalSite, settings: Settings, tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.xml")
    status, record, errors = await run_digest([local_site.url("/dead.xml"), missing], settings)

    assert (status, record["stories"]) == (1, [])
    assert "No such file" in errors


async def test_digest_keeps_at_most_max_stories(digest_site: LocalSite, settings: Settings, tmp_path: Path) -> None:
    files = [write_feed(tmp_path, name, site=digest_site.url("")) for name in ("gazette", "radio", "times")]

    _, record, _ = await run_digest(files, settings, max_stories=2)

    assert len(record["stories"]) == 2


@pytest.mark.parametrize(
    ("text", "age"),
    [("90m", timedelta(minutes=90)), ("24h", timedelta(hours=24)), ("2D", timedelta(days=2))],
)
def test_since_reads_minutes_hours_and_days(text: str, age: timedelta) -> None:
    assert _duration(text) == age


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in {"DISCORD_TOKEN", "FETCH_ALLOW_PRIVATE"}}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=environment | {"PYTHONPATH": str(Path(__file__).parents[1])},
        timeout=120,
    )


def test_digest_command_prints_readable_text_from_feed_summaries(tmp_path: Path) -> None:
    # Links on a loopback address the fetcher refuses by default: every story falls back to its feed summary.
    (tmp_path / "radio.xml").write_bytes(render_feed("radio", site="http://127.0.0.1:9"))

    result = run_cli("digest", "radio.xml", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].endswith(" · 2 stories from 1 source")
    assert lines[0].split(" · ")[0] in {"Morning briefing", "Afternoon briefing", "Evening briefing"}
    assert "   Bay Radio News" in lines
    assert "   (from the feed's summary: the page could not be read)" in lines


def test_digest_command_rejects_an_age_it_cannot_read(tmp_path: Path) -> None:
    result = run_cli("digest", "--since", "yesterday", "feed.xml", cwd=tmp_path)
    assert (result.returncode, "not an age" in result.stderr) == (2, True)

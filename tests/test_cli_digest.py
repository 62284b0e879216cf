"""`newsbrief digest`: feeds from URLs, sites and files into one printed digest."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path
from typing import Any

import pytest

from bot.cli import _duration, digest_feeds
from bot.news.filters import StoryFilter
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


# --- what gets in ------------------------------------------------------------------------------------


async def test_exclude_leaves_out_the_stories_that_mention_it_and_says_so(
    digest_site: LocalSite, settings: Settings, tmp_path: Path
) -> None:
    files = [write_feed(tmp_path, name, site=digest_site.url("")) for name in ("gazette", "radio", "times")]

    _, record, errors = await run_digest(files, settings, story_filter=StoryFilter(exclude=("Bridge",)))

    assert not any("bridge" in story["title"].lower() for story in record["stories"])
    assert "newsbrief: Held back 1 story: 1 with an excluded word\n" in errors
    assert record["held_back"] == {"excluded": 1, "not_included": 0, "too_few_outlets": 0, "outlet_cap": 0}


async def test_include_keeps_only_the_stories_that_mention_it(
    digest_site: LocalSite, settings: Settings, tmp_path: Path
) -> None:
    files = [write_feed(tmp_path, name, site=digest_site.url("")) for name in ("gazette", "radio", "times")]

    _, record, errors = await run_digest(files, settings, story_filter=StoryFilter(include=("library",)))

    assert [story["title"] for story in record["stories"]] == ["Central library reopens a year after flood"]
    assert "newsbrief: Held back 3 stories: 3 without an included word\n" in errors


async def test_min_outlets_keeps_only_the_story_every_outlet_covered(
    digest_site: LocalSite, settings: Settings, tmp_path: Path
) -> None:
    files = [write_feed(tmp_path, name, site=digest_site.url("")) for name in ("gazette", "radio", "times")]

    _, record, errors = await run_digest(files, settings, story_filter=StoryFilter(min_outlets=3))

    assert [len(story["outlets"]) for story in record["stories"]] == [3]
    assert "newsbrief: Held back 3 stories: 3 covered by too few outlets\n" in errors


async def test_max_per_outlet_holds_back_an_outlets_stories_past_the_cap(
    digest_site: LocalSite, settings: Settings, tmp_path: Path
) -> None:
    files = [write_feed(tmp_path, name, site=digest_site.url("")) for name in ("gazette", "radio", "times")]

    # Three days back, the Gazette has two stories of its own.
    rules = StoryFilter(max_per_outlet=1)
    _, record, errors = await run_digest(files, settings, since=timedelta(days=3), story_filter=rules)

    sole = [story["outlets"][0] for story in record["stories"] if len(story["outlets"]) == 1]
    assert sorted(sole) == ["Bay Radio News", "Coast Times", "Harbour Gazette"]
    assert "newsbrief: Held back 1 story: 1 over the per-outlet cap\n" in errors


def write_unlinked_feed(folder: Path, name: str, titles: list[str]) -> str:
    """An RSS file of items without links, dated an hour ago: stories told from the feed alone."""
    published = format_datetime(datetime.now(UTC) - timedelta(hours=1))
    items = "".join(
        f"<item><guid>{name}-{number}</guid><title>{escape(title)}</title><pubDate>{published}</pubDate></item>"
        for number, title in enumerate(titles)
    )
    path = folder / f"{name}.xml"
    path.write_text(f'<rss version="2.0"><channel><title>{name}</title>{items}</channel></rss>', encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("titles", "include", "kept"),
    [
        (["Київ: нічна тривога", "Київстар відновив зв'язок"], "КИЇВ", "Київ: нічна тривога"),
        (["東京都で大雪が降った", "大阪で祭りが開かれた"], "東京", "東京都で大雪が降った"),
        (["Sirens in Kyiv overnight", "Kyivstar restores network"], "kyiv", "Sirens in Kyiv overnight"),
    ],
)
async def test_include_matches_whole_words_in_any_script(
    titles: list[str], include: str, kept: str, settings: Settings, tmp_path: Path
) -> None:
    feed = write_unlinked_feed(tmp_path, "wire", titles)

    _, record, errors = await run_digest([feed], settings, story_filter=StoryFilter(include=(include,)))

    assert [story["title"] for story in record["stories"]] == [kept]
    assert "Held back 1 story: 1 without an included word" in errors


def test_digest_command_takes_the_rules_as_flags_and_tells_what_they_held_back(tmp_path: Path) -> None:
    write_unlinked_feed(tmp_path, "wire", ["Sirens in Kyiv overnight", "Kyiv football derby postponed", "Bakery"])

    result = run_cli(
        "digest", "--include", "kyiv", "--exclude", "football", "--max-per-outlet", "0", "--min-outlets", "1",
        "wire.xml", cwd=tmp_path,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert "Sirens in Kyiv overnight" in result.stdout
    assert "derby" not in result.stdout
    assert "newsbrief: Held back 2 stories: 1 with an excluded word, 1 without an included word" in result.stderr


def test_digest_command_takes_per_outlet_as_the_discord_option_is_named(tmp_path: Path) -> None:
    write_unlinked_feed(tmp_path, "wire", ["Sirens in Kyiv overnight", "Kyiv football derby postponed", "Bakery"])

    result = run_cli("digest", "--per-outlet", "1", "wire.xml", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "newsbrief: Held back 2 stories: 2 over the per-outlet cap" in result.stderr


@pytest.mark.parametrize(
    ("flag", "value"), [("--max-per-outlet", "-1"), ("--per-outlet", "-1"), ("--min-outlets", "0")]
)
def test_digest_command_refuses_an_impossible_rule(flag: str, value: str, tmp_path: Path) -> None:
    result = run_cli("digest", flag, value, "feed.xml", cwd=tmp_path)
    assert (result.returncode, flag in result.stderr) == (2, True)

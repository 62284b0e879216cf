"""Fixtures shared across the suite: the local news site, the newsroom digest tests work in, and the
resources a bot that does not connect runs on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from string import Template

import pytest

from bot.client import BotResources
from bot.launcher import open_resources
from bot.settings import Settings
from bot.store import Store
from newsbrief_testkit.local_site import LocalSite
from tests.newsroom import Newsroom, open_newsroom, open_test_store
from tests.store.conftest import BACKENDS


@pytest.fixture
async def local_site() -> AsyncIterator[LocalSite]:
    """A news site on 127.0.0.1 that serves whatever pages a test adds."""
    site = LocalSite()
    await site.start()
    yield site
    await site.stop()


# --- the digest fixtures: three outlets' feeds and the article pages they link to ----------------

DIGEST_FIXTURES = Path(__file__).parent / "news" / "fixtures" / "digest"
DIGEST_PAGES = {
    "/gazette/bridge": "bridge_gazette.html",
    "/radio/bridge": "bridge_radio.html",
    "/times/bridge": "bridge_times.html",
    "/gazette/night-buses": "night_buses.html",
    "/times/library": "library.html",
}
"""Article pages served; /radio/ferry-fares and /gazette/council-pay are missing (404)."""
DIGEST_FEEDS = ("gazette", "radio", "times")


def render_digest_feed(name: str, *, site: str, now: datetime) -> bytes:
    """A fixture feed with its links on `site` and its items dated hours before `now`."""
    dates: dict[str, str] = {}
    for hours in range(1, 49):
        moment = now - timedelta(hours=hours)
        dates[f"ago_{hours}h"] = format_datetime(moment.astimezone(UTC))
        dates[f"iso_ago_{hours}h"] = moment.astimezone(UTC).isoformat()
    template = Template((DIGEST_FIXTURES / f"{name}.xml").read_text(encoding="utf-8"))
    return template.substitute(site=site, **dates).encode()


@pytest.fixture
def digest_site(local_site: LocalSite) -> LocalSite:
    """The local site serving the digest fixtures' article pages, at the paths their feeds link to."""
    for path, name in DIGEST_PAGES.items():
        local_site.add(path, (DIGEST_FIXTURES / name).read_bytes())
    return local_site


@pytest.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """An empty store at the latest schema, on SQLite and on PostgreSQL."""
    async with open_test_store(str(request.param), tmp_path) as opened:
        yield opened


@pytest.fixture
async def newsroom(store: Store, local_site: LocalSite) -> AsyncIterator[Newsroom]:
    """A store, the real pipeline and a recording poster, over news served by the local site."""
    async with open_newsroom(store, local_site) as room:
        yield room


@pytest.fixture
def offline_settings(tmp_path: Path) -> Settings:
    """Settings for a bot that never connects: threads instead of processes, state under tmp_path."""
    return Settings(
        _env_file=None,
        pipeline_processes=0,
        brief_processes=0,
        data_dir=tmp_path / "data",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'data' / 'newsbrief.db'}",
    )


@pytest.fixture
async def bot_resources(offline_settings: Settings) -> AsyncIterator[BotResources]:
    """What the launcher opens for the bot (an SQLite store, the fetcher, the pipeline), closed after."""
    async with open_resources(offline_settings) as resources:
        yield resources

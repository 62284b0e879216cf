"""Fixtures shared across the suite."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.local_site import LocalSite


@pytest.fixture
async def local_site() -> AsyncIterator[LocalSite]:
    """A news site on 127.0.0.1 that serves whatever pages a test adds."""
    site = LocalSite()
    await site.start()
    yield site
    await site.stop()

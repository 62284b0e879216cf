"""Sample data for the store tests: ids shaped like Discord's, items shaped like real feeds'."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time

NOW = datetime(2025, 3, 14, 6, 30, tzinfo=UTC)

# Snowflakes above 2**60, as current Discord ids are: they need 64-bit columns.
GUILD = 1_203_456_789_012_345_678
OTHER_GUILD = 1_198_765_432_109_876_543
CHANNEL = 1_203_456_789_012_349_001
OTHER_CHANNEL = 1_203_456_789_012_349_002
MEMBER = 1_150_000_000_000_000_042
MESSAGE = 1_349_912_345_678_901_234

MORNING = time(7, 30)

FEED_URLS = (
    "https://www.theguardian.com/world/rss",
    "https://feeds.bbci.co.uk/news/world/rss.xml",
    "https://rss.nytimes.com/services/xml/rss/nyt/World.xml",
)


@dataclass(frozen=True, slots=True)
class Entry:
    """A feed item with the fields the store reads (as bot.news.feeds.FeedItem has them)."""

    key: str
    title: str
    link: str | None
    published: datetime | None
    summary: str = ""
    authors: tuple[str, ...] = ()
    source: str = "Example News"
    language: str | None = "en"
    image: str | None = None


def entry(number: int, *, site: str = "https://www.example-news.org", published: datetime | None = None) -> Entry:
    """A plausible news item; `number` makes its guid, link and title distinct."""
    link = f"{site}/2025/03/14/story-{number}"
    return Entry(
        key=f"guid:{site}/?p={1000 + number}",
        title=f"Council approves budget amendment number {number} after late-night session",
        link=link,
        published=published or NOW.replace(hour=5, minute=number % 60),
        summary=f"Councillors voted 7-4 for amendment {number}, which moves money from road repairs to libraries.",
        authors=("Maria Keller",),
    )

import subprocess
import sys

FIRST_MISS_SECONDS = 1.0
"""Generous: a warm parser reads an unreadable date in 0.03 s; a cold one took 3.6 s building its locales."""

FIRST_MISS = """
import time
import bot.news.warm
from htmldate.extractors import get_external_parser
started = time.perf_counter()
get_external_parser().get_date_data("updated 12 xyzzy 2024 at 14:00")
print(time.perf_counter() - started)
"""


def test_forkserver_preload_builds_the_date_parser_before_the_first_unreadable_date() -> None:
    # A fresh process: in this one, other tests may have built the parser already.
    seconds = subprocess.run([sys.executable, "-c", FIRST_MISS], capture_output=True, text=True, check=True).stdout
    assert float(seconds) < FIRST_MISS_SECONDS


FIRST_GROUPING_SECONDS = 0.1
"""Generous: warm, a first grouping of two items takes 0.002 s; cold, it took 0.25 s without the
stemmers read and 0.5-0.9 s without the language model, in every fresh worker."""

FIRST_GROUPING = """
import time
from datetime import UTC, datetime
import bot.news.warm
from bot.news.feeds import FeedItem
from bot.news.stories import group_stories
items = [
    FeedItem(key=str(n), title="Storm closes the harbour as ferries stay in port", link=f"https://{n}.test/a",
             summary="The harbour was closed on Monday as a storm brought winds of 120 km/h to the coast.",
             published=datetime.now(UTC), authors=(), feed_url=f"https://{n}.test/feed", source=f"{n}.test")
    for n in ("one", "two")
]
started = time.perf_counter()
stories = group_stories(items)
print(time.perf_counter() - started, len(stories))
"""


def test_forkserver_preload_readies_story_grouping_before_the_first_digest() -> None:
    seconds, stories = subprocess.run(
        [sys.executable, "-c", FIRST_GROUPING], capture_output=True, text=True, check=True
    ).stdout.split()
    assert int(stories) == 1
    assert float(seconds) < FIRST_GROUPING_SECONDS

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

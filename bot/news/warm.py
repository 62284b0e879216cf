"""Imported by the worker pool's forkserver (bot.resources) so that every worker forks with the
pipeline and the digest's story grouping loaded, htmldate's date parser built and the language
tools read.

Each of these is otherwise paid by the first task that needs it in each fresh worker, all workers at
once when a burst of editions starts. htmldate hands a date string its own rules cannot read to
dateparser, which on its first miss in a process builds the patterns of all its 200-odd locales
(3.6 s). A digest's first grouping of stories imported its modules, loaded the language model and
nltk's stemmers (0.9 s a worker): four bot processes on two cores posted the first edition of a burst
4.5 s late. Paid once here, in the forkserver, the workers inherit them.
"""

from __future__ import annotations

from htmldate.extractors import get_external_parser

# The point of this module: workers fork with these imported.
import bot.news.digest
import bot.news.pipeline  # noqa: F401
from bot.news.language import load_identifier
from bot.news.stories import load_analyzers
from bot.news.summarize import load_language_tools

UNREADABLE_DATE = "posted 12 nodate 2025"
"""A string with a date cue that no locale reads, so that dateparser tries, and builds, every one."""


def warm_date_parser() -> None:
    """Build dateparser's patterns for every locale now, as htmldate's first unreadable date would."""
    get_external_parser().get_date_data(UNREADABLE_DATE)


warm_date_parser()
load_identifier()
load_analyzers()
load_language_tools()

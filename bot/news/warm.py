"""Imported by the worker pool's forkserver (bot.resources) so that every worker forks with the
pipeline loaded and htmldate's date parser ready.

htmldate hands a date string its own rules cannot read to dateparser, which on its first miss in a
process builds the patterns of all its 200-odd locales: 3.6 s, paid by the request that meets it in
each fresh worker. Paid once here, in the forkserver, the workers inherit the built parser.
"""

from __future__ import annotations

from htmldate.extractors import get_external_parser

import bot.news.pipeline  # noqa: F401  (the point of this module: workers fork with it imported)

UNREADABLE_DATE = "posted 12 nodate 2025"
"""A string with a date cue that no locale reads, so that dateparser tries, and builds, every one."""


def warm_date_parser() -> None:
    """Build dateparser's patterns for every locale now, as htmldate's first unreadable date would."""
    get_external_parser().get_date_data(UNREADABLE_DATE)


warm_date_parser()

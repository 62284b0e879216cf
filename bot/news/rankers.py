"""sumy's TextRank and LSA with their two slow inner loops done the fast way; same ratings.

Profiling the pipeline on the dev pages showed half of sumy's time in two spots: TextRank calls
`numpy.isclose` on a Python float for every pair of sentences (about 20 microseconds each, 300
pairs for 25 sentences), and LSA rescales its term matrix cell by cell in Python. Both are
replaced here by code that computes the same numbers; tests/news/test_rankers.py checks the
ratings against stock sumy's, so a sumy release that changes either method is noticed.
"""

from __future__ import annotations

import math
from typing import Any

import numpy
from sumy.summarizers.lsa import LsaSummarizer
from sumy.summarizers.text_rank import TextRankSummarizer

ISCLOSE_ATOL = 1e-8
"""numpy.isclose(x, 0.0) is |x| <= atol with its default atol; the relative term vanishes at 0."""


class TextRank(TextRankSummarizer):  # type: ignore[misc]
    """sumy's TextRank; the zero test on an edge's length norm is a plain comparison."""

    @staticmethod
    def _rate_sentences_edge(words1: list[str], words2: list[str]) -> float:
        rank = sum(words2.count(word) for word in words1)
        if rank == 0:
            return 0.0
        norm = math.log(len(words1)) + math.log(len(words2))
        if abs(norm) <= ISCLOSE_ATOL:  # both sentences are one word long: rank is 0 or 1
            return float(rank)
        return rank / norm


class Lsa(LsaSummarizer):  # type: ignore[misc]
    """sumy's LSA; the maximum-tf smoothing of its term matrix is done on whole columns at once."""

    def _compute_term_frequency(self, matrix: Any, smooth: float = 0.4) -> Any:
        peaks = matrix.max(axis=0)
        used = peaks != 0
        scaled = smooth + (1.0 - smooth) * (matrix / numpy.where(used, peaks, 1.0))
        return numpy.where(used, scaled, matrix)

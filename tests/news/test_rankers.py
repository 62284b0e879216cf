"""Our faster TextRank and LSA rate sentences exactly as stock sumy does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sumy.nlp.stemmers import Stemmer
from sumy.parsers.plaintext import PlaintextParser
from sumy.summarizers.lsa import LsaSummarizer
from sumy.summarizers.text_rank import TextRankSummarizer
from sumy.utils import get_stop_words

from bot.news.rankers import Lsa, TextRank
from bot.news.sentences import NewsTokenizer

FIXTURES = Path(__file__).parent / "fixtures" / "summarize"


def _ratings(summarizer_class: Any, text: str) -> list[float]:
    summarizer = summarizer_class(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    document = PlaintextParser.from_string(text, NewsTokenizer("en")).document
    ratings: list[float] = []

    def record(infos: Any) -> list[Any]:
        ratings.extend(float(info.rating) for info in sorted(infos, key=lambda info: info.order))
        return []

    summarizer(document, record)
    return ratings


@pytest.mark.parametrize(("ours", "stock"), [(TextRank, TextRankSummarizer), (Lsa, LsaSummarizer)])
@pytest.mark.parametrize("fixture", ["inverted_pyramid.txt", "earthquake_recap.txt"])
def test_ratings_equal_stock_sumy(ours: Any, stock: Any, fixture: str) -> None:
    text = (FIXTURES / fixture).read_text(encoding="utf-8")
    assert _ratings(ours, text) == pytest.approx(_ratings(stock, text), rel=1e-12, abs=1e-15)


def test_textrank_rates_one_word_sentences_like_sumy() -> None:
    text = "Floods.\n\nFloods.\n\nRain."
    assert _ratings(TextRank, text) == pytest.approx(_ratings(TextRankSummarizer, text), rel=1e-12)

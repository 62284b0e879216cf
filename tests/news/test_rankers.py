"""Our faster TextRank and LSA rate sentences as stock sumy does, and LSA the same in every process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Literal

import numpy
import pytest
from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
from sumy.nlp.stemmers import Stemmer
from sumy.parsers.plaintext import PlaintextParser
from sumy.summarizers.lsa import LsaSummarizer
from sumy.summarizers.text_rank import TextRankSummarizer
from sumy.utils import get_stop_words

from bot.news.rankers import Lsa, SplitSentence, TextRank, word_forms
from bot.news.sentences import NewsTokenizer, split_words

FIXTURES = Path(__file__).parent / "fixtures" / "summarize"
RANKERS = [(TextRank, TextRankSummarizer), (Lsa, LsaSummarizer)]
STEMMER = Stemmer("english")


def _parsed(text: str) -> Any:
    return PlaintextParser.from_string(text, NewsTokenizer("en")).document


def _split(document: Any, stemmer: Any = STEMMER, forms: Any = None) -> Any:
    """The same document built of SplitSentences, whose words' forms come from `stemmer`'s table."""
    table = word_forms(stemmer)
    paragraphs = []
    for paragraph in document.paragraphs:
        sentences = []
        for sentence in paragraph.sentences:
            words = split_words(str(sentence))
            sentence_forms = forms(words) if forms else [table[word] for word in words]
            sentences.append(SplitSentence(str(sentence), words, sentence_forms, stemmer=stemmer))
        paragraphs.append(Paragraph(sentences))
    return ObjectDocumentModel(paragraphs)


def _ratings(summarizer_class: Any, document: Any, stemmer: Any = STEMMER) -> list[float]:
    summarizer = summarizer_class(stemmer)
    summarizer.stop_words = get_stop_words("english")
    ratings: list[float] = []

    def record(infos: Any) -> list[Any]:
        ratings.extend(float(info.rating) for info in sorted(infos, key=lambda info: info.order))
        return []

    summarizer(document, record)
    return ratings


@pytest.mark.parametrize(("ours", "stock"), RANKERS)
@pytest.mark.parametrize("fixture", ["inverted_pyramid.txt", "earthquake_recap.txt"])
def test_ratings_equal_stock_sumy(ours: Any, stock: Any, fixture: str) -> None:
    document = _parsed((FIXTURES / fixture).read_text(encoding="utf-8"))
    assert _ratings(ours, document) == pytest.approx(_ratings(stock, document), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(("ours", "stock"), RANKERS)
@pytest.mark.parametrize("fixture", ["inverted_pyramid.txt", "earthquake_recap.txt"])
def test_split_sentences_are_rated_as_stock_sumy_rates_the_text(ours: Any, stock: Any, fixture: str) -> None:
    document = _parsed((FIXTURES / fixture).read_text(encoding="utf-8"))
    assert _ratings(ours, _split(document)) == pytest.approx(_ratings(stock, document), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(("ours", "stock"), RANKERS)
def test_forms_made_for_another_stemmer_are_not_used(ours: Any, stock: Any) -> None:
    document = _parsed((FIXTURES / "earthquake_recap.txt").read_text(encoding="utf-8"))
    wrong_forms = _split(document, stemmer=Stemmer("english"), forms=lambda words: [("x", "x")] * len(words))
    assert _ratings(ours, wrong_forms) == pytest.approx(_ratings(stock, document), rel=1e-12, abs=1e-15)


def test_textrank_rates_one_word_sentences_like_sumy() -> None:
    document = _parsed("Floods.\n\nFloods.\n\nRain.")
    assert _ratings(TextRank, document) == pytest.approx(_ratings(TextRankSummarizer, document), rel=1e-12)


def test_textrank_rates_sentences_of_stop_words_only_like_sumy() -> None:
    document = _parsed("It was.\n\nAnd then they were.\n\nFloods closed the bridge.")
    assert _ratings(TextRank, document) == pytest.approx(_ratings(TextRankSummarizer, document), rel=1e-12)


def test_lsa_counts_the_words_of_headings_like_sumy() -> None:
    tokenizer = NewsTokenizer("en")
    texts = ["Floods close the bridge", "Rain fell for a week.", "Engineers closed the old bridge.", "Rain eased."]
    document = ObjectDocumentModel(
        [Paragraph([Sentence(text, tokenizer, is_heading=index == 0) for index, text in enumerate(texts)])]
    )
    assert _ratings(Lsa, document) == pytest.approx(_ratings(LsaSummarizer, document), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("order", ["C", "F"])
def test_lsa_ranks_are_sumys_bit_for_bit(order: Literal["C", "F"]) -> None:
    # pow(x, 2) and x * x differ in the last bit for about 1 in 1,000 doubles, and summing in
    # another order differs too: the ranks must match sumy's exactly, not nearly.
    generator = numpy.random.default_rng(7)
    for _trial in range(40):  # 25,000 squares: x * x for pow(x, 2) shows in about 1 trial in 10
        sigma = numpy.sort(generator.uniform(0.1, 9.0, 25))[::-1].copy()
        v_matrix = numpy.asarray(generator.standard_normal((25, 25)), order=order)
        assert Lsa()._compute_ranks(sigma, v_matrix) == LsaSummarizer()._compute_ranks(sigma, v_matrix)


_LSA_IN_A_NEW_PROCESS = """
import sys
from sumy.nlp.stemmers import Stemmer
from sumy.parsers.plaintext import PlaintextParser
from bot.news.rankers import Lsa
from bot.news.sentences import NewsTokenizer
document = PlaintextParser.from_string(sys.stdin.read(), NewsTokenizer("en")).document
ratings = []
Lsa(Stemmer("english"))(document, lambda infos: ratings.extend(info.rating for info in infos) or [])
print(repr(ratings))
"""


def test_lsa_ratings_are_the_same_whatever_the_process_string_hashing() -> None:
    text = (FIXTURES / "inverted_pyramid.txt").read_text(encoding="utf-8")
    outputs = {
        subprocess.run(
            [sys.executable, "-c", _LSA_IN_A_NEW_PROCESS],
            input=text,
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2", "3", "4")
    }
    assert len(outputs) == 1

"""sumy's TextRank and LSA with their slow inner loops done the fast way; same ratings.

Profiling the pipeline on the dev pages showed most of sumy's time in a few spots, each replaced
here by code that computes the same numbers:

- sumy's sentences split their text into words again, and both rankers normalize and stem every
  word each time they read it (LSA twice), three Python calls a word: here a `SplitSentence`
  carries the words and their forms, which `word_forms` works out once per distinct word;
- TextRank counts the words two sentences share with `list.count` for every pair of sentences and
  tests each pair's length norm with `numpy.isclose` (about 20 microseconds a call): here the
  shared-word counts of all pairs are one product of the sentences' word-count matrix, and the
  power iteration takes its norm without `numpy.linalg.norm`'s argument checks;
- LSA fills and rescales its term matrix cell by cell in Python, and sums each sentence's rank
  from numpy scalars: here whole arrays, with the same floating-point operations in the same order.

One thing differs on purpose: LSA's vocabulary is sorted, where sumy keeps it in a set whose order
changes with each process's string hashing; the ratings then agree with sumy's to rounding, and
with each other in every process (a bot's worker processes each have their own hashing).
tests/news/test_rankers.py checks the ratings against stock sumy's, so a sumy release that
changes either method is noticed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from itertools import chain
from typing import Any
from warnings import warn

import numpy
from sumy.models.dom import Sentence
from sumy.nlp.stemmers import null_stemmer
from sumy.summarizers._summarizer import AbstractSummarizer
from sumy.summarizers.lsa import LsaSummarizer
from sumy.summarizers.text_rank import TextRankSummarizer

from bot.news.sentences import WordTable

ISCLOSE_ATOL = 1e-8
"""numpy.isclose(x, 0.0) is |x| <= atol with its default atol; the relative term vanishes at 0."""

WORD_FORMS_CACHED = 100_000
"""Distinct words whose normalized and stemmed forms are remembered per stemmer (about 25 MB at
most): a long-running bot meets the same words article after article."""


class SplitSentence(Sentence):  # type: ignore[misc]
    """A sumy sentence given its words and their forms, `word_forms(stemmer)[word]` for each.

    sumy's Sentence asks a tokenizer for its words on first use (and looks its cache up by name
    at every read), and each ranker then works every word's forms out again; our rankers with
    the same stemmer read these instead, and every sumy summarizer can read the words.
    """

    __slots__ = ("_split_words", "forms", "stemmer")

    def __init__(
        self,
        text: str,
        words: Sequence[str],
        forms: Sequence[tuple[str, str]],
        *,
        stemmer: Callable[[str], str],
    ) -> None:
        super().__init__(text, tokenizer=None)
        self._split_words = words
        self.forms = forms
        self.stemmer = stemmer

    @property
    def words(self) -> Sequence[str]:
        return self._split_words


@lru_cache(maxsize=64)
def word_forms(stemmer: Callable[[str], str]) -> WordTable[tuple[str, str]]:
    """Each word's forms as sumy's summarizers make them, (normalized, stemmed), for one stemmer.

    One table per stemmer, shared by every ranker that uses it and by bot.news.summarize, which
    looks an article's words up once and hands their forms to the rankers in SplitSentences.
    """

    def forms(word: str) -> tuple[str, str]:
        normalized = AbstractSummarizer.normalize_word(word)
        return normalized, stemmer(normalized)

    return WordTable(forms, limit=WORD_FORMS_CACHED)


class _ReadsWordForms:
    """For a sumy summarizer: words' forms come from a SplitSentence or the `word_forms` table,
    not from normalizing and stemming the word at every read.

    The forms depend only on the stemmer, fixed at construction; stop words are applied when
    the words are read, so setting `stop_words` later still takes effect.
    """

    stop_words: frozenset[str]

    def __init__(self, stemmer: Callable[[str], str] = null_stemmer) -> None:
        super().__init__(stemmer)  # type: ignore[call-arg]  # sumy's AbstractSummarizer
        self._forms_stemmer = stemmer
        self._word_forms = word_forms(stemmer).__getitem__

    def _forms(self, sentence: Any) -> Iterable[tuple[str, str]]:
        """The forms of a sentence's words: carried by a SplitSentence made for this stemmer."""
        if isinstance(sentence, SplitSentence) and sentence.stemmer is self._forms_stemmer:
            return sentence.forms
        return map(self._word_forms, sentence.words)

    def _content_stems(self, forms: Iterable[tuple[str, str]]) -> list[str]:
        """Stems of the words that are not stop words, in order: what sumy's rankers compare."""
        stop_words = self.stop_words
        return [stem for normalized, stem in forms if normalized not in stop_words]


class TextRank(_ReadsWordForms, TextRankSummarizer):  # type: ignore[misc]
    """sumy's TextRank; every pair's shared-word count comes from one matrix product."""

    def _to_words_set(self, sentence: Any) -> list[str]:
        return self._content_stems(self._forms(sentence))

    def _create_matrix(self, document: Any) -> Any:
        """sumy's transition matrix: edge weights are shared words over the sum of the log lengths."""
        sentences_as_words = [self._to_words_set(sentence) for sentence in document.sentences]
        count = len(sentences_as_words)
        all_words = list(chain.from_iterable(sentences_as_words))
        distinct_words = dict.fromkeys(all_words)
        vocabulary = dict(zip(distinct_words, range(len(distinct_words)), strict=True))
        columns = numpy.fromiter(map(vocabulary.__getitem__, all_words), dtype=numpy.intp, count=len(all_words))
        rows = numpy.repeat(numpy.arange(count), [len(words) for words in sentences_as_words])
        counts = numpy.zeros((count, len(vocabulary)))
        numpy.add.at(counts, (rows, columns), 1.0)
        # sum over w in words_i of words_j.count(w) is the dot product of the two count vectors
        shared = counts @ counts.T
        # math.log, not numpy.log, so each norm is the float sumy computes; an empty sentence shares
        # nothing, so its placeholder 0.0 only ever divides 0
        log_lengths = numpy.array([math.log(len(words)) if words else 0.0 for words in sentences_as_words])
        norms = numpy.add.outer(log_lengths, log_lengths)
        # a norm of 0 (both sentences one word long) leaves the count as it is, as sumy does
        weights = shared / numpy.where(norms <= ISCLOSE_ATOL, 1.0, norms)
        weights /= weights.sum(axis=1, keepdims=True) + self._ZERO_DIVISION_PREVENTION
        # the chance of jumping to any sentence, added to every cell as sumy adds its full matrix
        return (1.0 - self.damping) / count + self.damping * weights

    @staticmethod
    def power_method(matrix: Any, epsilon: float) -> Any:
        """sumy's power iteration, with the norm numpy.linalg.norm computes (the square root of
        the vector's dot product with itself) taken without its argument checks."""
        transposed_matrix = matrix.T
        count = len(matrix)
        p_vector = numpy.array([1.0 / count] * count)
        change = 1.0
        while change > epsilon:
            next_p = numpy.dot(transposed_matrix, p_vector)
            difference = numpy.subtract(next_p, p_vector)
            change = math.sqrt(difference.dot(difference))
            p_vector = next_p
        return p_vector


class Lsa(_ReadsWordForms, LsaSummarizer):  # type: ignore[misc]
    """sumy's LSA; the term matrix filled and smoothed as arrays, the ranks summed as sumy sums them."""

    def _create_dictionary(self, document: Any) -> dict[str, int]:
        # The words sumy's vocabulary holds, in sorted order: sumy keeps them in a set, whose order
        # changes with each process's string hashing, and the row order of the matrix changes the
        # decomposition's last bits, enough to reorder near-tied sentences from one run to the next.
        if document.headings:  # their words count in sumy's vocabulary, though headings are not rated
            forms: Iterable[tuple[str, str]] = map(self._word_forms, document.words)
        else:
            forms = chain.from_iterable(self._forms(sentence) for sentence in document.sentences)
        unique_words = sorted(set(self._content_stems(forms)))
        return {word: row for row, word in enumerate(unique_words)}

    def _create_matrix(self, document: Any, dictionary: dict[str, int]) -> Any:
        sentences = document.sentences
        if len(dictionary) < len(sentences):
            warn(
                f"Number of words ({len(dictionary)}) is lower than number of sentences ({len(sentences)}). "
                "LSA algorithm may not work properly.",
                stacklevel=2,
            )
        # sumy counts every word whose stem is in the dictionary, stop words included
        rows_by_sentence = [
            [row for _normalized, stem in self._forms(sentence) if (row := dictionary.get(stem)) is not None]
            for sentence in sentences
        ]
        rows = numpy.fromiter(chain.from_iterable(rows_by_sentence), dtype=numpy.intp)
        columns = numpy.repeat(numpy.arange(len(sentences)), [len(sentence_rows) for sentence_rows in rows_by_sentence])
        matrix = numpy.zeros((len(dictionary), len(sentences)))
        numpy.add.at(matrix, (rows, columns), 1.0)
        return matrix

    def _compute_term_frequency(self, matrix: Any, smooth: float = 0.4) -> Any:
        peaks = matrix.max(axis=0)
        used = peaks != 0
        scaled = smooth + (1.0 - smooth) * (matrix / numpy.where(used, peaks, 1.0))
        return numpy.where(used, scaled, matrix)

    def _compute_ranks(self, sigma: Any, v_matrix: Any) -> list[float]:
        """Each sentence's length in the reduced concept space, computed as sumy does, bit for bit.

        sumy squares numpy scalars, which calls the C library's pow(), and pow(x, 2) is not always
        x * x; `float_power` calls pow() too, where `**` on an array multiplies. sumy then sums each
        sentence's terms one dimension after another: so does a reduction over the rows of a
        C-ordered array (over the columns of an F-ordered one numpy would sum pairwise).
        """
        dimensions = max(self.MIN_DIMENSIONS, int(len(sigma) * self.REDUCTION_RATIO))
        powered_sigma = numpy.float_power(sigma, 2.0)
        powered_sigma[dimensions:] = 0.0
        terms = numpy.ascontiguousarray(powered_sigma[:, numpy.newaxis] * numpy.float_power(v_matrix, 2.0))
        return list(numpy.sqrt(numpy.add.reduce(terms, axis=0)).tolist())

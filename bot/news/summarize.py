"""Choose the sentences that summarize an article, and rate every sentence's importance.

The rating blends what news writing and sumy each know. News is written as an inverted pyramid,
so the opening sentences are a hard bar: alone, sumy's stock rankers (LexRank, TextRank, LSA,
Luhn, KL, SumBasic) all score below Lead-3 on CNN/DailyMail. So a position prior and forward
centrality (similarity to what the article goes on to say, as in PacSum, Zheng & Lapata 2019)
carry the ranking, and sumy's rankers, run on sumy's own document model of our sentences with the
language's stemmer and stop words, add their ratings: the blend of LSA and TextRank below lifted
BBC ROUGE-1 by 2.3 points and kept CNN/DM above Lead-3 (see DEFAULT_BLEND). The selection then
avoids saying the same thing twice (maximal marginal relevance). `bot.news.sentences` supplies
offline sentence and word splitting.

sumy's rankers are quadratic (or worse) in the number of sentences, so they rate only a bounded
set of candidates: the opening sentences and the best of the rest by the linear-time score. Every
other step is linear in the text's length, and the text considered is capped, so any input,
however large, is ranked in bounded time.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from typing import Any, Protocol

from bot.news.language import DETECTION_SAMPLE_CHARS, detect_language
from bot.news.models import RankedSentence, Summary
from bot.news.sentences import (
    DEFAULT_LANGUAGE,
    LANGUAGE_NAMES,
    language_code,
    split_sentences,
    split_words,
)

LOGGER = logging.getLogger(__name__)

# Weights, tuned on the CNN/DailyMail and BBC dev sets (bench/bench_summarize.py prints them):
POSITION_DECAY = 0.4
"""The position prior is exp(-0.4 * index): sentence 3 keeps 30% of the opening's weight, sentence 8 4%."""

FORWARD_WEIGHT = 0.5
"""Weight of forward centrality (similarity to the sentences after it), scaled to [0, 1] per article.
At 0.3 or 0.7 ROUGE fell on both halves of the CNN/DM dev set."""

TITLE_WEIGHT = 0.2
"""Weight of word overlap with the headline: +0.2 ROUGE-1, +0.35 ROUGE-2 on BBC (whose dev texts have titles)."""

REDUNDANCY_WEIGHT = 0.4
"""Maximal marginal relevance: a candidate loses 0.4 x its similarity to a sentence already chosen.
Between 0.3 and 0.5 the dev scores are flat; 0 loses 0.5 ROUGE-1 on CNN/DM."""

NEAR_DUPLICATE = 0.7
"""Cosine similarity at which a sentence repeats one already chosen (a photo caption restating the
lead, a syndicated paragraph twice) and is skipped outright."""

SHORT_SENTENCE_WORDS = 4
SHORT_PENALTY = 0.5
"""Fragments under four words (`Surprise!`, `And vice versa.`) summarize nothing; at six words the
penalty began to cost ROUGE on the dev sets, so it stops at fragments."""

QUESTION_PENALTY = 0.1
"""Questions are teasers, not findings: on the dev sets their ROUGE-2 precision was a quarter of
other opening sentences'. Kept small because there were few of them."""

_BOILERPLATE = re.compile(
    r"^\s*(?:by\s+\S|photo|image|picture|video|watch|listen|read more|related|advertisement|share|"
    r"subscribe|sign up|follow us|click here|published|updated|last updated|copyright|©)",
    re.IGNORECASE,
)
BOILERPLATE_MAX_WORDS = 15
"""A line opening like a byline, caption credit or call to action, and this short, is page furniture."""

MAX_TEXT_CHARS = 300_000
"""Rank only the first 300,000 characters (about 50,000 words, beyond the longest news features):
the cost is linear, and this cap keeps even a 5 MB paste well under a second."""

MAX_SENTENCE_CHARS = 1_000
"""A 'sentence' longer than this is a run-on without punctuation (a list, a table, scraped
furniture): it is cut into pieces of at most this size so no summary line is unbounded."""

SUMY_RANKERS = ("lexrank", "textrank", "lsa", "luhn", "sumbasic", "kl", "reduction")
"""The sumy rankers a blend may use (Edmundson needs cue and title word lists we do not have)."""

RANKER_LEAD_SENTENCES = 10
RANKER_CANDIDATES = 25
"""sumy's rankers rate at most 25 sentences: the first 10 (where news puts its summary) and the
best of the rest by the linear score. Dev articles have a median of 14 sentences, so nearly all
are rated whole. On 10,000 words each ranker then takes 15-35 ms (stock LexRank on the whole text
1.2 s, KL 90 s or more); on 25 run-on pieces of 1,000 characters, at most 0.4 s (Reduction)."""

RANKER_FULL_WORDS = 25
"""A sumy rating counts in full up to 25 words and in proportion 25/words above: the graph rankers
reward sheer length (a longer sentence shares words with more of the others), and on CNN/DM the
long 'sentences' they promoted were photo captions run into the next sentence. Over 232 blends this
raised CNN/DM ROUGE-1 by 0.6 on average and cost BBC 0.1; 20 and 35 did no better."""

RATING_DIGITS = 9
"""sumy's ratings agree to about 15 digits between runs (see `_percentiles`); 9 leaves a wide margin."""
_RATING_FORMAT = f".{RATING_DIGITS}g"

STEM_CACHE_WORDS = 100_000
"""Stems are remembered per language: NLTK's Snowball stemmers take tens of microseconds a word."""

MIN_SENTENCES = 3
MAX_SENTENCES = 5
WORDS_PER_EXTRA_SENTENCE = 500
"""Default length: 3 sentences, one more for each 500 words past the first 500, at most 5
(a Discord embed shows five sentences comfortably)."""

CANDIDATES_PER_SENTENCE = 4
MIN_CANDIDATES = 20
"""Selection looks only at the best-rated candidates: four per sentence wanted, at least twenty."""

DETECTION_PARAGRAPHS = 20
"""When no language is given, judge it from the opening paragraphs (detect_language reads no more anyway)."""

_QUESTION_END = re.compile(r"[?？؟][\"'”’»)\]]*\s*$")


@dataclass(frozen=True, slots=True)
class _LanguageTools:
    """What the ranking needs to know about a language: how to stem a word and which to ignore.

    `forms` gives a word as written its lower-cased and stemmed forms, as sumy makes them, from
    the table sumy's rankers read too (bot.news.rankers.word_forms): an article's words are
    stemmed once, and handed to the rankers with their forms.
    """

    code: str
    stem: Callable[[str], str]
    stop_words: frozenset[str]
    forms: Callable[[str], tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Blend:
    """Which of sumy's rankers join the position prior, and how much each counts.

    Each ranker's ratings become percentiles among the rated candidates (ties share one), so a
    weight means the same for every ranker: the score the best-rated candidate gains.
    """

    rankers: tuple[tuple[str, float], ...]

    def __post_init__(self) -> None:
        unknown = [name for name, _weight in self.rankers if name not in SUMY_RANKERS]
        if unknown:
            raise ValueError(f"unknown sumy rankers {unknown}; choose from {SUMY_RANKERS}")

    @property
    def method(self) -> str:
        """How `Summary.method` names this ranking, so a change of method shows in saved briefings."""
        rankers = ",".join(f"{name}={weight:g}" for name, weight in self.rankers if weight)
        sumy = f"+sumy({rankers})" if rankers else ""
        return f"position+forward-centrality{sumy}+mmr"


DEFAULT_BLEND = Blend(rankers=(("lsa", 0.3), ("textrank", 0.3)))
"""Chosen on CNN/DM and BBC together (bench/bench_summarize.py --rouge --blends prints the table).
Every sumy ranker added to the position prior cost CNN/DM some ROUGE; of all single rankers and
pairs, LSA with TextRank bought the most BBC for the least CNN/DM. ROUGE-1/2 with 3 sentences:
CNN/DM 42.6/19.9 (prior alone 42.7/20.3, published Lead-3 42.0/19.4), BBC 50.2/42.3 (prior alone
47.9/39.3). On each half of the sets: BBC +2.1 and +2.5, CNN/DM -0.4 and +0.1. Weights from 0.2
to 0.4 make a plateau (CNN/DM 42.2-42.5, BBC 49.4-50.8); 0.3 is its middle. LexRank alone barely
helps BBC, Luhn and Reduction cost CNN/DM more for the same gain, SumBasic and KL lower BBC too."""

METHOD = DEFAULT_BLEND.method
"""`Summary.method` of the default ranking."""


def _null_stem(word: str) -> str:
    return word


def load_language_tools() -> None:
    """Load every language's stemmer and stop words now rather than in the first summary in each
    (bot.news.warm)."""
    for code in LANGUAGE_NAMES:
        _language_tools(code)


@lru_cache(maxsize=64)
def _language_tools(code: str) -> _LanguageTools:
    """Load sumy's stemmer and stop words for a language once; fall back to none of either.

    sumy has a Russian stemmer but no Russian stop words (Dutch the same); Polish and Greek stemmers
    need extra packages; Chinese and Japanese have stop words but no stemmer. Sentence-level IDF
    already weighs function words down, so a language without a list still ranks sensibly.
    """
    from sumy.nlp.stemmers import Stemmer  # sumy pulls in nltk: import on first use, not at startup
    from sumy.utils import get_stop_words

    from bot.news.rankers import word_forms

    name = LANGUAGE_NAMES.get(code)
    stem: Callable[[str], str] = _null_stem
    stop_words: frozenset[str] = frozenset()
    if name is not None:
        try:
            stemmer = Stemmer(name)
            stemmer("test")  # some stemmers fail only when used (a missing optional package)
            stem = lru_cache(maxsize=STEM_CACHE_WORDS)(stemmer)
        except (LookupError, ValueError, ImportError) as error:
            LOGGER.debug("no stemmer for %s: %s", name, error)
        try:
            stop_words = frozenset(word.lower() for word in get_stop_words(name))
        except LookupError as error:
            LOGGER.debug("no stop words for %s: %s", name, error)
    return _LanguageTools(code=code, stem=stem, stop_words=stop_words, forms=word_forms(stem).__getitem__)


def _resolve_language(language: str | None, paragraphs: Sequence[str]) -> str:
    if language:
        return language_code(language)
    sample = "\n\n".join(paragraphs[:DETECTION_PARAGRAPHS])[:DETECTION_SAMPLE_CHARS]
    return detect_language(sample) or DEFAULT_LANGUAGE


def _pieces(sentence: str) -> list[str]:
    """Cut a run-on longer than MAX_SENTENCE_CHARS at spaces (or anywhere, for unspaced scripts)."""
    pieces = []
    rest = sentence
    while len(rest) > MAX_SENTENCE_CHARS:
        cut = rest.rfind(" ", 0, MAX_SENTENCE_CHARS)
        if cut <= 0:
            cut = MAX_SENTENCE_CHARS
        pieces.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    if rest:
        pieces.append(rest)
    return pieces


def _split(paragraphs: Sequence[str], code: str) -> list[tuple[str, int]]:
    """The article's sentences with their paragraph index, within MAX_TEXT_CHARS."""
    sentences: list[tuple[str, int]] = []
    budget = MAX_TEXT_CHARS
    for index, paragraph in enumerate(paragraphs):
        if budget <= 0:
            LOGGER.info("ranking only the first %d characters of a longer text", MAX_TEXT_CHARS)
            break
        text = paragraph[:budget]
        budget -= len(text)
        for sentence in split_sentences(text, language=code):
            if len(sentence) <= MAX_SENTENCE_CHARS:
                sentences.append((sentence, index))
            else:
                sentences.extend((piece, index) for piece in _pieces(sentence))
    return sentences


def _terms(forms: Iterable[tuple[str, str]], stop_words: frozenset[str]) -> list[str]:
    """Content words, lower-cased and stemmed, from the words' forms; numbers and stop words carry no topic."""
    return [stem for lowered, stem in forms if lowered not in stop_words and not lowered.isdigit()]


@dataclass(frozen=True, slots=True)
class _Analysis:
    """Each sentence's words, their (lower-cased, stemmed) forms, its content words and their
    weighted vector, and the words' inverse sentence frequency. Shared through `_analyse`'s
    cache, so read and never changed."""

    words: list[list[str]]
    forms: list[list[tuple[str, str]]]
    word_counts: list[int]
    terms: list[list[str]]
    idf: dict[str, float]
    vectors: list[dict[str, float]]


@lru_cache(maxsize=4)
def _analyse(texts: tuple[str, ...], code: str) -> _Analysis:
    """Tokenize and weigh an article's sentences once: ranking, sumy's rankers and `summarize`
    (given a ranking, it finds them here) all read these."""
    tools = _language_tools(code)
    words = [split_words(text) for text in texts]
    forms = [list(map(tools.forms, sentence)) for sentence in words]
    terms = [_terms(sentence, tools.stop_words) for sentence in forms]
    document_frequency = Counter(chain.from_iterable(map(set, terms)))
    count = len(texts)
    idf = {term: math.log((count + 1) / (frequency + 0.5)) for term, frequency in document_frequency.items()}
    vectors = [_unit_vector(sentence_terms, idf) for sentence_terms in terms]
    return _Analysis(
        words=words,
        forms=forms,
        word_counts=[len(sentence) for sentence in words],
        terms=terms,
        idf=idf,
        vectors=vectors,
    )


def _unit_vector(terms: Sequence[str], idf: dict[str, float]) -> dict[str, float]:
    """Log-scaled term frequency times IDF, scaled to length one."""
    counts: dict[str, int] = {}
    for term in terms:  # for a sentence's few terms a plain dict counts faster than Counter
        counts[term] = counts.get(term, 0) + 1
    weights = {term: (1.0 + math.log(count)) * idf[term] for term, count in counts.items()}
    length = math.sqrt(sum([weight * weight for weight in weights.values()]))
    return {term: weight / length for term, weight in weights.items()} if length else {}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(weight * b.get(term, 0.0) for term, weight in a.items())


def _scale(values: Sequence[float]) -> list[float]:
    """Min-max scale to [0, 1]; all-equal values become 0 (they tell sentences apart by nothing)."""
    low, high = min(values, default=0.0), max(values, default=0.0)
    if high <= low:
        return [0.0] * len(values)
    return [(value - low) / (high - low) for value in values]


def _forward_centrality(vectors: Sequence[dict[str, float]]) -> list[float]:
    """Each sentence's summed similarity to every sentence after it, in one backward pass:
    sum over j > i of cos(i, j) = v_i . (sum over j > i of v_j), so the cost is linear, not quadratic."""
    after: dict[str, float] = {}
    centrality = [0.0] * len(vectors)
    for index in range(len(vectors) - 1, -1, -1):
        vector = vectors[index]
        centrality[index] = sum([weight * after.get(term, 0.0) for term, weight in vector.items()])
        for term, weight in vector.items():
            after[term] = after.get(term, 0.0) + weight
    return centrality


def _title_overlap(title: str | None, terms: Sequence[Sequence[str]], tools: _LanguageTools) -> list[float]:
    """Cosine overlap of each sentence's content words with the headline's."""
    title_terms = set(_terms(map(tools.forms, split_words(title)), tools.stop_words)) if title else set()
    if not title_terms:
        return [0.0] * len(terms)
    overlaps = []
    for words in terms:
        unique = set(words)
        overlaps.append(len(title_terms & unique) / math.sqrt(len(title_terms) * len(unique)) if unique else 0.0)
    return overlaps


def _is_furniture(sentence: str, words: int) -> bool:
    return words <= BOILERPLATE_MAX_WORDS and bool(_BOILERPLATE.match(sentence))


class _SumyRanker(Protocol):
    """What newsbrief uses of a sumy summarizer: `summarizer(document, sentences_count)`."""

    stop_words: Any

    def __call__(self, document: Any, sentences_count: Any) -> Any: ...


@lru_cache(maxsize=1)
def _ranker_classes() -> dict[str, Callable[[Callable[[str], str]], _SumyRanker]]:
    """sumy's summarizer classes by name, imported on first use (they pull in numpy and nltk).
    TextRank and LSA are sumy's with faster inner loops (bot.news.rankers)."""
    from sumy.summarizers.kl import KLSummarizer
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.luhn import LuhnSummarizer
    from sumy.summarizers.reduction import ReductionSummarizer
    from sumy.summarizers.sum_basic import SumBasicSummarizer

    from bot.news.rankers import Lsa, TextRank

    return {
        "lexrank": LexRankSummarizer,
        "textrank": TextRank,
        "lsa": Lsa,
        "luhn": LuhnSummarizer,
        "sumbasic": SumBasicSummarizer,
        "kl": KLSummarizer,
        "reduction": ReductionSummarizer,
    }


@lru_cache(maxsize=64)
def _ranker(name: str, code: str) -> _SumyRanker:
    """sumy's `name` ranker with a language's stemmer and stop words, made once per language:
    sumy normalizes the stop words one by one whenever they are set. sumy's summarizers keep
    nothing from one document to the next, so one serves every article (and thread)."""
    tools = _language_tools(code)
    ranker = _ranker_classes()[name](tools.stem)
    ranker.stop_words = tools.stop_words
    return ranker


class _RatingRecorder:
    """Passed to a sumy summarizer as its `sentences_count`, it keeps every sentence's rating.

    sumy's summarizers end in `_get_best_sentences`, which hands a callable count every rated
    sentence (`SentenceInfo(sentence, order, rating)`) to choose from. Recording them there gets
    the ratings of every ranker through its one public call, whatever it names its own rating code.
    """

    def __init__(self) -> None:
        self.ratings: dict[int, float] = {}

    def __call__(self, infos: Iterable[Any]) -> list[Any]:
        for info in infos:
            self.ratings[info.order] = float(info.rating)
        return []


def _percentiles(ratings: dict[int, float], count: int) -> list[float]:
    """Ratings of `count` sentences as fractional ranks in [0, 1], ties sharing their mean rank;
    a sentence without a finite rating counts as the lowest. All alike gives all 0.

    Ratings are compared to RATING_DIGITS significant digits: sumy builds its vocabularies as
    sets, whose order changes with each process's string hashing, so equal ratings can differ
    in the last bits from one run to the next, and exact ties would make summaries vary.
    """
    values = [ratings.get(order, -math.inf) for order in range(count)]
    values = [float(format(value, _RATING_FORMAT)) if math.isfinite(value) else -math.inf for value in values]
    if count < 2 or min(values) == max(values):
        return [0.0] * count
    order = sorted(range(count), key=values.__getitem__)
    ranks = [0.0] * count
    start = 0
    while start < count:
        end = start
        while end + 1 < count and values[order[end + 1]] == values[order[start]]:
            end += 1
        for index in order[start : end + 1]:
            ranks[index] = (start + end) / 2 / (count - 1)
        start = end + 1
    return ranks


def _candidates(scores: Sequence[float]) -> list[int]:
    """The sentences sumy's rankers rate, in article order: the opening ones and the best of the
    rest by the linear score, RANKER_CANDIDATES at most; page furniture (-inf) never."""
    eligible = [index for index, score in enumerate(scores) if score > -math.inf]
    chosen = set(eligible[:RANKER_LEAD_SENTENCES])
    rest = sorted((index for index in eligible if index not in chosen), key=lambda index: -scores[index])
    chosen.update(rest[: max(0, RANKER_CANDIDATES - len(chosen))])
    return sorted(chosen)


def _sumy_ratings(
    sentences: Sequence[tuple[str, int]],
    candidates: Sequence[int],
    analysis: _Analysis,
    blend: Blend,
    tools: _LanguageTools,
) -> dict[int, float]:
    """The blend of sumy's ratings for each candidate (by its index in `sentences`).

    The candidates become sumy's own document model, paragraphs kept, with the words our offline
    `split_words` found and their forms (see `SplitSentence`); each ranker gets the language's
    stemmer and stop words.
    """
    import numpy
    from sumy.models.dom import ObjectDocumentModel, Paragraph

    from bot.news.rankers import SplitSentence

    groups: list[list[Any]] = []
    last_paragraph = None
    for index in candidates:
        text, paragraph = sentences[index]
        if paragraph != last_paragraph:
            groups.append([])
            last_paragraph = paragraph
        groups[-1].append(SplitSentence(text, analysis.words[index], analysis.forms[index], stemmer=tools.stem))
    document = ObjectDocumentModel([Paragraph(group) for group in groups])
    blended = dict.fromkeys(candidates, 0.0)
    distinct_terms = len(set(chain.from_iterable(analysis.terms[index] for index in candidates)))
    for name, weight in blend.rankers:
        if not weight:
            continue
        if name == "lsa" and distinct_terms < len(candidates):
            # Fewer distinct words than sentences: sumy warns that LSA "may not work properly",
            # and the decomposition says nothing useful, so this text is rated without it.
            LOGGER.debug("too few distinct words for LSA over %d sentences", len(candidates))
            continue
        ranker = _ranker(name, tools.code)
        recorder = _RatingRecorder()
        try:
            with numpy.errstate(all="ignore"):  # LexRank divides 0 by 0 when no sentences share words
                ranker(document, recorder)
        except numpy.linalg.LinAlgError as error:
            LOGGER.debug("sumy %s failed on this text: %s", name, error)
            continue
        for order, percentile in enumerate(_percentiles(recorder.ratings, len(candidates))):
            blended[candidates[order]] += weight * percentile
    return blended


def _rank(paragraphs: Sequence[str], *, code: str, title: str | None, blend: Blend) -> list[RankedSentence]:
    """`rank_sentences` with a chosen blend of sumy rankers (the benchmark compares blends)."""
    sentences = _split(paragraphs, code)
    if not sentences:
        return []
    tools = _language_tools(code)
    analysis = _analyse(tuple(text for text, _paragraph in sentences), code)
    forward = _scale(_forward_centrality(analysis.vectors))
    headline = _scale(_title_overlap(title, analysis.terms, tools))

    raw: list[float] = []
    for position, (text, _paragraph) in enumerate(sentences):
        words = analysis.word_counts[position]
        score = math.exp(-POSITION_DECAY * position)
        score += FORWARD_WEIGHT * forward[position] + TITLE_WEIGHT * headline[position]
        if words < SHORT_SENTENCE_WORDS:
            score -= SHORT_PENALTY
        if _QUESTION_END.search(text):
            score -= QUESTION_PENALTY
        raw.append(-math.inf if _is_furniture(text, words) else score)
    if blend.rankers:
        sumy = _sumy_ratings(sentences, _candidates(raw), analysis, blend, tools)
        for position, rating in sumy.items():
            raw[position] += rating * min(1.0, RANKER_FULL_WORDS / max(1, analysis.word_counts[position]))
    # Divide by the best score rather than min-max scale: a penalised fragment at the bottom must
    # not stretch everyone else's scores (and so change what redundancy costs them).
    best = max(raw)
    return [
        RankedSentence(
            text=text,
            paragraph=paragraph,
            position=position,
            score=max(0.0, score) / best if best > 0 else 0.0,
        )
        for position, ((text, paragraph), score) in enumerate(zip(sentences, raw, strict=True))
    ]


def rank_sentences(
    paragraphs: Sequence[str], *, language: str | None = None, title: str | None = None
) -> list[RankedSentence]:
    """Rate every sentence of an article (within MAX_TEXT_CHARS) by how well it summarizes it.

    Args:
        paragraphs: the article's paragraphs, in order.
        language: ISO 639-1 code; detected from the text when None.
        title: the headline, whose words make a sentence more central when it shares them.

    Returns:
        The sentences in article order, each with a score in [0, 1] (1 for the best).
    """
    return _rank(paragraphs, code=_resolve_language(language, paragraphs), title=title, blend=DEFAULT_BLEND)


def default_sentence_count(word_count: int) -> int:
    """How many sentences summarize an article of `word_count` words: 3 to 5."""
    extra = max(0, word_count - WORDS_PER_EXTRA_SENTENCE) // WORDS_PER_EXTRA_SENTENCE
    return min(MAX_SENTENCES, MIN_SENTENCES + extra)


_BACK_POINTING_OPENERS = {
    "en": (
        r"(?:he|she|it|they|him|his|her|its|their|them|these|those|such|both|another|the latter|the former|"
        r"but|however|and|also|meanwhile|moreover|furthermore|additionally|in addition|still|yet|so|then|thus|"
        r"instead|nevertheless|nonetheless|as a result|therefore|besides|otherwise|likewise|similarly|"
        r"(?:despite|because of|after|before|in) (?:this|that|these|those|it)|"
        r"(?:this|that)(?! (?:week|month|year|morning|afternoon|evening|night|weekend|summer|winter|spring|"
        r"autumn|fall|season|time|day)\b))\b"
    ),
    "de": (
        r"(?:er|sie|es|ihr|ihre|sein|seine|dies|diese|dieser|dabei|damit|dazu|deshalb|daher|aber|jedoch|auch|"
        r"zudem|außerdem)\b"
    ),
    "fr": (
        r"(?:il|elle|ils|elles|son|sa|ses|leur|leurs|cela|ceci|mais|cependant|pourtant|aussi|ainsi|en outre|"
        r"par ailleurs)\b"
    ),
    "es": r"(?:él|ella|ellos|ellas|su|sus|esto|eso|pero|sin embargo|también|además|así)\b",
}
"""Words that open a sentence leaning on the one before: a pronoun whose antecedent went before
(`He said…`, `Its shares fell`), a connective that continues a thought (`However`, `In addition to
the three fatalities…`). `This week` and `That night` point at a time, not back."""

_LEANS_BACK = {
    code: re.compile(rf"^\W{{0,3}}{pattern}", re.IGNORECASE | re.UNICODE)
    for code, pattern in _BACK_POINTING_OPENERS.items()
}


def leans_back(sentence: str, language: str) -> bool:
    """The sentence opens with a word that points back to an earlier sentence (see _BACK_POINTING_OPENERS)."""
    pattern = _LEANS_BACK.get(language)
    return pattern is not None and pattern.match(sentence) is not None


def _select(ranking: Sequence[RankedSentence], wanted: int, analysis: _Analysis, code: str) -> list[RankedSentence]:
    """Greedy maximal marginal relevance over the best-rated candidates, skipping near-duplicates.

    A sentence that leans on the one before it (`He said…`, `In addition to the three fatalities, …`)
    never opens the summary: it waits until a sentence before it in the article is chosen, and
    yields to the next best until then. Only the opening is guarded: requiring each such sentence's
    own antecedent in the summary cost ROUGE-2 0.3 on CNN/DM and 0.2 on BBC (their reference
    summaries keep such sentences too), and the opening is where a reader starts without context.
    """
    content = [
        index for index, item in enumerate(ranking) if not _is_furniture(item.text, analysis.word_counts[index])
    ] or list(range(len(ranking)))
    content.sort(key=lambda index: (-ranking[index].score, ranking[index].position))
    remaining = content[: max(MIN_CANDIDATES, CANDIDATES_PER_SENTENCE * wanted)]
    vectors = analysis.vectors
    leaning = {index: index > 0 and leans_back(ranking[index].text, code) for index in remaining}
    chosen: list[int] = []
    while remaining and len(chosen) < wanted:
        best, best_value = None, -math.inf
        best_leaning, best_leaning_value = None, -math.inf  # taken only when nothing else is left
        for index in list(remaining):
            similarity = max((_cosine(vectors[index], vectors[other]) for other in chosen), default=0.0)
            if similarity >= NEAR_DUPLICATE or any(ranking[index].text == ranking[o].text for o in chosen):
                remaining.remove(index)
                continue
            value = ranking[index].score - REDUNDANCY_WEIGHT * similarity
            if leaning[index] and not any(other < index for other in chosen):  # it would open mid-thought
                if value > best_leaning_value:
                    best_leaning, best_leaning_value = index, value
            elif value > best_value:
                best, best_value = index, value
        best = best if best is not None else best_leaning
        if best is None:
            break
        chosen.append(best)
        remaining.remove(best)
    return sorted((ranking[index] for index in chosen), key=lambda item: item.position)


def summarize(
    paragraphs: Sequence[str],
    *,
    language: str | None = None,
    sentences: int | None = None,
    title: str | None = None,
    ranking: Sequence[RankedSentence] | None = None,
) -> Summary:
    """Pick the sentences that best summarize an article, in article order.

    Args:
        paragraphs: the article's paragraphs, in order.
        language: ISO 639-1 code; detected from the text when None.
        sentences: how many sentences to pick; by default 3 to 5, more for longer articles.
        title: the headline, if known.
        ranking: the result of `rank_sentences` for the same paragraphs, to avoid ranking twice.

    Returns:
        The chosen sentences; empty when the text has no sentences.
    """
    code = _resolve_language(language, paragraphs)
    if ranking is None:
        ranking = rank_sentences(paragraphs, language=code, title=title)
    if not ranking:
        return Summary(sentences=(), method=METHOD)
    analysis = _analyse(tuple(item.text for item in ranking), code)
    wanted = sentences if sentences is not None else default_sentence_count(sum(analysis.word_counts))
    chosen = _select(ranking, max(1, wanted), analysis, code)
    return Summary(sentences=tuple(item.text for item in chosen), method=METHOD)

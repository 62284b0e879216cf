"""Choose the sentences that summarize a news article, and rate every sentence's importance.

News is written as an inverted pyramid, so the opening sentences are a hard bar: sumy's stock
rankers (LexRank, TextRank, LSA, Luhn, KL, SumBasic) all score below Lead-3 on CNN/DailyMail, and
adding any of them to the ranking below lowered its score there (see bench/bench_summarize.py).
What passes Lead-3 is a ranking that knows where a sentence stands and what the rest of the
article goes on to say about it (forward centrality, as in PacSum, Zheng & Lapata 2019), plus a
selection that does not say the same thing twice (maximal marginal relevance). sumy supplies the
stemmers and stop-word lists; `bot.news.sentences` supplies offline sentence and word splitting.

Every step is linear in the text's length, and the text considered is capped, so any input,
however large, is ranked in bounded time.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.news.language import detect_language
from bot.news.models import RankedSentence, Summary
from bot.news.sentences import DEFAULT_LANGUAGE, LANGUAGE_NAMES, language_code, split_sentences, split_words

LOGGER = logging.getLogger(__name__)

METHOD = "position+forward-centrality+mmr"
"""Names the ranking in `Summary.method`, so a change of method shows in saved briefings."""

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
DETECTION_SAMPLE_CHARS = 4_000
"""When no language is given, judge it from the opening (detect_language reads no more anyway)."""

_QUESTION_END = re.compile(r"[?？؟][\"'”’»)\]]*\s*$")


@dataclass(frozen=True, slots=True)
class _LanguageTools:
    """What the ranking needs to know about a language: how to stem a word and which to ignore."""

    code: str
    stem: Callable[[str], str]
    stop_words: frozenset[str]


def _null_stem(word: str) -> str:
    return word


@lru_cache(maxsize=64)
def _language_tools(code: str) -> _LanguageTools:
    """Load sumy's stemmer and stop words for a language once; fall back to none of either.

    sumy has a Russian stemmer but no Russian stop words (Dutch the same); Polish and Greek stemmers
    need extra packages; Chinese and Japanese have stop words but no stemmer. Sentence-level IDF
    already weighs function words down, so a language without a list still ranks sensibly.
    """
    from sumy.nlp.stemmers import Stemmer  # sumy pulls in nltk: import on first use, not at startup
    from sumy.utils import get_stop_words

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
    return _LanguageTools(code=code, stem=stem, stop_words=stop_words)


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
            sentences.extend((piece, index) for piece in _pieces(sentence))
    return sentences


def _terms(words: Sequence[str], tools: _LanguageTools) -> list[str]:
    """Content words, lower-cased and stemmed; numbers and stop words carry no topic."""
    terms = []
    for word in words:
        lowered = word.lower()
        if lowered not in tools.stop_words and not lowered.isdigit():
            terms.append(tools.stem(lowered))
    return terms


@dataclass(frozen=True, slots=True)
class _Analysis:
    """Each sentence's content words and word count, and the words' inverse sentence frequency."""

    terms: tuple[tuple[str, ...], ...]
    word_counts: tuple[int, ...]
    idf: dict[str, float]


@lru_cache(maxsize=4)
def _analyse(texts: tuple[str, ...], code: str) -> _Analysis:
    """Tokenize and weigh an article's sentences once; `summarize` given a ranking finds them here."""
    tools = _language_tools(code)
    words = [split_words(text) for text in texts]
    terms = tuple(tuple(_terms(sentence, tools)) for sentence in words)
    document_frequency: Counter[str] = Counter()
    for sentence_terms in terms:
        document_frequency.update(set(sentence_terms))
    count = len(texts)
    idf = {term: math.log((count + 1) / (frequency + 0.5)) for term, frequency in document_frequency.items()}
    return _Analysis(terms=terms, word_counts=tuple(len(sentence) for sentence in words), idf=idf)


def _unit_vector(terms: Sequence[str], idf: dict[str, float]) -> dict[str, float]:
    """Log-scaled term frequency times IDF, scaled to length one."""
    weights = {term: (1.0 + math.log(count)) * idf[term] for term, count in Counter(terms).items()}
    length = math.sqrt(sum(weight * weight for weight in weights.values()))
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
        centrality[index] = sum(weight * after.get(term, 0.0) for term, weight in vector.items())
        for term, weight in vector.items():
            after[term] = after.get(term, 0.0) + weight
    return centrality


def _title_overlap(title: str | None, terms: Sequence[Sequence[str]], tools: _LanguageTools) -> list[float]:
    """Cosine overlap of each sentence's content words with the headline's."""
    title_terms = set(_terms(split_words(title), tools)) if title else set()
    if not title_terms:
        return [0.0] * len(terms)
    overlaps = []
    for words in terms:
        unique = set(words)
        overlaps.append(len(title_terms & unique) / math.sqrt(len(title_terms) * len(unique)) if unique else 0.0)
    return overlaps


def _is_furniture(sentence: str, words: int) -> bool:
    return words <= BOILERPLATE_MAX_WORDS and bool(_BOILERPLATE.match(sentence))


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
    code = _resolve_language(language, paragraphs)
    sentences = _split(paragraphs, code)
    if not sentences:
        return []
    analysis = _analyse(tuple(text for text, _paragraph in sentences), code)
    vectors = [_unit_vector(terms, analysis.idf) for terms in analysis.terms]
    forward = _scale(_forward_centrality(vectors))
    headline = _scale(_title_overlap(title, analysis.terms, _language_tools(code)))

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


def default_sentence_count(word_count: int) -> int:
    """How many sentences summarize an article of `word_count` words: 3 to 5."""
    extra = max(0, word_count - WORDS_PER_EXTRA_SENTENCE) // WORDS_PER_EXTRA_SENTENCE
    return min(MAX_SENTENCES, MIN_SENTENCES + extra)


def _select(ranking: Sequence[RankedSentence], wanted: int, analysis: _Analysis) -> list[RankedSentence]:
    """Greedy maximal marginal relevance over the best-rated candidates, skipping near-duplicates."""
    content = [
        index for index, item in enumerate(ranking) if not _is_furniture(item.text, analysis.word_counts[index])
    ] or list(range(len(ranking)))
    content.sort(key=lambda index: (-ranking[index].score, ranking[index].position))
    remaining = content[: max(MIN_CANDIDATES, CANDIDATES_PER_SENTENCE * wanted)]
    vectors = {index: _unit_vector(analysis.terms[index], analysis.idf) for index in remaining}
    chosen: list[int] = []
    while remaining and len(chosen) < wanted:
        best, best_value = None, -math.inf
        for index in list(remaining):
            similarity = max((_cosine(vectors[index], vectors[other]) for other in chosen), default=0.0)
            if similarity >= NEAR_DUPLICATE or any(ranking[index].text == ranking[o].text for o in chosen):
                remaining.remove(index)
                continue
            value = ranking[index].score - REDUNDANCY_WEIGHT * similarity
            if value > best_value:
                best, best_value = index, value
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
    chosen = _select(ranking, max(1, wanted), analysis)
    return Summary(sentences=tuple(item.text for item in chosen), method=METHOD)

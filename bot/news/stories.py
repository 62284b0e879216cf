"""The same story told by several outlets becomes one Story, "covered by N outlets", with every link.

Items are compared by the cosine of TF-IDF vectors over their title and the start of their summary:
words lower-cased, stop words dropped, stemmed in the feed's language (sumy's stemmers). Scripts
written without spaces (Chinese, Japanese, Thai) and Korean, whose words carry their particles,
are cut into character pairs instead. Adding word
pairs as terms was measured and made matching worse, not better (bench/tune_stories.py).

Grouping is average-link agglomerative clustering, then one item per outlet: two items from one
outlet never share a story, because an outlet does not report one event twice in one digest — its
two items (a report and an explainer, say) are two stories. Average-link (rather than single-link)
keeps a chain A~B~C of loosely related items from gluing unrelated stories together.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Literal

import numpy as np

from bot.news.feeds import FeedItem
from bot.news.language import detect_language
from bot.news.sentences import LANGUAGE_NAMES
from bot.news.urls import normalize_url

LOGGER = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 0.2
"""Cosine similarity at which two items (or, on average, two groups) are one story. Measured by
bench/tune_stories.py on 349 real articles each told two ways by two outlets: pairwise F1 is flat
from 0.14 to 0.24 (0.72-0.77 on the tuning half, best 0.16); on the held-out half 0.20 gives
P 0.73 / R 0.71 (F1 0.72, against 0.69 at 0.16), and P 0.96 / R 0.92 on the CNN/DM pairs (two
writers, one event). We take the precise end of the plateau: a wrong merge hides a story, a missed
one only shows it twice."""

SUMMARY_WORDS = 80
"""Words of the summary compared: a teaser's first three or four sentences. Feeds that carry the whole article
would otherwise compare article bodies, where every story about a topic shares vocabulary."""

TITLE_WEIGHT = 2.0
"""A headline word counts twice a summary word: headlines name the event, summaries add detail."""

Linkage = Literal["average", "single"]

_WORD = re.compile(r"\w+", re.UNICODE)
_UNSPACED_SCRIPT = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
"""Thai, Japanese kana, CJK ideographs and Hangul syllables: scripts whose words are not space-separated."""

"""ISO 639-1 codes to the language names sumy's stemmers and stop-word lists use."""


@dataclass(frozen=True, slots=True)
class Story:
    """One event as one or more outlets reported it."""

    title: str
    """The representative item's title."""
    representative: FeedItem
    """The item most like the others in the story (the medoid); the earliest among equals."""
    items: tuple[FeedItem, ...]
    """Every item in the story, earliest first (undated items last), one per outlet."""
    outlets: tuple[str, ...]
    """The distinct outlets (FeedItem.source), in the order they reported the story."""
    published: datetime | None
    """When the story broke: the earliest item's time; None when no item is dated."""

    @property
    def links(self) -> tuple[str, ...]:
        """Every item's link, in the order of `items`."""
        return tuple(item.link for item in self.items if item.link)

    @property
    def outlet_count(self) -> int:
        return len(self.outlets)


def group_stories(
    items: Sequence[FeedItem], *, threshold: float = DEFAULT_THRESHOLD, linkage: Linkage = "average"
) -> list[Story]:
    """Group items that tell the same story across outlets. Pure CPU work: run it in an executor.

    The same article met twice (one link in two feeds of an outlet) counts once. Items from one
    outlet never share a story.

    Args:
        items: items from any number of feeds, in any order.
        threshold: the cosine similarity, in [0, 1], at which items are one story; higher
            merges less.
        linkage: "average" (the mean similarity between two groups must reach `threshold`) or
            "single" (one close pair is enough).

    Returns:
        Stories, most outlets first, then newest first (by their latest item); single-item stories
        included.

    Raises:
        ValueError: `threshold` is not in (0, 1].
    """
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], not {threshold}")
    unique = _distinct(items)
    if not unique:
        return []
    similarity = similarity_matrix(unique)
    outlets = [_outlet_key(item) for item in unique]
    groups = _cluster(similarity, outlets, threshold=threshold, linkage=linkage)
    stories = [_story([unique[i] for i in group], similarity[np.ix_(group, group)]) for group in groups]
    order = sorted(range(len(stories)), key=lambda n: (-stories[n].outlet_count, -_latest(stories[n]), n))
    return [stories[n] for n in order]


def similarity_matrix(items: Sequence[FeedItem]) -> np.ndarray:
    """Cosine similarities of the items' TF-IDF vectors, an n x n float32 matrix with a zero diagonal.

    Only terms shared by two or more items can make two items alike, so the dense matrix is built
    over those columns alone (a few thousand for 1,000 items) and multiplied once.
    """
    languages = _languages(items)
    bags = [_terms(item, languages.get(item.feed_url)) for item in items]
    count = len(bags)
    document_frequency: Counter[str] = Counter()
    for bag in bags:
        document_frequency.update(bag.keys())
    shared = {term: column for column, term in enumerate(t for t, df in document_frequency.items() if df > 1)}
    vectors = np.zeros((count, len(shared)), dtype=np.float32)
    norms = np.zeros(count, dtype=np.float32)
    for row, bag in enumerate(bags):
        total = 0.0
        for term, weight in bag.items():
            # Sublinear tf and smoothed idf, as in common TF-IDF practice.
            value = (1.0 + math.log(weight)) * (math.log((1 + count) / (1 + document_frequency[term])) + 1.0)
            total += value * value
            column = shared.get(term)
            if column is not None:
                vectors[row, column] = value
        norms[row] = math.sqrt(total)
    norms[norms == 0] = 1.0
    vectors /= norms[:, None]
    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, 0.0)
    return similarity


def _distinct(items: Iterable[FeedItem]) -> list[FeedItem]:
    """Items with their repeats removed: one link (normalized) is one article, whichever feed it came in."""
    seen: set[tuple[str, str]] = set()
    unique = []
    for item in items:
        identity = ("link", normalize_url(item.link)) if item.link else (item.feed_url, item.key)
        if identity not in seen:
            seen.add(identity)
            unique.append(item)
    return unique


def _outlet_key(item: FeedItem) -> str:
    return " ".join(item.source.casefold().split())


def _languages(items: Sequence[FeedItem]) -> dict[str, str | None]:
    """Each feed's language, detected once from its items together: feeds keep to one language,
    and one detection per feed instead of one per item keeps 1,000 items fast."""
    samples: dict[str, list[str]] = {}
    hints: dict[str, str | None] = {}
    for item in items:
        samples.setdefault(item.feed_url, []).append(f"{item.title}. {item.summary[:200]}")
        hints.setdefault(item.feed_url, item.language)
    return {feed: detect_language(" ".join(texts), hint=hints[feed]) for feed, texts in samples.items()}


def _terms(item: FeedItem, language: str | None) -> dict[str, float]:
    """The weighted bag of stemmed words of an item's title and the start of its summary."""
    bag: defaultdict[str, float] = defaultdict(float)
    summary = " ".join(item.summary.split()[:SUMMARY_WORDS])
    for text, weight in ((item.title, TITLE_WEIGHT), (summary, 1.0)):
        for word in _words(text, language):
            bag[word] += weight
    return bag


def _words(text: str, language: str | None) -> list[str]:
    stem, stop_words = _analyzer(language)
    words: list[str] = []
    for token in _WORD.findall(text.casefold()):
        if _UNSPACED_SCRIPT.search(token):
            words.extend(token[i : i + 2] for i in range(max(1, len(token) - 1)))
        elif token not in stop_words and (len(token) > 1 or token.isdigit()):
            words.append(stem(token))
    return words


def load_analyzers() -> None:
    """Load every language's stemmer and stop words now (nltk's import alone takes 0.3 s) rather than on
    the first story in each (bot.news.warm)."""
    for code in LANGUAGE_NAMES:
        _analyzer(code)


@lru_cache(maxsize=32)
def _analyzer(language: str | None) -> tuple[Callable[[str], str], frozenset[str]]:
    """The stemmer (memoized per word) and stop words for a language; plain words where sumy has none."""
    name = LANGUAGE_NAMES.get(language or "")
    stop_words: frozenset[str] = frozenset()
    stemmer: Callable[[str], str] = str
    if name is not None:
        from sumy.nlp.stemmers import Stemmer
        from sumy.utils import get_stop_words

        try:
            stop_words = frozenset(word.casefold() for word in get_stop_words(name))
        except LookupError:
            LOGGER.debug("No stop words for %s", name)
        try:
            stemmer = Stemmer(name)
        except (LookupError, ValueError):  # e.g. Greek needs an extra package
            LOGGER.debug("No stemmer for %s", name)
    return lru_cache(maxsize=65_536)(stemmer), stop_words


def _cluster(similarity: np.ndarray, outlets: Sequence[str], *, threshold: float, linkage: Linkage) -> list[list[int]]:
    """Agglomerate items into groups, then keep one item per outlet in each group.

    The outlet rule is applied after grouping, not during it: applied during, an outlet's explainer
    that happens to be closest to one rival's report would claim that report first, and the event
    would split in two stories of two outlets each instead of one of three. Per outlet, the item
    closest to the rest of the group stays; the others are grouped again among themselves.
    """
    groups: list[list[int]] = []
    for group in _agglomerate(similarity, threshold=threshold, linkage=linkage):
        kept, left_over = _one_per_outlet(group, similarity, outlets)
        groups.append(kept)
        if left_over:
            inner = similarity[np.ix_(left_over, left_over)]
            rest = _cluster(inner, [outlets[i] for i in left_over], threshold=threshold, linkage=linkage)
            groups.extend([left_over[i] for i in subgroup] for subgroup in rest)
    return groups


def _agglomerate(similarity: np.ndarray, *, threshold: float, linkage: Linkage) -> list[list[int]]:
    """Merge groups, most similar item pairs first, while their link reaches the threshold.

    Every pair of groups whose link reaches the threshold contains an item pair that does (an
    average never exceeds its largest term), so walking the item pairs at or above the threshold
    from the most similar down considers every merge that could be made.
    """
    count = similarity.shape[0]
    rows, columns = np.nonzero(np.triu(similarity >= threshold, k=1))
    order = np.argsort(-similarity[rows, columns], kind="stable")
    parent = list(range(count))
    members: dict[int, list[int]] = {i: [i] for i in range(count)}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for index in order:
        a, b = find(int(rows[index])), find(int(columns[index]))
        if a == b:
            continue
        if linkage == "average" and _mean_link(similarity, members[a], members[b]) < threshold:
            continue
        if len(members[a]) < len(members[b]):
            a, b = b, a
        parent[b] = a
        members[a].extend(members.pop(b))
    return [sorted(group) for group in members.values()]


def _one_per_outlet(group: list[int], similarity: np.ndarray, outlets: Sequence[str]) -> tuple[list[int], list[int]]:
    """Split a group into one item per outlet (the one closest to the other outlets' items) and the rest."""
    by_outlet: dict[str, list[int]] = {}
    for i in group:
        by_outlet.setdefault(outlets[i], []).append(i)
    if len(by_outlet) == len(group):
        return group, []
    kept: list[int] = []
    for members in by_outlet.values():
        others = [i for i in group if outlets[i] != outlets[members[0]]]
        closeness = similarity[np.ix_(members, others)].sum(axis=1) if others else np.zeros(len(members))
        kept.append(members[int(np.argmax(closeness))])
    left_over = [i for i in group if i not in set(kept)]
    return sorted(kept), left_over


def _mean_link(similarity: np.ndarray, first: list[int], second: list[int]) -> float:
    """The mean similarity over every pair across two groups (average linkage)."""
    return float(similarity[np.ix_(first, second)].mean())


def _story(items: list[FeedItem], similarity: np.ndarray) -> Story:
    by_time = sorted(range(len(items)), key=lambda i: (items[i].published is None, _timestamp(items[i]), i))
    ordered = tuple(items[i] for i in by_time)
    centrality = similarity.sum(axis=1)
    best = max(by_time, key=lambda i: centrality[i])  # max keeps the first (earliest) among equals
    representative = items[best]
    return Story(
        title=representative.title,
        representative=representative,
        items=ordered,
        outlets=tuple(dict.fromkeys(item.source for item in ordered)),
        published=ordered[0].published,
    )


def _timestamp(item: FeedItem) -> float:
    return item.published.timestamp() if item.published else 0.0


def _latest(story: Story) -> float:
    return max((_timestamp(item) for item in story.items), default=0.0)

"""Tune and measure story grouping on real news, and time it on 1,000 items. Prints figures only.

There is no public multi-outlet news set small enough to ship, so pairs are built from the
evaluation articles in ../shared/eval (read only when present; nothing is copied into the repo):

- CNN/DailyMail: one "outlet" gives the article's human highlights (first highlight as headline),
  another the reporter's lead (first sentence as headline, next two as summary). Two writers telling
  one event: the realistic case.
- BBC: one outlet gives the headline and lead paragraph, another two sentences of the reference
  summary that are not in the lead, the first standing in for a headline. Different facts from one
  story: a hard case. Articles the set holds twice (same headline) count as one story; several
  articles following one developing story (e.g. three on the EU patent law) still count as
  different stories here, so precision on BBC is a lower bound.

Items are given to 8 invented outlets at random (never both tellings of one article to one outlet)
and shuffled; every article is a gold story of two items. Scores are pairwise over the clustering:
precision = pairs put together that belong together / pairs put together. Articles alternate
between a tuning half and a held-out half.

Usage: .venv/bin/python bench/tune_stories.py [EVAL_SUMMARIES_DIR]
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from math import comb
from pathlib import Path

from bot.news.feeds import FeedItem
from bot.news.sentences import split_sentences
from bot.news.stories import DEFAULT_THRESHOLD, Linkage, group_stories, similarity_matrix

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev" / "summaries"
OUTLETS = tuple(f"Outlet {letter}" for letter in "ABCDEFGH")
THRESHOLDS = tuple(round(0.06 + 0.02 * step, 2) for step in range(18))
SEED = 7

Telling = tuple[str, str]
Article = tuple[str, str, Telling, Telling]
"""(id, source set, first telling, second telling); a telling is (headline, summary)."""


def load_articles(folder: Path) -> list[Article]:
    articles: list[Article] = []
    with (folder / "bbc.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            paragraphs = [p.strip() for p in row["text"].split("\n\n") if p.strip()]
            lead = paragraphs[1] if paragraphs[0] == row["title"] and len(paragraphs) > 1 else paragraphs[0]
            in_lead = set(split_sentences(lead, language="en"))
            rest = [
                s
                for s in split_sentences(row["reference"], language="en")
                if s not in in_lead and s not in row["title"]
            ]
            if len(rest) >= 2:
                articles.append((row["id"], "bbc", (row["title"], lead), (rest[0], " ".join(rest[1:3]))))
    with (folder / "cnndm_summeval.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            highlights = [h.strip() + " ." for h in row["reference"].split(" . ") if h.strip()]
            sentences = split_sentences(row["text"], language="en")
            if len(highlights) >= 2 and len(sentences) >= 3:
                first = (highlights[0], " ".join(highlights[1:]))
                articles.append((row["id"], "cnndm", first, (sentences[0], " ".join(sentences[1:3]))))
    return articles


def _item(number: int, outlet: str, telling: Telling, minutes: int) -> FeedItem:
    host = outlet.split()[1].lower() + ".example"
    return FeedItem(
        key=f"guid:{number}",
        title=telling[0],
        link=f"https://{host}/news/{number}",
        summary=telling[1],
        published=datetime(2026, 3, 1, tzinfo=UTC) + timedelta(minutes=minutes),
        authors=(),
        feed_url=f"https://{host}/feed",
        source=outlet,
        language="en",
    )


def build_pool(articles: Sequence[Article]) -> tuple[list[FeedItem], list[int]]:
    """Two items per article from two different outlets, shuffled, with gold story labels."""
    rng = random.Random(SEED)
    items: list[FeedItem] = []
    labels: list[int] = []
    story_of_headline: dict[str, int] = {}
    for number, (article_id, source, first, second) in enumerate(articles):
        label = story_of_headline.setdefault(first[0] if source == "bbc" else article_id, number)
        for outlet, telling in zip(rng.sample(OUTLETS, 2), (first, second), strict=True):
            items.append(_item(len(items), outlet, telling, rng.randint(0, 1440)))
            labels.append(label)
    order = list(range(len(items)))
    rng.shuffle(order)
    return [items[i] for i in order], [labels[i] for i in order]


def pair_scores(gold: Sequence[int], predicted: Sequence[int]) -> tuple[float, float, float]:
    together = sum(comb(n, 2) for n in Counter(zip(gold, predicted, strict=True)).values())
    predicted_pairs = sum(comb(n, 2) for n in Counter(predicted).values())
    gold_pairs = sum(comb(n, 2) for n in Counter(gold).values())
    precision = together / predicted_pairs if predicted_pairs else 1.0
    recall = together / gold_pairs if gold_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def score(items: list[FeedItem], gold: list[int], threshold: float, linkage: Linkage) -> tuple[float, float, float]:
    story_of_key = {}
    for number, story in enumerate(group_stories(items, threshold=threshold, linkage=linkage)):
        for item in story.items:
            story_of_key[item.key] = number
    return pair_scores(gold, [story_of_key[item.key] for item in items])


def thousand_items(articles: Sequence[Article]) -> list[FeedItem]:
    """1,000 items: both tellings of every article, then third tellings (later lead sentences)."""
    items, _labels = build_pool(articles)
    rng = random.Random(SEED)
    for _id, _source, first, _second in articles:
        if len(items) >= 1000:
            break
        sentences = split_sentences(first[1], language="en")
        if sentences:
            items.append(_item(len(items), rng.choice(OUTLETS), (sentences[-1], first[1]), rng.randint(0, 1440)))
    while len(items) < 1000:  # a small eval set: repeat under new links
        template = items[len(items) % len(articles)]
        items.append(_item(len(items), template.source, (template.title, template.summary), 0))
    return items[:1000]


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DIR
    if not (folder / "bbc.jsonl").exists():
        print(f"No evaluation data at {folder}; nothing to measure.")
        return
    articles = load_articles(folder)
    tuning = [a for n, a in enumerate(articles) if n % 2 == 0]
    held_out = [a for n, a in enumerate(articles) if n % 2 == 1]
    print(f"{len(articles)} articles ({sum(a[1] == 'bbc' for a in articles)} BBC); tuning on {len(tuning)}")

    items, gold = build_pool(tuning)
    print("\nthreshold  average-link P / R / F1    single-link P / R / F1   (tuning half, both sets mixed)")
    best = (0.0, DEFAULT_THRESHOLD)
    for threshold in THRESHOLDS:
        average = score(items, gold, threshold, "average")
        single = score(items, gold, threshold, "single")
        best = max(best, (average[2], threshold))
        print(
            f"  {threshold:.2f}     {average[0]:.3f} {average[1]:.3f} {average[2]:.3f}       "
            f"{single[0]:.3f} {single[1]:.3f} {single[2]:.3f}"
        )
    print(f"best average-link F1 {best[0]:.3f} at {best[1]:.2f}; DEFAULT_THRESHOLD is {DEFAULT_THRESHOLD}")

    print("\nheld-out half, average-link:   P      R      F1")
    for name, subset in (
        ("mixed", held_out),
        ("CNN/DM", [a for a in held_out if a[1] == "cnndm"]),
        ("BBC", [a for a in held_out if a[1] == "bbc"]),
    ):
        items, gold = build_pool(subset)
        for threshold in sorted({best[1], DEFAULT_THRESHOLD}):
            precision, recall, f1 = score(items, gold, threshold, "average")
            print(f"  {name:7s} at {threshold:.2f} ({len(items)} items)  {precision:.3f}  {recall:.3f}  {f1:.3f}")

    many = thousand_items(articles)
    runs = []
    for _ in range(3):
        wall, cpu = time.perf_counter(), time.process_time()
        group_stories(many, threshold=DEFAULT_THRESHOLD)
        runs.append((time.perf_counter() - wall, time.process_time() - cpu))
    wall, cpu = time.perf_counter(), time.process_time()
    similarity_matrix(many)
    matrix = (time.perf_counter() - wall, time.process_time() - cpu)
    best = min(runs)
    print(
        f"\n1,000 items: group_stories {best[0] * 1000:.0f} ms wall / {best[1] * 1000:.0f} ms CPU (best of 3; "
        f"first run {runs[0][0] * 1000:.0f} ms wall); similarity matrix alone {matrix[0] * 1000:.0f} ms wall / "
        f"{matrix[1] * 1000:.0f} ms CPU. Wall time includes waiting for a shared CPU."
    )


if __name__ == "__main__":
    main()

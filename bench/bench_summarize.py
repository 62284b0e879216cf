"""Print figures for sentence splitting and summarizing: accuracy, ROUGE and time. No assertions.

    .venv/bin/python bench/bench_summarize.py                 # everything that needs no extra data
    .venv/bin/python bench/bench_summarize.py --rouge         # + ROUGE on ../shared/eval dev sets
    .venv/bin/python bench/bench_summarize.py --rouge --sumy  # + every stock sumy summarizer
    .venv/bin/python bench/bench_summarize.py --rouge --blends  # + blends of sumy rankers with the prior

Splitting: exact-passage accuracy and boundary F1 on tests/news/fixtures/sentences/labelled.json
(tricky news passages written for newsbrief), for our splitter, a naive regex, and pysbd when it
is installed (it is not a dependency). ROUGE needs `rouge-score` (the eval extra) and the dev
data; ROUGE is computed the way ../shared/eval/score.py does. `--blends` scores the position prior
blended with each sumy ranker and with pairs of them (how DEFAULT_BLEND was chosen), with ROUGE-1
on each half of every set as a check against tuning to noise. Timing uses the dev texts when
present and the test fixtures otherwise.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import re
import statistics
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

from bot.news import summarize as summarize_module
from bot.news.sentences import NewsTokenizer, split_sentences
from bot.news.summarize import DEFAULT_BLEND, Blend, rank_sentences, summarize

ROOT = Path(__file__).resolve().parent.parent

LABELLED = ROOT / "tests" / "news" / "fixtures" / "sentences" / "labelled.json"
FIXTURES = ROOT / "tests" / "news" / "fixtures" / "summarize"
DEFAULT_DATA = ROOT.parent / "shared" / "eval" / "dev" / "summaries"
SUMMARY_SENTENCES = 3
"""The dev sets' reference point is Lead-3, so every system picks three sentences."""

BLEND_WEIGHT = 0.3
"""Each ranker's weight in the blends compared: DEFAULT_BLEND's, the middle of its plateau."""

BLENDS: dict[str, Blend] = {
    "position prior only": Blend(rankers=()),
    **{f"prior + {name}": Blend(rankers=((name, BLEND_WEIGHT),)) for name in summarize_module.SUMY_RANKERS},
    **{
        f"prior + {first} + {second}": Blend(rankers=((first, BLEND_WEIGHT), (second, BLEND_WEIGHT)))
        for first, second in [
            ("lsa", "lexrank"),
            ("lsa", "luhn"),
            ("textrank", "lexrank"),
            ("textrank", "luhn"),
            ("textrank", "reduction"),
        ]
    },
    "prior + lsa + textrank (default)": DEFAULT_BLEND,
}
"""Every sumy ranker alone, the pairs that did best in the search, and the default."""

_NAIVE = re.compile(r"(?<=[.!?。！？])\s+")


def naive_split(text: str, language: str | None = None) -> list[str]:
    return [part for line in text.splitlines() for part in _NAIVE.split(line) if part.strip()]


def _pysbd_splitter() -> Callable[[str, str | None], list[str]] | None:
    try:
        import pysbd  # type: ignore[import-not-found]
    except ImportError:
        return None
    segmenters: dict[str, object] = {}

    def split(text: str, language: str | None = None) -> list[str]:
        code = language if language is not None and language in pysbd.languages.LANGUAGE_CODES else "en"
        segmenter = segmenters.setdefault(code, pysbd.Segmenter(language=code, clean=False))
        return [s.strip() for line in text.splitlines() for s in segmenter.segment(line) if s.strip()]  # type: ignore[attr-defined]

    return split


def _boundaries(text: str, sentences: Sequence[str]) -> set[int]:
    ends: set[int] = set()
    offset = 0
    for sentence in sentences:
        found = text.find(sentence.strip(), offset)
        if found < 0:
            return ends
        offset = found + len(sentence.strip())
        ends.add(offset)
    ends.discard(len(text))
    return ends


def bench_splitting(texts: list[str]) -> None:
    cases = json.loads(LABELLED.read_text(encoding="utf-8"))
    splitters: dict[str, Callable[..., list[str]]] = {"newsbrief": split_sentences, "naive regex": naive_split}
    pysbd_split = _pysbd_splitter()
    if pysbd_split:
        splitters["pysbd"] = pysbd_split
    print(f"\n== sentence splitting: {len(cases)} labelled passages ==")
    for name, split in splitters.items():
        exact = true_positive = false_positive = false_negative = 0
        for case in cases:
            text = case["joiner"].join(case["sentences"])
            predicted = [s.strip() for s in split(text, language=case["language"])]
            exact += predicted == case["sentences"]
            gold, found = _boundaries(text, case["sentences"]), _boundaries(text, predicted)
            true_positive += len(gold & found)
            false_positive += len(found - gold)
            false_negative += len(gold - found)
        precision = true_positive / max(1, true_positive + false_positive)
        recall = true_positive / max(1, true_positive + false_negative)
        f1 = 2 * precision * recall / max(1e-9, precision + recall)
        print(f"{name:12s} passages {exact}/{len(cases)}  boundary P {precision:.3f} R {recall:.3f} F1 {f1:.3f}")
    corpus = "\n\n".join(texts)
    print(f"speed on {len(corpus) / 1e6:.2f} MB:")
    for name, split in splitters.items():
        started = time.perf_counter()
        count = len(split(corpus))
        seconds = time.perf_counter() - started
        print(f"  {name:12s} {seconds * 1000:8.0f} ms  {len(corpus) / seconds / 1e6:6.2f} MB/s  {count} sentences")


def _paragraphs(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"\n\s*\n", text) if part.strip()] or [text]


def _stock_sumy(name: str) -> Callable[[str], list[str]]:
    """A stock sumy summarizer, as its README uses it, but with our tokenizer (no NLTK data here)."""
    from sumy.nlp.stemmers import Stemmer
    from sumy.parsers.plaintext import PlaintextParser
    from sumy.summarizers.kl import KLSummarizer
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.lsa import LsaSummarizer
    from sumy.summarizers.luhn import LuhnSummarizer
    from sumy.summarizers.sum_basic import SumBasicSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    classes = {
        "LexRank": LexRankSummarizer,
        "TextRank": TextRankSummarizer,
        "LSA": LsaSummarizer,
        "Luhn": LuhnSummarizer,
        "KL": KLSummarizer,
        "SumBasic": SumBasicSummarizer,
    }
    summarizer = classes[name](Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    tokenizer = NewsTokenizer("en")

    def run(text: str) -> list[str]:
        document = PlaintextParser.from_string(text, tokenizer).document
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # LSA warns on short texts
            return [str(sentence) for sentence in summarizer(document, SUMMARY_SENTENCES)]

    return run


def _blend_summary(row: dict[str, str], blend: Blend) -> list[str]:
    paragraphs = _paragraphs(row["text"])
    ranking = summarize_module._rank(paragraphs, code="en", title=None, blend=blend)
    return list(summarize(paragraphs, language="en", sentences=SUMMARY_SENTENCES, ranking=ranking).sentences)


def load_eval_scorer(data: Path) -> ModuleType:
    """../shared/eval/score.py (beside the dev data's folder), loaded by path: its ROUGE and sentences."""
    path = data.parent.parent / "score.py"
    spec = importlib.util.spec_from_file_location("score", path)
    if spec is None or spec.loader is None:
        raise FileNotFoundError(path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def bench_blends(data: Path) -> None:
    """ROUGE of the position prior blended with sumy rankers, whole sets and their halves."""
    score = load_eval_scorer(data)

    sets = {
        file.stem: [json.loads(line) for line in file.open(encoding="utf-8")]
        for file in sorted(data.glob("*.jsonl"))
        if file.name != "system_outputs.jsonl"
    }
    rows = {**BLENDS, "default, no long-sentence damping": DEFAULT_BLEND}
    print(f"\n== the position prior blended with sumy rankers, {BLEND_WEIGHT} each, {SUMMARY_SENTENCES} sentences ==")
    header = "".join(f" {name[:10]:>10s} R1/R2/RLsum      halves R1  " for name in sets)
    print(f"{'blend':38s}{header}")
    full_words = summarize_module.RANKER_FULL_WORDS
    for label, blend in rows.items():
        if label.startswith("default, no"):
            summarize_module.RANKER_FULL_WORDS = 10**9  # every rating counts in full, however long the sentence
        cells = []
        for articles in sets.values():
            outputs = [_blend_summary(row, blend) for row in articles]
            pairs = [(row["reference"], output) for row, output in zip(articles, outputs, strict=True)]
            whole = score.rouge(pairs)
            halves = [score.rouge(pairs[start::2])["R1"] for start in (0, 1)]
            cells.append(
                f" {whole['R1']:6.2f}/{whole['R2']:5.2f}/{whole['RLsum']:5.2f}  {halves[0]:6.2f} {halves[1]:6.2f}  "
            )
        summarize_module.RANKER_FULL_WORDS = full_words
        print(f"{label:38s}{''.join(cells)}")


def _on_text(summarizer: Callable[[str], list[str]]) -> Callable[[dict[str, str]], list[str]]:
    """A summarizer of text as one of a dev set's rows."""
    return lambda row: summarizer(row["text"])


def bench_rouge(data: Path, with_sumy: bool) -> None:
    score = load_eval_scorer(data)

    systems: dict[str, Callable[[dict[str, str]], list[str]]] = {
        "Lead-3 (our splitter)": lambda row: split_sentences(row["text"], language="en")[:SUMMARY_SENTENCES],
        "newsbrief": lambda row: list(
            summarize(_paragraphs(row["text"]), language="en", sentences=SUMMARY_SENTENCES).sentences
        ),
    }
    for name in ["LexRank", "TextRank", "LSA", "Luhn", "KL", "SumBasic"] if with_sumy else ["LexRank"]:
        systems[f"stock sumy {name}"] = _on_text(_stock_sumy(name))
    for file in sorted(data.glob("*.jsonl")):
        if file.name == "system_outputs.jsonl":
            continue
        rows = [json.loads(line) for line in file.open(encoding="utf-8")]
        print(f"\n== ROUGE F1 on {file.stem} ({len(rows)} articles, {SUMMARY_SENTENCES} sentences) ==")
        print(f"{'system':26s} {'R1':>6s} {'R2':>6s} {'RLsum':>6s} {'seconds':>8s}")
        for name, system in systems.items():
            started = time.perf_counter()
            outputs = [system(row) for row in rows]
            seconds = time.perf_counter() - started
            scores = score.rouge([(row["reference"], output) for row, output in zip(rows, outputs, strict=True)])
            print(f"{name:26s} {scores['R1']:6.2f} {scores['R2']:6.2f} {scores['RLsum']:6.2f} {seconds:8.2f}")
            if name == "newsbrief" and any(row.get("title") for row in rows):
                titled = [
                    list(summarize(_paragraphs(r["text"]), language="en", sentences=3, title=r.get("title")).sentences)
                    for r in rows
                ]
                scores = score.rouge([(row["reference"], output) for row, output in zip(rows, titled, strict=True)])
                print(f"{'newsbrief + headline':26s} {scores['R1']:6.2f} {scores['R2']:6.2f} {scores['RLsum']:6.2f}")


def _sample_text(paragraphs: list[str], words: int, seed: int) -> list[str]:
    generator = random.Random(seed)
    chosen: list[str] = []
    count = 0
    while count < words:
        paragraph = generator.choice(paragraphs)
        chosen.append(paragraph)
        count += len(paragraph.split())
    return chosen


def _timed(call: Callable[[list[str]], object], inputs: Sequence[list[str]]) -> float:
    """Median seconds of `call` over distinct inputs (the same input twice would hit caches)."""
    times = []
    for paragraphs in inputs:
        started = time.perf_counter()
        call(paragraphs)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def bench_time(pool: list[str], with_sumy: bool) -> None:
    print("\n== time (median of 3 different texts; the first call loads sumy, NLTK and the language model) ==")
    started = time.perf_counter()
    summarize(_sample_text(pool, 300, 0))
    print(f"first call, 300 words:                 {time.perf_counter() - started:7.3f} s")
    ten_thousand = [_sample_text(pool, 10_000, seed) for seed in (1, 2, 3)]
    print(f"summarize 10,000 words:                {_timed(summarize, ten_thousand):7.3f} s")
    others = [_sample_text(pool, 10_000, seed) for seed in (7, 8, 9)]
    print(f"rank_sentences 10,000 words:           {_timed(rank_sentences, others):7.3f} s")
    prior_only = Blend(rankers=())
    others = [_sample_text(pool, 10_000, seed) for seed in (17, 18, 19)]
    seconds = _timed(lambda p: summarize_module._rank(p, code="en", title=None, blend=prior_only), others)
    print(f"  the same without sumy's rankers:     {seconds:7.3f} s")
    big = [_sample_text(pool, 900_000, seed) for seed in (4, 5, 6)]
    megabytes = statistics.mean(sum(len(p) for p in paragraphs) for paragraphs in big) / 1e6
    print(f"summarize {megabytes:.1f} MB in paragraphs:        {_timed(summarize, big):7.3f} s")
    single = [[" ".join(paragraphs)] for paragraphs in big[::-1]]
    print(f"summarize {megabytes:.1f} MB as one paragraph:     {_timed(summarize, single):7.3f} s")
    run_on = [[" ".join(f"item{number}x{seed}" for number in range(50_000))] for seed in range(3)]
    print(f"summarize 50,000 words, no punctuation: {_timed(summarize, run_on):7.3f} s")
    if with_sumy:
        bench_ranker_time(pool)
    lexrank = _stock_sumy("LexRank")
    print(
        f"stock sumy LexRank 10,000 words:       {_timed(lambda p: lexrank(chr(10).join(p)), ten_thousand[:1]):7.3f} s"
    )
    if with_sumy:
        kl = _stock_sumy("KL")
        print(
            f"stock sumy KL 10,000 words:            {_timed(lambda p: kl(chr(10).join(p)), ten_thousand[:1]):7.3f} s"
        )


def bench_ranker_time(pool: list[str]) -> None:
    """Each sumy ranker alone, as rank_sentences runs it (on the candidates), on 10,000 words of
    news and on the worst case: 50,000 words without a stop, cut into 1,000-character pieces."""
    texts = [_sample_text(pool, 10_000, seed) for seed in (21, 22, 23)]
    run_on = [[" ".join(f"w{number % 3000}x{seed}" for number in range(50_000))] for seed in range(3)]
    print("each sumy ranker alone on its candidates:  10,000 words   50,000 words without a stop")
    for name in summarize_module.SUMY_RANKERS:
        blend = Blend(rankers=((name, 1.0),))

        def rank(paragraphs: list[str], blend: Blend = blend) -> object:
            return summarize_module._rank(paragraphs, code="en", title=None, blend=blend)

        print(f"  {name:10s} {_timed(rank, texts):30.3f} s {_timed(rank, run_on):14.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of dev *.jsonl summary sets")
    parser.add_argument("--rouge", action="store_true", help="score ROUGE on the dev sets")
    parser.add_argument("--sumy", action="store_true", help="also run every stock sumy summarizer (slow)")
    parser.add_argument("--blends", action="store_true", help="with --rouge: score blends of sumy rankers")
    args = parser.parse_args()
    texts: list[str] = []
    if args.data.is_dir():
        for file in sorted(args.data.glob("*.jsonl")):
            if file.name != "system_outputs.jsonl":
                texts.extend(json.loads(line)["text"] for line in file.open(encoding="utf-8"))
    if not texts:
        texts = [path.read_text(encoding="utf-8") for path in sorted(FIXTURES.glob("*.txt"))]
    bench_splitting(texts)
    if args.rouge:
        bench_rouge(args.data, args.sumy)
        if args.blends:
            bench_blends(args.data)
    bench_time([p for text in texts for p in _paragraphs(text)], args.sumy)


if __name__ == "__main__":
    main()

"""Per-article cost of newsbrief's chain (extract + summarize + quotes) beside what a user would
otherwise script: trafilatura, then stock sumy LexRank fed by our offline tokenizer.

Both run on the same pages in the same process and run, alternating page by page, so a busy machine
slows both alike; the ratio of medians is the figure to read. All pages are timed ROUNDS times over
and each page's fastest run kept, which takes most of the noise of a shared machine out of both
sides (a page comes round again only after all the others, so no per-article cache helps). Then
time against text length up to the 5 MB size cap, for a page and for plain text. Prints figures;
asserts nothing.

    .venv/bin/python bench/bench_pipeline.py            # the dev pages in ../shared/eval when present
    .venv/bin/python bench/bench_pipeline.py PAGE.html  # or pages of your own
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import time
from pathlib import Path

import trafilatura
from sumy.nlp.stemmers import Stemmer
from sumy.parsers.plaintext import PlaintextParser
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.utils import get_stop_words

from bot.news.errors import NewsError
from bot.news.pipeline import brief_html, brief_text
from bot.news.sentences import NewsTokenizer

ROOT = Path(__file__).resolve().parents[1]
DEV_PAGES = ROOT.parent / "shared" / "eval" / "dev" / "extraction" / "html"
FALLBACK_PAGES = sorted((ROOT / "tests").glob("**/*.html"))
SIZES = (10_000, 100_000, 1_000_000, 5_000_000)
ROUNDS = 3
PARAGRAPH = (
    "The council approved the harbour budget on Tuesday after a nine-hour debate, officials said. "
    "“This is a budget for the people who ride our buses every day,” Mayor Jane Ortiz said after the vote. "
    "Opposition members said the plan relied on optimistic forecasts of tax revenue from the port. "
)


def peer(html: str) -> list[str]:
    """What a user would script: trafilatura's text, then stock LexRank over our tokenizer."""
    text = trafilatura.extract(html, favor_precision=True, include_comments=False) or ""
    tokenizer = NewsTokenizer("en")
    summarizer = LexRankSummarizer(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    document = PlaintextParser.from_string(text, tokenizer).document
    return [str(sentence) for sentence in summarizer(document, 3)]


def ours(html: str) -> None:
    with contextlib.suppress(NewsError):  # a page with no article still costs its time
        brief_html(html)


def timed(function, argument) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    function(argument)
    return time.perf_counter() - started


def fastest(function, argument) -> float:  # type: ignore[no-untyped-def]
    return min(timed(function, argument) for _round in range(ROUNDS))


def floor(html: str) -> None:
    """trafilatura alone, as the peer calls it: parsing and extracting the page, nothing after."""
    trafilatura.extract(html, favor_precision=True, include_comments=False)


def main() -> None:
    paths = [Path(p) for p in sys.argv[1:]] or sorted(DEV_PAGES.glob("*.html")) or FALLBACK_PAGES
    pages = [path.read_text(encoding="utf-8", errors="replace") for path in paths]
    ours(pages[0])  # load models and tables once, as a running bot has
    peer(pages[0])
    our_times, peer_times = [float("inf")] * len(pages), [float("inf")] * len(pages)
    for _round in range(ROUNDS):
        for index, html in enumerate(pages):
            our_times[index] = min(our_times[index], timed(ours, html))
            peer_times[index] = min(peer_times[index], timed(peer, html))
    source = "dev set" if paths[0].parent == DEV_PAGES else "given"
    print(f"{len(pages)} pages ({source}), fastest of {ROUNDS} runs each")
    for label, times in (
        ("newsbrief (extract + summarize + quotes)", our_times),
        ("trafilatura + LexRank", peer_times),
    ):
        print(f"  {label:>42}: median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms")
    print(f"  median ratio newsbrief / peer: {statistics.median(our_times) / statistics.median(peer_times):.2f}")
    print(f"time against length, fastest of {ROUNDS} runs (newsbrief; trafilatura alone on the page):")
    for size in SIZES:
        text = (PARAGRAPH * (size // len(PARAGRAPH) + 1))[:size]
        paragraphs = [text[i : i + 2000] for i in range(0, len(text), 2000)]
        page = "<html><body><article>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</article></body></html>"
        as_text = "\n\n".join(paragraphs)
        page_time = fastest(ours, page)
        text_time = fastest(brief_text, as_text)
        floor_time = fastest(floor, page)
        print(
            f"  {size / 1e6:>5.2f} MB: page {page_time:.2f} s, plain text {text_time:.2f} s"
            f" (trafilatura alone {floor_time:.2f} s)"
        )


if __name__ == "__main__":
    main()

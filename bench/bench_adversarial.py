"""Time of the whole chain (extract + summarize + quotes) on pages built to be slow: shapes a browser
renders in a blink that make an extractor's work grow faster than the page (issue 13: no input over
1 s). Each page is about 1 MB unless its shape says otherwise. Prints figures; asserts nothing.

    .venv/bin/python bench/bench_adversarial.py           # every shape, fastest of ROUNDS runs
    .venv/bin/python bench/bench_adversarial.py br links  # only the shapes named
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable

from bot.news.errors import NewsError
from bot.news.pipeline import brief_html

ROUNDS = 2
PAGE_CHARS = 1_000_000
SENTENCE = "The council approved the harbour budget on Tuesday after a nine-hour debate, officials said. "
QUOTE = "“This is a budget for the people who ride our buses every day,” Mayor Jane Ortiz said. "
HEAD = "<html><head><title>Harbour budget approved</title></head><body><h1>Harbour budget approved</h1>"
TAIL = "</body></html>"
ARTICLE = "<article>" + "".join(f"<p>{number}. {SENTENCE}{QUOTE}</p>" for number in range(10)) + "</article>"


def _repeat(unit: str, chars: int = PAGE_CHARS) -> int:
    return max(1, chars // len(unit))


def br_lines() -> str:
    """One <p> whose thousands of lines are separated by <br>: a forum dump or a poem archive."""
    lines = [f"{number}. {SENTENCE}{QUOTE}" for number in range(_repeat(f"10000. {SENTENCE}{QUOTE}<br>"))]
    return f"{HEAD}<p>{'<br>'.join(lines)}</p>{TAIL}"


def br_short_lines() -> str:
    """One <p> of 40,000 short lines without a full stop, separated by <br>: a poem or list archive."""
    return f"{HEAD}<p>{'<br>'.join(f'line number {number} of the poem' for number in range(40_000))}</p>{TAIL}"


def no_spaces() -> str:
    """One paragraph of 1 MB without a space: a pasted hash, base64 or a run of one letter."""
    return f"{HEAD}<p>{SENTENCE}</p><p>{'abcdefghij' * (PAGE_CHARS // 10)}</p>{TAIL}"


def tiny_divs() -> str:
    """50,000 <div>s of a few words each."""
    return HEAD + "".join(f"<div>Item {number} of the list.</div>" for number in range(50_000)) + TAIL


def nested_tables() -> str:
    """Tables nested 1,000 deep, the article in the innermost cell."""
    return HEAD + "<table><tr><td>" * 1000 + ARTICLE + "</td></tr></table>" * 1000 + TAIL


def many_paragraphs() -> str:
    """20,000 <p>s of prose."""
    return HEAD + "".join(f"<p>{number}. {SENTENCE}{QUOTE}</p>" for number in range(20_000)) + TAIL


def huge_pre() -> str:
    """A 1 MB <pre> of log lines."""
    line = "2025-06-10 14:02:11 INFO worker 7 finished job 1234 in 0.42 s\n"
    return f"{HEAD}<p>{SENTENCE}</p><pre>{line * _repeat(line)}</pre>{TAIL}"


def many_scripts() -> str:
    """5,000 inline scripts around a short article."""
    script = "<script>window.dataLayer=window.dataLayer||[];dataLayer.push({event:'x'});</script>"
    return HEAD + script * 5000 + ARTICLE + script * 5000 + TAIL


def many_links() -> str:
    """10,000 links, then the article."""
    links = "".join(f"<a href='/story/{number}'>Another story headline {number}</a> " for number in range(10_000))
    return f"{HEAD}<div>{links}</div>{ARTICLE}{TAIL}"


def entities() -> str:
    """1 MB of entities and emoji between words."""
    unit = "&amp;&nbsp;&#8212;&eacute; 😀🇺🇦👩‍👩‍👧 "
    return f"{HEAD}<p>{SENTENCE}</p><p>{unit * _repeat(unit)}</p>{TAIL}"


SHAPES: dict[str, Callable[[], str]] = {
    "br": br_lines,
    "brshort": br_short_lines,
    "nospace": no_spaces,
    "divs": tiny_divs,
    "tables": nested_tables,
    "paragraphs": many_paragraphs,
    "pre": huge_pre,
    "scripts": many_scripts,
    "links": many_links,
    "entities": entities,
}


def brief_time(html: str) -> float:
    """Seconds for the whole chain; a page that is no article still costs its time."""
    started = time.perf_counter()
    with contextlib.suppress(NewsError):
        brief_html(html)
    return time.perf_counter() - started


def main() -> None:
    names = sys.argv[1:] or list(SHAPES)
    brief_time(many_paragraphs()[:20_000])  # load models and tables once, as a running bot has
    print(f"whole chain (extract + summarize + quotes), fastest of {ROUNDS} runs")
    for name in names:
        html = SHAPES[name]()
        seconds = min(brief_time(html) for _round in range(ROUNDS))
        print(f"  {name:>10}: {len(html) / 1e6:5.2f} MB  {seconds:.2f} s", flush=True)


if __name__ == "__main__":
    main()

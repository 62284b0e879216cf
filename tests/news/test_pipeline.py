"""The chain from input to briefing: errors for bad input, a cache, a cap on jobs."""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import pytest

from bot.news.errors import Busy, FetchError, InputError, NotAnArticle
from bot.news.fetch import Fetcher
from bot.news.models import Article, Briefing, Summary
from bot.news.pipeline import BriefingCache, Pipeline, brief_file, brief_file_bytes, brief_html, decode_text
from newsbrief_testkit.local_site import LocalSite

ARTICLE_TEXT = """\
City council approves new budget after a long debate

The city council approved a $2.4 billion budget on Tuesday after a debate that lasted nine hours.

The budget raises spending on public transport by 12 percent and freezes property taxes for a second year.

“This is a budget for the people who ride our buses every day,” Mayor Jane Ortiz said after the vote.

Opposition members said the plan relied on optimistic revenue forecasts. “The numbers do not add up,” \
said council member Raj Patel, who voted against it.

The budget takes effect on Jan. 1 and will be reviewed in the spring.
"""


def test_brief_file_bytes_summarizes_plain_text() -> None:
    briefing = brief_file_bytes(ARTICLE_TEXT.encode(), name="budget.txt", sentences=2)
    assert len(briefing.summary.sentences) == 2


def test_brief_file_bytes_finds_quotes_with_speakers() -> None:
    briefing = brief_file_bytes(ARTICLE_TEXT.encode(), name="budget.txt")
    assert ("Jane Ortiz" in {quote.speaker for quote in briefing.quotes}) is True


def test_brief_file_bytes_detects_language() -> None:
    assert brief_file_bytes(ARTICLE_TEXT.encode(), name="budget.txt").article.language == "en"


def test_brief_file_bytes_refuses_empty_input() -> None:
    with pytest.raises(InputError, match="empty"):
        brief_file_bytes(b"  \n ", name="empty.txt")


def test_brief_file_bytes_refuses_binary_input() -> None:
    with pytest.raises(InputError, match="binary"):
        brief_file_bytes(bytes(range(256)) * 4, name="data.bin")


def test_brief_file_bytes_on_an_html_page_without_article_raises_not_an_article() -> None:
    with pytest.raises(NotAnArticle):
        brief_file_bytes(b"<html><body><nav><a href='/'>Home</a></nav></body></html>", name="nav.html")


def test_brief_file_reports_a_missing_file() -> None:
    with pytest.raises(InputError, match="No such file"):
        brief_file("/nonexistent/newsbrief/article.txt")


def test_brief_file_reports_a_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="folder"):
        brief_file(str(tmp_path))


def test_decode_text_reads_a_legacy_encoding() -> None:
    text = "Київ оголосив про нові заходи безпеки для міста та області. " * 5
    assert decode_text(text.encode("cp1251")) == text


def make_briefing(title: str) -> Briefing:
    return Briefing(article=Article(paragraphs=("x.",), title=title), summary=Summary(sentences=("x.",)))


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_cache_returns_a_fresh_entry() -> None:
    cache = BriefingCache(ttl_seconds=60, clock=FakeClock())
    cache.put(("https://a.example/", None), make_briefing("A"))
    assert cache.get(("https://a.example/", None)) == make_briefing("A")


def test_cache_forgets_an_expired_entry() -> None:
    clock = FakeClock()
    cache = BriefingCache(ttl_seconds=60, clock=clock)
    cache.put(("https://a.example/", None), make_briefing("A"))
    clock.now = 61
    assert cache.get(("https://a.example/", None)) is None


def test_cache_evicts_the_least_recently_used_entry() -> None:
    cache = BriefingCache(ttl_seconds=60, max_entries=2, clock=FakeClock())
    for name in "abc":
        cache.put((f"https://{name}.example/", None), make_briefing(name))
    assert cache.get(("https://a.example/", None)) is None


ARTICLE_PAGE = (
    "<html><head><title>Budget approved</title></head><body><article><h1>Budget approved</h1>"
    + "".join(f"<p>{paragraph}</p>" for paragraph in ARTICLE_TEXT.split("\n\n")[1:])
    + "</article></body></html>"
)


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(allow_private=True) as fetcher:
        yield fetcher


async def test_pipeline_briefs_a_served_page(local_site: LocalSite, fetcher: Fetcher) -> None:
    url = local_site.add("/budget", ARTICLE_PAGE)
    briefing = await Pipeline(fetcher=fetcher).brief_url(url)
    assert briefing.article.title == "Budget approved"


async def test_pipeline_briefs_the_article_a_google_alerts_link_wraps(local_site: LocalSite, fetcher: Fetcher) -> None:
    url = local_site.add("/budget", ARTICLE_PAGE)
    wrapped = f"https://www.google.com/url?rct=j&sa=t&url={quote(url, safe='')}&ct=ga"

    briefing = await Pipeline(fetcher=fetcher).brief_url(wrapped)

    assert (briefing.article.url, local_site.hits["/budget"]) == (url, 1)


async def test_pipeline_answers_a_repeated_url_from_the_cache(local_site: LocalSite, fetcher: Fetcher) -> None:
    url = local_site.add("/budget", ARTICLE_PAGE)
    pipeline = Pipeline(fetcher=fetcher, cache=BriefingCache())
    await pipeline.brief_url(url + "?utm_source=chat")
    await pipeline.brief_url(url)
    assert local_site.hits["/budget"] == 1


async def test_pipeline_does_identical_requests_in_flight_once(local_site: LocalSite, fetcher: Fetcher) -> None:
    url = local_site.add("/budget", ARTICLE_PAGE, delay=0.1)
    pipeline = Pipeline(fetcher=fetcher)
    first, second = await asyncio.gather(pipeline.brief_url(url), pipeline.brief_url(url))
    assert (local_site.hits["/budget"], first) == (1, second)


async def test_pipeline_refuses_jobs_past_its_cap(local_site: LocalSite, fetcher: Fetcher) -> None:
    slow = local_site.add("/slow", ARTICLE_PAGE, delay=0.3)
    other = local_site.add("/other", ARTICLE_PAGE)
    pipeline = Pipeline(fetcher=fetcher, max_jobs=1)
    running = asyncio.create_task(pipeline.brief_url(slow))
    await asyncio.sleep(0.1)
    with pytest.raises(Busy):
        await pipeline.brief_url(other)
    await running


async def test_pipeline_frees_its_slot_after_a_failure(local_site: LocalSite, fetcher: Fetcher) -> None:
    pipeline = Pipeline(fetcher=fetcher, max_jobs=1)
    with pytest.raises(FetchError):
        await pipeline.brief_url(local_site.url("/missing"))
    assert pipeline.running_jobs == 0


async def test_cache_ignores_a_canonical_url_on_another_host(local_site: LocalSite, fetcher: Fetcher) -> None:
    planted = ARTICLE_PAGE.replace("<head>", '<head><link rel="canonical" href="https://news.example/real-story">')
    url = local_site.add("/planted", planted)
    pipeline = Pipeline(fetcher=fetcher, cache=BriefingCache())
    await pipeline.brief_url(url)
    assert pipeline.cache is not None
    assert pipeline.cache.get(("https://news.example/real-story", None)) is None


async def test_cache_keeps_a_canonical_url_on_the_same_host(local_site: LocalSite, fetcher: Fetcher) -> None:
    canonical = local_site.url("/budget")
    page = ARTICLE_PAGE.replace("<head>", f'<head><link rel="canonical" href="{canonical}">')
    url = local_site.add("/budget-amp", page)
    pipeline = Pipeline(fetcher=fetcher, cache=BriefingCache())
    await pipeline.brief_url(url)
    assert pipeline.cache is not None
    assert pipeline.cache.get((canonical, None)) is not None


async def test_pipeline_briefs_a_page_nested_300_deep(local_site: LocalSite, fetcher: Fetcher) -> None:
    deep = ARTICLE_PAGE.replace("<article>", "<div>" * 300 + "<article>").replace(
        "</article>", "</article>" + "</div>" * 300
    )
    url = local_site.add("/deep", deep)

    briefing = await Pipeline(fetcher=fetcher).brief_url(url)

    assert briefing.article.paragraphs == tuple(ARTICLE_TEXT.strip().split("\n\n")[1:])


HUGE_PAGE_SECONDS = 2.0
"""Generous for issue 13's 1 s on a shared 2-core machine; the whole chain took 3-4 s on these pages
before huge pages were cut to KEPT_ELEMENTS, 0.7 s after (load 9)."""


def _seconds_to_brief(html: str) -> float:
    """The whole chain's time; a page that is no article still costs its time."""
    started = time.perf_counter()
    with contextlib.suppress(NotAnArticle):
        brief_html(html)
    return time.perf_counter() - started


def test_page_of_40000_short_br_lines_is_briefed_within_bound() -> None:
    lines = "<br>".join(f"line number {number} of the harbour poem" for number in range(40_000))
    assert _seconds_to_brief(f"<html><head><title>Harbour poem</title></head><body><p>{lines}</p></body></html>") < (
        HUGE_PAGE_SECONDS
    )


def test_page_of_50000_tiny_divs_is_briefed_within_bound() -> None:
    divs = "".join(f"<div>Ferry {number} sails from the harbour at noon.</div>" for number in range(50_000))
    assert _seconds_to_brief(f"<html><head><title>Ferries</title></head><body>{divs}</body></html>") < HUGE_PAGE_SECONDS

"""The chain from a URL, a saved page or a plain text to a Briefing.

The steps after fetching are CPU work (HTML parsing, sentence ranking): they are plain functions
here, and `Pipeline` runs them in an executor so that an event loop serving Discord never stalls.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Executor
from contextlib import asynccontextmanager
from dataclasses import replace
from functools import partial
from pathlib import Path, PurePath
from typing import TypeVar
from urllib.parse import urlsplit

from bot.news.decode import decode_document
from bot.news.errors import Busy, InputError, NotAnArticle
from bot.news.extract import article_from_text, extract_article
from bot.news.fetch import Fetcher
from bot.news.language import detect_language
from bot.news.models import Article, Briefing
from bot.news.quotes import find_quotes, select_key_quotes
from bot.news.summarize import rank_sentences, summarize
from bot.news.urls import normalize_url

LOGGER = logging.getLogger(__name__)

T = TypeVar("T")

HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})


def is_url(source: str) -> bool:
    """Whether an input names a URL (anything with a scheme) rather than a file."""
    return "://" in source


def brief_article(article: Article, *, sentences: int | None = None) -> Briefing:
    """Summarize an extracted article and find its quotes.

    Raises:
        NotAnArticle: the article has no text to summarize.
    """
    if not article.paragraphs:
        raise NotAnArticle("No article text was found")
    language = detect_language(article.text, hint=article.language)
    if language != article.language:
        article = replace(article, language=language)
    ranking = rank_sentences(article.paragraphs, language=language, title=article.title)
    summary = summarize(
        article.paragraphs, language=language, sentences=sentences, title=article.title, ranking=ranking
    )
    if not summary.sentences:
        raise NotAnArticle("The text has no sentences to summarize")
    quotes = tuple(find_quotes(article.paragraphs))
    key_quotes = select_key_quotes(quotes, ranking)
    return Briefing(article=article, summary=summary, quotes=quotes, key_quotes=key_quotes)


def brief_html(html: str | bytes, *, url: str | None = None, sentences: int | None = None) -> Briefing:
    """Extract and summarize a web page."""
    return brief_article(extract_article(html, url=url), sentences=sentences)


def brief_text(
    text: str, *, url: str | None = None, title: str | None = None, sentences: int | None = None
) -> Briefing:
    """Summarize a plain-text article."""
    return brief_article(article_from_text(text, url=url, title=title), sentences=sentences)


def decode_text(data: bytes) -> str:
    """Decode a plain-text input as a browser would (see `bot.news.decode`): UTF-8 or UTF-16 with or
    without a byte-order mark, else the detected charset. Binary data comes out full of control
    characters, which `article_from_text` refuses.

    Raises:
        InputError: the input is empty.
    """
    if not data.strip():
        raise InputError("The input is empty")
    return decode_document(data, markup="text").text


def brief_file_bytes(data: bytes, *, name: str, sentences: int | None = None) -> Briefing:
    """Summarize a file's content: a saved page when `name` ends in .html/.htm, plain text otherwise."""
    if PurePath(name).suffix.lower() in HTML_SUFFIXES:
        if not data.strip():
            raise InputError("The input is empty")
        return brief_html(data, sentences=sentences)
    return brief_text(decode_text(data), sentences=sentences)


def read_input_file(path: str) -> bytes:
    """A file named on the command line, its failures as InputError with a message for the user."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"No such file: {path}") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder, not a file") from None
    except OSError as error:
        raise InputError(f"Cannot read {path}: {error.strerror}") from None


def brief_file(path: str, *, sentences: int | None = None) -> Briefing:
    """Read a file and brief it (see `brief_file_bytes`). Runs in a worker, so it reads there too.

    Raises:
        InputError: the file cannot be read, is empty or is binary.
    """
    return brief_file_bytes(read_input_file(path), name=path, sentences=sentences)


CacheKey = tuple[str, int | None]

DEFAULT_CACHE_SECONDS = 3600.0
"""An hour: news pages change little within it, and popular links get asked for again and again."""
DEFAULT_CACHE_ENTRIES = 512
"""A briefing is a few tens of KB; 512 of them stay well under 50 MB."""


class BriefingCache:
    """Recent briefings by normalized URL and sentence count, each kept for a time-to-live."""

    def __init__(
        self,
        *,
        ttl_seconds: float = DEFAULT_CACHE_SECONDS,
        max_entries: int = DEFAULT_CACHE_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self.clock = clock
        self._entries: OrderedDict[CacheKey, tuple[float, Briefing]] = OrderedDict()

    def get(self, key: CacheKey) -> Briefing | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, briefing = entry
        if expires <= self.clock():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return briefing

    def put(self, key: CacheKey, briefing: Briefing) -> None:
        if self.ttl_seconds <= 0 or self.max_entries <= 0:
            return
        self._entries[key] = (self.clock() + self.ttl_seconds, briefing)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)


class Pipeline:
    """Fetches pages and briefs them: CPU work off the event loop, recent answers from a cache,
    identical requests in flight done once, and a cap on jobs running at once."""

    def __init__(
        self,
        *,
        fetcher: Fetcher,
        executor: Executor | None = None,
        cache: BriefingCache | None = None,
        max_jobs: int | None = None,
    ) -> None:
        """Args:
        fetcher: the shared fetcher (it owns the one HTTP session).
        executor: where CPU work runs; None means the loop's default thread pool.
        cache: recent briefings; None keeps none.
        max_jobs: URL briefings running at once before `Busy` is raised; None for no cap.
        """
        self.fetcher = fetcher
        self.executor = executor
        self.cache = cache
        self.max_jobs = max_jobs
        self.running_jobs = 0
        self._in_flight: dict[CacheKey, asyncio.Future[Briefing]] = {}

    async def run_cpu(self, function: Callable[..., T], /, *args: object, **kwargs: object) -> T:
        """Run a CPU-bound function in the executor."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, partial(function, *args, **kwargs))

    @asynccontextmanager
    async def _job_slot(self) -> AsyncIterator[None]:
        if self.max_jobs is not None and self.running_jobs >= self.max_jobs:
            raise Busy("Too many summaries are being made right now; try again in a moment")
        self.running_jobs += 1
        try:
            yield
        finally:
            self.running_jobs -= 1

    async def brief_url(self, url: str, *, sentences: int | None = None) -> Briefing:
        """Fetch a page and brief it, or answer from the cache.

        Raises:
            FetchError: the page could not be fetched.
            NotAnArticle: the page holds no article.
            Busy: every job slot is taken.
        """
        key = (normalize_url(url), sentences)
        if self.cache is not None and (cached := self.cache.get(key)):
            return cached
        if (pending := self._in_flight.get(key)) is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Briefing] = asyncio.get_running_loop().create_future()
        self._in_flight[key] = future
        try:
            async with self._job_slot():
                page = await self.fetcher.fetch(url)
                briefing = await self.run_cpu(brief_html, page.text, url=page.final_url, sentences=sentences)
        except asyncio.CancelledError:
            # Others waiting on this URL were not cancelled: give them an error they can answer.
            future.set_exception(Busy("That summary was interrupted; please try again"))
            future.exception()
            raise
        except Exception as error:
            future.set_exception(error)
            future.exception()  # marks it retrieved, so a lone failure logs no "never retrieved"
            raise
        finally:
            del self._in_flight[key]
        future.set_result(briefing)
        if self.cache is not None:
            addresses = {url, page.final_url}
            canonical = briefing.article.canonical_url
            # A page may name any URL as its canonical one: trust it only on the host that served it,
            # or a page of one's own could plant a summary under someone else's article.
            if canonical and urlsplit(canonical).hostname == urlsplit(page.final_url).hostname:
                addresses.add(canonical)
            for address in addresses:
                self.cache.put((normalize_url(address), sentences), briefing)
        return briefing

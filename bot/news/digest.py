"""A digest: the day's feed items as a short list of stories, each summarized from its page.

Building one takes feed items already fetched (by the scheduler from the database, or by
`digest_feed_sources` from feed URLs, sites and files read on demand, as the command line does): the
same event from several outlets becomes one story, the reader's rules keep some out (`bot.news.filters`:
include and exclude words, a cap per outlet, a minimum of outlets), the rest are ranked by the
reader's keywords, then by how many outlets covered them, then by recency, and the top ones are
briefed from their pages:
now through the pipeline, or from briefs made ahead of time and handed in (the bot's, made when
each item was first seen). A story without a brief falls back to the feed's own summary and says so,
so one dead link costs a story its detail, never the digest its story.

Discord-free: `bot/news/render.py` writes a Digest for the terminal and as JSON, `bot/embeds.py` packs
it into Discord messages.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from bot.news.errors import N_, InternalError, NewsError
from bot.news.feeds import Feed, FeedItem, discover_feed, parse_feed
from bot.news.fetch import Fetcher
from bot.news.filters import (
    DEFAULT_STORY_FILTER,
    HeldBack,
    StoryFilter,
    capped_out,
    feed_text,
    outlet_cap,
    select_stories,
    sift_stories,
)
from bot.news.models import PageBrief, Quote, page_brief
from bot.news.pipeline import Pipeline, is_url, read_input_file
from bot.news.sentences import split_sentences
from bot.news.stories import Story, group_stories
from bot.news.urls import normalize_url, site_host
from bot.news.words import WordSet

LOGGER = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_MAX_STORIES = 10
"""Ten stories fill one Discord message of embeds and take about five minutes to read."""

DEFAULT_SUMMARY_SENTENCES = 3
"""Three sentences tell a story's what, who and why; a digest line longer than that is an article."""

BRIEFING_CONCURRENCY = 4
"""Story pages briefed at once for one digest built on demand (no stored briefs handed in: the command
line): a digest is not urgent, and the pipeline's job slots and the CPU may be shared with people
asking for summaries right now."""

AFTERNOON_HOUR = 12
"""Local hour from which a digest is the afternoon briefing; before it, the morning one."""
EVENING_HOUR = 18
"""Local hour from which a digest is the evening briefing."""

ProgressCallback = Callable[[str, int, int], None]
"""Told (what is being done, how many are done, of how many) as a digest's feeds are read and its
story pages briefed: the command line shows it while a digest takes its twenty seconds."""

BriefLookup = Callable[[Sequence[str]], Awaitable[Mapping[str, PageBrief]]]
"""Given the links of the stories a digest takes, the briefs of those pages made ahead of time, by
link as given (a link missing has none: its story falls back to the feed's summary). How a service
hands stored briefs to the core without the core knowing where they are kept."""

ItemKey = tuple[str, str]
"""(feed URL, FeedItem.key): an item's identity across fetches (keys are unique only within a feed)."""


@dataclass(frozen=True, slots=True)
class DigestStory:
    """One story of a digest: what to show, and which feed items it accounts for."""

    title: str
    url: str | None
    """The representative item's link (the item most like the others), None when no item has one."""
    links: tuple[str, ...]
    """Every outlet's link, in the order the outlets reported the story."""
    outlets: tuple[str, ...]
    """The outlets' names, in the order they reported the story."""
    summary: tuple[str, ...]
    """Up to `summary_sentences` sentences; empty only when the page failed and the feed had no summary."""
    key_quote: Quote | None = None
    published: datetime | None = None
    """When the story broke (its earliest item), in UTC; None when no item is dated."""
    keywords_matched: int = 0
    """How many of the reader's keywords the story's titles and summaries contain."""
    item_keys: tuple[ItemKey, ...] = ()
    """Every feed item merged into the story, repeats of one link in several feeds included."""
    from_feed_summary: bool = False
    """True when the page could not be fetched or read and the feed's own summary was used."""
    outlet_links: tuple[tuple[str, str], ...] = ()
    """(outlet, link) for every outlet whose item has a link: `links` with the name of who wrote each."""
    image: str | None = None
    """An http(s) picture for the story: the briefed page's, else a feed item's (the representative's
    first); None when neither names one. Discord fetches it, the bot never does."""
    word_count: int = 0
    """Words in the briefed page's text (for a reading time); 0 when the story has no page brief."""

    @property
    def outlet_count(self) -> int:
        return len(self.outlets)


@dataclass(frozen=True, slots=True)
class Digest:
    """One delivery: the stories in rank order and what the header and footer say about them."""

    title: str
    """"Morning briefing", "Afternoon briefing" or "Evening briefing", by the local time it was made."""
    local_date: date
    stories: tuple[DigestStory, ...]
    source_count: int
    """Distinct outlets among the stories shown."""
    failing_feeds: tuple[str, ...] = ()
    """Feeds (titles or URLs) that could not be fetched, for the footer."""
    held_back: HeldBack = field(default_factory=HeldBack)
    """How many stories each rule of the digest's StoryFilter kept out."""


def digest_title(local_now: datetime) -> str:
    """The digest's name for the local time of day: morning before noon, afternoon before six, else evening."""
    if local_now.hour < AFTERNOON_HOUR:
        return N_("Morning briefing")
    if local_now.hour < EVENING_HOUR:
        return N_("Afternoon briefing")
    return N_("Evening briefing")


# --- ranking -----------------------------------------------------------------------------------


def keyword_counter(keywords: Sequence[str]) -> Callable[[Story], int]:
    """A function that counts how many distinct keywords occur as whole words (any case, any script,
    see `bot.news.words`) in the titles and summaries of a story's items; the keywords are
    normalized once for every story it counts."""
    words = WordSet(keywords)

    def count_keywords(story: Story) -> int:
        return len(words.found(feed_text(story))) if words else 0

    return count_keywords


def _recency(story: Story, now: datetime) -> float:
    """The story's latest item time, never later than `now` (a feed's clock can run ahead); undated is oldest."""
    times = [min(item.published, now).timestamp() for item in story.items if item.published is not None]
    return max(times, default=float("-inf"))


def rank_stories(stories: Sequence[Story], *, keywords: Sequence[str] = (), now: datetime) -> list[Story]:
    """Order stories for a digest: most keywords matched, then most outlets, then most recent.

    Stories matching no keyword are kept, after those that match: a reader's keywords say what
    they care about most, not all they want to know. Ties keep their given order.

    Args:
        stories: stories from `group_stories`.
        keywords: words or phrases, matched case-insensitively as whole words in titles and summaries.
        now: the current time (aware); items dated after it count as published now.
    """
    count_keywords = keyword_counter(keywords)
    scored = [(count_keywords(story), story.outlet_count, _recency(story, now), story) for story in stories]
    scored.sort(key=lambda entry: (-entry[0], -entry[1], -entry[2]))
    return [entry[3] for entry in scored]


# --- building ----------------------------------------------------------------------------------


def _item_identity(item: FeedItem) -> tuple[str, str]:
    """What `group_stories` counts as one article: its link, or its feed and key when it has none."""
    return ("link", normalize_url(item.link)) if item.link else (item.feed_url, item.key)


def _item_keys(story: Story, repeats: dict[tuple[str, str], list[FeedItem]]) -> tuple[ItemKey, ...]:
    """Keys of the story's items and of every repeat of them (one link met in several feeds)."""
    keys: dict[ItemKey, None] = {}
    for item in story.items:
        keys[(item.feed_url, item.key)] = None
        for repeat in repeats.get(_item_identity(item), ()):
            keys[(repeat.feed_url, repeat.key)] = None
    return tuple(keys)


def _feed_summary(story: Story, sentences: int) -> tuple[str, ...]:
    """The first sentences of the representative's feed summary, or of the first item that has one."""
    candidates = [story.representative, *(item for item in story.items if item is not story.representative)]
    for item in candidates:
        if item.summary.strip():
            return tuple(split_sentences(item.summary, language=item.language)[:sentences])
    return ()


async def _briefed_page(
    url: str, *, pipeline: Pipeline, slots: asyncio.Semaphore, sentences: int
) -> tuple[PageBrief, str] | None:
    """The page briefed now through the pipeline, with its text; None when it cannot be read."""
    try:
        async with slots:
            briefing = await pipeline.brief_url(url, sentences=sentences)
    except NewsError as error:
        LOGGER.info("Digest story %s falls back to its feed summary (%s): %s", url, error.kind, error.message)
        return None
    return page_brief(briefing, url=briefing.article.url or url), briefing.article.text


def _story_url(story: Story) -> str | None:
    return story.representative.link or next(iter(story.links), None)


def _digest_story(
    story: Story,
    page: PageBrief | None,
    *,
    sentences: int,
    keywords_matched: int,
    item_keys: tuple[ItemKey, ...],
) -> DigestStory:
    """The story as a digest shows it: from its page's brief, or from its feeds when there is none."""
    url = _story_url(story)
    if page is not None:
        summary = page.summary[:sentences]
        key_quote = page.quotes[0] if page.quotes else None
        image = page.image or _feed_image(story)
    else:
        summary, key_quote, image = _feed_summary(story, sentences), None, _feed_image(story)
    renamed = _outlet_names(story, url, page.site if page is not None else None)
    return DigestStory(
        title=story.title,
        url=url,
        links=story.links,
        outlets=tuple(dict.fromkeys(renamed.get(outlet, outlet) for outlet in story.outlets)),
        summary=summary,
        key_quote=key_quote,
        published=story.published,
        keywords_matched=keywords_matched,
        item_keys=item_keys,
        from_feed_summary=page is None,
        outlet_links=tuple((renamed.get(item.source, item.source), item.link) for item in story.items if item.link),
        image=image,
        word_count=page.word_count if page is not None else 0,
    )


async def _pages(
    stories: Sequence[Story],
    *,
    pipeline: Pipeline,
    briefs: BriefLookup | None,
    slots: asyncio.Semaphore,
    sentences: int,
    progress: ProgressCallback | None,
) -> list[tuple[PageBrief, str] | None]:
    """Each story's page brief and the text exclude words are matched on: the stored brief (its
    summary and quotes: the page itself is not kept) when `briefs` is given, else the page briefed now."""
    urls = [_story_url(story) for story in stories]
    if briefs is not None:
        found = await briefs([url for url in urls if url is not None])
        pages: list[tuple[PageBrief, str] | None] = []
        for url in urls:
            page = found.get(url) if url is not None else None
            pages.append(None if page is None else (page, _brief_text(page)))
        return pages

    async def no_page() -> None:
        return None

    return await _gather_counted(
        "Summarizing stories",
        progress,
        [
            _briefed_page(url, pipeline=pipeline, slots=slots, sentences=sentences) if url is not None else no_page()
            for url in urls
        ],
    )


def _brief_text(page: PageBrief) -> str:
    return "\n".join([*page.summary, *(quote.text for quote in page.quotes)])


def _feed_image(story: Story) -> str | None:
    """The first picture the story's feed items name, the representative's first."""
    candidates = [story.representative, *story.items]
    return next((item.image for item in candidates if item.image), None)


def _outlet_names(story: Story, url: str | None, site_name: str | None) -> dict[str, str]:
    """Outlets named by their host (items of alert feeds, see `bot.news.feeds`) renamed after the
    site name of the page briefed for the story, when that page is on the host."""
    host = site_host(url) if url else None
    if not site_name or not host:
        return {}
    return {
        item.source: site_name
        for item in story.items
        if item.source == host and item.link and site_host(item.link) == host
    }


@dataclass(frozen=True, slots=True)
class _Candidates:
    """The stories that may get into a digest, best first, with the item keys of each, and how many
    stories the filter's word and outlet rules kept out on what the feeds say."""

    stories: list[Story]
    item_keys: list[tuple[ItemKey, ...]]
    held_back: HeldBack


def _candidate_stories(
    items: list[FeedItem], *, keywords: tuple[str, ...], now: datetime, story_filter: StoryFilter
) -> _Candidates:
    """The CPU part of a digest, run in the pipeline's executor: group the items into stories, keep
    out what the filter's rules keep out, rank the rest, and name the items each accounts for (1,000
    items take tens of milliseconds, which the event loop that keeps the bot's gateway alive should
    not spend)."""
    sifted = sift_stories(group_stories(items), story_filter)
    ranked = rank_stories(sifted.stories, keywords=keywords, now=now)
    repeats: dict[tuple[str, str], list[FeedItem]] = {}
    for item in items:
        repeats.setdefault(_item_identity(item), []).append(item)
    return _Candidates(
        stories=ranked,
        item_keys=[_item_keys(story, repeats) for story in ranked],
        held_back=sifted.held_back,
    )


async def build_digest(
    items: Sequence[FeedItem],
    *,
    pipeline: Pipeline,
    local_now: datetime,
    max_stories: int = DEFAULT_MAX_STORIES,
    keywords: Sequence[str] = (),
    story_filter: StoryFilter = DEFAULT_STORY_FILTER,
    failing_feeds: Sequence[str] = (),
    summary_sentences: int = DEFAULT_SUMMARY_SENTENCES,
    progress: ProgressCallback | None = None,
    briefs: BriefLookup | None = None,
) -> Digest:
    """Turn feed items into a digest of at most `max_stories` summarized stories.

    Args:
        items: the new items of every feed the digest follows (already filtered to what is unsent).
        pipeline: briefs the story pages (its cache, job cap and executor apply).
        local_now: now, aware, in the subscriber's time zone: names the digest and dates it.
        max_stories: stories kept after ranking; the rest are left out (their item keys are not
            in the digest, so a caller that marks only delivered keys offers them again).
        keywords: ranked first when matched (see `rank_stories`); nothing is filtered out.
        story_filter: what may get in (see `StoryFilter`); by default every story, at most half of
            the digest from one outlet. The digest's `held_back` says how many each rule kept out.
        failing_feeds: feeds that could not be fetched, shown in the footer.
        summary_sentences: sentences per story summary.
        progress: told how many of the chosen stories have been briefed.
        briefs: the chosen stories' pages briefed ahead of time (a service's stored briefs): no page
            is fetched, and a story without one shows its feed's summary and says so. None: each
            chosen story's page is briefed now through `pipeline`.

    Raises:
        ValueError: `local_now` is naive, or `max_stories` or `summary_sentences` is below 1.
    """
    if local_now.tzinfo is None or local_now.utcoffset() is None:
        raise ValueError("local_now must be an aware datetime in the subscriber's time zone")
    if max_stories < 1 or summary_sentences < 1:
        raise ValueError("max_stories and summary_sentences must be at least 1")
    title = digest_title(local_now)
    failing = tuple(failing_feeds)
    if not items:
        return Digest(title=title, local_date=local_now.date(), stories=(), source_count=0, failing_feeds=failing)

    candidates = await pipeline.run_cpu(
        _candidate_stories, list(items), keywords=tuple(keywords), now=local_now, story_filter=story_filter
    )
    cap = outlet_cap(story_filter, candidates.stories, max_stories)
    exclude = WordSet(story_filter.exclude)
    count_keywords = keyword_counter(keywords)
    slots = asyncio.Semaphore(BRIEFING_CONCURRENCY)
    briefed: dict[int, DigestStory] = {}
    rejected: set[int] = set()
    while True:
        chosen = select_stories(candidates.stories, max_stories=max_stories, cap=cap, rejected=rejected)
        to_brief = [index for index in chosen if index not in briefed]
        if not to_brief:
            break
        pages = await _pages(
            [candidates.stories[index] for index in to_brief],
            pipeline=pipeline,
            briefs=briefs,
            slots=slots,
            sentences=summary_sentences,
            progress=progress,
        )
        for index, page in zip(to_brief, pages, strict=True):
            story = briefed[index] = _digest_story(
                candidates.stories[index],
                page[0] if page is not None else None,
                sentences=summary_sentences,
                keywords_matched=count_keywords(candidates.stories[index]),
                item_keys=candidates.item_keys[index],
            )
            page_text = page[1] if page is not None else ""
            # The page may name what the feed did not: such a story gives its place to the next one.
            if exclude and exclude.any_in(f"{' '.join(story.summary)}\n{page_text}"):
                rejected.add(index)
    built = [briefed[index] for index in chosen]
    held_back = replace(
        candidates.held_back,
        excluded=candidates.held_back.excluded + len(rejected),
        outlet_cap=capped_out(candidates.stories, max_stories=max_stories, chosen=chosen, rejected=rejected),
    )
    outlets = {" ".join(outlet.casefold().split()) for story in built for outlet in story.outlets}
    return Digest(
        title=title,
        local_date=local_now.date(),
        stories=tuple(built),
        source_count=len(outlets),
        failing_feeds=failing,
        held_back=held_back,
    )


def held_back_on_feeds(
    items: Sequence[FeedItem],
    *,
    local_now: datetime,
    max_stories: int = DEFAULT_MAX_STORIES,
    keywords: Sequence[str] = (),
    story_filter: StoryFilter = DEFAULT_STORY_FILTER,
) -> HeldBack:
    """How many stories each rule of `story_filter` keeps out of a digest of `items`, as `build_digest`
    counts them but judged on what the feeds say alone: no page is read, so a story whose page alone
    names an excluded word is not counted. CPU work (grouping and ranking): run it off the event loop."""
    candidates = _candidate_stories(list(items), keywords=tuple(keywords), now=local_now, story_filter=story_filter)
    cap = outlet_cap(story_filter, candidates.stories, max_stories)
    chosen = select_stories(candidates.stories, max_stories=max_stories, cap=cap, rejected=set())
    capped = capped_out(candidates.stories, max_stories=max_stories, chosen=chosen, rejected=set())
    return replace(candidates.held_back, outlet_cap=capped)


async def _gather_counted(
    stage: str, progress: ProgressCallback | None, work: Sequence[Coroutine[Any, Any, T]]
) -> list[T]:
    """asyncio.gather, telling `progress` as each piece of work finishes."""
    if progress is None:
        return list(await asyncio.gather(*work))
    done = 0
    progress(stage, done, len(work))

    async def counted(piece: Coroutine[Any, Any, T]) -> T:
        nonlocal done
        try:
            return await piece
        finally:
            done += 1
            progress(stage, done, len(work))

    return list(await asyncio.gather(*(counted(piece) for piece in work)))


# --- from feed sources read on demand ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeedFailure:
    """A feed source that could not be read, and why."""

    source: str
    error: NewsError


@dataclass(frozen=True, slots=True)
class SourcesDigest:
    """A digest of feed sources read on demand, and the sources that could not be read (in the order given)."""

    digest: Digest
    failures: tuple[FeedFailure, ...]


async def read_feed_source(fetcher: Fetcher, source: str) -> Feed:
    """Read one feed source: a feed or site URL (its feed discovered), or a local RSS/Atom file.

    Raises:
        FetchError, FeedError: the URL could not be fetched or holds no feed.
        InputError: the file cannot be read.
    """
    if is_url(source):
        return (await discover_feed(fetcher, source)).feed
    return await asyncio.to_thread(read_feed_file, source)


def read_feed_file(source: str) -> Feed:
    """Read and parse a local RSS/Atom file (blocking: run it in a thread).

    Raises:
        InputError: the file cannot be read.
        FeedError: it is not a feed.
    """
    # Relative links resolve against the file itself, so they come out as file: URLs and are dropped.
    return parse_feed(read_input_file(source), url=Path(source).resolve().as_uri())


def recent_items(feed: Feed, *, since: datetime) -> list[FeedItem]:
    """The feed's items published at or after `since`, and its undated items (they may be new)."""
    return [item for item in feed.items if item.published is None or item.published >= since]


async def _read_or_fail(fetcher: Fetcher, source: str, slots: asyncio.Semaphore) -> Feed | NewsError:
    try:
        async with slots:
            return await read_feed_source(fetcher, source)
    except NewsError as error:
        return error
    except Exception as error:  # one broken feed must not lose the others
        LOGGER.exception("Unexpected failure reading %s", source)
        return InternalError(f"Internal error: {type(error).__name__}: {error}")


async def digest_feed_sources(
    sources: Sequence[str],
    *,
    pipeline: Pipeline,
    max_age: timedelta,
    concurrency: int,
    max_stories: int = DEFAULT_MAX_STORIES,
    keywords: Sequence[str] = (),
    story_filter: StoryFilter = DEFAULT_STORY_FILTER,
    progress: ProgressCallback | None = None,
) -> SourcesDigest:
    """Read every feed source at once and build one digest of their recent items, dated in local time.

    A source that fails is named in the digest's footer and in `failures`; the rest go on.

    Args:
        sources: feed URLs, site URLs (their feed discovered) and local RSS/Atom files.
        pipeline: reads the URLs with its fetcher and briefs the story pages.
        max_age: items published within it are kept, and undated ones (they may be new).
        concurrency: sources read at once (the fetcher also limits each host).
        max_stories, keywords, story_filter: as in `build_digest`.
        progress: told how many feeds have been read, then how many story pages briefed.
    """
    slots = asyncio.Semaphore(concurrency)
    outcomes = await _gather_counted(
        "Reading feeds", progress, [_read_or_fail(pipeline.fetcher, source, slots) for source in sources]
    )
    # Read the clock once every feed is in: the window ends when the digest is made.
    now = datetime.now(UTC)
    items: list[FeedItem] = []
    failures: list[FeedFailure] = []
    for source, outcome in zip(sources, outcomes, strict=True):
        if isinstance(outcome, NewsError):
            failures.append(FeedFailure(source, outcome))
        else:
            items.extend(recent_items(outcome, since=now - max_age))
    digest = await build_digest(
        items,
        pipeline=pipeline,
        local_now=now.astimezone(),
        max_stories=max_stories,
        keywords=keywords,
        story_filter=story_filter,
        failing_feeds=[failure.source for failure in failures],
        progress=progress,
    )
    return SourcesDigest(digest=digest, failures=tuple(failures))

"""News feeds: find a site's feed, fetch it with a conditional GET, and read its items.

Parsing is feedparser's, always on a document we fetched or read ourselves (feedparser never touches
the network or the file system here), decoded first by `bot.news.decode`: servers and feeds often
declare the wrong charset. Parsing is CPU work, so the async functions run it in an executor.
"""

from __future__ import annotations

import asyncio
import calendar
import hashlib
import io
import itertools
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from html.parser import HTMLParser
from typing import Any, Literal, TypeVar
from urllib.parse import urljoin, urlsplit

import feedparser

from bot.news.decode import ascii_compatible, decode_document
from bot.news.errors import N_, FetchErrorKind, NewsError, Phrase
from bot.news.feedtext import html_paragraphs, html_to_text, plain_paragraphs, summary_text, without_undefined_entities
from bot.news.fetch import ContentKind, FetchedPage, Fetcher
from bot.news.jsonfeed import JsonFeedItem, NotAJsonFeed, looks_like_json_feed, read_json_feed
from bot.news.language import normalize_language_tag
from bot.news.urls import image_url, is_http_url, normalize_url, site_host, unwrap_redirect

LOGGER = logging.getLogger(__name__)

T = TypeVar("T")

MAX_ENTRIES = 500
"""Items read from one feed. News feeds carry 10-100; a feed with thousands is an archive dump,
and its oldest items would never make a digest anyway."""

MAX_SUMMARY_CHARS = 1200
"""An item's summary is a teaser of a paragraph or two; some feeds put the whole article there,
which a digest line does not need and which would drown the story matching in one outlet's words."""

UNTITLED_WORDS = 12
"""An untitled item (RSS allows it) is shown by the first words of its summary: about a headline's length."""

MAX_ALTERNATE_LINKS = 3
"""Feeds announced by <link rel="alternate"> tried in turn: the first is the main feed on nearly
every site; the next ones cover a dead first link without trying a page's dozen category feeds."""

GUESSED_PATHS = ("/feed", "/rss", "/rss.xml", "/atom.xml", "/feed.xml")
"""Where sites that announce no feed most often keep one (WordPress, Ghost, Hugo, Jekyll, static sites).
Tried only when the page has no alternate link, one after another, so a site sees at most five misses."""

ROOT_SCAN_CHARS = 4096
"""A feed's root element follows the XML declaration and perhaps a stylesheet line or a comment."""

HEAD_SCAN_CHARS = 300_000
"""Alternate links live in <head>; pages with inline scripts and styles can push </head> that far down."""

HASH_KEY_CHARS = 32
"""Hex digits kept of a SHA-256 for an item's hash key: 128 bits, no collisions in any real archive."""

DEFAULT_PER_HOST = 2
"""Feeds fetched at once from one host: many guilds follow several sections of the same outlet,
and an outlet should see a polite reader, not a burst."""

DEFAULT_CONCURRENCY = 16
"""Feeds fetched at once overall: enough to refresh hundreds of feeds within a minute on a small bot."""

FEED_LINK_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json"}
)

GENERIC_FEED_TITLE = re.compile(
    r"^\s*(?:google alerts?|google news|bing news|talkwalker alerts?|yahoo news search|feedly|inoreader|"
    r"newsnow|mention|rss\.app|news search results?)\b",
    re.IGNORECASE,
)
"""Titles of feeds that gather other sites' articles ("Google Alert - Slack"): their title names
the search, not the outlet, which is then the article's own site."""

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_FEED_ROOT = re.compile(rb"<(rss|feed|rdf:rdf)[\s>]", re.IGNORECASE)
_ROOT_ELEMENT = re.compile(r"<(rss|feed|rdf:RDF)[\s>]", re.IGNORECASE)
_ENTRY_END = re.compile(r"</(?:[A-Za-z_][\w.-]*:)?(?:item|entry)\s*>", re.IGNORECASE)
_CHARSET_PARAMETER = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")

_SITE_DOWN = frozenset(
    {FetchErrorKind.TIMEOUT.value, FetchErrorKind.NETWORK.value, FetchErrorKind.BLOCKED_ADDRESS.value}
)
"""Failures that say the site itself is unreachable, not that one path is missing."""


class FeedError(NewsError):
    """A feed was fetched but cannot be read, or a site has no feed we could find."""

    kind = "bad_feed"


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One item of a feed, as plain text.

    `key` identifies the item within its feed across fetches, so a digest can tell what it has
    already sent. In order of preference:

    - ``guid:<id>`` — the feed's own guid (RSS) or id (Atom), which publishers keep stable even when
      they fix a headline or move an article;
    - ``link:<url>`` — the item's link, normalized (tracking parameters such as utm_* removed), when
      the feed gives no id;
    - ``hash:<hex>`` — SHA-256 of the title and publication time when there is neither.

    The prefixes keep the three kinds apart (a guid that happens to equal some URL cannot collide
    with a link key). Guids are unique within a feed, not across feeds: store keys with the feed URL.
    """

    key: str
    title: str
    link: str | None
    summary: str
    """The item's description as plain text, at most MAX_SUMMARY_CHARS; "" when it has none."""
    published: datetime | None
    """When it was published (or last updated, when the feed says only that), in UTC."""
    authors: tuple[str, ...]
    feed_url: str
    source: str
    """The outlet's name: the item's own <source> (aggregators carry it), else the feed's title, else
    the site's host."""
    language: str | None = None
    """The language the feed declares (ISO 639-1), a hint only: templates often keep 'en'."""
    image: str | None = None
    """A picture the feed names for the item (media:content, media:thumbnail, an image enclosure,
    JSON Feed's image), absolute and http(s) only; never fetched."""


@dataclass(frozen=True, slots=True)
class Feed:
    """A parsed feed and the validators to fetch it conditionally next time."""

    url: str
    """The feed's address (after redirects, when it was fetched)."""
    title: str
    link: str | None
    """The site the feed belongs to, as the feed says."""
    items: tuple[FeedItem, ...]
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class FeedResult:
    """The answer to one conditional fetch: a fresh feed, or `not_modified` and no feed."""

    url: str
    """The URL as requested."""
    feed: Feed | None
    not_modified: bool = False
    etag: str | None = None
    """Send it back as `etag` next time (it is also on `feed`)."""
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class DiscoveredFeed:
    """Where a site's feed lives, with the feed itself as read while checking it."""

    url: str
    """The feed's URL, to store and fetch from now on."""
    feed: Feed
    found_by: Literal["direct", "link", "guess"]
    """The URL given was the feed itself, the page linked to it, or a common path answered."""


@dataclass(frozen=True, slots=True)
class FeedRequest:
    """A feed to refresh, with the validators from the last fetch of it."""

    url: str
    etag: str | None = None
    last_modified: str | None = None


# --- parsing -----------------------------------------------------------------------------------


def parse_feed(data: bytes | str, *, url: str, content_type: str | None = None) -> Feed:
    """Parse an RSS 2.0, RSS 1.0 (RDF), Atom or JSON Feed document. Pure CPU work: run it in an executor.

    The format is told by the content, whatever the Content-Type says. Broken XML is accepted as
    long as items could still be recovered from it.

    Args:
        data: the document's bytes as fetched or read, or its text when the fetcher has decoded it.
        url: where it came from; relative links are resolved against it.
        content_type: the HTTP Content-Type of bytes, whose charset is one hint among several.

    Raises:
        FeedError: the document is not a feed, or is too broken to yield any item.
    """
    if looks_like_json_feed(data):
        if isinstance(data, bytes):
            data = decode_document(data, declared_charset=_charset_of(content_type), markup="text").text
        return _parse_json_feed(data, url=url)
    if isinstance(data, bytes):
        data = decode_document(data, declared_charset=_charset_of(content_type), markup="xml").text
    if not data.strip():
        raise FeedError(N_("The feed is empty"))
    # Entities neither XML nor HTML defines are dropped before parsing: feedparser never expands a
    # document's own entity declarations (good: "billion laughs"), and would show them raw.
    text = without_undefined_entities(_without_entries_past_cap(data))
    document = _XML_DECLARATION.sub('<?xml version="1.0" encoding="utf-8"?>', text, count=1).encode("utf-8")
    # A stream, not bytes: given bytes, feedparser first tries them as a file name to open.
    parsed = feedparser.parse(
        io.BytesIO(document),
        response_headers={"content-type": "application/xml; charset=utf-8", "content-location": url},
        resolve_relative_uris=True,
        sanitize_html=True,
    )
    entries: list[Any] = parsed.get("entries") or []
    shown = _shown(url)
    if not parsed.get("version") and not entries:
        raise FeedError(N_("{url} is not a news feed"), url=shown)
    if parsed.get("bozo") and not entries:
        reason = parsed.get("bozo_exception")
        if reason:
            raise FeedError(
                N_("The feed at {url} is broken and no items could be read from it ({reason})"),
                url=shown,
                reason=_one_line(str(reason)),
            )
        raise FeedError(N_("The feed at {url} is broken and no items could be read from it"), url=shown)
    if parsed.get("bozo"):
        LOGGER.info("Feed %s is not well-formed; recovered %d items", url, len(entries))
    if len(entries) > MAX_ENTRIES:
        LOGGER.info("Feed %s has %d items; reading the first %d", url, len(entries), MAX_ENTRIES)
        entries = entries[:MAX_ENTRIES]

    channel = parsed.get("feed") or {}
    site_link = _absolute_link(_get(channel, "link"), url)
    title = _text_of(channel, "title") or urlsplit(site_link or url).hostname or url
    language = normalize_language_tag(_get(channel, "language") or None)
    items: list[FeedItem] = []
    seen: set[str] = set()
    for entry in entries:
        item = _item(entry, feed_url=url, feed_title=title, language=language, seen=seen)
        if item is not None:
            items.append(item)
    return Feed(url=url, title=title, link=site_link, items=tuple(items))


def _parse_json_feed(text: str, *, url: str) -> Feed:
    try:
        document = read_json_feed(text, max_items=MAX_ENTRIES)
    except NotAJsonFeed as error:
        raise FeedError(N_("{url} is not a news feed: {reason}"), url=_shown(url), reason=Phrase(str(error))) from None
    site_link = _absolute_link(document.home_page_url, url)
    title = html_to_text(document.title) or urlsplit(site_link or url).hostname or url
    language = normalize_language_tag(document.language)
    items: list[FeedItem] = []
    seen: set[str] = set()
    for entry in document.items:
        item = _json_item(entry, feed_url=url, feed_title=title, language=language, seen=seen)
        if item is not None:
            items.append(item)
    return Feed(url=url, title=title, link=site_link, items=tuple(items))


def _json_item(
    entry: JsonFeedItem, *, feed_url: str, feed_title: str, language: str | None, seen: set[str]
) -> FeedItem | None:
    # `url` is the item's own page; `external_url` the page a link post is about, the better article.
    link = _item_link(entry.external_url, feed_url) or _item_link(entry.url, feed_url)
    title = html_to_text(entry.title)
    if entry.summary:
        paragraphs = plain_paragraphs(entry.summary)
    elif entry.content_html:
        paragraphs = html_paragraphs(entry.content_html)
    else:
        paragraphs = plain_paragraphs(entry.content_text)
    published = entry.published or entry.modified
    return _feed_item(
        guid=entry.id,
        link=link,
        title=title,
        paragraphs=paragraphs,
        published=published,
        authors=tuple(html_to_text(name) for name in entry.authors),
        feed_url=feed_url,
        source=_outlet(None, feed_title, link),
        language=normalize_language_tag(entry.language) or language,
        image=image_url(entry.image, base=link or feed_url) or image_url(entry.banner_image, base=link or feed_url),
        seen=seen,
    )


def _without_entries_past_cap(text: str) -> str:
    """The document cut after its MAX_ENTRIES-th item and closed again, so feedparser's work stays
    bounded (it parses every item of a document; a 4 MB feed takes seconds)."""
    root = _ROOT_ELEMENT.search(text, 0, ROOT_SCAN_CHARS)
    if root is None:
        return text
    ends = _ENTRY_END.finditer(text)
    kept = list(itertools.islice(ends, MAX_ENTRIES))
    if len(kept) < MAX_ENTRIES or next(ends, None) is None:
        return text
    last = kept[-1]
    name = root.group(1)
    # RSS 2.0 items sit inside <channel>; RSS 1.0 (RDF) items and Atom entries sit in the root.
    closing = f"</channel></{name}>" if name.lower() == "rss" else f"</{name}>"
    return text[: last.end()] + closing


def _charset_of(content_type: str | None) -> str | None:
    match = _CHARSET_PARAMETER.search(content_type or "")
    return match.group(1) if match else None


def _get(mapping: Any, key: str) -> Any:
    """A field of a feedparser dict without its legacy key mapping (which warns for some keys)."""
    return dict.get(mapping, key) if isinstance(mapping, dict) else None


def _text_of(mapping: Any, key: str) -> str:
    """A text field as plain text on one line, whether the feed marked it up as HTML or not."""
    return " ".join(_paragraphs_of(mapping, key))


def _paragraphs_of(mapping: Any, key: str) -> list[str]:
    """A text field as paragraphs of plain text, whether the feed marked it up as HTML or not."""
    value = _get(mapping, key)
    if not isinstance(value, str):
        return []
    detail = _get(mapping, f"{key}_detail")
    kind = _get(detail, "type") if detail else None
    if kind == "text/plain":
        return plain_paragraphs(without_undefined_entities(value))
    return html_paragraphs(value)


def _item(entry: Any, *, feed_url: str, feed_title: str, language: str | None, seen: set[str]) -> FeedItem | None:
    # FeedBurner points item links at its own redirector and keeps the article's in origLink.
    link = _item_link(_get(entry, "feedburner_origlink"), feed_url) or _item_link(_get(entry, "link"), feed_url)
    paragraphs = _paragraphs_of(entry, "summary")
    if not paragraphs:
        contents = _get(entry, "content") or []
        if contents:
            paragraphs = _paragraphs_of(contents[0], "value")
    published = _utc(_get(entry, "published_parsed")) or _utc(_get(entry, "updated_parsed"))
    return _feed_item(
        guid=_get(entry, "id"),
        link=link,
        title=_text_of(entry, "title"),
        paragraphs=paragraphs,
        published=published,
        authors=_authors(entry),
        feed_url=feed_url,
        source=_outlet(_text_of(_get(entry, "source"), "title"), feed_title, link),
        language=language,
        image=_entry_image(entry, base=link or feed_url),
        seen=seen,
    )


def _is_image(media: Any) -> bool:
    """A media:content or enclosure that says it is a picture (by medium or MIME type)."""
    kind = str(_get(media, "type") or "").lower()
    return _get(media, "medium") == "image" or kind.startswith("image/")


def _entry_image(entry: Any, *, base: str) -> str | None:
    """The item's picture: a media:content that is an image, else its media:thumbnail, else an image
    enclosure, else its own <image> (iTunes and Media RSS put one there)."""
    candidates = [_get(media, "url") for media in _get(entry, "media_content") or [] if _is_image(media)]
    candidates += [_get(thumbnail, "url") for thumbnail in _get(entry, "media_thumbnail") or []]
    enclosures = [link for link in _get(entry, "links") or [] if _get(link, "rel") == "enclosure"]
    candidates += [_get(enclosure, "href") for enclosure in enclosures if _is_image(enclosure)]
    candidates.append(_get(_get(entry, "image"), "href"))
    return next((url for candidate in candidates if (url := image_url(candidate, base=base))), None)


def _feed_item(
    *,
    guid: Any,
    link: str | None,
    title: str,
    paragraphs: list[str],
    published: datetime | None,
    authors: tuple[str, ...],
    feed_url: str,
    source: str,
    language: str | None,
    seen: set[str],
    image: str | None = None,
) -> FeedItem | None:
    """An item of any feed format from its fields in plain text; None for an item without title or
    link, or one already seen in this feed."""
    summary = _clip(summary_text(paragraphs, title=title, published=published.date() if published else None))
    title = title or _first_words(summary, UNTITLED_WORDS)
    if not title and not link:
        return None
    key = _item_key(guid, link, title, published, seen)
    if key is None:
        return None  # the same item twice in one feed
    return FeedItem(
        key=key,
        title=title,
        link=link,
        summary=summary,
        published=published,
        authors=authors,
        feed_url=feed_url,
        source=source,
        language=language,
        image=image,
    )


def _outlet(own_source: str | None, feed_title: str, link: str | None) -> str:
    """The outlet an item is from: its own <source> (aggregators carry it); the site it links to when
    the feed is a search or alert feed whose title names no outlet; else the feed's title."""
    if own_source:
        return own_source
    if link and GENERIC_FEED_TITLE.match(feed_title):
        return site_host(link) or feed_title
    return feed_title


def _item_link(link: Any, base: str) -> str | None:
    """An item's link made absolute and unwrapped from a known redirector (Google Alerts...), so its
    identity and its fetch are the article's own."""
    absolute = _absolute_link(link, base)
    return unwrap_redirect(absolute) if absolute else None


def _item_key(guid: Any, link: str | None, title: str, published: datetime | None, seen: set[str]) -> str | None:
    """The first of guid, link and hash keys not already taken in this feed (see FeedItem).

    Every candidate is marked as taken, so a later item repeating this one's guid or link is seen.
    """
    candidates = []
    if isinstance(guid, str) and guid.strip():
        candidates.append(f"guid:{guid.strip()}")
    if link:
        candidates.append(f"link:{normalize_url(link)}")
    stamp = published.isoformat() if published else ""
    digest = hashlib.sha256(f"{title}\x1f{stamp}".encode()).hexdigest()[:HASH_KEY_CHARS]
    candidates.append(f"hash:{digest}")
    # A CMS that repeats one guid on every item still has distinct links; a repeated link is a repeat.
    chosen = None
    for candidate in candidates:
        if candidate not in seen:
            chosen = candidate
            break
        if candidate.startswith("link:"):
            break
    seen.update(candidates)
    return chosen


def _authors(entry: Any) -> tuple[str, ...]:
    names: list[str] = []
    for author in _get(entry, "authors") or []:
        name = _get(author, "name")
        if isinstance(name, str):
            names.append(name)
    if not names and isinstance(_get(entry, "author"), str):
        names.append(_get(entry, "author"))
    cleaned = (html_to_text(name) for name in names)
    return tuple(dict.fromkeys(name for name in cleaned if name))


def _utc(parsed: Any) -> datetime | None:
    """feedparser's UTC struct_time as an aware datetime."""
    if parsed is None:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
    except (OverflowError, ValueError, OSError, TypeError):
        return None


def _absolute_link(link: Any, base: str) -> str | None:
    if not isinstance(link, str) or not link.strip():
        return None
    absolute = urljoin(base, link.strip())
    return absolute if is_http_url(absolute) else None


def _clip(text: str, limit: int = MAX_SUMMARY_CHARS) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:-")
    return f"{cut}…"


def _first_words(text: str, count: int) -> str:
    words = text.split()
    return " ".join(words[:count]) + ("…" if len(words) > count else "")


def _shown(url: str) -> str:
    return url if len(url) <= 80 else url[:77] + "..."


def _one_line(text: str) -> str:
    return _clip(_WHITESPACE.sub(" ", text).strip(), 120)


# --- discovery ---------------------------------------------------------------------------------


class _AlternateLinks(HTMLParser):
    """Collects <base href> and the feed URLs of <link rel="alternate"> in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.feeds: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "base" and self.base is None and values.get("href"):
            self.base = values["href"].strip()
        elif tag in ("link", "a"):
            rel = values.get("rel", "").lower().split()
            media_type = values.get("type", "").lower().split(";")[0].strip()
            href = values.get("href", "").strip()
            if "alternate" in rel and media_type in FEED_LINK_TYPES and href and href not in self.feeds:
                self.feeds.append(href)


def find_feed_links(html: str, *, url: str) -> list[str]:
    """The feed URLs a page announces with <link rel="alternate" type="application/rss+xml|atom+xml|feed+json">,
    in document order, resolved against <base href> or the page's own URL."""
    head = html[:HEAD_SCAN_CHARS]
    end = head.lower().find("</head>")
    collector = _AlternateLinks()
    collector.feed(head if end < 0 else head[:end])
    collector.close()
    base = urljoin(url, collector.base) if collector.base else url
    links = [urljoin(base, href) for href in collector.feeds]
    return [link for link in dict.fromkeys(links) if is_http_url(link)]


def looks_like_feed(data: bytes) -> bool:
    """Whether a body opens like an RSS, RDF or Atom document, or is a JSON Feed (served with whatever
    content type)."""
    if looks_like_json_feed(data):
        return True
    head = ascii_compatible(data[:2048]).lstrip(b"\xef\xbb\xbf \t\r\n")
    return bool(_FEED_ROOT.search(head)) and not head.lower().startswith((b"<!doctype html", b"<html"))


async def discover_feed(fetcher: Fetcher, url: str, *, executor: Executor | None = None) -> DiscoveredFeed:
    """Find the feed for a URL: the URL itself when it is a feed, else the first feed the page
    announces that really parses, else a common feed path on the site (only when it announces none).

    Raises:
        FetchError: the URL itself could not be fetched (404, timeout, too large...).
        FeedError: it is not a feed and no feed could be found for it.
    """
    page = await fetcher.fetch(url, accept=ContentKind.PAGE | ContentKind.FEED)
    if page.kind is ContentKind.FEED or looks_like_feed(page.body):
        feed = await _parse_page(page, executor)
        return DiscoveredFeed(url=feed.url, feed=feed, found_by="direct")

    links: list[str] = await _run(executor, find_feed_links, page.text, url=page.final_url)
    found_by: Literal["link", "guess"] = "link" if links else "guess"
    if links:
        candidates = links[:MAX_ALTERNATE_LINKS]
    else:
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.final_url))
        candidates = [origin + path for path in GUESSED_PATHS]
    failures: list[NewsError] = []
    for candidate in candidates:
        try:
            result = await fetch_feed(fetcher, candidate, executor=executor)
        except NewsError as error:
            LOGGER.debug("Feed candidate %s for %s failed: %s", candidate, url, error.message)
            failures.append(error)
            if found_by == "guess" and error.kind in _SITE_DOWN:
                break  # every guess is on the same site: it will not answer the next one either
            continue
        if result.feed is not None:  # an unconditional fetch is never "not modified"
            return DiscoveredFeed(url=result.feed.url, feed=result.feed, found_by=found_by)
    if found_by == "link":
        raise FeedError(
            N_("The feed that {url} announces could not be read: {reason}"), url=_shown(url), reason=failures[-1]
        )
    raise FeedError(N_("No news feed was found at {url}"), url=_shown(url))


# --- fetching ----------------------------------------------------------------------------------


async def fetch_feed(
    fetcher: Fetcher,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    executor: Executor | None = None,
) -> FeedResult:
    """Fetch and parse a feed with a conditional GET.

    Args:
        fetcher: the shared fetcher (its size cap and timeouts apply).
        url: the feed's URL.
        etag: the ETag from the last fetch; sent as If-None-Match.
        last_modified: the Last-Modified from the last fetch; sent as If-Modified-Since.
        executor: where parsing runs; None means the loop's default thread pool.

    Returns:
        The feed, or `not_modified=True` with no feed when the server answered 304.

    Raises:
        FetchError: timeout, too_large, http_status (404...), not_html (not a feed) and the rest.
        FeedError: the body is not a readable feed.
    """
    page = await fetcher.fetch(url, accept=ContentKind.FEED, etag=etag, last_modified=last_modified)
    if page.not_modified:
        return FeedResult(url=url, feed=None, not_modified=True, etag=page.etag, last_modified=page.last_modified)
    feed = await _parse_page(page, executor)
    return FeedResult(url=url, feed=feed, etag=page.etag, last_modified=page.last_modified)


async def _parse_page(page: FetchedPage, executor: Executor | None) -> Feed:
    # A feed served as a web page was decoded as HTML, which looks for <meta charset> first: read it again as XML.
    document = page.text if page.kind is ContentKind.FEED else page.body
    content_type = page.content_type
    if page.charset_source == "header":
        content_type = f"{content_type}; charset={page.charset}"
    feed = await _run(executor, parse_feed, document, url=page.final_url, content_type=content_type)
    return replace(feed, etag=page.etag, last_modified=page.last_modified)


async def _run(executor: Executor | None, function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor, partial(function, *args, **kwargs))


async def fetch_feed_or_error(
    fetcher: Fetcher,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    executor: Executor | None = None,
) -> FeedResult | NewsError:
    """`fetch_feed`, its failure returned rather than raised: one feed of many must not stop the rest.
    An unexpected exception is logged and returned as a FeedError."""
    try:
        return await fetch_feed(fetcher, url, etag=etag, last_modified=last_modified, executor=executor)
    except NewsError as error:
        LOGGER.info("Feed %s failed (%s): %s", url, error.kind, error.message)
        return error
    except Exception:
        LOGGER.error("Unexpected failure reading feed %s", url, exc_info=True)
        return FeedError(N_("The feed at {url} could not be read"), url=_shown(url))


async def fetch_feeds(
    fetcher: Fetcher,
    requests: Iterable[FeedRequest | str],
    *,
    per_host: int = DEFAULT_PER_HOST,
    concurrency: int = DEFAULT_CONCURRENCY,
    executor: Executor | None = None,
) -> dict[str, FeedResult | NewsError]:
    """Fetch many feeds at once, each distinct feed once, never letting one failure stop the rest.

    Requests whose URLs normalize alike (a feed many guilds follow) share one fetch. That fetch is
    conditional only when they all carry the same validators: a 304 must not answer a caller that
    holds no copy.

    Args:
        fetcher: the shared fetcher.
        requests: feeds with their last validators, or bare URLs.
        per_host: feeds fetched at once from one host.
        concurrency: feeds fetched at once overall.
        executor: where parsing runs.

    Returns:
        For every requested URL (as given): its FeedResult, or the FetchError / FeedError that
        stopped it. An unexpected exception is logged and reported as a FeedError.
    """
    if per_host <= 0 or concurrency <= 0:
        raise ValueError("per_host and concurrency must be positive")
    groups: dict[str, list[FeedRequest]] = {}
    for request in requests:
        wanted = FeedRequest(request) if isinstance(request, str) else request
        groups.setdefault(normalize_url(wanted.url), []).append(wanted)

    overall = asyncio.Semaphore(concurrency)
    hosts: dict[str, asyncio.Semaphore] = {}

    async def one(group: Sequence[FeedRequest]) -> FeedResult | NewsError:
        first = group[0]
        agreed = all((r.etag, r.last_modified) == (first.etag, first.last_modified) for r in group)
        etag, last_modified = (first.etag, first.last_modified) if agreed else (None, None)
        host = urlsplit(normalize_url(first.url)).netloc
        # Take the host's slot first, so feeds waiting on a busy host hold no overall slot.
        async with hosts.setdefault(host, asyncio.Semaphore(per_host)), overall:
            return await fetch_feed_or_error(
                fetcher, first.url, etag=etag, last_modified=last_modified, executor=executor
            )

    outcomes = await asyncio.gather(*(one(group) for group in groups.values()))
    results: dict[str, FeedResult | NewsError] = {}
    for group, outcome in zip(groups.values(), outcomes, strict=True):
        for request in group:
            if isinstance(outcome, FeedResult) and outcome.url != request.url:
                results[request.url] = replace(outcome, url=request.url)
            else:
                results[request.url] = outcome
    return results

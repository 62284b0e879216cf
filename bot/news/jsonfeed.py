"""JSON Feed 1.0 and 1.1 (https://www.jsonfeed.org/version/1.1/): a document read into plain fields,
which `bot.news.feeds` turns into the same FeedItems as RSS and Atom.

A JSON Feed is told by its content, the `version` URL every JSON Feed carries, not by its
Content-Type: servers send it as application/json, text/plain or application/octet-stream as often
as application/feed+json.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.news.errors import N_

VERSION_STEM = "jsonfeed.org/version/"
"""Every JSON Feed's `version` is a URL on this path (1.0, 1.1, and later ones a reader should accept)."""

_VERSION = re.compile(r'"version"\s*:\s*"https?://jsonfeed\.org/version/')
_VERSION_BYTES = re.compile(_VERSION.pattern.encode())
_OPENING = re.compile(r"^\ufeff?\s*\{")
_OPENING_BYTES = re.compile(rb"^(?:\xef\xbb\xbf)?\s*\{")
OPENING_SCAN = 1024
"""Where a JSON document's opening brace must be: after a byte-order mark and some white space."""


class NotAJsonFeed(ValueError):
    """The text is not JSON, or is JSON without a JSON Feed's version; the message is one of the
    phrases below, marked for the catalogues (callers show it translated as a `Phrase`)."""


NOT_JSON = N_("it is not valid JSON")
NOT_A_JSON_FEED = N_("it is JSON, but not a JSON Feed")


@dataclass(frozen=True, slots=True)
class JsonFeedItem:
    """One item's fields as the feed gives them; HTML stays HTML (the feed reader turns it into text)."""

    id: str | None
    url: str | None
    external_url: str | None
    title: str
    content_html: str
    content_text: str
    summary: str
    published: datetime | None
    modified: datetime | None
    authors: tuple[str, ...]
    language: str | None
    image: str | None = None
    """The item's main picture, as the feed gives it (maybe relative)."""
    banner_image: str | None = None
    """A wide picture shown above the item, where a reader shows one."""


@dataclass(frozen=True, slots=True)
class JsonFeed:
    version: str
    title: str
    home_page_url: str | None
    language: str | None
    items: tuple[JsonFeedItem, ...]


def looks_like_json_feed(data: bytes | str) -> bool:
    """Whether a body is a JSON object that names a JSON Feed version."""
    if isinstance(data, str):
        return bool(_OPENING.match(data[:OPENING_SCAN])) and _VERSION.search(data) is not None
    return bool(_OPENING_BYTES.match(data[:OPENING_SCAN])) and _VERSION_BYTES.search(data) is not None


def read_json_feed(text: str, *, max_items: int) -> JsonFeed:
    """Read a JSON Feed's fields, tolerating what real feeds get wrong (numeric ids, a 1.0 `author`
    in a 1.1 feed, missing titles); at most `max_items` items.

    Raises:
        NotAJsonFeed: the text is not JSON, or not a JSON Feed.
    """
    try:
        document = json.loads(text.lstrip("\ufeff"))
    except (json.JSONDecodeError, RecursionError):
        raise NotAJsonFeed(NOT_JSON) from None
    if not isinstance(document, dict):
        raise NotAJsonFeed(NOT_A_JSON_FEED)
    version = _string(document.get("version"))
    # Some 1.0 feeds still name the version with http://.
    if not (version or "").split("://", 1)[-1].startswith(VERSION_STEM):
        raise NotAJsonFeed(NOT_A_JSON_FEED)
    raw_items = document.get("items")
    items = raw_items if isinstance(raw_items, list) else []
    feed_authors = _authors(document)
    return JsonFeed(
        version=version or "",
        title=_string(document.get("title")) or "",
        home_page_url=_string(document.get("home_page_url")),
        language=_string(document.get("language")),
        items=tuple(_item(item, feed_authors) for item in items[:max_items] if isinstance(item, dict)),
    )


def _item(item: dict[str, Any], feed_authors: tuple[str, ...]) -> JsonFeedItem:
    identifier = item.get("id")
    return JsonFeedItem(
        # 1.0 feeds in the wild give numeric ids; the spec says to read them as strings.
        id=str(identifier) if isinstance(identifier, str | int) and not isinstance(identifier, bool) else None,
        url=_string(item.get("url")),
        external_url=_string(item.get("external_url")),
        title=_string(item.get("title")) or "",
        content_html=_string(item.get("content_html")) or "",
        content_text=_string(item.get("content_text")) or "",
        summary=_string(item.get("summary")) or "",
        published=_date(item.get("date_published")),
        modified=_date(item.get("date_modified")),
        authors=_authors(item) or feed_authors,
        language=_string(item.get("language")),
        image=_string(item.get("image")),
        banner_image=_string(item.get("banner_image")),
    )


def _authors(holder: dict[str, Any]) -> tuple[str, ...]:
    """Names from 1.1's `authors` list, else 1.0's single `author` object."""
    authors = holder.get("authors")
    if not isinstance(authors, list):
        authors = [holder.get("author")]
    names = (_string(author.get("name")) for author in authors if isinstance(author, dict))
    return tuple(dict.fromkeys(name for name in names if name))


def _string(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _date(value: Any) -> datetime | None:
    """An RFC 3339 date as an aware UTC datetime; None when it is missing or unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # RFC 3339 requires an offset; a missing one is UTC in practice
    return moment.astimezone(UTC)

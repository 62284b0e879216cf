"""OPML, the file every feed reader imports and exports its subscriptions as.

Reading takes what Feedly, Inoreader, NetNewsWire, Thunderbird and the rest write, OPML 1.0 and 2.0:
feed outlines (`xmlUrl`, with `title` or `text` and perhaps `htmlUrl`) at any depth inside folder
outlines. The file comes from a user, so the parser is defusedxml's with entity declarations and
external references refused (no "billion laughs", no XXE), after a size check, and stops counting
feeds at a cap. Writing makes an OPML 2.0 file those readers import.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

import defusedxml.ElementTree as SafeElementTree
from defusedxml import DefusedXmlException

from bot.news.decode import decode_document
from bot.news.errors import N_, NewsError
from bot.news.urls import normalize_url

MAX_OPML_BYTES = 2_000_000
"""An export of a thousand feeds from Feedly or Inoreader is about 250 kB; more is not a feed list."""

MAX_OPML_FEEDS = 500
"""Feeds read from one file. A server follows at most 50; a file of a few hundred is a reader's whole
library, of which an import follows the first that fit and reports the rest. Past this the file is
refused outright: its report alone would be thousands of lines."""

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_FEED_URL_ATTRIBUTES = ("xmlurl", "url")
"""Where an outline keeps its feed: xmlUrl by the spec; a few old exporters write url with type="rss"."""


class OpmlError(NewsError):
    """The file is not an OPML file we will read; the message says why, for the user."""

    kind = "bad_opml"


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    """One feed outline."""

    url: str
    """The feed's address as the file gives it (xmlUrl), not yet checked."""
    title: str
    """Its name in the file (title, else text), else the address."""
    site_url: str | None = None
    """The site it belongs to (htmlUrl)."""
    folder: str | None = None
    """The folder (category) outline it sits in, innermost, when it sits in one."""


def parse_opml(data: bytes, *, max_feeds: int = MAX_OPML_FEEDS) -> list[OpmlFeed]:
    """The feeds an OPML file lists, in document order, each address once.

    Args:
        data: the file's bytes; larger than MAX_OPML_BYTES is refused.
        max_feeds: more feed outlines than this and the file is refused.

    Raises:
        OpmlError: too large, not XML, declares entities or external references, not OPML, lists no
            feed, or lists more than `max_feeds`.
    """
    if len(data) > MAX_OPML_BYTES:
        raise OpmlError(
            N_("The file is larger than {size} MB, too large for a list of feeds."), size=MAX_OPML_BYTES // 1_000_000
        )
    text = decode_document(data, markup="xml").text
    if not text.lstrip().startswith("<"):
        raise OpmlError(N_("The file is not an OPML file: it is not XML at all."))
    # Decoded by the same rules as feeds (a wrong declared charset is common), so the parser gets UTF-8.
    document = _XML_DECLARATION.sub("", text, count=1).encode("utf-8")
    try:
        root = SafeElementTree.fromstring(document, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise OpmlError(
            N_("The file declares XML entities or external references, which an OPML file never needs.")
        ) from None
    except ElementTree.ParseError as error:
        line, column = error.position
        raise OpmlError(
            N_("The file is not well-formed XML (line {line}, column {column})."), line=line, column=column
        ) from None
    if _local_name(root.tag) != "opml":
        raise OpmlError(
            N_("The file is XML but not OPML: its root element is <{root}>, not <opml>."), root=_local_name(root.tag)
        )
    body = next((child for child in root if _local_name(child.tag) == "body"), None)
    if body is None:
        raise OpmlError(N_("The OPML file has no <body>, so it lists no feeds."))
    feeds: dict[str, OpmlFeed] = {}
    _collect(body, feeds=feeds, max_feeds=max_feeds)
    if not feeds:
        raise OpmlError(N_("The OPML file lists no feeds (no outline has an xmlUrl)."))
    return list(feeds.values())


def _collect(body: ElementTree.Element, *, feeds: dict[str, OpmlFeed], max_feeds: int) -> None:
    """Add the feed outlines under `body` to `feeds` in document order, at any depth (walked with a
    stack of our own, so a hostile file nested a million deep costs memory, not a RecursionError)."""
    stack: list[tuple[Iterator[ElementTree.Element], str | None]] = [(iter(body), None)]
    while stack:
        children, folder = stack[-1]
        outline = next(children, None)
        if outline is None:
            stack.pop()
            continue
        if _local_name(outline.tag) != "outline":
            continue
        attributes = {name.lower(): value.strip() for name, value in outline.attrib.items()}
        name = attributes.get("title") or attributes.get("text") or ""
        url = next((attributes[key] for key in _FEED_URL_ATTRIBUTES if attributes.get(key)), "")
        if attributes.get("xmlurl") or (url and attributes.get("type", "").lower() in {"rss", "atom"}):
            key = _identity(url)
            if key not in feeds:
                if len(feeds) >= max_feeds:
                    raise OpmlError(
                        N_(
                            "The file lists more than {count} feeds; a server can follow at most a few dozen. "
                            "Export a single folder, or a shorter list."
                        ),
                        count=max_feeds,
                    )
                site_url = attributes.get("htmlurl") or None
                feeds[key] = OpmlFeed(url=url, title=name or url, site_url=site_url, folder=folder)
        stack.append((iter(outline), name or folder))


def _identity(url: str) -> str:
    try:
        return normalize_url(url)
    except ValueError:
        return url


def _local_name(tag: object) -> str:
    """An element's name without its namespace (some exporters put OPML in one)."""
    return str(tag).rsplit("}", 1)[-1].lower()


def write_opml(feeds: Sequence[OpmlFeed], *, title: str, created: datetime) -> bytes:
    """An OPML 2.0 file listing `feeds` (one flat list, as a server's feeds have no folders).

    Args:
        feeds: the feeds, in the order to list them.
        title: the file's <title>.
        created: when the file was made (aware), its <dateCreated>.
    """
    root = ElementTree.Element("opml", version="2.0")
    head = ElementTree.SubElement(root, "head")
    ElementTree.SubElement(head, "title").text = title
    ElementTree.SubElement(head, "dateCreated").text = format_datetime(created)
    body = ElementTree.SubElement(root, "body")
    for feed in feeds:
        attributes = {"type": "rss", "text": feed.title, "title": feed.title, "xmlUrl": feed.url}
        if feed.site_url:
            attributes["htmlUrl"] = feed.site_url
        ElementTree.SubElement(body, "outline", attributes)
    ElementTree.indent(root)
    written: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return written + b"\n"

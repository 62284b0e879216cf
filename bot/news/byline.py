"""The page's byline when no meta tag or JSON-LD names the author: trafilatura's byline search, in one pass.

trafilatura.metadata.extract_author copies the whole page, deletes comment sections, sidebars, dates
and figures from the copy, then runs three XPath searches whose EXSLT regular expressions call back
into Python for every element. On the dev pages that took a median 4 ms on the 42% of pages that
need it, the largest single cost of a briefing after the main extraction. This module finds the same
byline by walking the page once, testing the same attributes with compiled regular expressions, and
copying only the candidate element it reads. tests/news/test_byline.py checks it against
trafilatura's own function.

The rules below restate trafilatura's AUTHOR_XPATHS and AUTHOR_DISCARD_XPATHS (trafilatura 2.x) as
Python tests; trafilatura's author normalisation is used as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from copy import deepcopy

from lxml.etree import XPath
from lxml.html import HtmlElement
from trafilatura.json_metadata import normalize_authors

__all__ = ["find_byline"]

MAX_BYLINE_CHARS = 120
"""trafilatura's limit: a longer block under a byline class is an author box or a bio, not a name."""

MIN_BYLINE_CHARS = 3
"""trafilatura's lower limit: two characters are initials at best."""

# ----------------------------------------------------------------------------- what a byline is
# Three searches, from specific to generic; the first that yields a text of byline length wins.

_SPECIFIC_TAGS = frozenset({"a", "address", "div", "link", "p", "span", "strong"})
_SPECIFIC_CLASS = re.compile("author-?name|AuthorName|authorName")
_GENERIC_TAGS = frozenset({"a", "div", "h3", "h4", "p", "span"})
_GENERIC_ID = re.compile("author|zuozhe|bianji|xiaobian")
_GENERIC_CLASS = re.compile("author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name")
_ANY_ID = re.compile("[Aa]uthor")
_ANY_CLASS = re.compile("[Aa]uthor|screenname|writer|[Bb]yline")


def _specific(element: HtmlElement) -> bool:
    """rel/id/class "author", schema.org "author name", a few site widgets, or an <author> element."""
    if element.tag == "author":
        return True
    if element.tag not in _SPECIFIC_TAGS:
        return False
    get = element.get
    return (
        get("rel") == "author"
        or get("id") == "author"
        or get("class") == "author"
        or get("itemprop") == "author name"
        or get("data-testid") in ("AuthorCard", "AuthorURL")
        or bool(_SPECIFIC_CLASS.search(get("class") or ""))
    )


def _generic(element: HtmlElement) -> bool:
    """Byline and user-name classes, author item properties, and the Chinese sites' author ids."""
    if element.tag not in _GENERIC_TAGS:
        return False
    get = element.get
    css_class = get("class") or ""
    return (
        css_class in ("byline", "username", "byl", "BBL")
        or "author" in (get("itemprop") or "")
        or bool(_GENERIC_ID.search(get("id") or ""))
        or bool(_GENERIC_CLASS.search(css_class))
    )


def _any(element: HtmlElement) -> bool:
    """Last resort: any element whose id, class or component name mentions an author or byline."""
    get = element.get
    return (
        "Byline" in (get("data-component") or "")
        or "author" in (get("itemprop") or "")
        or bool(_ANY_ID.search(get("id") or ""))
        or bool(_ANY_CLASS.search(get("class") or ""))
    )


_SEARCHES: tuple[Callable[[HtmlElement], bool], ...] = (_specific, _generic, _any)

# ----------------------------------------------------------------------------- what is never a byline

_SKIPPED_TAGS = frozenset({"a", "div", "section", "span"})
_SKIPPED_EXACT = frozenset({"comments", "title", "date"})
_SKIPPED_ID = re.compile("^comments|comment-?list|ProductReviews")
_SKIPPED_CLASS = re.compile(
    "^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram|"
    "article-(?:share|support)|print|category|meta-date|meta-reviewer"
)


def _skipped(element: HtmlElement) -> bool:
    """Comment sections, sidebars, hidden blocks, quotes, titles and dates, times and figures: names
    there are commenters, quoted people or captions, not the author."""
    tag = element.tag
    if tag in ("time", "figure"):
        return True
    if tag not in _SKIPPED_TAGS:
        return False
    get = element.get
    element_id, css_class = get("id") or "", get("class") or ""
    return (
        element_id == "comments"
        or css_class in _SKIPPED_EXACT
        or "Figure" in (get("data-component") or "")
        or bool(_SKIPPED_ID.search(element_id))
        or bool(_SKIPPED_CLASS.search(css_class))
    )


_MARKED = XPath("//*[@class or @id or @itemprop or @rel or @data-testid or @data-component]|//author|//time|//figure")
"""The only elements any rule can concern; lxml finds them in C, so the Python tests see a few hundred
elements instead of every element of the page."""


def _text_without(element: HtmlElement, skipped: set[HtmlElement]) -> str:
    """The element's text with its skipped descendants removed as trafilatura removes them (their
    tail text kept, joined to what precedes them), whitespace collapsed."""
    if not any(descendant in skipped for descendant in element.iterdescendants()):
        return " ".join(" ".join(element.itertext()).split())
    copy = deepcopy(element)
    doomed = [twin for original, twin in zip(element.iter(), copy.iter(), strict=True) if original in skipped]
    for twin in doomed:
        parent = twin.getparent()
        if parent is None:
            continue
        if twin.tail:
            previous = twin.getprevious()
            if previous is None:
                parent.text = (parent.text or "") + twin.tail
            else:
                previous.tail = (previous.tail or "") + twin.tail
        parent.remove(twin)
    return " ".join(" ".join(copy.itertext()).split())


def find_byline(tree: HtmlElement) -> str | None:
    """The author names the page shows in a byline element, normalised as trafilatura does, or None.

    `tree` is the page's root: like trafilatura's, the search spans the whole document.
    """
    marked = _MARKED(tree)
    skipped = {element for element in marked if element is not tree and _skipped(element)}
    for search in _SEARCHES:
        for element in marked:
            if not search(element) or element in skipped or any(a in skipped for a in element.iterancestors()):
                continue
            text = _text_without(element, skipped)
            if MIN_BYLINE_CHARS <= len(text) < MAX_BYLINE_CHARS:
                return normalize_authors(None, text)
    return None

"""The standfirst: the lead paragraph a page sets between its headline and its story.

trafilatura's favor_precision pass leaves it out, since it sits in the page's header beside the
headline and byline rather than in the story's block. Yet in German, French, Spanish, Polish and
most other European papers it is the story's first paragraph (Vorspann, chapô, entradilla, lead),
written as its opening and not repeated after it: without it, the story starts on its second
paragraph, and the summary with it. English-language pages set a dek there instead: a second
headline ("The move aims to stop the house becoming a pilgrimage site"), which the story's own text
then tells again, and which article-body annotations leave out (on the 121 scrapinghub pages adding
it took extraction F1 from 0.980 to 0.977; on the 495 mostly German snippets pages it found 15 lead
paragraphs and no boilerplate).

The page tells which block is its standfirst: its description (<meta name="description">,
OpenGraph, Twitter or the article's JSON-LD) is that paragraph's text, or its opening when the
description is cut short. A description that matches no block of the page is only metadata.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from html import unescape

from lxml.html import HtmlElement

from bot.news.cleanup import MIN_SENTENCE_WORDS, normalize_paragraph, word_count

LOGGER = logging.getLogger(__name__)

__all__ = ["DEK_LANGUAGES", "find_standfirst", "page_descriptions"]

DEK_LANGUAGES = frozenset({"en"})
"""Languages whose pages put a dek, not the story's lead paragraph, under the headline."""

MATCH_PIECE_CHARS = 30
"""The description's opening is looked for in the page's text nodes by this many characters: the
first words of a lead paragraph stand in one text node, before any link or emphasis."""

MATCH_PREFIX_CHARS = 60
"""A block opening with this much of the description (all of it, for a description cut short) holds it."""

CUT_SLACK_CHARS = 5
"""A description cut short may end a few characters into a word or before an ellipsis."""

MAX_STANDFIRST_RATIO = 2.0
MAX_STANDFIRST_EXTRA_CHARS = 150
"""The block found is a lead paragraph only when it is at most about twice its description (which may
be cut short); a larger block that opens with the same words is the whole story or its container."""

_DESCRIPTIONS = (
    "//meta[@name='description' or @property='og:description' or @name='twitter:description'"
    " or @property='twitter:description']/@content"
)
_JSON_LD = "//script[contains(@type, 'ld+json')]"
_NOT_THE_PAGE = frozenset({"Person", "Organization", "NewsMediaOrganization", "ImageObject", "VideoObject"})
"""JSON-LD things whose description is not the page's: its author's biography, its publisher's."""
_TEXT_HOLDING = ".//text()[contains(normalize-space(.), $piece)]"
_NO_TEXT = frozenset({"script", "style", "body", "html", "head", "meta", "title"})


def _ld_descriptions(value: object) -> Iterator[str]:
    """Descriptions of the things a JSON-LD block describes at its top level or in its @graph: the page
    and its article, not their authors or publishers, which are nested under them."""
    if isinstance(value, list):
        for item in value:
            yield from _ld_descriptions(item)
    elif isinstance(value, dict):
        yield from _ld_descriptions(value.get("@graph"))
        kinds = value.get("@type")
        kinds = set(kinds) if isinstance(kinds, list) else {kinds}
        description = value.get("description")
        if isinstance(description, str) and not kinds & _NOT_THE_PAGE:
            yield description


def page_descriptions(tree: HtmlElement) -> list[str]:
    """The descriptions the page gives of itself, each once, in the order <meta> tags then JSON-LD;
    those shorter than a sentence are left out."""
    found = [str(value) for value in tree.xpath(_DESCRIPTIONS)]
    for script in tree.xpath(_JSON_LD):
        try:
            found.extend(_ld_descriptions(json.loads(script.text or "")))
        except ValueError:  # malformed JSON-LD is common; trafilatura skips it too
            LOGGER.debug("unreadable JSON-LD block")
    unique: list[str] = []
    for text in map(normalize_paragraph, map(unescape, found)):
        if word_count(text) >= MIN_SENTENCE_WORDS and text not in unique:
            unique.append(text)
    return unique


def find_standfirst(tree: HtmlElement, descriptions: list[str]) -> str | None:
    """The text of the smallest block of the page's body that holds a description whole (or, for a
    description cut short, opens with it), when that block is a paragraph and not a container.

    The description's opening is looked for in the page's text nodes, and only the few blocks around
    a match are read whole: reading every element's text would cost time in the square of the
    page's depth."""
    body = tree.find(".//body")
    if body is None:
        return None
    for description in descriptions:
        stem = description.removesuffix("...").rstrip(" .…")
        opening = stem[: max(MATCH_PREFIX_CHARS, len(stem) - CUT_SLACK_CHARS)]
        longest = MAX_STANDFIRST_RATIO * len(stem) + MAX_STANDFIRST_EXTRA_CHARS
        for node in body.xpath(_TEXT_HOLDING, piece=stem[:MATCH_PIECE_CHARS]):
            element = node.getparent()
            if node.is_tail:
                element = element.getparent()
            while element is not None and element.tag not in _NO_TEXT:
                text = normalize_paragraph(element.text_content())
                if len(text) > longest:
                    break
                if text.startswith(opening):
                    return text
                element = element.getparent()
    return None

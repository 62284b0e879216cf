"""Feed text as plain text: titles on one line, summaries as paragraphs cleaned like an article's.

Feeds mark up their summaries as HTML fragments that end in a "Continue reading" link, a WordPress
"The post ... appeared first on ..." line or an excerpt's "[…]", and put paragraphs side by side
with nothing but the tags between them. A summary keeps one paragraph a line, so the sentence
splitter never glues the end of one paragraph to the start of the next ("face-lift Casting"), and
goes through the same clean-up as an article's paragraphs (`bot.news.cleanup`).
"""

from __future__ import annotations

import html.entities
import re
from datetime import date
from html.parser import HTMLParser

from bot.news.cleanup import clean_paragraphs, normalize_paragraph

BLOCK_TAGS = frozenset(
    {
        "p", "br", "div", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
        "tr", "td", "th", "table", "blockquote", "figure", "section", "article", "header", "footer",
        "pre", "hr", "aside",
    }
)  # fmt: skip
"""Elements whose start or end ends a paragraph of text."""

SKIPPED_TAGS = frozenset({"script", "style", "noscript", "template", "figcaption"})
"""Elements whose text is never part of a summary."""

MAX_ENTITY_NAME = 32
"""Longer than any HTML entity name (the longest, CounterClockwiseContourIntegral, has 31 letters)."""

_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
_ENTITY_REFERENCE = re.compile(rf"&([A-Za-z][A-Za-z0-9]{{0,{MAX_ENTITY_NAME}}});")
_LEFTOVER_REFERENCE = re.compile(rf"(?:(?<=\s)|^)&([A-Za-z][A-Za-z0-9]{{0,{MAX_ENTITY_NAME}}});?(?=[\s.,:!?]|$)")
"""A reference left in decoded text, its semicolon perhaps lost: feedparser's sanitizer turns an
undefined `&lol9;` inside HTML into the text "&lol9". Only a word of its own: "R&D" stays."""
_WHITESPACE = re.compile(r"\s+")
_BREAK = "\n"

_READ_MORE_LINK = re.compile(
    r"^\W*(?:(?:continue reading|read more|keep reading)(?:\W.{0,80})?|"
    r"(?:read the (?:full|rest of the|whole) (?:story|article|post)|full story|more|weiterlesen|mehr lesen|"
    r"lire la suite|leer m[aá]s|seguir leyendo|continua a leggere|leia mais|continue lendo|czytaj dalej|"
    r"читать далее|читати далі|далее|…|\.\.\.)\W*)$",
    re.IGNORECASE | re.DOTALL,
)
"""A link whose text only sends the reader to the article (the rest is the post's title, which
WordPress themes add for screen readers)."""

_READ_MORE_TAIL = re.compile(
    r"(?:(?<=[.!?…”\"’)\]])|^)\s*(?:Continue reading|Read more|Keep reading|Read the full (?:story|article|post))"
    r"\b[^.!?]{0,80}?\s*(?:\.{3}|…|→|»|›|>>)?\s*$"
)
"""The same words at the end of a paragraph as plain text, after its last sentence."""

_APPEARED_FIRST = re.compile(r"(?:^|(?<=[.!?…”\"’\]]\s))\s*The post .{1,300}? appeared first on .{1,200}?\.?\s*$")
"""The line WordPress adds to every feed item by default (Yoast and many themes keep it)."""

_EXCERPT_END = re.compile(r"\s*\[(?:…|\.\.\.)\]\s*$")
"""WordPress ends an automatic excerpt with "[…]": the text was cut, which an ellipsis says."""


def without_undefined_entities(text: str) -> str:
    """`text` without references to entities neither XML nor HTML defines (`&lol9;`): feeds that
    declare their own entities (or pretend to) must not show the reference raw, and declared ones
    are never expanded (that is how "billion laughs" documents blow up)."""

    return _ENTITY_REFERENCE.sub(_keep_defined, text) if "&" in text else text


def _keep_defined(match: re.Match[str]) -> str:
    name = match.group(1)
    return match.group(0) if name in _XML_ENTITIES or f"{name};" in html.entities.html5 else ""


class _TextCollector(HTMLParser):
    """Text of an HTML fragment with a break wherever a block element starts or ends, leaving out
    links that only say "Continue reading" or "Read more"."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._links: list[list[str]] = []
        self._skipping = 0

    def _out(self) -> list[str]:
        return self._links[-1] if self._links else self.parts

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED_TAGS:
            self._skipping += 1
        elif tag in BLOCK_TAGS:
            self._out().append(_BREAK)
        elif tag == "a":
            self._links.append([])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCK_TAGS:
            self._out().append(_BREAK)

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in BLOCK_TAGS:
            self._out().append(_BREAK)
        elif tag == "a" and self._links:
            self._close_link()

    def _close_link(self) -> None:
        text = self._links.pop()
        words = " ".join("".join(text).split())
        if words and _READ_MORE_LINK.match(words):
            self._out().append(_BREAK)
        else:
            self._out().extend(text)

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self._out().append(_WHITESPACE.sub(" ", data))

    def close(self) -> None:
        super().close()
        while self._links:
            self._close_link()


def html_paragraphs(markup: str) -> list[str]:
    """The paragraphs of an HTML fragment as plain text: tags dropped, entities decoded, a new
    paragraph at every block boundary, read-more links left out."""
    collector = _TextCollector()
    collector.feed(without_undefined_entities(markup))
    collector.close()
    text = "".join(collector.parts)
    if "&" in text:
        text = _LEFTOVER_REFERENCE.sub(_keep_defined, without_undefined_entities(text))
    return [paragraph for paragraph in (normalize_paragraph(part) for part in text.split(_BREAK)) if paragraph]


def html_to_text(markup: str) -> str:
    """The readable text of an HTML fragment, on one line: tags dropped, entities decoded."""
    if "<" not in markup and "&" not in markup:
        return _WHITESPACE.sub(" ", markup).strip()
    return " ".join(html_paragraphs(markup))


def plain_paragraphs(text: str) -> list[str]:
    """The paragraphs of plain text: its non-empty lines."""
    return [paragraph for paragraph in (normalize_paragraph(line) for line in text.splitlines()) if paragraph]


def summary_text(paragraphs: list[str], *, title: str, published: date | None) -> str:
    """A feed item's summary from its paragraphs: the feed's boilerplate and the clean-up's removed,
    one paragraph a line.

    Args:
        paragraphs: from `html_paragraphs` or `plain_paragraphs`.
        title: the item's title, whose repeat above the summary is dropped.
        published: the item's date, which helps recognize a dateline above the summary.
    """
    trimmed = []
    for paragraph in paragraphs:
        paragraph = _APPEARED_FIRST.sub("", paragraph)
        paragraph = _READ_MORE_TAIL.sub("", paragraph)
        paragraph = _EXCERPT_END.sub("…", paragraph).strip()
        if paragraph:
            trimmed.append(paragraph)
    cleaned = clean_paragraphs(trimmed, title=title or None, published=published)
    # A summary of one short line can look like a dateline to rules made for articles: keep it then.
    return _BREAK.join(cleaned or trimmed)

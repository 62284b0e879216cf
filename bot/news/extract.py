"""HTML or plain text -> Article: trafilatura finds the main text and the facts about the page,
`bot.news.cleanup` drops what a summary reader skips.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from copy import deepcopy
from dataclasses import dataclass
from datetime import date
from html import unescape
from itertools import pairwise
from urllib.parse import urlsplit

import lxml.etree
import lxml.html
import trafilatura
from htmldate import find_date
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HtmlProcessingInstruction
from trafilatura.metadata import (
    examine_meta,
    extract_meta_json,
    extract_sitename,
    extract_title,
    extract_url,
)
from trafilatura.settings import Document
from trafilatura.xml import xmltotxt

from bot.news.byline import find_byline
from bot.news.cleanup import (
    MIN_SENTENCE_WORDS,
    MONTHS_PATTERN,
    SENTENCE_END,
    bounded_paragraphs,
    caseless,
    clean_paragraphs,
    ends_sentence,
    is_dateline,
    normalize_paragraph,
    word_count,
    word_tokens,
    written_date,
)
from bot.news.decode import decode_document
from bot.news.errors import InputError, NotAnArticle
from bot.news.language import detect_language, normalize_language_tag
from bot.news.models import Article
from bot.news.standfirst import DEK_LANGUAGES, find_standfirst, page_descriptions
from bot.news.urls import image_url

LOGGER = logging.getLogger(__name__)

__all__ = ["article_from_text", "extract_article", "split_authors"]

# ----------------------------------------------------------------------------- limits

MAX_INPUT_CHARS = 10_000_000
"""Pages beyond this are cut before parsing. News pages with their inline scripts stay under 3 MB;
parsing 10 MB with lxml takes a fraction of a second, so the cut only guards memory and time."""

HUGE_PAGE_ELEMENTS = 12_000
"""A page with more elements than this (scripts and styles gone) is larger than any news page: the
most any of the 616 dev pages holds is 10,078. trafilatura's time grows with the element count (30-100
us an element a pass, four to eight passes on a doubtful page), so such a page is cut (see KEPT_ELEMENTS)."""

HUGE_PAGE_TEXT_CHARS = 600_000
"""Likewise for a page's text: the most any dev page holds is 483,000 characters (median under
10,000), and the clean-up, summary and date search grow with the text."""

KEPT_ELEMENTS = 3_000
"""A huge page keeps its first this many elements (inline tags gone) and gets one fast trafilatura
pass: no comparison with readability and jusText, no balanced retry, no second reading with the
furniture. The story's header and body come first; 3,000 elements hold a long article, and one pass
over them takes about 0.1 s where the whole chain on 50,000 elements took 4 s (issue 13: no input over 1 s)."""

KEPT_TEXT_CHARS = 100_000
"""A huge page keeps its first this many characters of text: about 15,000 words, a long feature."""

MAX_ARTICLE_CHARS = 300_000
"""About 50,000 words: longer than any news article. More text is a dump, not a story, and would
only slow the summarizer down."""

MAX_DATE_SEARCH_CHARS = 150_000
"""Characters of text (white space aside) htmldate searches for a date when the page's metadata
names none: half again the most of the 616 dev pages (99,700; median 8,100), and the story's header,
where its date stands, comes first. Searching 1 MB of text took 0.45 s, this much 0.07 s."""

CLEAN_SLACK = 2
"""The clean-up reads at most this many times MAX_ARTICLE_CHARS of extracted text: it removes far
less than half of any real article, and its rules cost about 0.2 ms per paragraph."""

MIN_ARTICLE_WORDS = 20
"""Fewer words than a couple of sentences cannot be summarized: such a page is a login wall, an
error page or navigation, not an article."""

MIN_PROSE_WORDS = 25
"""A paragraph this long with a sentence break inside is prose even if it does not end with a full
stop; headlines and menu items are shorter."""

MIN_LIST_ITEMS = 3
"""Text without a single sentence is an article only as a list of several items."""

MAX_LINKED_SHARE = 0.5
"""A text without sentences whose lines are mostly the page's link texts is a menu or headline list."""

RETRY_BELOW_CHARS = 250
"""trafilatura's own threshold (MIN_EXTRACTED_SIZE) for a result too short to trust. favor_precision
sometimes keeps nothing, or only a reprint notice, on a page that balanced mode reads fully, so below
this many characters of clean text we run balanced mode too and keep the longer result."""

MIN_RETRY_PROSE_CHARS = 150
"""When favor_precision keeps under RETRY_BELOW_CHARS of prose (a table, a list of names, a line or
two), balanced mode's result replaces it only if that holds more prose, and at least this much: a
comment notice alone (about 120 characters) is no article. Measured in prose, not in all text, the
retry lifted snippets recall 0.9258 -> 0.9272 and left the scrapinghub pages as they were."""

SHORT_PROSE_CHARS = 800
"""favor_precision sometimes keeps only the opening of a story (a teaser, the first section of a page
that splits it into boxes): below this many characters of prose, balanced mode is run as well."""

SHORT_PROSE_GAIN = 2.0
"""Balanced mode's text replaces a short precise result when it holds this many times its prose: more
text, but written in sentences, so the story's rest and not the page's menus. Snippets F1 0.9387 ->
0.9423 (recall 0.929 -> 0.937, precision 0.948 unchanged); the scrapinghub pages unchanged at 0.9803.
Below 1,500 characters F1 was 0.9427, but a plain short article then costs two passes; 1.5 times
below 3,000 characters took scrapinghub to 0.976."""

STANDFIRST_KNOWN_CHARS = 60
"""The text already holds the standfirst when it holds its opening."""

MAX_TAG_CHARS = 32_768
"""Longer opening tags (only sites that stuff JSON into data- attributes come near) lose their
attributes before parsing, because lxml's time grows with the square of one element's attributes."""

BINARY_SAMPLE_CHARS = 65_536
"""Enough of the start of the input to find its markup without scanning megabytes."""

CONTROL_SAMPLE_CHARS = 16_384
"""Binary data decoded as text holds a control character every few dozen characters, so the first
16 KB tell it from text as surely as more; counting them in 64 KB cost 0.2 ms a page."""

MAX_CONTROL_RATIO = 0.01
"""Text and HTML hold almost no control characters or decoding errors; binary data decoded as text
is full of them. One percent tolerates a few stray bytes in a real page."""

DOCUMENT_TAG_SCAN_CHARS = 4096
"""A page's <html>, <head> or <body> opens after its doctype and perhaps a long comment; a fragment
has none of them this far in."""

TEXT_TITLE_MAX_WORDS = 16
"""A first line this short, with no closing punctuation and a blank line after it, is a headline."""

WRAPPED_LINE_MIN_CHARS = 60
"""Source HTML wrapped at 72-80 columns leaves lines this long ending mid-sentence; menu items and
headlines, which the fallback extractors put one per line, are mostly shorter."""

WRAPPED_SENTENCE_END_RATIO = 0.5
"""In hard-wrapped text few lines end a sentence; in one-sentence-per-line text nearly all do."""

FIRST_PASS_FAVORS_PRECISION = True
"""trafilatura's favor_precision is the best first pass on the 121 dev pages, with our clean-up: F1
0.979 against 0.971 for balanced mode and 0.972 for favor_recall (trafilatura alone: 0.964, 0.961,
0.962). Balanced mode is the second pass when precision keeps too little. Comments are never wanted."""

MIN_PAGE_COVERAGE = 0.25
"""trafilatura's main extractor alone (`fast`) is followed, by default, by a comparison with
readability and jusText that costs as much again. That comparison replaces the result only when it
is short, structurally poor (no paragraphs, more tables than paragraphs) or a fraction of the text a
generic extractor finds. So the comparison runs only when the fast result is under
RETRY_BELOW_CHARS, structurally poor, or under this share of the text of the page's <p> elements,
or when the page's <p> text is under half the fast result (a page written in <div>s or <br>s,
where <p> text says nothing about coverage). On the dev pages the fast result changed on 2 of 121
pages, both caught (the rule fires on 11); rewritten with <div> or <br> for <p>, on none. The
median extraction time fell from 12 to 6 ms."""

MIN_PARAGRAPH_SOURCED = 0.5
"""Coverage is measured against the page's <p> text only when that is at least half the fast result."""

LIBXML2_MAX_DEPTH = 256
"""libxml2 stops parsing an HTML document at this depth (2048 with huge_tree, which lifts its other
limits too): everything after the 256th nested element is lost, so a page nested that deep (machine-
made <div> soup, or thousands of unclosed <font> tags) lost its whole article."""

MAX_KEPT_NESTING = 100
"""Container elements kept nested in a page that reached libxml2's depth limit: far more than any
real layout uses (news pages nest 20-40 deep), and enough room below the limit for the headings,
paragraphs and other elements that are never flattened."""

_INLINE_TAGS = ("a", "span", "font", "b", "strong", "i", "em", "u", "small", "abbr", "sup", "sub", "mark")
"""Tags removed (keeping their text) from an oversized page: they multiply elements, not paragraphs."""

_DISCARDED_TAGS = ("style", "noscript", "template", "svg", "iframe", "object", "embed", "canvas")
"""Elements that never hold article text; dropped before counting and extraction."""

_FURNITURE_TAGS = (
    *("aside", "footer", "nav", "menu", "menuitem", "button", "input", "select", "option", "optgroup"),
    *("textarea", "label", "fieldset", "legend", "datalist", "dialog", "output", "progress"),
    *("audio", "video", "source", "track", "picture", "map", "area", "applet", "frame", "frameset"),
    *("link", "time", "rp", "rt", "rtc", "noindex", "marquee", "blink", "use", "param"),
)
"""Elements trafilatura's own tree cleaning deletes with their content, removed once we have read the
page's facts (dates sit in <time>, bylines in <aside>): its pruning passes then walk about 40% fewer
elements, which took a millisecond off the median dev page with the same text on all 121."""

# ----------------------------------------------------------------------------- HTML input

_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]")
_MARKUP = re.compile(r"<(?:[a-zA-Z][\w:-]*|!--|!doctype)[\s>/]", re.IGNORECASE)
_AT_PARSER_DEPTH_LIMIT = "boolean(/" + "/".join(["*"] * (LIBXML2_MAX_DEPTH - 1)) + ")"
"""Whether the parsed tree reaches the depth where libxml2 stopped reading (it keeps 255 levels)."""
_CONTAINER_TAG = re.compile(
    r"<(/?)(div|span|font|section|center|b|i|u|em|strong|small|big|blockquote|table|tbody|thead|tfoot"
    r"|tr|td|th|ul|ol|li|dl|dt|dd|a|main|header|form|label|nobr)\b[^<>]*>",
    re.IGNORECASE,
)
"""Opening and closing tags of the elements a deep page nests, which carry text but no article structure."""
_HUGE_TAG = re.compile(rf"<([a-zA-Z][\w:-]*)[^<>]{{{MAX_TAG_CHARS},}}>")
_HUGE_TAG_AFTER_BRACKET = re.compile(rf"[a-zA-Z][\w:-]*[^<>]{{{MAX_TAG_CHARS},}}>")
_DOCUMENT_TAG = re.compile(r"<(?:html|body|head)\b", re.IGNORECASE)
_INVALID_XML_CHARACTERS = (*map(chr, (*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20))), "\ufffe", "\uffff")
"""Characters XML forbids: lxml parses them into text that trafilatura's XML output then refuses."""
_INVALID_XML_CHARS = re.compile(f"[{''.join(_INVALID_XML_CHARACTERS)}]")
_SLASHED_DOCTYPE = re.compile("^< ?! ?DOCTYPE[^>]*/[^<>]*>", re.IGNORECASE)
_SELF_CLOSED_HTML = re.compile(r"(<html.*?)\s*/>", re.IGNORECASE)
"""A doctype with a slash after its identifiers, and an <html/> closed on itself, which libxml2
misreads (lxml bug 1955915): both repaired as trafilatura.load_html repairs them."""
_SENTENCE_BREAK = re.compile("[.!?…。！？।۔؟][\"'”’»)]*\\s")
_BLANK_LINE = re.compile(r"\n[ \t\f\v]*\n")


def _decode(html: str | bytes) -> str:
    """Text as it is; bytes (a saved page) decoded as a browser would (see `bot.news.decode`)."""
    return html if isinstance(html, str) else decode_document(html, markup="html").text


def _without_surrogates(text: str) -> str:
    """Drop lone surrogates (text decoded with errors="surrogateescape"): lxml and Discord refuse them.
    Encoding tells whether there are any at a tenth of the cost of a regex pass over the page."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("", text)
    return text


def _check_text(text: str, *, what: str) -> None:
    """Raise InputError for empty input or binary data posing as text."""
    if not text.strip():
        raise InputError(f"The {what} is empty.")
    sample = text[:CONTROL_SAMPLE_CHARS]
    if len(_CONTROL.findall(sample)) > MAX_CONTROL_RATIO * len(sample):
        raise InputError(f"The {what} is binary data, not text.")


def _parse(markup: str) -> HtmlElement:
    """Parse the page; a fragment without <html> or <body> is wrapped so that it parses as a page."""
    # libxml2 checks an element's attributes pairwise: one tag with 300,000 of them takes minutes.
    # A cheap test before the regex pass over the whole page: a quarter of news pages have some text
    # (inline JSON, a script) that long between two "<", but almost none a tag.
    long_runs = (run for run in markup.split("<") if len(run) > MAX_TAG_CHARS)
    if any(_HUGE_TAG_AFTER_BRACKET.match(run) for run in long_runs):
        markup = _HUGE_TAG.sub(r"<\1>", markup)
    if not _DOCUMENT_TAG.search(markup[:DOCUMENT_TAG_SCAN_CHARS]):
        markup = f"<html><body>{markup}</body></html>"
    tree = _load_html(markup)
    if tree is not None and tree.xpath(_AT_PARSER_DEPTH_LIMIT):
        LOGGER.info("page nests deeper than libxml2 parses: flattening its containers past %d", MAX_KEPT_NESTING)
        tree = _load_html(_flattened(markup))
    if tree is None:
        raise InputError("The page could not be parsed as HTML.")
    return tree


def _html_parser() -> lxml.etree.HTMLParser:
    """trafilatura's parser settings, with every element an HtmlElement looked up in C.

    lxml.html's own lookup is Python code that runs each time an element is touched from Python (about
    2,500 times a dev page across trafilatura's passes and ours): 10% of a briefing's time. It only
    adds form-field classes, which no reader here uses.
    """
    parser = lxml.etree.HTMLParser(
        collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=True, remove_pis=True
    )
    parser.set_element_class_lookup(
        lxml.etree.ElementDefaultClassLookup(
            element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity
        )
    )
    return parser


_HTML_PARSER = _html_parser()


def _load_html(markup: str) -> HtmlElement | None:
    """The page parsed as trafilatura.load_html parses a string, with _HTML_PARSER: characters XML
    forbids removed and a misread doctype or <html/> repaired first, bytes tried when a string will not
    parse, None for a document that is not HTML (no "html" at its start and under two elements)."""
    beginning = markup[:50].lower()
    if any(character in markup for character in _INVALID_XML_CHARACTERS):  # 4x faster than the regex
        markup = _INVALID_XML_CHARS.sub("", markup)
    if "doctype" in beginning:
        first_line, newline, rest = markup.partition("\n")
        markup = _SLASHED_DOCTYPE.sub("", first_line, count=1) + newline + rest
    for line in markup[:4096].splitlines()[:4]:
        if "<html" in line and line.endswith("/>"):
            markup = _SELF_CLOSED_HTML.sub(r"\1>", markup, count=1)
            break
    tree: HtmlElement | None
    try:
        tree = lxml.html.fromstring(markup, parser=_HTML_PARSER)
    except (ValueError, lxml.etree.ParserError):  # ValueError: a string with an encoding declaration
        tree = None
    if tree is None or len(tree) < 1:
        try:
            tree = lxml.html.fromstring(markup.encode("utf-8", "surrogatepass"), parser=_HTML_PARSER)
        except (ValueError, lxml.etree.ParserError):
            tree = None
    if tree is not None and "html" not in beginning and len(tree) < 2:
        return None
    return tree


def _flattened(markup: str) -> str:
    """The markup without the container tags nested deeper than MAX_KEPT_NESTING (their text stays).

    Each dropped opening tag is matched by the next closing tag of its name, innermost first, so
    the containers kept still close where they did.
    """
    open_tags: list[str] = []
    dropped: Counter[str] = Counter()

    def keep_or_drop(tag: re.Match[str]) -> str:
        closing, name = tag.group(1), tag.group(2).lower()
        if not closing:
            if len(open_tags) < MAX_KEPT_NESTING:
                open_tags.append(name)
                return tag.group(0)
            dropped[name] += 1
            return ""
        if dropped[name]:
            dropped[name] -= 1
            return ""
        if name in open_tags:
            del open_tags[len(open_tags) - 1 - open_tags[::-1].index(name) :]
        return tag.group(0)

    return _CONTAINER_TAG.sub(keep_or_drop, markup)


def _bound(tree: HtmlElement) -> bool:
    """Drop what never holds text, and cut a page larger than any news page to the size one fast
    extraction pass reads in a blink (see HUGE_PAGE_ELEMENTS); return whether it was cut."""
    for script in tree.xpath("//script[not(contains(@type, 'ld+json'))]"):
        script.drop_tree()
    lxml.etree.strip_elements(tree, *_DISCARDED_TAGS, lxml.etree.Comment, with_tail=False)
    if not _is_huge(tree):
        return False
    LOGGER.warning(
        "page of over %d elements or %d characters of text: reading its first %d elements or %d characters",
        HUGE_PAGE_ELEMENTS,
        HUGE_PAGE_TEXT_CHARS,
        KEPT_ELEMENTS,
        KEPT_TEXT_CHARS,
    )
    lxml.etree.strip_tags(tree, *_INLINE_TAGS)
    _cut_at_text(tree, KEPT_TEXT_CHARS, max_elements=KEPT_ELEMENTS)
    return True


def _is_huge(tree: HtmlElement) -> bool:
    """Whether the page has more elements or text than any news page; lxml counts both in C."""
    return tree.xpath("count(//*)") > HUGE_PAGE_ELEMENTS or len(tree.text_content()) > HUGE_PAGE_TEXT_CHARS


def _cut_at_text(
    tree: HtmlElement, limit: int, *, measure: Callable[[str], int] = len, max_elements: int | None = None
) -> None:
    """Cut the tree at the element where its text, as `measure` counts it, passes `limit`, or at its
    `max_elements`th element. The walk stops there, so its cost is bounded by what is kept."""
    total = 0
    for index, element in enumerate(tree.iter()):
        total += measure(element.text or "") + measure(element.tail or "")
        if total > limit or index == max_elements:
            _cut_from(element)
            return


def _cut_from(first: HtmlElement) -> None:
    """Remove `first` and everything after it in document order."""
    node = first
    while (parent := node.getparent()) is not None:
        index = parent.index(node)
        # One slice deletion in C: removing 50,000 siblings one by one took 0.2 s.
        del parent[index if node is first else index + 1 :]
        node = parent


def _declared_language(tree: HtmlElement) -> str | None:
    """The language the page says it is in: <html lang>, then Content-Language, then og:locale."""
    candidates = [
        tree.get("lang"),
        tree.get("{http://www.w3.org/XML/1998/namespace}lang"),
        *tree.xpath("//meta[translate(@http-equiv, 'CONTENTLAGU', 'contentlagu')='content-language']/@content"),
        *tree.xpath("//meta[@property='og:locale' or @name='language' or @name='dc.language']/@content"),
    ]
    for candidate in candidates:
        code = normalize_language_tag(str(candidate)) if candidate else None
        if code:
            return code
    return None


def _run_trafilatura(tree: HtmlElement, url: str | None, *, precision: bool, fast: bool) -> Document | None:
    """One trafilatura pass on a copy of the tree (bare_extraction copies a tree it is given)."""
    document = trafilatura.bare_extraction(
        tree, url=url, include_comments=False, with_metadata=False, favor_precision=precision, fast=fast
    )
    return document if isinstance(document, Document) else None


def _is_doubtful(document: Document, tree: HtmlElement, title: str | None = None) -> bool:
    """The fast result is one trafilatura's comparison with readability and jusText could replace:
    too short, structurally poor, a fraction of the page's text, or without a word of the headline
    (a login form or consent notice picked instead of the story: 3 of the 121 scrapinghub pages and
    32 of the 495 snippets pages are compared for it; snippets recall 0.9238 -> 0.9258)."""
    body = document.body
    text_length = len(document.text or "")
    if body is None or text_length < RETRY_BELOW_CHARS:
        return True
    if title and _misses_title(document.text or "", title):
        return True
    paragraphs = body.findall(".//p")
    if not paragraphs or len(body.findall(".//table")) > len(paragraphs):
        return True
    page_text = sum(len(paragraph.text_content()) for paragraph in tree.iter("p"))
    return text_length < MIN_PAGE_COVERAGE * page_text or page_text < MIN_PARAGRAPH_SOURCED * text_length


_TITLE_WORD = re.compile(r"\w{4,}")


def _misses_title(text: str, title: str) -> bool:
    """None of the headline's longer words is in the text: it is some other block of the page (a
    login form, a consent notice), not the story the headline announces."""
    words = {word.casefold() for word in _TITLE_WORD.findall(title)}
    if not words:
        return False
    found = {word.casefold() for word in _TITLE_WORD.findall(text)}
    return not words & found


def _extract_body(tree: HtmlElement, url: str | None, *, precision: bool, title: str | None = None) -> Document | None:
    """trafilatura's main extractor, then its comparison with readability and jusText only where
    that comparison could change the result (see MIN_PAGE_COVERAGE)."""
    document = _run_trafilatura(tree, url, precision=precision, fast=True)
    if document is None or _is_doubtful(document, tree, title):
        document = _run_trafilatura(tree, url, precision=precision, fast=False)
    return document


@dataclass(frozen=True, slots=True)
class _PageFacts:
    """What the page says about itself, as trafilatura's metadata readers find it."""

    title: str | None
    byline: str | None
    canonical_url: str | None
    published: str | None
    site: str | None
    image: str | None


MAX_FACT_CHARS = 10_000
"""trafilatura's own bound on a metadata value; a headline or byline is a few hundred characters."""


def _page_facts(tree: HtmlElement, url: str | None) -> _PageFacts:
    """Headline, byline, canonical URL, date and site name.

    trafilatura.extract_metadata also looks for categories, tags and a license, which a briefing
    never shows and which cost about 2 ms a page, as much as everything else it reads. So its readers
    are called here one by one, in its order: <meta> and OpenGraph tags, JSON-LD over them, then the
    page itself for what is still missing (the byline by `bot.news.byline`, which finds what
    trafilatura's extract_author finds at a third of its cost), and htmldate for the date.
    """
    found = examine_meta(tree)
    if found.author and " " not in found.author:  # a handle ("jdoe"), not a person's name
        found.author = None
    try:
        found = extract_meta_json(tree, found)
    except Exception:  # trafilatura guards its JSON-LD reader the same way: malformed data trips it
        LOGGER.debug("unreadable JSON-LD metadata", exc_info=True)
    canonical_url = _tidy(found.url or extract_url(tree, url))
    site = found.sitename or extract_sitename(tree)
    if site:
        site = site.lstrip("@")  # a Twitter handle
        if site and "." not in site and not site[0].isupper():
            site = site.title()
    elif canonical_url:
        site = urlsplit(canonical_url).hostname
        site = site.removeprefix("www.") if site else None
    return _PageFacts(
        title=_tidy(found.title or extract_title(tree)),
        byline=_tidy(found.author or find_byline(tree)),
        canonical_url=canonical_url,
        published=_find_date(tree, canonical_url),
        site=_tidy(site),
        image=image_url(found.image, base=canonical_url or url),
    )


def _find_date(tree: HtmlElement, url: str | None) -> str | None:
    """htmldate's publication date, its text search bounded to the page's first MAX_DATE_SEARCH_CHARS.

    htmldate reads the URL, <meta> tags and JSON-LD first, which cost little; only a page without them
    is searched through, with a dozen regular expressions over the whole page (0.45 s on 1 MB of
    text). A page with more text than the bound is searched in a copy cut there: the <head> and the
    story's header, where a date stands, come first.
    """
    if _printed_chars(tree.text_content()) > MAX_DATE_SEARCH_CHARS:
        tree = deepcopy(tree)
        _cut_at_text(tree, MAX_DATE_SEARCH_CHARS, measure=_printed_chars)
    return find_date(tree, url=url, original_date=True, extensive_search=True)


def _printed_chars(text: str) -> int:
    """Characters other than white space: a page's source indentation can be most of its text."""
    return len("".join(text.split()))


def _tidy(value: str | None) -> str | None:
    """A metadata value as trafilatura tidies it: HTML entities decoded, spaces collapsed, bounded."""
    if not value:
        return None
    return " ".join(unescape(value[:MAX_FACT_CHARS]).split()) or None


def _unwrap(text: str) -> str:
    """Join source lines that wrap a sentence; keep line breaks that end a line of its own."""
    lines = text.split("\n")
    out = [lines[0]]
    for before, line in pairwise(lines):
        before = before.strip()
        wrapped = len(before) >= WRAPPED_LINE_MIN_CHARS and not before.endswith((*SENTENCE_END, ":"))
        if wrapped and line.strip():
            out[-1] = f"{out[-1].rstrip()} {line.lstrip()}"
        else:
            out.append(line)
    return "\n".join(out)


def _lines(document: Document, *, skip: set[str]) -> list[str]:
    """The extracted blocks (paragraph, heading, list item, table row), one string each.

    trafilatura's text output has a line per block and per <br>, and it also keeps the line breaks
    in the page's source text. Where those wrap a sentence they are joined, so that sentences stay
    whole. Lines in `skip` (the page's own address, which print layouts show) are left out.
    """
    body = document.body
    if body is None:
        return []
    for element in body.iter():
        if element.tag == "code" or any(parent.tag == "code" for parent in element.iterancestors()):
            continue
        if element.text and "\n" in element.text:
            element.text = _unwrap(element.text)
        if element.tail and "\n" in element.tail:
            element.tail = _unwrap(element.tail)
    lines = xmltotxt(body, include_formatting=False).split("\n")
    return [line for line in lines if line.strip() not in skip]


def _cleaned(paragraphs: list[str], *, title: str | None, published: date | None) -> list[str]:
    """clean_paragraphs on no more text than can reach the article, then the article's length cap."""
    paragraphs = bounded_paragraphs(paragraphs, CLEAN_SLACK * MAX_ARTICLE_CHARS)
    return bounded_paragraphs(clean_paragraphs(paragraphs, title=title, published=published), MAX_ARTICLE_CHARS)


def _check_article(paragraphs: list[str], *, source: str, page: HtmlElement | None = None) -> None:
    """Raise NotAnArticle unless there is article text: some sentences, or a list that is not menus.

    Args:
        paragraphs: the cleaned text.
        source: "page" or "text", for the message.
        page: the page's tree (menus already gone), whose link texts tell a list of headlines from a list
            that is the article; read only for a text without sentences.
    """
    words = sum(word_count(paragraph) for paragraph in paragraphs)
    if words < MIN_ARTICLE_WORDS:
        raise NotAnArticle(f"No article text found in the {source}.")
    if any(_reads_as_prose(paragraph) for paragraph in paragraphs):
        return
    # No sentence at all: a list (race dates, a recipe) is an article, a menu or link list is not.
    links = _link_texts(page) if page is not None else set()
    linked = sum(1 for paragraph in paragraphs if tuple(word_tokens(paragraph)) in links)
    if len(paragraphs) < MIN_LIST_ITEMS or linked >= MAX_LINKED_SHARE * len(paragraphs):
        raise NotAnArticle(f"No article text found in the {source}.")


def _is_article(paragraphs: list[str], *, page: HtmlElement | None = None) -> bool:
    """`_check_article` as a test."""
    try:
        _check_article(paragraphs, source="page", page=page)
    except NotAnArticle:
        return False
    return True


def _reads_as_prose(paragraph: str) -> bool:
    """A sentence, or a long paragraph with sentences in it (its last one may lack a full stop)."""
    words = word_count(paragraph)
    if words >= MIN_SENTENCE_WORDS and ends_sentence(paragraph):
        return True
    return words >= MIN_PROSE_WORDS and bool(_SENTENCE_BREAK.search(paragraph))


def _link_texts(tree: HtmlElement) -> set[tuple[str, ...]]:
    return {tuple(word_tokens(anchor.text_content())) for anchor in tree.iter("a")}


def _published(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        LOGGER.debug("unreadable date %r", value)
        return None


# Conjunctions are matched in lower case only, so that middle initials ("Sarah E Needleman",
# "Bruce Y Lee") are not taken for the Portuguese "e" or the Spanish "y".
_AUTHOR_SEPARATOR = re.compile(r"\s*(?:[;,|/&]|\b(?:and|AND|und|et|y|e|и|і|та)\b)\s*")
_AUTHOR_PREFIX = re.compile(r"^(?:.{0,40}\s)?(?:by|von|par|por|автор(?:ка)?|від|от)\s+", re.IGNORECASE)
_AUTHOR_DATE_WORD = caseless(
    r"(?:^|\s+)(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    rf"{MONTHS_PATTERN})\b.*$"
)
_AUTHOR_AGENCY = caseless(r"\s+(?:associated press|the associated press|reuters|afp|ap)$")
_NOT_AN_AUTHOR = caseless(
    r"\b(?:staff|writer|editor|editor-at-large|correspondent|reporter|contributor|columnist|"
    r"photographer|news service|associated press|reuters|agencies|com)\b|"
    r"^(?:md|ms|rd|rdn|phd|mph|jr|sr)$"
)


def split_authors(byline: str | None, *, site: str | None = None) -> tuple[str, ...]:
    """People named in a byline: "Jane Doe and John Roe", "Doe, Roe" or trafilatura's "Doe; Roe".

    Job titles ("Staff writer"), credentials ("RDN"), agency and site names and the dates that
    trafilatura sometimes reads into a byline are left out.
    """
    if not byline:
        return ()
    site_key = site.casefold() if site else None
    authors: list[str] = []
    for part in _AUTHOR_SEPARATOR.split(byline):
        name = _AUTHOR_DATE_WORD.sub("", _AUTHOR_PREFIX.sub("", normalize_paragraph(part)))
        person = _AUTHOR_AGENCY.sub("", name)  # "JILL LAWLESS Associated Press", not "The Associated Press"
        name = (person if len(person.split()) >= 2 else name).strip(" .-")
        if (
            any(char.isalpha() for char in name)
            and not _NOT_AN_AUTHOR.search(name)
            and name.casefold() != site_key
            and name.casefold() not in map(str.casefold, authors)
        ):
            authors.append(name)
    return tuple(authors)


def _article_paragraphs(
    tree: HtmlElement,
    url: str | None,
    *,
    title: str | None,
    published: date | None,
    skip: set[str],
    single_pass: bool = False,
) -> list[str]:
    """The clean paragraphs trafilatura finds: favor_precision first, balanced mode when that finds
    nothing or keeps too little prose (see RETRY_BELOW_CHARS and MIN_RETRY_PROSE_CHARS), or keeps a
    short text where balanced mode finds far more prose (SHORT_PROSE_CHARS, SHORT_PROSE_GAIN).
    A page cut for its size gets `single_pass`: one fast pass only (see KEPT_ELEMENTS)."""
    if single_pass:
        document = _run_trafilatura(tree, url, precision=FIRST_PASS_FAVORS_PRECISION, fast=True)
        return [] if document is None else _cleaned(_lines(document, skip=skip), title=title, published=published)
    document = _extract_body(tree, url, precision=FIRST_PASS_FAVORS_PRECISION, title=title)
    balanced = None
    if document is None:
        document = balanced = _extract_body(tree, url, precision=False, title=title)
        if document is None:
            return []
    paragraphs = _cleaned(_lines(document, skip=skip), title=title, published=published)
    if balanced is None and _prose_chars(paragraphs) < SHORT_PROSE_CHARS:
        balanced = _extract_body(tree, url, precision=False, title=title)
        if balanced is not None:
            retry = _cleaned(_lines(balanced, skip=skip), title=title, published=published)
            prose = _prose_chars(retry)
            longer = sum(map(len, retry)) > sum(map(len, paragraphs))
            mine = _prose_chars(paragraphs)
            if mine >= RETRY_BELOW_CHARS:
                better = prose >= SHORT_PROSE_GAIN * mine
            else:
                better = (longer and sum(map(len, paragraphs)) < RETRY_BELOW_CHARS) or (
                    prose > mine and prose >= MIN_RETRY_PROSE_CHARS
                )
            if better:
                paragraphs = retry
    return paragraphs


def _with_standfirst(
    paragraphs: list[str],
    tree: HtmlElement,
    descriptions: list[str],
    *,
    title: str | None,
    published: date | None,
    declared_language: str | None,
) -> list[str]:
    """The paragraphs with the page's standfirst before them when the text lacks it, it reads as prose,
    the clean-up keeps it, and the page is not in a language whose standfirst is a dek (see
    `bot.news.standfirst`)."""
    if not descriptions or not paragraphs:
        return paragraphs
    text = " ".join(paragraphs)
    if detect_language("\n\n".join(paragraphs), hint=declared_language) in DEK_LANGUAGES:  # as Article.text
        return paragraphs
    lead = find_standfirst(tree, descriptions)
    if lead is None or not _reads_as_prose(lead) or lead[:STANDFIRST_KNOWN_CHARS] in text:
        return paragraphs
    return [*clean_paragraphs([lead], title=title, published=published), *paragraphs]


def _prose_chars(paragraphs: list[str]) -> int:
    """Characters of the paragraphs that read as prose: a table or a list of names says little."""
    return sum(len(paragraph) for paragraph in paragraphs if _reads_as_prose(paragraph))


def extract_article(html: str | bytes, *, url: str | None = None) -> Article:
    """Read a news page into an Article: its clean paragraphs and the facts about it.

    Args:
        html: the page, as text or as bytes in the charset it declares.
        url: the address it was fetched from, for relative links, dates in the path and the default
            canonical URL.

    Returns:
        The article. `language` is the one the page declares, if any: callers detect it from the text.

    Raises:
        InputError: the input is empty, binary, or not HTML.
        NotAnArticle: the page holds no article text (an empty page, a login wall, a menu).
    """
    markup = _without_surrogates(_decode(html))
    _check_text(markup, what="page")
    if not _MARKUP.search(markup[:BINARY_SAMPLE_CHARS]):
        raise InputError("The page holds no HTML markup.")
    if len(markup) > MAX_INPUT_CHARS:
        LOGGER.info("page of %d characters cut to %d", len(markup), MAX_INPUT_CHARS)
        markup = markup[:MAX_INPUT_CHARS]
    tree = _parse(markup)
    huge = _bound(tree)
    facts = _page_facts(tree, url)
    declared_language = _declared_language(tree)
    title = normalize_paragraph(facts.title) if facts.title else None
    published = _published(facts.published)
    own_urls = {address for address in (url, facts.canonical_url) if address}

    def read(page: HtmlElement) -> list[str]:
        return _article_paragraphs(page, url, title=title, published=published, skip=own_urls, single_pass=huge)

    descriptions = page_descriptions(tree)
    lxml.etree.strip_elements(tree, *_FURNITURE_TAGS, with_tail=False)
    paragraphs = read(tree)
    off_topic = bool(title) and _misses_title(" ".join(paragraphs), title or "")
    doubtful = sum(map(len, paragraphs)) < RETRY_BELOW_CHARS or off_topic or not _is_article(paragraphs, page=tree)
    if doubtful and not huge:
        # Some sites put the whole article in an <aside>, a <nav> or a <noscript>, so that without them
        # the page gives a menu, a line or a login form (no word of the headline): read the page as it
        # came, unless it is too large to read fast.
        LOGGER.debug("no article text without the page's furniture: reading it with")
        whole = _parse(markup)
        if _is_huge(whole):  # with its scripts, which _bound drops
            _bound(whole)
        retry = read(whole)
        on_topic = off_topic and not _misses_title(" ".join(retry), title or "")
        if _is_article(retry, page=whole) and (
            on_topic or not _is_article(paragraphs, page=tree) or sum(map(len, retry)) > sum(map(len, paragraphs))
        ):
            paragraphs, tree = retry, whole
    paragraphs = _with_standfirst(
        paragraphs, tree, descriptions, title=title, published=published, declared_language=declared_language
    )
    _check_article(paragraphs, source="page", page=tree)
    site = normalize_paragraph(facts.site) if facts.site else None
    return Article(
        paragraphs=tuple(paragraphs),
        url=url,
        title=title or None,
        site=site,
        authors=split_authors(facts.byline, site=site),
        published=published,
        language=declared_language,
        canonical_url=facts.canonical_url or url,
        image=facts.image,
    )


# ----------------------------------------------------------------------------- plain-text input


def _text_paragraphs(text: str) -> Iterator[str]:
    """Blocks split on blank lines; a block's lines are joined when hard-wrapped, else kept apart.

    A generator, so that a caller that has read enough stops the work on a long text.
    """
    for block in _BLANK_LINE.split(text):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        if len(lines) < 2:
            yield from lines
            continue
        sentence_ends = sum(1 for line in lines[:-1] if ends_sentence(line))
        if sentence_ends >= WRAPPED_SENTENCE_END_RATIO * (len(lines) - 1):
            yield from lines  # one sentence (or paragraph) per line
        else:
            yield " ".join(lines)


def _normalized_head(raw: Iterable[str]) -> list[str]:
    """The non-empty normalized paragraphs, stopping once the clean-up has more than it reads.

    `_cleaned` reads CLEAN_SLACK * MAX_ARTICLE_CHARS; past that plus the first paragraph (which may
    become the headline) nothing more can reach the article, and normalizing megabytes of it would
    take most of a second.
    """
    paragraphs: list[str] = []
    total = 0
    for paragraph in map(normalize_paragraph, raw):
        if not paragraph:
            continue
        paragraphs.append(paragraph)
        total += len(paragraph)
        if total - len(paragraphs[0]) > CLEAN_SLACK * MAX_ARTICLE_CHARS:
            break
    return paragraphs


TEXT_HEAD_MAX_LINES = 5
"""Title, standfirst, dateline, byline and a caption or label fit in this many lines above the story."""


@dataclass(frozen=True, slots=True)
class _TextHead:
    """What the lines above a plain text's first paragraph of prose say: its title and date, and
    where the story begins."""

    title: str | None
    published: date | None
    body_start: int


def _is_head_line(line: str) -> bool:
    """A line above the story: short and not ending like a sentence (a headline, a caption, a label)."""
    return word_count(line) <= TEXT_TITLE_MAX_WORDS and not line.rstrip().endswith((*SENTENCE_END, ":", ";", ","))


def _text_head(paragraphs: list[str]) -> _TextHead:
    """Read the lines above the story: the first short unpunctuated line is the title, a line that
    is a date ("Jun 10, 2025 - 14:02") gives the date, and the other short lines without a full
    stop (a photo caption, a section label, a standfirst) are left out, so that none of them
    becomes a summary sentence. Nothing is taken without a paragraph of prose after it."""
    title: str | None = None
    published: date | None = None
    index = 0
    for index, line in enumerate(paragraphs[: TEXT_HEAD_MAX_LINES + 1]):
        if is_dateline(line):
            published = published or written_date(line)
        elif not _is_head_line(line):
            break
        elif title is None and index == 0:
            title = line
    else:
        index = 0  # no prose within reach: nothing to tell a header from
    if index == 0:
        return _TextHead(title=None, published=None, body_start=0)
    return _TextHead(title=title, published=published, body_start=index)


def article_from_text(text: str, *, url: str | None = None, title: str | None = None) -> Article:
    """Make an Article from plain text, cleaned as a page's text is.

    Paragraphs are separated by blank lines; single line breaks inside a paragraph are joined unless
    the text has one sentence per line. The short lines above the first paragraph of prose are read
    as a page's header is (see `_text_head`): without `title`, the first of them is the headline, a
    dateline gives `published`, and captions and labels there are left out.

    Raises:
        InputError: the text is empty or binary.
        NotAnArticle: too little text remains to be an article.
    """
    _check_text(text, what="text")
    text = text[:MAX_INPUT_CHARS].replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = _normalized_head(_text_paragraphs(text))
    head = _text_head(paragraphs)
    title = normalize_paragraph(title) if title else head.title
    cleaned = _cleaned(paragraphs[head.body_start :], title=title, published=head.published)
    _check_article(cleaned, source="text")
    return Article(paragraphs=tuple(cleaned), url=url, title=title or None, published=head.published, canonical_url=url)

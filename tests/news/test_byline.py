"""The byline search: the names trafilatura's extract_author finds, found in one pass."""

from __future__ import annotations

import lxml.html
import pytest
from trafilatura.metadata import extract_author

from bot.news.byline import find_byline

STORY = "<p>The council approved the harbour budget on Tuesday after a long debate, officials said.</p>"


def _page(body: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(f"<html><head><title>Budget</title></head><body>{body}</body></html>")


PAGES = {
    "rel author link": (f'<article><a rel="author" href="/jane">Jane Doe</a>{STORY}</article>', "Jane Doe"),
    "byline class": (
        f'<article><div class="byline">By Jane Doe and John Roe</div>{STORY}</article>',
        "Jane Doe; John Roe",
    ),
    "author name class": (f'<span class="article-author-name">Amira Hassan</span>{STORY}', "Amira Hassan"),
    "itemprop author": (f'<p><span itemprop="author">Maria Lind</span></p>{STORY}', "Maria Lind"),
    "commenter skipped": (
        f'{STORY}<section class="comments-list"><span class="author">Troll99 Fan</span></section>'
        '<div class="writer">Olivia Larsen</div>',
        "Olivia Larsen",
    ),
    "date inside byline dropped, tail kept": (
        f'<div class="byline">Jane Doe <time datetime="2024-03-04">4 March</time> and John Roe</div>{STORY}',
        "Jane Doe; John Roe",
    ),
    "author box too long for a name": (
        f'<div class="author">{"Jane Doe writes about transport and the harbour. " * 4}</div>'
        f'<span class="byline-name">Jane Doe</span>{STORY}',
        "Jane Doe",
    ),
    "in a figure caption": (f'<figure><span class="author">Photo Agency</span></figure>{STORY}', None),
    "no byline": (STORY, None),
}


@pytest.mark.parametrize("name", PAGES)
def test_finds_what_trafilatura_finds(name: str) -> None:
    tree = _page(PAGES[name][0])
    assert find_byline(tree) == extract_author(tree)


@pytest.mark.parametrize("name", [name for name, (_body, expected) in PAGES.items() if expected])
def test_finds_the_byline(name: str) -> None:
    body, expected = PAGES[name]
    assert find_byline(_page(body)) == expected


def test_finds_nothing_on_a_page_without_byline() -> None:
    assert find_byline(_page(STORY)) is None

"""The standfirst: the lead paragraph between a page's headline and its story, found by the page's description."""

from __future__ import annotations

from pathlib import Path

import trafilatura

from bot.news.extract import extract_article
from bot.news.standfirst import find_standfirst, page_descriptions

FIXTURES = Path(__file__).parent / "fixtures" / "extract"
LEAD = (
    "Ab Juni fährt eine zweite Elektrofähre zwischen Altstadt und Ostufer. "
    "Die Stadtwerke wollen damit die Wartezeiten im Berufsverkehr halbieren."
)
FIRST_STORY_PARAGRAPH = (
    "Die neue Fähre „Ostwind“ wurde am Montag in einer Werft in Papenburg getauft. Sie bietet Platz für 180 "
    "Fahrgäste und 40 Fahrräder und wird ausschließlich mit Strom aus dem Landnetz geladen."
)
DEK = "The council wants the crossing to take half as long at rush hour."
STORY = (
    "The new ferry was named on Monday at a shipyard in Papenburg. It carries 180 passengers and 40 bicycles, "
    "and it charges only from the harbour's shore grid.",
    "Until now a single boat has crossed the harbour every twenty minutes. At rush hour long queues form at the "
    "Old Town pier because the ferry fills within minutes.",
    "With two boats the interval is to fall to ten minutes, the council said, and fares will not change.",
)


def _ferry_page() -> bytes:
    return (FIXTURES / "hafen_faehre.html").read_bytes()


def _english_page(description: str, header_text: str) -> str:
    story = "".join(f"<p>{paragraph}</p>" for paragraph in STORY)
    return (
        f'<html lang="en"><head><title>Second ferry for the east bank</title>'
        f'<meta name="description" content="{description}"></head><body><article>'
        f'<header><h1>Second ferry for the east bank</h1><p class="dek">{header_text}</p>'
        f'<div class="byline">By Lena Brandt</div></header><div class="story">{story}</div></article></body></html>'
    )


def test_lead_paragraph_in_the_page_header_opens_the_article() -> None:
    assert extract_article(_ferry_page()).paragraphs[0] == LEAD


def test_lead_paragraph_is_one_trafilatura_leaves_out() -> None:
    assert LEAD not in (trafilatura.extract(_ferry_page(), favor_precision=True) or "")


def test_lead_the_story_already_holds_is_not_added_again() -> None:
    page = _ferry_page().replace(LEAD.encode(), FIRST_STORY_PARAGRAPH.encode())
    assert extract_article(page).paragraphs.count(FIRST_STORY_PARAGRAPH) == 1


def test_english_dek_is_not_taken_for_the_story_lead() -> None:
    article = extract_article(_english_page(DEK, DEK))
    assert article.paragraphs == STORY


def test_description_of_the_author_is_not_the_page_description() -> None:
    descriptions = page_descriptions(trafilatura.load_html(_ferry_page()))
    assert not any("Lena Brandt" in description for description in descriptions)


def test_description_found_nowhere_in_the_body_gives_no_standfirst() -> None:
    page = _english_page("A second electric ferry will cross the harbour from June, the council says.", DEK)
    tree = trafilatura.load_html(page)
    assert find_standfirst(tree, page_descriptions(tree)) is None


def test_smallest_block_holding_the_description_is_the_standfirst() -> None:
    story = "".join(f"<p>{paragraph}</p>" for paragraph in STORY * 3)
    page = f'<html><head><meta name="description" content="{STORY[0]}"></head><body><div>{story}</div></body></html>'
    tree = trafilatura.load_html(page)
    assert find_standfirst(tree, page_descriptions(tree)) == STORY[0]

"""HTML and plain text into Articles: the story's paragraphs and facts, without the boilerplate."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

import htmldate
import pytest
import trafilatura
from lxml.html import HtmlElement

from bot.news import extract
from bot.news.errors import InputError, NotAnArticle
from bot.news.extract import article_from_text, extract_article, split_authors
from bot.news.models import Article

FIXTURES = Path(__file__).parent / "fixtures" / "extract"
BRIDGE_URL = "https://www.eastportcourier.example/news/harbour-bridge?utm_source=discord"


def _page(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture(scope="module")
def bridge() -> Article:
    return extract_article(_page("harbour_bridge.html"), url=BRIDGE_URL)


@pytest.fixture(scope="module")
def metro() -> Article:
    return extract_article(_page("kyiv_metro.html"))


def _has(article: Article, fragment: str) -> bool:
    return any(fragment in paragraph for paragraph in article.paragraphs)


DEEP_PARAGRAPHS = tuple(
    f"Paragraph {number}: the council approved the harbour budget on Tuesday after a long debate, officials said."
    for number in range(1, 5)
)


def _nested(opening: str, closing: str, depth: int) -> str:
    paragraphs = "".join(f"<p>{paragraph}</p>" for paragraph in DEEP_PARAGRAPHS)
    article = f"<article><h1>Harbour budget approved</h1>{paragraphs}</article>"
    return f"<html><body><nav><a href='/'>Home</a></nav>{opening * depth}{article}{closing * depth}</body></html>"


@pytest.mark.parametrize("depth", [254, 300, 5000])
def test_extract_keeps_the_article_of_a_page_nested_past_the_parser_limit(depth: int) -> None:
    assert extract_article(_nested("<div>", "</div>", depth)).paragraphs == DEEP_PARAGRAPHS


def test_extract_keeps_the_article_after_thousands_of_unclosed_font_tags() -> None:
    assert extract_article(_nested("<font size=2>", "", 3000)).paragraphs == DEEP_PARAGRAPHS


def test_extract_leaves_a_page_within_the_parser_limit_unflattened() -> None:
    tree = extract._parse(_nested("<div>", "</div>", 200))
    assert len(tree.xpath("//div")) == 200


# ----------------------------------------------------------------------------- facts about the page


def test_extract_reads_title(bridge: Article) -> None:
    assert bridge.title == "Council approves £40m repair of Eastport harbour bridge"


def test_extract_reads_site_name(bridge: Article) -> None:
    assert bridge.site == "The Eastport Courier"


def test_extract_splits_authors(bridge: Article) -> None:
    assert bridge.authors == ("Jane Okafor", "Tom Reilly")


def test_extract_reads_published_date(bridge: Article) -> None:
    assert bridge.published == date(2024, 3, 4)


def test_extract_reads_declared_language(bridge: Article) -> None:
    assert bridge.language == "en"


def test_extract_reads_canonical_url(bridge: Article) -> None:
    assert bridge.canonical_url == "https://www.eastportcourier.example/news/2024/03/04/harbour-bridge-repair"


def test_extract_keeps_the_url_it_was_given(bridge: Article) -> None:
    assert bridge.url == BRIDGE_URL


def test_extract_falls_back_to_given_url_without_canonical_link() -> None:
    article = extract_article(_page("kyiv_metro.html"), url="https://kyiv.example/metro")
    assert article.canonical_url == "https://kyiv.example/metro"


@pytest.mark.parametrize("name", ["harbour_bridge.html", "kyiv_metro.html", "table_layout.html"])
def test_page_facts_agree_with_trafilatura_metadata(name: str) -> None:
    tree = extract._parse(extract._decode(_page(name)))
    expected = trafilatura.extract_metadata(tree, default_url=BRIDGE_URL)
    facts = extract._page_facts(tree, BRIDGE_URL)
    found = (facts.title, facts.byline, facts.canonical_url, facts.published, facts.site)
    assert found == (expected.title, expected.author, expected.url, expected.date, expected.sitename)


# ----------------------------------------------------------------------------- the story's text


def test_extract_keeps_article_paragraphs_in_order(bridge: Article) -> None:
    assert bridge.paragraphs[0].startswith("Eastport city council voted on Monday night")
    assert bridge.paragraphs[-1].startswith("The harbour authority, which owns the land")
    assert len(bridge.paragraphs) == 7


def test_extract_reads_table_layout_page_whose_fast_pass_picks_the_link_table() -> None:
    article = extract_article(_page("table_layout.html"))
    assert _has(article, "approved the new ferry timetable")
    assert not _has(article, "Ferry fares to rise in April")


def _trafilatura_passes(monkeypatch: pytest.MonkeyPatch, page: str | bytes) -> list[dict[str, Any]]:
    passes = []
    run = extract._run_trafilatura

    def counted(*args: Any, **kwargs: Any) -> Any:
        passes.append(kwargs)
        return run(*args, **kwargs)

    monkeypatch.setattr(extract, "_run_trafilatura", counted)
    extract_article(page)
    return passes


def test_extract_makes_one_trafilatura_pass_on_a_plain_article(monkeypatch: pytest.MonkeyPatch) -> None:
    passes = _trafilatura_passes(monkeypatch, _page("harbour_bridge.html"))
    assert passes == [{"precision": True, "fast": True}]


def test_extract_compares_extractors_on_a_page_written_without_p_elements(monkeypatch: pytest.MonkeyPatch) -> None:
    page = _page("harbour_bridge.html").decode("utf-8").replace("<p>", "<div>").replace("</p>", "</div>")
    passes = _trafilatura_passes(monkeypatch, page)
    assert passes == [{"precision": True, "fast": True}, {"precision": True, "fast": False}]


def test_extract_drops_headline_repeated_at_top_of_body(bridge: Article) -> None:
    assert not any(paragraph == bridge.title for paragraph in bridge.paragraphs)


def test_extract_drops_date_repeated_at_top_of_body(bridge: Article) -> None:
    assert not _has(bridge, "Published 4 March 2024")


def test_extract_drops_read_also_headline(bridge: Article) -> None:
    assert not _has(bridge, "ferry fares")


def test_extract_drops_newsletter_appeal(bridge: Article) -> None:
    assert not _has(bridge, "Sign up for our morning newsletter")


def test_extract_keeps_sentence_mentioning_newsletter(bridge: Article) -> None:
    assert _has(bridge, "signed up for the council's weekly newsletter were first told of the corrosion")


def test_extract_drops_donation_appeal(bridge: Article) -> None:
    assert not _has(bridge, "become a patron")


def test_extract_drops_photo_caption_and_credit(bridge: Article) -> None:
    assert not _has(bridge, "Scaffolding under the central span")
    assert not _has(bridge, "Photo: Reuters")


def test_extract_drops_share_prompt(bridge: Article) -> None:
    assert not _has(bridge, "Share this article")


def test_extract_drops_cookie_banner(bridge: Article) -> None:
    assert not _has(bridge, "cookies")


def test_extract_leaves_out_navigation_and_footer(bridge: Article) -> None:
    text = bridge.text
    assert "Opinion" not in text
    assert "Missing dog found" not in text
    assert "All rights reserved" not in text


def test_extract_joins_line_breaks_of_the_html_source() -> None:
    wrapped = (
        "Engineers inspected the harbour bridge on Tuesday and found that the corrosion had\n"
        "spread to two more girders since the survey carried out last spring by the council."
    )
    html = f"<html><body><article><p>{wrapped}</p><p>{wrapped}</p></article></body></html>"
    article = extract_article(html)
    assert article.paragraphs[0] == wrapped.replace("\n", " ")


# ----------------------------------------------------------------------------- other languages


def test_extract_decodes_declared_charset(metro: Article) -> None:
    assert metro.title == "У Києві відкрили дві нові станції метро на Виноградар"


def test_extract_reads_ukrainian_page_language(metro: Article) -> None:
    assert metro.language == "uk"


def test_extract_keeps_ukrainian_article_text(metro: Article) -> None:
    assert metro.paragraphs[0].startswith("У п'ятницю в Києві відкрили дві нові станції")
    assert len(metro.paragraphs) == 4


def test_extract_drops_ukrainian_read_also_headline(metro: Article) -> None:
    assert not _has(metro, "Читайте також")


def test_extract_drops_ukrainian_photo_credit(metro: Article) -> None:
    assert not _has(metro, "Фото")


def test_extract_drops_ukrainian_subscription_appeal(metro: Article) -> None:
    assert not _has(metro, "Telegram")


def test_extract_drops_ukrainian_date_line(metro: Article) -> None:
    assert not _has(metro, "17 травня 2024")


# ----------------------------------------------------------------------------- pages that are not articles


def test_extract_raises_not_an_article_on_empty_page() -> None:
    with pytest.raises(NotAnArticle):
        extract_article("<html><head><title>Loading</title></head><body></body></html>")


def test_extract_raises_not_an_article_on_login_wall() -> None:
    with pytest.raises(NotAnArticle):
        extract_article(_page("login_wall.html"))


def test_extract_raises_not_an_article_on_navigation_only_page() -> None:
    with pytest.raises(NotAnArticle):
        extract_article(_page("section_front.html"))


def test_extract_handles_binary_garbage() -> None:
    garbage = b"\x89PNG\r\n\x1a\n" + os.urandom(4096)
    with pytest.raises(InputError):
        extract_article(garbage)


def test_extract_raises_input_error_on_empty_input() -> None:
    with pytest.raises(InputError):
        extract_article(b"   \n")


def test_extract_raises_input_error_on_text_without_markup() -> None:
    with pytest.raises(InputError):
        extract_article("Just a sentence of plain text, with no markup at all in it.")


def test_extract_reads_html_fragment() -> None:
    fragment = "".join(
        f"<p>Paragraph {n} of the ferry timetable story says the boats will sail every hour in summer.</p>"
        for n in range(3)
    )
    assert len(extract_article(fragment).paragraphs) == 3


def test_extract_cuts_page_with_too_many_elements(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extract, "HUGE_PAGE_ELEMENTS", 500)
    monkeypatch.setattr(extract, "KEPT_ELEMENTS", 200)
    paragraphs = "".join(
        f"<p>Line {n} of the council minutes records a vote on the budget for the coming year.</p>" for n in range(1000)
    )
    article = extract_article(f"<html><body><article>{paragraphs}</article></body></html>")
    assert 0 < len(article.paragraphs) < 200


def test_extract_cuts_page_with_too_much_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extract, "HUGE_PAGE_TEXT_CHARS", 5000)
    monkeypatch.setattr(extract, "KEPT_TEXT_CHARS", 2000)
    paragraphs = "".join(
        f"<p>Line {n} of the council minutes records a vote on the budget for the coming year.</p>" for n in range(200)
    )
    article = extract_article(f"<html><body><article>{paragraphs}</article></body></html>")
    assert 0 < sum(map(len, article.paragraphs)) <= 2000


def _long_page_dated_in_its_header(paragraphs: int) -> str:
    line = "<p>Line {n} of the council minutes records a vote on the budget for the coming year.</p>"
    body = "".join(line.format(n=n) for n in range(paragraphs))
    return f"<html><body><article><p class='meta'>Published 10 June 2025</p>{body}</article></body></html>"


def test_date_search_reads_a_bounded_part_of_a_long_page(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extract, "MAX_DATE_SEARCH_CHARS", 2000)
    searched: list[int] = []

    def find_date(tree: Any, **options: Any) -> str | None:
        searched.append(extract._printed_chars(tree.text_content()))
        return htmldate.find_date(tree, **options)

    monkeypatch.setattr(extract, "find_date", find_date)
    extract_article(_long_page_dated_in_its_header(200))
    assert 0 < searched[0] <= 2000


def test_date_in_the_header_of_a_long_page_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extract, "MAX_DATE_SEARCH_CHARS", 2000)
    assert extract_article(_long_page_dated_in_its_header(200)).published == date(2025, 6, 10)


def test_text_beyond_what_cleanup_reads_does_not_change_article(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extract, "MAX_ARTICLE_CHARS", 1000)
    line = "The ferry company said on Monday that summer boats will sail every hour from the harbour."
    text = "Ferry timetable\n\n" + "\n\n".join(f"{line} ({n})" for n in range(200))
    short = "Ferry timetable\n\n" + "\n\n".join(f"{line} ({n})" for n in range(40))
    assert article_from_text(text).paragraphs == article_from_text(short).paragraphs


def _page_with_huge_tag() -> str:
    attributes = " ".join(f'data-x{n}="{n}"' for n in range(extract.MAX_TAG_CHARS // 10))
    text = "The harbour bridge will close for six weeks next summer while its deck is replaced."
    return f"<html><body><article><p {attributes}>{text}</p><p>{text} Again.</p></article></body></html>"


def test_extract_reads_page_with_huge_tag() -> None:
    article = extract_article(_page_with_huge_tag())
    assert (
        article.paragraphs[0] == "The harbour bridge will close for six weeks next summer while its deck is replaced."
    )


def test_extract_drops_lone_surrogates_of_undecodable_bytes() -> None:
    page = _page("harbour_bridge.html").decode("utf-8").replace("Councillors backed", "Councillors\udcfc backed")
    article = extract_article(page)
    assert _has(article, "Councillors backed the plan")


FERRY_STORY = (
    "<p>The ferry to the outer islands will sail every hour from May, the harbour board said on Monday.</p>"
    "<p>Islanders had asked for more crossings for years, and the board found the money in its summer budget.</p>"
)


def test_extract_reads_page_that_closes_its_html_tag_on_itself() -> None:
    page = f"<html lang='en'/>\n<body><article>{FERRY_STORY}</article></body>"
    assert extract_article(page).paragraphs[0].startswith("The ferry to the outer islands")


def test_extract_reads_page_with_an_encoding_declaration() -> None:
    page = f'<?xml version="1.0" encoding="utf-8"?>\n<html><body><article>{FERRY_STORY}</article></body></html>'
    assert extract_article(page).paragraphs[1].startswith("Islanders had asked")


def test_extract_drops_characters_xml_forbids() -> None:
    story = FERRY_STORY.replace("outer islands", "outer\x0b isl\x01ands")
    page = f"<html><body><article>{story}</article></body></html>"
    assert extract_article(page).paragraphs[0].startswith("The ferry to the outer islands")


def test_parse_reads_form_elements_as_plain_html_elements() -> None:
    tree = extract._parse(
        f"<html><body><form><input name='q'><select><option>A</option></select></form>{FERRY_STORY}</body></html>"
    )
    assert {type(element) for element in tree.iter("form", "input", "select", "p")} == {HtmlElement}


def test_parse_drops_attributes_of_huge_tag() -> None:
    tree = extract._parse(_page_with_huge_tag())
    assert [dict(paragraph.attrib) for paragraph in tree.iter("p")] == [{}, {}]


# ----------------------------------------------------------------------------- plain text


def test_text_splits_paragraphs_on_blank_lines() -> None:
    text = (
        "The council voted for the repair of the harbour bridge on Monday night.\n\n"
        "Work starts in September and will last about a year, the council said."
    )
    assert article_from_text(text).paragraphs == (
        "The council voted for the repair of the harbour bridge on Monday night.",
        "Work starts in September and will last about a year, the council said.",
    )


def test_text_joins_hard_wrapped_lines() -> None:
    text = (
        "The council voted on Monday night to spend forty million pounds\n"
        "repairing the harbour bridge, ending two years of argument over\n"
        "whether the crossing should be replaced instead."
    )
    assert article_from_text(text).paragraphs == (text.replace("\n", " "),)


def test_text_keeps_one_sentence_per_line() -> None:
    text = (
        "The council voted on Monday night to repair the harbour bridge.\n"
        "Work starts in September and will take about eighteen months.\n"
        "Buses and cyclists can use the bridge throughout the work."
    )
    assert len(article_from_text(text).paragraphs) == 3


def test_text_takes_short_first_line_as_title() -> None:
    body = (
        "The council voted on Monday night to spend £40m repairing the harbour bridge. "
        "Work starts in September and will take about eighteen months."
    )
    article = article_from_text(f"Council backs bridge repair\n\n{body}")
    assert article.title == "Council backs bridge repair"
    assert article.paragraphs == (body,)


_FERRY_BODY = (
    "The ferry company said on Monday that summer boats will sail every hour from the harbour. "
    "Tickets bought before April keep their old price, the company said."
)


def test_text_reads_dateline_as_published_date() -> None:
    article = article_from_text(f"Ferries to sail hourly this summer\n\nJun 10, 2025 - 14:02\n\n{_FERRY_BODY}")
    assert article.published == date(2025, 6, 10)


def test_text_dateline_is_not_a_paragraph() -> None:
    article = article_from_text(f"Ferries to sail hourly this summer\n\nJun 10, 2025 - 14:02\n\n{_FERRY_BODY}")
    assert article.paragraphs == (_FERRY_BODY,)


def test_text_drops_caption_line_above_the_story() -> None:
    text = f"Ferries to sail hourly this summer\n\nThe Eastport ferry leaving the harbour at dawn\n\n{_FERRY_BODY}"
    article = article_from_text(text)
    assert (article.title, article.paragraphs) == ("Ferries to sail hourly this summer", (_FERRY_BODY,))


def test_text_keeps_caption_on_the_first_line_out_of_the_paragraphs() -> None:
    article = article_from_text(f"Passengers queue at Eastport pier on a wet morning\n\n{_FERRY_BODY}")
    assert article.paragraphs == (_FERRY_BODY,)


def test_text_of_short_lines_only_is_kept_whole() -> None:
    lines = [
        "Monday boats leave the north pier at nine and at noon",
        "Tuesday boats leave the north pier at half past nine",
        "Wednesday boats leave the south pier at ten and at two",
        "Thursday boats leave the south pier at eleven only",
    ]
    assert article_from_text("\n\n".join(lines)).paragraphs == tuple(lines)


def test_text_drops_given_title_repeated_at_top() -> None:
    body = (
        "The council voted on Monday night to spend £40m repairing the harbour bridge. "
        "Work starts in September and will take about eighteen months."
    )
    article = article_from_text(f"Council backs bridge repair.\n\n{body}", title="Council backs bridge repair")
    assert article.paragraphs == (body,)


def test_text_goes_through_the_same_clean_up() -> None:
    text = (
        "The council voted on Monday night to spend £40m repairing the harbour bridge.\n\n"
        "Read more: Ferry fares to rise in April\n\n"
        "Work starts in September and will take about eighteen months."
    )
    assert "Read more" not in article_from_text(text).text


def test_text_keeps_the_url_it_was_given() -> None:
    text = (
        "The council voted on Monday night to spend £40m repairing the harbour bridge. "
        "Work starts in September and will take about eighteen months."
    )
    assert article_from_text(text, url="https://example.org/a").url == "https://example.org/a"


def test_text_accepts_long_paragraph_ending_without_full_stop() -> None:
    text = (
        "The council voted on Monday night to spend £40m repairing the harbour bridge . "
        "Work starts in September and will take about eighteen months , officials said . "
        "The harbour bridge at dusk , with scaffolding under its central span"
    )
    assert article_from_text(text).paragraphs == (text,)


def test_text_raises_input_error_on_empty_text() -> None:
    with pytest.raises(InputError):
        article_from_text(" \n\n ")


def test_text_raises_input_error_on_binary_text() -> None:
    with pytest.raises(InputError):
        article_from_text(os.urandom(2048).decode("latin-1"))


def test_text_raises_not_an_article_on_too_little_text() -> None:
    with pytest.raises(NotAnArticle):
        article_from_text("Hello there.")


# ----------------------------------------------------------------------------- bylines


@pytest.mark.parametrize(
    ("byline", "authors"),
    [
        ("Jane Okafor and Tom Reilly", ("Jane Okafor", "Tom Reilly")),
        ("Okafor, Reilly", ("Okafor", "Reilly")),
        ("By Jane Okafor; Staff writer", ("Jane Okafor",)),
        ("Sarah E Needleman", ("Sarah E Needleman",)),
        ("Juan Pérez y María López", ("Juan Pérez", "María López")),
        ("Олена Коваль та Іван Петренко", ("Олена Коваль", "Іван Петренко")),
    ],
)
def test_split_authors(byline: str, authors: tuple[str, ...]) -> None:
    assert split_authors(byline) == authors


def test_split_authors_leaves_out_site_name() -> None:
    assert split_authors("Jill Disis; CNN Business", site="CNN Business") == ("Jill Disis",)


def test_extract_reads_article_kept_in_an_aside() -> None:
    story = "".join(
        f"<p>The ferry company said on Monday that boat number {n} will sail every hour from the harbour.</p>"
        for n in range(6)
    )
    page = (
        "<html><body><nav><a href='/'>Home</a></nav><main><aside class='content'><section><article>"
        f"{story}</article></section></aside></main></body></html>"
    )
    assert _has(extract_article(page), "boat number 3 will sail every hour")


def test_extract_takes_text_ending_in_danda_as_prose() -> None:
    sentence = "আজ শনিবার সকাল সাড়ে সাতটার দিকে দৌলতপুর উপজেলার ফিলিপনগর গ্রামে এ ঘটনা ঘটে।"
    page = f"<html><body><article><p>{sentence}</p><p>{sentence} {sentence}</p></article></body></html>"
    assert _has(extract_article(page), "ফিলিপনগর")


def test_extract_reads_article_kept_in_noscript() -> None:
    story = "".join(
        f"<p>The ferry company said on Monday that boat number {n} will sail every hour from the harbour.</p>"
        for n in range(6)
    )
    page = f"<html><body><div id='app'>Loading</div><noscript><div class='post'>{story}</div></noscript></body></html>"
    assert _has(extract_article(page), "boat number 3 will sail every hour")


def test_extract_prefers_the_article_to_a_menu_found_without_furniture() -> None:
    menu = "".join(f"<li><a href='/s{n}'>Section {n} news</a></li>" for n in range(30))
    story = "".join(
        f"<p>The ferry company said on Monday that boat number {n} will sail every hour from the harbour.</p>"
        for n in range(6)
    )
    page = (
        f"<html><body><div class='menu'><ul>{menu}</ul></div><main><aside class='content'><section><article>"
        f"{story}</article></section></aside></main></body></html>"
    )
    assert _has(extract_article(page), "boat number 3 will sail every hour")


def _fast_document(page: str) -> tuple[Any, Any]:
    tree = extract._parse(page)
    document = extract._run_trafilatura(tree, None, precision=True, fast=True)
    assert document is not None
    return document, tree


_FERRY_PAGE = (
    "<html><body><article>"
    + "".join(
        f"<p>The ferry company said on Monday that boat number {n} will sail every hour from the harbour.</p>"
        for n in range(6)
    )
    + "</article></body></html>"
)


def test_fast_result_without_a_word_of_the_headline_is_compared() -> None:
    document, tree = _fast_document(_FERRY_PAGE)
    assert extract._is_doubtful(document, tree, "Minister resigns after budget row")


def test_fast_result_with_the_headline_words_is_kept() -> None:
    document, tree = _fast_document(_FERRY_PAGE)
    assert not extract._is_doubtful(document, tree, "Ferry boats to sail every hour")


_TABLE_PAGE = (
    "<html><body><article><table>"
    + "".join(f"<tr><td>Stage {n}</td><td>Eastport harbour to the north pier</td></tr>" for n in range(12))
    + "</table></article></body></html>"
)


def test_balanced_mode_replaces_a_precise_result_without_prose(monkeypatch: pytest.MonkeyPatch) -> None:
    table, _tree = _fast_document(_TABLE_PAGE)
    prose, _tree = _fast_document(_FERRY_PAGE)
    monkeypatch.setattr(extract, "_extract_body", lambda *_args, precision, **_kw: table if precision else prose)
    paragraphs = extract._article_paragraphs(extract._parse(_FERRY_PAGE), None, title=None, published=None, skip=set())
    assert any("boat number 3" in paragraph for paragraph in paragraphs)


def test_balanced_mode_with_a_line_of_prose_does_not_replace_a_table(monkeypatch: pytest.MonkeyPatch) -> None:
    table, _tree = _fast_document(_TABLE_PAGE)
    notice, _tree = _fast_document(
        "<html><body><article><p>Comments that insult other readers will be removed by the moderators.</p>"
        "</article></body></html>"
    )
    monkeypatch.setattr(extract, "_extract_body", lambda *_args, precision, **_kw: table if precision else notice)
    paragraphs = extract._article_paragraphs(extract._parse(_TABLE_PAGE), None, title=None, published=None, skip=set())
    assert not any("Comments" in paragraph for paragraph in paragraphs)


def test_extract_rereads_the_page_when_its_text_misses_the_headline(monkeypatch: pytest.MonkeyPatch) -> None:
    login = [f"Your password must have at least {n + 8} characters and one capital letter in it." for n in range(4)]
    story = [f"The ferry company said on Monday that boat number {n} will sail every hour." for n in range(4)]
    reads = iter([login, story])  # the page without its furniture, then the page as it came
    monkeypatch.setattr(extract, "_article_paragraphs", lambda *_args, **_kw: next(reads))
    page = "<html><head><title>Ferry boats to sail every hour</title></head><body><p>x</p></body></html>"
    assert extract_article(page).paragraphs == tuple(story)


PICTURE_PARAGRAPHS = (
    "The harbour bridge was closed on Monday after engineers found cracks in two of its steel supports.",
    "Traffic is being sent through the tunnel, and the council expects delays of up to half an hour at peak times.",
    "A spokesperson said the bridge would stay shut until a full inspection had been carried out next week.",
)


def _page_with_head(head: str) -> str:
    body = "".join(f"<p>{paragraph}</p>" for paragraph in PICTURE_PARAGRAPHS)
    return f"<html><head><title>Bridge closed</title>{head}</head><body><article>{body}</article></body></html>"


def test_article_picture_is_the_pages_og_image_made_absolute() -> None:
    page = _page_with_head('<meta property="og:image" content="/pictures/bridge.jpg">')
    article = extract_article(page, url="https://gazette.example/news/bridge")
    assert article.image == "https://gazette.example/pictures/bridge.jpg"


def test_article_picture_may_come_from_twitter_image() -> None:
    page = _page_with_head('<meta name="twitter:image" content="https://cdn.example/bridge.jpg">')
    assert extract_article(page, url="https://gazette.example/news/bridge").image == "https://cdn.example/bridge.jpg"


def test_article_picture_that_is_not_http_is_dropped() -> None:
    page = _page_with_head('<meta property="og:image" content="data:image/png;base64,AAAA">')
    assert extract_article(page, url="https://gazette.example/news/bridge").image is None


def _ferry_page(paragraphs: int) -> str:
    line = "<p>The ferry company said on Monday that boat number {n} will sail every hour from the harbour.</p>"
    return "<html><body><article>" + "".join(line.format(n=n) for n in range(paragraphs)) + "</article></body></html>"


def test_balanced_mode_replaces_a_short_precise_result_with_far_more_prose(monkeypatch: pytest.MonkeyPatch) -> None:
    teaser, _tree = _fast_document(_ferry_page(3))
    story, _tree = _fast_document(_ferry_page(12))
    monkeypatch.setattr(extract, "_extract_body", lambda *_args, precision, **_kw: teaser if precision else story)
    page = extract._parse(_ferry_page(12))
    paragraphs = extract._article_paragraphs(page, None, title=None, published=None, skip=set())
    assert any("boat number 10" in paragraph for paragraph in paragraphs)


def _br_lines_page(lines: int) -> str:
    text = "<br>".join(f"line number {number} of the harbour poem" for number in range(lines))
    return f"<html><head><title>Harbour poem</title></head><body><p>{text}</p></body></html>"


def test_page_of_15000_br_lines_gets_one_trafilatura_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    passes: list[bool] = []
    real_extraction = trafilatura.bare_extraction

    def counted(*args: Any, **kwargs: Any) -> Any:
        passes.append(kwargs["fast"])
        return real_extraction(*args, **kwargs)

    monkeypatch.setattr(trafilatura, "bare_extraction", counted)
    extract_article(_br_lines_page(15_000))
    assert passes == [True]


def test_page_of_15000_br_lines_keeps_its_first_lines() -> None:
    article = extract_article(_br_lines_page(15_000))
    # A page larger than any news page keeps its first KEPT_ELEMENTS elements, line by line.
    assert {"line number 0 of the harbour poem", "line number 2000 of the harbour poem"} <= set(article.paragraphs)

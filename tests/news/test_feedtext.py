"""Feed text: titles on one line, summaries as clean paragraphs."""

from __future__ import annotations

from bot.news.feedtext import html_paragraphs, html_to_text, summary_text, without_undefined_entities


def test_block_boundaries_start_new_paragraphs() -> None:
    assert html_paragraphs("<p>a face-lift</p><p>Casting actors</p>one<br>two") == [
        "a face-lift",
        "Casting actors",
        "one",
        "two",
    ]


def test_read_more_link_is_left_out_and_other_links_kept() -> None:
    markup = '<p>See <a href="/x">the report</a>. <a href="/a">Read more »</a></p>'
    assert html_to_text(markup) == "See the report."


def test_link_with_a_screen_reader_title_after_continue_reading_is_left_out() -> None:
    markup = '<p>Text.</p><a class="more-link">Continue reading<span> “Old cinema”</span></a>'
    assert html_paragraphs(markup) == ["Text."]


def test_continue_reading_in_plain_text_after_the_last_sentence_is_removed() -> None:
    assert summary_text(["The plan was approved. Continue reading..."], title="", published=None) == (
        "The plan was approved."
    )


def test_continue_reading_inside_a_sentence_is_kept() -> None:
    text = "Readers who continue reading the report will find the figures."
    assert summary_text([text], title="", published=None) == text


def test_ampersand_words_stay_while_undefined_references_go() -> None:
    assert html_to_text("R&amp;D at AT&amp;T &amp; more &lol9; &copy;") == "R&D at AT&T & more ©"


def test_declared_entities_are_dropped_not_expanded() -> None:
    assert without_undefined_entities("a &lol9; b &amp; c &eacute;") == "a  b &amp; c &eacute;"

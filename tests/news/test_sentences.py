"""Offline sentence splitting: the traps of news text, other scripts, and sumy compatibility."""

from __future__ import annotations

import json
from pathlib import Path

import nltk
import pytest
from sumy.nlp.tokenizers import Tokenizer
from sumy.parsers.plaintext import PlaintextParser
from sumy.summarizers.lex_rank import LexRankSummarizer

from bot.news.sentences import NewsTokenizer, WordTable, split_sentences, split_words

LABELLED = Path(__file__).parent / "fixtures" / "sentences" / "labelled.json"
KNOWN_FAILURES = {
    "A.I. before capital word": "an acronym ending a sentence before a capitalised noun looks like U.S. Army",
    "Yahoo!": "an exclamation mark inside a name looks like the end of a sentence",
}


def test_title_before_name_does_not_end_sentence() -> None:
    text = "Gov. Maura Healey met Mr. Alvarez and Dr. Nair. They spoke for an hour."
    assert split_sentences(text) == [
        "Gov. Maura Healey met Mr. Alvarez and Dr. Nair.",
        "They spoke for an hour.",
    ]


def test_us_before_capitalised_name_does_not_end_sentence() -> None:
    text = "U.S. President Joe Biden arrived in the U.S. Virgin Islands. He met officials."
    assert split_sentences(text) == [
        "U.S. President Joe Biden arrived in the U.S. Virgin Islands.",
        "He met officials.",
    ]


def test_us_at_end_of_sentence_ends_it() -> None:
    text = "The firm moved to the U.S. The move cost $40 million."
    assert split_sentences(text) == ["The firm moved to the U.S.", "The move cost $40 million."]


def test_number_abbreviation_holds_before_digit() -> None:
    text = "She is the world No. 1 and the law starts Jan. 5. No decision was made."
    assert split_sentences(text) == [
        "She is the world No. 1 and the law starts Jan. 5.",
        "No decision was made.",
    ]


def test_company_suffix_before_title_word_does_not_end_sentence() -> None:
    text = "Apple Inc. Chief Executive Tim Cook spoke. Shares rose."
    assert split_sentences(text) == ["Apple Inc. Chief Executive Tim Cook spoke.", "Shares rose."]


def test_company_suffix_before_sentence_opener_ends_sentence() -> None:
    text = "The deal was struck with Nvidia Corp. The price was not disclosed."
    assert split_sentences(text) == ["The deal was struck with Nvidia Corp.", "The price was not disclosed."]


def test_saint_before_place_name_does_not_end_sentence() -> None:
    assert split_sentences("Roads closed in St. Louis on Friday. Rain is forecast.") == [
        "Roads closed in St. Louis on Friday.",
        "Rain is forecast.",
    ]


def test_decimals_and_money_stay_whole() -> None:
    text = "The merger is worth $3.5 billion, and inflation fell to 2.5%. Markets rallied."
    assert split_sentences(text) == [
        "The merger is worth $3.5 billion, and inflation fell to 2.5%.",
        "Markets rallied.",
    ]


def test_initials_stay_with_the_name() -> None:
    text = "J.K. Rowling and George W. Bush attended. The ceremony was brief."
    assert split_sentences(text) == ["J.K. Rowling and George W. Bush attended.", "The ceremony was brief."]


def test_straight_quote_after_full_stop_closes_sentence() -> None:
    text = '"The next months will be hard." Residents applauded.'
    assert split_sentences(text) == ['"The next months will be hard."', "Residents applauded."]


def test_curly_quote_after_full_stop_closes_sentence() -> None:
    text = "“Nobody saw it coming,” he said. “The warning signs were there.” The inquiry opens soon."
    assert split_sentences(text) == [
        "“Nobody saw it coming,” he said.",
        "“The warning signs were there.”",
        "The inquiry opens soon.",
    ]


def test_question_in_quote_followed_by_attribution_is_one_sentence() -> None:
    assert split_sentences('"Why now?" asked one resident. Nobody answered.') == [
        '"Why now?" asked one resident.',
        "Nobody answered.",
    ]


def test_question_and_exclamation_marks_end_sentences() -> None:
    assert split_sentences("Will rates rise? Most think so! Few disagree.") == [
        "Will rates rise?",
        "Most think so!",
        "Few disagree.",
    ]


def test_line_break_ends_headline_without_full_stop() -> None:
    text = "Storm batters coast\nThousands lost power on Sunday."
    assert split_sentences(text) == ["Storm batters coast", "Thousands lost power on Sunday."]


def test_line_starting_lower_case_is_a_hard_wrap() -> None:
    text = "The minister said on Monday that the\nbudget would be cut. Unions objected."
    assert split_sentences(text) == [
        "The minister said on Monday that the budget would be cut.",
        "Unions objected.",
    ]


def test_ellipsis_before_capital_ends_sentence() -> None:
    assert split_sentences("The minister paused... Then she read it.") == [
        "The minister paused...",
        "Then she read it.",
    ]


def test_ellipsis_before_lower_case_does_not_end_sentence() -> None:
    text = "The risks were… manageable, for now. Others disagreed."
    assert split_sentences(text) == ["The risks were… manageable, for now.", "Others disagreed."]


def test_tokenised_text_with_spaced_full_stops_splits() -> None:
    text = "He said it opens it up to 'anybody . ' Merson later apologised ."
    assert split_sentences(text) == ["He said it opens it up to 'anybody . '", "Merson later apologised ."]


def test_cyrillic_abbreviations_do_not_end_sentences() -> None:
    text = "В. Зеленський прибув до м. Харків згідно зі ст. 15 закону. Там він зустрівся з військовими."
    assert split_sentences(text, language="uk") == [
        "В. Зеленський прибув до м. Харків згідно зі ст. 15 закону.",
        "Там він зустрівся з військовими.",
    ]


def test_cyrillic_etc_at_end_of_sentence_ends_it() -> None:
    text = "Продають хліб, молоко і т.д. Ціни зросли."
    assert split_sentences(text, language="uk") == ["Продають хліб, молоко і т.д.", "Ціни зросли."]


def test_cjk_full_stops_split_without_spaces() -> None:
    assert split_sentences("经济增长3.5%。这一数字高于预期！专家怎么看？", language="zh") == [
        "经济增长3.5%。",
        "这一数字高于预期！",
        "专家怎么看？",
    ]


def test_japanese_quotation_followed_by_particle_is_one_sentence() -> None:
    assert split_sentences("首相は「増税はしない。」と述べた。野党は反発した。", language="ja") == [
        "首相は「増税はしない。」と述べた。",
        "野党は反発した。",
    ]


def test_german_ordinal_before_month_does_not_end_sentence() -> None:
    text = "Am 3. Oktober feiert Deutschland. Die Feier ist in Erfurt."
    assert split_sentences(text, language="de") == [
        "Am 3. Oktober feiert Deutschland.",
        "Die Feier ist in Erfurt.",
    ]


def test_long_run_of_abbreviations_is_one_sentence() -> None:
    text = "Mr. " * 50_000 + "Smith arrived."
    assert len(split_sentences(text)) == 1


def test_words_are_unicode_letters_and_digits() -> None:
    assert split_words("The U.S. paid $3.5 billion; it's Київ's well-known fee.") == [
        "The",
        "U.S",
        "paid",
        "3.5",
        "billion",
        "it's",
        "Київ's",
        "well-known",
        "fee",
    ]


def test_plain_sentence_words_keep_inner_apostrophes_and_hyphens() -> None:
    assert split_words("It's a well-known fact, the mayor’s aide said") == [
        "It's",
        "a",
        "well-known",
        "fact",
        "the",
        "mayor’s",
        "aide",
        "said",
    ]


def test_words_joined_by_a_comma_or_full_stop_are_split() -> None:
    assert split_words("Rain,snow and wind.Schools closed") == ["Rain", "snow", "and", "wind", "Schools", "closed"]


def test_full_stops_inside_tokens_do_not_end_sentences() -> None:
    text = "Version 2.0 shipped.Then 3.1 came out. Users waited."
    assert split_sentences(text) == ["Version 2.0 shipped.Then 3.1 came out.", "Users waited."]


def test_word_table_works_out_each_word_once() -> None:
    seen: list[str] = []

    def upper(word: str) -> str:
        seen.append(word)
        return word.upper()

    table = WordTable(upper, limit=10)
    assert [table[word] for word in ["rain", "snow", "rain"]] == ["RAIN", "SNOW", "RAIN"]
    assert seen == ["rain", "snow"]


def test_word_table_starts_afresh_when_full() -> None:
    table = WordTable(str.upper, limit=2)
    for word in ["rain", "snow", "wind"]:
        assert table[word] == word.upper()
    assert list(table) == ["wind"]


def test_chinese_words_are_single_ideographs() -> None:
    assert split_words("中国经济，增长") == ["中", "国", "经", "济", "增", "长"]


def test_tokenizer_reports_sumy_language_name() -> None:
    assert NewsTokenizer("uk").language == "ukrainian"


def test_sumy_accepts_tokenizer_without_nltk_data(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(nltk.data, "path", [str(tmp_path)])
    with pytest.raises(LookupError):
        Tokenizer("english")  # proves the stock tokenizer has no data to load here
    text = "Storm batters coast\n\nThousands lost power. Crews worked overnight. Power is back."
    document = PlaintextParser.from_string(text, NewsTokenizer("en")).document
    chosen = LexRankSummarizer()(document, 1)
    assert len(document.sentences) == 4
    assert len(chosen) == 1


def _labelled_cases() -> list[object]:
    cases = json.loads(LABELLED.read_text(encoding="utf-8"))
    return [
        pytest.param(
            case,
            id=case["note"],
            marks=[pytest.mark.xfail(reason=KNOWN_FAILURES[case["note"]])] if case["note"] in KNOWN_FAILURES else [],
        )
        for case in cases
    ]


@pytest.mark.parametrize("case", _labelled_cases())
def test_labelled_passage_splits_as_labelled(case: dict[str, object]) -> None:
    sentences = case["sentences"]
    assert isinstance(sentences, list)
    text = str(case["joiner"]).join(sentences)
    assert split_sentences(text, language=str(case["language"])) == sentences

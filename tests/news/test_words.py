"""Whole-word matching in any script: boundaries where words are spaced, substrings where they are not."""

from __future__ import annotations

import pytest

from bot.news.words import WordSet


@pytest.mark.parametrize(
    ("word", "text"),
    [
        ("Kyiv", "Air raid sirens sounded in Kyiv overnight."),
        ("Kyiv", "Kyiv's mayor spoke."),
        ("harbour bridge", "The HARBOUR\n  bridge shut."),
        ("STRASSE", "Die Straße ist gesperrt."),
        ("КИЇВ", "Вночі у Києві та Київ-Святошинському районі"),
        ("Київ", "Столиця — КИЇВ."),
        ("東京", "東京都で大雪が降った"),
        ("iPhone", "アップルが新型iPhoneを発表"),
        ("서울", "서울에서 집회가 열렸다"),
        ("กรุงเทพ", "น้ำท่วมกรุงเทพมหานคร"),
        ("C++", "The team ships C++ modules."),
    ],
)
def test_word_is_found(word: str, text: str) -> None:
    assert WordSet([word]).any_in(text)


@pytest.mark.parametrize(
    ("word", "text"),
    [
        ("Kyiv", "Kyivstar restores its network."),
        ("bus", "A business district."),
        ("Київ", "Київстар відновив зв'язок."),
        ("iPhone", "Three iPhones were stolen."),
        ("हिंद", "हिंदी दिवस मनाया गया"),
        ("C++", "C++20 modules."),
    ],
)
def test_word_inside_a_longer_word_of_a_spaced_script_is_not_found(word: str, text: str) -> None:
    assert not WordSet([word]).any_in(text)


def test_found_lists_each_word_once_in_the_order_given() -> None:
    words = WordSet(["bridge", "Harbour", "BRIDGE", "", "  ", "ferry"])
    assert words.found("Harbour bridge closed") == ("bridge", "harbour")


def test_an_empty_word_set_is_false_and_finds_nothing() -> None:
    words = WordSet(["", " "])
    assert (bool(words), words.any_in("anything")) == (False, False)

"""Language detection from an article's text, and the page's declared language as a fallback."""

from __future__ import annotations

import pytest

from bot.news.language import DETECTION_SAMPLE_CHARS, detect_language, normalize_language_tag

TEXTS = {
    "en": "The council approved the harbour budget on Tuesday after a long debate, officials said.",
    "de": "Der Stadtrat hat am Dienstag nach einer langen Debatte den Haushalt für den Hafen beschlossen.",
    "fr": "Le conseil municipal a adopté mardi le budget du port après un long débat, selon les élus.",
    "uk": "Міська рада у вівторок після тривалих дебатів ухвалила бюджет порту, повідомили посадовці.",
    "es": "El ayuntamiento aprobó el martes el presupuesto del puerto tras un largo debate, dijeron fuentes.",
}


@pytest.mark.parametrize(("code", "text"), TEXTS.items())
def test_detects_the_language_of_a_sentence(code: str, text: str) -> None:
    assert detect_language(text) == code


def test_text_prevails_over_a_wrong_declared_language() -> None:
    assert detect_language(TEXTS["uk"], hint="en") == "uk"


def test_too_few_letters_fall_back_to_the_declared_language() -> None:
    assert detect_language("2024 — 3:1 (90+4')", hint="pt-BR") == "pt"


def test_too_few_letters_without_declaration_is_unknown() -> None:
    assert detect_language("12, 13, 14") is None


def test_only_the_opening_of_a_long_text_is_read() -> None:
    text = TEXTS["de"] * (DETECTION_SAMPLE_CHARS // len(TEXTS["de"]) + 1) + TEXTS["en"] * 200
    assert detect_language(text) == "de"


@pytest.mark.parametrize(("tag", "code"), [("en-US", "en"), ("pt_BR", "pt"), (" DE ", "de"), ("x", None), ("", None)])
def test_normalizes_declared_language_tags(tag: str, code: str | None) -> None:
    assert normalize_language_tag(tag) == code

"""Whole-word matching of a reader's words and phrases in text of any script.

A word matches where it stands on its own: "Kyiv" is found in "Kyiv's mayor" and "в Kyiv.", never in
"Kyivstar". Case and Unicode form do not matter (both sides are NFC-normalized and case-folded, so
"STRASSE" finds "Straße" and "КИЇВ" finds "Київ"), and the spaces inside a phrase match any run of
white space.

Scripts written without spaces between words (Chinese, Japanese, Korean, Thai, Lao, Khmer, Myanmar,
Tibetan) have no boundary to look for: there a word is matched as a substring ("東京" is found in
"東京都で"). The rule, side by side: at each end of a match, the neighbouring character must not be a
letter, mark or digit of a script that separates words with spaces; an end of the word that is itself
in a script without spaces needs no boundary. So "iPhone" is found in "新型iPhoneを発表" (its neighbours
are Han and Hiragana) but not in "iPhones".
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

_UNSPACED_RANGES = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x0F00, 0x0FFF),  # Tibetan
    (0x1000, 0x109F),  # Myanmar
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x1780, 0x17FF),  # Khmer
    (0x19E0, 0x19FF),  # Khmer symbols
    (0x3005, 0x3007),  # 々 〆 〇
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3130, 0x318F),  # Hangul compatibility Jamo
    (0x31F0, 0x31FF),  # Katakana phonetic extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xA960, 0xA97F),  # Hangul Jamo extended A
    (0xAC00, 0xD7FF),  # Hangul syllables, Jamo extended B
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF66, 0xFF9F),  # half-width Katakana
    (0x20000, 0x3134F),  # CJK extensions B to G
)
"""Code point ranges of the scripts written without spaces between words. Korean does put spaces
between phrases, but a noun carries its particles ("서울에서", in Seoul), so it is matched as a substring."""


def is_unspaced(char: str) -> bool:
    """Whether a character belongs to a script that writes words without spaces between them."""
    point = ord(char)
    return any(low <= point <= high for low, high in _UNSPACED_RANGES)


def _is_word_char(char: str) -> bool:
    """A letter, combining mark, digit or connector (_): what continues a word."""
    category = unicodedata.category(char)
    return category[0] in "LMN" or category == "Pc"


def _joins(char: str) -> bool:
    """Whether a neighbouring character would make the match part of a longer word."""
    return _is_word_char(char) and not is_unspaced(char)


def normalize_text(text: str) -> str:
    """Text as words are compared in it: NFC, case-folded, white space runs as one space."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


class WordSet:
    """Words and phrases compiled once, then looked for in many texts (see the module docstring)."""

    def __init__(self, words: Iterable[str]) -> None:
        self.words: tuple[str, ...] = tuple(dict.fromkeys(word for word in map(normalize_text, words) if word))

    def __bool__(self) -> bool:
        return bool(self.words)

    def found(self, text: str) -> tuple[str, ...]:
        """The words (normalized) that occur in `text`, in the order they were given."""
        normalized = normalize_text(text)
        return tuple(word for word in self.words if _occurs(word, normalized))

    def any_in(self, text: str) -> bool:
        """Whether at least one of the words occurs in `text`."""
        normalized = normalize_text(text)
        return any(_occurs(word, normalized) for word in self.words)


def _occurs(word: str, text: str) -> bool:
    """Whether the normalized `word` stands on its own somewhere in the normalized `text`."""
    check_before = not is_unspaced(word[0])
    check_after = not is_unspaced(word[-1])
    start = text.find(word)
    while start >= 0:
        end = start + len(word)
        before_ok = not check_before or start == 0 or not _joins(text[start - 1])
        after_ok = not check_after or end == len(text) or not _joins(text[end])
        if before_ok and after_ok:
            return True
        start = text.find(word, start + 1)
    return False

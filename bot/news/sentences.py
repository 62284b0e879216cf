"""Offline sentence and word splitting for news text, in the shape sumy's summarizers accept.

sumy's stock `Tokenizer` loads NLTK's punkt models, which are a separate download that is not
present on users' machines or in CI. News text also has its own traps (`U.S.`, `Gov.`, `$3.5
billion`, `George W. Bush`, `he said." The`), which a few explicit rules handle well. The rules
here are language aware only where a language needs it; the abbreviation tables cover the
languages newsbrief meets, because a wrong language guess must not break splitting.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from typing import TypeVar

_Value = TypeVar("_Value")

LOGGER = logging.getLogger(__name__)

LANGUAGE_NAMES: dict[str, str] = {
    "ar": "arabic",
    "cs": "czech",
    "de": "german",
    "el": "greek",
    "en": "english",
    "es": "spanish",
    "fr": "french",
    "he": "hebrew",
    "it": "italian",
    "ja": "japanese",
    "ko": "korean",
    "nl": "dutch",
    "pl": "polish",
    "pt": "portuguese",
    "ru": "russian",
    "sk": "slovak",
    "sv": "swedish",
    "th": "thai",
    "uk": "ukrainian",
    "zh": "chinese",
}
"""ISO 639-1 codes (as `detect_language` returns them) to the language names sumy uses."""

DEFAULT_LANGUAGE = "en"
"""Most of what newsbrief reads is English, and English rules do no harm to other Latin text."""

# --------------------------------------------------------------------------- abbreviations


def _table(words: str) -> frozenset[str]:
    """A set from whitespace-separated words: long word tables stay readable as text."""
    return frozenset(words.split())


# Each set holds the word before the final period, without that period, case as written.

_NAME_PREFIXES = _table(
    """
    Mr Mrs Ms Messrs Mmes Mx Dr Drs Prof Profs Gov Govs Sen Sens Rep Reps Gen Gens Lt Col Sgt Capt
    Cmdr Cdr Adm Maj Brig Cpl Pvt Spc Rev Revs Hon Pres Supt Insp Det Atty Msgr Fr Rt Ft Mt Sec Secy
    e.g i.e cf Cf vs Vs viz approx incl ca Ca esp
    Sra Srta Sres Dña Mme Mlle Mgr Hr Hrn Dipl Ing Mag Dott Sig Sgra Avv Pfr
    z.B z.T u.a d.h bzw vgl Vgl ggf evtl sog tzv např resp tj
    вул просп бул пров пл ім им ул пер проф акад доц св смт див напр пос гр тов
    """
)
"""Words that stand before a name, a number or more of the same sentence, never at its end."""

_NUMBER_PREFIXES = _table(
    """
    No Nos Nr Nrn Art Arts Vol Vols p pp Fig Figs Ch Chap Para Abs Bd Kap Jg
    Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec
    ст ч п пп рис табл гл розд т
    """
)
"""Words that are abbreviations when a number follows (`No. 1`, `Jan. 5`, `ст. 15`), words otherwise."""

_UNITS_OR_PLACES = _table("г р м с рр гг")
"""Cyrillic one-letter abbreviations: after a number a unit or a year (`2022 р.`, `5 м.`), which can
end a sentence; otherwise a place or a river before its name (`м. Київ`, `г. Москва`, `с. Гута`)."""

_AMBIGUOUS = _table(
    """
    Inc Corp Co Cos Ltd Plc LLC Llc Bros Jr Sr Esq St Ave Rd Blvd Sq Hwy a.m p.m A.M P.M
    Ala Ariz Ark Calif Colo Conn Del Fla Ga Ill Ind Kan Kans Ky La Md Mass Mich Minn Miss Mo Mont
    Neb Nev Okla Ore Pa Penn Tenn Tex Va Vt Wash Wis Wyo
    """
)
"""Abbreviations that may end a sentence (`Apple Inc.`, `at 9 a.m.`, `Boston, Mass.`) or not."""

_SENTENCE_STARTERS = _table(
    """
    a an the he she it they we i you his her its their our my your this that these those there here
    but and or so yet nor in on at for with by from as after before when while if although though
    since because however meanwhile still also now then last earlier later some many most other
    others one two three no not what who why how where which such both each every all few several
    according under over despite during until once instead indeed further furthermore moreover
    der die das er sie es wir ich aber und im am auch doch nach mit bei seit diese dieser ein eine man
    le la les il elle ils elles nous mais et en dans un une ce cette
    el los las él ella ellos pero y una este esta
    він вона воно вони ми я але і та у в на це цей ця ці як що
    он она оно они мы но и это этот эта эти как
    """
)
"""Closed-class words that open sentences; after an ambiguous abbreviation they signal a new one."""

_ORDINAL_LANGUAGES = frozenset({"de"})
"""Languages that write ordinals with a period before capitalised nouns (`am 3. Oktober`)."""

_MAX_ORDINAL_DIGITS = 3
"""`3.` and `125.` can be ordinals; a four-digit year before a period ends its sentence."""

# --------------------------------------------------------------------------- patterns
_CJK_CHARS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
"""Hiragana, katakana, CJK ideographs and half-width katakana: scripts written without spaces."""

_CJK_END = "。！？｡"
_CLOSERS = "\"'”’»›)\\]}」』）】〉》"
_OPENERS = "\"'`“‘«‹([{„‚¿¡「『（【〈《"

_BOUNDARY = re.compile(
    rf"(?P<cjk>[{_CJK_END}]+[{_CLOSERS}]*)"
    rf"|(?P<end>(?:\.{{2,}}|…|[.!?‼⁇⁈⁉।॥؟۔։።])+)"
    rf"(?P<close>(?:[ \t]?[{_CLOSERS}])*)"
    r"(?P<space>\s+|$)"
)
"""A run of terminators, any closing quotes or brackets (tokenised text puts spaces before them),
then whitespace; CJK terminators end a sentence with no space after them."""

_TERMINATOR = re.compile(rf"[{_CJK_END}.…!?‼⁇⁈⁉।॥؟۔։።]")
"""The characters a _BOUNDARY match can start with. Python's regex engine tries _BOUNDARY at
every position of a line (its alternatives start with groups), about 60 ns a character, while
it scans for a character class in a tight loop: searching for these first is ten times faster."""

_LOOKBEHIND_CHARS = 40
"""How far before a period to look for the word it ends; longer tokens are never abbreviations."""

_LEADING_OPENERS = re.compile(rf"^[{_OPENERS}]+")
_NEXT_WORD = re.compile(rf"[{_OPENERS}\s]*(?P<word>[^\W_]+)?(?P<rest>.?)", re.DOTALL)
_DOTTED_CAPITALS = re.compile(r"^(?:[^\W\d_]\.)+[^\W\d_]$")
_NUMBER = re.compile(r"^\d[\d.,]*$")
_LINE_BREAK = re.compile(r"[ \t]*(?:\r\n|\r|\n)[ \t]*")
_JOINS_NEXT_LINE = re.compile(r"[,;\-–]$")
_QUOTE_CONTINUES = "と、，"
"""After a CJK quotation closes, these carry the sentence on (`「…。」と述べた`)."""

_LETTER_CLASS = rf"[^\W\d_{_CJK_CHARS}]"
_WORD = re.compile(
    rf"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"  # one ideograph is one token: no segmenter offline
    rf"|[\u3040-\u309f]+"  # a run of hiragana
    rf"|[\u30a0-\u30ff\uff66-\uff9f]+"  # a run of katakana (loanwords, names)
    r"|\d+(?:[.,]\d+)+"  # 3.5, 1,200
    rf"|{_LETTER_CLASS}(?:\.{_LETTER_CLASS})+(?![^\W_])"  # U.S, e.g, J.K: one token each
    rf"|(?:{_LETTER_CLASS}|\d)+(?:['’\-](?:{_LETTER_CLASS}|\d)+)*"
)

_ROUGH_WORD = re.compile(r"[^\W_]+(?:['’\-.,][^\W_]+)*")
"""Candidate words in one fast pass; those with dots, commas or non-ASCII letters are refined by _WORD."""

_INNER_DOT_OR_COMMA = re.compile(r"[.,](?<=[^\W_][.,])(?=[^\W_])")
_CJK_CHAR = re.compile(rf"[{_CJK_CHARS}]")
"""A rough word differs from _WORD's tokens only with a dot or comma inside it or a CJK character:
a sentence with neither is already split. (Each pattern starts with a character class, which
Python's regex engine scans for quickly.)"""


def _lines(paragraph: str) -> list[str]:
    """Break a paragraph at line breaks, which end headlines and list items, unless the break
    is clearly a hard wrap inside a sentence (next line starts lower-case, or this one ends in a
    comma, semicolon or hyphen)."""
    stripped = paragraph.strip()
    if "\n" not in stripped and "\r" not in stripped:  # the common case: one line
        return [stripped] if stripped else []
    units: list[list[str]] = []
    for line in _LINE_BREAK.split(stripped):
        if not line:
            continue
        if units and (line[0].islower() or _JOINS_NEXT_LINE.search(units[-1][-1])):
            units[-1].append(line)
        else:
            units.append([line])
    return [" ".join(parts) for parts in units]


def _word_before(line: str, start: int, end: int) -> tuple[str, str]:
    """The token that a terminator at `end` closes, and the token before that one."""
    window = line[max(start, end - _LOOKBEHIND_CHARS) : end].split()
    if not window:
        return "", ""
    token = _LEADING_OPENERS.sub("", window[-1])
    return token, window[-2] if len(window) > 1 else ""


def _period_ends_sentence(token: str, previous: str, next_word: str, language: str) -> bool:
    """Whether a single period after `token` ends the sentence, a capital or digit following."""
    first = next_word[0]
    if token in _NAME_PREFIXES:
        return False
    if token in _NUMBER_PREFIXES:
        return not first.isdigit()
    if token in _UNITS_OR_PLACES:
        return bool(_NUMBER.match(previous))
    is_initial = len(token) == 1 and token.isupper()
    if token in _AMBIGUOUS or is_initial or (token[:1].isupper() and _DOTTED_CAPITALS.match(token)):
        return next_word.lower() in _SENTENCE_STARTERS
    if language in _ORDINAL_LANGUAGES and token.isdigit() and len(token) <= _MAX_ORDINAL_DIGITS:
        return next_word.lower() in _SENTENCE_STARTERS
    return True


def _boundaries(line: str) -> Iterator[re.Match[str]]:
    """`_BOUNDARY.finditer(line)`, trying the pattern only where a terminator is (see _TERMINATOR)."""
    position = 0
    while (terminator := _TERMINATOR.search(line, position)) is not None:
        match = _BOUNDARY.match(line, terminator.start())
        if match is None:
            position = terminator.start() + 1
        else:
            yield match
            position = match.end()


def _split_line(line: str, language: str) -> list[str]:
    """Split one line at the terminators that end sentences, in one pass over the line."""
    sentences: list[str] = []
    start = 0
    for match in _boundaries(line):
        cut = match.end()
        if cut == len(line):
            break  # the line ends here: its last sentence is the tail below
        if match.group("cjk"):
            if match.group("cjk")[-1] in _CLOSERS and cut < len(line) and line[cut] in _QUOTE_CONTINUES:
                continue
        else:
            following = _NEXT_WORD.match(line, cut)
            next_word = following.group("word") if following else None
            if not next_word:
                # The end of the line, or a symbol such as '#' or '-': only a currency sign
                # ('$3 billion was ...') opens a sentence.
                rest = following.group("rest") if following else ""
                if rest and rest not in "$£€¥":
                    continue
            elif next_word[0].islower():
                continue
            elif match.group("end") == ".":
                token, previous = _word_before(line, start, match.start())
                if token and not _period_ends_sentence(token, previous, next_word, language):
                    continue
        sentence = line[start:cut].strip()
        if sentence:
            sentences.append(sentence)
        start = cut
    tail = line[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


_CODES_BY_NAME = {name: code for code, name in LANGUAGE_NAMES.items()}


def language_code(language: str | None) -> str:
    """The ISO 639-1 code for a code, a tag such as 'en-US', or a sumy language name ('english');
    English when no language is given."""
    if not language:
        return DEFAULT_LANGUAGE
    lowered = language.strip().lower()
    if lowered in LANGUAGE_NAMES:
        return lowered
    if lowered in _CODES_BY_NAME:
        return _CODES_BY_NAME[lowered]
    return re.split(r"[-_]", lowered, maxsplit=1)[0] or DEFAULT_LANGUAGE


def split_sentences(text: str, *, language: str | None = None) -> list[str]:
    """Split `text` into sentences; line breaks end sentences (headlines carry no full stop).

    Args:
        text: plain text, one paragraph or many.
        language: ISO 639-1 code (or sumy language name); None means English rules, which also
            serve other languages written in Latin or Cyrillic letters.

    Returns:
        The sentences in order, stripped of surrounding whitespace.
    """
    code = language_code(language)
    return [sentence for line in _lines(text) for sentence in _split_line(line, code)]


def split_words(sentence: str) -> list[str]:
    """Word tokens of `sentence`: runs of letters or digits (with inner apostrophes and hyphens),
    decimals as one token, and each CJK ideograph on its own (there is no segmenter offline)."""
    if not _INNER_DOT_OR_COMMA.search(sentence) and (sentence.isascii() or not _CJK_CHAR.search(sentence)):
        return _ROUGH_WORD.findall(sentence)
    words: list[str] = []
    for token in _ROUGH_WORD.findall(sentence):
        if token.isascii() and "." not in token and "," not in token:
            words.append(token)  # the common case, already a word: skip the slower full pattern
        else:
            words.extend(_WORD.findall(token))
    return words


class WordTable(dict[str, _Value]):
    """A word -> value table that works each word's value out once, on first sight.

    Rankers look up every word of an article several times (its stem, whether it is a stop
    word); a known word here costs one dict lookup, less than `functools.lru_cache`, which also
    reorders its entries on every hit. At `limit` words the table starts afresh instead.
    """

    def __init__(self, compute: Callable[[str], _Value], *, limit: int) -> None:
        super().__init__()
        self._compute = compute
        self._limit = limit

    def __missing__(self, word: str) -> _Value:
        if len(self) >= self._limit:
            self.clear()
        value = self[word] = self._compute(word)
        return value


class NewsTokenizer:
    """A drop-in for sumy's `Tokenizer` that needs no NLTK data.

    sumy's parsers and summarizers call only `to_sentences(paragraph)` and `to_words(sentence)`.
    """

    def __init__(self, language: str | None = None) -> None:
        self._code = language_code(language)

    @property
    def language(self) -> str:
        """The language's name as sumy spells it ('english'), or the code when sumy has no name."""
        return LANGUAGE_NAMES.get(self._code, self._code)

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        return tuple(split_sentences(paragraph, language=self._code))

    def to_words(self, sentence: str) -> tuple[str, ...]:
        return tuple(split_words(sentence))

"""Who speaks a quotation: the attribution clause beside it, and the people the article names.

The speaker is read from the clause next to the quote (`“…,” Lavrov said`, `said Lavrov`,
`Lavrov said: “…”`, `according to him`); pronouns and role nouns are resolved to the people the
article names, with what it says about their gender and roles.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import NamedTuple

from bot.news.quote_words import (
    ABBREVIATIONS,
    ACCORDING,
    AUXILIARIES,
    CLAUSE_WORDS,
    COORDINATORS,
    DETERMINERS,
    FIRST_NAMES_FEMALE,
    FIRST_NAMES_MALE,
    HONORIFIC_GENDER,
    NAMING_VERBS,
    NOT_NAMES,
    NOT_PEOPLE,
    OBJECT_PRONOUNS,
    PARTICLES,
    PARTY_STATE,
    PREPOSITIONS,
    PRONOUN_GENDER,
    PRONOUNS,
    ROLE_ABBREVIATIONS,
    SKIPPABLE,
    SPEECH_VERBS,
    STOP_IN_PHRASE,
    SUFFIXES,
    TIME_WORDS,
    TITLE_ENDINGS,
    TITLES,
    TOKEN,
)

# ----------------------------------------------------------------------------- tuning
MAX_APPOSITIVE_TOKENS = 24
"""`Lavrov, Russia's foreign minister since 2004, said`: longer asides are a new clause, not a name."""

MAX_NAMED_OBJECT_TOKENS = 6
"""`called Ford’s plans to open a plant in Mexico “…”`: the longest object between a naming verb and the
quotation it names."""

MAX_TOKENS_AFTER_VERB = 14
"""`Lavrov said in an interview with the BBC on Monday: “…”`: the tail between verb and mark."""

MAX_CLOSING_TAIL = 5
"""`Sanders said in a statement. “…”`: a sentence ending this close after its speech verb says who
speaks next; a longer one reports speech of its own."""

MAX_ROLE_TOKENS = 7
"""`a spokesman for the House Democratic caucus`: how long a role phrase standing for a speaker may be."""

MAX_ANTECEDENTS = 4
"""A pronoun refers to someone in the last few people named; further back, the text would name them again."""


# ----------------------------------------------------------------------------- tokens and names


class Token(NamedTuple):
    """A word or punctuation mark and where it stands (a tuple: articles have tens of thousands)."""

    text: str
    start: int
    end: int
    lower: str

    @property
    def is_cap(self) -> bool:
        return self.text[:1].isupper()


def tokenize(text: str, offset: int = 0) -> list[Token]:
    """Words and punctuation with offsets; a full stop stays on abbreviations and initials only.

    An article has tens of thousands of tokens: they are cut by `split` and measured by `accumulate`,
    not read from match objects one by one, which takes a third less time.
    """
    parts = TOKEN.split(text)  # whitespace, token, whitespace, token, …, whitespace
    bounds = list(accumulate(map(len, parts), initial=offset))
    words, starts, ends = parts[1::2], bounds[1:-1:2], bounds[2::2]
    tokens = list(map(Token._make, zip(words, starts, ends, map(str.lower, words), strict=True)))
    stopped = [i for i, word in enumerate(words) if word[-1] == "." and len(word) > 1 and not _keeps_stop(word)]
    for i in reversed(stopped):  # from the end, so that the indices still to come stay valid
        bare, start = words[i][:-1], starts[i]
        stop = start + len(bare)
        tokens[i : i + 1] = (Token(bare, start, stop, bare.lower()), Token(".", stop, stop + 1, "."))
    return tokens


def _keeps_stop(word: str) -> bool:
    bare = word[:-1]
    return (len(bare) == 1 and bare.isupper()) or "." in bare or bare.lower() in ABBREVIATIONS or _is_party_state(bare)


def _is_party_state(word: str) -> bool:
    """`D-Minn`; the hyphen test first spares the pattern nearly every word."""
    return "-" in word and bool(PARTY_STATE.match(word))


_BARE_SUFFIXES = ("’s", "'s", "’", ".")  # in this order: `’s` before `’`


def _bare(word: str) -> str:
    """A word without a trailing possessive or full stop."""
    if not word.endswith(_BARE_SUFFIXES):  # most words: nothing to take off
        return word
    for suffix in _BARE_SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix):
            return word[: -len(suffix)]
    return word


def _is_possessive(word: str) -> bool:
    return word.endswith(("’s", "'s"))


def _is_name_word(token: Token) -> bool:
    return (
        token.is_cap
        and token.lower not in NOT_NAMES
        and token.lower not in SPEECH_VERBS
        and not _is_party_state(token.text.rstrip("."))
    )


def _is_title_word(word: str) -> bool:
    bare = _bare(word).lower()
    return bare in TITLES or bare.endswith(TITLE_ENDINGS)


def _strip_titles(words: list[str]) -> tuple[list[str], list[str]]:
    """Split `Senate Minority Leader Harry Reid` into (['Senate', 'Minority', 'Leader'], ['Harry', 'Reid'])."""
    last_title = max((k for k in range(len(words) - 1) if _is_title_word(words[k])), default=-1)
    return words[: last_title + 1], words[last_title + 1 :]


@dataclass(frozen=True, slots=True)
class Speaker:
    """Who an attribution clause names: a name, a pronoun or a role phrase, and where it stands."""

    phrase: str
    kind: str  # "name", "pronoun" or "role"
    position: tuple[int, int]  # (paragraph, character) of the phrase


def _name_run_backward(tokens: list[Token], end: int) -> tuple[int, int] | None:
    """The run of capitalised words ending at tokens[end - 1], as (start, end) indices; a possessive
    ends the run before it (`Iowa State University's Dianne Bystrom`)."""
    i = end
    while i > 0:
        token = tokens[i - 1]
        if i < end and _is_possessive(token.text):
            break
        if (
            _is_name_word(token)
            or token.lower in SUFFIXES
            or (token.lower in PARTICLES and i - 1 > 0 and _is_name_word(tokens[i - 2]) and i < end)
        ):
            i -= 1
        else:
            break
    while i < end and tokens[i].lower in PARTICLES:
        i += 1
    return (i, end) if i < end else None


def _name_run_forward(tokens: list[Token], start: int) -> tuple[int, int] | None:
    i = start
    while i < len(tokens):
        token = tokens[i]
        if _is_name_word(token) and token.lower not in TIME_WORDS:
            i += 1
            if _is_possessive(token.text):
                break
        elif (token.lower in SUFFIXES and i > start) or (
            token.lower in PARTICLES and i > start and i + 1 < len(tokens) and _is_name_word(tokens[i + 1])
        ):
            i += 1
        else:
            break
    return (start, i) if i > start else None


def _speaker_from_words(
    tokens: list[Token], start: int, end: int, paragraph: int, *, determiner: bool
) -> Speaker | None:
    """Classify tokens[start:end] (a noun phrase standing next to a speech verb) as name or role."""
    words = [t.text for t in tokens[start:end]]
    if not words:
        return None
    position = (paragraph, tokens[start].start)
    if len(words) == 1 and words[0].lower() in PRONOUNS:
        return Speaker(words[0].lower(), "pronoun", position)
    last = tokens[end - 1]
    if not determiner and _is_name_word(last) and not _is_possessive(last.text):
        run = _name_run_backward(tokens, end)
        if run is not None:
            _titles, name = _strip_titles([t.text for t in tokens[run[0] : run[1]]])
            if name:
                return Speaker(" ".join(name), "name", (paragraph, tokens[run[0]].start))
    if words[0].lower() in DETERMINERS or determiner:
        return Speaker(" ".join(words), "role", position)
    if all(t.is_cap for t in tokens[start:end]):
        return None
    if len(words) <= 3 and not any(_is_name_word(t) for t in tokens[start:end]):
        return Speaker(" ".join(words), "role", position)  # `officials said`, `police said`
    return None


def np_before_verb(tokens: list[Token], verb: int, paragraph: int) -> Speaker | None:
    """The subject that ends just before tokens[verb]: `Lavrov`, `he`, `the minister`,
    `Sergei Lavrov, Russia's foreign minister,` (the name before the appositive wins)."""
    end = verb
    skipped = 0
    while (
        end > 0
        and (tokens[end - 1].lower in SKIPPABLE or tokens[end - 1].lower.endswith("ly"))
        and not tokens[end - 1].is_cap
        and skipped < 3
    ):
        end -= 1
        skipped += 1
    if end == 0:
        return None
    if tokens[end - 1].text == ")":  # Sen. Amy Klobuchar (D-Minn.) said
        opening = next((j for j in range(end - 2, max(-1, end - 10), -1) if tokens[j].text == "("), None)
        if opening is None:
            return None
        end = opening
    elif tokens[end - 1].text == ",":  # the appositive: find the comma that opens it
        opening = next(
            (
                j
                for j in range(end - 2, max(-1, end - 2 - MAX_APPOSITIVE_TOKENS), -1)
                if tokens[j].text in {",", "—", "–"}
            ),
            None,
        )
        if opening is None or opening == 0:
            return None
        inner = tokens[opening + 1 : end - 1]
        if any(t.lower in SPEECH_VERBS for t in inner):
            return None
        if inner and _name_run_forward(tokens, opening + 1) == (opening + 1, end - 1):
            # `Rep. Duncan Hunter's chief of staff, Joe Kasper, told`: the appositive is the name
            return _speaker_from_words(tokens, opening + 1, end - 1, paragraph, determiner=False)
        # `an intelligence source, who was not authorized to speak, told Fox News`
        return np_before_verb(tokens, opening, paragraph)
    if end == 0:
        return None
    last = tokens[end - 1]
    if last.lower in PRONOUNS:
        return Speaker(last.lower, "pronoun", (paragraph, last.start))
    if _is_name_word(last) and not _is_possessive(last.text):
        run = _name_run_backward(tokens, end)
        if run is None:
            return None
        start = run[0]
        # keep role words just before the name (`White House spokesman Josh Earnest`) as titles
        while (
            start > 0 and start > run[0] - 3 and tokens[start - 1].text.isalpha() and tokens[start - 1].lower in TITLES
        ):
            start -= 1
        return _speaker_from_words(tokens, start, end, paragraph, determiner=False)
    if last.lower in PREPOSITIONS or last.lower in CLAUSE_WORDS:
        return None  # `asserted his plans by saying`: no subject next to the verb
    # a role phrase: walk back to its determiner, across `in the room` to `a Democratic staffer`
    found = None
    j = end - 1
    while j >= max(0, end - MAX_ROLE_TOKENS):
        token = tokens[j]
        if token.lower in STOP_IN_PHRASE or token.lower in SPEECH_VERBS:
            break
        if token.lower in DETERMINERS:
            found = j
            if j == 0 or tokens[j - 1].lower not in PREPOSITIONS:
                break
            j -= 1  # step over the preposition and look for the phrase's own determiner
        j -= 1
    if found is not None:
        return _speaker_from_words(tokens, found, end, paragraph, determiner=True)
    j = end
    while (
        j > 0
        and end - j < 3
        and tokens[j - 1].text.isalpha()
        and tokens[j - 1].lower not in STOP_IN_PHRASE
        and tokens[j - 1].lower not in SPEECH_VERBS
    ):
        j -= 1
    if j < end and (j == 0 or tokens[j - 1].text in {",", ".", "—", ";", ":"}):
        return _speaker_from_words(tokens, j, end, paragraph, determiner=False)
    return None


def _np_after_verb(tokens: list[Token], start: int, paragraph: int) -> Speaker | None:
    """The speaker written after the verb: `said Sergei Lavrov, Russia's…`, `said former Vermont governor
    Howard Dean`, `said a White House spokesman`, `said Clinton's spokesman, Brian Fallon`."""
    if start >= len(tokens):
        return None
    first = tokens[start]
    ends_phrase = start + 1 == len(tokens) or not tokens[start + 1].text[0].isalnum()
    if first.lower in PRONOUNS or (first.lower in OBJECT_PRONOUNS and ends_phrase):
        # `said he`, `according to her` (but `replied her colleague` is a role phrase)
        return Speaker(OBJECT_PRONOUNS.get(first.lower, first.lower), "pronoun", (paragraph, first.start))
    if _is_name_word(first):  # `said Jason Gilbert of Cheyenne`: the name ends the phrase
        run = _name_run_forward(tokens, start)
        if run is not None and not _is_possessive(tokens[run[1] - 1].text):
            return _speaker_from_words(tokens, run[0], run[1], paragraph, determiner=False)
    end = start
    while end < len(tokens) and end - start < MAX_ROLE_TOKENS + 3:
        token = tokens[end]
        if token.lower in STOP_IN_PHRASE or token.lower in SPEECH_VERBS or token.lower in TIME_WORDS:
            break
        if token.lower in PREPOSITIONS - {"of", "for"} or not token.text[0].isalnum():
            break
        end += 1
    if end == start:
        return None
    run = _name_run_backward(tokens, end) if not _is_possessive(tokens[end - 1].text) else None
    if run is not None and run[0] < start:
        run = (start, run[1])
    if run is not None and run[0] < run[1]:
        titles, _name = _strip_titles([t.text for t in tokens[run[0] : run[1]]])
        introduced = run[0] > start and not tokens[run[0] - 1].is_cap
        if run[0] == start or titles or (introduced and tokens[run[0] - 1].lower not in DETERMINERS):
            return _speaker_from_words(tokens, run[0], run[1], paragraph, determiner=False)
    if end + 1 < len(tokens) and tokens[end].text == ",":  # `said the company's founder, Bill Gates.`
        named = _name_run_forward(tokens, end + 1)
        if named is not None and (named[1] == len(tokens) or not tokens[named[1]].text[0].isalnum()):
            return _speaker_from_words(tokens, named[0], named[1], paragraph, determiner=False)
    if (
        first.lower in DETERMINERS
        or _is_possessive(tokens[end - 1].text)
        or any(_is_possessive(t.text) for t in tokens[start:end])
    ):
        return Speaker(" ".join(t.text for t in tokens[start:end]), "role", (paragraph, first.start))
    if end - start <= 3 and not any(t.is_cap for t in tokens[start:end]):
        return Speaker(" ".join(t.text for t in tokens[start:end]), "role", (paragraph, first.start))
    return None


def _verb_at(tokens: list[Token], i: int) -> int:
    """Length in tokens of the speech verb at tokens[i] (2 for `according to`), 0 when there is none."""
    token = tokens[i]
    if token.lower == "according" and i + 1 < len(tokens) and tokens[i + 1].lower == "to":
        return 2
    if token.lower in ACCORDING:
        return 1
    if token.lower == "put" and i + 1 < len(tokens) and tokens[i + 1].lower == "it":
        return 1  # `as Cornyn put it: “…”`
    if token.lower in {"shot", "fired"} and i + 1 < len(tokens) and tokens[i + 1].lower == "back":
        return 1  # `Bennett shot back`
    return 1 if token.lower in SPEECH_VERBS else 0


def _speaker_follows(tokens: list[Token], i: int) -> bool:
    """`according to Lavrov`, `selon lui`: the speaker comes after these, not before."""
    return tokens[i].lower == "according" or tokens[i].lower in ACCORDING


@dataclass(frozen=True, slots=True)
class Attribution:
    speaker: Speaker | None
    end: int  # character offset in the paragraph where the attribution clause stops
    partial: bool = False
    """The quotation goes on the writer's sentence (`Moore thanked him for “…”`, `called it “…”`): its
    words are the speaker's only if they make a clause."""


def attribution_after(text: str, start: int, stop: int, paragraph: int) -> Attribution | None:
    """Parse `, Lavrov said`, `said Lavrov`, `, he added`, `according to him` right after a quote."""
    tokens = tokenize(text[start:stop], start)
    i = 0
    while i < len(tokens) and tokens[i].text in {",", "—", "–", ")", "-"}:
        i += 1
    if i >= len(tokens):
        return None
    if tokens[i].lower in AUXILIARIES and i + 1 < len(tokens) and _verb_at(tokens, i + 1):
        i += 1  # `», a déclaré Élisabeth Borne`
    width = _verb_at(tokens, i)
    if width:
        j = i + width
        while j < len(tokens) and tokens[j].lower in {"also", "later", "then"}:
            j += 1
        speaker = _np_after_verb(tokens, j, paragraph)
        if speaker is None and tokens[i].lower in {"said", "says", "added", "adds"}:
            return None
        return Attribution(speaker, _clause_end(tokens, j, stop))
    # subject first: find a speech verb within reach and the noun phrase before it
    limit = min(len(tokens), i + MAX_APPOSITIVE_TOKENS + 6)
    depth = 0
    for j in range(i, limit):
        token = tokens[j]
        if token.text in {"(", ")"}:  # `Harry M. Reid (D-Nev.) said`
            depth = max(0, depth + (1 if token.text == "(" else -1))
            continue
        if depth:
            continue
        if token.text in {".", "?", "!", ";", "“", "”", '"'}:
            break
        if j > i and _verb_at(tokens, j):
            speaker = np_before_verb(tokens, j, paragraph)
            if speaker is None:
                return None
            lead = [t for t in tokens[i:j] if t.start < speaker.position[1]]
            if lead[:1] and lead[0].lower == "as" and tokens[j].lower == "put":
                lead = lead[1:]  # `“…,” as Cornyn put it.`
            if any(t.lower in CLAUSE_WORDS for t in lead):
                return None  # `, and then the senator said`: the verb belongs to another clause
            if _speaker_follows(tokens, j):
                speaker = _np_after_verb(tokens, j + _verb_at(tokens, j), paragraph) or speaker
            return Attribution(speaker, _clause_end(tokens, j, stop))
    return None


def _clause_end(tokens: list[Token], start: int, stop: int) -> int:
    for token in tokens[start:]:
        if token.text in {".", "?", "!", ";"}:
            return token.end
    return stop


_SENTENCE_BREAK = re.compile(r"[.?!](?:[”\"’)]*)\s+(?=[“\"‘(]?[A-Z0-9])")


def attribution_before(text: str, start: int, stop: int, paragraph: int) -> Attribution | None:
    """Parse `Lavrov said: `, `According to him, `, `He told reporters that ` just before a quote."""
    fragment = text[start:stop]
    if fragment.rstrip().endswith("."):
        return _closing_attribution(text, start, stop, paragraph)
    cut = last_sentence_start(fragment)
    tokens = tokenize(fragment[cut:], start + cut)
    if not tokens:
        return None
    ending = tokens[-1].text
    body = tokens[:-1] if ending in {":", ",", "—", "–"} else tokens
    if ending not in {":", ",", "—", "–"} and body and body[-1].lower == "that":
        body = body[:-1]
    for j in range(len(body) - 1, max(-1, len(body) - 1 - MAX_TOKENS_AFTER_VERB), -1):
        width = _verb_at(body, j)
        if not width:
            if body[j].text in {".", "?", "!", ";", "“", "”", '"'}:
                break
            continue
        tail = body[j + width :]
        if body[j].lower.endswith("ing") and len(tail) > 2 and not _speaker_follows(body, j):
            continue  # `responding to Sanders’ description of …`: a participle, not the lead-in
        loose_tail = len(tail) > 1 or (len(tail) == 1 and tail[0].lower not in {"that", "it", "was"})
        if width == 1 and loose_tail and ending not in {":", ",", "—", "–"}:
            if ending != "that":
                return None  # `said the city “condemns…”`: a partial quote inside reported speech
            # `Kovalenko said that “the plan would leave…”`: reported speech handing over to the speaker's
            # own words (PolNeAR rarely marks these; quoted words further into the clause, never)
            speaker = np_before_verb(body, j, paragraph)
            return Attribution(speaker, stop, partial=True) if speaker is not None else None
        if _speaker_follows(body, j) or (j == 0 and tail and _is_name_word(tail[0])):
            # `According to him, “…”`; `Said Comey, “…”`, `Continued Stone: “…”`
            speaker = _np_after_verb(body, j + width, paragraph)
        else:
            speaker = np_before_verb(body, j, paragraph)
            if speaker is None and (
                body[j].lower.endswith("ing") or (j > 0 and body[j - 1].lower in COORDINATORS | {"to"})
            ):
                # `Christie bristled, saying, “…”`; `Lazar said … and added, “…”`; `interjected to say:`
                speaker = _earlier_subject(body, j, paragraph) or _subject_before_quote(text, body[j], paragraph)
        return Attribution(speaker, stop)
    naming = _naming_verb_before(body)
    if naming is not None and ending not in {":", ",", "—", "–"}:
        # `Huckabee is labeling Obama’s actions “…”`: the subject of the naming verb
        speaker = np_before_verb(body, naming, paragraph)
        return Attribution(speaker, stop, partial=True) if speaker is not None else None
    if ending == ":":
        # `Hannity interjected: “…”`, `Rep. Trey Gowdy (R-S.C.): “…”`: the sentence's subject speaks
        speaker = _subject_of_sentence(body, len(body), paragraph, opening_only=True)
        if speaker is not None and _followed_by_predicate(body, speaker):
            return Attribution(speaker, stop)
        speaker = _colon_speaker(body, paragraph)
        if speaker is not None:
            return Attribution(speaker, stop)
    return None


def _colon_speaker(tokens: list[Token], paragraph: int) -> Speaker | None:
    """Who introduces a quotation with a colon and no speech verb: a name right before the colon
    (`… surprise Republican pollster Daron Shaw:`), else the last name that opens a clause as its
    subject (`When Wallace died, President Clinton released the following statement:`). A name after
    a preposition or an article (`in New York:`) is a place or a thing, not who speaks."""
    run = _name_run_backward(tokens, len(tokens))
    if run is not None and _opens_noun_phrase(tokens, run[0]):
        return np_before_verb([*tokens, Token(":", 0, 0, ":")], len(tokens), paragraph)
    for k in range(len(tokens) - 2, -1, -1):
        run = _name_run_forward(tokens, k) if _is_name_word(tokens[k]) else None
        if run is None or run[1] >= len(tokens) or not _opens_noun_phrase(tokens, run[0]):
            continue
        following = tokens[run[1]]
        if following.text.isalpha() and following.text.islower() and following.lower not in CLAUSE_WORDS:
            speaker = np_before_verb(tokens, run[1], paragraph)
            return speaker if speaker is not None and speaker.kind == "name" else None
    return None


def _opens_noun_phrase(tokens: list[Token], start: int) -> bool:
    """tokens[start] can begin a subject: the sentence's start or after a clause break, not after a
    preposition, an article or `of`."""
    if start == 0:
        return True
    before = tokens[start - 1]
    return not before.text[0].isalnum() or (
        before.text.islower() and before.lower not in PREPOSITIONS and before.lower not in DETERMINERS
    )


def _naming_verb_before(tokens: list[Token]) -> int | None:
    """Where a naming verb (`called`, `labeling`, `described … as`) takes the quotation as its
    complement: its object, a few words without punctuation, stands between it and the mark."""
    for j in range(len(tokens) - 1, max(-1, len(tokens) - 2 - MAX_NAMED_OBJECT_TOKENS), -1):
        token = tokens[j]
        if not token.text[0].isalnum():
            return None
        if token.lower in NAMING_VERBS:
            return j if j > 0 else None
    return None


def _closing_attribution(text: str, start: int, stop: int, paragraph: int) -> Attribution | None:
    """`Iowa State University's Dianne Bystrom agreed. “…”`: a sentence that only names who speaks next."""
    sentence = text[start:stop].rstrip()
    if not sentence.endswith("."):
        return None
    cut = last_sentence_start(sentence)
    tokens = tokenize(sentence[cut:-1], start + cut)
    verb = next(
        (k for k in range(len(tokens) - 1, 0, -1) if _verb_at(tokens, k) and not _speaker_follows(tokens, k)), None
    )
    if verb is None or len(tokens) - verb > MAX_CLOSING_TAIL or any(t.lower == "that" for t in tokens[verb:]):
        return None
    speaker = np_before_verb(tokens, verb, paragraph)
    if speaker is None or speaker.kind != "name":
        return None
    # the name opens the sentence or the clause after an opening phrase (`In an interview, Clinton …`)
    lead = [t for t in tokens if t.start < speaker.position[1]]
    clause = lead[max((k + 1 for k, t in enumerate(lead) if t.text == ","), default=0) :]
    return Attribution(speaker, stop) if all(t.is_cap or t.lower in TITLES for t in clause) else None


def _earlier_subject(tokens: list[Token], verb: int, paragraph: int) -> Speaker | None:
    """The subject of the sentence's earlier speech verb (`Lazar said he … and added`), else its first."""
    for k in range(verb - 1, 0, -1):
        if _verb_at(tokens, k) and not _speaker_follows(tokens, k):
            speaker = np_before_verb(tokens, k, paragraph)
            if speaker is not None:
                return speaker
    return _subject_of_sentence(tokens, verb, paragraph)


def _subject_before_quote(text: str, verb: Token, paragraph: int) -> Speaker | None:
    """`Trump told Newsmax that Romney “had a crazy policy,” adding, “…”`: the subject of the sentence
    the participle continues, read across the quotation before it."""
    head = text[: verb.start]
    cut = last_sentence_start(head)
    tokens = tokenize(head[cut:], cut)
    return _earlier_subject(tokens, len(tokens), paragraph) if tokens else None


def _followed_by_predicate(tokens: list[Token], speaker: Speaker) -> bool:
    """`Cruz continued:` or `Rep. Trey Gowdy (R-S.C.):`, not `Like the page:` or `See the results:`."""
    index = next(k for k, t in enumerate(tokens) if t.start == speaker.position[1])
    after = index + len(speaker.phrase.split())
    if after >= len(tokens) or tokens[after].text == "(" or len(speaker.phrase.split()) > 1:
        return True
    word = tokens[after].lower
    return tokens[after].text.islower() and (word.endswith(("ed", "s")) or word in SKIPPABLE)


def _subject_of_sentence(
    tokens: list[Token], verb: int, paragraph: int, *, opening_only: bool = False
) -> Speaker | None:
    """`Christie bristled at the suggestion, saying, “…”`: the sentence's first name or pronoun
    (with `opening_only`, only when the sentence begins with it)."""
    for k in range(verb):
        token = tokens[k]
        if opening_only and k > 0 and not (k == 1 and tokens[0].lower in COORDINATORS):
            return None
        if token.lower in PRONOUNS and token.lower not in {"it", "you"}:
            return Speaker(token.lower, "pronoun", (paragraph, token.start))
        if _is_name_word(token):
            run = _name_run_forward(tokens, k)
            if run is None or (k > 0 and tokens[k - 1].lower in DETERMINERS):
                return None  # `The Republican candidate …`: not a name
            if _is_possessive(tokens[run[1] - 1].text):  # `Ryan’s campaign shrugged it off, telling …`
                end = min(run[1] + 1, verb)
                phrase = " ".join(t.text for t in tokens[run[0] : end])
                return Speaker(phrase, "role", (paragraph, token.start))
            return _speaker_from_words(tokens, run[0], run[1], paragraph, determiner=False)
    return None


def last_sentence_start(text: str) -> int:
    """Where the last sentence of `text` begins (a full stop after `Sen.` or `U.S.` ends none)."""
    cut = 0
    for match in _SENTENCE_BREAK.finditer(text):
        if not _ends_with_abbreviation(text[: match.start() + 1]):
            cut = match.end()
    return cut


def _ends_with_abbreviation(text: str) -> bool:
    word = text.rsplit(None, 1)[-1] if text.strip() else ""
    return _keeps_stop(word) if word.endswith(".") and len(word) > 1 else False


# ----------------------------------------------------------------------------- people in the article
@dataclass(slots=True)
class _Person:
    name: str  # the fullest form the article uses
    surname: str
    gender: Counter[str] = field(default_factory=Counter)
    roles: set[str] = field(default_factory=set)
    full_mentions: int = 0  # how often the article gives the full name


def _surname(name: str) -> str:
    words = [w for w in name.split() if w.lower() not in SUFFIXES]
    return words[-1] if words else name


@dataclass(slots=True)
class Cast:
    """The people an article names, in order of mention, with what it says about their gender and roles."""

    people: dict[str, list[_Person]] = field(default_factory=dict)  # by surname, latest last
    mentions: list[tuple[tuple[int, int], _Person]] = field(default_factory=list)

    def person(self, name: str) -> _Person:
        """The person `name` stands for: `Lavrov` is the `Sergei Lavrov` already named, and the other way."""
        surname = _surname(name)
        namesakes = self.people.setdefault(surname, [])
        for person in reversed(namesakes):
            if person.name == name or len(name.split()) == 1:
                return person
            if len(person.name.split()) == 1:
                person.name = name
                return person
        person = _Person(name, surname)
        namesakes.append(person)
        return person

    def knows(self, surname: str) -> bool:
        return bool(self.people.get(surname))

    def mention(self, name: str, position: tuple[int, int]) -> _Person:
        person = self.person(name)
        self.mentions.append((position, person))
        person.full_mentions += len(name.split()) > 1
        return person

    def full_name(self, name: str, position: tuple[int, int]) -> str:
        """`Lavrov` -> `Sergei Lavrov` when the article gives the full name. Of two namesakes (`Hillary`
        and `Bill Clinton`) the one the article names more often, then the latest named before `position`."""
        if len(name.split()) > 1:
            return name
        namesakes = [person for person in self.people.get(name, []) if len(person.name.split()) > 1]
        if not namesakes:
            return name
        latest = {id(person): pos for pos, person in self.mentions if pos <= position}
        return max(namesakes, key=lambda p: (p.full_mentions, latest.get(id(p), (-1, -1)))).name

    def resolve_pronoun(self, pronoun: str, position: tuple[int, int]) -> str | None:
        """`he`/`she` -> among the last few people mentioned before `position`, the latest whose known
        gender fits; failing that, the latest whose gender the text does not tell."""
        wanted = PRONOUN_GENDER.get(pronoun)
        if wanted is None:
            return None
        recent: list[_Person] = []
        for pos, person in reversed(self.mentions):
            if pos < position and all(other is not person for other in recent):
                recent.append(person)
                if len(recent) == MAX_ANTECEDENTS:
                    break
        genders = [person.gender.most_common(1)[0][0] if person.gender else None for person in recent]
        for wanted_gender in (wanted, None):
            for person, gender in zip(recent, genders, strict=True):
                if gender == wanted_gender:
                    return person.name
        return None

    def resolve_role(self, phrase: str, position: tuple[int, int]) -> str | None:
        """`the minister` -> the latest person introduced with that role word before `position`."""
        words = phrase.lower().split()
        if not words or words[0] != "the":
            return None
        head = next((w for w in reversed(_before_preposition(words[1:])) if w.isalpha()), None)
        if head is None:
            return None
        former = "former" in words  # a former president is not the president
        for pos, person in reversed(self.mentions):
            if pos < position and head in person.roles and ("former" in person.roles) == former:
                return person.name
        return None


def _before_preposition(words: list[str]) -> list[str]:
    """`secretary of state` -> `secretary`: a role phrase's head comes before its first preposition."""
    for k, word in enumerate(words):
        if word in PREPOSITIONS:
            return words[:k]
    return words


def gather_cast(paragraphs: Sequence[list[Token]], speakers: list[Speaker]) -> Cast:
    """Find the people: names with a title, a known first name, or seen speaking; note genders and roles."""
    speaking = {s.phrase.split()[-1] for s in speakers if s.kind == "name"}
    cast = Cast()
    sentences: list[_Sentence] = []
    for index, tokens in enumerate(paragraphs):
        sentence = _Sentence(tokens, 0)
        run_end = 0  # tokens before this belong to the last name read
        for k in _capitals_and_stops(tokens):
            if k < run_end:
                continue
            run = _name_run_forward(tokens, k) if _is_name_word(tokens[k]) else None
            if run is None:
                if tokens[k].text in _SENTENCE_ENDS:
                    sentence.end = k
                    sentences.append(sentence)
                    sentence = _Sentence(tokens, k + 1)
                continue
            words = [_bare(t.text) for t in tokens[run[0] : run[1]]]
            leading = [t.lower.rstrip(".") for t in tokens[max(0, run[0] - 3) : run[0]]]
            titles, name = _strip_titles(words)
            titles = [w.lower().rstrip(".") for w in titles]
            known = cast.knows(name[-1])
            first = name[0].lower() if len(name) > 1 else ""
            honorific = next((HONORIFIC_GENDER[t] for t in titles + leading[-1:] if t in HONORIFIC_GENDER), None)
            introduced = [t for t in leading[-2:] if t in TITLES] if leading[-1:] and leading[-1] in TITLES else []
            is_person = (
                bool(titles)
                or honorific is not None
                or first in FIRST_NAMES_MALE
                or first in FIRST_NAMES_FEMALE
                or name[-1] in speaking
                or known
                or bool(introduced)
            )
            if is_person and name[-1].lower() not in NOT_PEOPLE:
                person = cast.mention(" ".join(name), (index, tokens[run[0]].start))
                if honorific:
                    person.gender[honorific] += 2
                elif first in FIRST_NAMES_MALE:
                    person.gender["m"] += 2
                elif first in FIRST_NAMES_FEMALE:
                    person.gender["f"] += 2
                person.roles.update(ROLE_ABBREVIATIONS.get(t, t) for t in titles + introduced)
                if leading[-1:] == ["former"] or (introduced and leading[-3:-2] == ["former"]):
                    person.roles.add("former")
                person.roles.update(_appositive_roles(tokens, run[1]))
                sentence.people.append((run[0], run[1], person))
            run_end = run[1]
        sentence.end = len(tokens)
        sentences.append(sentence)
    for k, sentence in enumerate(sentences):
        _note_pronoun_gender(sentence, sentences[k + 1] if k + 1 < len(sentences) else None)
    return cast


_SENTENCE_ENDS = frozenset(".?!")


def _capitals_and_stops(tokens: list[Token]) -> list[int]:
    """Where a name can start (a capitalised word) or a sentence end: all that the search for people
    needs to visit. A name never runs over a sentence's end, so stepping past one loses none."""
    return [k for k, token in enumerate(tokens) if token.text[:1].isupper() or token.text in _SENTENCE_ENDS]


def _appositive_roles(tokens: list[Token], after: int) -> set[str]:
    """`Samantha Phillips, the city's emergency operations director,` -> {'director'}: the head of a
    closed appositive (and `former`, which makes it another office)."""
    if after + 1 >= len(tokens) or tokens[after].text != ",":
        return set()
    if tokens[after + 1].lower not in {"the", "a", "an"} and not _is_possessive(tokens[after + 1].text):
        return set()
    words: list[str] = []
    for token in tokens[after + 1 : after + 2 + MAX_ROLE_TOKENS]:
        if token.text in {",", ".", ";"}:
            head = _before_preposition(words)
            return {head[-1]} | ({"former"} & set(words)) if head and head[-1].isalpha() else set()
        if token.lower in SPEECH_VERBS or token.lower in CLAUSE_WORDS or not token.text[0].isalnum():
            return set()
        words.append(token.lower)
    return set()


@dataclass(slots=True)
class _Sentence:
    tokens: list[Token]
    start: int
    end: int = 0
    people: list[tuple[int, int, _Person]] = field(default_factory=list)  # (first token, end token, who)


def _note_pronoun_gender(sentence: _Sentence, following: _Sentence | None) -> None:
    """Learn a person's gender from how the text refers back to them: `Hale arrived late. He apologized`
    (the only person a sentence opens with, and the next sentence opens with `He`), or `Hale said he`."""
    tokens = sentence.tokens
    for _first, end, person in sentence.people:
        if end + 1 < sentence.end and tokens[end].lower in SPEECH_VERBS and tokens[end + 1].lower in PRONOUN_GENDER:
            person.gender[PRONOUN_GENDER[tokens[end + 1].lower]] += 1
    if following is None or (following.people and following.people[0][0] == following.start):
        return
    if len({id(p) for _, _, p in sentence.people}) != 1 or sentence.people[0][0] > sentence.start + 2:
        return
    opening = following.tokens[following.start].lower if following.start < following.end else ""
    if opening in PRONOUN_GENDER:
        sentence.people[0][2].gender[PRONOUN_GENDER[opening]] += 1

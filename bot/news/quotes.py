"""Direct quotations in an article, who said them, and which few matter most.

Pure rules over the text: quotation marks are paired per paragraph (so one stray mark cannot swallow
the rest of the article), quoted stretches that belong together are joined, and the speaker is read
from the attribution clause next to the quote (`“…,” Lavrov said`, `said Lavrov`, `Lavrov said: “…”`,
`according to him`). Pronouns and role nouns are resolved to the people the article names.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import NamedTuple

from bot.news.models import Quote, RankedSentence

LOGGER = logging.getLogger(__name__)

# ----------------------------------------------------------------------------- tuning
MIN_STATEMENT_WORDS = 5
"""An unattributed quotation shorter than this is a scare quote, a title or a slogan, not a statement.
(On PolNeAR, F1 moves by under 0.002 from 4 to 7; 5 keeps a standalone `“We will not back down.”`.)"""

MIN_ATTRIBUTED_WORDS = 2
"""Next to a speech verb, one word is speech only as an answer (`“Absolutely,” he said`); otherwise it is
a label (`called it “treason”`)."""

MAX_APPOSITIVE_TOKENS = 24
"""`Lavrov, Russia's foreign minister since 2004, said`: longer asides are a new clause, not a name."""

MAX_TOKENS_AFTER_VERB = 14
"""`Lavrov said in an interview with the BBC on Monday: “…”`: the tail between verb and mark."""

MAX_ATTRIBUTION_WORDS = 24
"""`“…,” said Jim Hodges, a former governor and a Clinton backer. “…”`: the longest clause between two
quoted stretches that still only says who speaks, so that the stretches are one quotation."""

MAX_CLOSING_TAIL = 5
"""`Sanders said in a statement. “…”`: a sentence ending this close after its speech verb says who
speaks next; a longer one reports speech of its own."""

MAX_ROLE_TOKENS = 7
"""`a spokesman for the House Democratic caucus`: how long a role phrase standing for a speaker may be."""

MAX_OPENING_WORDS = 2
"""`Yet, “…”`, `In fact, “…”`: a word or two before a comma still leaves the quotation opening its
sentence; more is the writer's own clause, and a lower-case quotation after it is a fragment."""

SHORT_PARAGRAPH_CHARS = 40
"""A paragraph shorter than this (a dateline, `___.`, a photo credit) between quotations does not end
the last speaker's turn; a longer one without quotes or speech verbs does."""

MAX_ANTECEDENTS = 4
"""A pronoun refers to someone in the last few people named; further back, the text would name them again."""

KEY_QUOTE_MIN_WORDS = 6
"""A key quote should say something on its own; shorter lines rank below every full statement."""

FALLBACK_TIER = 3
"""Key-quote tier of quotes with no speaker or neither full nor named: shown only when nothing else is."""

DUPLICATE_OVERLAP = 0.6
"""Two quotes sharing this share of the shorter one's words say the same thing (a quote repeated in
the lede and the body, or the same line in two outlets' wording)."""

SENTENCE_OVERLAP = 0.5
"""A ranked sentence rates a quote when at least this share of its words is inside the quotation (the
attribution `, Lavrov said` is the rest)."""

QUOTE_RATING_PARAGRAPHS = 3
"""Sentences this many paragraphs after a quote's first still rate it: a quotation running over
paragraphs rarely runs longer, and its opening carries its weight anyway."""

# ----------------------------------------------------------------------------- quotation marks
_CLOSERS: dict[str, frozenset[str]] = {
    '"': frozenset('"”'),  # a straight mark closed by a curly one: sloppy but common
    "“": frozenset('”“"'),  # English; a second “ or a straight " closes too when context says so
    "”": frozenset("”"),  # Swedish and Finnish open with ”
    "„": frozenset("“”"),  # German, Ukrainian, Polish: „…“ or „…”
    "«": frozenset("»"),
    "»": frozenset("«"),  # German and Danish »…«
    "‹": frozenset("›"),
    "›": frozenset("‹"),
    "「": frozenset("」"),
    "『": frozenset("』"),
}
_MARKS = frozenset('"“”„«»‹›「」『』')
_MARK = re.compile("[" + re.escape("".join(sorted(_MARKS))) + "]")
"""Any quotation mark: the scan visits the marks only, not every character of the article."""
_ALWAYS_OPEN = frozenset("„«‹「『")
_CONTEXT_MARKS = frozenset('"“”')  # marks whose role the spacing around them decides (French « » is spaced)
_ALWAYS_CLOSE = frozenset("」』")
_OPEN_BEFORE = frozenset("([{—–-/:;'‘")
_CLOSE_AFTER = frozenset(".,;:!?)]}—–-…'’")


@dataclass(slots=True)
class _Span:
    """One quoted stretch inside one paragraph."""

    paragraph: int
    start: int  # index of the opening mark
    end: int  # index just after the closing mark, or the paragraph's length when unclosed
    closed: bool

    def inner(self, text: str) -> str:
        return text[self.start + 1 : self.end - 1 if self.closed else self.end].strip()


def _opens_by_context(text: str, i: int) -> bool | None:
    """True when the mark at i can only open, False when it can only close, None when unclear."""
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    can_open = (before.isspace() or before in _OPEN_BEFORE or before in _MARKS) and not after.isspace()
    can_close = not before.isspace() and (after.isspace() or after in _CLOSE_AFTER or after in _MARKS)
    if can_open and not can_close:
        return True
    if can_close and not can_open:
        return False
    return None


def _mark_role(text: str, i: int, stack: list[tuple[str, int]]) -> int | str | None:
    """What the mark at text[i] does: "open", close the quote at that stack depth, or nothing."""
    mark = text[i]
    closes = next((depth for depth in range(len(stack) - 1, -1, -1) if mark in _CLOSERS[stack[depth][0]]), None)
    if mark in _ALWAYS_OPEN:
        return closes if closes is not None and closes == len(stack) - 1 else "open"
    if mark in _ALWAYS_CLOSE or closes is None:
        # nothing to close: a mark that can open does so unless its context says it closes
        return "open" if closes is None and mark in _CLOSERS and _opens_by_context(text, i) is not False else closes
    if mark in _CONTEXT_MARKS and _opens_by_context(text, i) is True:
        return "open"  # `"a "b"`: context says this one opens, so the earlier quote was never closed
    return closes


def _scan_paragraph(text: str, paragraph: int) -> list[_Span]:
    """Pair the marks of one paragraph; unbalanced marks end their quote here rather than crash."""
    spans: list[_Span] = []
    stack: list[tuple[str, int]] = []  # (opening mark, index)
    for found in _MARK.finditer(text):
        i, mark = found.start(), found.group()
        role = _mark_role(text, i, stack)
        if isinstance(role, int):
            del stack[role + 1 :]
            _mark, start = stack.pop()
            if not stack:
                spans.append(_Span(paragraph, start, i + 1, closed=True))
        elif role == "open":
            if stack and mark in _CLOSERS[stack[0][0]] | {stack[0][0]}:
                # the same kind of mark opens again while a quote is open: the earlier one was never closed
                spans.append(_Span(paragraph, stack[0][1], i, closed=False))
                stack.clear()
            stack.append((mark, i))
    if stack:
        LOGGER.debug("quotation left open in paragraph %d at %d", paragraph, stack[0][1])
        spans.append(_Span(paragraph, stack[0][1], len(text), closed=False))
    return [span for span in spans if span.inner(text)]


# ----------------------------------------------------------------------------- words and names
def _word_set(words: str) -> frozenset[str]:
    """A word list written as one whitespace-separated string, as a set."""
    return frozenset(words.split())


_PARTY_STATE = re.compile(r"^[DRI]-[A-Z][a-z]{1,4}$")
"""`Sen. Amy Klobuchar (D-Minn.)`: the full stop of a party-state label does not end the sentence."""

_TOKEN = re.compile(r"(\w+(?:[’'.\-]\w+)*\.?|[^\w\s])", re.UNICODE)
"""A word (with its full stop, if any) or one punctuation mark; captured so that `split` keeps them."""

_ABBREVIATIONS = _word_set(
    """
    mr mrs ms dr prof sen rep gov gen lt col capt adm sgt rev hon st jr sr maj cmdr supt insp
    pres sec atty no vs inc corp co ltd jan feb mar apr jun jul aug sep sept oct nov dec
    """
)

_HONORIFIC_GENDER = {
    "mr": "m",
    "mrs": "f",
    "ms": "f",
    "miss": "f",
    "sir": "m",
    "dame": "f",
    "lord": "m",
    "lady": "f",
    "king": "m",
    "queen": "f",
    "prince": "m",
    "princess": "f",
}

_TITLES = _word_set(
    """
    mr mrs ms miss dr prof sen senator rep representative congressman congresswoman gov governor
    president vice secretary minister prime chancellor mayor judge justice gen general lt col
    colonel capt captain adm admiral sgt sergeant rev reverend pope king queen prince princess
    sheikh ambassador chairman chairwoman chair commissioner attorney speaker leader majority
    minority sir dame lord lady foreign defense defence interior deputy chief former press state
    assistant acting executive officer director spokesman spokeswoman spokesperson candidate
    nominee alderman councilman councilwoman lawmaker sheriff superintendent pastor father
    bishop cardinal rabbi imam coach treasurer auditor comptroller first detective agent professor
    """
)

_TITLE_ENDINGS = ("minister", "ministerin", "präsident", "präsidentin", "kanzler", "kanzlerin")
"""German compounds (`Finanzminister Lindner`, `Bundeskanzler Scholz`) are titles too."""

_PARTICLES = _word_set(
    """
    de da di du del der den van von la le al el bin ibn ter dos das st.
    """
)
_SUFFIXES = frozenset(["jr", "jr.", "sr", "sr.", "ii", "iii", "iv"])

_NOT_NAMES = _word_set(
    """
    the a an but and or so yet in on at for with from by as after before when while if this that
    these those it he she they we i you his her their our my its there here then now still also
    meanwhile however asked according like see watch click follow speaking later earlier today
    yesterday tonight tomorrow neither either nor both each every whether unless despite unlike
    what why how who where which not no yes one another some many mr. mrs. ms. dr. monday
    tuesday wednesday thursday friday saturday sunday january february march april may june july
    august september october november december
    """
)

_ORGANIZATION_WORDS = _word_set(
    """
    department house committee party senate congress court council office agency administration
    campaign university college school times post news journal foundation institute center centre
    association union bureau service network group company corporation inc board commission
    ministry government county city state states republic kingdom airport street avenue
    """
)
"""`the State Department`, `the White House`: capitalised, but not a person."""

_NOT_PEOPLE = _NOT_NAMES | _ORGANIZATION_WORDS

_ROLE_ABBREVIATIONS = {
    "sen": "senator",
    "rep": "representative",
    "gov": "governor",
    "gen": "general",
    "pres": "president",
    "sec": "secretary",
    "atty": "attorney",
    "lt": "lieutenant",
    "col": "colonel",
    "capt": "captain",
    "sgt": "sergeant",
    "adm": "admiral",
    "rev": "reverend",
    "prof": "professor",
    "dr": "doctor",
}

_OBJECT_PRONOUNS = {
    "him": "he",
    "her": "she",
    "them": "they",
    "me": "i",
    "us": "we",
    "lui": "he",  # selon lui
    "elle": "she",
    "él": "he",  # según él
    "ella": "she",
}

_PRONOUN_GENDER = {"he": "m", "she": "f"}
_PRONOUNS = frozenset(["he", "she", "they", "i", "we", "it", "you"])

_DETERMINERS = _word_set(
    """
    the a an one another his her their its our some several two three
    """
)

_STOP_IN_PHRASE = _word_set(
    """
    who whom which that whose when where while because although though if as and but or , . ; :
    ? ! “ ” " ( ) — –
    """
)

_SKIPPABLE = _word_set(
    """
    also later then has had have would will once previously recently simply flatly again
    repeatedly further often frequently reportedly publicly privately earlier bluntly angrily
    quickly was is were are been quoted as even only just since subsequently
    """
)

_SPEECH_VERB_BASES = """
    say tell add ask declare write explain argue insist warn continue recall acknowledge announce assert
    concede contend exclaim observe predict suggest testify urge complain admit agree lament reiterate
    repeat conclude mention wonder remember interject recount elaborate plead implore proclaim advise
    emphasize emphasise caution opine confirm respond exhort echo react
"""
"""Verbs that introduce speech, in every form."""

_SPEECH_NOUN_VERBS = """
    note state claim comment joke promise stress vow counter pledge demand charge report answer post
    crack offer order cry tweet reply muse quip remark shout yell boast retort scoff whisper chant
    text email thunder press bark snap gripe gush fume sneer interrupt mock tease chide scold laugh beg
    scream bellow intone rebut
"""
"""Verbs that are nouns too (`the chant`, `his reply`): only their -ed and -ing forms count."""

_PRESENT_TENSE_TOO = "notes replies quips remarks answers counters shouts tweets jokes claims"

_IRREGULAR = {
    "say": ("says", "said", "saying"),
    "tell": ("tells", "told", "telling"),
    "write": ("writes", "wrote", "writing"),  # not `written`: `a show written by` names an author
    "quip": ("quips", "quipped", "quipping"),
    "admit": ("admits", "admitted", "admitting"),
    "snap": ("snaps", "snapped", "snapping"),
    "echo": ("echoes", "echoed", "echoing"),
    "rebut": ("rebuts", "rebutted", "rebutting"),
}


def _inflections(base: str) -> tuple[str, str, str, str]:
    """(base, -s, -ed, -ing) of a regular English verb."""
    if base.endswith("e"):
        return base, base + "s", base + "d", base[:-1] + "ing"
    if base.endswith("y") and base[-2] not in "aeiou":
        return base, base[:-1] + "ies", base[:-1] + "ied", base + "ing"
    if base.endswith(("s", "sh", "ch", "x", "z")):
        return base, base + "es", base + "ed", base + "ing"
    return base, base + "s", base + "ed", base + "ing"


def _speech_verbs() -> frozenset[str]:
    forms: set[str] = set()
    for base in _SPEECH_VERB_BASES.split():
        forms.update((base, *_IRREGULAR[base]) if base in _IRREGULAR else _inflections(base))
    for base in _SPEECH_NOUN_VERBS.split():
        forms.update(_IRREGULAR[base][1:] if base in _IRREGULAR else _inflections(base)[2:])
    # present-tense attributions common in features (`Conway notes`), rarely plural nouns beside a quote
    return frozenset(forms | {"read", "reads", "reading"} | set(_PRESENT_TENSE_TOO.split()))


_OTHER_LANGUAGES_SPEECH_VERBS = """
    sagte sagt erklärte erklärt betonte betont meinte déclaré dit affirmé estimé ajouté expliqué souligné
    indiqué dijo afirmó declaró señaló explicó añadió aseguró detto dichiarato affermato disse afirmou
    declarou zei zegt powiedział powiedziała заявив заявила сказав сказала зазначив зазначила додав
    додала заявил сказал отметил отметила добавил добавила
"""
"""`„…“, sagte Scholz`, `« … », a déclaré Borne`, `«…», — заявив Зеленський`: enough to attribute
quotes in the languages newsbrief meets most; their word order matches the English patterns."""

_SPEECH_VERBS = _speech_verbs() | frozenset(_OTHER_LANGUAGES_SPEECH_VERBS.split())

_ACCORDING = _word_set("selon según segundo laut")
"""`selon lui`, `según Sánchez`, `laut Scholz`: one word meaning `according to`."""

_AUXILIARIES = _word_set("a ha hat hatte har heeft")
"""`a déclaré`, `ha detto`, `hat gesagt`: the auxiliary before a speech verb in its perfect tense."""

_COORDINATORS = _word_set("and but then , yet so")

_CLAUSE_WORDS = _word_set(
    "and but or who whom which that because if when while as though although so after before since until where"
)

_PREPOSITIONS = _word_set("of for in on at to from with during after before via about into by")

_TIME_WORDS = _word_set(
    """
    monday tuesday wednesday thursday friday saturday sunday today yesterday tonight last this
    next earlier later
    """
)

# Common first names in the news (politics, business, world leaders): they tell `he` from `she`. A name
# not listed only leaves the gender to the text's own pronouns.
_FIRST_NAMES_MALE = _word_set(
    """
    donald bernie barack joe john mike michael ted marco jeb ben chris rand paul bill george
    james robert david richard mark jeff scott rick tim tom tony steve steven peter kevin brian
    jason eric newt mitt reince corey sean jim harry mitch rudy vladimir sergei boris emmanuel
    francois justin xi bashar recep benjamin narendra andrew daniel matthew joseph charles
    thomas william henry frank gary larry dennis jerry roger ron ronald walter carl keith
    kenneth jack ryan adam nick nicholas patrick samuel anthony brandon jonathan stephen
    alexander martin pete ed edward greg gregory roy bob bobby dick al
    """
)
_FIRST_NAMES_FEMALE = _word_set(
    """
    hillary carly sarah nancy elizabeth michelle kellyanne huma hope ivanka melania debbie jill
    mary patricia jennifer linda barbara susan jessica karen lisa betty margaret sandra ashley
    kimberly emily donna carol amanda melissa deborah stephanie rebecca laura sharon
    cynthia kathleen amy angela anna helen samantha katie kate christine catherine julie rachel
    heather maria marie diane alice joan judy janet megyn loretta condoleezza madeleine theresa
    marine nikki kamala tammy kirsten claire dianne gloria alicia
    """
)


class _Token(NamedTuple):
    """A word or punctuation mark and where it stands (a tuple: articles have tens of thousands)."""

    text: str
    start: int
    end: int
    lower: str

    @property
    def is_cap(self) -> bool:
        return self.text[:1].isupper()


def _tokens(text: str, offset: int = 0) -> list[_Token]:
    """Words and punctuation with offsets; a full stop stays on abbreviations and initials only.

    An article has tens of thousands of tokens: they are cut by `split` and measured by `accumulate`,
    not read from match objects one by one, which takes a third less time.
    """
    parts = _TOKEN.split(text)  # whitespace, token, whitespace, token, …, whitespace
    bounds = list(accumulate(map(len, parts), initial=offset))
    words, starts, ends = parts[1::2], bounds[1:-1:2], bounds[2::2]
    tokens = list(map(_Token._make, zip(words, starts, ends, map(str.lower, words), strict=True)))
    stopped = [i for i, word in enumerate(words) if word[-1] == "." and len(word) > 1 and not _keeps_stop(word)]
    for i in reversed(stopped):  # from the end, so that the indices still to come stay valid
        bare, start = words[i][:-1], starts[i]
        stop = start + len(bare)
        tokens[i : i + 1] = (_Token(bare, start, stop, bare.lower()), _Token(".", stop, stop + 1, "."))
    return tokens


def _keeps_stop(word: str) -> bool:
    bare = word[:-1]
    return (len(bare) == 1 and bare.isupper()) or "." in bare or bare.lower() in _ABBREVIATIONS or _is_party_state(bare)


def _is_party_state(word: str) -> bool:
    """`D-Minn`; the hyphen test first spares the pattern nearly every word."""
    return "-" in word and bool(_PARTY_STATE.match(word))


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


def _is_name_word(token: _Token) -> bool:
    return (
        token.is_cap
        and token.lower not in _NOT_NAMES
        and token.lower not in _SPEECH_VERBS
        and not _is_party_state(token.text.rstrip("."))
    )


def _is_title_word(word: str) -> bool:
    bare = _bare(word).lower()
    return bare in _TITLES or bare.endswith(_TITLE_ENDINGS)


def _strip_titles(words: list[str]) -> tuple[list[str], list[str]]:
    """Split `Senate Minority Leader Harry Reid` into (['Senate', 'Minority', 'Leader'], ['Harry', 'Reid'])."""
    last_title = max((k for k in range(len(words) - 1) if _is_title_word(words[k])), default=-1)
    return words[: last_title + 1], words[last_title + 1 :]


@dataclass(frozen=True, slots=True)
class _Speaker:
    """Who an attribution clause names: a name, a pronoun or a role phrase, and where it stands."""

    phrase: str
    kind: str  # "name", "pronoun" or "role"
    position: tuple[int, int]  # (paragraph, character) of the phrase


def _name_run_backward(tokens: list[_Token], end: int) -> tuple[int, int] | None:
    """The run of capitalised words ending at tokens[end - 1], as (start, end) indices; a possessive
    ends the run before it (`Iowa State University's Dianne Bystrom`)."""
    i = end
    while i > 0:
        token = tokens[i - 1]
        if i < end and _is_possessive(token.text):
            break
        if (
            _is_name_word(token)
            or token.lower in _SUFFIXES
            or (token.lower in _PARTICLES and i - 1 > 0 and _is_name_word(tokens[i - 2]) and i < end)
        ):
            i -= 1
        else:
            break
    while i < end and tokens[i].lower in _PARTICLES:
        i += 1
    return (i, end) if i < end else None


def _name_run_forward(tokens: list[_Token], start: int) -> tuple[int, int] | None:
    i = start
    while i < len(tokens):
        token = tokens[i]
        if _is_name_word(token) and token.lower not in _TIME_WORDS:
            i += 1
            if _is_possessive(token.text):
                break
        elif (token.lower in _SUFFIXES and i > start) or (
            token.lower in _PARTICLES and i > start and i + 1 < len(tokens) and _is_name_word(tokens[i + 1])
        ):
            i += 1
        else:
            break
    return (start, i) if i > start else None


def _speaker_from_words(
    tokens: list[_Token], start: int, end: int, paragraph: int, *, determiner: bool
) -> _Speaker | None:
    """Classify tokens[start:end] (a noun phrase standing next to a speech verb) as name or role."""
    words = [t.text for t in tokens[start:end]]
    if not words:
        return None
    position = (paragraph, tokens[start].start)
    if len(words) == 1 and words[0].lower() in _PRONOUNS:
        return _Speaker(words[0].lower(), "pronoun", position)
    last = tokens[end - 1]
    if not determiner and _is_name_word(last) and not _is_possessive(last.text):
        run = _name_run_backward(tokens, end)
        if run is not None:
            _titles, name = _strip_titles([t.text for t in tokens[run[0] : run[1]]])
            if name:
                return _Speaker(" ".join(name), "name", (paragraph, tokens[run[0]].start))
    if words[0].lower() in _DETERMINERS or determiner:
        return _Speaker(" ".join(words), "role", position)
    if all(t.is_cap for t in tokens[start:end]):
        return None
    if len(words) <= 3 and not any(_is_name_word(t) for t in tokens[start:end]):
        return _Speaker(" ".join(words), "role", position)  # `officials said`, `police said`
    return None


def _np_before_verb(tokens: list[_Token], verb: int, paragraph: int) -> _Speaker | None:
    """The subject that ends just before tokens[verb]: `Lavrov`, `he`, `the minister`,
    `Sergei Lavrov, Russia's foreign minister,` (the name before the appositive wins)."""
    end = verb
    skipped = 0
    while (
        end > 0
        and (tokens[end - 1].lower in _SKIPPABLE or tokens[end - 1].lower.endswith("ly"))
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
        if any(t.lower in _SPEECH_VERBS for t in inner):
            return None
        if inner and _name_run_forward(tokens, opening + 1) == (opening + 1, end - 1):
            # `Rep. Duncan Hunter's chief of staff, Joe Kasper, told`: the appositive is the name
            return _speaker_from_words(tokens, opening + 1, end - 1, paragraph, determiner=False)
        # `an intelligence source, who was not authorized to speak, told Fox News`
        return _np_before_verb(tokens, opening, paragraph)
    if end == 0:
        return None
    last = tokens[end - 1]
    if last.lower in _PRONOUNS:
        return _Speaker(last.lower, "pronoun", (paragraph, last.start))
    if _is_name_word(last) and not _is_possessive(last.text):
        run = _name_run_backward(tokens, end)
        if run is None:
            return None
        start = run[0]
        # keep role words just before the name (`White House spokesman Josh Earnest`) as titles
        while (
            start > 0 and start > run[0] - 3 and tokens[start - 1].text.isalpha() and tokens[start - 1].lower in _TITLES
        ):
            start -= 1
        return _speaker_from_words(tokens, start, end, paragraph, determiner=False)
    if last.lower in _PREPOSITIONS or last.lower in _CLAUSE_WORDS:
        return None  # `asserted his plans by saying`: no subject next to the verb
    # a role phrase: walk back to its determiner, across `in the room` to `a Democratic staffer`
    found = None
    j = end - 1
    while j >= max(0, end - MAX_ROLE_TOKENS):
        token = tokens[j]
        if token.lower in _STOP_IN_PHRASE or token.lower in _SPEECH_VERBS:
            break
        if token.lower in _DETERMINERS:
            found = j
            if j == 0 or tokens[j - 1].lower not in _PREPOSITIONS:
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
        and tokens[j - 1].lower not in _STOP_IN_PHRASE
        and tokens[j - 1].lower not in _SPEECH_VERBS
    ):
        j -= 1
    if j < end and (j == 0 or tokens[j - 1].text in {",", ".", "—", ";", ":"}):
        return _speaker_from_words(tokens, j, end, paragraph, determiner=False)
    return None


def _np_after_verb(tokens: list[_Token], start: int, paragraph: int) -> _Speaker | None:
    """The speaker written after the verb: `said Sergei Lavrov, Russia's…`, `said former Vermont governor
    Howard Dean`, `said a White House spokesman`, `said Clinton's spokesman, Brian Fallon`."""
    if start >= len(tokens):
        return None
    first = tokens[start]
    ends_phrase = start + 1 == len(tokens) or not tokens[start + 1].text[0].isalnum()
    if first.lower in _PRONOUNS or (first.lower in _OBJECT_PRONOUNS and ends_phrase):
        # `said he`, `according to her` (but `replied her colleague` is a role phrase)
        return _Speaker(_OBJECT_PRONOUNS.get(first.lower, first.lower), "pronoun", (paragraph, first.start))
    if _is_name_word(first):  # `said Jason Gilbert of Cheyenne`: the name ends the phrase
        run = _name_run_forward(tokens, start)
        if run is not None and not _is_possessive(tokens[run[1] - 1].text):
            return _speaker_from_words(tokens, run[0], run[1], paragraph, determiner=False)
    end = start
    while end < len(tokens) and end - start < MAX_ROLE_TOKENS + 3:
        token = tokens[end]
        if token.lower in _STOP_IN_PHRASE or token.lower in _SPEECH_VERBS or token.lower in _TIME_WORDS:
            break
        if token.lower in _PREPOSITIONS - {"of", "for"} or not token.text[0].isalnum():
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
        if run[0] == start or titles or (introduced and tokens[run[0] - 1].lower not in _DETERMINERS):
            return _speaker_from_words(tokens, run[0], run[1], paragraph, determiner=False)
    if end + 1 < len(tokens) and tokens[end].text == ",":  # `said the company's founder, Bill Gates.`
        named = _name_run_forward(tokens, end + 1)
        if named is not None and (named[1] == len(tokens) or not tokens[named[1]].text[0].isalnum()):
            return _speaker_from_words(tokens, named[0], named[1], paragraph, determiner=False)
    if (
        first.lower in _DETERMINERS
        or _is_possessive(tokens[end - 1].text)
        or any(_is_possessive(t.text) for t in tokens[start:end])
    ):
        return _Speaker(" ".join(t.text for t in tokens[start:end]), "role", (paragraph, first.start))
    if end - start <= 3 and not any(t.is_cap for t in tokens[start:end]):
        return _Speaker(" ".join(t.text for t in tokens[start:end]), "role", (paragraph, first.start))
    return None


def _verb_at(tokens: list[_Token], i: int) -> int:
    """Length in tokens of the speech verb at tokens[i] (2 for `according to`), 0 when there is none."""
    token = tokens[i]
    if token.lower == "according" and i + 1 < len(tokens) and tokens[i + 1].lower == "to":
        return 2
    if token.lower in _ACCORDING:
        return 1
    if token.lower == "put" and i + 1 < len(tokens) and tokens[i + 1].lower == "it":
        return 1  # `as Cornyn put it: “…”`
    if token.lower in {"shot", "fired"} and i + 1 < len(tokens) and tokens[i + 1].lower == "back":
        return 1  # `Bennett shot back`
    return 1 if token.lower in _SPEECH_VERBS else 0


def _speaker_follows(tokens: list[_Token], i: int) -> bool:
    """`according to Lavrov`, `selon lui`: the speaker comes after these, not before."""
    return tokens[i].lower == "according" or tokens[i].lower in _ACCORDING


@dataclass(frozen=True, slots=True)
class _Attribution:
    speaker: _Speaker | None
    end: int  # character offset in the paragraph where the attribution clause stops


def _attribution_after(text: str, start: int, stop: int, paragraph: int) -> _Attribution | None:
    """Parse `, Lavrov said`, `said Lavrov`, `, he added`, `according to him` right after a quote."""
    tokens = _tokens(text[start:stop], start)
    i = 0
    while i < len(tokens) and tokens[i].text in {",", "—", "–", ")", "-"}:
        i += 1
    if i >= len(tokens):
        return None
    if tokens[i].lower in _AUXILIARIES and i + 1 < len(tokens) and _verb_at(tokens, i + 1):
        i += 1  # `», a déclaré Élisabeth Borne`
    width = _verb_at(tokens, i)
    if width:
        j = i + width
        while j < len(tokens) and tokens[j].lower in {"also", "later", "then"}:
            j += 1
        speaker = _np_after_verb(tokens, j, paragraph)
        if speaker is None and tokens[i].lower in {"said", "says", "added", "adds"}:
            return None
        return _Attribution(speaker, _clause_end(tokens, j, stop))
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
            speaker = _np_before_verb(tokens, j, paragraph)
            if speaker is None:
                return None
            lead = [t for t in tokens[i:j] if t.start < speaker.position[1]]
            if lead[:1] and lead[0].lower == "as" and tokens[j].lower == "put":
                lead = lead[1:]  # `“…,” as Cornyn put it.`
            if any(t.lower in _CLAUSE_WORDS for t in lead):
                return None  # `, and then the senator said`: the verb belongs to another clause
            if _speaker_follows(tokens, j):
                speaker = _np_after_verb(tokens, j + _verb_at(tokens, j), paragraph) or speaker
            return _Attribution(speaker, _clause_end(tokens, j, stop))
    return None


def _clause_end(tokens: list[_Token], start: int, stop: int) -> int:
    for token in tokens[start:]:
        if token.text in {".", "?", "!", ";"}:
            return token.end
    return stop


_SENTENCE_BREAK = re.compile(r"[.?!](?:[”\"’)]*)\s+(?=[“\"‘(]?[A-Z0-9])")


def _attribution_before(text: str, start: int, stop: int, paragraph: int) -> _Attribution | None:
    """Parse `Lavrov said: `, `According to him, `, `He told reporters that ` just before a quote."""
    fragment = text[start:stop]
    if fragment.rstrip().endswith("."):
        return _closing_attribution(text, start, stop, paragraph)
    cut = _last_sentence_start(fragment)
    tokens = _tokens(fragment[cut:], start + cut)
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
        if body[j].lower.endswith("ing") and len(tail) > 2:
            continue  # `responding to Sanders’ description of …`: a participle, not the lead-in
        loose_tail = len(tail) > 1 or (len(tail) == 1 and tail[0].lower not in {"that", "it", "was"})
        if width == 1 and loose_tail and ending not in {":", ",", "—", "–"}:
            return None  # `said the city “condemns…”`: a partial quote inside reported speech
        if _speaker_follows(body, j) or (j == 0 and tail and _is_name_word(tail[0])):
            # `According to him, “…”`; `Said Comey, “…”`, `Continued Stone: “…”`
            speaker = _np_after_verb(body, j + width, paragraph)
        else:
            speaker = _np_before_verb(body, j, paragraph)
            if speaker is None and (
                body[j].lower.endswith("ing") or (j > 0 and body[j - 1].lower in _COORDINATORS | {"to"})
            ):
                # `Christie bristled, saying, “…”`; `Lazar said … and added, “…”`; `interjected to say:`
                speaker = _earlier_subject(body, j, paragraph)
        return _Attribution(speaker, stop)
    if ending == ":":
        # `Hannity interjected: “…”`, `Rep. Trey Gowdy (R-S.C.): “…”`: the sentence's subject speaks
        speaker = _subject_of_sentence(body, len(body), paragraph, opening_only=True)
        if speaker is not None and _followed_by_predicate(body, speaker):
            return _Attribution(speaker, stop)
    return None


def _closing_attribution(text: str, start: int, stop: int, paragraph: int) -> _Attribution | None:
    """`Iowa State University's Dianne Bystrom agreed. “…”`: a sentence that only names who speaks next."""
    sentence = text[start:stop].rstrip()
    if not sentence.endswith("."):
        return None
    cut = _last_sentence_start(sentence)
    tokens = _tokens(sentence[cut:-1], start + cut)
    verb = next(
        (k for k in range(len(tokens) - 1, 0, -1) if _verb_at(tokens, k) and not _speaker_follows(tokens, k)), None
    )
    if verb is None or len(tokens) - verb > MAX_CLOSING_TAIL or any(t.lower == "that" for t in tokens[verb:]):
        return None
    speaker = _np_before_verb(tokens, verb, paragraph)
    if speaker is None or speaker.kind != "name":
        return None
    # the name opens the sentence or the clause after an opening phrase (`In an interview, Clinton …`)
    lead = [t for t in tokens if t.start < speaker.position[1]]
    clause = lead[max((k + 1 for k, t in enumerate(lead) if t.text == ","), default=0) :]
    return _Attribution(speaker, stop) if all(t.is_cap or t.lower in _TITLES for t in clause) else None


def _earlier_subject(tokens: list[_Token], verb: int, paragraph: int) -> _Speaker | None:
    """The subject of the sentence's earlier speech verb (`Lazar said he … and added`), else its first."""
    for k in range(verb - 1, 0, -1):
        if _verb_at(tokens, k) and not _speaker_follows(tokens, k):
            speaker = _np_before_verb(tokens, k, paragraph)
            if speaker is not None:
                return speaker
    return _subject_of_sentence(tokens, verb, paragraph)


def _followed_by_predicate(tokens: list[_Token], speaker: _Speaker) -> bool:
    """`Cruz continued:` or `Rep. Trey Gowdy (R-S.C.):`, not `Like the page:` or `See the results:`."""
    index = next(k for k, t in enumerate(tokens) if t.start == speaker.position[1])
    after = index + len(speaker.phrase.split())
    if after >= len(tokens) or tokens[after].text == "(" or len(speaker.phrase.split()) > 1:
        return True
    word = tokens[after].lower
    return tokens[after].text.islower() and (word.endswith(("ed", "s")) or word in _SKIPPABLE)


def _subject_of_sentence(
    tokens: list[_Token], verb: int, paragraph: int, *, opening_only: bool = False
) -> _Speaker | None:
    """`Christie bristled at the suggestion, saying, “…”`: the sentence's first name or pronoun
    (with `opening_only`, only when the sentence begins with it)."""
    for k in range(verb):
        token = tokens[k]
        if opening_only and k > 0 and not (k == 1 and tokens[0].lower in _COORDINATORS):
            return None
        if token.lower in _PRONOUNS and token.lower not in {"it", "you"}:
            return _Speaker(token.lower, "pronoun", (paragraph, token.start))
        if _is_name_word(token):
            run = _name_run_forward(tokens, k)
            if run is None or (k > 0 and tokens[k - 1].lower in _DETERMINERS):
                return None  # `The Republican candidate …`: not a name
            if _is_possessive(tokens[run[1] - 1].text):  # `Ryan’s campaign shrugged it off, telling …`
                end = min(run[1] + 1, verb)
                phrase = " ".join(t.text for t in tokens[run[0] : end])
                return _Speaker(phrase, "role", (paragraph, token.start))
            return _speaker_from_words(tokens, run[0], run[1], paragraph, determiner=False)
    return None


def _last_sentence_start(text: str) -> int:
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
    words = [w for w in name.split() if w.lower() not in _SUFFIXES]
    return words[-1] if words else name


@dataclass(slots=True)
class _Cast:
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
        wanted = _PRONOUN_GENDER.get(pronoun)
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
        if word in _PREPOSITIONS:
            return words[:k]
    return words


def _gather_cast(paragraphs: Sequence[list[_Token]], speakers: list[_Speaker]) -> _Cast:
    """Find the people: names with a title, a known first name, or seen speaking; note genders and roles."""
    speaking = {s.phrase.split()[-1] for s in speakers if s.kind == "name"}
    cast = _Cast()
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
            honorific = next((_HONORIFIC_GENDER[t] for t in titles + leading[-1:] if t in _HONORIFIC_GENDER), None)
            introduced = [t for t in leading[-2:] if t in _TITLES] if leading[-1:] and leading[-1] in _TITLES else []
            is_person = (
                bool(titles)
                or honorific is not None
                or first in _FIRST_NAMES_MALE
                or first in _FIRST_NAMES_FEMALE
                or name[-1] in speaking
                or known
                or bool(introduced)
            )
            if is_person and name[-1].lower() not in _NOT_PEOPLE:
                person = cast.mention(" ".join(name), (index, tokens[run[0]].start))
                if honorific:
                    person.gender[honorific] += 2
                elif first in _FIRST_NAMES_MALE:
                    person.gender["m"] += 2
                elif first in _FIRST_NAMES_FEMALE:
                    person.gender["f"] += 2
                person.roles.update(_ROLE_ABBREVIATIONS.get(t, t) for t in titles + introduced)
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


def _capitals_and_stops(tokens: list[_Token]) -> list[int]:
    """Where a name can start (a capitalised word) or a sentence end: all that the search for people
    needs to visit. A name never runs over a sentence's end, so stepping past one loses none."""
    return [k for k, token in enumerate(tokens) if token.text[:1].isupper() or token.text in _SENTENCE_ENDS]


def _appositive_roles(tokens: list[_Token], after: int) -> set[str]:
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
        if token.lower in _SPEECH_VERBS or token.lower in _CLAUSE_WORDS or not token.text[0].isalnum():
            return set()
        words.append(token.lower)
    return set()


@dataclass(slots=True)
class _Sentence:
    tokens: list[_Token]
    start: int
    end: int = 0
    people: list[tuple[int, int, _Person]] = field(default_factory=list)  # (first token, end token, who)


def _note_pronoun_gender(sentence: _Sentence, following: _Sentence | None) -> None:
    """Learn a person's gender from how the text refers back to them: `Hale arrived late. He apologized`
    (the only person a sentence opens with, and the next sentence opens with `He`), or `Hale said he`."""
    tokens = sentence.tokens
    for _first, end, person in sentence.people:
        if end + 1 < sentence.end and tokens[end].lower in _SPEECH_VERBS and tokens[end + 1].lower in _PRONOUN_GENDER:
            person.gender[_PRONOUN_GENDER[tokens[end + 1].lower]] += 1
    if following is None or (following.people and following.people[0][0] == following.start):
        return
    if len({id(p) for _, _, p in sentence.people}) != 1 or sentence.people[0][0] > sentence.start + 2:
        return
    opening = following.tokens[following.start].lower if following.start < following.end else ""
    if opening in _PRONOUN_GENDER:
        sentence.people[0][2].gender[_PRONOUN_GENDER[opening]] += 1


# ----------------------------------------------------------------------------- finding quotes
@dataclass(slots=True)
class _Group:
    """Quoted spans that make one quotation, and what we know about who said it."""

    spans: list[_Span]
    texts: list[str]
    speaker: _Speaker | None = None
    attributed: bool = False
    statement_start: bool = False  # the first span opens a sentence (not embedded in narrative)
    introduced: bool = False  # `she added, “…”`: a speech verb and a comma or colon lead into it
    title: bool = False  # a headline followed by its byline

    def add(self, span: _Span, text: str, *, sentence_ended: bool) -> None:
        """Append the next part; `“…revolution,” Sanders said. “We will…”` reads `…revolution. We will…`."""
        if sentence_ended and self.texts[-1].endswith(",") and text[:1].isupper():
            self.texts[-1] = self.texts[-1][:-1] + "."
        self.spans.append(span)
        self.texts.append(text)

    @property
    def text(self) -> str:
        """The parts joined, without the comma that led into the attribution (`“…,” she said`)."""
        return " ".join(self.texts).removesuffix(",").rstrip()


_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
"""Japanese and Chinese characters: written without spaces, so each counts as a word."""


def _word_count(text: str) -> int:
    return len(re.findall(r"\w+", _UNSPACED.sub(" ", text))) + len(_UNSPACED.findall(text))


def _opens_capitalised(text: str) -> bool:
    """The first letter is a capital, or belongs to a script without case (Japanese, Arabic, Hebrew)."""
    letters = text.lstrip("…. [(-—‘'")
    first = letters[:1]
    return first.isupper() or (first.isalpha() and first.lower() == first.upper())


def _looks_like_statement(text: str) -> bool:
    """A quoted sentence, not a title, nickname or scare-quoted phrase."""
    if not _opens_capitalised(text) or _word_count(text) < MIN_STATEMENT_WORDS:
        return False
    words = re.findall(r"[^\W\d_][\w’'-]*", text)
    capitalised = sum(w[0].isupper() for w in words)
    has_punctuation = bool(re.search(r"[.,;:?!…]", text))
    # a headline or film title: every word capitalised and no punctuation inside
    return has_punctuation or capitalised < 0.6 * len(words)


def _starts_lowercase(text: str) -> bool:
    first = text.lstrip("…. [(-—‘'")[:1]
    return first.islower()


def _is_title(text: str) -> bool:
    words = [w for w in re.findall(r"[^\W\d_][\w’'-]*", text) if len(w) > 3]
    return bool(words) and all(w[0].isupper() for w in words) and not re.search(r"[.,;?!]", text)


def _opens_sentence(text: str, start: int, previous_end: int) -> bool:
    """The quotation begins its sentence, perhaps after a colon or an opening word (`Yet, “…”`)."""
    before = text[previous_end:start].rstrip()
    if not before or before[-1] in ".?!:;—–-(" or before.endswith(("…", ".”", '."')):
        return True
    sentence = re.split(r"[.?!:;]\s", before)[-1]
    return before.endswith(",") and len(sentence.split()) <= MAX_OPENING_WORDS


def _gap_is_clause(gap: str) -> bool:
    """The text between two quoted spans is one attribution clause (`, she said, ` or `, Ross said. `)."""
    core = gap.strip()
    one_sentence = _last_sentence_start(core) == 0 and ";" not in core  # `Ms. Ardern told reporters.`
    return bool(core) and one_sentence and len(core.split()) <= MAX_ATTRIBUTION_WORDS


@dataclass(slots=True)
class _SpanContext:
    """What surrounds one quoted span in its paragraph."""

    span: _Span
    inner: str  # the text inside the marks
    gap: str  # the text since the previous span (or the paragraph's start)
    gap_start: int
    opens: bool  # the quotation begins its sentence
    after: _Attribution | None  # `, Lavrov said` right after it
    closing: _Attribution | None  # `, Clinton said.` ending its sentence after words of the writer's own
    introduces: _Attribution | None  # a fragment's trailing `, Starr said,` belongs to the next quote
    byline: bool  # `“Pop-up art show opens,” by Eddie Small`: a headline


def _span_context(text: str, spans: list[_Span], position: int, paragraph: int) -> _SpanContext:
    span = spans[position]
    following = spans[position + 1].start if position + 1 < len(spans) else len(text)
    inner = span.inner(text)
    gap_start = spans[position - 1].end if position > 0 else 0
    opens = _opens_sentence(text, span.start, gap_start)
    # `Remarking on his "empathy," Starr said, "…"`: the clause after a fragment introduces the next
    # quotation; after a full stop inside the marks a new sentence begins
    fragment = _starts_lowercase(inner) and not opens
    after = (
        _attribution_after(text, span.end, following, paragraph) if span.closed and not inner.endswith(".") else None
    )
    closing = (
        _attribution_closing_sentence(text, span.end, following, paragraph)
        if after is None and span.closed and not fragment
        else None
    )
    return _SpanContext(
        span=span,
        inner=inner,
        gap=text[gap_start : span.start],
        gap_start=gap_start,
        opens=opens,
        after=None if fragment else after,
        closing=closing,
        introduces=after if fragment else None,
        byline=bool(_BYLINE.match(text, span.end)),
    )


def _names_someone(attribution: _Attribution) -> bool:
    return attribution.speaker is not None and attribution.speaker.kind == "name"


def _continues(context: _SpanContext, previous: _SpanContext | None) -> bool:
    """`“A,” she said, “B.”` and `“A,” Ross said. “B.”`: B goes on where A stopped."""
    if previous is None:
        return False
    if not context.gap.strip():
        return True
    return (
        previous.after is not None
        and context.after is None
        and _gap_is_clause(context.gap)
        and not context.gap.rstrip().endswith(":")
    )


class _Reader:
    """Reads an article paragraph by paragraph into quotation groups, carrying what it learns forward:
    a quotation left open at a paragraph's end, and who was speaking last."""

    def __init__(self, paragraphs: Sequence[str]) -> None:
        self.paragraphs = paragraphs
        self.spans = [_scan_paragraph(text, index) for index, text in enumerate(paragraphs)]
        self._tokens: list[list[_Token] | None] = [None] * len(paragraphs)  # tokenized when first needed
        self.groups: list[_Group] = []
        self.continuing: _Group | None = None  # open at the end of the previous paragraph
        self.last_speaker: _Speaker | None = None

    def tokens(self, index: int) -> list[_Token]:
        """The tokens of one paragraph: tokenizing is the costliest step, and many articles need none."""
        found = self._tokens[index]
        if found is None:
            found = self._tokens[index] = _tokens(self.paragraphs[index])
        return found

    def read(self) -> list[_Group]:
        # after the last paragraph with a quotation, reading would only follow who speaks, to no end
        last_quoting = max((index for index, spans in enumerate(self.spans) if spans), default=-1)
        for index in range(last_quoting + 1):
            found = self._read_paragraph(index)
            self.continuing = self._left_open(index, found)
            self._carry_speaker(index, found)
        return self.groups

    def _read_paragraph(self, index: int) -> list[_Group]:
        text, spans = self.paragraphs[index], self.spans[index]
        found: list[_Group] = []
        previous: _SpanContext | None = None
        for position in range(len(spans)):
            context = _span_context(text, spans, position, index)
            if self.continuing is not None and position == 0 and not context.gap.strip():
                group = self.continuing  # a quotation running on from the previous paragraph
                group.add(context.span, context.inner, sentence_ended=True)
                found.append(group)
            elif _continues(context, previous):
                group = found[-1]
                group.add(context.span, context.inner, sentence_ended=bool(re.search(r"[.?!]\s*$", context.gap)))
            else:
                group = self._start_group(index, position, context, previous)
                found.append(group)
                self.groups.append(group)
            if context.after is not None:
                group.speaker = group.speaker or context.after.speaker
                group.attributed = True
            elif context.closing is not None and _names_someone(context.closing):
                # `“I have made it clear…” and against the Brady law, Clinton said.`: it names who, but
                # the clause is about more than the quotation, so it neither joins nor keeps it
                group.speaker = group.speaker or context.closing.speaker
            previous = context
        return found

    def _start_group(self, index: int, position: int, context: _SpanContext, previous: _SpanContext | None) -> _Group:
        text = self.paragraphs[index]
        group = _Group([context.span], [context.inner], title=context.byline, statement_start=context.opens)
        before = _attribution_before(text, context.gap_start, context.span.start, index)
        before = before or (previous.introduces if previous is not None else None)
        if before is None and position == 0 and index > 0 and not context.gap.strip() and context.after is None:
            # `Cruz continued:` ending the paragraph before; a clause after the quotation comes first
            before = _lead_in(self.paragraphs[index - 1], self.spans[index - 1], index - 1)
        if before is not None:
            group.speaker, group.attributed = before.speaker, True
            group.introduced = context.gap.rstrip().endswith((",", ":"))
        return group

    def _left_open(self, index: int, found: list[_Group]) -> _Group | None:
        """The quotation that runs on into the next paragraph: news style leaves it open and opens the
        next paragraph with a mark. A fragment left open is a typo, not a run-on quotation."""
        spans = self.spans[index]
        if not found or not spans or spans[-1].closed or _starts_lowercase(found[-1].texts[0]):
            return None
        following = index + 1
        if following == len(self.paragraphs) or not self.spans[following]:
            return None
        return found[-1] if not self.paragraphs[following][: self.spans[following][0].start].strip() else None

    def _carry_speaker(self, index: int, found: list[_Group]) -> None:
        """A quotation standing alone goes on with the last speaker; narrative between ends that."""
        for group in found:
            if group.speaker is None and not group.attributed and group is not self.continuing:
                group.speaker = self.last_speaker if group.statement_start else None
            if group.speaker is not None:
                self.last_speaker = group.speaker
        if found:
            return
        reported = _reported_speaker(self.tokens(index), index)
        if reported is not None:
            self.last_speaker = reported
        elif not self.spans[index] and index > 0 and len(self.paragraphs[index]) >= SHORT_PARAGRAPH_CHARS:
            self.last_speaker = None


def find_quotes(paragraphs: Sequence[str]) -> list[Quote]:
    """Return every direct quotation in the article, in article order, with its speaker when known.

    Args:
        paragraphs: the article's paragraphs, in order.

    Returns:
        Quotes whose text is without the marks; a quotation split around its attribution, or running
        over several paragraphs, is one quote (its parts joined with a space).
    """
    reader = _Reader(paragraphs)
    groups = reader.read()
    kept = [group for group in groups if _keep(group, " ".join(group.texts))]
    if any(group.speaker for group in kept):
        all_tokens = [reader.tokens(index) for index in range(len(paragraphs))]
        cast = _gather_cast(all_tokens, [g.speaker for g in groups if g.speaker is not None])
    else:
        cast = _Cast()  # the people in the article matter only to name a speaker: no need to find them
    quotes = []
    for group in kept:
        speaker = _resolve(group.speaker, cast) if group.speaker else None
        quotes.append(Quote(group.text, speaker, group.spans[0].paragraph))
    return quotes


_BYLINE = re.compile(r"\s*,?\s*by\s+[A-Z]")


def _attribution_closing_sentence(text: str, start: int, stop: int, paragraph: int) -> _Attribution | None:
    """`, Clinton said.` closing the sentence that a quotation opens, after words of the writer's own."""
    sentence_end = re.search(r"[.?!](?=\s|$)", text[start:stop])
    end = start + sentence_end.end() if sentence_end else stop
    for comma in range(end - 1, start, -1):
        if text[comma] == ",":
            found = _attribution_after(text, comma, end, paragraph)
            if found is not None and found.end >= end - 1:
                return found
            break  # only the clause after the sentence's last comma can be its attribution
    return None


def _lead_in(text: str, spans: list[_Span], paragraph: int) -> _Attribution | None:
    """`Cruz continued:` closing the paragraph before a paragraph that is a quotation."""
    if not text.rstrip().endswith(":"):
        return None
    start = spans[-1].end if spans else 0
    return _attribution_before(text, start, len(text.rstrip()), paragraph)


def _reported_speaker(tokens: list[_Token], paragraph: int) -> _Speaker | None:
    """`Lavrov said the talks had failed.`: who is speaking in a paragraph without quotation marks."""
    for j, token in enumerate(tokens[:40]):
        if token.lower in _SPEECH_VERBS and j > 0:
            speaker = _np_before_verb(tokens, j, paragraph)
            return speaker if speaker is not None and speaker.kind != "role" else None
    return None


def _keep(group: _Group, text: str) -> bool:
    """Keep quotations of speech; drop titles, labels and fragments woven into the writer's sentence."""
    words = _word_count(text)
    if group.title or (_is_title(text) and words < 2 * MIN_STATEMENT_WORDS):
        return False
    if _starts_lowercase(text) and not group.statement_start and not group.introduced:
        # `voted no because “they put some unnecessary stuff in that bill”`: reported speech with
        # quoted words (on PolNeAR three in four of these are not annotated as quotations)
        return False
    if group.attributed:
        # a one-word answer (`“Absolutely,” he said`) is speech; a one-word label is not
        exclamation = _opens_capitalised(text) and text[-1:] in {",", ".", "!", "?"}
        return words >= MIN_ATTRIBUTED_WORDS or exclamation
    return group.statement_start and _looks_like_statement(text)


def _resolve(speaker: _Speaker, cast: _Cast) -> str | None:
    if speaker.kind == "name":
        return cast.full_name(speaker.phrase, speaker.position)
    if speaker.kind == "pronoun":
        return cast.resolve_pronoun(speaker.phrase, speaker.position)
    return cast.resolve_role(speaker.phrase, speaker.position) or speaker.phrase


# ----------------------------------------------------------------------------- key quotes
_WORD = re.compile(r"\w+")


def _quote_words(text: str) -> list[str]:
    return list(map(str.lower, _WORD.findall(text)))


_RatedSentences = dict[int, list[tuple[list[str], float]]]
"""The summarizer's sentences with words, as (words, score) lists keyed by paragraph."""


def _rated_sentences(ranking: Sequence[RankedSentence], paragraphs: set[int]) -> _RatedSentences:
    """The words of each ranked sentence in `paragraphs`, found once and filed by paragraph: scoring every
    quote against every sentence otherwise costs seconds on a 300,000-character article with a thousand
    quotes."""
    rated: _RatedSentences = {}
    for sentence in ranking:
        if sentence.paragraph not in paragraphs:
            continue
        words = _quote_words(sentence.text)
        if words:
            rated.setdefault(sentence.paragraph, []).append((words, sentence.score))
    return rated


def _rating_paragraphs(quote: Quote) -> range:
    """The paragraphs whose sentences can rate a quote: its first and QUOTE_RATING_PARAGRAPHS after."""
    return range(quote.paragraph, quote.paragraph + QUOTE_RATING_PARAGRAPHS + 1)


def _quote_score(quote: Quote, rated: _RatedSentences) -> float:
    """The best rating among the summarizer's sentences that lie mostly inside the quotation."""
    words = set(_quote_words(quote.text))
    best = 0.0
    for paragraph in _rating_paragraphs(quote):
        for sentence_words, score in rated.get(paragraph, ()):
            inside = sum(w in words for w in sentence_words) / len(sentence_words)
            if inside >= SENTENCE_OVERLAP:
                best = max(best, score)
    return best


def _is_named(speaker: str | None) -> bool:
    """`Sergei Lavrov`, not `a White House spokesman`, `Ryan’s campaign` or `the White House`."""
    words = (speaker or "").split()
    return bool(words) and words[0].lower() not in _DETERMINERS and words[-1][:1].isupper()


def _key_tier(quote: Quote) -> int:
    """0: a full statement by a named person; 1: by a role (`a White House spokesman`); 2: a short line
    by a named person; 3 (used only when nothing better exists): no speaker, or neither."""
    full = _word_count(quote.text) >= KEY_QUOTE_MIN_WORDS and _looks_like_statement(quote.text)
    named = _is_named(quote.speaker)
    if full and quote.speaker:
        return 0 if named else 1
    return 2 if named else FALLBACK_TIER


def _near_duplicate(a: Quote, b: Quote) -> bool:
    words_a, words_b = set(_quote_words(a.text)), set(_quote_words(b.text))
    if not words_a or not words_b:
        return False
    return len(words_a & words_b) / min(len(words_a), len(words_b)) >= DUPLICATE_OVERLAP


def select_key_quotes(
    quotes: Sequence[Quote], ranking: Sequence[RankedSentence], *, limit: int = 3
) -> tuple[Quote, ...]:
    """Pick the few quotations a reader should see: full statements by named people first, then by how
    highly the summarizer rates the sentences they stand in; never two that say the same thing.

    Args:
        quotes: the article's quotes, as `find_quotes` returns them.
        ranking: the article's sentences with their importance, from the summarizer.
        limit: at most this many quotes (at least 1).

    Returns:
        Up to `limit` quotes, the most important first; at least one when there are any quotes.
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    if not quotes:
        return ()
    near_quotes = {paragraph for quote in quotes for paragraph in _rating_paragraphs(quote)}
    rated = _rated_sentences(ranking, near_quotes)
    tiers = [_key_tier(quote) for quote in quotes]
    candidates = sorted(
        range(len(quotes)),
        key=lambda i: (tiers[i], -_quote_score(quotes[i], rated), quotes[i].paragraph),
    )
    chosen: list[Quote] = []
    for i in candidates:
        quote = quotes[i]
        if chosen and tiers[i] >= FALLBACK_TIER:
            break
        if not any(_near_duplicate(quote, other) for other in chosen):
            chosen.append(quote)
        if len(chosen) == limit:
            break
    return tuple(chosen)

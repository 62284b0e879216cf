"""Direct quotations in an article, who said them, and which few matter most.

Pure rules over the text: quotation marks are paired per paragraph (so one stray mark cannot swallow
the rest of the article), quoted stretches that belong together are joined, and the speaker is read
from the attribution clause next to the quote (`“…,” Lavrov said`, `said Lavrov`, `Lavrov said: “…”`,
`according to him`). Pronouns and role nouns are resolved to the people the article names.

Three modules: this one pairs the marks, joins the stretches, keeps quotations of speech and picks
the key quotes; `bot.news.quote_speakers` reads attributions and the people an article names;
`bot.news.quote_words` holds the word lists both read.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bot.news.cleanup import bounded_paragraphs
from bot.news.models import Quote, RankedSentence
from bot.news.quote_speakers import (
    Attribution,
    Cast,
    Speaker,
    Token,
    attribution_after,
    attribution_before,
    gather_cast,
    last_sentence_start,
    np_before_verb,
    tokenize,
)
from bot.news.quote_words import DETERMINERS, SPEECH_VERBS

LOGGER = logging.getLogger(__name__)

# ----------------------------------------------------------------------------- tuning
MIN_STATEMENT_WORDS = 5
"""An unattributed quotation shorter than this is a scare quote, a title or a slogan, not a statement.
(On PolNeAR, F1 moves by under 0.002 from 4 to 7; 5 keeps a standalone `“We will not back down.”`.)"""

MIN_PARTIAL_QUOTE_WORDS = 5
"""A quotation woven into the writer's sentence (`Moore thanked him for “…”`) is a clause of the speaker's
at this length; shorter ones are labels and scare quotes. (PolNeAR quotes F1 is flat from 4 to 6.)"""

MIN_ATTRIBUTED_WORDS = 2
"""Next to a speech verb, one word is speech only as an answer (`“Absolutely,” he said`); otherwise it is
a label (`called it “treason”`)."""

MAX_ATTRIBUTION_WORDS = 24
"""`“…,” said Jim Hodges, a former governor and a Clinton backer. “…”`: the longest clause between two
quoted stretches that still only says who speaks, so that the stretches are one quotation."""

MAX_OPENING_WORDS = 2
"""`Yet, “…”`, `In fact, “…”`: a word or two before a comma still leaves the quotation opening its
sentence; more is the writer's own clause, and a lower-case quotation after it is a fragment."""

SHORT_PARAGRAPH_CHARS = 40
"""A paragraph shorter than this (a dateline, `___.`, a photo credit) between quotations does not end
the last speaker's turn; a longer one without quotes or speech verbs does."""

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

MAX_QUOTED_CHARS = 100_000
"""Quotations are looked for in the article's first this many characters: 15,000 words, three times
the longest PolNeAR article (34,000 characters), and news quotes its key voices early. Reading a
300,000-character text with a thousand quotations took 0.3 s, a third of the time to brief it."""

MAX_KEY_QUOTE_CANDIDATES = 20
"""Quotes rated against the summarizer's sentences to pick the key ones: the first of the best tiers
(see `_key_tier`), in article order. News puts its key quotes early, three are picked, and rating
every quote of a 300,000-character text with a thousand of them took 0.25 s."""
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


# ----------------------------------------------------------------------------- finding quotes
@dataclass(slots=True)
class _Group:
    """Quoted spans that make one quotation, and what we know about who said it."""

    spans: list[_Span]
    texts: list[str]
    speaker: Speaker | None = None
    attributed: bool = False
    statement_start: bool = False  # the first span opens a sentence (not embedded in narrative)
    introduced: bool = False  # `she added, “…”`: a speech verb and a comma or colon lead into it
    title: bool = False  # a headline followed by its byline
    woven: bool = False  # `Trump says “the whole game…”`: the writer's sentence runs into the quotation
    named: bool = False  # `called it “…”`: the object of a naming verb
    ends_sentence: bool = False  # the quotation ends its sentence

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
    one_sentence = last_sentence_start(core) == 0 and ";" not in core  # `Ms. Ardern told reporters.`
    return bool(core) and one_sentence and len(core.split()) <= MAX_ATTRIBUTION_WORDS


@dataclass(slots=True)
class _SpanContext:
    """What surrounds one quoted span in its paragraph."""

    span: _Span
    inner: str  # the text inside the marks
    gap: str  # the text since the previous span (or the paragraph's start)
    gap_start: int
    opens: bool  # the quotation begins its sentence
    after: Attribution | None  # `, Lavrov said` right after it
    closing: Attribution | None  # `, Clinton said.` ending its sentence after words of the writer's own
    introduces: Attribution | None  # a fragment's trailing `, Starr said,` belongs to the next quote
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
    after = attribution_after(text, span.end, following, paragraph) if span.closed and not inner.endswith(".") else None
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


def _names_someone(attribution: Attribution) -> bool:
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
        self._tokens: list[list[Token] | None] = [None] * len(paragraphs)  # tokenized when first needed
        self.groups: list[_Group] = []
        self.continuing: _Group | None = None  # open at the end of the previous paragraph
        self.last_speaker: Speaker | None = None
        self.closing_group: _Group | None = None  # the quotation that ended the previous paragraph

    def tokens(self, index: int) -> list[Token]:
        """The tokens of one paragraph: tokenizing is the costliest step, and many articles need none."""
        found = self._tokens[index]
        if found is None:
            found = self._tokens[index] = tokenize(self.paragraphs[index])
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
            elif position == 0 and (going_on := self._goes_on(context)) is not None:
                group = going_on
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
        self.closing_group = found[-1] if found and self._ends_paragraph(text, previous) else None
        return found

    def _ends_paragraph(self, text: str, context: _SpanContext | None) -> bool:
        """The paragraph ends with its last quotation and, at most, the attribution of it."""
        if context is None or not context.span.closed:
            return False
        end = context.after.end if context.after is not None else context.span.end
        return not text[end:].strip(" .,")

    def _goes_on(self, context: _SpanContext) -> _Group | None:
        """`“…,” Trump said.` and then a paragraph that is a quotation without an attribution of its own:
        the same speaker goes on, and it is one quotation (news style closes the marks at the end of an
        attributed paragraph). On PolNeAR, joining them raised quotes F1 from 0.899 to 0.905."""
        group = self.closing_group
        if group is None or group.speaker is None or context.gap.strip() or context.after is not None:
            return None
        return group

    def _start_group(self, index: int, position: int, context: _SpanContext, previous: _SpanContext | None) -> _Group:
        text = self.paragraphs[index]
        group = _Group([context.span], [context.inner], title=context.byline, statement_start=context.opens)
        before = attribution_before(text, context.gap_start, context.span.start, index)
        before = before or (previous.introduces if previous is not None else None)
        if before is None and position == 0 and index > 0 and not context.gap.strip() and context.after is None:
            # `Cruz continued:` ending the paragraph before; a clause after the quotation comes first
            before = _lead_in(self.paragraphs[index - 1], self.spans[index - 1], index - 1)
        if before is not None:
            group.speaker, group.attributed = before.speaker, True
            group.introduced = context.gap.rstrip().endswith((",", ":"))
            # `X said that … “…”` is reported speech quoting words of it; `X says “…”` and `called it
            # “…”` give the words as said (on PolNeAR the first is rarely a quotation, the others are)
            lead = context.gap.split()[-1:]
            group.named = before.partial
            group.woven = group.named or (not group.introduced and lead != ["that"])
            closing = text[context.span.end : context.span.end + 1]
            group.ends_sentence = context.span.closed and (
                context.inner.endswith((".", "!", "?")) or closing in {"", ".", "!", "?"}
            )
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
    """Return every direct quotation in the article (its first MAX_QUOTED_CHARS), in article order,
    with its speaker when known.

    Args:
        paragraphs: the article's paragraphs, in order.

    Returns:
        Quotes whose text is without the marks; a quotation split around its attribution, or running
        over several paragraphs, is one quote (its parts joined with a space).
    """
    paragraphs = bounded_paragraphs(paragraphs, MAX_QUOTED_CHARS)
    reader = _Reader(paragraphs)
    groups = reader.read()
    kept = [group for group in groups if _keep(group, " ".join(group.texts))]
    if any(group.speaker for group in kept):
        all_tokens = [reader.tokens(index) for index in range(len(paragraphs))]
        cast = gather_cast(all_tokens, [g.speaker for g in groups if g.speaker is not None])
    else:
        cast = Cast()  # the people in the article matter only to name a speaker: no need to find them
    quotes = []
    for group in kept:
        speaker = _resolve(group.speaker, cast) if group.speaker else None
        quotes.append(Quote(group.text, speaker, group.spans[0].paragraph))
    return quotes


_BYLINE = re.compile(r"\s*,?\s*by\s+[A-Z]")


def _attribution_closing_sentence(text: str, start: int, stop: int, paragraph: int) -> Attribution | None:
    """`, Clinton said.` closing the sentence that a quotation opens, after words of the writer's own."""
    sentence_end = re.search(r"[.?!](?=\s|$)", text[start:stop])
    end = start + sentence_end.end() if sentence_end else stop
    for comma in range(end - 1, start, -1):
        if text[comma] == ",":
            found = attribution_after(text, comma, end, paragraph)
            if found is not None and found.end >= end - 1:
                return found
            break  # only the clause after the sentence's last comma can be its attribution
    return None


def _lead_in(text: str, spans: list[_Span], paragraph: int) -> Attribution | None:
    """`Cruz continued:` closing the paragraph before a paragraph that is a quotation."""
    if not text.rstrip().endswith(":"):
        return None
    start = spans[-1].end if spans else 0
    return attribution_before(text, start, len(text.rstrip()), paragraph)


def _reported_speaker(tokens: list[Token], paragraph: int) -> Speaker | None:
    """`Lavrov said the talks had failed.`: who is speaking in a paragraph without quotation marks."""
    for j, token in enumerate(tokens[:40]):
        if token.lower in SPEECH_VERBS and j > 0:
            speaker = np_before_verb(tokens, j, paragraph)
            return speaker if speaker is not None and speaker.kind != "role" else None
    return None


def _keep(group: _Group, text: str) -> bool:
    """Keep quotations of speech; drop titles, labels and fragments woven into the writer's sentence."""
    words = _word_count(text)
    if group.title or (_is_title(text) and words < 2 * MIN_STATEMENT_WORDS):
        return False
    if group.named or (group.woven and _starts_lowercase(text) and not group.statement_start):
        # `Trump says “the whole game has become screwed up.”`, `called his plan “a blatant abuse of
        # power.”`: a partial quotation is the speaker's when it is a clause ending the sentence; a word
        # or two (`called it “treason”`) is a label
        return group.speaker is not None and words >= MIN_PARTIAL_QUOTE_WORDS and group.ends_sentence
    if _starts_lowercase(text) and not group.statement_start and not group.introduced:
        # `voted no because “they put some unnecessary stuff in that bill”`: quoted words in the
        # writer's own sentence, with no one said to say them (on PolNeAR three in four of these are
        # not annotated as quotations)
        return False
    if group.attributed:
        # a one-word answer (`“Absolutely,” he said`) is speech; a one-word label is not
        exclamation = _opens_capitalised(text) and text[-1:] in {",", ".", "!", "?"}
        return words >= MIN_ATTRIBUTED_WORDS or exclamation
    return group.statement_start and _looks_like_statement(text)


def _resolve(speaker: Speaker, cast: Cast) -> str | None:
    if speaker.kind == "name":
        return cast.full_name(speaker.phrase, speaker.position)
    if speaker.kind == "pronoun":
        return cast.resolve_pronoun(speaker.phrase, speaker.position)
    return cast.resolve_role(speaker.phrase, speaker.position) or speaker.phrase


# ----------------------------------------------------------------------------- key quotes
_WORD = re.compile(r"\w+")


def _quote_words(text: str) -> list[str]:
    return list(map(str.lower, _WORD.findall(text)))


_RatedSentences = dict[int, list[tuple[Counter[str], int, float]]]
"""The summarizer's sentences as (word counts, number of words, score) lists keyed by paragraph."""


def _rated_sentences(ranking: Sequence[RankedSentence], paragraphs: set[int]) -> _RatedSentences:
    """The words of each ranked sentence in `paragraphs`, counted once and filed by paragraph: scoring every
    quote against every sentence otherwise costs seconds on a 300,000-character article with a thousand
    quotes."""
    rated: _RatedSentences = {}
    for sentence in ranking:
        if sentence.paragraph not in paragraphs:
            continue
        words = _quote_words(sentence.text)
        if words:
            rated.setdefault(sentence.paragraph, []).append((Counter(words), len(words), sentence.score))
    return rated


def _rating_paragraphs(quote: Quote) -> range:
    """The paragraphs whose sentences can rate a quote: its first and QUOTE_RATING_PARAGRAPHS after."""
    return range(quote.paragraph, quote.paragraph + QUOTE_RATING_PARAGRAPHS + 1)


def _quote_score(quote: Quote, rated: _RatedSentences) -> float:
    """The best rating among the summarizer's sentences that lie mostly inside the quotation."""
    words = set(_quote_words(quote.text))
    best = 0.0
    for paragraph in _rating_paragraphs(quote):
        for counts, length, score in rated.get(paragraph, ()):
            inside = sum(map(counts.__getitem__, counts.keys() & words)) / length
            if inside >= SENTENCE_OVERLAP:
                best = max(best, score)
    return best


def _is_named(speaker: str | None) -> bool:
    """`Sergei Lavrov`, not `a White House spokesman`, `Ryan’s campaign` or `the White House`."""
    words = (speaker or "").split()
    return bool(words) and words[0].lower() not in DETERMINERS and words[-1][:1].isupper()


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
    tiers = [_key_tier(quote) for quote in quotes]
    considered = sorted(range(len(quotes)), key=lambda i: tiers[i])[:MAX_KEY_QUOTE_CANDIDATES]  # stable
    near_quotes = {paragraph for i in considered for paragraph in _rating_paragraphs(quotes[i])}
    rated = _rated_sentences(ranking, near_quotes)
    candidates = sorted(
        considered,
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

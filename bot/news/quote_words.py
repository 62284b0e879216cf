"""The word lists the quotation finder reads: speech verbs, titles, name particles, pronouns.

Pure data, kept apart from the rules in `bot.news.quote_speakers` and `bot.news.quotes` that read them.
"""

from __future__ import annotations

import re


def _word_set(words: str) -> frozenset[str]:
    """A word list written as one whitespace-separated string, as a set."""
    return frozenset(words.split())


PARTY_STATE = re.compile(r"^[DRI]-[A-Z][a-z]{1,4}$")
"""`Sen. Amy Klobuchar (D-Minn.)`: the full stop of a party-state label does not end the sentence."""

TOKEN = re.compile(r"(\w+(?:[’'.\-]\w+)*\.?|[^\w\s])", re.UNICODE)
"""A word (with its full stop, if any) or one punctuation mark; captured so that `split` keeps them."""

ABBREVIATIONS = _word_set(
    """
    mr mrs ms dr prof sen rep gov gen lt col capt adm sgt rev hon st jr sr maj cmdr supt insp
    pres sec atty no vs inc corp co ltd jan feb mar apr jun jul aug sep sept oct nov dec
    """
)

HONORIFIC_GENDER = {
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

TITLES = _word_set(
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

TITLE_ENDINGS = ("minister", "ministerin", "präsident", "präsidentin", "kanzler", "kanzlerin")
"""German compounds (`Finanzminister Lindner`, `Bundeskanzler Scholz`) are titles too."""

PARTICLES = _word_set(
    """
    de da di du del der den van von la le al el bin ibn ter dos das st.
    """
)
SUFFIXES = frozenset(["jr", "jr.", "sr", "sr.", "ii", "iii", "iv"])

NOT_NAMES = _word_set(
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

NOT_PEOPLE = NOT_NAMES | _ORGANIZATION_WORDS

ROLE_ABBREVIATIONS = {
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

OBJECT_PRONOUNS = {
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

PRONOUN_GENDER = {"he": "m", "she": "f"}
PRONOUNS = frozenset(["he", "she", "they", "i", "we", "it", "you"])

DETERMINERS = _word_set(
    """
    the a an one another his her their its our some several two three
    """
)

STOP_IN_PHRASE = _word_set(
    """
    who whom which that whose when where while because although though if as and but or , . ; :
    ? ! “ ” " ( ) — –
    """
)

SKIPPABLE = _word_set(
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

SPEECH_VERBS = _speech_verbs() | frozenset(_OTHER_LANGUAGES_SPEECH_VERBS.split())

ACCORDING = _word_set("selon según segundo laut")
"""`selon lui`, `según Sánchez`, `laut Scholz`: one word meaning `according to`."""

AUXILIARIES = _word_set("a ha hat hatte har heeft")
"""`a déclaré`, `ha detto`, `hat gesagt`: the auxiliary before a speech verb in its perfect tense."""

COORDINATORS = _word_set("and but then , yet so")

CLAUSE_WORDS = _word_set(
    "and but or who whom which that because if when while as though although so after before since until where"
)

PREPOSITIONS = _word_set("of for in on at to from with during after before via about into by")

TIME_WORDS = _word_set(
    """
    monday tuesday wednesday thursday friday saturday sunday today yesterday tonight last this
    next earlier later
    """
)

# Common first names in the news (politics, business, world leaders): they tell `he` from `she`. A name
# not listed only leaves the gender to the text's own pronouns.
FIRST_NAMES_MALE = _word_set(
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
FIRST_NAMES_FEMALE = _word_set(
    """
    hillary carly sarah nancy elizabeth michelle kellyanne huma hope ivanka melania debbie jill
    mary patricia jennifer linda barbara susan jessica karen lisa betty margaret sandra ashley
    kimberly emily donna carol amanda melissa deborah stephanie rebecca laura sharon
    cynthia kathleen amy angela anna helen samantha katie kate christine catherine julie rachel
    heather maria marie diane alice joan judy janet megyn loretta condoleezza madeleine theresa
    marine nikki kamala tammy kirsten claire dianne gloria alicia
    """
)

_NAMING_VERB_BASES = "call dub label brand term deem describe characterize characterise"
NAMING_VERBS = frozenset(form for base in _NAMING_VERB_BASES.split() for form in _inflections(base))
"""`called it “a blatant abuse of power”`, `describing the plan as “…”`: verbs that name or judge what
they take as object; a quotation after them is the subject's words when it is a clause, not a label."""

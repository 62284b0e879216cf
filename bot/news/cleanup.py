"""Drop what a summary reader skips from an article's paragraphs, whichever way they were found.

trafilatura (favor_precision) is good at finding the article block, but sites put things inside that
block which are not the story: "Read also" headlines between paragraphs, donation and newsletter
appeals, photo captions and credits, share and cookie prompts, and the headline and date repeated at
the top. Those lines would end up in summaries, so `clean_paragraphs` removes them; plain-text input
goes through the same rules. Every rule looks at one short, standalone paragraph and a phrase that
only boilerplate uses, so a sentence of real reporting that merely mentions a newsletter or a photo
is kept.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

LOGGER = logging.getLogger(__name__)

__all__ = [
    "bounded_paragraphs",
    "clean_paragraphs",
    "ends_sentence",
    "is_dateline",
    "normalize_paragraph",
    "word_count",
    "word_tokens",
    "written_date",
]

MIN_SENTENCE_WORDS = 8
"""An article has at least one paragraph this long that ends like a sentence; menus and link lists
are made of headlines, which do not."""

CHARS_PER_WORD = 6
"""Average length of a word with its space and punctuation in English and most European languages.
Scripts written without spaces (Chinese, Japanese) are measured in characters divided by this, so a
long Japanese paragraph is not mistaken for a short line."""

HEADER_MAX_PARAGRAPHS = 5
"""The headline, kicker, byline, date and reading time that pages repeat above the story fit in
this many leading paragraphs."""

HEADER_LINE_WORDS = 15
"""A leading paragraph longer than this is the story itself, which ends the header."""

HEADLINE_MAX_WORDS = 20
"""Related-story headlines listed under a "Related" or "Don't miss" label are shorter than this."""

RELATED_BLOCK_MAX = 10
"""A related-stories list stops after this many headlines even if more headline-like lines follow."""

TITLE_PREFIX_MIN_WORDS = 5
"""A line that starts like the headline is its repeat (with or without the site name the <title>
appends) only when they share this many words; shorter section headings share a prefix by chance."""

TITLE_OVERLAP = 0.5
"""Jaccard overlap of words above which a headline-like line at the top rewords the headline
("Julian Assange: Sweden drops rape investigation" for "Sweden drops Assange rape investigation")."""

TRAILING_HEADLINES_MIN = 2
TRAILING_HEADLINE_MIN_WORDS = 3
"""Two or more labelled headlines of three words or more after the story's end are links to other
stories; one alone may be the article's last subheading."""

BOX_TITLE_MAX_WORDS = 6
"""A heading right above a donation or newsletter appeal this short is the appeal box's title."""


SENTENCE_END = (".", "!", "?", "…", "。", "！", "？", "।", "۔", "؟", '"', "”", "»", "'", "’", ")")
"""Marks that end a sentence, the closing quotes and brackets that may follow one included: Latin,
CJK, Devanagari and Bengali (daṇḍa), Arabic and Urdu."""

# ----------------------------------------------------------------------------- text helpers

# Soft hyphens and zero-width characters split words for the summarizer; lone surrogates (from
# text decoded with errors="surrogateescape") cannot even be encoded for Discord.
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff\ud800-\udfff]")
# Pull-quote plugins append a button label to a sentence of the article: keep the sentence.
_TWEET_BUTTON = re.compile(r"\s*\b(?:click to tweet|tweet this)\W*$", re.IGNORECASE)
_TOKEN = re.compile(r"\w+", re.UNICODE)
_DIGITS = re.compile(r"\d+")


def normalize_paragraph(paragraph: str) -> str:
    """One line of plain text: no invisible characters, single spaces, NFC, no "Click to Tweet" button."""
    # str.split() splits on exactly the characters that \s matches, and NFC neither makes nor
    # removes white space, so this equals collapsing runs of \s to one space, NFC, then strip().
    paragraph = " ".join(_INVISIBLE.sub("", paragraph).split())
    # Searching for the button costs more than the rest together; the lowercase test is exact, since
    # only "T", "W" and "E" match "t", "w" and "e" without case. The search runs on collapsed white
    # space: its leading \s* retried at every space of a run costs the square of the run (a page's
    # 470,000 spaces of indentation took 12 minutes).
    if "tweet" in paragraph.lower():
        paragraph = _TWEET_BUTTON.sub("", paragraph)
    return unicodedata.normalize("NFC", paragraph)


def word_count(paragraph: str) -> int:
    """Length in words, counting unspaced scripts by characters (see CHARS_PER_WORD)."""
    return max(len(paragraph.split()), len(paragraph) // CHARS_PER_WORD)


def word_tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.casefold())


def ends_sentence(paragraph: str) -> bool:
    """The paragraph ends like a sentence (a table row's closing '|' aside)."""
    return paragraph.rstrip(" |").endswith(SENTENCE_END)


# ----------------------------------------------------------------------------- boilerplate rules


@dataclass(frozen=True, slots=True)
class _Rule:
    """A kind of boilerplate: how such a paragraph opens or a phrase anywhere in it, and the longest
    paragraph it may remove.

    The clean-up's time goes into these searches, so each kind is searched as cheaply as it can be
    without changing what it finds. `re.search` tries every alternative of a pattern at every
    character, even those anchored with "^": the openings are kept apart and tried at the start
    only. The phrases are searched only when the paragraph holds one of the rule's key words, which
    every phrase contains: a plain search for a few words is several times faster than a
    case-insensitive one for dozens of phrases, and most paragraphs hold none of them.
    """

    name: str
    max_words: int
    opening: re.Pattern[str] | None
    phrase: re.Pattern[str] | None
    key_words: tuple[str, ...]
    any_key_word: re.Pattern[str] | None
    """Finds a key word in the lowercase paragraph whenever `phrase` can match the paragraph."""

    def matches(self, paragraph: str, lowercase: str | None) -> bool:
        """`lowercase` is paragraph.lower(), or None when that cannot stand in for a case-blind search."""
        if self.opening is not None and self.opening.match(paragraph):
            return True
        if self.phrase is None or self.any_key_word is None:
            return False
        if lowercase is not None and not self.any_key_word.search(lowercase):
            return False
        return self.phrase.search(paragraph) is not None


def caseless(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE | re.UNICODE)


def _rule(
    name: str,
    max_words: int,
    *,
    opens: tuple[str, ...] = (),
    contains: tuple[str, ...] = (),
    key_words: tuple[str, ...] = (),
) -> _Rule:
    """A rule from the patterns a paragraph may open with and the phrases it may contain anywhere.

    `opens` are matched at the start of the paragraph, as if each began with "^". Whatever a phrase
    of `contains` matches holds one of `key_words` (lowercase plain text) in some letter case.
    """
    if bool(contains) != bool(key_words) or any(word != word.lower() for word in key_words):
        raise ValueError(f"rule {name!r}: phrases need lowercase key words, and key words need phrases")
    # A guard against a phrase added without its key word (it would never be searched): each phrase
    # must at least spell one of them. That every match holds one is for the author to see to, and
    # tests/news/test_cleanup.py drops an example of each.
    unkeyed = [phrase for phrase in contains if not any(word in phrase.lower() for word in key_words)]
    if unkeyed:
        raise ValueError(f"rule {name!r}: no key word in {unkeyed}")
    return _Rule(
        name,
        max_words,
        opening=caseless("|".join(opens)) if opens else None,
        phrase=caseless("|".join(contains)) if contains else None,
        key_words=key_words,
        any_key_word=re.compile("|".join(map(re.escape, key_words))) if key_words else None,
    )


_CASE_SPECIAL = re.compile("[\u0130\u0131\u017f\u1c80-\u1c88]")
"""Letters that re.IGNORECASE matches to a letter of a key word although str.lower() does not turn
them into it: dotted and dotless I (for i), long s (for s), and the old forms of Cyrillic в, д, о, с,
т, ъ, ѣ and ꙋ. A paragraph holding one is searched in full. A test checks this list against `re`."""


# Labels that introduce links to other stories. Strong ones never open a sentence of reporting, so
# text may follow them directly ("Читайте також Зеленський ..."); weak ones are ordinary words and
# count only when alone or followed by a separator ("Related: ...", "MORE:").
_STRONG_READ_ALSO = (
    r"read (?:also|next)|also read|read more|see also|see more|don'?t miss|must read|"
    r"you (?:may|might) (?:also )?(?:like|enjoy|be interested in)|"
    r"more (?:on|about) this (?:story|topic)|(?:also on|auch auf|aussi sur|también en) [\w.-]+\.\w+|"
    # uk, ru
    r"читайте (?:також|также|ещё|еще|більше)|також читайте|також дивіться|дивіться також|"
    r"читайте нас|смотрите также|"
    # de, fr, es, pt, it, pl
    r"lesen sie (?:auch|mehr|hier)|mehr zum thema|auch interessant|"
    r"(?:das|das thema|dies) könnte (?:sie|dich|euch) auch interessieren|"
    r"weitere (?:artikel|beiträge|themen|nachrichten)(?: zum thema)?|zum weiterlesen|"
    r"(?:à|a) lire (?:aussi|également)|lire aussi|voir aussi|sur le même sujet|"
    r"lee también|leer también|lea también|vea también|ver también|te puede interesar|le puede interesar|"
    r"leia (?:também|mais)|veja também|saiba mais|leggi anche|"
    r"czytaj (?:też|także|więcej)|zobacz (?:też|także)|dowiedz się więcej"
)
_WEAK_READ_ALSO = (
    r"related(?: (?:stories|story|articles?|posts?|content|coverage|reading|links|news|topics?))?|"
    r"recommended(?: (?:stories|articles?|for you|reading))?|more(?: stories| news| from [\w' ]{1,30})?|"
    r"trending(?: now)?|most (?:read|popular|viewed)|top stories|latest(?: news| stories)?|"
    r"watch|listen|in pictures|further reading|"
    r"по темі|по теме|на тему|також|читайте|schon gelesen\?|lire|leer|leia|leggi"
)
_SEPARATOR = r"\s*(?:[:|>»›—–\]]|-\s|$)"
_READ_ALSO = caseless(rf"^\W{{0,3}}(?:(?:{_STRONG_READ_ALSO})\b\W*|(?:{_WEAK_READ_ALSO}){_SEPARATOR}\W*)(?P<rest>.*)$")
_NETWORKS = (
    r"twitter|facebook|instagram|youtube|tiktok|telegram|linkedin|threads|bluesky|mastodon|whatsapp|"
    r"viber|\s@\w|https?://|www\."
)
# An author's initials and the agency under a story: "aja/PAP", "kna/epd".
_AGENCY_CREDIT = re.compile(r"^\W*[a-zäöü]{2,5}(?:\s*/\s*[a-zäöü]{2,5})*\s*/\s*[A-Z]{2,8}\W*$")
# A read-more link left at the end of a teaser paragraph: "… Akcja Katolicka w Polsce. [czytaj więcej]".
_TRAILING_READ_MORE = caseless(
    r"\s*\[(?:read more|more|czytaj (?:więcej|dalej)|weiterlesen|mehr|leer más|lire la suite|leia mais)\W*\]\s*$"
)
# Tabloid link lists end each headline with a bracketed all-caps tag: "Plane quarantined [NEWS]".
_TAGGED_HEADLINE = re.compile(r"\[[A-Z][A-Z ]{2,15}\]\W{0,3}$")

_RULES: tuple[_Rule, ...] = (
    _rule(
        "appeal",
        80,
        # Imperatives and first-person phrasing: reporting says "residents can sign up", not "Sign up".
        opens=(
            r"\W*(?:sign up|subscribe) (?:for|to) (?:our |the |my |a )?(?:free )?(?:[\w+'’-]+ ){0,4}?"
            r"(?:newsletters?|e-?mails?|alerts|briefings?|digest|channel|podcast)\b",
            r"\W*(?:sign up|subscribe)(?: (?:now|today|here))?\W*$",
            # the heading of a sign-up box: "Pick Six Newsletter", "Our newsletters"
            r"[^.!?]{0,40}\bnewsletters?\W*$",
        ),
        contains=(
            r"\bbecome an? (?:patron|subscriber|supporter)\b",
            r"\bbecome an? (?:\w+ )?member (?:today|now|of (?:our|the \w+) (?:community|club))\b",
            r"\bsupport (?:our|my) (?:\w+ )?(?:journalism|reporting|newsroom|work)\b",
            r"\bsupport us (?:today|now|on patreon|by)\b",
            r"\b(?:please|consider) (?:make|making|give|giving) an? (?:donation|contribution)\b",
            r"\bif you (?:enjoyed|liked|value|appreciate) (?:this|our) "
            r"(?:article|story|journalism|reporting|work|content|coverage|site)\b",
            r"\balready a (?:subscriber|member)\b",
            r"\b(?:log|sign) ?in to (?:continue|read|keep reading)\b",
            r"\bsubscribe to (?:continue|keep) reading\b",
            r"\bcreate a free account\b",
            r"\bthis (?:article|content|story) is (?:only )?(?:for|available to|reserved for) (?:subscribers|members)",
            # uk, ru, de, fr, es, pt
            r"\bпідпи(?:шіться|суйтеся|суйтесь)\b",
            r"\bпідтримайте (?:нас|наш|нашу|незалежн)",
            r"\bподпи(?:шитесь|сывайтесь)\b",
            r"\bподдержите (?:нас|наш|нашу|независим)",
            r"\bnewsletter (?:abonnieren|bestellen)\b",
            r"\babonnieren sie\b",
            r"\bunterstützen sie (?:uns|unseren|unabhängigen)\b",
            r"\babonnez-vous\b",
            r"\binscrivez-vous\b",
            r"\bsoutenez(?:-nous| notre| le journalisme)\b",
            r"\bsuscr[ií]b(?:ete|ase)\b",
            r"\bapóyanos\b",
            r"\bassine (?:já|agora)\b",
            r"\binscreva-se\b",
        ),
        key_words=(
            "become",
            "support",
            "donation",
            "contribution",
            "if you",
            "in to",
            "subscribe",
            "create a",
            "member",
            # uk, ru, de, fr, es, pt
            "підпи",
            "підтримайте",
            "подпи",
            "поддержите",
            "newsletter",
            "abonnieren",
            "unterstützen",
            "abonnez",
            "inscri",
            "soutenez",
            "suscr",
            "apóyanos",
            "assine",
            "inscreva",
        ),
    ),
    # Sign-up phrases that embeds also inject into a longer paragraph ("... SIGN UP FOR OUR
    # NEWSLETTER — Donald J. Trump (@realDonaldTrump)"): only a short paragraph is all appeal.
    _rule(
        "appeal",
        30,
        # A paragraph that opens by telling the reader to sign up or get the app: "Subscribe now to our
        # eNATION edition for the full story", "For the latest stories … download the Nationnews apps".
        # A list item ("- Sign up for the bundle with your Hulu e-mail") is a step of the article's own.
        opens=(
            r"(?![-•*]\s)\W*(?:sign up|subscribe)\b(?!\s+(?:was|were|is|are|has|had|will)\b)",
            r"(?![-•*]\s)\W*(?:download|get) (?:the|our)\b.{0,40}\bapps?\b",
            r"(?![-•*]\s)\W*for the latest\b.{0,60}\b(?:download|subscribe|sign up|follow)\b",
        ),
        contains=(
            r"\b(?:sign up|subscribe) (?:for|to) (?:our|my)\b",
            r"\b(?:get|receive) our\b.{0,40}\bnewsletters?\b",
            r"\bnewsletters? sign[- ]?up\b",
            r"\b(?:straight |directly )?(?:to|into) your inbox\b",
            r"\bclick here to subscribe\b",
            r"\bdonate (?:now|today|here)\b",
        ),
        key_words=("sign up", "subscribe", "newsletter", "your inbox", "donate"),
    ),
    # The site telling the reader how it earns from the links in the story: a disclosure, not the story.
    _rule(
        "disclosure",
        60,
        contains=(
            r"\baffiliate[- ]links?\b",
            r"\b(?:post|article|page) contains (?:references to products|affiliate|sponsored)\b",
            r"\bone or more of our advertisers\b",
            r"\badvertisers do not influence\b",
            r"\bwe (?:may )?(?:earn|receive|get) (?:a )?(?:small )?(?:commission|fee)\b",
            r"\b(?:erhalten|bekommen) wir (?:eine )?(?:kleine )?provision\b",
        ),
        key_words=("affiliate", "contains", "advertisers", "commission", "fee", "provision"),
    ),
    _rule(
        "cookies",
        60,
        opens=(
            r"\W*(?:accept|allow|reject|manage) (?:all )?cookies\b",
            r"\W*cookie (?:policy|settings|preferences)\W*$",
        ),
        contains=(
            r"\bwe use cookies\b",
            r"\b(?:this|our) (?:web)?site uses cookies\b",
            r"\bby (?:continuing to (?:use|browse)|using) (?:this|our) (?:site|website)\b",
            r"\bwir verwenden cookies\b",
            r"\bnous utilisons (?:des )?cookies\b",
            r"\butilizamos cookies\b",
            r"\bмы используем (?:файлы )?cookie",
            r"\bми використовуємо (?:файли )?cookie",
        ),
        key_words=("cookie", "site"),
    ),
    _rule(
        "share",
        30,
        opens=(
            r"\W*(?:share|share this(?: article| story| page| post)?|share on \w+|tweet|e-?mail|"
            r"print(?: this)?(?: article| story| page)?|(?:order )?reprints?(?: (?:&|and) permissions)?|"
            r"save(?: article| for later)?|gift(?: this)? article|copy link|pin it|whatsapp|facebook|twitter|"
            r"linkedin|поділитися|поделиться|teilen|partager|compartir)\W*$",
        ),
        contains=(r"\bshare (?:it|this(?: article| story)?) with (?:a friend|your friends)\b",),
        key_words=("share",),
    ),
    _rule(
        "social",
        50,
        opens=(
            rf"\W*(?:follow|підписуйтесь|подписывайтесь|folgen sie|suivez)\s.{{0,120}}(?:{_NETWORKS})",
            r"\W*(?:find|join|like) us (?:on|at)\b",
        ),
        # the site's own channel on a network: "¡Mira lo que tiene nuestro canal de YouTube!"
        contains=(
            r"\b(?:our|nuestro|nosso|notre|unser(?:en)?) (?:canal|channel|kanal|chaîne)\b.{0,40}"
            r"\b(?:youtube|telegram|whatsapp|tiktok|instagram)\b",
        ),
        key_words=("youtube", "telegram", "whatsapp", "tiktok", "instagram"),
    ),
    _rule(
        "caption",
        40,
        opens=(
            r"\W*(?:photo(?:graph)?s?|pictures?|pics?|images?|illustrations?|credits?|"
            r"фото|світлина|ілюстрація|иллюстрация|fotos?|bild(?:quelle)?|titelbild|beitragsbild|"
            r"crédits?(?: photos?)?|imagen|fotografía)\s*(?:by\b|credit\b|:|©|/)",
            r"\W*(?:image|media) (?:copyright|caption)\b",
            r"\W*(?:titelbild|beitragsbild|aufmacherbild)\W*$",
            # a numbered figure's caption: "Abbildung 4: klassische Schwachschicht.", "Fig. 2 - The pier"
            r"\W*(?:figure|fig\.|abbildung|abb\.|grafik|bild|image|illustration)\s*\d+[a-z]?\s*[:.–—-]\s",
        ),
        contains=(
            r"\((?:[\w.'’ -]{0,30} )?(?:photo|photograph|image|pic|credit|фото|foto)s?\s*(?:[:/]|by\b)[^)]{0,80}\)\W*$",
            # an agency at the very end, with no full stop: "Smoke over Kyiv. Photo: Reuters"
            r"\b(?:getty images|shutterstock(?:\.com)?|alamy(?: stock photo)?|istock(?:photo)?)[)\]\s]*$",
            r"[/|]\s*(?:[\w.'’-]+ ){0,3}(?:reuters|afp|ap|epa(?:-efe)?|dpa|xinhua|anadolu|tass|bloomberg|"
            r"pa|уніан|укрінформ|тасс|риа новости)[)\]\s]*$",
            r"(?<!\w)©",  # not the "Ã©" of mis-decoded text
        ),
        key_words=("(", "getty images", "shutterstock", "alamy", "istock", "/", "|", "©"),
    ),
    _rule(
        "legal",
        60,
        opens=(r"\W*(?:©|copyright\s*(?:©|\(c\)|\d{4})|\(c\) \d{4})",),
        contains=(
            r"\ball rights reserved\b",
            r"\bfor your personal,? non-commercial use only\b",
            r"\bmay not be (?:published|reproduced|copied),? (?:broadcast|rewritten|redistributed)",
            r"\bissn:? \d{4}-\d{3}[\dx]\b",
            "усі права захищені",
            "все права защищены",
            "alle rechte vorbehalten",
            "tous droits réservés",
            "todos los derechos reservados",
        ),
        key_words=("rights reserved", "non-commercial", "may not be", "issn", "права", "rechte", "droits", "derechos"),
    ),
    _rule(
        "credits",
        40,
        opens=(
            r"\W*(?:additional |further )?(?:reporting|writing) by\b.*\b(?:editing|edited|writing) by\b",
            r"\W*additional reporting by\b",
        ),
        contains=(r"\bcontributed (?:reporting|to this (?:report|story|article))\b[^.]{0,40}\W*$",),
        key_words=("contributed",),
    ),
    _rule("source", 12, opens=(r"\W*(?:source|sources|quelle|джерело|источник|fuente|fonte)\s*:",)),
    _rule(
        "label",
        40,
        opens=(
            r"\W*(?:advertisement|advertising|sponsored(?: content)?|ad|\d+\s+comments?|comments?|"
            r"show comments|view comments|leave a comment|tags|topics|loading\.*|continue reading|"
            r"story continues below(?: advertisement)?|skip ad|listen to this article|"
            r"tell us what you think\W*|what do you think\??|join the (?:conversation|discussion)|"
            r"comments are closed|реклама|коментарі|комментарии|anzeige|werbung|kommentare|keine kommentare|"
            r"wird geladen|teilen mit|bewerten|publicité|"
            r"commentaires|publicidad|comentarios|publicidade|comentários|pubblicità)\W*$",
            r"\W*(?:tags|topics|filed under|categories|category|теги|мітки|теми|темы|schlagwörter|"
            r"schlagworte|étiquettes|etiquetas)\s*:",
            # an advertisement marked as one, with its text: "ANZEIGE - Heute mal ausgehen?", "*Werbung. …"
            r"\W*(?:advertisement|sponsored|anzeige|werbung|publicité|publicidad|publicidade|pubblicità|реклама)"
            r"\s*[-–—:.,|]\s",
        ),
    ),
    _rule(
        "reading_time",
        10,
        opens=(
            r"\W*(?:reading time|read time|tempo de leitura|tiempo de lectura|lesezeit|temps de lecture|"
            r"час читання|время (?:чтения|прочтения))\W*\d",
            r"\W*\d+\s*(?:min(?:ute)?s?|minutos?|minuten|хв(?:илин[иа]?)?|мин(?:ут[аы]?)?)\.?"
            r"\s+(?:read|de leitura|de lectura|lesezeit|читання|чтения)\W*$",
        ),
    ),
    # Bare links stay: in link-list articles they are the content. A lone e-mail address or social
    # profile is the author's contact line.
    _rule(
        "address",
        12,
        opens=(
            r"\W*(?:[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?:https?://)?(?:www\.)?(?:twitter|x|facebook|instagram)\.com/\S+)\W*$",
        ),
    ),
    _rule("address", 15, opens=(r"\W*(?:write to|contact|e-?mail|reach)\b.{0,60}\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\W*$",)),
)

# Top-of-body repeats: dates, bylines and "updated" stamps.
_MONTH_NAMES = (
    "jan(?:uary)?|januar|janvier|enero|janeiro|січня|января",
    "feb(?:ruary)?|februar|février|febrero|fevereiro|лютого|февраля",
    "mar(?:ch)?|märz|mars|marzo|março|березня|марта",
    "apr(?:il)?|avril|abril|квітня|апреля",
    "may|mai|mayo|maio|травня|мая",
    "june?|juni|juin|junio|junho|червня|июня",
    "july?|juli|juillet|julio|julho|липня|июля",
    "aug(?:ust)?|août|agosto|серпня|августа",
    "sept?(?:ember)?|septembre|septiembre|setembro|вересня|сентября",
    "oct(?:ober)?|oktober|octobre|octubre|outubro|жовтня|октября",
    "nov(?:ember)?|novembre|noviembre|novembro|листопада|ноября",
    "dec(?:ember)?|dezember|décembre|diciembre|dezembro|грудня|декабря",
)
"""Month names (en, de, fr, es, pt, and uk/ru in the genitive that dates use), January first."""
MONTHS_PATTERN = "|".join(_MONTH_NAMES)
_MONTH = tuple(caseless(rf"\b(?:{names})\b") for names in _MONTH_NAMES)
_NUMERIC_DATE = re.compile(r"\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b|\b\d{4}[./-]\d{1,2}[./-]\d{1,2}\b")
_DATE = caseless(
    rf"{_NUMERIC_DATE.pattern}|\b\d{{1,2}}:\d{{2}}\b|"
    rf"\b(?:{MONTHS_PATTERN})\.?\s+\d{{1,2}}\b|\b\d{{1,2}}\.?\s+(?:de\s+)?(?:{MONTHS_PATTERN})\b"
)
_STAMP = caseless(
    r"\b\d+\s+(?:hours?|hrs?|minutes?|mins?|days?)\s+ago\b|"
    r"^\W*(?:updated|published|posted|last (?:updated|modified)|опубліковано|оновлено|опубликовано|"
    r"обновлено|veröffentlicht|aktualisiert|publié|mis à jour|publicado|actualizado|atualizado)\b"
)
# The name after "By" must be capitalized, which tells "By Jane Doe" from "By the end of May".
_BYLINE = re.compile(r"^\W*(?i:by|von|par|por|di|door|автор(?:ка)?|від|от)\s+[A-ZА-ЯІЇЄҐ]")
_BYLINE_MAX_WORDS = 10


_YEAR = r"(?P<year>(?:19|20)\d\d)"
_DAY = r"(?P<day>[0-3]?\d)"
_MONTH_WORD = rf"(?P<month_name>{MONTHS_PATTERN})\.?"
_WRITTEN_DATES = (
    caseless(rf"\b{_MONTH_WORD}\s+{_DAY}(?:st|nd|rd|th)?,?\s+{_YEAR}\b"),  # Jun 10, 2025
    caseless(rf"\b{_DAY}(?:st|nd|rd|th)?\.?\s+(?:de\s+)?{_MONTH_WORD}(?:\s+de)?,?\s+{_YEAR}\b"),  # 10 June 2025
    re.compile(rf"\b{_YEAR}-(?P<month>[01]?\d)-{_DAY}\b"),  # 2025-06-10
    re.compile(rf"\b{_DAY}\.(?P<month>[01]?\d)\.{_YEAR}\b"),  # 10.06.2025
)
_DATELINE_FILLER = caseless(
    rf"{_DATE.pattern}|\b(?:19|20)\d\d\b|\b(?:[ap]\.?m\.?|gmt|utc|bst|cet|cest|est|edt|pst|pdt|at|on|am|um|uhr|le|el|de|h|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun)\b|"
    rf"{_STAMP.pattern}|[^\w\s]+"
)


def written_date(text: str) -> date | None:
    """The first full date written out in `text` ("Jun 10, 2025", "10 June 2025", "2025-06-10",
    "10.06.2025"), or None. Slashed dates are left alone: 06/10/2025 is June in one country and
    October in another."""
    for pattern in _WRITTEN_DATES:
        for match in pattern.finditer(text):
            found = match.groupdict()
            if found.get("month_name"):
                month = next(k for k, names in enumerate(_MONTH, 1) if names.fullmatch(found["month_name"]))
            else:
                month = int(found["month"])
            try:
                return date(int(found["year"]), month, int(found["day"]))
            except ValueError:
                continue
    return None


def is_dateline(line: str) -> bool:
    """The line holds a date and little else: "Jun 10, 2025 - 14:02", "Updated 10 June 2025, 09:15 BST"."""
    if word_count(line) > HEADER_LINE_WORDS or written_date(line) is None:
        return False
    return not _DATELINE_FILLER.sub(" ", line).split()


APPEAL_MIN_PLEAS = 2
"""A paragraph longer than the appeal rules' limits is still an appeal when it makes this many distinct
pleas (`if you value our reporting`, `please consider making a donation`, `support our journalism`):
a donation box of 130 words is all plea, where a story about a charity drive quotes one at most."""


def _pleads(rule: _Rule, paragraph: str, lowercase: str | None) -> bool:
    """The paragraph holds APPEAL_MIN_PLEAS different phrases of an appeal rule."""
    if rule.phrase is None or rule.any_key_word is None:
        return False
    if lowercase is not None and not rule.any_key_word.search(lowercase):
        return False
    pleas = {match.group(0).casefold() for match in rule.phrase.finditer(paragraph)}
    return len(pleas) >= APPEAL_MIN_PLEAS


def _boilerplate_rule(paragraph: str, words: int) -> str | None:
    """Name the rule that marks this standalone paragraph of `words` words as boilerplate, or None if it is text."""
    # The key-word test reads the lowercase text in place of a case-blind search (see _CASE_SPECIAL).
    lowercase = None if _CASE_SPECIAL.search(paragraph) else paragraph.lower()
    for rule in _RULES:
        if words <= rule.max_words and rule.matches(paragraph, lowercase):
            return rule.name
        if rule.name == "appeal" and words > rule.max_words and _pleads(rule, paragraph, lowercase):
            return rule.name
    if words <= HEADLINE_MAX_WORDS and _TAGGED_HEADLINE.search(paragraph):
        return "read_also"
    if words <= _BYLINE_MAX_WORDS and _AGENCY_CREDIT.match(paragraph):
        return "credits"
    return None


def _read_also_rest(paragraph: str, words: int) -> str | None:
    """For a "Read also: ..." line return what follows the label ('' for a bare label), else None."""
    if words > HEADLINE_MAX_WORDS * 2:
        return None
    match = _READ_ALSO.match(paragraph)
    return match.group("rest").strip() if match else None


def _is_headline_like(paragraph: str, words: int) -> bool:
    """A related-story link: short and not a sentence (headlines may end in '?' or a quote)."""
    return words <= HEADLINE_MAX_WORDS and not paragraph.rstrip().endswith((".", ":", ";", "…", "。"))


def _is_box_title(paragraph: str) -> bool:
    """A short heading, such as the title of the sign-up or donation box that follows it."""
    return word_count(paragraph) <= BOX_TITLE_MAX_WORDS and not ends_sentence(paragraph)


def _repeats_title(paragraph: str, title_tokens: list[str]) -> bool:
    """The paragraph is the headline, perhaps without the site name the <title> appends."""
    if not title_tokens:
        return False
    tokens = word_tokens(paragraph)
    if tokens == title_tokens:
        return True
    shorter = min(len(tokens), len(title_tokens))
    return (
        shorter >= TITLE_PREFIX_MIN_WORDS
        and tokens[:shorter] == title_tokens[:shorter]
        and abs(len(tokens) - len(title_tokens)) <= TITLE_PREFIX_MIN_WORDS
    )


def _resembles_title(paragraph: str, title_tokens: list[str]) -> bool:
    """A headline-like line with mostly the headline's words: the page's other wording of it."""
    if not title_tokens or not _is_headline_like(paragraph, word_count(paragraph)):
        return False
    tokens, title_set = set(word_tokens(paragraph)), set(title_tokens)
    return len(tokens & title_set) >= TITLE_OVERLAP * len(tokens | title_set)


def _mentions_date(paragraph: str, published: date | None) -> bool:
    """The line holds the publication date (any written form), or any date when that is unknown."""
    if published is None:
        return bool(_DATE.search(paragraph))
    # Knowing the date, require its day and month: "22 April – Velopark" in a list of race dates
    # published on 22 January is content. A day either side allows for time zones.
    numbers = {int(digits) for digits in _DIGITS.findall(paragraph) if len(digits) <= 4}
    if not numbers & {published.day - 1, published.day, published.day + 1}:
        return False
    numeric_month = published.month in numbers and bool(_NUMERIC_DATE.search(paragraph))
    return numeric_month or bool(_MONTH[published.month - 1].search(paragraph))


def _is_stamp(paragraph: str, published: date | None) -> bool:
    """A dateline, byline, "Updated ..." or reading-time line of the kind pages put above the story."""
    words = word_count(paragraph)
    if words > HEADER_LINE_WORDS:
        return False
    if _mentions_date(paragraph, published) or _STAMP.search(paragraph):
        return True
    return words <= _BYLINE_MAX_WORDS and bool(_BYLINE.match(paragraph))


def _header_repeats(paragraphs: list[str], title: str | None, published: date | None) -> set[int]:
    """Indexes of the headline, date and byline repeated above the story."""
    title_tokens = word_tokens(title) if title else []
    repeats: set[int] = set()
    for index, paragraph in enumerate(paragraphs[:HEADER_MAX_PARAGRAPHS]):
        if (
            _repeats_title(paragraph, title_tokens)
            or _resembles_title(paragraph, title_tokens)
            or _is_stamp(paragraph, published)
        ):
            repeats.add(index)
        elif word_count(paragraph) > HEADER_LINE_WORDS:
            break
    return repeats


def _unglued(paragraph: str, title: str) -> str:
    """The paragraph without the headline run into its start: a page that puts the headline and the
    first sentence in one block loses the line between them ("… at the AMAs after all A row involving
    …"), and the headline, without a full stop, would open the first sentence."""
    if not paragraph.startswith(title) or ends_sentence(title) or word_count(title) < TITLE_PREFIX_MIN_WORDS:
        return paragraph
    rest = paragraph[len(title) :]
    if rest[:1] == " " and rest[1:2].isupper():
        return rest.strip()
    return paragraph


def clean_paragraphs(
    paragraphs: Iterable[str], *, title: str | None = None, published: date | None = None
) -> list[str]:
    """Keep the paragraphs a reader of the story wants, dropping the boilerplate sites mix in.

    Args:
        paragraphs: the article's paragraphs in order, from trafilatura or plain text.
        title: the headline, so that its repeat at the top of the body can be dropped.
        published: the publication date, which helps recognize the dateline at the top.

    Returns:
        The remaining paragraphs, whitespace-normalized, without immediate repeats.
    """
    normalized = [
        _TRAILING_READ_MORE.sub("", text) if text.endswith("]") else text
        for text in (normalize_paragraph(paragraph) for paragraph in paragraphs)
        if text
    ]
    if title:
        normalized[:HEADER_MAX_PARAGRAPHS] = [
            _unglued(paragraph, title) for paragraph in normalized[:HEADER_MAX_PARAGRAPHS]
        ]
    kept: list[str] = []
    previous: tuple[str, ...] = ()
    in_related_list = False
    in_keyword_list = False
    related_left = 0
    header = _header_repeats(normalized, title, published)
    title_tokens = word_tokens(title) if title else []
    previous_dropped = True
    for index, paragraph in enumerate(normalized):
        words = word_count(paragraph)
        tokens = word_tokens(paragraph)
        if index in header or (title_tokens and tokens == title_tokens):
            rule: str | None = "header"
        else:
            rule = _boilerplate_rule(paragraph, words)
        rest = _read_also_rest(paragraph, words) if rule is None else None
        if rest is not None:
            rule = "read_also"
        # Headlines listed under a bare "Related" label, or list items under a "Related: ..." one.
        if (
            rule is None
            and related_left > 0
            and _is_headline_like(paragraph, words)
            and (in_related_list or paragraph.startswith(("- ", "• ", "* ")))
        ):
            rule = "related_list"
        if rule is None and in_keyword_list and "," in paragraph and not ends_sentence(paragraph):
            rule = "label"
        if rule is not None:
            LOGGER.debug("dropped %s paragraph: %.80s", rule, paragraph)
            if rule == "appeal" and not previous_dropped and kept and _is_box_title(kept[-1]):
                LOGGER.debug("dropped appeal paragraph: %.80s", kept[-1])
                kept.pop()
            previous_dropped = True
            if rule == "read_also":
                if rest is not None:  # a label, not a tagged headline: a bare label opens a list
                    in_related_list = rest == ""
                related_left = RELATED_BLOCK_MAX
            elif rule == "related_list":
                related_left -= 1
            else:
                related_left = 0
            in_keyword_list = rule == "label" and tokens[:1] in (["tags"], ["topics"])
            continue
        related_left = 0
        in_keyword_list = False
        key = tuple(tokens)
        if not key or (key == previous and len(key) >= MIN_SENTENCE_WORDS):
            # A paragraph twice in a row is an extraction echo; repeats further apart are structure
            # (a meal plan's "Eat every 2-3 hours", a table's header row) and stay.
            LOGGER.debug("dropped repeated paragraph: %.80s", paragraph)
            continue
        previous = key
        previous_dropped = False
        kept.append(paragraph)
    return _without_trailing_headlines(kept)


def _without_trailing_headlines(paragraphs: list[str]) -> list[str]:
    """Drop the run of other stories' headlines that ends a page's text: TRAILING_HEADLINES_MIN or more
    headline-like lines after the last sentence, each with a section label (`Milan Design Week 2018 |
    FLOS pays tribute…`). Items of a list (`- 8 June: Report on France 2`) are the article's own."""
    end = len(paragraphs)
    while end > 0 and _is_labelled_headline(paragraphs[end - 1]):
        end -= 1
    if len(paragraphs) - end >= TRAILING_HEADLINES_MIN and end > 0:
        LOGGER.debug("dropped %d trailing headlines", len(paragraphs) - end)
        return paragraphs[:end]
    return paragraphs


def _is_labelled_headline(paragraph: str) -> bool:
    words = word_count(paragraph)
    return (
        words >= TRAILING_HEADLINE_MIN_WORDS
        and _is_headline_like(paragraph, words)
        and not paragraph.startswith(("- ", "• ", "* "))
        and _SECTION_LABEL.search(paragraph) is not None
    )


_SECTION_LABEL = re.compile(r"^[^|:]{2,60}\s[|:]\s\S")
"""`Milan Design Week 2018 | …`, `Opinion: …`: a section or series name before a headline."""


def bounded_paragraphs(paragraphs: Iterable[str], limit: int) -> list[str]:
    """The first `limit` characters of text, cut at a paragraph or word boundary."""
    kept: list[str] = []
    budget = limit
    for paragraph in paragraphs:
        if len(paragraph) > budget:
            cut = paragraph[:budget].rsplit(" ", 1)[0]
            if cut:
                kept.append(cut)
            LOGGER.info("text cut at %d characters", limit)
            break
        kept.append(paragraph)
        budget -= len(paragraph)
    return kept

"""HTML or plain text -> Article: trafilatura finds the main text, then we drop what a summary reader skips.

trafilatura (favor_precision) is good at finding the article block, but sites put things inside that
block which are not the story: "Read also" headlines between paragraphs, donation and newsletter
appeals, photo captions and credits, share and cookie prompts, and the headline and date repeated at
the top. Those lines would end up in summaries, so `clean_paragraphs` removes them. Every rule looks
at one short, standalone paragraph and a phrase that only boilerplate uses, so a sentence of real
reporting that merely mentions a newsletter or a photo is kept.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import pairwise

import lxml.etree
import trafilatura
from charset_normalizer import from_bytes
from lxml.html import HtmlElement
from trafilatura.settings import Document
from trafilatura.xml import xmltotxt

from bot.news.errors import InputError, NotAnArticle
from bot.news.language import normalize_language_tag
from bot.news.models import Article

LOGGER = logging.getLogger(__name__)

__all__ = ["article_from_text", "clean_paragraphs", "extract_article", "split_authors"]

# ----------------------------------------------------------------------------- limits

MAX_INPUT_CHARS = 10_000_000
"""Pages beyond this are cut before parsing. News pages with their inline scripts stay under 3 MB;
parsing 10 MB with lxml takes a fraction of a second, so the cut only guards memory and time."""

MAX_ELEMENTS = 30_000
"""trafilatura's time grows faster than linearly in the number of elements (about 2 s for 25,000
links, 47 s for 200,000 on one core). Heavy real news pages have under 10,000 elements once
scripts are gone, so beyond this the page is simplified, then cut, to keep extraction to seconds."""

MAX_ARTICLE_CHARS = 300_000
"""About 50,000 words: longer than any news article. More text is a dump, not a story, and would
only slow the summarizer down."""

MAX_PAGE_TEXT_CHARS = 1_000_000
"""A page's text (scripts and styles gone) beyond this is cut before extraction: over three times the
longest article kept, yet trafilatura's date search alone takes 1.5 s on 5 MB of text. Real news pages
hold well under 200,000 characters of text."""

CLEAN_SLACK = 2
"""The clean-up reads at most this many times MAX_ARTICLE_CHARS of extracted text: it removes far
less than half of any real article, and its rules cost about 0.2 ms per paragraph."""

MIN_ARTICLE_WORDS = 20
"""Fewer words than a couple of sentences cannot be summarized: such a page is a login wall, an
error page or navigation, not an article."""

MIN_SENTENCE_WORDS = 8
"""An article has at least one paragraph this long that ends like a sentence; menus and link lists
are made of headlines, which do not."""

MIN_PROSE_WORDS = 25
"""A paragraph this long with a sentence break inside is prose even if it does not end with a full
stop; headlines and menu items are shorter."""

MIN_LIST_ITEMS = 3
"""Text without a single sentence is an article only as a list of several items."""

MAX_LINKED_SHARE = 0.5
"""A text without sentences whose lines are mostly the page's link texts is a menu or headline list."""

RETRY_BELOW_CHARS = 250
"""trafilatura's own threshold (MIN_EXTRACTED_SIZE) for a result too short to trust. favor_precision
sometimes keeps nothing, or only a reprint notice, on a page that balanced mode reads fully, so below
this many characters of clean text we run balanced mode too and keep the longer result."""

MAX_TAG_CHARS = 32_768
"""Longer opening tags (only sites that stuff JSON into data- attributes come near) lose their
attributes before parsing, because lxml's time grows with the square of one element's attributes."""

BINARY_SAMPLE_CHARS = 65_536
"""Enough of the start of the input to tell text from binary without scanning megabytes."""

MAX_CONTROL_RATIO = 0.01
"""Text and HTML hold almost no control characters or decoding errors; binary data decoded as text
is full of them. One percent tolerates a few stray bytes in a real page."""

CHARSET_SNIFF_BYTES = 4096
"""HTML requires a <meta charset> declaration to sit within the first 1024 bytes; we look a little
further for pages that put a long comment or script before it."""

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

BOX_TITLE_MAX_WORDS = 6
"""A heading right above a donation or newsletter appeal this short is the appeal box's title."""

TEXT_TITLE_MAX_WORDS = 16
"""A first line this short, with no closing punctuation and a blank line after it, is a headline."""

WRAPPED_LINE_MIN_CHARS = 60
"""Source HTML wrapped at 72-80 columns leaves lines this long ending mid-sentence; menu items and
headlines, which the fallback extractors put one per line, are mostly shorter."""

WRAPPED_SENTENCE_END_RATIO = 0.5
"""In hard-wrapped text few lines end a sentence; in one-sentence-per-line text nearly all do."""

_PRECISION_OPTIONS = {"favor_precision": True}
"""Best first pass on the 121 dev pages, with our clean-up: F1 0.979 against 0.971 for balanced
mode and 0.972 for favor_recall (trafilatura alone: 0.964, 0.961, 0.962). Comments are never wanted."""

_BALANCED_OPTIONS = {"favor_precision": False}

_INLINE_TAGS = ("a", "span", "font", "b", "strong", "i", "em", "u", "small", "abbr", "sup", "sub", "mark")
"""Tags removed (keeping their text) from an oversized page: they multiply elements, not paragraphs."""

_DISCARDED_TAGS = ("style", "noscript", "template", "svg", "iframe", "object", "embed", "canvas")
"""Elements that never hold article text; dropped before counting and extraction."""

_SENTENCE_END = (".", "!", "?", "…", "。", "！", "？", '"', "”", "»", "'", "’", ")")

# ----------------------------------------------------------------------------- text helpers

# Soft hyphens and zero-width characters split words for the summarizer; lone surrogates (from
# text decoded with errors="surrogateescape") cannot even be encoded for Discord.
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff\ud800-\udfff]")
_WHITESPACE = re.compile(r"\s+")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Pull-quote plugins append a button label to a sentence of the article: keep the sentence.
_TWEET_BUTTON = re.compile(r"\s*\b(?:click to tweet|tweet this)\W*$", re.IGNORECASE)
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]")
_MARKUP = re.compile(r"<(?:[a-zA-Z][\w:-]*|!--|!doctype)[\s>/]", re.IGNORECASE)
_HUGE_TAG = re.compile(rf"<([a-zA-Z][\w:-]*)[^<>]{{{MAX_TAG_CHARS},}}>")
_DOCUMENT_TAG = re.compile(r"<(?:html|body|head)\b", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_TOKEN = re.compile(r"\w+", re.UNICODE)
_DIGITS = re.compile(r"\d+")
_SENTENCE_BREAK = re.compile("[.!?…。！？][\"'”’»)]*\\s")
_BLANK_LINE = re.compile(r"\n[ \t\f\v]*\n")
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def _normalize(paragraph: str) -> str:
    """One line of plain text: no invisible characters, single spaces, NFC, no "Click to Tweet" button."""
    paragraph = _TWEET_BUTTON.sub("", _INVISIBLE.sub("", paragraph))
    return unicodedata.normalize("NFC", _WHITESPACE.sub(" ", paragraph)).strip()


def _words(paragraph: str) -> int:
    """Length in words, counting unspaced scripts by characters (see CHARS_PER_WORD)."""
    return max(len(paragraph.split()), len(paragraph) // CHARS_PER_WORD)


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.casefold())


def _ends_sentence(paragraph: str) -> bool:
    """The paragraph ends like a sentence (a table row's closing '|' aside)."""
    return paragraph.rstrip(" |").endswith(_SENTENCE_END)


# ----------------------------------------------------------------------------- boilerplate rules


@dataclass(frozen=True, slots=True)
class _Rule:
    """A kind of boilerplate: a pattern, and the longest paragraph it may remove."""

    name: str
    pattern: re.Pattern[str]
    max_words: int


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE | re.UNICODE)


# Labels that introduce links to other stories. Strong ones never open a sentence of reporting, so
# text may follow them directly ("Читайте також Зеленський ..."); weak ones are ordinary words and
# count only when alone or followed by a separator ("Related: ...", "MORE:").
_STRONG_READ_ALSO = (
    r"read (?:also|next)|also read|read more|see also|see more|don'?t miss|must read|"
    r"you (?:may|might) (?:also )?(?:like|enjoy|be interested in)|"
    r"more (?:on|about) this (?:story|topic)|also on [\w.-]+\.\w+|"
    # uk, ru
    r"читайте (?:також|также|ещё|еще|більше)|також читайте|також дивіться|дивіться також|"
    r"читайте нас|смотрите также|"
    # de, fr, es, pt, it, pl
    r"lesen sie (?:auch|mehr|hier)|mehr zum thema|auch interessant|das könnte sie auch interessieren|"
    r"(?:à|a) lire (?:aussi|également)|lire aussi|voir aussi|sur le même sujet|"
    r"lee también|leer también|lea también|te puede interesar|le puede interesar|"
    r"leia (?:também|mais)|veja também|saiba mais|leggi anche|"
    r"czytaj (?:też|także|więcej)|zobacz (?:też|także)"
)
_WEAK_READ_ALSO = (
    r"related(?: (?:stories|story|articles?|posts?|content|coverage|reading|links|news|topics?))?|"
    r"recommended(?: (?:stories|articles?|for you|reading))?|more(?: stories| news| from [\w' ]{1,30})?|"
    r"trending(?: now)?|most (?:read|popular|viewed)|top stories|latest(?: news| stories)?|"
    r"watch|listen|in pictures|further reading|"
    r"по темі|по теме|на тему|також|читайте|schon gelesen\?|lire|leer|leia|leggi"
)
_SEPARATOR = r"\s*(?:[:|>»›—–\]]|-\s|$)"
_READ_ALSO = _rx(rf"^\W{{0,3}}(?:(?:{_STRONG_READ_ALSO})\b\W*|(?:{_WEAK_READ_ALSO}){_SEPARATOR}\W*)(?P<rest>.*)$")
_NETWORKS = (
    r"twitter|facebook|instagram|youtube|tiktok|telegram|linkedin|threads|bluesky|mastodon|whatsapp|"
    r"viber|\s@\w|https?://|www\."
)
# Tabloid link lists end each headline with a bracketed all-caps tag: "Plane quarantined [NEWS]".
_TAGGED_HEADLINE = re.compile(r"\[[A-Z][A-Z ]{2,15}\]\W{0,3}$")

_RULES: tuple[_Rule, ...] = (
    _Rule(
        "appeal",
        _rx(
            # Imperatives and first-person phrasing: reporting says "residents can sign up", not "Sign up".
            r"^\W*(?:sign up|subscribe) (?:for|to) (?:our |the |my |a )?(?:free )?(?:[\w+'’-]+ ){0,4}?"
            r"(?:newsletters?|e-?mails?|alerts|briefings?|digest|channel|podcast)\b|"
            r"^\W*(?:sign up|subscribe)(?: (?:now|today|here))?\W*$|"
            # the heading of a sign-up box: "Pick Six Newsletter", "Our newsletters"
            r"^[^.!?]{0,40}\bnewsletters?\W*$|"
            r"\bbecome an? (?:patron|subscriber|supporter)\b|"
            r"\bbecome an? (?:\w+ )?member (?:today|now|of (?:our|the \w+) (?:community|club))\b|"
            r"\bsupport (?:our|my) (?:\w+ )?(?:journalism|reporting|newsroom|work)\b|"
            r"\bsupport us (?:today|now|on patreon|by)\b|"
            r"\b(?:please|consider) (?:make|making|give|giving) an? (?:donation|contribution)\b|"
            r"\bif you (?:enjoyed|liked|value|appreciate) (?:this|our) "
            r"(?:article|story|journalism|reporting|work|content|coverage|site)\b|"
            r"\balready a (?:subscriber|member)\b|\b(?:log|sign) ?in to (?:continue|read|keep reading)\b|"
            r"\bsubscribe to (?:continue|keep) reading\b|\bcreate a free account\b|"
            r"\bthis (?:article|content|story) is (?:only )?(?:for|available to|reserved for) (?:subscribers|members)|"
            # uk, ru, de, fr, es, pt
            r"\bпідпи(?:шіться|суйтеся|суйтесь)\b|\bпідтримайте (?:нас|наш|нашу|незалежн)|"
            r"\bподпи(?:шитесь|сывайтесь)\b|\bподдержите (?:нас|наш|нашу|независим)|"
            r"\bnewsletter (?:abonnieren|bestellen)\b|\babonnieren sie\b|"
            r"\bunterstützen sie (?:uns|unseren|unabhängigen)\b|"
            r"\babonnez-vous\b|\binscrivez-vous\b|\bsoutenez(?:-nous| notre| le journalisme)\b|"
            r"\bsuscr[ií]b(?:ete|ase)\b|\bapóyanos\b|\bassine (?:já|agora)\b|\binscreva-se\b"
        ),
        80,
    ),
    # Sign-up phrases that embeds also inject into a longer paragraph ("... SIGN UP FOR OUR
    # NEWSLETTER — Donald J. Trump (@realDonaldTrump)"): only a short paragraph is all appeal.
    _Rule(
        "appeal",
        _rx(
            r"\b(?:sign up|subscribe) (?:for|to) (?:our|my)\b|\b(?:get|receive) our\b.{0,40}\bnewsletters?\b|"
            r"\bnewsletters? sign[- ]?up\b|\b(?:straight |directly )?(?:to|into) your inbox\b|"
            r"\bclick here to subscribe\b|\bdonate (?:now|today|here)\b"
        ),
        30,
    ),
    _Rule(
        "cookies",
        _rx(
            r"\bwe use cookies\b|\b(?:this|our) (?:web)?site uses cookies\b|"
            r"\bby (?:continuing to (?:use|browse)|using) (?:this|our) (?:site|website)\b|"
            r"^\W*(?:accept|allow|reject|manage) (?:all )?cookies\b|^\W*cookie (?:policy|settings|preferences)\W*$|"
            r"\bwir verwenden cookies\b|\bnous utilisons (?:des )?cookies\b|\butilizamos cookies\b|"
            r"\bмы используем (?:файлы )?cookie|\bми використовуємо (?:файли )?cookie"
        ),
        60,
    ),
    _Rule(
        "share",
        _rx(
            r"^\W*(?:share|share this(?: article| story| page| post)?|share on \w+|tweet|e-?mail|"
            r"print(?: this)?(?: article| story| page)?|(?:order )?reprints?(?: (?:&|and) permissions)?|"
            r"save(?: article| for later)?|gift(?: this)? article|copy link|pin it|whatsapp|facebook|twitter|"
            r"linkedin|поділитися|поделиться|teilen|partager|compartir)\W*$|"
            r"\bshare (?:it|this(?: article| story)?) with (?:a friend|your friends)\b"
        ),
        30,
    ),
    _Rule(
        "social",
        _rx(
            rf"^\W*(?:follow|підписуйтесь|подписывайтесь|folgen sie|suivez)\s.{{0,120}}(?:{_NETWORKS})|"
            rf"^\W*(?:find|join|like) us (?:on|at)\b"
        ),
        50,
    ),
    _Rule(
        "caption",
        _rx(
            r"^\W*(?:photo(?:graph)?s?|pictures?|pics?|images?|illustrations?|credits?|"
            r"фото|світлина|ілюстрація|иллюстрация|fotos?|bild(?:quelle)?|crédits?(?: photo)?|"
            r"imagen|fotografía)\s*(?:by\b|credit\b|:|©|/)|"
            r"^\W*(?:image|media) (?:copyright|caption)\b|"
            r"\((?:[\w.'’ -]{0,30} )?(?:photo|photograph|image|pic|credit|фото|foto)s?\s*(?:[:/]|by\b)[^)]{0,80}\)\W*$|"
            # an agency at the very end, with no full stop: "Smoke over Kyiv. Photo: Reuters"
            r"\b(?:getty images|shutterstock(?:\.com)?|alamy(?: stock photo)?|istock(?:photo)?)[)\]\s]*$|"
            r"[/|]\s*(?:[\w.'’-]+ ){0,3}(?:reuters|afp|ap|epa(?:-efe)?|dpa|xinhua|anadolu|tass|bloomberg|"
            r"pa|уніан|укрінформ|тасс|риа новости)[)\]\s]*$|"
            r"(?<!\w)©"  # not the "Ã©" of mis-decoded text
        ),
        40,
    ),
    _Rule(
        "legal",
        _rx(
            r"^\W*(?:©|copyright\s*(?:©|\(c\)|\d{4})|\(c\) \d{4})|\ball rights reserved\b|"
            r"\bfor your personal,? non-commercial use only\b|"
            r"\bmay not be (?:published|reproduced|copied),? (?:broadcast|rewritten|redistributed)|"
            r"\bissn:? \d{4}-\d{3}[\dx]\b|усі права захищені|все права защищены|alle rechte vorbehalten|"
            r"tous droits réservés|todos los derechos reservados"
        ),
        60,
    ),
    _Rule(
        "credits",
        _rx(
            r"^\W*(?:additional |further )?(?:reporting|writing) by\b.*\b(?:editing|edited|writing) by\b|"
            r"^\W*additional reporting by\b|"
            r"\bcontributed (?:reporting|to this (?:report|story|article))\b[^.]{0,40}\W*$"
        ),
        40,
    ),
    _Rule("source", _rx(r"^\W*(?:source|sources|quelle|джерело|источник|fuente|fonte)\s*:"), 12),
    _Rule(
        "label",
        _rx(
            r"^\W*(?:advertisement|advertising|sponsored(?: content)?|ad|\d+\s+comments?|comments?|"
            r"show comments|view comments|leave a comment|tags|topics|loading\.*|continue reading|"
            r"story continues below(?: advertisement)?|skip ad|listen to this article|"
            r"tell us what you think\W*|what do you think\??|join the (?:conversation|discussion)|"
            r"comments are closed|реклама|коментарі|комментарии|anzeige|werbung|kommentare|publicité|"
            r"commentaires|publicidad|comentarios|publicidade|comentários|pubblicità)\W*$|"
            r"^\W*(?:tags|topics|filed under|categories|category|теги|мітки|теми|темы|schlagwörter|"
            r"schlagworte|étiquettes|etiquetas)\s*:"
        ),
        40,
    ),
    _Rule(
        "reading_time",
        _rx(
            r"^\W*(?:reading time|read time|tempo de leitura|tiempo de lectura|lesezeit|temps de lecture|"
            r"час читання|время (?:чтения|прочтения))\W*\d|"
            r"^\W*\d+\s*(?:min(?:ute)?s?|minutos?|minuten|хв(?:илин[иа]?)?|мин(?:ут[аы]?)?)\.?"
            r"\s+(?:read|de leitura|de lectura|lesezeit|читання|чтения)\W*$"
        ),
        10,
    ),
    # Bare links stay: in link-list articles they are the content. A lone e-mail address or social
    # profile is the author's contact line.
    _Rule(
        "address",
        _rx(
            r"^\W*(?:[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?:https?://)?(?:www\.)?(?:twitter|x|facebook|instagram)\.com/\S+)\W*$"
        ),
        12,
    ),
    _Rule(
        "address",
        _rx(r"^\W*(?:write to|contact|e-?mail|reach)\b.{0,60}\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\W*$"),
        15,
    ),
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
_MONTHS = "|".join(_MONTH_NAMES)
_MONTH = tuple(_rx(rf"\b(?:{names})\b") for names in _MONTH_NAMES)
_NUMERIC_DATE = re.compile(r"\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b|\b\d{4}[./-]\d{1,2}[./-]\d{1,2}\b")
_DATE = _rx(
    rf"{_NUMERIC_DATE.pattern}|\b\d{{1,2}}:\d{{2}}\b|"
    rf"\b(?:{_MONTHS})\.?\s+\d{{1,2}}\b|\b\d{{1,2}}\.?\s+(?:de\s+)?(?:{_MONTHS})\b"
)
_STAMP = _rx(
    r"\b\d+\s+(?:hours?|hrs?|minutes?|mins?|days?)\s+ago\b|"
    r"^\W*(?:updated|published|posted|last (?:updated|modified)|опубліковано|оновлено|опубликовано|"
    r"обновлено|veröffentlicht|aktualisiert|publié|mis à jour|publicado|actualizado|atualizado)\b"
)
# The name after "By" must be capitalized, which tells "By Jane Doe" from "By the end of May".
_BYLINE = re.compile(r"^\W*(?i:by|von|par|por|di|door|автор(?:ка)?|від|от)\s+[A-ZА-ЯІЇЄҐ]")
_BYLINE_MAX_WORDS = 10


def _boilerplate_rule(paragraph: str) -> str | None:
    """Name the rule that marks this standalone paragraph as boilerplate, or None if it is text."""
    words = _words(paragraph)
    for rule in _RULES:
        if words <= rule.max_words and rule.pattern.search(paragraph):
            return rule.name
    if words <= HEADLINE_MAX_WORDS and _TAGGED_HEADLINE.search(paragraph):
        return "read_also"
    return None


def _read_also_rest(paragraph: str) -> str | None:
    """For a "Read also: ..." line return what follows the label ('' for a bare label), else None."""
    if _words(paragraph) > HEADLINE_MAX_WORDS * 2:
        return None
    match = _READ_ALSO.match(paragraph)
    return match.group("rest").strip() if match else None


def _is_headline_like(paragraph: str) -> bool:
    """A related-story link: short and not a sentence (headlines may end in '?' or a quote)."""
    return _words(paragraph) <= HEADLINE_MAX_WORDS and not paragraph.rstrip().endswith((".", ":", ";", "…", "。"))


def _is_box_title(paragraph: str) -> bool:
    """A short heading, such as the title of the sign-up or donation box that follows it."""
    return _words(paragraph) <= BOX_TITLE_MAX_WORDS and not _ends_sentence(paragraph)


def _repeats_title(paragraph: str, title_tokens: list[str]) -> bool:
    """The paragraph is the headline, perhaps without the site name the <title> appends."""
    if not title_tokens:
        return False
    tokens = _tokens(paragraph)
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
    if not title_tokens or not _is_headline_like(paragraph):
        return False
    tokens, title_set = set(_tokens(paragraph)), set(title_tokens)
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
    words = _words(paragraph)
    if words > HEADER_LINE_WORDS:
        return False
    if _mentions_date(paragraph, published) or _STAMP.search(paragraph):
        return True
    return words <= _BYLINE_MAX_WORDS and bool(_BYLINE.match(paragraph))


def _header_repeats(paragraphs: list[str], title: str | None, published: date | None) -> set[int]:
    """Indexes of the headline, date and byline repeated above the story."""
    title_tokens = _tokens(title) if title else []
    repeats: set[int] = set()
    for index, paragraph in enumerate(paragraphs[:HEADER_MAX_PARAGRAPHS]):
        if (
            _repeats_title(paragraph, title_tokens)
            or _resembles_title(paragraph, title_tokens)
            or _is_stamp(paragraph, published)
        ):
            repeats.add(index)
        elif _words(paragraph) > HEADER_LINE_WORDS:
            break
    return repeats


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
    normalized = [text for text in (_normalize(paragraph) for paragraph in paragraphs) if text]
    kept: list[str] = []
    previous: tuple[str, ...] = ()
    in_related_list = False
    in_keyword_list = False
    related_left = 0
    header = _header_repeats(normalized, title, published)
    title_tokens = _tokens(title) if title else []
    previous_dropped = True
    for index, paragraph in enumerate(normalized):
        if index in header or (title_tokens and _tokens(paragraph) == title_tokens):
            rule: str | None = "header"
        else:
            rule = _boilerplate_rule(paragraph)
        rest = _read_also_rest(paragraph) if rule is None else None
        if rest is not None:
            rule = "read_also"
        # Headlines listed under a bare "Related" label, or list items under a "Related: ..." one.
        if (
            rule is None
            and related_left > 0
            and _is_headline_like(paragraph)
            and (in_related_list or paragraph.startswith(("- ", "• ", "* ")))
        ):
            rule = "related_list"
        if rule is None and in_keyword_list and "," in paragraph and not _ends_sentence(paragraph):
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
            in_keyword_list = rule == "label" and _tokens(paragraph)[:1] in (["tags"], ["topics"])
            continue
        related_left = 0
        in_keyword_list = False
        key = tuple(_tokens(paragraph))
        if not key or (key == previous and len(key) >= MIN_SENTENCE_WORDS):
            # A paragraph twice in a row is an extraction echo; repeats further apart are structure
            # (a meal plan's "Eat every 2-3 hours", a table's header row) and stay.
            LOGGER.debug("dropped repeated paragraph: %.80s", paragraph)
            continue
        previous = key
        previous_dropped = False
        kept.append(paragraph)
    return kept


# ----------------------------------------------------------------------------- HTML input


def _decode(html: str | bytes) -> str:
    """Bytes -> text by BOM, then the page's declared charset, then UTF-8, then detection."""
    if isinstance(html, str):
        return html
    for bom, encoding in _BOMS:
        if html.startswith(bom):
            return html[len(bom) :].decode(encoding, errors="replace")
    declared = _META_CHARSET.search(html[:CHARSET_SNIFF_BYTES])
    if declared:
        try:
            return html.decode(declared.group(1).decode("ascii", errors="ignore"))
        except (LookupError, UnicodeDecodeError):
            LOGGER.debug("declared charset %r does not decode the page", declared.group(1))
    try:
        return html.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = from_bytes(html[:BINARY_SAMPLE_CHARS]).best()
    encoding = best.encoding if best is not None else "utf-8"
    return html.decode(encoding, errors="replace")


def _check_text(text: str, *, what: str) -> None:
    """Raise InputError for empty input or binary data posing as text."""
    if not text.strip():
        raise InputError(f"The {what} is empty.")
    sample = text[:BINARY_SAMPLE_CHARS]
    if len(_CONTROL.findall(sample)) > MAX_CONTROL_RATIO * len(sample):
        raise InputError(f"The {what} is binary data, not text.")


def _parse(markup: str) -> HtmlElement:
    """Parse the page; a fragment without <html> or <body> is wrapped so that it parses as a page."""
    # libxml2 checks an element's attributes pairwise: one tag with 300,000 of them takes minutes.
    markup = _HUGE_TAG.sub(r"<\1>", markup)
    if not _DOCUMENT_TAG.search(markup[:CHARSET_SNIFF_BYTES]):
        markup = f"<html><body>{markup}</body></html>"
    tree = trafilatura.load_html(markup)
    if tree is None:
        raise InputError("The page could not be parsed as HTML.")
    return tree


def _bound(tree: HtmlElement) -> None:
    """Drop what never holds text and keep the element count where extraction stays fast."""
    for script in tree.xpath("//script[not(contains(@type, 'ld+json'))]"):
        script.drop_tree()
    lxml.etree.strip_elements(tree, *_DISCARDED_TAGS, lxml.etree.Comment, with_tail=False)
    _cut_text(tree)
    if sum(1 for _ in tree.iter()) <= MAX_ELEMENTS:
        return
    LOGGER.info("page has over %d elements: removing inline tags", MAX_ELEMENTS)
    lxml.etree.strip_tags(tree, *_INLINE_TAGS)
    for index, element in enumerate(tree.iter()):
        if index == MAX_ELEMENTS:
            LOGGER.info("page still has over %d elements: cutting the rest", MAX_ELEMENTS)
            _cut_from(element)
            break


def _cut_text(tree: HtmlElement) -> None:
    """Cut the page at the element where its text passes MAX_PAGE_TEXT_CHARS."""
    total = 0
    for element in tree.iter():
        total += len(element.text or "") + len(element.tail or "")
        if total > MAX_PAGE_TEXT_CHARS:
            LOGGER.info("page has over %d characters of text: cutting the rest", MAX_PAGE_TEXT_CHARS)
            _cut_from(element)
            return


def _cut_from(first: HtmlElement) -> None:
    """Remove `first` and everything after it in document order."""
    node = first
    while (parent := node.getparent()) is not None:
        for sibling in list(node.itersiblings()):
            parent.remove(sibling)
        if node is first:
            parent.remove(node)
        node = parent


def _declared_language(tree: HtmlElement) -> str | None:
    """The language the page says it is in: <html lang>, then Content-Language, then og:locale."""
    candidates = [
        tree.get("lang"),
        tree.get("{http://www.w3.org/XML/1998/namespace}lang"),
        *tree.xpath("//meta[translate(@http-equiv, 'CONTENTLAGU', 'contentlagu')='content-language']/@content"),
        *tree.xpath("//meta[@property='og:locale' or @name='language' or @name='dc.language']/@content"),
    ]
    for candidate in candidates:
        code = normalize_language_tag(str(candidate)) if candidate else None
        if code:
            return code
    return None


def _run_trafilatura(tree: HtmlElement, url: str | None, *, options: dict[str, bool], metadata: bool):
    """One trafilatura pass on a copy of the tree (bare_extraction copies a tree it is given)."""
    return trafilatura.bare_extraction(tree, url=url, include_comments=False, with_metadata=metadata, **options)


def _unwrap(text: str) -> str:
    """Join source lines that wrap a sentence; keep line breaks that end a line of its own."""
    lines = text.split("\n")
    out = [lines[0]]
    for before, line in pairwise(lines):
        before = before.strip()
        wrapped = len(before) >= WRAPPED_LINE_MIN_CHARS and not before.endswith((*_SENTENCE_END, ":"))
        if wrapped and line.strip():
            out[-1] = f"{out[-1].rstrip()} {line.lstrip()}"
        else:
            out.append(line)
    return "\n".join(out)


def _lines(document: Document, *, skip: set[str]) -> list[str]:
    """The extracted blocks (paragraph, heading, list item, table row), one string each.

    trafilatura's text output has a line per block and per <br>, and it also keeps the line breaks
    in the page's source text. Where those wrap a sentence they are joined, so that sentences stay
    whole. Lines in `skip` (the page's own address, which print layouts show) are left out.
    """
    body = document.body
    if body is None:
        return []
    for element in body.iter():
        if element.tag == "code" or any(parent.tag == "code" for parent in element.iterancestors()):
            continue
        if element.text and "\n" in element.text:
            element.text = _unwrap(element.text)
        if element.tail and "\n" in element.tail:
            element.tail = _unwrap(element.tail)
    lines = xmltotxt(body, include_formatting=False).split("\n")
    return [line for line in lines if line.strip() not in skip]


def _bounded(paragraphs: list[str], limit: int = MAX_ARTICLE_CHARS) -> list[str]:
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


def _cleaned(paragraphs: list[str], *, title: str | None, published: date | None) -> list[str]:
    """clean_paragraphs on no more text than can reach the article, then the article's length cap."""
    paragraphs = _bounded(paragraphs, CLEAN_SLACK * MAX_ARTICLE_CHARS)
    return _bounded(clean_paragraphs(paragraphs, title=title, published=published))


def _check_article(paragraphs: list[str], *, source: str, links: set[tuple[str, ...]] | None = None) -> None:
    """Raise NotAnArticle unless there is article text: some sentences, or a list that is not menus.

    Args:
        paragraphs: the cleaned text.
        source: "page" or "text", for the message.
        links: the word sequences of the page's link texts; a text made mostly of them is navigation.
    """
    words = sum(_words(paragraph) for paragraph in paragraphs)
    if words < MIN_ARTICLE_WORDS:
        raise NotAnArticle(f"No article text found in the {source}.")
    if any(_reads_as_prose(paragraph) for paragraph in paragraphs):
        return
    # No sentence at all: a list (race dates, a recipe) is an article, a menu or link list is not.
    linked = sum(1 for paragraph in paragraphs if tuple(_tokens(paragraph)) in (links or set()))
    if len(paragraphs) < MIN_LIST_ITEMS or linked >= MAX_LINKED_SHARE * len(paragraphs):
        raise NotAnArticle(f"No article text found in the {source}.")


def _reads_as_prose(paragraph: str) -> bool:
    """A sentence, or a long paragraph with sentences in it (its last one may lack a full stop)."""
    words = _words(paragraph)
    if words >= MIN_SENTENCE_WORDS and _ends_sentence(paragraph):
        return True
    return words >= MIN_PROSE_WORDS and bool(_SENTENCE_BREAK.search(paragraph))


def _link_texts(tree: HtmlElement) -> set[tuple[str, ...]]:
    return {tuple(_tokens(anchor.text_content())) for anchor in tree.iter("a")}


def _published(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        LOGGER.debug("unreadable date %r", value)
        return None


# Conjunctions are matched in lower case only, so that middle initials ("Sarah E Needleman",
# "Bruce Y Lee") are not taken for the Portuguese "e" or the Spanish "y".
_AUTHOR_SEPARATOR = re.compile(r"\s*(?:[;,|/&]|\b(?:and|AND|und|et|y|e|и|і|та)\b)\s*")
_AUTHOR_PREFIX = re.compile(r"^(?:.{0,40}\s)?(?:by|von|par|por|автор(?:ка)?|від|от)\s+", re.IGNORECASE)
_AUTHOR_DATE_WORD = _rx(
    r"(?:^|\s+)(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    rf"{_MONTHS})\b.*$"
)
_AUTHOR_AGENCY = _rx(r"\s+(?:associated press|the associated press|reuters|afp|ap)$")
_NOT_AN_AUTHOR = _rx(
    r"\b(?:staff|writer|editor|editor-at-large|correspondent|reporter|contributor|columnist|"
    r"photographer|news service|associated press|reuters|agencies|com)\b|"
    r"^(?:md|ms|rd|rdn|phd|mph|jr|sr)$"
)


def split_authors(byline: str | None, *, site: str | None = None) -> tuple[str, ...]:
    """People named in a byline: "Jane Doe and John Roe", "Doe, Roe" or trafilatura's "Doe; Roe".

    Job titles ("Staff writer"), credentials ("RDN"), agency and site names and the dates that
    trafilatura sometimes reads into a byline are left out.
    """
    if not byline:
        return ()
    site_key = site.casefold() if site else None
    authors: list[str] = []
    for part in _AUTHOR_SEPARATOR.split(byline):
        name = _AUTHOR_DATE_WORD.sub("", _AUTHOR_PREFIX.sub("", _normalize(part)))
        person = _AUTHOR_AGENCY.sub("", name)  # "JILL LAWLESS Associated Press", not "The Associated Press"
        name = (person if len(person.split()) >= 2 else name).strip(" .-")
        if (
            any(char.isalpha() for char in name)
            and not _NOT_AN_AUTHOR.search(name)
            and name.casefold() != site_key
            and name.casefold() not in map(str.casefold, authors)
        ):
            authors.append(name)
    return tuple(authors)


def extract_article(html: str | bytes, *, url: str | None = None) -> Article:
    """Read a news page into an Article: its clean paragraphs and the facts about it.

    Args:
        html: the page, as text or as bytes in the charset it declares.
        url: the address it was fetched from, for relative links, dates in the path and the default
            canonical URL.

    Returns:
        The article. `language` is the one the page declares, if any: callers detect it from the text.

    Raises:
        InputError: the input is empty, binary, or not HTML.
        NotAnArticle: the page holds no article text (an empty page, a login wall, a menu).
    """
    markup = _SURROGATE.sub("", _decode(html))
    _check_text(markup, what="page")
    if not _MARKUP.search(markup[:BINARY_SAMPLE_CHARS]):
        raise InputError("The page holds no HTML markup.")
    if len(markup) > MAX_INPUT_CHARS:
        LOGGER.info("page of %d characters cut to %d", len(markup), MAX_INPUT_CHARS)
        markup = markup[:MAX_INPUT_CHARS]
    tree = _parse(markup)
    _bound(tree)
    document = _run_trafilatura(tree, url, options=_PRECISION_OPTIONS, metadata=True)
    balanced = None
    if document is None:
        document = balanced = _run_trafilatura(tree, url, options=_BALANCED_OPTIONS, metadata=True)
        if document is None:
            raise NotAnArticle("No article text found in the page.")
    title = _normalize(document.title) if document.title else None
    published = _published(document.date)
    own_urls = {url, document.url} - {None}
    paragraphs = _cleaned(_lines(document, skip=own_urls), title=title, published=published)
    if balanced is None and sum(map(len, paragraphs)) < RETRY_BELOW_CHARS:
        balanced = _run_trafilatura(tree, url, options=_BALANCED_OPTIONS, metadata=False)
        if balanced is not None:
            retry = _cleaned(_lines(balanced, skip=own_urls), title=title, published=published)
            if sum(map(len, retry)) > sum(map(len, paragraphs)):
                paragraphs = retry
    _check_article(paragraphs, source="page", links=_link_texts(tree))
    site = _normalize(document.sitename) if document.sitename else None
    return Article(
        paragraphs=tuple(paragraphs),
        url=url,
        title=title or None,
        site=site,
        authors=split_authors(document.author, site=site),
        published=published,
        language=_declared_language(tree),
        canonical_url=document.url or url,
    )


# ----------------------------------------------------------------------------- plain-text input


def _text_paragraphs(text: str) -> Iterator[str]:
    """Blocks split on blank lines; a block's lines are joined when hard-wrapped, else kept apart.

    A generator, so that a caller that has read enough stops the work on a long text.
    """
    for block in _BLANK_LINE.split(text):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        if len(lines) < 2:
            yield from lines
            continue
        sentence_ends = sum(1 for line in lines[:-1] if _ends_sentence(line))
        if sentence_ends >= WRAPPED_SENTENCE_END_RATIO * (len(lines) - 1):
            yield from lines  # one sentence (or paragraph) per line
        else:
            yield " ".join(lines)


def _normalized_head(raw: Iterable[str]) -> list[str]:
    """The non-empty normalized paragraphs, stopping once the clean-up has more than it reads.

    `_cleaned` reads CLEAN_SLACK * MAX_ARTICLE_CHARS; past that plus the first paragraph (which may
    become the headline) nothing more can reach the article, and normalizing megabytes of it would
    take most of a second.
    """
    paragraphs: list[str] = []
    total = 0
    for paragraph in map(_normalize, raw):
        if not paragraph:
            continue
        paragraphs.append(paragraph)
        total += len(paragraph)
        if total - len(paragraphs[0]) > CLEAN_SLACK * MAX_ARTICLE_CHARS:
            break
    return paragraphs


def _leading_headline(paragraphs: list[str]) -> str | None:
    """A short first line without closing punctuation, followed by more text, is the headline."""
    if len(paragraphs) < 2:
        return None
    first = paragraphs[0]
    if _words(first) <= TEXT_TITLE_MAX_WORDS and not first.rstrip().endswith((*_SENTENCE_END, ":", ";", ",")):
        return first
    return None


def article_from_text(text: str, *, url: str | None = None, title: str | None = None) -> Article:
    """Make an Article from plain text, cleaned as a page's text is.

    Paragraphs are separated by blank lines; single line breaks inside a paragraph are joined unless
    the text has one sentence per line. Without `title`, a short unpunctuated first line standing
    alone is taken as the headline.

    Raises:
        InputError: the text is empty or binary.
        NotAnArticle: too little text remains to be an article.
    """
    _check_text(text, what="text")
    text = text[:MAX_INPUT_CHARS].replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = _normalized_head(_text_paragraphs(text))
    if title is None:
        title = _leading_headline(paragraphs)
        if title is not None:
            paragraphs = paragraphs[1:]
    title = _normalize(title) if title else None
    cleaned = _cleaned(paragraphs, title=title, published=None)
    _check_article(cleaned, source="text")
    return Article(paragraphs=tuple(cleaned), url=url, title=title or None, canonical_url=url)

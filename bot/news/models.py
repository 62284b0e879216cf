"""The values that flow through the pipeline: immutable, plain, and free of any I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

WORDS_PER_MINUTE = 230
"""Adult silent reading speed for non-fiction (Brysbaert 2019, 238 wpm), rounded down for news."""


@dataclass(frozen=True, slots=True)
class Article:
    """An article's clean main text and the facts about it that a reader wants."""

    paragraphs: tuple[str, ...]
    url: str | None = None
    title: str | None = None
    site: str | None = None
    authors: tuple[str, ...] = ()
    published: date | None = None
    language: str | None = None
    canonical_url: str | None = None
    image: str | None = None
    """The picture the page names for itself (og:image, twitter:image), http(s) only; never fetched."""

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def word_count(self) -> int:
        return sum(len(paragraph.split()) for paragraph in self.paragraphs)

    @property
    def reading_minutes(self) -> int:
        return reading_minutes(self.word_count)


def reading_minutes(word_count: int) -> int:
    """Whole minutes a text of `word_count` words takes to read at WORDS_PER_MINUTE; at least 1."""
    return max(1, round(word_count / WORDS_PER_MINUTE))


@dataclass(frozen=True, slots=True)
class Quote:
    """A direct quotation and who said it (None when the text does not say)."""

    text: str
    speaker: str | None = None
    paragraph: int = 0
    """Index of the paragraph the quotation starts in."""


@dataclass(frozen=True, slots=True)
class Summary:
    """Sentences chosen from the article, in article order."""

    sentences: tuple[str, ...]
    method: str = ""

    @property
    def word_count(self) -> int:
        return sum(len(sentence.split()) for sentence in self.sentences)


@dataclass(frozen=True, slots=True)
class Briefing:
    """Everything newsbrief says about one article."""

    article: Article
    summary: Summary
    quotes: tuple[Quote, ...] = ()
    key_quotes: tuple[Quote, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class RankedSentence:
    """One sentence of an article with its importance, as the summarizer rates it."""

    text: str
    paragraph: int
    """Index of the paragraph the sentence is in."""
    position: int
    """Index of the sentence in the whole article, from 0."""
    score: float
    """Importance in [0, 1]; higher is more important."""


@dataclass(frozen=True, slots=True)
class PageBrief:
    """What a digest shows of a briefed page, small enough to store once and reuse for every digest
    that carries the story (see `page_brief`)."""

    url: str
    """The page as fetched (after redirects)."""
    summary: tuple[str, ...]
    title: str | None = None
    quotes: tuple[Quote, ...] = ()
    """The key quotes, best first, each with its speaker when the text names one."""
    image: str | None = None
    word_count: int = 0
    """Words in the article's text (its length, for a reading time)."""
    language: str | None = None
    published: date | None = None
    site: str | None = None
    """The outlet's name as the page gives it (og:site_name), which a digest shows for host-named outlets."""


def page_brief(briefing: Briefing, *, url: str) -> PageBrief:
    """The part of a Briefing a digest needs, for the page fetched at `url`."""
    article = briefing.article
    return PageBrief(
        url=url,
        summary=briefing.summary.sentences,
        title=article.title,
        quotes=briefing.key_quotes,
        image=article.image,
        word_count=article.word_count,
        language=article.language,
        published=article.published,
        site=article.site,
    )

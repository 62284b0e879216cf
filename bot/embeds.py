"""Briefings as Discord embeds, always within Discord's limits: the one bridge from core to discord."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import discord
from discord.utils import escape_markdown

from bot.discord_limits import (
    ACTION_ROW_LIMIT,
    BUTTON_LABEL_LIMIT,
    BUTTON_URL_LIMIT,
    EMBED_AUTHOR_LIMIT,
    EMBED_DESCRIPTION_LIMIT,
    EMBED_FIELD_COUNT_LIMIT,
    EMBED_FIELD_NAME_LIMIT,
    EMBED_FIELD_VALUE_LIMIT,
    EMBED_FOOTER_LIMIT,
    EMBED_TITLE_LIMIT,
    EMBED_TOTAL_LIMIT,
    EMBED_URL_LIMIT,
    EMBED_URL_SCHEMES,
    LINK_BUTTON_SCHEMES,
    MESSAGE_BUTTON_LIMIT,
    MESSAGE_CONTENT_LIMIT,
    MESSAGE_EMBED_COUNT_LIMIT,
)
from bot.i18n import ENGLISH, N_, Messages
from bot.live import HeldStory
from bot.news.digest import Digest, DigestStory, ItemKey
from bot.news.models import Briefing, Quote
from bot.news.render import digest_header, failing_feeds_line, length_note, nothing_new_line, reading_note

ELLIPSIS = "…"
EMBED_COLOUR = discord.Colour(0x2B6CB0)
READ_THE_ARTICLE = N_("Read the article")

_SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’»)\]]*")


def fit_text(text: str, limit: int) -> str:
    """Shorten `text` to at most `limit` characters with an ellipsis: at a sentence end when one is
    at least halfway in, else at a word boundary; mid-word only when one word is longer than the limit.
    """
    text = text.strip()
    if len(text) <= limit:
        return text
    sentence_room = limit - len(" " + ELLIPSIS)
    sentence_ends = [
        match.end()
        for match in _SENTENCE_END.finditer(text, 0, sentence_room)
        if match.end() == len(text) or text[match.end()].isspace()
    ]
    if sentence_ends and sentence_ends[-1] >= sentence_room // 2:
        return f"{text[: sentence_ends[-1]]} {ELLIPSIS}"
    word_room = limit - len(ELLIPSIS)
    cut = text.rfind(" ", 0, word_room + 1)
    if cut <= 0:
        return text[:word_room] + ELLIPSIS
    return text[:cut].rstrip(" ,;:—-") + ELLIPSIS


def relative_time(moment: datetime | None, messages: Messages = ENGLISH) -> str:
    """A Discord timestamp ('3 hours ago') that each reader sees in their own time zone and language,
    or 'never'."""
    return discord.utils.format_dt(moment, style="R") if moment is not None else messages.gettext("never")


def fit_sentences(sentences: Sequence[str], limit: int) -> str:
    """Join whole sentences while they fit in `limit`, marking a cut with an ellipsis; a first
    sentence too long on its own is shortened with `fit_text`."""
    kept: list[str] = []
    for sentence in sentences:
        if len(" ".join([*kept, sentence])) > limit:
            break
        kept.append(sentence)
    else:
        return " ".join(kept)
    if not kept:
        return fit_text(sentences[0], limit)
    text = " ".join(kept)
    return f"{text} {ELLIPSIS}" if len(text) + len(" " + ELLIPSIS) <= limit else text


def _url_within(url: str | None, *, schemes: frozenset[str], limit: int) -> bool:
    if not url or len(url) > limit:
        return False
    try:
        return urlsplit(url).scheme.lower() in schemes
    except ValueError:
        return False


def embed_url(url: str | None) -> str | None:
    """`url` when Discord takes it as an embed's link or thumbnail (http(s), within 2048 characters),
    else None: one address it refuses would refuse the whole message, every story of it."""
    return url if _url_within(url, schemes=EMBED_URL_SCHEMES, limit=EMBED_URL_LIMIT) else None


def quote_field(quote: Quote, messages: Messages = ENGLISH) -> tuple[str, str]:
    """A key quote as an embed field: the speaker as the name, the words as the value."""
    speaker = quote.speaker or messages.gettext("Unattributed")
    name = fit_text(f"— {speaker}", EMBED_FIELD_NAME_LIMIT)
    value = f"“{fit_text(quote.text, EMBED_FIELD_VALUE_LIMIT - 2)}”"
    return name, value


def briefing_embed(briefing: Briefing, messages: Messages = ENGLISH) -> discord.Embed:
    """The answer to /summarize: title linked to the article, outlet and author, the summary, the
    page's picture as the thumbnail, key quotes as fields, and the date and reading time in the
    footer, in the language of `messages`."""
    article = briefing.article
    link = article.canonical_url or article.url
    embed = discord.Embed(
        title=fit_text(article.title or link or messages.gettext("Untitled article"), EMBED_TITLE_LIMIT),
        url=embed_url(link),
        colour=EMBED_COLOUR,
        description=fit_sentences(briefing.summary.sentences, EMBED_DESCRIPTION_LIMIT),
    )
    author = " · ".join(part for part in (article.site, ", ".join(article.authors)) if part)
    if author:
        embed.set_author(name=fit_text(author, EMBED_AUTHOR_LIMIT))
    footer = reading_note(briefing, messages)
    if article.published:
        published = messages.gettext("Published {date}", date=messages.date(article.published))
        footer = f"{published} · {footer}"
    embed.set_footer(text=fit_text(footer, EMBED_FOOTER_LIMIT))
    if picture := embed_url(article.image):
        embed.set_thumbnail(url=picture)
    for quote in briefing.key_quotes[:EMBED_FIELD_COUNT_LIMIT]:
        name, value = quote_field(quote, messages)
        if len(embed) + len(name) + len(value) > EMBED_TOTAL_LIMIT:
            break
        embed.add_field(name=name, value=value, inline=False)
    overflow = len(embed) - EMBED_TOTAL_LIMIT
    if overflow > 0 and embed.description:
        embed.description = fit_sentences(briefing.summary.sentences, max(1, len(embed.description) - overflow))
    return embed


# ----------------------------------------------------------------------------- link buttons


def can_link_to(url: str | None) -> bool:
    """Whether Discord accepts `url` on a link button: a scheme it allows, within 512 characters."""
    return _url_within(url, schemes=LINK_BUTTON_SCHEMES, limit=BUTTON_URL_LIMIT)


@dataclass(frozen=True, slots=True)
class ArticleLink:
    """A link button's label and address: plain data, turned into a discord.ui.View when sent."""

    label: str
    url: str


def link_view(links: Sequence[ArticleLink]) -> discord.ui.View:
    """Link buttons (no custom_id: Discord opens the url, the bot hears nothing) in one view, within
    Discord's 5 rows of 5: one to a row while they fit, else side by side. Empty for no links (sent
    as no components, which discord.py's send takes where it takes no None)."""
    kept = [link for link in links if can_link_to(link.url)][:MESSAGE_BUTTON_LIMIT]
    view = discord.ui.View(timeout=None)
    one_per_row = len(kept) <= ACTION_ROW_LIMIT
    for index, link in enumerate(kept):
        label = fit_text(link.label, BUTTON_LABEL_LIMIT) or READ_THE_ARTICLE
        view.add_item(discord.ui.Button(label=label, url=link.url, row=index if one_per_row else None))
    return view


def read_article_view(briefing: Briefing, messages: Messages = ENGLISH) -> discord.ui.View:
    """The /summarize answer's "Read the article" button, when the article's address can be linked."""
    article = briefing.article
    url = article.canonical_url or article.url
    return link_view([ArticleLink(messages.gettext(READ_THE_ARTICLE), url)] if url else [])


# ----------------------------------------------------------------------------- digests

OUTLET_LABEL_CHARS = 80
"""An outlet's name is a few words; a feed title longer than this is a tagline, cut so links still fit."""
COVERAGE_SEPARATOR = " · "


@dataclass(frozen=True, slots=True)
class DigestMessage:
    """One Discord message of a digest, and the feed items its stories account for (to mark as sent
    once this message is delivered)."""

    content: str | None
    embeds: tuple[discord.Embed, ...]
    item_keys: tuple[ItemKey, ...]
    links: tuple[ArticleLink, ...] = ()
    """A link button per story that has an address, in the embeds' order."""
    thread_name: str | None = None
    """Set on a message that opens a thread (thread mode's header) or a forum post: its name."""
    ping_role_id: int | None = None
    """The role this message mentions at its top (the first message of an edition or live post)."""

    def view(self) -> discord.ui.View:
        """The message's link buttons as discord.py sends them (an empty view when it has none)."""
        return link_view(self.links)


def _link_label(name: str) -> str:
    label = escape_markdown(fit_text(name, OUTLET_LABEL_CHARS))
    return label.replace("[", "\\[").replace("]", "\\]")


def _markdown_link(name: str, url: str | None) -> str:
    """'[Outlet](url)', with the characters that would end the link early percent-encoded."""
    if not url:
        return _link_label(name)
    target = url.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E")
    return f"[{_link_label(name)}]({target})"


def coverage_field(story: DigestStory, messages: Messages = ENGLISH) -> tuple[str, str]:
    """'Covered by 3 outlets' and every outlet as a Markdown link to its article, within a field's limit.

    Links that do not fit are dropped from the end (an outlet then shows as its plain name while
    that fits), and the value says how many more outlets there were.
    """
    link_of: dict[str, str] = {}
    for outlet, link in story.outlet_links or zip(story.outlets, story.links, strict=False):
        link_of.setdefault(outlet, link)
    total = len(story.outlets)
    kept: list[str] = []
    for outlet in story.outlets:
        more = total - len(kept) - 1
        suffix = COVERAGE_SEPARATOR + _more(more, messages) if more else ""
        for entry in (_markdown_link(outlet, link_of.get(outlet)), _link_label(outlet)):
            if len(COVERAGE_SEPARATOR.join([*kept, entry]) + suffix) <= EMBED_FIELD_VALUE_LIMIT:
                kept.append(entry)
                break
        else:
            break
    left_out = total - len(kept)
    value = COVERAGE_SEPARATOR.join(kept) + (COVERAGE_SEPARATOR + _more(left_out, messages) if left_out else "")
    name = messages.ngettext(
        "Covered by {count} outlet", "Covered by {count} outlets", total, count=messages.number(total)
    )
    return name, value


def _more(count: int, messages: Messages) -> str:
    """'+2 more': the outlets a coverage field has no room for."""
    return messages.gettext("+{count} more", count=messages.number(count))


def story_embed(story: DigestStory, *, footer_note: str | None = None, messages: Messages = ENGLISH) -> discord.Embed:
    """One digest story: title linked to the representative article, the summary, its picture as the
    thumbnail, the key quote, every outlet's link when several covered it, the outlet and the
    article's reading time in the footer, and the story's time as the timestamp.

    Args:
        story: the story.
        footer_note: a line added under the footer (a digest puts its failing feeds on its last story).
        messages: the language of the server it is posted in.
    """
    embed = discord.Embed(
        title=fit_text(story.title or story.url or messages.gettext("Untitled story"), EMBED_TITLE_LIMIT),
        url=embed_url(story.url),
        colour=EMBED_COLOUR,
        description=fit_sentences(story.summary, EMBED_DESCRIPTION_LIMIT) if story.summary else None,
        timestamp=story.published,
    )
    if picture := embed_url(story.image):
        embed.set_thumbnail(url=picture)
    if story.key_quote is not None:
        name, value = quote_field(story.key_quote, messages)
        embed.add_field(name=name, value=value, inline=False)
    if story.outlet_count > 1:
        name, value = coverage_field(story, messages)
        embed.add_field(name=name, value=value, inline=False)
    footer = [story.outlets[0]] if story.outlet_count == 1 else []
    if story.word_count:
        footer.append(length_note(story.word_count, messages))
    if story.from_feed_summary:
        footer.append(messages.gettext("Summary from the feed (the page could not be read)"))
    lines = [COVERAGE_SEPARATOR.join(footer)] if footer else []
    if footer_note:
        lines.append(footer_note)
    if lines:
        embed.set_footer(text=fit_text("\n".join(lines), EMBED_FOOTER_LIMIT))
    overflow = len(embed) - EMBED_TOTAL_LIMIT
    if overflow > 0 and embed.description:
        embed.description = fit_sentences(story.summary, max(1, len(embed.description) - overflow))
        overflow = len(embed) - EMBED_TOTAL_LIMIT
    if overflow > 0 and embed.footer.text:
        embed.set_footer(text=fit_text(embed.footer.text, max(1, len(embed.footer.text) - overflow)))
    return embed


def pack_digest(digest: Digest, messages: Messages = ENGLISH) -> list[DigestMessage]:
    """A digest as Discord messages: the header as the first message's text, then one embed per story,
    in rank order, as many to a message as Discord allows (10 embeds, 6000 characters of embed text),
    with a link button per story under them (10 stories take 10 of a message's 25 buttons).

    A story's embed is never split across messages; the last story's footer names the feeds that
    could not be fetched. A digest without stories is one message saying there is nothing new. All of
    it in the language of `messages`: the server's.
    """
    failing = failing_feeds_line(digest, messages)
    if not digest.stories:
        content = "\n".join(line for line in (nothing_new_line(digest, messages), failing) if line)
        return [DigestMessage(content=fit_text(content, MESSAGE_CONTENT_LIMIT), embeds=(), item_keys=())]

    last = len(digest.stories) - 1
    embeds = [
        story_embed(story, footer_note=failing if index == last else None, messages=messages)
        for index, story in enumerate(digest.stories)
    ]
    batches: list[list[int]] = [[]]
    size = 0
    for index, embed in enumerate(embeds):
        batch = batches[-1]
        if batch and (len(batch) == MESSAGE_EMBED_COUNT_LIMIT or size + len(embed) > EMBED_TOTAL_LIMIT):
            batches.append(batch := [])
            size = 0
        batch.append(index)
        size += len(embed)
    header = fit_text(digest_header(digest, messages), MESSAGE_CONTENT_LIMIT)
    return [
        DigestMessage(
            content=header if number == 0 else None,
            embeds=tuple(embeds[index] for index in batch),
            item_keys=tuple(key for index in batch for key in digest.stories[index].item_keys),
            links=story_links([digest.stories[index] for index in batch], messages),
        )
        for number, batch in enumerate(batches)
    ]


def story_links(stories: Sequence[DigestStory], messages: Messages = ENGLISH) -> tuple[ArticleLink, ...]:
    """A message's link buttons: "Read the article" for a message of one story; with several, each
    button carries its story's headline, so a reader can tell them apart."""
    linked = [story for story in stories if can_link_to(story.url)]
    read = messages.gettext(READ_THE_ARTICLE)
    if len(stories) == 1:
        return tuple(ArticleLink(read, story.url) for story in linked if story.url)
    return tuple(ArticleLink(story.title or read, story.url) for story in linked if story.url)


# ----------------------------------------------------------------------------- live posts


def live_story_message(story: DigestStory, messages: Messages = ENGLISH) -> DigestMessage:
    """A live post: the story's embed as a digest shows it (summary, key quote, thumbnail, every
    outlet's link when several covered it) and its "Read the article" button, alone in its message."""
    return DigestMessage(
        content=None,
        embeds=(story_embed(story, messages=messages),),
        item_keys=story.item_keys,
        links=story_links([story], messages),
    )


def held_stories_message(stories: Sequence[HeldStory], messages: Messages = ENGLISH) -> DigestMessage:
    """The stories a live subscription held over its hourly cap, as one message at the next hour:
    each headline linked to its article with its outlets' links under it, as many as fit in one
    embed, and how many more there were."""
    lines: list[str] = []
    for index, story in enumerate(stories):
        link = story.coverage[0].link if story.coverage else None
        headline = story.title or (story.coverage[0].outlet if story.coverage else "")
        outlets = COVERAGE_SEPARATOR.join(_markdown_link(item.outlet, item.link) for item in story.coverage)
        entry = f"**{_markdown_link(headline, link)}**" + (f"\n{outlets}" if outlets else "")
        left = len(stories) - index - 1
        more = f"\n\n{_more(left, messages)}" if left else ""
        if len("\n\n".join([*lines, entry]) + more) > EMBED_DESCRIPTION_LIMIT:
            lines.append(_more(len(stories) - index, messages))
            break
        lines.append(entry)
    title = messages.ngettext(
        "{count} more story this hour",
        "{count} more stories this hour",
        len(stories),
        count=messages.number(len(stories)),
    )
    embed = discord.Embed(title=fit_text(title, EMBED_TITLE_LIMIT), colour=EMBED_COLOUR, description="\n\n".join(lines))
    return DigestMessage(content=None, embeds=(embed,), item_keys=())

"""Long lists as pages of embeds, turned with buttons that only the user who asked may press.

    pages = entry_pages(title="50 feeds", entries=lines)
    await Paginator(pages, owner_id=interaction.user.id).start(interaction, ephemeral=True)

A list that fits one page is sent without buttons. The buttons stop after PAGE_TURN_TIMEOUT_SECONDS
without a press: they are then shown disabled, so nobody presses a button that no longer answers.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import discord

from bot.discord_limits import EMBED_DESCRIPTION_LIMIT, EMBED_FOOTER_LIMIT
from bot.embeds import EMBED_COLOUR, fit_text
from bot.i18n import ENGLISH, N_, Messages, messages_for

LOGGER = logging.getLogger(__name__)

PAGE_TURN_TIMEOUT_SECONDS = 180.0
"""Buttons stop after this long without a press: long enough to read a page, and well inside the
15 minutes in which the interaction's token may still edit the answer to disable them."""
ENTRIES_PER_PAGE = 10
"""At most this many entries a page: a screenful, whatever the characters allow."""

# What the user reads, in English: each string in one place, translated by the catalogues.
PREVIOUS_LABEL = N_("Previous")
NEXT_LABEL = N_("Next")
PAGE_FOOTER = N_("Page {page} of {pages}")
NOT_YOUR_PAGES = N_("Only the person who asked can turn these pages.")
FOOTER_SEPARATOR = " · "


def pack_entries(
    entries: Sequence[str], *, per_page: int = ENTRIES_PER_PAGE, limit: int = EMBED_DESCRIPTION_LIMIT
) -> list[str]:
    """The entries, one a line, packed into page texts of at most `per_page` entries and `limit`
    characters; an entry is never split across pages (one longer than a page is shortened)."""
    pages: list[list[str]] = []
    size = 0
    for entry in entries:
        entry = fit_text(entry, limit)
        if not pages or len(pages[-1]) >= per_page or size + 1 + len(entry) > limit:
            pages.append([])
            size = -1  # no newline before a page's first entry
        pages[-1].append(entry)
        size += 1 + len(entry)
    return ["\n".join(page) for page in pages]


def entry_pages(
    *,
    title: str,
    entries: Sequence[str],
    footer: str | None = None,
    per_page: int = ENTRIES_PER_PAGE,
    messages: Messages = ENGLISH,
) -> list[discord.Embed]:
    """Embeds of `entries` a page each, titled `title`, with "Page 2 of 5" (and `footer`) below, in
    the language of `messages`."""
    texts = pack_entries(entries, per_page=per_page) or [""]
    embeds = []
    for number, text in enumerate(texts, start=1):
        embed = discord.Embed(title=title, colour=EMBED_COLOUR, description=text or None)
        position = messages.gettext(PAGE_FOOTER, page=messages.number(number), pages=messages.number(len(texts)))
        notes = [position] if len(texts) > 1 else []
        notes += [footer] if footer else []
        if notes:
            embed.set_footer(text=fit_text(FOOTER_SEPARATOR.join(notes), EMBED_FOOTER_LIMIT))
        embeds.append(embed)
    return embeds


class Paginator(discord.ui.View):
    """Previous and Next buttons under an embed, for the user who asked alone."""

    def __init__(self, pages: Sequence[discord.Embed], *, owner_id: int, messages: Messages = ENGLISH) -> None:
        """Args:
        pages: the embeds, in order; at least one.
        owner_id: the user who asked: the only one whose presses turn the pages.
        messages: the language of the buttons, and of the refusal to anyone else (the asker's).
        """
        if not pages:
            raise ValueError("a paginator needs at least one page")
        super().__init__(timeout=PAGE_TURN_TIMEOUT_SECONDS)
        self.pages = list(pages)
        self.owner_id = owner_id
        self.page = 0
        self.messages = messages
        self.previous_page.label = messages.gettext(PREVIOUS_LABEL)
        self.next_page.label = messages.gettext(NEXT_LABEL)
        self._answered: discord.Interaction | None = None
        self._show_position()

    async def start(self, interaction: discord.Interaction, *, ephemeral: bool) -> None:
        """Answer `interaction` with the first page, and the buttons when there are more."""
        if len(self.pages) == 1:
            self.stop()
            await interaction.response.send_message(embed=self.pages[0], ephemeral=ephemeral)
            return
        self._answered = interaction
        await interaction.response.send_message(embed=self.pages[0], view=self, ephemeral=ephemeral)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(
            messages_for(interaction.locale.value).gettext(NOT_YOUR_PAGES), ephemeral=True
        )
        return False

    @discord.ui.button(label=PREVIOUS_LABEL, style=discord.ButtonStyle.secondary)
    async def previous_page(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await self._turn(interaction, self.page - 1)

    @discord.ui.button(label=NEXT_LABEL, style=discord.ButtonStyle.primary)
    async def next_page(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await self._turn(interaction, self.page + 1)

    async def _turn(self, interaction: discord.Interaction, page: int) -> None:
        self.page = max(0, min(page, len(self.pages) - 1))
        self._show_position()
        await interaction.response.edit_message(embed=self.pages[self.page], view=self)

    def _show_position(self) -> None:
        self.previous_page.disabled = self.page == 0
        self.next_page.disabled = self.page == len(self.pages) - 1

    async def on_timeout(self) -> None:
        """Show the buttons disabled: after the timeout they would not answer."""
        self.previous_page.disabled = self.next_page.disabled = True
        if self._answered is None:
            return
        try:
            await self._answered.edit_original_response(view=self)
        except discord.HTTPException:
            LOGGER.debug("Could not disable the page buttons of interaction %s", self._answered.id)

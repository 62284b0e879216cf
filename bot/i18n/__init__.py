"""What newsbrief says, in the reader's language: gettext catalogues read with Babel, and dates and
numbers formatted for the locale.

    messages = messages_for("de")          # a Discord locale code: interaction.locale.value
    messages.gettext("Stopped following **{name}**.", name=feed)
    messages.ngettext("{count} feed", "{count} feeds", 3, count=messages.number(3))

English is the source: the messages are written in English in the code, and each shipped locale
has a catalogue `bot/locales/<catalogue>/LC_MESSAGES/newsbrief.po` translating them (`make messages`
re-extracts the template and updates the catalogues). The `.po` files are read at start with
Babel's `read_po` and turned into gettext translations in memory: no compile step to forget, no
binary files to keep in step with their sources; reading all seven took 39 ms on a busy 2-core
machine, once per process.

This module never imports discord: the core marks its messages with `N_` and callers translate them.
"""

from __future__ import annotations

import functools
import gettext
import io
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from babel import Locale
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from bot.news.errors import N_

__all__ = ["COMMAND_CONTEXT", "ENGLISH", "N_", "OPTION_CONTEXT", "Messages", "messages_for", "shipped_locales"]

LOGGER = logging.getLogger(__name__)

DOMAIN = "newsbrief"
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
"""bot/locales/<catalogue>/LC_MESSAGES/newsbrief.po, installed with the package."""
TEMPLATE = LOCALES_DIR / f"{DOMAIN}.pot"

SOURCE_FORMAT_LOCALE = "en_GB"
"""How English dates look when no reader's locale is known (the CLI, a server without a preference):
'25 Nov 2026', day first, unambiguous on both sides of the Atlantic."""

CATALOGUE_OF_LOCALE: Mapping[str, str] = {
    "de": "de",
    "fr": "fr",
    "es-ES": "es_ES",
    "es-419": "es_ES",  # no Latin American catalogue yet: Spain's Spanish reads well there
    "pt-BR": "pt_BR",
    "uk": "uk",
    "ru": "ru",
    "pl": "pl",
}
"""Discord's locale codes (https://discord.com/developers/docs/reference#locales) that have a
catalogue, and its folder name; every other locale, en-US and en-GB among them, reads English."""

ENGLISH_LOCALES = frozenset({"en-US", "en-GB"})

COMMAND_CONTEXT = "command"
"""The catalogue context (msgctxt) of command, group and context menu names."""
OPTION_CONTEXT = "option"
"""The catalogue context of option names: an option may be named like a command yet translate otherwise."""


@dataclass(frozen=True, slots=True)
class Messages:
    """One reader's language: translated messages, and dates and numbers as their locale writes them."""

    locale: str
    """The Discord locale code ("de", "pt-BR"), or "en" for the source language."""
    translations: gettext.NullTranslations
    format_locale: Locale

    def gettext(self, message: str, /, **params: object) -> str:
        """`message` translated, with `{name}` placeholders filled from `params`."""
        translated = self.translations.gettext(message)
        return translated.format(**params) if params else translated

    def pgettext(self, context: str, message: str, /) -> str:
        """`message` translated as it reads in `context` (COMMAND_CONTEXT, OPTION_CONTEXT)."""
        return self.translations.pgettext(context, message)

    def ngettext(self, singular: str, plural: str, count: int, /, **params: object) -> str:
        """The form of the message for `count` (Polish, Russian and Ukrainian have three), filled from `params`."""
        return self.translations.ngettext(singular, plural, count).format(**params)

    def number(self, value: float) -> str:
        """'1,234' in English, '1.234' in German, '1 234' in French."""
        return format_decimal(value, locale=self.format_locale)

    def date(self, day: date) -> str:
        """'25 Nov 2026', '25.11.2026', '25 lis 2026': the locale's medium date."""
        return format_date(day, format="medium", locale=self.format_locale)


ENGLISH = Messages(
    locale="en", translations=gettext.NullTranslations(), format_locale=Locale.parse(SOURCE_FORMAT_LOCALE)
)
"""The source language, as the CLI and servers without a preferred locale read it."""


def read_catalogue(path: Path) -> gettext.GNUTranslations:
    """A `.po` file as gettext translations, compiled in memory; fuzzy entries are left out, as msgfmt does."""
    with path.open("rb") as po_file:
        catalogue = read_po(po_file, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


@functools.cache
def catalogues() -> dict[str, gettext.GNUTranslations]:
    """Every shipped catalogue by its folder name ("pt_BR"), read once per process."""
    found = {}
    for name in sorted(set(CATALOGUE_OF_LOCALE.values())):
        path = LOCALES_DIR / name / "LC_MESSAGES" / f"{DOMAIN}.po"
        found[name] = read_catalogue(path)
    LOGGER.debug("Read %d message catalogues from %s", len(found), LOCALES_DIR)
    return found


@functools.cache
def messages_for(locale: str | None) -> Messages:
    """The messages for a Discord locale code ("de", "es-419", "en-US"); English for None or any
    locale without a catalogue."""
    if locale in ENGLISH_LOCALES:
        return Messages(locale=locale, translations=ENGLISH.translations, format_locale=Locale.parse(locale, sep="-"))
    catalogue = CATALOGUE_OF_LOCALE.get(locale or "")
    if catalogue is None:
        return ENGLISH
    assert locale is not None
    return Messages(locale=locale, translations=catalogues()[catalogue], format_locale=Locale.parse(locale, sep="-"))


def shipped_locales() -> list[str]:
    """The Discord locale codes that read a catalogue of their own (es-419 shares es-ES's)."""
    return list(CATALOGUE_OF_LOCALE)

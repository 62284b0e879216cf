"""The message catalogues: every shipped catalogue translates every message of the template, and the
template holds every message the source marks."""

from __future__ import annotations

import string
from datetime import date
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from bot.i18n import CATALOGUE_OF_LOCALE, DOMAIN, ENGLISH, LOCALES_DIR, TEMPLATE, messages_for
from bot.i18n.extract import DESCRIPTION, MENU, NAME, OPTION
from newsbrief_testkit.fake_discord.command_rules import slash_name_error

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(set(CATALOGUE_OF_LOCALE.values()))
NAME_LIMIT = 32
DESCRIPTION_LIMIT = 100


def read_catalogue(path: Path) -> Catalog:
    with path.open("rb") as po_file:
        return read_po(po_file)


def catalogue_path(name: str) -> Path:
    return LOCALES_DIR / name / "LC_MESSAGES" / f"{DOMAIN}.po"


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def _forms(message: Message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple | list) else [message.string or ""]


def _rule_problems(template: Message, translation: str) -> list[str]:
    """Discord's rules for the strings a sync sends, told by the template's comment on the message."""
    kinds = set(template.auto_comments)
    if kinds & {NAME, OPTION} and slash_name_error(translation) is not None:
        return ["is not a valid command or option name"]
    if MENU in kinds and not 1 <= len(translation) <= NAME_LIMIT:
        return [f"is longer than {NAME_LIMIT} characters"]
    if DESCRIPTION in kinds and not 1 <= len(translation) <= DESCRIPTION_LIMIT:
        return [f"is longer than {DESCRIPTION_LIMIT} characters"]
    return []


def catalogue_problems(template: Catalog, catalogue: Catalog) -> list[str]:
    """What keeps `catalogue` from translating every message of `template`: a message missing, fuzzy
    or empty, a placeholder lost or invented, a name or description Discord would refuse."""
    problems = []
    for wanted in template:
        if not wanted.id:
            continue
        message = catalogue.get(wanted.id, context=wanted.context)
        label = f"{wanted.context + ': ' if wanted.context else ''}{wanted.id!r}"
        if message is None:
            problems.append(f"{label} is missing")
            continue
        if message.fuzzy:
            problems.append(f"{label} is fuzzy")
        forms = _forms(message)
        if not all(forms) or (message.pluralizable and len(forms) != catalogue.num_plurals):
            problems.append(f"{label} has an empty translation")
            continue
        expected = placeholders(wanted.id if isinstance(wanted.id, str) else " ".join(wanted.id))
        for form in forms:
            if placeholders(form) - expected or (not message.pluralizable and placeholders(form) != expected):
                problems.append(f"{label}: {form!r} does not fill the same placeholders")
            problems += [f"{label}: {form!r} {problem}" for problem in _rule_problems(wanted, form)]
    return problems


@pytest.fixture(scope="module")
def template() -> Catalog:
    return read_catalogue(TEMPLATE)


@pytest.mark.parametrize("name", CATALOGUES)
def test_catalogue_translates_every_message_of_the_template(template: Catalog, name: str) -> None:
    assert catalogue_problems(template, read_catalogue(catalogue_path(name))) == []


def test_a_catalogue_missing_a_message_is_reported(template: Catalog) -> None:
    catalogue = read_catalogue(catalogue_path("de"))
    catalogue.delete("Nothing new since the last edition.")
    assert catalogue_problems(template, catalogue) == ["'Nothing new since the last edition.' is missing"]


def test_a_fuzzy_or_empty_translation_is_reported(template: Catalog) -> None:
    catalogue = read_catalogue(catalogue_path("fr"))
    fuzzy = catalogue.get("Next")
    assert fuzzy is not None
    fuzzy.flags.add("fuzzy")
    empty = catalogue.get("Previous")
    assert empty is not None
    empty.string = ""
    assert catalogue_problems(template, catalogue) == ["'Next' is fuzzy", "'Previous' has an empty translation"]


def test_a_translation_that_drops_a_placeholder_is_reported(template: Catalog) -> None:
    catalogue = read_catalogue(catalogue_path("pl"))
    page = catalogue.get("Page {page} of {pages}")
    assert page is not None
    page.string = "Strona {page}"
    assert catalogue_problems(template, catalogue) == [
        "'Page {page} of {pages}': 'Strona {page}' does not fill the same placeholders"
    ]


def test_a_command_name_with_capitals_is_reported(template: Catalog) -> None:
    catalogue = read_catalogue(catalogue_path("uk"))
    name = catalogue.get("summarize", context="command")
    assert name is not None
    name.string = "Підсумувати"
    assert catalogue_problems(template, catalogue) == [
        "command: 'summarize': 'Підсумувати' is not a valid command or option name"
    ]


def test_the_template_holds_every_message_the_source_marks(template: Catalog) -> None:
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config, "babel.cfg")  # type: ignore[no-untyped-call]
    extracted = {
        (context, message if isinstance(message, str) else message[0])
        for _, _, message, _, context in extract_from_dir(
            ROOT, method_map, options_map, keywords=DEFAULT_KEYWORDS, comment_tags=("TRANSLATORS:",)
        )
    }
    in_template = {
        (message.context, message.id if isinstance(message.id, str) else message.id[0]) for message in template
    }
    assert extracted == in_template - {(None, "")}, "run `make messages` after changing what the bot says"


@pytest.mark.parametrize(("locale", "catalogue"), [("es-419", "es_ES"), ("pt-BR", "pt_BR"), ("uk", "uk"), ("de", "de")])
def test_a_discord_locale_reads_its_catalogue(locale: str, catalogue: str) -> None:
    expected = read_catalogue(catalogue_path(catalogue)).get("Nothing new since the last edition.")
    assert expected is not None
    assert messages_for(locale).gettext("Nothing new since the last edition.") == expected.string


@pytest.mark.parametrize("locale", ["en-US", "en-GB", "ja", "zh-TW", None])
def test_a_locale_without_a_catalogue_reads_english(locale: str | None) -> None:
    assert messages_for(locale).gettext("Nothing new since the last edition.") == "Nothing new since the last edition."


@pytest.mark.parametrize(
    ("locale", "expected"),
    [(None, "25 Nov 2026"), ("en-US", "Nov 25, 2026"), ("de", "25.11.2026"), ("pl", "25 lis 2026")],
)
def test_dates_are_written_as_the_locale_writes_them(locale: str | None, expected: str) -> None:
    assert messages_for(locale).date(date(2026, 11, 25)) == expected


def test_numbers_are_grouped_as_the_locale_groups_them() -> None:
    assert [ENGLISH.number(12345), messages_for("de").number(12345), messages_for("fr").number(12345)] == [
        "12,345",
        "12.345",
        "12\u202f345",
    ]


def test_plural_forms_follow_the_language() -> None:
    russian = messages_for("ru")
    stories = [russian.ngettext("{count} story", "{count} stories", count, count=count) for count in (1, 3, 5, 21)]
    assert len({story.split(" ", 1)[1] for story in stories[:3]}) == 3
    assert stories[3].split(" ", 1)[1] == stories[0].split(" ", 1)[1]

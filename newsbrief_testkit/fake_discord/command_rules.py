r"""Discord's rules for application commands: what a sync may send, and who is offered a command where.

The fields (https://discord.com/developers/docs/interactions/application-commands#application-command-object):
``integration_types`` a subset of {0 guild install, 1 user install}, ``contexts`` a subset of {0 guild, 1 bot
DM, 2 private channel}, both for global commands only; ``default_member_permissions`` a permission bit set
as a string (Discord also takes a JSON number, which discord.py sends, and answers with the string; "0"
leaves the command to administrators); ``dm_permission`` is deprecated: ``contexts`` decides when it is set.

Names and descriptions, with their ``name_localizations`` and ``description_localizations`` (keyed by
Discord's locale codes): a chat input command's name and its options' names match
``^[-_\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$`` in lowercase where the letters have case; a context
menu's name is any 1-32 characters; chat input descriptions are 1-100 characters.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Mapping
from typing import Any

from .limits import (
    ADMINISTRATOR,
    COMMAND_CHAT_INPUT,
    COMMAND_DESCRIPTION_LIMIT,
    COMMAND_NAME_LIMIT,
    CONTEXT_GUILD,
    CONTEXT_TYPES,
    DISCORD_LOCALES,
    INSTALL_GUILD,
    INSTALL_TYPES,
)
from .wire import field_error

_NAME_PUNCTUATION = frozenset("-_")
_DEVANAGARI = range(0x0900, 0x0980)
_THAI = range(0x0E00, 0x0E80)

DEFAULT_INSTALL_TYPES = (INSTALL_GUILD,)
"""A command without integration_types takes the app's default install types: a guild install."""


def _choices_errors(value: Any, allowed: Collection[int]) -> dict[str, Any] | None:
    """Errors for a list that must hold only values from ``allowed`` (None is the default, accepted)."""
    if value is None:
        return None
    if not isinstance(value, list):
        return field_error("LIST_TYPE_CONVERT", "Must be an array.")
    wrong = {
        str(index): field_error("BASE_TYPE_CHOICES", f"Value must be one of {sorted(allowed)}.")
        for index, entry in enumerate(value)
        if isinstance(entry, bool) or entry not in allowed
    }
    return wrong or None


def permission_value(value: Any) -> str | None:
    """``default_member_permissions`` as Discord keeps it (a string of digits), or None when it is not one."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    if isinstance(value, str) and value.isdigit():
        return str(int(value))
    return None


def _is_name_character(character: str) -> bool:
    r"""\p{L}, \p{N}, '-' and '_', or any character of the Devanagari and Thai scripts (their vowel signs
    are marks, not letters)."""
    if character in _NAME_PUNCTUATION or ord(character) in _DEVANAGARI or ord(character) in _THAI:
        return True
    return unicodedata.category(character)[0] in ("L", "N")


def slash_name_error(name: Any) -> dict[str, Any] | None:
    """The error for a chat input command's or an option's name, or None when Discord takes it."""
    if not isinstance(name, str) or not 1 <= len(name) <= COMMAND_NAME_LIMIT:
        return field_error("BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {COMMAND_NAME_LIMIT} in length.")
    if not all(_is_name_character(character) for character in name) or name != name.lower():
        return field_error("APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    return None


def _length_error(text: Any, limit: int) -> dict[str, Any] | None:
    if not isinstance(text, str) or not 1 <= len(text) <= limit:
        return field_error("BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {limit} in length.")
    return None


def _localizations_errors(value: Any, check: Any) -> dict[str, Any] | None:
    """Errors for a localizations map: its keys Discord's locales, each value passing `check`."""
    if value is None:
        return None
    if not isinstance(value, dict):
        return field_error("DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
    errors: dict[str, Any] = {}
    for locale, text in value.items():
        if locale not in DISCORD_LOCALES:
            errors[locale] = field_error("ENUM_TYPE_COERCE", f'Value "{locale}" is not a valid enum value.')
        elif found := check(text):
            errors[locale] = found
    return errors or None


def _texts_errors(entry: Mapping[str, Any], *, slash: bool) -> dict[str, Any]:
    """Errors in the name, description and their localizations of a command or an option (and of its options)."""
    errors: dict[str, Any] = {}

    def name_error(text: Any) -> dict[str, Any] | None:
        return slash_name_error(text) if slash else _length_error(text, COMMAND_NAME_LIMIT)

    def description_error(text: Any) -> dict[str, Any] | None:
        return _length_error(text, COMMAND_DESCRIPTION_LIMIT)

    if found := name_error(entry.get("name")):
        errors["name"] = found
    if found := _localizations_errors(entry.get("name_localizations"), name_error):
        errors["name_localizations"] = found
    if slash:
        if found := description_error(entry.get("description")):
            errors["description"] = found
        if found := _localizations_errors(entry.get("description_localizations"), description_error):
            errors["description_localizations"] = found
    options = {
        str(index): found
        for index, option in enumerate(entry.get("options") or [])
        if (found := _texts_errors(option, slash=True))
    }
    if options:
        errors["options"] = options
    return errors


def command_errors(command: Mapping[str, Any]) -> dict[str, Any]:
    """Discord's "Invalid Form Body" errors for one command of a sync, keyed by field; empty when valid."""
    errors: dict[str, Any] = _texts_errors(command, slash=command.get("type", COMMAND_CHAT_INPUT) == COMMAND_CHAT_INPUT)
    if found := _choices_errors(command.get("integration_types"), INSTALL_TYPES):
        errors["integration_types"] = found
    if found := _choices_errors(command.get("contexts"), CONTEXT_TYPES):
        errors["contexts"] = found
    permissions = command.get("default_member_permissions")
    if permissions is not None and permission_value(permissions) is None:
        errors["default_member_permissions"] = field_error("NUMBER_TYPE_COERCE", f'Value "{permissions}" is not int.')
    if command.get("dm_permission") is not None and not isinstance(command["dm_permission"], bool):
        errors["dm_permission"] = field_error("BASE_TYPE_BOOLEAN", "Must be either true or false.")
    return errors


def install_types(command: Mapping[str, Any]) -> tuple[int, ...]:
    """Where the command is installed: its integration_types, or the app's default (a guild install)."""
    declared = command.get("integration_types")
    return tuple(declared) if declared is not None else DEFAULT_INSTALL_TYPES


def usable_contexts(command: Mapping[str, Any]) -> tuple[int, ...]:
    """Where the command may be used: its contexts; without them every context, but for the deprecated
    ``dm_permission: false``, which leaves only servers."""
    declared = command.get("contexts")
    if declared is not None:
        return tuple(declared)
    if command.get("dm_permission") is False:
        return (CONTEXT_GUILD,)
    return tuple(sorted(CONTEXT_TYPES))


def is_offered(command: Mapping[str, Any], *, context: int, installs: Collection[int], permissions: int | None) -> bool:
    """Whether a user is offered the command: used in ``context``, the app installed as ``installs`` there
    (the keys of authorizing_integration_owners), the member holding ``permissions`` (None outside a
    server, where default_member_permissions does not apply)."""
    if context not in usable_contexts(command) or not set(installs) & set(install_types(command)):
        return False
    required = permission_value(command.get("default_member_permissions"))
    if required is None or permissions is None:
        return True
    if permissions & ADMINISTRATOR:
        return True
    needed = int(required)
    return needed != 0 and permissions & needed == needed

"""Discord's rules for application commands: what a sync may send, and who is offered a command where.

The fields (https://discord.com/developers/docs/interactions/application-commands#application-command-object):
``integration_types`` a subset of {0 guild install, 1 user install}, ``contexts`` a subset of {0 guild, 1 bot
DM, 2 private channel}, both for global commands only; ``default_member_permissions`` a permission bit set
as a string (Discord also takes a JSON number, which discord.py sends, and answers with the string; "0"
leaves the command to administrators); ``dm_permission`` is deprecated: ``contexts`` decides when it is set.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from .limits import (
    ADMINISTRATOR,
    CONTEXT_GUILD,
    CONTEXT_TYPES,
    INSTALL_GUILD,
    INSTALL_TYPES,
)
from .wire import field_error

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


def command_errors(command: Mapping[str, Any]) -> dict[str, Any]:
    """Discord's "Invalid Form Body" errors for one command of a sync, keyed by field; empty when valid."""
    errors: dict[str, Any] = {}
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

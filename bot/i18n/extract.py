"""A Babel extraction method for cogs: the strings discord.py sends to the translator when it syncs
commands (names, docstring descriptions, option names and descriptions, group and context menu
names), beside every string the code marks with gettext's keywords.

discord.py wraps each of those strings in `locale_str` itself, so the cogs keep the house style
(the docstring is the description) and `pybabel extract` still finds them all; babel.cfg maps
cogs/**.py here. tests/i18n checks the template holds every string the translator is asked for.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

from babel.messages.extract import extract_python

from bot.i18n import COMMAND_CONTEXT, OPTION_CONTEXT

Extracted = tuple[Any, ...]
"""(line, function name, message, comments): what Babel's own python method yields (its stub says otherwise)."""

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_SKIPPED_PARAMETERS = {"self", "interaction"}


def command_description(docstring: str) -> str:
    """The description discord.py makes of a docstring: its first paragraph on one line."""
    return " ".join(_PARAGRAPH_BREAK.split(docstring, maxsplit=1)[0].split())


def _decorator_name(decorator: ast.expr) -> str | None:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    if isinstance(target, ast.Attribute):
        return target.attr
    return target.id if isinstance(target, ast.Name) else None


def _string(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


NAME = "command name: lowercase, no spaces, at most 32 characters"
DESCRIPTION = "command description: at most 100 characters"
OPTION = "option name: lowercase, no spaces, at most 32 characters"
MENU = "context menu name: at most 32 characters, shown as written"
NAME_CONTEXTS = {NAME: COMMAND_CONTEXT, OPTION: OPTION_CONTEXT, MENU: COMMAND_CONTEXT}
"""Names are translated in a context of their own: /feeds the command and feeds the option may differ."""
Found = tuple[int, str, str]
"""A string discord.py translates: its line, the text, and what it is (NAME or DESCRIPTION)."""


def _keyword_strings(call: ast.Call, kinds: Mapping[str, str]) -> Iterator[Found]:
    for keyword in call.keywords:
        kind = kinds.get(keyword.arg or "")
        if kind and (text := _string(keyword.value)):
            yield keyword.value.lineno, text, kind


def _command_strings(function: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[Found]:
    decorators = {_decorator_name(decorator): decorator for decorator in function.decorator_list}
    command = decorators.get("command")
    if command is None:
        return
    given = {keyword.arg for keyword in command.keywords} if isinstance(command, ast.Call) else set()
    if isinstance(command, ast.Call):
        yield from _keyword_strings(command, {"name": NAME, "description": DESCRIPTION})
    if "name" not in given:
        yield function.lineno, function.name, NAME
    docstring = ast.get_docstring(function)
    if docstring and "description" not in given:
        yield function.lineno, command_description(docstring), DESCRIPTION
    for argument in function.args.args:
        if argument.arg not in _SKIPPED_PARAMETERS:
            yield argument.lineno, argument.arg, OPTION
    for decorator_name, kind in (("describe", DESCRIPTION), ("rename", OPTION)):
        decorator = decorators.get(decorator_name)
        if isinstance(decorator, ast.Call):
            yield from _keyword_strings(decorator, {keyword.arg or "": kind for keyword in decorator.keywords})


def _group_strings(cls: ast.ClassDef) -> Iterator[Found]:
    for keyword in cls.keywords:
        kind = {"group_name": NAME, "group_description": DESCRIPTION}.get(keyword.arg or "")
        if kind and (text := _string(keyword.value)):
            yield keyword.value.lineno, text, kind


def _context_menu_strings(call: ast.Call) -> Iterator[Found]:
    if _decorator_name(call) == "ContextMenu":
        # A context menu's name is shown as it is written: capitals and spaces are allowed.
        yield from _keyword_strings(call, {"name": MENU})


def command_strings(source: str) -> list[Found]:
    """Every string discord.py will ask the translator for, with its line and kind, in source order."""
    found: list[Found] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found += _command_strings(node)
        elif isinstance(node, ast.ClassDef):
            found += _group_strings(node)
        elif isinstance(node, ast.Call):
            found += _context_menu_strings(node)
    return sorted(found)


def extract_cog(
    fileobj: IO[bytes], keywords: Mapping[str, Any], comment_tags: Collection[str], options: Any
) -> Iterator[Extracted]:
    """Babel's extraction method for a cog: its command strings, then what gettext's keywords mark."""
    source = fileobj.read()
    encoding = options.get("encoding", "utf-8")
    for lineno, text, kind in command_strings(source.decode(encoding)):
        if kind in NAME_CONTEXTS:
            yield lineno, "pgettext", (NAME_CONTEXTS[kind], text), [kind]
        else:
            yield lineno, None, text, [kind]
    fileobj.seek(0)
    yield from extract_python(fileobj, keywords, comment_tags, options)

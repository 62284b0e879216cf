"""Keep credentials out of the logs, at every level.

discord.py logs at DEBUG every REST call by its URL, and a follow-up or an interaction callback has
the interaction's token in its path (``/webhooks/{application}/{token}``,
``/interactions/{id}/{token}/callback``); it logs every gateway event whole, and an
INTERACTION_CREATE carries ``'token': ...``. Anyone who reads such a log could answer as the bot
for 15 minutes; the bot's own token in a log would give the bot away for good.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

REDACTED = "[redacted]"

_TOKEN_IN_PATH = re.compile(r"(/(?:webhooks|interactions)/\d+/)[^/\s?#'\"]+")
"""An interaction token (or a webhook's) where Discord's URLs carry it."""

_TOKEN_FIELD = re.compile(r"""(['"](?:token|access_token|refresh_token)['"]\s*:\s*['"])[^'"]+""")
"""A token field of a payload logged as a dict or as JSON: gateway events, IDENTIFY."""

_BOT_TOKEN_SHAPE = re.compile(r"\b[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,40}\b")
"""What a Discord bot token looks like (user id, timestamp, HMAC in base64), whoever's it is."""


class RedactSecrets(logging.Filter):
    """A handler filter that rewrites a record's message and traceback without credentials.

    Put it on handlers, not loggers: a logger's filter does not see the records of its children.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        """Args:
        secrets: literal values to hide wherever they appear (the bot token).
        """
        super().__init__()
        self._secrets = tuple(secret for secret in secrets if secret)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        text = _TOKEN_IN_PATH.sub(rf"\1{REDACTED}", text)
        text = _TOKEN_FIELD.sub(rf"\1{REDACTED}", text)
        return _BOT_TOKEN_SHAPE.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            # The formatter keeps exc_text once set, so the traceback is rendered here, redacted.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True

"""The core's domain errors. Callers turn these into user messages in one place each.

An error's message is written in English with `{name}` placeholders, marked with `N_` so that
`make messages` puts it in the catalogues, and its parameters are kept beside it: a caller that
speaks to a reader in another language translates the template and fills it with the same
parameters (bot/replies.py), so the wording stays as precise in every language.
"""

from __future__ import annotations

import json
from enum import StrEnum


def N_(message: str) -> str:
    """Mark `message` for the catalogues without translating it here (gettext_noop)."""
    return message


class Phrase(str):
    """A parameter that is words of a message, translated with it ("a private address"), rather
    than data shown as it is (a host name, a status code). Made with `Phrase(N_("..."))`."""

    __slots__ = ()


class NewsError(Exception):
    """Base of every error the core raises on purpose; `kind` names the failure for callers.

    Args:
        message: in English, with `{name}` placeholders for `params`; it is the catalogues' message id.
        params: what fills the placeholders; `Phrase` values are translated too.
    """

    kind: str = "error"

    def __init__(self, message: str, /, **params: object) -> None:
        self.template = message
        self.params = params
        self.message = message.format(**params) if params else message
        super().__init__(self.message)


STORED_PARAM_LIMIT = 300
"""A stored error's text parameter (a URL, a server's words) is cut to this many characters."""


def stored_error(error: NewsError, *, limit: int) -> str:
    """An error as JSON that keeps its template and parameters, so that a message recorded now (a feed's
    last error) is shown later in each reader's language (`read_stored_error`); its English message,
    cut, when the JSON would not fit in `limit` characters."""
    stored = json.dumps({"template": error.template, "params": _stored_params(error)}, ensure_ascii=False)
    return stored if len(stored) <= limit else error.message[:limit]


def _stored_params(error: NewsError) -> dict[str, object]:
    stored: dict[str, object] = {}
    for name, value in error.params.items():
        if isinstance(value, Phrase):
            stored[name] = {"phrase": str(value)}
        elif isinstance(value, NewsError):
            stored[name] = {"error": {"template": value.template, "params": _stored_params(value)}}
        elif isinstance(value, bool | int | float):
            stored[name] = {"value": value}
        else:
            stored[name] = {"value": str(value)[:STORED_PARAM_LIMIT]}
    return stored


def read_stored_error(text: str) -> NewsError | None:
    """The error `stored_error` wrote, or None for anything else (such as a message stored as plain
    English before errors were stored this way, which is shown as it is)."""
    try:
        stored = json.loads(text)
        return _error_of(stored)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        return None


def _error_of(stored: dict[str, object]) -> NewsError:
    template, params = stored["template"], stored["params"]
    if not isinstance(template, str) or not isinstance(params, dict):
        raise TypeError("not a stored error")
    values: dict[str, object] = {}
    for name, param in params.items():
        if "phrase" in param:
            values[name] = Phrase(param["phrase"])
        elif "error" in param:
            values[name] = _error_of(param["error"])
        else:
            values[name] = param["value"]
    return NewsError(template, **values)


class FetchErrorKind(StrEnum):
    TIMEOUT = "timeout"
    TOO_LARGE = "too_large"
    NOT_HTML = "not_html"
    BLOCKED_ADDRESS = "blocked_address"
    HTTP_STATUS = "http_status"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    """Redirects in a loop, or more of them than a real page needs."""
    BAD_URL = "bad_url"
    NETWORK = "network"


class FetchError(NewsError):
    """A page or feed could not be fetched; `kind` says why."""

    def __init__(self, kind: FetchErrorKind, message: str, /, *, status: int | None = None, **params: object) -> None:
        super().__init__(message, **params, **({} if status is None else {"status": status}))
        self.kind = kind.value
        self.status = status


class NotAnArticle(NewsError):
    """The input was read but holds no article text worth summarizing."""

    kind = "not_an_article"


class InputError(NewsError):
    """The input itself is unusable: empty, binary, unreadable."""

    kind = "bad_input"


class Busy(NewsError):
    """Every pipeline slot is taken; the caller should try again shortly."""

    kind = "busy"


class InternalError(NewsError):
    """A bug met while handling one input, reported for that input so the others still go on."""

    kind = "internal"

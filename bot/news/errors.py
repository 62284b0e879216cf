"""The core's domain errors. Callers turn these into user messages in one place each.

An error's message is written in English with `{name}` placeholders, marked with `N_` so that
`make messages` puts it in the catalogues, and its parameters are kept beside it: a caller that
speaks to a reader in another language translates the template and fills it with the same
parameters (bot/replies.py), so the wording stays as precise in every language.
"""

from __future__ import annotations

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

"""The core's domain errors. Callers turn these into user messages in one place each."""

from __future__ import annotations

from enum import StrEnum


class NewsError(Exception):
    """Base of every error the core raises on purpose; `kind` names the failure for callers."""

    kind: str = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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

    def __init__(self, kind: FetchErrorKind, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
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

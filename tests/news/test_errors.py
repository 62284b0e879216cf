"""Errors kept in the store keep their template and parameters, to be shown in any reader's language."""

from __future__ import annotations

from bot.news.errors import N_, FetchError, FetchErrorKind, NewsError, Phrase, read_stored_error, stored_error

LIMIT = 1000


def test_a_stored_error_reads_back_with_its_template_and_parameters() -> None:
    error = FetchError(FetchErrorKind.HTTP_STATUS, N_("The page was not found (HTTP {status})"), status=404)
    read = read_stored_error(stored_error(error, limit=LIMIT))
    assert read is not None
    assert (read.template, read.params) == (error.template, {"status": 404})


def test_a_stored_phrase_stays_a_phrase_to_translate() -> None:
    error = NewsError(N_("{host} is {what}"), host="10.0.0.1", what=Phrase(N_("a private address")))
    read = read_stored_error(stored_error(error, limit=LIMIT))
    assert read is not None
    assert isinstance(read.params["what"], Phrase)


def test_a_stored_reason_is_an_error_again() -> None:
    reason = NewsError(N_("The site took too long to answer"))
    error = NewsError(N_("Could not read the feed: {reason}"), reason=reason)
    read = read_stored_error(stored_error(error, limit=LIMIT))
    assert read is not None
    assert read.message == error.message


def test_plain_text_stored_before_is_not_an_error() -> None:
    assert read_stored_error("HTTP 503") is None


def test_an_error_too_long_to_store_whole_is_kept_as_its_message() -> None:
    error = NewsError(N_("Refused {url}"), url="https://example.com/" + "a" * 250)
    assert stored_error(error, limit=100) == error.message[:100]

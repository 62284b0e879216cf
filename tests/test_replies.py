"""What users are told about errors: the core's precise wording, the generic line for bugs."""

from __future__ import annotations

import logging

import pytest

from bot.i18n import messages_for
from bot.news.errors import N_, FetchError, FetchErrorKind, NewsError, Phrase
from bot.news.feeds import FeedError
from bot.replies import GENERIC_FAILURE, reply_for, user_message


def test_a_fetch_error_reaches_the_user_in_the_fetchers_words_as_a_sentence() -> None:
    error = FetchError(FetchErrorKind.HTTP_STATUS, "The site refused access to the page (HTTP 403)", status=403)
    assert user_message(error) == "The site refused access to the page (HTTP 403)."


def test_a_core_message_is_shown_as_it_was_raised() -> None:
    assert user_message(NewsError("This server follows 50 feeds, the most it may")) == (
        "This server follows 50 feeds, the most it may"
    )


def test_an_unexpected_error_gets_the_generic_reply_and_is_logged_with_its_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="bot.replies"):
        reply = reply_for(KeyError("feed"), doing="/feed add for user 42")

    assert reply == GENERIC_FAILURE
    (record,) = caplog.records
    assert (record.getMessage(), record.exc_info is not None) == ("Unexpected error in /feed add for user 42", True)


def test_a_users_mistake_is_not_logged_as_an_error(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="bot.replies"):
        reply = reply_for(FetchError(FetchErrorKind.TIMEOUT, "The page took too long"), doing="/summarize")

    assert reply == "The page took too long."
    assert [record.levelno for record in caplog.records] == [logging.DEBUG]


def test_a_core_error_is_told_in_the_readers_language_with_its_parameters() -> None:
    error = FeedError(N_("No news feed was found at {url}"), url="https://example.com/")
    assert (
        user_message(error, messages_for("pl")) == "Pod adresem https://example.com/ nie znaleziono źródła wiadomości"
    )


def test_the_phrases_of_an_error_are_translated_with_it() -> None:
    error = FetchError(
        FetchErrorKind.BLOCKED_ADDRESS,
        N_("{host} points to {address}, which is {what}"),
        host="intranet.example",
        address="10.0.0.7",
        what=Phrase(N_("a private address")),
    )
    assert user_message(error, messages_for("de")) == (
        "intranet.example verweist auf 10.0.0.7, und das ist eine private Adresse."
    )
    assert user_message(error) == "intranet.example points to 10.0.0.7, which is a private address."


def test_an_error_given_as_the_reason_of_another_is_translated_with_it() -> None:
    cause = FetchError(FetchErrorKind.HTTP_STATUS, N_("The page was not found (HTTP {status})"), status=404)
    error = FeedError(N_("The feed that {url} announces could not be read: {reason}"), url="example.com", reason=cause)
    french = messages_for("fr")
    expected = french.gettext(
        "The feed that {url} announces could not be read: {reason}",
        url="example.com",
        reason=french.gettext("The page was not found (HTTP {status})", status=404),
    )
    assert (user_message(error, french), "HTTP 404" in expected, "not found" in expected) == (expected, True, False)

"""The fake Discord refuses a sync whose names, descriptions or their localizations Discord would refuse."""

from __future__ import annotations

from typing import Any

import pytest

from newsbrief_testkit.fake_discord import FakeDiscord

from .test_fake_discord_installs import command, sync

COMMAND_MESSAGE = 3


def errors_of(body: dict[str, Any]) -> Any:
    return body["errors"]["0"]


@pytest.mark.parametrize("name", ["zusammenfassen", "résumer", "підсумувати", "máx-noticias", "a_1", "सारांश", "สรุป"])
async def test_a_lowercase_name_in_any_script_is_taken(fake_discord: FakeDiscord, name: str) -> None:
    status, _ = await sync(fake_discord, [command(name_localizations={"de": name})])
    assert status == 200


@pytest.mark.parametrize("name", ["Zusammenfassen", "two words", "x" * 33, "", "what?"])
async def test_a_localized_name_discord_refuses_is_refused(fake_discord: FakeDiscord, name: str) -> None:
    status, body = await sync(fake_discord, [command(name_localizations={"de": name})])
    assert (status, list(errors_of(body)["name_localizations"])) == (400, ["de"])


async def test_a_localization_keyed_by_an_unknown_locale_is_refused(fake_discord: FakeDiscord) -> None:
    status, body = await sync(fake_discord, [command(description_localizations={"de-DE": "Anpingen"})])
    assert (status, list(errors_of(body)["description_localizations"])) == (400, ["de-DE"])


async def test_a_localized_description_over_100_characters_is_refused(fake_discord: FakeDiscord) -> None:
    status, body = await sync(fake_discord, [command(description_localizations={"fr": "é" * 101, "pl": "ok"})])
    assert (status, list(errors_of(body)["description_localizations"])) == (400, ["fr"])


async def test_an_option_with_a_capitalized_localized_name_is_refused(fake_discord: FakeDiscord) -> None:
    option = {"type": 3, "name": "url", "description": "Link", "name_localizations": {"uk": "Посилання"}}
    status, body = await sync(fake_discord, [command(options=[option])])
    assert (status, list(errors_of(body)["options"]["0"]["name_localizations"])) == (400, ["uk"])


async def test_a_context_menu_may_be_named_with_capitals_and_spaces(fake_discord: FakeDiscord) -> None:
    menu = {"name": "Summarize", "type": COMMAND_MESSAGE, "name_localizations": {"de": "Zusammenfassen lassen"}}
    status, _ = await sync(fake_discord, [menu])
    assert status == 200

"""The paginator through the real client and the fake Discord: pages turn for the user who asked only,
and the buttons stop, disabled, after their timeout."""

from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest
from discord import app_commands
from discord.ext import commands

import bot.paginator
from bot.paginator import NEXT_LABEL, NOT_YOUR_PAGES, PREVIOUS_LABEL, Paginator, entry_pages
from newsbrief_testkit.fake_discord import FakeDiscord, running_client

from .test_fake_discord import EchoBot

SHORT_TIMEOUT_SECONDS = 0.3
ENTRIES = [f"entry {number}" for number in range(25)]


class PagesCog(commands.Cog):
    @app_commands.command()
    async def pages(self, interaction: discord.Interaction, private: bool = False) -> None:
        """Twenty-five entries, ten a page."""
        pages = entry_pages(title="Entries", entries=ENTRIES)
        await Paginator(pages, owner_id=interaction.user.id).start(interaction, ephemeral=private)


class PagesBot(EchoBot):
    async def setup_hook(self) -> None:
        await self.add_cog(PagesCog())
        await super().setup_hook()


@pytest.fixture
async def pages_bot(fake: FakeDiscord) -> AsyncIterator[PagesBot]:
    client = PagesBot()
    async with running_client(client, fake):
        yield client


async def first_page(fake: FakeDiscord, *, private: bool = False) -> dict[str, Any]:
    interaction = await fake.send_slash_command("pages", {"private": private})
    await fake.wait_for_callback(interaction, status=200)
    assert interaction.original is not None
    return interaction.original


async def turn(fake: FakeDiscord, message: dict[str, Any], label: str, **context: Any) -> None:
    await fake.wait_for_callback(await fake.press_button(message, label=label, **context), status=200)


def buttons(message: dict[str, Any]) -> dict[str, bool]:
    """Each button's label and whether it is disabled."""
    return {
        button["label"]: button.get("disabled", False) for row in message["components"] for button in row["components"]
    }


async def test_next_shows_the_second_page(pages_bot: PagesBot, fake: FakeDiscord) -> None:
    message = await first_page(fake)
    await turn(fake, message, NEXT_LABEL)
    assert message["embeds"][0]["description"].splitlines()[0] == "entry 10"


async def test_the_first_page_offers_next_only(pages_bot: PagesBot, fake: FakeDiscord) -> None:
    assert buttons(await first_page(fake)) == {PREVIOUS_LABEL: True, NEXT_LABEL: False}


async def test_the_last_page_offers_previous_only(pages_bot: PagesBot, fake: FakeDiscord) -> None:
    message = await first_page(fake, private=True)
    await turn(fake, message, NEXT_LABEL)
    await turn(fake, message, NEXT_LABEL)
    assert buttons(message) == {PREVIOUS_LABEL: False, NEXT_LABEL: True}


async def test_previous_goes_back_a_page(pages_bot: PagesBot, fake: FakeDiscord) -> None:
    message = await first_page(fake)
    await turn(fake, message, NEXT_LABEL)
    await turn(fake, message, PREVIOUS_LABEL)
    assert message["embeds"][0]["footer"]["text"] == "Page 1 of 3"


async def test_someone_else_pressing_is_told_and_turns_nothing(pages_bot: PagesBot, fake: FakeDiscord) -> None:
    message = await first_page(fake)
    press = await fake.press_button(message, label=NEXT_LABEL, user=fake.owner_user)
    callback = await fake.wait_for_callback(press, status=200)
    assert (callback.json["data"]["content"], message["embeds"][0]["footer"]["text"]) == (
        NOT_YOUR_PAGES,
        "Page 1 of 3",
    )


async def test_buttons_are_disabled_after_the_timeout(fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bot.paginator, "PAGE_TURN_TIMEOUT_SECONDS", SHORT_TIMEOUT_SECONDS)
    async with running_client(PagesBot(), fake):
        message = await first_page(fake, private=True)
        await fake.wait_for_request("PATCH", rf"/webhooks/{fake.application_id}/.*/messages/@original", status=200)
    assert buttons(message) == {PREVIOUS_LABEL: True, NEXT_LABEL: True}

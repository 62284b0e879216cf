"""The fake's message components: buttons pressed as component interactions, the UPDATE_MESSAGE callback,
and Discord's rules for a message's components."""

from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from newsbrief_testkit.fake_discord import (
    ACTION_ROWS_LIMIT,
    BUTTON_LABEL_LIMIT,
    BUTTON_URL_LIMIT,
    BUTTONS_PER_ROW_LIMIT,
    CUSTOM_ID_LIMIT,
    EMBED_URL_LIMIT,
    INVALID_FORM_BODY,
    FakeDiscord,
    running_client,
)

from .test_fake_discord import EchoBot, call_fake

CALLBACK_UPDATE_MESSAGE = 7
INTERACTION_COMPONENT = 3


class TwoButtons(discord.ui.View):
    """An enabled button that updates its message, and a disabled one."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Left", custom_id="left")
    async def left(self, interaction: discord.Interaction, button: discord.ui.Button["TwoButtons"]) -> None:
        await interaction.response.edit_message(content=f"Left pressed by {interaction.user.id}")

    @discord.ui.button(label="Off", custom_id="off", disabled=True)
    async def off(self, interaction: discord.Interaction, button: discord.ui.Button["TwoButtons"]) -> None:
        await interaction.response.edit_message(content="Off pressed")


class ButtonsCog(commands.Cog):
    @app_commands.command()
    async def buttons(self, interaction: discord.Interaction, private: bool = False) -> None:
        """Answer with two buttons."""
        await interaction.response.send_message("Press one", view=TwoButtons(), ephemeral=private)


class ButtonsBot(EchoBot):
    async def setup_hook(self) -> None:
        await self.add_cog(ButtonsCog())
        await super().setup_hook()


@pytest.fixture
async def bot(fake: FakeDiscord) -> AsyncIterator[ButtonsBot]:
    buttons_bot = ButtonsBot()
    async with running_client(buttons_bot, fake):
        yield buttons_bot


async def answer_with_buttons(fake: FakeDiscord, *, private: bool = False) -> dict[str, Any]:
    """The message /buttons answered with, as the fake keeps it."""
    interaction = await fake.send_slash_command("buttons", {"private": private})
    await fake.wait_for_callback(interaction, status=200)
    assert interaction.original is not None
    return interaction.original


async def test_pressing_a_button_sends_its_custom_id(bot: ButtonsBot, fake: FakeDiscord) -> None:
    press = await fake.press_button(await answer_with_buttons(fake), label="Left")
    assert (press.payload["type"], press.payload["data"]) == (
        INTERACTION_COMPONENT,
        {"custom_id": "left", "component_type": 2},
    )


async def test_update_message_callback_edits_the_message(bot: ButtonsBot, fake: FakeDiscord) -> None:
    message = await answer_with_buttons(fake)
    press = await fake.press_button(message, label="Left")
    callback = await fake.wait_for_callback(press, status=200)
    assert (callback.json["type"], fake.messages[int(message["id"])]["content"]) == (
        CALLBACK_UPDATE_MESSAGE,
        f"Left pressed by {fake.member_user['id']}",
    )


async def test_update_message_edits_an_ephemeral_message(bot: ButtonsBot, fake: FakeDiscord) -> None:
    message = await answer_with_buttons(fake, private=True)
    await fake.wait_for_callback(await fake.press_button(message, label="Left"), status=200)
    assert message["content"] == f"Left pressed by {fake.member_user['id']}"


async def test_a_disabled_button_cannot_be_pressed(bot: ButtonsBot, fake: FakeDiscord) -> None:
    with pytest.raises(ValueError, match="disabled"):
        await fake.press_button(await answer_with_buttons(fake), label="Off")


async def test_only_its_user_can_press_a_button_of_an_ephemeral_message(bot: ButtonsBot, fake: FakeDiscord) -> None:
    message = await answer_with_buttons(fake, private=True)
    with pytest.raises(ValueError, match="ephemeral"):
        await fake.press_button(message, label="Left", user=fake.owner_user)


async def test_anyone_may_press_a_button_of_a_public_message(bot: ButtonsBot, fake: FakeDiscord) -> None:
    message = await answer_with_buttons(fake)
    await fake.wait_for_callback(await fake.press_button(message, label="Left", user=fake.owner_user), status=200)
    assert message["content"] == f"Left pressed by {fake.owner_user['id']}"


async def test_update_message_is_refused_for_a_slash_command(bot: ButtonsBot, fake: FakeDiscord) -> None:
    interaction = await fake.send_slash_command("slow", {"seconds": 0.5})
    status, body = await call_fake(
        fake,
        "POST",
        f"/interactions/{interaction.id}/{interaction.token}/callback",
        {"type": CALLBACK_UPDATE_MESSAGE, "data": {"content": "edited"}},
    )
    assert (status, body["code"], list(body["errors"])) == (400, INVALID_FORM_BODY, ["type"])


def button(custom_id: str, label: str = "Go") -> dict[str, Any]:
    return {"type": 2, "style": 1, "label": label, "custom_id": custom_id}


def row(*buttons: dict[str, Any]) -> dict[str, Any]:
    return {"type": 1, "components": list(buttons)}


async def post_components(fake: FakeDiscord, components: list[dict[str, Any]]) -> tuple[int, Any]:
    body = {"content": "Pick", "components": components}
    return await call_fake(fake, "POST", f"/channels/{fake.channel_id}/messages", body, as_bot=True)


async def test_five_rows_of_five_buttons_are_accepted(fake_discord: FakeDiscord) -> None:
    rows = [row(*(button(f"b{r}-{b}") for b in range(BUTTONS_PER_ROW_LIMIT))) for r in range(ACTION_ROWS_LIMIT)]
    status, _ = await post_components(fake_discord, rows)
    assert status == 200


async def test_six_action_rows_are_refused(fake_discord: FakeDiscord) -> None:
    status, body = await post_components(fake_discord, [row(button(f"b{r}")) for r in range(ACTION_ROWS_LIMIT + 1)])
    assert (status, body["errors"]["components"]["_errors"][0]["code"]) == (400, "BASE_TYPE_MAX_LENGTH")


async def test_six_buttons_in_a_row_are_refused(fake_discord: FakeDiscord) -> None:
    status, body = await post_components(
        fake_discord, [row(*(button(f"b{b}") for b in range(BUTTONS_PER_ROW_LIMIT + 1)))]
    )
    assert (status, list(body["errors"]["components"]["0"])) == (400, ["components"])


async def test_a_custom_id_over_100_characters_is_refused(fake_discord: FakeDiscord) -> None:
    status, body = await post_components(fake_discord, [row(button("x" * (CUSTOM_ID_LIMIT + 1)))])
    assert (status, body["errors"]["components"]["0"]["components"]["0"]["custom_id"]["_errors"][0]["code"]) == (
        400,
        "BASE_TYPE_MAX_LENGTH",
    )


async def test_a_label_over_80_characters_is_refused(fake_discord: FakeDiscord) -> None:
    status, body = await post_components(fake_discord, [row(button("ok", label="x" * (BUTTON_LABEL_LIMIT + 1)))])
    assert (status, list(body["errors"]["components"]["0"]["components"]["0"])) == (400, ["label"])


async def test_two_buttons_with_one_custom_id_are_refused(fake_discord: FakeDiscord) -> None:
    status, body = await post_components(fake_discord, [row(button("same"), button("same"))])
    error = body["errors"]["components"]["0"]["components"]["1"]["custom_id"]["_errors"][0]
    assert (status, error["code"]) == (400, "COMPONENT_CUSTOM_ID_DUPLICATED")


async def test_a_button_without_a_custom_id_is_refused(fake_discord: FakeDiscord) -> None:
    status, body = await post_components(fake_discord, [row({"type": 2, "style": 1, "label": "Go"})])
    assert (status, list(body["errors"]["components"]["0"]["components"]["0"])) == (400, ["custom_id"])


def link(url: str | None, *, label: str = "Read the article", **extra: Any) -> dict[str, Any]:
    return {"type": 2, "style": 5, "label": label, **({"url": url} if url is not None else {}), **extra}


async def test_a_link_button_with_a_url_and_no_custom_id_is_accepted(fake_discord: FakeDiscord) -> None:
    status, _ = await post_components(fake_discord, [row(link("https://news.example/a"), link("discord://-/channels"))])
    assert status == 200


async def test_a_link_button_without_a_url_is_refused(fake_discord: FakeDiscord) -> None:
    status, body = await post_components(fake_discord, [row(link(None))])
    assert (status, list(body["errors"]["components"]["0"]["components"]["0"])) == (400, ["url"])


async def test_a_link_button_with_a_custom_id_is_refused(fake_discord: FakeDiscord) -> None:
    status, body = await post_components(fake_discord, [row(link("https://news.example/a", custom_id="read"))])
    assert (status, list(body["errors"]["components"]["0"]["components"]["0"])) == (400, ["custom_id"])


async def test_a_button_that_is_not_a_link_with_a_url_is_refused(fake_discord: FakeDiscord) -> None:
    status, body = await post_components(fake_discord, [row({**button("read"), "url": "https://news.example/a"})])
    assert (status, list(body["errors"]["components"]["0"]["components"]["0"])) == (400, ["url"])


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("ftp://news.example/a", "URL_TYPE_INVALID_SCHEME"),
        ("javascript:alert(1)", "URL_TYPE_INVALID_SCHEME"),
        ("https://news.example/" + "a" * (BUTTON_URL_LIMIT - 20), "BASE_TYPE_MAX_LENGTH"),
    ],
)
async def test_a_link_button_url_discord_does_not_take_is_refused(
    url: str, code: str, fake_discord: FakeDiscord
) -> None:
    status, body = await post_components(fake_discord, [row(link(url))])
    assert (status, body["errors"]["components"]["0"]["components"]["0"]["url"]["_errors"][0]["code"]) == (400, code)


async def post_embed(fake: FakeDiscord, embed: dict[str, Any]) -> tuple[int, Any]:
    body = {"embeds": [{"title": "Bridge closed", **embed}]}
    return await call_fake(fake, "POST", f"/channels/{fake.channel_id}/messages", body, as_bot=True)


async def test_an_embed_thumbnail_on_https_is_accepted(fake_discord: FakeDiscord) -> None:
    status, _ = await post_embed(fake_discord, {"thumbnail": {"url": "https://cdn.example/bridge.jpg"}})
    assert status == 200


@pytest.mark.parametrize("media", ["thumbnail", "image"])
async def test_an_embed_picture_that_is_not_http_is_refused(media: str, fake_discord: FakeDiscord) -> None:
    status, body = await post_embed(fake_discord, {media: {"url": "data:image/png;base64,AAAA"}})
    assert (status, body["errors"]["embeds"]["0"][media]["url"]["_errors"][0]["code"]) == (
        400,
        "URL_TYPE_INVALID_SCHEME",
    )


@pytest.mark.parametrize("media", ["thumbnail", "image"])
async def test_an_embed_picture_url_over_2048_characters_is_refused(media: str, fake_discord: FakeDiscord) -> None:
    url = "https://cdn.example/" + "a" * EMBED_URL_LIMIT
    status, body = await post_embed(fake_discord, {media: {"url": url}})
    assert (status, body["errors"]["embeds"]["0"][media]["url"]["_errors"][0]["code"]) == (400, "BASE_TYPE_MAX_LENGTH")


async def test_an_embed_link_over_2048_characters_is_refused(fake_discord: FakeDiscord) -> None:
    status, body = await post_embed(fake_discord, {"url": "https://news.example/" + "a" * EMBED_URL_LIMIT})
    assert (status, body["errors"]["embeds"]["0"]["url"]["_errors"][0]["code"]) == (400, "BASE_TYPE_MAX_LENGTH")


async def test_an_embed_link_that_is_not_http_is_refused(fake_discord: FakeDiscord) -> None:
    status, body = await post_embed(fake_discord, {"url": "discord://-/channels/@me"})
    assert (status, body["errors"]["embeds"]["0"]["url"]["_errors"][0]["code"]) == (400, "URL_TYPE_INVALID_SCHEME")


async def test_an_embed_link_and_picture_of_2048_characters_are_accepted(fake_discord: FakeDiscord) -> None:
    url = "https://cdn.example/" + "a" * (EMBED_URL_LIMIT - len("https://cdn.example/"))
    status, _ = await post_embed(fake_discord, {"url": url, "thumbnail": {"url": url}})
    assert status == 200

"""/summarize, Summarize and /about where a user installed newsbrief: the bot's DM, a group DM, and a
server the bot is not in, where summaries are private unless asked otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.client import NewsBot
from newsbrief_testkit.fake_discord import FakeDiscord, FakeInteraction
from newsbrief_testkit.local_site import LocalSite

from .conftest import embed_answer

HARBOUR_PAGE = (Path(__file__).parent / "pages" / "harbour.html").read_text()
HEADLINE = "Harbour tunnel opens two years late and 40% over budget"
EPHEMERAL = 64


@pytest.fixture
def article(local_site: LocalSite) -> str:
    return local_site.add("/news/harbour", HARBOUR_PAGE)


def is_private(interaction: FakeInteraction) -> bool:
    """Whether the answer (the deferral's visibility, which its first follow-up keeps) is ephemeral."""
    assert interaction.original is not None
    return bool(interaction.original["flags"] & EPHEMERAL)


async def test_summarize_answers_in_a_user_install_dm(news_bot: NewsBot, fake: FakeDiscord, article: str) -> None:
    interaction = await fake.send_slash_command("summarize", {"url": article}, dm=True, user_install=True)
    assert (await embed_answer(fake, interaction))["title"] == HEADLINE


async def test_summarize_in_a_dm_is_public(news_bot: NewsBot, fake: FakeDiscord, article: str) -> None:
    interaction = await fake.send_slash_command("summarize", {"url": article}, dm=True, user_install=True)
    await embed_answer(fake, interaction)
    assert not is_private(interaction)


async def test_summarize_answers_in_a_group_dm(news_bot: NewsBot, fake: FakeDiscord, article: str) -> None:
    interaction = await fake.send_slash_command("summarize", {"url": article}, private_channel=True)
    assert (await embed_answer(fake, interaction))["title"] == HEADLINE


async def test_summarize_in_a_server_without_the_bot_is_private_by_default(
    news_bot: NewsBot, fake: FakeDiscord, article: str
) -> None:
    interaction = await fake.send_slash_command("summarize", {"url": article}, foreign_guild=True)
    await embed_answer(fake, interaction)
    assert is_private(interaction)


async def test_summarize_in_a_server_without_the_bot_is_public_when_asked(
    news_bot: NewsBot, fake: FakeDiscord, article: str
) -> None:
    interaction = await fake.send_slash_command("summarize", {"url": article, "private": False}, foreign_guild=True)
    await embed_answer(fake, interaction)
    assert not is_private(interaction)


async def test_summarize_in_a_server_with_the_bot_is_public_for_a_user_install_too(
    news_bot: NewsBot, fake: FakeDiscord, article: str
) -> None:
    interaction = await fake.send_slash_command("summarize", {"url": article}, user_install=True)
    await embed_answer(fake, interaction)
    assert not is_private(interaction)


async def test_message_command_in_a_server_without_the_bot_is_private(
    news_bot: NewsBot, fake: FakeDiscord, article: str
) -> None:
    target = fake.add_message(f"Finally open: {article}")
    interaction = await fake.send_message_command("Summarize", target=target, foreign_guild=True)
    assert (await embed_answer(fake, interaction))["title"] == HEADLINE
    assert is_private(interaction)


async def test_about_answers_in_a_user_install_dm(news_bot: NewsBot, fake: FakeDiscord) -> None:
    interaction = await fake.send_slash_command("about", dm=True, user_install=True)
    callback = await fake.wait_for_callback(interaction, status=200)
    assert callback.json["data"]["embeds"][0]["title"].startswith("newsbrief ")


async def test_feed_commands_are_not_dispatched_in_a_dm(news_bot: NewsBot, fake: FakeDiscord) -> None:
    with pytest.raises(ValueError, match="would not offer 'feeds'"):
        await fake.send_slash_command("feeds", dm=True, user_install=True)

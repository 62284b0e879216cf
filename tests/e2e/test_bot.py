"""newsbrief's bot end to end: the real discord.py client, the fake Discord, a local news site."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.client import NewsBot
from bot.embeds import briefing_embed
from bot.news.pipeline import brief_html
from bot.settings import Settings
from newsbrief_testkit.fake_discord import FakeDiscord, RecordedRequest
from newsbrief_testkit.local_site import LocalSite

from .conftest import embed_answer, private_reply, running_news_bot

PAGES = Path(__file__).parent / "pages"
HARBOUR_PAGE = (PAGES / "harbour.html").read_text()
EPHEMERAL = 64
CALLBACK_DEFERRED = 5
HEADLINE = "Harbour tunnel opens two years late and 40% over budget"


async def test_summarize_answers_with_the_article_embed(
    news_bot: NewsBot, fake: FakeDiscord, local_site: LocalSite
) -> None:
    url = local_site.add("/news/harbour", HARBOUR_PAGE)
    interaction = await fake.send_slash_command("summarize", {"url": url})
    embed = await embed_answer(fake, interaction)
    assert embed["title"] == HEADLINE


async def test_summarize_embed_matches_the_command_line_briefing(
    news_bot: NewsBot, fake: FakeDiscord, local_site: LocalSite
) -> None:
    url = local_site.add("/news/harbour", HARBOUR_PAGE)
    interaction = await fake.send_slash_command("summarize", {"url": url})
    embed = await embed_answer(fake, interaction)
    expected = briefing_embed(brief_html(HARBOUR_PAGE, url=url)).to_dict()
    assert (embed["description"], embed["fields"]) == (expected["description"], expected["fields"])


async def test_summarize_answer_has_the_pages_picture_and_a_read_the_article_button(
    news_bot: NewsBot, fake: FakeDiscord, local_site: LocalSite
) -> None:
    picture = '<meta property="og:image" content="https://cdn.example/tunnel.jpg">'
    url = local_site.add("/news/harbour", HARBOUR_PAGE.replace("</head>", f"{picture}</head>", 1))
    interaction = await fake.send_slash_command("summarize", {"url": url})
    followup = await fake.wait_for_followup(interaction, status=200, timeout=15)

    (embed,) = followup.json["embeds"]
    (row,) = followup.json["components"]
    assert embed["thumbnail"]["url"] == "https://cdn.example/tunnel.jpg"
    assert [(button["label"], button["url"], button["style"]) for button in row["components"]] == [
        ("Read the article", embed["url"], 5)
    ]


async def test_summarize_answers_without_a_picture_whose_address_discord_would_refuse(
    news_bot: NewsBot, fake: FakeDiscord, local_site: LocalSite
) -> None:
    picture = f'<meta property="og:image" content="https://cdn.example/{"a" * 2100}.jpg">'
    url = local_site.add("/news/harbour", HARBOUR_PAGE.replace("</head>", f"{picture}</head>", 1))
    interaction = await fake.send_slash_command("summarize", {"url": url})
    followup = await fake.wait_for_followup(interaction, status=200, timeout=15)

    (embed,) = followup.json["embeds"]
    assert (embed["title"], "thumbnail" in embed) == (HEADLINE, False)


async def test_summarize_shows_a_key_quote_with_its_speaker(
    news_bot: NewsBot, fake: FakeDiscord, local_site: LocalSite
) -> None:
    url = local_site.add("/news/harbour", HARBOUR_PAGE)
    interaction = await fake.send_slash_command("summarize", {"url": url})
    fields = (await embed_answer(fake, interaction))["fields"]
    assert "— Helen Okafor" in [field["name"] for field in fields]


async def test_summarize_keeps_boilerplate_out_of_the_embed(
    news_bot: NewsBot, fake: FakeDiscord, local_site: LocalSite
) -> None:
    url = local_site.add("/news/harbour", HARBOUR_PAGE)
    interaction = await fake.send_slash_command("summarize", {"url": url})
    embed = await embed_answer(fake, interaction)
    text = str(embed).lower()
    assert [phrase for phrase in ("cookies", "newsletter", "read also", "patron") if phrase in text] == []


async def test_summarize_private_answer_is_ephemeral(
    news_bot: NewsBot, fake: FakeDiscord, local_site: LocalSite
) -> None:
    url = local_site.add("/news/harbour", HARBOUR_PAGE)
    interaction = await fake.send_slash_command("summarize", {"url": url, "private": True})
    callback = await fake.wait_for_callback(interaction, status=200)
    assert callback.json["data"]["flags"] & EPHEMERAL


async def test_summarize_explains_a_text_that_is_not_a_link(news_bot: NewsBot, fake: FakeDiscord) -> None:
    interaction = await fake.send_slash_command("summarize", {"url": "the tunnel story"})
    assert "http" in await private_reply(fake, interaction)


async def test_summarize_refuses_a_private_address_naming_it(
    fake: FakeDiscord, local_site: LocalSite, make_settings: Callable[..., Settings]
) -> None:
    url = local_site.add("/news/harbour", HARBOUR_PAGE)
    async with running_news_bot(fake, make_settings(fetch_allow_private=False)):
        interaction = await fake.send_slash_command("summarize", {"url": url})
        assert await private_reply(fake, interaction) == "127.0.0.1 is a loopback address."


async def test_summarize_defers_then_follows_up_for_a_slow_page(
    news_bot: NewsBot, fake: FakeDiscord, local_site: LocalSite
) -> None:
    url = local_site.add("/news/slow", HARBOUR_PAGE, delay=5.0)
    interaction = await fake.send_slash_command("summarize", {"url": url})
    callback = await fake.wait_for_callback(interaction, status=200)
    embed = await embed_answer(fake, interaction)
    assert (callback.json["type"], embed["title"]) == (CALLBACK_DEFERRED, HEADLINE)


async def test_summarize_reports_a_server_error(news_bot: NewsBot, fake: FakeDiscord, local_site: LocalSite) -> None:
    url = local_site.add("/news/broken", "<h1>Internal error</h1>", status=500)
    interaction = await fake.send_slash_command("summarize", {"url": url})
    assert "HTTP 500" in await private_reply(fake, interaction)


async def test_summarize_error_replaces_the_public_thinking_message(
    news_bot: NewsBot, fake: FakeDiscord, local_site: LocalSite
) -> None:
    url = local_site.add("/news/broken", "<h1>Internal error</h1>", status=500)
    interaction = await fake.send_slash_command("summarize", {"url": url})
    await private_reply(fake, interaction)
    await fake.wait_for_request("DELETE", rf"/webhooks/{fake.application_id}/{interaction.token}/messages/@original")


async def test_summarize_refuses_an_oversized_page_naming_the_limit(
    fake: FakeDiscord, local_site: LocalSite, make_settings: Callable[..., Settings]
) -> None:
    url = local_site.add("/news/huge", HARBOUR_PAGE.replace("</article>", "<p>filler</p>" * 30_000 + "</article>"))
    async with running_news_bot(fake, make_settings(fetch_max_bytes=100_000)):
        interaction = await fake.send_slash_command("summarize", {"url": url})
        assert await private_reply(fake, interaction) == "The page is larger than 100 kB."


async def test_summarize_retries_a_rate_limited_follow_up(
    news_bot: NewsBot, fake: FakeDiscord, local_site: LocalSite
) -> None:
    url = local_site.add("/news/harbour", HARBOUR_PAGE)
    fake.fail_next("POST", rf"/webhooks/{fake.application_id}/.*", status=429, retry_after=0.3)
    interaction = await fake.send_slash_command("summarize", {"url": url})
    await fake.wait_for_followup(interaction, status=429)
    assert (await embed_answer(fake, interaction))["title"] == HEADLINE


async def test_commands_work_after_a_gateway_reconnect(
    news_bot: NewsBot, fake: FakeDiscord, local_site: LocalSite
) -> None:
    url = local_site.add("/news/harbour", HARBOUR_PAGE)
    await fake.request_reconnect()
    await fake.wait_for_frame(op=6)  # RESUME
    interaction = await fake.send_slash_command("summarize", {"url": url})
    assert (await embed_answer(fake, interaction))["title"] == HEADLINE


async def test_summarize_cooldown_stops_a_user_going_too_fast(
    fake: FakeDiscord, local_site: LocalSite, make_settings: Callable[..., Settings]
) -> None:
    url = local_site.add("/news/harbour", HARBOUR_PAGE)
    async with running_news_bot(fake, make_settings(summarize_per_minute=2)):
        for _ in range(2):
            await embed_answer(fake, await fake.send_slash_command("summarize", {"url": url}))
        third = await fake.send_slash_command("summarize", {"url": url})
        assert "ask again in" in await private_reply(fake, third)


async def test_a_full_pipeline_answers_busy(
    fake: FakeDiscord, local_site: LocalSite, make_settings: Callable[..., Settings]
) -> None:
    slow = local_site.add("/news/slow", HARBOUR_PAGE, delay=2.0)
    other = local_site.add("/news/other", HARBOUR_PAGE)
    async with running_news_bot(fake, make_settings(max_concurrent_jobs=1)):
        first = await fake.send_slash_command("summarize", {"url": slow})
        await fake.wait_for_callback(first, status=200)
        second = await fake.send_slash_command("summarize", {"url": other})
        assert "try again in a moment" in await private_reply(fake, second)
        await embed_answer(fake, first)


async def test_an_unexpected_error_gets_a_generic_answer(
    news_bot: NewsBot, fake: FakeDiscord, local_site: LocalSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(url: str, *, sentences: int | None = None) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(news_bot.pipeline, "brief_url", broken)
    interaction = await fake.send_slash_command("summarize", {"url": local_site.url("/news/any")})
    assert "Something went wrong" in await private_reply(fake, interaction)


async def test_closing_the_bot_lets_an_answer_in_progress_finish(
    fake: FakeDiscord, local_site: LocalSite, make_settings: Callable[..., Settings]
) -> None:
    url = local_site.add("/news/slow", HARBOUR_PAGE, delay=1.5)
    async with running_news_bot(fake, make_settings()) as bot:
        interaction = await fake.send_slash_command("summarize", {"url": url})
        await fake.wait_for_callback(interaction, status=200)
        await bot.close()
    assert (await embed_answer(fake, interaction))["title"] == HEADLINE


async def test_message_command_summarizes_the_link_in_a_message(
    news_bot: NewsBot, fake: FakeDiscord, local_site: LocalSite
) -> None:
    url = local_site.add("/news/harbour", HARBOUR_PAGE)
    target = fake.add_message(f"Finally open: {url}!")
    interaction = await fake.send_message_command("Summarize", target=target)
    assert (await embed_answer(fake, interaction))["title"] == HEADLINE


async def test_message_command_gives_each_summary_its_own_read_the_article_button_in_the_users_language(
    news_bot: NewsBot, fake: FakeDiscord, local_site: LocalSite
) -> None:
    canonical = "https://coastline-herald.example/news/harbour-tunnel-opens"
    day_two = f"{canonical}-day-two"
    target = fake.add_message(
        f"Two reads: {local_site.add('/news/harbour', HARBOUR_PAGE)} and "
        f"{local_site.add('/news/harbour-again', HARBOUR_PAGE.replace(canonical, day_two))}"
    )
    interaction = await fake.send_message_command("Summarize", target=target, locale="fr")
    answers: list[RecordedRequest] = []
    for _ in range(2):
        since = fake.requests.index(answers[-1]) + 1 if answers else 0
        answers.append(await fake.wait_for_followup(interaction, status=200, since=since, timeout=15))

    buttons = [
        (button["label"], button["url"])
        for answer in answers
        for row in answer.json["components"]
        for button in row["components"]
    ]
    assert sorted(buttons) == [("Lire l’article", canonical), ("Lire l’article", day_two)]


async def test_message_command_without_a_link_says_so(news_bot: NewsBot, fake: FakeDiscord) -> None:
    target = fake.add_message("What a day for the harbour.")
    interaction = await fake.send_message_command("Summarize", target=target)
    assert await private_reply(fake, interaction) == "No link found in that message."


async def test_bot_syncs_its_commands_once(fake: FakeDiscord, make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    async with running_news_bot(fake, settings):
        pass
    async with running_news_bot(fake, settings):
        pass
    syncs = [r for r in fake.requests if r.method == "PUT" and r.path.endswith("/commands")]
    assert len(syncs) == 1


async def test_dev_guild_gets_its_commands_at_once(fake: FakeDiscord, make_settings: Callable[..., Settings]) -> None:
    async with running_news_bot(fake, make_settings(dev_guild_id=fake.guild_id)):
        sync = await fake.wait_for_request(
            "PUT", rf"/applications/{fake.application_id}/guilds/{fake.guild_id}/commands"
        )
    assert {command["name"] for command in sync.json} >= {"summarize", "Summarize"}


async def test_newsbrief_run_as_a_process_answers_summarize(
    fake: FakeDiscord, local_site: LocalSite, tmp_path: Path
) -> None:
    url = local_site.add("/news/harbour", HARBOUR_PAGE)
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DISCORD_")} | {
        "DISCORD_API_BASE": fake.api_base,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        "DISCORD_TOKEN": fake.token,
        "FETCH_ALLOW_PRIVATE": "true",
        "DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'data' / 'newsbrief.db'}",
        "LOG_LEVEL": "DEBUG",
        "PYTHONPATH": str(Path(__file__).parents[2]),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp_path, env=environment, stderr=asyncio.subprocess.PIPE
    )
    assert process.stderr is not None
    log_reader = asyncio.create_task(process.stderr.read())  # drained all along: a full pipe would block the bot
    try:
        await fake.wait_for_request("PUT", rf"/applications/{fake.application_id}/commands", timeout=30)
        await fake.wait_until_connected()
        interaction = await fake.send_slash_command("summarize", {"url": url})
        embed = await embed_answer(fake, interaction)
        process.send_signal(signal.SIGTERM)
        exit_code = await asyncio.wait_for(process.wait(), 30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = (await log_reader).decode()
    assert (embed["title"], exit_code) == (HEADLINE, 0)
    assert fake.token not in log

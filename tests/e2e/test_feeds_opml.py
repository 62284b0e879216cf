"""/feed import and /feed export through the real client and the fake Discord: OPML files attached to
the command, feeds served on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.client import NewsBot
from bot.i18n import messages_for
from bot.news.opml import parse_opml
from bot.settings import Settings
from newsbrief_testkit.fake_discord import DEFAULT_PERMISSIONS, FakeDiscord, FakeInteraction, RecordedRequest
from newsbrief_testkit.local_site import LocalSite

from .conftest import private_reply, running_news_bot

MANAGE_GUILD = 1 << 5
ADMIN_PERMISSIONS = DEFAULT_PERMISSIONS | MANAGE_GUILD
RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Coastline Herald</title><link>https://coastline.example/</link>
<item><title>Pier reopens after repairs</title><link>https://coastline.example/pier</link>
<guid>pier-2026</guid><pubDate>Fri, 04 Dec 2026 08:30:00 GMT</pubDate></item>
</channel></rss>"""

FEEDLY = (Path(__file__).parents[1] / "news" / "fixtures" / "opml" / "feedly.opml").read_text(encoding="utf-8")


def opml(*urls: str) -> bytes:
    rows = "".join(f'<outline type="rss" text="Feed {n}" xmlUrl="{url}"/>' for n, url in enumerate(urls))
    return f'<?xml version="1.0"?><opml version="2.0"><head/><body>{rows}</body></opml>'.encode()


async def import_file(
    fake: FakeDiscord, data: bytes, *, filename: str = "feeds.opml", permissions: int = ADMIN_PERMISSIONS
) -> FakeInteraction:
    attachment = fake.upload_attachment(filename, data, content_type="text/x-opml")
    return await fake.send_slash_command("feed import", {"file": attachment["id"]}, permissions=permissions)


async def import_answer(fake: FakeDiscord, interaction: FakeInteraction) -> RecordedRequest:
    """The follow-up that reports the import."""
    return await fake.wait_for_request(
        "POST",
        rf"/webhooks/{fake.application_id}/{interaction.token}",
        status=200,
        predicate=lambda request: bool(request.json.get("content")),
        timeout=30,
    )


@pytest.fixture
async def guarded_bot(fake: FakeDiscord, make_settings: Callable[..., Settings]) -> AsyncIterator[NewsBot]:
    """The bot as deployed: its fetcher refuses loopback and private addresses."""
    async with running_news_bot(fake, make_settings(fetch_allow_private=False)) as bot:
        yield bot


async def test_import_follows_the_feeds_of_a_reader_export(
    news_bot: NewsBot, fake: FakeDiscord, local_site: LocalSite
) -> None:
    feeds = [local_site.add(f"/{name}.xml", RSS, content_type="application/rss+xml") for name in ("world", "local")]
    export = FEEDLY.replace("https://feeds.bbci.co.uk/news/world/rss.xml", feeds[0]).replace(
        "https://riversidecourier.example/feed/", feeds[1]
    )
    gone = local_site.url("/aljazeera.xml")
    export = export.replace("https://www.aljazeera.com/xml/rss/all.xml", gone)

    answer = await import_answer(fake, await import_file(fake, export.encode()))

    assert answer.json["content"] == "Imported **feeds.opml**, 3 feeds: 2 followed, 1 not a feed."
    lines = answer.json["embeds"][0]["description"].splitlines()
    assert lines[1] == (
        f"❌ Al Jazeera – Breaking News, World News and Video from Al Jazeera <{gone}> — not a feed: "
        "The page was not found (HTTP 404)"
    )
    followed = await news_bot.store.list_guild_feeds(fake.guild_id)
    assert [entry.feed.url for entry in followed] == feeds


async def test_import_reports_each_lines_outcome_and_reason_in_the_users_locale(
    news_bot: NewsBot, fake: FakeDiscord, local_site: LocalSite
) -> None:
    gone = local_site.url("/gone.xml")
    attachment = fake.upload_attachment("feeds.opml", opml(gone), content_type="text/x-opml")

    interaction = await fake.send_slash_command(
        "feed import", {"file": attachment["id"]}, permissions=ADMIN_PERMISSIONS, locale="de"
    )
    answer = await import_answer(fake, interaction)

    german = messages_for("de")
    reason = german.gettext("The page was not found (HTTP {status})", status=404)
    assert reason != "The page was not found (HTTP 404)"
    expected = f"❌ Feed 0 <{gone}> — {german.gettext('not a feed')}: {reason}"
    assert answer.json["embeds"][0]["description"] == expected


@pytest.mark.parametrize(
    ("data", "reply"),
    [
        (b"name,url\nGazette,https://gazette.example/feed\n", "it is not XML at all"),
        (opml(*(f"https://feed{n}.example/rss" for n in range(10_000))), "more than 500 feeds"),
        (
            b'<!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            b'<opml version="2.0"><body><outline text="&b;" xmlUrl="https://a.example/rss"/></body></opml>',
            "declares XML entities",
        ),
    ],
    ids=["not-xml", "10000-outlines", "entity-expansion"],
)
async def test_a_bad_opml_file_gets_a_clear_reply_and_changes_nothing(
    news_bot: NewsBot, fake: FakeDiscord, data: bytes, reply: str
) -> None:
    answer = await private_reply(fake, await import_file(fake, data))

    assert reply in answer
    assert await news_bot.store.list_guild_feeds(fake.guild_id) == []


async def test_an_opml_of_private_addresses_is_refused_feed_by_feed_and_changes_nothing(
    guarded_bot: NewsBot, fake: FakeDiscord, local_site: LocalSite
) -> None:
    served = local_site.add("/feed.xml", RSS, content_type="application/rss+xml")  # on 127.0.0.1
    private = ["http://10.0.0.7/rss", "http://169.254.169.254/latest/meta-data/", "http://[::1]/feed"]

    answer = await import_answer(fake, await import_file(fake, opml(served, *private)))

    assert answer.json["content"] == "Imported **feeds.opml**, 4 feeds: 4 refused address."
    assert "127.0.0.1 is a loopback address" in answer.json["embeds"][0]["description"]
    assert local_site.hits["/feed.xml"] == 0
    assert await guarded_bot.store.list_guild_feeds(fake.guild_id) == []


async def test_import_needs_manage_server(news_bot: NewsBot, fake: FakeDiscord, local_site: LocalSite) -> None:
    served = local_site.add("/feed.xml", RSS, content_type="application/rss+xml")

    answer = await private_reply(fake, await import_file(fake, opml(served), permissions=DEFAULT_PERMISSIONS))

    assert "Manage Server" in answer
    assert await news_bot.store.list_guild_feeds(fake.guild_id) == []


async def test_export_attaches_the_servers_feeds_as_opml(
    news_bot: NewsBot, fake: FakeDiscord, local_site: LocalSite
) -> None:
    served = local_site.add("/feed.xml", RSS, content_type="application/rss+xml")
    await import_answer(fake, await import_file(fake, opml(served)))

    interaction = await fake.send_slash_command("feed export", permissions=DEFAULT_PERMISSIONS)
    callback = await fake.wait_for_callback(interaction, status=200)

    (exported,) = callback.files
    assert exported.filename == "newsbrief-feeds.opml"
    assert [(feed.url, feed.title) for feed in parse_opml(exported.data)] == [(served, "Coastline Herald")]


async def test_export_of_a_server_without_feeds_says_so(news_bot: NewsBot, fake: FakeDiscord) -> None:
    answer = await private_reply(fake, await fake.send_slash_command("feed export"))
    assert answer.startswith("This server follows no feeds yet")

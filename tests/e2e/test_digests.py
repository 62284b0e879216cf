"""Daily digests end to end: subscribe with the slash command, the digest arrives in the channel once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from email.utils import format_datetime
from zoneinfo import ZoneInfo

import pytest

from bot.client import NewsBot
from bot.embeds import DigestMessage
from bot.i18n import messages_for
from bot.scheduler import CLOCK_JOB_ID
from bot.settings import Settings
from bot.store import open_store
from newsbrief_testkit.fake_discord import DEFAULT_PERMISSIONS, FakeDiscord
from newsbrief_testkit.local_site import LocalSite

from .conftest import private_reply, running_news_bot

MANAGE_GUILD = 1 << 5
ADMIN = DEFAULT_PERMISSIONS | MANAGE_GUILD
OUTLETS = {
    "coast": ("Coastline Herald", "Harbour tunnel opens two years late and over budget",
              "The harbour tunnel opened to traffic on Thursday, two years late and 40 percent over budget."),
    "daily": ("City Daily", "Over-budget harbour tunnel finally opens to traffic",
              "The city's harbour tunnel finally opened to traffic on Thursday, two years late and over budget."),
    "wire": ("Metro Wire", "Harbour tunnel opens to traffic, two years behind schedule",
             "Traffic began flowing through the harbour tunnel on Thursday, two years behind schedule."),
}  # fmt: skip
ARTICLE = """<html><head><title>{title}</title></head><body><article><h1>{title}</h1>
<p>{summary} About 30,000 vehicles a day are expected to use the 3.4-kilometre tunnel.</p>
<p>“This tunnel will change how people move around our city,” Transport Minister Helen Okafor said.</p>
<p>The project was delayed by flooding and by a dispute with the main contractor over ventilation.</p>
<p>Tolls of $4.50 each way will apply from March, after a free introductory period.</p>
</article></body></html>"""


def rss(site: LocalSite, slug: str, *, extra_item: str = "") -> str:
    outlet, title, summary = OUTLETS[slug]
    published = format_datetime(datetime.now(UTC) - timedelta(hours=2))
    link = site.url(f"/{slug}/tunnel")
    return f"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{outlet}</title>
<link>{site.url("/" + slug)}</link><description>News</description>
<item><title>{title}</title><link>{link}</link><guid>{slug}-tunnel</guid>
<description>{summary}</description><pubDate>{published}</pubDate></item>{extra_item}</channel></rss>"""


@pytest.fixture
def feed_urls(local_site: LocalSite) -> list[str]:
    published = format_datetime(datetime.now(UTC) - timedelta(hours=1))
    school = (
        "<item><title>Schools close as winter storm hits the hills</title>"
        f"<link>{local_site.url('/coast/storm')}</link>"
        "<guid>coast-storm</guid><description>More than 200 schools closed on Monday as snow fell.</description>"
        f"<pubDate>{published}</pubDate></item>"
    )
    urls = []
    for slug, (_outlet, title, summary) in OUTLETS.items():
        local_site.add(f"/{slug}/tunnel", ARTICLE.format(title=title, summary=summary))
        body = rss(local_site, slug, extra_item=school if slug == "coast" else "")
        urls.append(local_site.add(f"/{slug}/feed.xml", body, content_type="application/rss+xml"))
    local_site.add("/coast/storm", ARTICLE.format(title="Schools close", summary="More than 200 schools closed."))
    return urls


async def follow_and_subscribe(
    fake: FakeDiscord, feed_urls: list[str], *, local_time: datetime, guild_locale: str = "en-US"
) -> None:
    if guild_locale != "en-US":
        # The server's locale as Discord has it everywhere (gateway and interactions), so that a late
        # GUILD_CREATE at start cannot carry another one into the store.
        await fake.set_preferred_locale(fake.guild_id, guild_locale)
    for url in feed_urls:
        await private_reply(fake, await fake.send_slash_command("feed add", {"url": url}, permissions=ADMIN))
    options = {"channel": str(fake.channel_id), "times": f"{local_time:%H:%M}", "timezone": "UTC"}
    subscribing = await fake.send_slash_command(
        "digest subscribe", options, permissions=ADMIN, guild_locale=guild_locale
    )
    assert "every day at" in await private_reply(fake, subscribing)


def channel_posts(fake: FakeDiscord) -> list:
    return [r for r in fake.requests if r.method == "POST" and r.path == f"/channels/{fake.channel_id}/messages"]


class Clock:
    """Real time moved ahead by `ahead`: a test makes the digest's hour come instead of waiting for it."""

    def __init__(self) -> None:
        self.ahead = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.ahead


DIGEST_IN = timedelta(minutes=10)
"""Subscriptions in these tests are for ten minutes from now; the clock then jumps past that."""


async def fire_now(bot: NewsBot, fake: FakeDiscord, clock: Clock, *, ahead: timedelta = DIGEST_IN) -> None:
    """Let time move `ahead` and have the delivery clock tick now, as it would then."""
    clock.ahead = ahead + timedelta(minutes=1)
    bot.scheduler.scheduler.modify_job(CLOCK_JOB_ID, next_run_time=datetime.now(UTC))


async def wait_for_digest(fake: FakeDiscord) -> dict:
    post = await fake.wait_for_request("POST", rf"/channels/{fake.channel_id}/messages", status=200, timeout=30)
    return post.json


async def test_scheduled_digest_arrives_at_its_time_with_merged_stories(
    fake: FakeDiscord, feed_urls: list[str], make_settings: Callable[..., Settings]
) -> None:
    clock = Clock()
    async with running_news_bot(fake, make_settings(), clock=clock) as bot:
        await follow_and_subscribe(fake, feed_urls, local_time=clock() + DIGEST_IN)
        await fire_now(bot, fake, clock)
        message = await wait_for_digest(fake)
    assert message["content"].endswith("2 stories from 3 sources")
    assert "Covered by 3 outlets" in str(message["embeds"])


async def test_scheduled_digest_does_not_fire_before_its_time(
    fake: FakeDiscord, feed_urls: list[str], make_settings: Callable[..., Settings]
) -> None:
    clock = Clock()
    async with running_news_bot(fake, make_settings(), clock=clock) as bot:
        await follow_and_subscribe(fake, feed_urls, local_time=clock() + DIGEST_IN)
        await fire_now(bot, fake, clock, ahead=-timedelta(minutes=2))  # the timer fires, but it is too early
        await asyncio.sleep(1.0)
    assert channel_posts(fake) == []


async def test_restart_after_the_digest_posts_no_second_one(
    fake: FakeDiscord, feed_urls: list[str], make_settings: Callable[..., Settings]
) -> None:
    settings, clock = make_settings(), Clock()
    async with running_news_bot(fake, settings, clock=clock) as bot:
        await follow_and_subscribe(fake, feed_urls, local_time=clock() + DIGEST_IN)
        await fire_now(bot, fake, clock)
        await wait_for_digest(fake)
    posted = len(channel_posts(fake))
    async with running_news_bot(fake, settings, clock=clock):
        await asyncio.sleep(1.5)  # the catch-up runs at start
    assert len(channel_posts(fake)) == posted


async def test_digest_missed_while_down_is_posted_once_at_start(
    fake: FakeDiscord, feed_urls: list[str], make_settings: Callable[..., Settings]
) -> None:
    settings, clock = make_settings(), Clock()
    async with running_news_bot(fake, settings, clock=clock):
        await follow_and_subscribe(fake, feed_urls, local_time=clock() + DIGEST_IN)
    clock.ahead = DIGEST_IN + timedelta(minutes=5)  # the bot was down when the time came
    async with running_news_bot(fake, settings, clock=clock):
        await wait_for_digest(fake)
        await asyncio.sleep(1.0)
    headers = [post for post in channel_posts(fake) if post.json.get("content")]
    assert len(headers) == 1


async def test_digest_missed_beyond_the_grace_is_not_posted(
    fake: FakeDiscord, feed_urls: list[str], make_settings: Callable[..., Settings]
) -> None:
    settings, clock = make_settings(digest_grace_minutes=60), Clock()
    async with running_news_bot(fake, settings, clock=clock):
        await follow_and_subscribe(fake, feed_urls, local_time=clock() + DIGEST_IN)
    clock.ahead = DIGEST_IN + timedelta(hours=2)
    async with running_news_bot(fake, settings, clock=clock):
        await asyncio.sleep(1.5)
    assert channel_posts(fake) == []


async def test_subscribe_needs_manage_server(
    fake: FakeDiscord, feed_urls: list[str], make_settings: Callable[..., Settings]
) -> None:
    async with running_news_bot(fake, make_settings()) as bot:
        options = {"channel": str(fake.channel_id), "times": "07:30", "timezone": "Europe/Paris"}
        interaction = await fake.send_slash_command("digest subscribe", options, permissions=DEFAULT_PERMISSIONS)
        assert "Manage Server" in await private_reply(fake, interaction)
        assert await bot.store.list_subscriptions(fake.guild_id) == []


async def test_digest_now_posts_in_the_channel(
    fake: FakeDiscord, feed_urls: list[str], make_settings: Callable[..., Settings]
) -> None:
    async with running_news_bot(fake, make_settings()):
        await follow_and_subscribe(fake, feed_urls, local_time=datetime.now(UTC) + timedelta(hours=3))
        interaction = await fake.send_slash_command("digest now", permissions=ADMIN)
        assert (await private_reply(fake, interaction)).startswith("Posted 2 stories")
    assert len(channel_posts(fake)) == 1


async def test_digest_posts_in_the_servers_preferred_locale_whoever_asks(
    fake: FakeDiscord, feed_urls: list[str], make_settings: Callable[..., Settings]
) -> None:
    async with running_news_bot(fake, make_settings()):
        await follow_and_subscribe(
            fake, feed_urls, local_time=datetime.now(UTC) + timedelta(hours=3), guild_locale="pt-BR"
        )
        interaction = await fake.send_slash_command("digest now", permissions=ADMIN, locale="uk")
        assert (await private_reply(fake, interaction)).startswith("Опубліковано 2 новини")
        digest = await wait_for_digest(fake)
    portuguese = messages_for("pt-BR")
    titles = {portuguese.gettext(title) for title in ("Morning briefing", "Afternoon briefing", "Evening briefing")}
    title, _, counts = digest["content"].split(" · ")
    assert title in titles
    assert counts.startswith(portuguese.ngettext("{count} story", "{count} stories", 2, count=2))


async def test_digest_preview_shows_only_the_admin_and_posts_nothing(
    fake: FakeDiscord, feed_urls: list[str], make_settings: Callable[..., Settings]
) -> None:
    async with running_news_bot(fake, make_settings()):
        await follow_and_subscribe(fake, feed_urls, local_time=datetime.now(UTC) + timedelta(hours=3))
        interaction = await fake.send_slash_command("digest preview", permissions=ADMIN)
        followup = await fake.wait_for_followup(interaction, status=200, timeout=30)
    assert (followup.json["flags"] & 64, channel_posts(fake)) == (64, [])


async def test_digest_subscribe_refuses_an_unknown_time_zone(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    async with running_news_bot(fake, make_settings()):
        options = {"channel": str(fake.channel_id), "times": "07:30", "timezone": "Mars/Olympus"}
        interaction = await fake.send_slash_command("digest subscribe", options, permissions=ADMIN)
        assert "time zone" in await private_reply(fake, interaction)


async def test_digest_subscribe_takes_several_times_on_chosen_days(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    async with running_news_bot(fake, make_settings()) as bot:
        options = {
            "channel": str(fake.channel_id),
            "times": "18:00, 7:30",
            "timezone": "Europe/Paris",
            "days": "mon-fri",
        }
        reply = await private_reply(fake, await fake.send_slash_command("digest subscribe", options, permissions=ADMIN))
        (subscription,) = await bot.store.list_subscriptions(fake.guild_id)
    assert reply == f"<#{fake.channel_id}> will get its digest on Mon–Fri at 07:30, 18:00 (Europe/Paris)."
    assert (subscription.edition_times, subscription.weekdays) == ((time(7, 30), time(18, 0)), (0, 1, 2, 3, 4))


@pytest.mark.parametrize(
    ("option", "text", "said"),
    [("times", "7:30, noon", "is not a time of day"), ("days", "weekends", "is not a set of weekdays")],
)
async def test_digest_subscribe_refuses_a_schedule_it_cannot_read(
    fake: FakeDiscord, make_settings: Callable[..., Settings], option: str, text: str, said: str
) -> None:
    async with running_news_bot(fake, make_settings()) as bot:
        options = {"channel": str(fake.channel_id), "times": "07:30", "timezone": "UTC", option: text}
        reply = await private_reply(fake, await fake.send_slash_command("digest subscribe", options, permissions=ADMIN))
        stored = await bot.store.list_subscriptions(fake.guild_id)
    assert said in reply
    assert stored == []


async def test_timezone_autocomplete_offers_iana_names(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    async with running_news_bot(fake, make_settings()):
        options = {"channel": str(fake.channel_id), "times": "07:30", "timezone": "kyiv"}
        interaction = await fake.send_autocomplete("digest subscribe", options, focused="timezone")
        callback = await fake.wait_for_callback(interaction, status=200)
    assert [choice["value"] for choice in callback.json["data"]["choices"]] == ["Europe/Kyiv"]


async def test_a_digest_message_posted_again_under_its_key_appears_once(
    fake: FakeDiscord, make_settings: Callable[..., Settings]
) -> None:
    message = DigestMessage(content="Morning digest: nothing new since the last edition.", embeds=(), item_keys=())
    async with running_news_bot(fake, make_settings()) as bot:
        first = await bot.poster.post(fake.channel_id, message, key="delivery-7-message-0")
        again = await bot.poster.post(fake.channel_id, message, key="delivery-7-message-0")
        other = await bot.poster.post(fake.channel_id, message, key="delivery-8-message-0")

    assert again == first != other
    assert [m["content"] for m in fake.messages.values()].count(message.content) == 2


async def wait_for_locale(bot: NewsBot, guild_id: int, locale: str) -> None:
    """Wait until the guild's digests are stored in `locale`: the bot handles gateway events in its own tasks."""
    for _ in range(200):
        if [subscription.locale for subscription in await bot.store.list_subscriptions(guild_id)] == [locale]:
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"the digests of guild {guild_id} are not in {locale}")


def briefing_titles(locale: str) -> set[str]:
    messages = messages_for(locale)
    titles = {messages.gettext(title) for title in ("Morning briefing", "Afternoon briefing", "Evening briefing")}
    assert "Morning briefing" not in titles
    return titles


async def test_a_server_locale_change_makes_the_next_digest_post_in_the_new_locale(
    fake: FakeDiscord, feed_urls: list[str], make_settings: Callable[..., Settings]
) -> None:
    async with running_news_bot(fake, make_settings()) as bot:
        await follow_and_subscribe(fake, feed_urls, local_time=datetime.now(UTC) + timedelta(hours=3))
        await fake.set_preferred_locale(fake.guild_id, "de")
        await wait_for_locale(bot, fake.guild_id, "de")
        await private_reply(fake, await fake.send_slash_command("digest now", permissions=ADMIN))
        digest = await wait_for_digest(fake)
    assert digest["content"].split(" · ")[0] in briefing_titles("de")


async def test_a_digest_stored_without_a_locale_posts_in_the_servers_locale(
    fake: FakeDiscord, feed_urls: list[str], make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings()
    async with await open_store(settings.database_url) as store:
        for url in feed_urls:
            await store.add_guild_feed(fake.guild_id, url, added_by=1)
        await store.subscribe(fake.guild_id, fake.channel_id, created_by=1, local_time=time(7), timezone="UTC")
    await fake.set_preferred_locale(fake.guild_id, "fr")  # before the bot connects: READY carries it

    async with running_news_bot(fake, settings) as bot:
        await wait_for_locale(bot, fake.guild_id, "fr")
        await private_reply(fake, await fake.send_slash_command("digest now", permissions=ADMIN))
        digest = await wait_for_digest(fake)
    assert digest["content"].split(" · ")[0] in briefing_titles("fr")


# --- two editions a day on chosen weekdays ---------------------------------------------------------

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def mid_morning_zone(now: datetime) -> ZoneInfo:
    """A fixed-offset zone where `now` is between 08:00 and 14:00, so both editions fall on one day."""
    offset = 10 - now.hour if 10 - now.hour >= -12 else 34 - now.hour
    return ZoneInfo(f"Etc/GMT{-offset:+d}")  # Etc/GMT-3 is three hours ahead of UTC


def headers(fake: FakeDiscord) -> list[str]:
    return [post.json["content"] for post in channel_posts(fake) if post.json.get("content")]


async def fire_and_wait(bot: NewsBot, fake: FakeDiscord, clock: Clock, ahead: timedelta) -> None:
    """Move the clock `ahead` and wait for the edition's header message."""
    since = len(fake.requests)
    await fire_now(bot, fake, clock, ahead=ahead)
    await fake.wait_for_request(
        "POST",
        rf"/channels/{fake.channel_id}/messages",
        status=200,
        since=since,
        predicate=lambda request: bool(request.json.get("content")),
        timeout=30,
    )


async def test_two_editions_on_a_chosen_day_each_arrive_once_across_restarts_and_the_next_day_gets_none(
    fake: FakeDiscord, feed_urls: list[str], make_settings: Callable[..., Settings]
) -> None:
    settings, clock = make_settings(), Clock()
    zone = mid_morning_zone(datetime.now(UTC))
    local_now = datetime.now(zone)
    first, second = local_now + timedelta(minutes=10), local_now + timedelta(minutes=40)
    async with running_news_bot(fake, settings, clock=clock):
        for url in feed_urls:
            await private_reply(fake, await fake.send_slash_command("feed add", {"url": url}, permissions=ADMIN))
        options = {
            "channel": str(fake.channel_id),
            "times": f"{first:%H:%M}, {second:%H:%M}",
            "timezone": zone.key,
            "days": WEEKDAYS[local_now.weekday()],
        }
        await private_reply(fake, await fake.send_slash_command("digest subscribe", options, permissions=ADMIN))
    async with running_news_bot(fake, settings, clock=clock) as bot:
        await fire_and_wait(bot, fake, clock, timedelta(minutes=10))
    async with running_news_bot(fake, settings, clock=clock) as bot:
        await fire_and_wait(bot, fake, clock, timedelta(minutes=40))
    async with running_news_bot(fake, settings, clock=clock) as bot:
        await fire_now(bot, fake, clock, ahead=timedelta(days=1, minutes=10))
        await fire_now(bot, fake, clock, ahead=timedelta(days=1, minutes=40))
        await asyncio.sleep(3)  # room for anything the clock would (wrongly) post

    said = headers(fake)
    day = f"{local_now:%b} {local_now.day}, {local_now.year}"
    assert len(said) == 2
    assert all(day in header for header in said), said

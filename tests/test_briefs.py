"""Page briefs made at refresh time: new items' pages briefed once (across processes sharing a
database), read by digests without fetching the page again, a dead page falling back to the feed's
summary and saying so, and /summarize's job slots left alone."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.briefs import MAX_BRIEF_AGE
from bot.digests import MAX_DIGEST_WINDOW, DeliveryResult
from bot.embeds import story_embed
from bot.launcher import open_resources
from bot.settings import Settings
from bot.store import BriefStatus, open_store
from tests.newsroom import REPORTS, Newsroom, open_newsroom, title


def page(room: Newsroom, slug: str) -> str:
    return room.site.url(f"/news/{slug}")


async def test_a_refresh_briefs_the_pages_of_its_new_items(newsroom: Newsroom) -> None:
    now = newsroom.clock()
    await newsroom.follow(newsroom.publish("/courier.xml", [("ferry", now), ("orchard", now - timedelta(hours=2))]))

    await newsroom.refresher.refresh_due()
    await newsroom.briefer.idle()

    stored = await newsroom.store.stored_briefs([page(newsroom, "ferry"), page(newsroom, "orchard")])
    ferry = stored[page(newsroom, "ferry")]
    assert {entry.status for entry in stored.values()} == {BriefStatus.BRIEFED}
    assert ferry.brief is not None
    assert ferry.brief.summary
    assert all(sentence in " ".join(REPORTS["ferry"].paragraphs) for sentence in ferry.brief.summary)


async def test_a_page_two_processes_see_as_new_is_fetched_once(newsroom: Newsroom) -> None:
    now = newsroom.clock()
    first_feed = await newsroom.follow(newsroom.publish("/courier.xml", [("ferry", now)]))
    second_feed = await newsroom.follow(newsroom.publish("/gazette.xml", [("ferry", now)], title="Gazette"))
    async with (
        await open_store(newsroom.store.engine.url.render_as_string(hide_password=False)) as other_store,
        open_newsroom(other_store, newsroom.site, now=now) as other_process,
    ):
        await asyncio.gather(
            newsroom.refresher.refresh_due(feed_ids=[first_feed]),
            other_process.refresher.refresh_due(feed_ids=[second_feed]),
        )
        await asyncio.gather(newsroom.briefer.idle(), other_process.briefer.idle())

    assert (newsroom.site.hits["/courier.xml"], newsroom.site.hits["/gazette.xml"]) == (1, 1)
    assert newsroom.site.hits["/news/ferry"] == 1


async def test_a_digest_uses_the_stored_brief_without_fetching_the_page_again(newsroom: Newsroom) -> None:
    await newsroom.follow(newsroom.publish("/courier.xml", [("ferry", newsroom.clock())]))
    subscription = await newsroom.subscribe()
    await newsroom.refresher.refresh_due()
    await newsroom.briefer.idle()
    assert newsroom.site.hits["/news/ferry"] == 1

    assert await newsroom.deliver(subscription) is DeliveryResult.POSTED

    (story,) = newsroom.poster.digests[-1].stories
    brief = (await newsroom.store.stored_briefs([page(newsroom, "ferry")]))[page(newsroom, "ferry")].brief
    assert brief is not None
    assert (story.from_feed_summary, story.summary) == (False, brief.summary)
    assert newsroom.site.hits["/news/ferry"] == 1


async def test_a_dead_page_is_a_failed_brief_and_its_story_says_it_used_the_feed(newsroom: Newsroom) -> None:
    await newsroom.follow(newsroom.publish("/courier.xml", [("ferry", newsroom.clock())], without_pages=["ferry"]))
    subscription = await newsroom.subscribe()

    assert await newsroom.deliver(subscription) is DeliveryResult.POSTED

    stored = (await newsroom.store.stored_briefs([page(newsroom, "ferry")]))[page(newsroom, "ferry")]
    assert stored.status is BriefStatus.FAILED
    assert stored.error is not None
    assert "404" in stored.error
    (story,) = newsroom.poster.digests[-1].stories
    assert (story.title, story.from_feed_summary) == (title("ferry"), True)
    assert story.summary[0] in REPORTS["ferry"].teaser
    assert "Summary from the feed" in (story_embed(story).footer.text or "")


async def test_briefing_at_refresh_leaves_summarize_its_job_slots(
    newsroom: Newsroom, offline_settings: Settings
) -> None:
    settings = offline_settings.model_copy(update={"max_concurrent_jobs": 1, "fetch_allow_private": True})
    now = newsroom.clock()
    feed = newsroom.publish("/courier.xml", [("ferry", now), ("orchard", now), ("chess", now)])
    for slug in ("ferry", "orchard", "chess"):
        newsroom.site.pages[f"/news/{slug}"].delay = 1.0
    newsroom.publish("/other.xml", [("tram", now)])  # serves the page /summarize asks for, at once
    async with open_resources(settings, clock=newsroom.clock) as resources:
        await resources.store.add_guild_feed(1, feed, added_by=2, now=now)
        await resources.refresher.refresh_due()
        await asyncio.sleep(0.3)  # the three slow pages are being briefed now
        assert newsroom.site.hits["/news/ferry"] == 1

        briefing = await resources.pipeline.brief_url(page(newsroom, "tram"))

        assert briefing.article.title == title("tram")
        assert resources.refresher.briefer is not None
        await resources.refresher.briefer.idle()
        assert resources.refresher.briefer.briefed == 3


def test_pages_are_briefed_as_far_back_as_digests_reach() -> None:
    assert MAX_BRIEF_AGE == MAX_DIGEST_WINDOW

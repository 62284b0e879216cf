"""Page briefs: a page is claimed by one process however many race for it, a dead holder's claim
expires, a failed page waits before it is tried again, and a brief comes back as it was stored."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from bot.news.models import PageBrief, Quote
from bot.store import BRIEF_LEASE, BriefStatus, Store
from bot.store.briefs import BRIEF_RETRY_AFTER
from tests.store.samples import NOW

LINK = "https://harbour-courier.example/news/ferry"

BRIEF = PageBrief(
    url="https://harbour-courier.example/news/ferry?ref=feed",
    summary=("The ferry will run four crossings a day.", "Eleven deckhands are off sick."),
    title="Island ferry timetable cut",
    quotes=(Quote(text="We are training six new deckhands.", speaker="Ellen Marsh"), Quote(text="Unknown words.")),
    image="https://harbour-courier.example/ferry.jpg",
    word_count=412,
    language="en",
    published=date(2025, 3, 13),
    site="Harbour Courier",
)


async def test_two_processes_racing_for_a_page_get_one_claim(store: Store, second_store: Store) -> None:
    claims = await asyncio.gather(
        *(claimer.claim_brief(LINK, now=NOW) for claimer in (store, second_store, store, second_store))
    )

    assert sum(claim is not None for claim in claims) == 1


async def test_the_same_page_under_another_spelling_of_its_link_is_one_claim(store: Store) -> None:
    assert await store.claim_brief(LINK, now=NOW) is not None

    assert await store.claim_brief("HTTPS://Harbour-Courier.example/news/ferry?utm_source=rss#top", now=NOW) is None


async def test_a_brief_comes_back_as_stored_and_its_page_is_not_claimed_again(store: Store) -> None:
    claim = await store.claim_brief(LINK, now=NOW)
    assert claim is not None

    assert await store.record_brief(claim, BRIEF, now=NOW)

    stored = (await store.stored_briefs([LINK]))[LINK]
    assert (stored.status, stored.brief, stored.error) == (BriefStatus.BRIEFED, BRIEF, None)
    assert await store.claim_brief(LINK, now=NOW + timedelta(days=1)) is None


async def test_a_claim_whose_holder_died_expires_and_the_late_holder_cannot_store(
    store: Store, second_store: Store
) -> None:
    dead = await store.claim_brief(LINK, now=NOW)
    assert dead is not None
    assert await second_store.claim_brief(LINK, now=NOW + BRIEF_LEASE - timedelta(seconds=1)) is None
    assert (await second_store.stored_briefs([LINK]))[LINK].pending(NOW + BRIEF_LEASE - timedelta(seconds=1))

    taker = await second_store.claim_brief(LINK, now=NOW + BRIEF_LEASE)

    assert taker is not None
    assert not await store.record_brief(dead, BRIEF, now=NOW + BRIEF_LEASE)
    assert await second_store.record_brief(taker, BRIEF, now=NOW + BRIEF_LEASE)


async def test_a_failed_page_keeps_its_reason_and_is_tried_again_only_after_a_while(store: Store) -> None:
    claim = await store.claim_brief(LINK, now=NOW)
    assert claim is not None

    assert await store.record_brief_failure(claim, reason="The page answered 404 Not Found", now=NOW)

    stored = (await store.stored_briefs([LINK]))[LINK]
    assert (stored.status, stored.brief, stored.error) == (BriefStatus.FAILED, None, "The page answered 404 Not Found")
    assert not stored.pending(NOW)
    assert await store.claim_brief(LINK, now=NOW + BRIEF_RETRY_AFTER - timedelta(seconds=1)) is None
    assert await store.claim_brief(LINK, now=NOW + BRIEF_RETRY_AFTER) is not None


async def test_pruning_forgets_briefs_completed_before_the_cutoff_only(store: Store) -> None:
    old = await store.claim_brief(LINK, now=NOW)
    recent_link = "https://harbour-courier.example/news/orchard"
    recent = await store.claim_brief(recent_link, now=NOW)
    assert old is not None
    assert recent is not None
    await store.record_brief(old, BRIEF, now=NOW)
    await store.record_brief(recent, BRIEF, now=NOW + timedelta(days=3))

    assert await store.prune_briefs(completed_before=NOW + timedelta(days=1)) == 1

    assert set(await store.stored_briefs([LINK, recent_link])) == {recent_link}

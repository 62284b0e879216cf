"""Briefs of linked pages, made once and shared: a page is claimed before it is fetched, so that two
processes (or two feeds listing the same article) never brief it twice, and what the brief found is
kept for every digest that carries the story.

A claim is a row inserted with ON CONFLICT DO NOTHING: whoever inserts it holds the page until its
lease runs out. A holder that dies leaves a claim that expires; a page that failed may be claimed
again after BRIEF_RETRY_AFTER (a site that was down may be back); a briefed page is never fetched
again while its row lives. Rows are keyed by the link's key (`records.link_key`), as items are.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.engine import Row

from bot.news.models import PageBrief, Quote
from bot.store.database import Queries, upsert
from bot.store.records import clip_error, link_key, utc_now
from bot.store.tables import CLAIM_TOKEN_LENGTH, LANGUAGE_LENGTH, BriefStatus, page_briefs

LOGGER = logging.getLogger(__name__)

BRIEF_LEASE = timedelta(minutes=2)
"""How long a page claim holds: a fetch's 20 s timeout, extraction and summary in a busy worker pool,
with room. A process that dies mid-brief frees its pages this long after claiming them."""

BRIEF_RETRY_AFTER = timedelta(hours=1)
"""A page that failed may be claimed again this long after: long enough not to hammer a dead link
each time another feed lists it, short enough for a site back from an outage to be read that day."""

LOOKUP_CHUNK = 500
"""Link keys per IN list when reading briefs: well under SQLite's and asyncpg's parameter limits."""


@dataclass(frozen=True, slots=True)
class BriefClaim:
    """The right to brief one page, until `lease_expires_at`."""

    link_key: str
    link: str
    token: str
    lease_expires_at: datetime


@dataclass(frozen=True, slots=True)
class StoredBrief:
    """A page's row: its brief once briefed, the reason once failed, or a claim in progress."""

    link_key: str
    status: BriefStatus
    brief: PageBrief | None
    """Set when the status is BRIEFED."""
    error: str | None
    lease_expires_at: datetime | None
    """Until when a claim in progress holds (CLAIMED only)."""

    def pending(self, now: datetime) -> bool:
        """Whether someone is briefing the page and may still finish."""
        return (
            self.status is BriefStatus.CLAIMED
            and self.lease_expires_at is not None
            and self.lease_expires_at > utc_now(now)
        )


def _brief_from_row(row: Row[Any]) -> PageBrief | None:
    if row.status != BriefStatus.BRIEFED:
        return None
    return PageBrief(
        url=row.url or row.link,
        summary=tuple(row.summary or ()),
        title=row.title,
        quotes=tuple(Quote(text=quote["text"], speaker=quote.get("speaker")) for quote in row.quotes or ()),
        image=row.image,
        word_count=row.word_count or 0,
        language=row.language,
        published=row.published,
        site=row.site,
    )


class BriefQueries(Queries):
    """Page briefs: claimed once across processes, completed by their holder, read by digests."""

    async def claim_brief(
        self, link: str, *, now: datetime | None = None, lease: timedelta = BRIEF_LEASE
    ) -> BriefClaim | None:
        """Claim the page at `link` for briefing; None when it is briefed already, being briefed
        under a lease that still holds, or failed less than BRIEF_RETRY_AFTER ago."""
        key = link_key(link)
        if key is None:
            return None
        moment = utc_now(now)
        token = secrets.token_hex(CLAIM_TOKEN_LENGTH // 2)
        claimed = {
            "status": BriefStatus.CLAIMED,
            "claim_token": token,
            "claimed_at": moment,
            "lease_expires_at": moment + lease,
        }
        async with self._engine.begin() as connection:
            inserted = await connection.scalar(
                upsert(connection.dialect, page_briefs)
                .values(link_key=key, link=link, **claimed)
                .on_conflict_do_nothing(index_elements=[page_briefs.c.link_key])
                .returning(page_briefs.c.link_key)
            )
            if inserted is None:
                # Taken again only when the holder's lease ran out or the failure is old enough; on
                # PostgreSQL the WHERE is checked again after a concurrent taker's commit, so one wins.
                inserted = await connection.scalar(
                    update(page_briefs)
                    .where(
                        page_briefs.c.link_key == key,
                        or_(
                            and_(
                                page_briefs.c.status == BriefStatus.CLAIMED,
                                page_briefs.c.lease_expires_at <= moment,
                            ),
                            and_(
                                page_briefs.c.status == BriefStatus.FAILED,
                                page_briefs.c.completed_at <= moment - BRIEF_RETRY_AFTER,
                            ),
                        ),
                    )
                    .values(link=link, **claimed)
                    .returning(page_briefs.c.link_key)
                )
        if inserted is None:
            return None
        return BriefClaim(link_key=key, link=link, token=token, lease_expires_at=moment + lease)

    async def record_brief(self, claim: BriefClaim, brief: PageBrief, *, now: datetime | None = None) -> bool:
        """Store the page's brief; False when the claim was lost (its lease ran out and another took it)."""
        return await self._complete(
            claim,
            now=now,
            status=BriefStatus.BRIEFED,
            error=None,
            url=brief.url,
            title=brief.title,
            summary=list(brief.summary),
            quotes=[{"text": quote.text, "speaker": quote.speaker} for quote in brief.quotes],
            image=brief.image,
            word_count=brief.word_count,
            language=brief.language[:LANGUAGE_LENGTH] if brief.language else None,
            published=brief.published,
            site=brief.site,
        )

    async def record_brief_failure(self, claim: BriefClaim, *, reason: str, now: datetime | None = None) -> bool:
        """The page could not be briefed, and why; False when the claim was lost."""
        return await self._complete(claim, now=now, status=BriefStatus.FAILED, error=clip_error(reason))

    async def _complete(self, claim: BriefClaim, *, now: datetime | None, **values: Any) -> bool:
        async with self._engine.begin() as connection:
            result = await connection.execute(
                update(page_briefs)
                .where(
                    page_briefs.c.link_key == claim.link_key,
                    page_briefs.c.status == BriefStatus.CLAIMED,
                    page_briefs.c.claim_token == claim.token,
                )
                .values(claim_token=None, lease_expires_at=None, completed_at=utc_now(now), **values)
            )
        if result.rowcount == 0:
            LOGGER.info("The claim on page %s was lost before its brief was stored", claim.link)
            return False
        return True

    async def stored_briefs(self, links: Collection[str]) -> dict[str, StoredBrief]:
        """The rows of these pages, by link as given; a page never claimed is missing."""
        by_key: dict[str, list[str]] = {}
        for link in links:
            key = link_key(link)
            if key is not None:
                by_key.setdefault(key, []).append(link)
        keys = list(by_key)
        found: dict[str, StoredBrief] = {}
        async with self.reading() as connection:
            for start in range(0, len(keys), LOOKUP_CHUNK):
                chunk = keys[start : start + LOOKUP_CHUNK]
                rows = (await connection.execute(select(page_briefs).where(page_briefs.c.link_key.in_(chunk)))).all()
                for row in rows:
                    stored = StoredBrief(
                        link_key=row.link_key,
                        status=BriefStatus(row.status),
                        brief=_brief_from_row(row),
                        error=row.error,
                        lease_expires_at=row.lease_expires_at,
                    )
                    for link in by_key[row.link_key]:
                        found[link] = stored
        return found

    async def prune_briefs(self, *, completed_before: datetime) -> int:
        """Forget briefs completed before the time (at least two days back: a digest carries items
        first seen up to two days ago, and their pages were briefed then). A page listed as new again
        later is briefed again. Returns how many went."""
        async with self._engine.begin() as connection:
            result = await connection.execute(
                delete(page_briefs).where(page_briefs.c.completed_at < utc_now(completed_before))
            )
        return result.rowcount

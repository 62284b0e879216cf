"""Live mode's decisions: which of a refresh's new stories a live subscription posts now, which edit a
post already made, and which wait for the next hour. Pure: the service that claims and posts reads
the store (bot/store/live.py) and hands in what it found.

A story is another outlet's coverage of a post made in the last LIVE_EDIT_WINDOW when one of its
links is one of the post's (compared by link key: the same article under another spelling of its
URL is the same); its post is then edited to name every outlet, not posted again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.discord_limits import MESSAGE_NONCE_LIMIT
from bot.news.digest import DigestStory
from bot.store.live import Coverage, LivePost
from bot.store.records import link_key

LIVE_EDIT_WINDOW = timedelta(hours=24)
"""How long a live post is edited when another outlet covers its story; later, the story is new."""


@dataclass(frozen=True, slots=True)
class CoverageEdit:
    """A post to edit: its story now covered by `coverage` (the post's outlets, then the new ones)."""

    post: LivePost
    story: DigestStory
    coverage: tuple[Coverage, ...]


@dataclass(frozen=True, slots=True)
class LivePlan:
    """What one live cycle does for one subscription."""

    post: tuple[DigestStory, ...] = ()
    """Posted now, one message each, in rank order."""
    edit: tuple[CoverageEdit, ...] = ()
    hold: tuple[DigestStory, ...] = ()
    """Over the hourly cap: posted together as one message when the next hour begins."""


@dataclass(frozen=True, slots=True)
class HeldStory:
    """A story held over the cap, as the combined message at the next hour lists it."""

    title: str
    coverage: tuple[Coverage, ...]


def story_key(story: DigestStory) -> str:
    """A story's identity among a subscription's live posts: its representative link's key, or (a
    story without links) a hash of its title."""
    key = link_key(story.url)
    return key if key is not None else hashlib.sha256(story.title.encode()).hexdigest()


def story_nonce(subscription_id: int, key: str) -> str:
    """The nonce a story's first message goes out with: the same for every process that might post it."""
    return hashlib.sha256(f"live:{subscription_id}:{key}".encode()).hexdigest()[:MESSAGE_NONCE_LIMIT]


def story_coverage(story: DigestStory) -> tuple[Coverage, ...]:
    """Each outlet's link of the story, as a live post records them."""
    return tuple(Coverage(outlet=outlet, link=link) for outlet, link in story.outlet_links)


def hour_start(now: datetime) -> datetime:
    """When `now`'s clock hour began: the hourly cap counts the messages posted since."""
    return now.replace(minute=0, second=0, microsecond=0)


def next_hour(now: datetime) -> datetime:
    """When the clock hour after `now`'s begins: when stories held over the cap go out."""
    return hour_start(now) + timedelta(hours=1)


def covered_story(story: DigestStory, coverage: Sequence[Coverage]) -> DigestStory:
    """`story` naming every outlet of `coverage` (a post's outlets, then the new ones), as its edited post shows it."""
    return replace(
        story,
        outlets=tuple(dict.fromkeys(item.outlet for item in coverage)),
        links=tuple(item.link for item in coverage),
        outlet_links=tuple((item.outlet, item.link) for item in coverage),
    )


def _link_keys(coverage: Sequence[Coverage]) -> set[str]:
    return {key for key in (link_key(item.link) for item in coverage) if key is not None}


def _merged(post: LivePost, story: DigestStory) -> tuple[Coverage, ...]:
    known = _link_keys(post.coverage)
    added: list[Coverage] = []
    for item in story_coverage(story):
        key = link_key(item.link)
        if key is not None and key not in known:
            known.add(key)
            added.append(item)
    return post.coverage + tuple(added)


def plan_live(
    stories: Sequence[DigestStory], recent: Sequence[LivePost], *, posted_this_hour: int, hourly_cap: int
) -> LivePlan:
    """Sort a cycle's new stories (in rank order) into posts, edits of `recent` posts (those of the
    last LIVE_EDIT_WINDOW) and stories held over the cap, given the messages posted this hour already.
    A story that brings no outlet a post lacks changes nothing."""
    by_link: dict[str, LivePost] = {}
    for post in recent:
        for key in _link_keys(post.coverage):
            by_link.setdefault(key, post)
    posts: list[DigestStory] = []
    edits: dict[int, CoverageEdit] = {}
    held: list[DigestStory] = []
    room = max(hourly_cap - posted_this_hour, 0)
    for story in stories:
        keys = _link_keys(story_coverage(story))
        matched = next((by_link[key] for key in keys if key in by_link), None)
        if matched is not None:
            earlier = edits.get(matched.id)
            base = matched if earlier is None else replace(matched, coverage=earlier.coverage)
            coverage = _merged(base, story)
            if coverage != base.coverage:
                edits[matched.id] = CoverageEdit(post=matched, story=story, coverage=coverage)
        elif len(posts) < room:
            posts.append(story)
        else:
            held.append(story)
    return LivePlan(post=tuple(posts), edit=tuple(edits.values()), hold=tuple(held))

"""Where a subscription's posts go, and how: a channel (text or announcement, published or not), a thread
under a header message, or a forum post; with a role to ping. Discord-free: the poster reads it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.discord_limits import APPLIED_TAGS_LIMIT


class TargetKind(StrEnum):
    CHANNEL = "channel"
    """Messages in the channel itself (a text or an announcement channel)."""
    THREAD = "thread"
    """The header in the channel, the stories in a thread started from it."""
    FORUM = "forum"
    """A forum post per edition (titled with its header) or per live story (titled with its headline)."""


@dataclass(frozen=True, slots=True)
class DeliveryTarget:
    """A subscription's destination."""

    channel_id: int
    kind: TargetKind = TargetKind.CHANNEL
    publish: bool = False
    """In an announcement channel, publish (crosspost) each message to the servers that follow it."""
    ping_role_id: int | None = None
    """A role mentioned at the top of each edition or live post; nothing else is ever pinged."""
    match_forum_tags: bool = True
    """In a forum, apply the forum's tags whose names are words of the post's stories."""


def matching_tags(tag_names: Sequence[str], texts: Iterable[str]) -> list[str]:
    """The tag names that occur as whole words (any case) in `texts`, in the forum's order, at most
    APPLIED_TAGS_LIMIT: "Sport" matches "Sport results" and "SPORT", not "Sportswear"."""
    text = "\n".join(texts)
    found = [
        name
        for name in tag_names
        if name.strip() and re.search(rf"(?<!\w){re.escape(name.strip())}(?!\w)", text, re.IGNORECASE)
    ]
    return found[:APPLIED_TAGS_LIMIT]

"""Where a subscription's posts go, and how: a channel (text or announcement, published or not), a thread
under a header message, or a forum post; with a role to ping. Discord-free: the poster reads it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.discord_limits import APPLIED_TAGS_LIMIT
from bot.news.errors import N_, NewsError, Phrase


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


class ChannelKind(StrEnum):
    """The kinds of channel a digest may go to, as Discord has them."""

    TEXT = "text"
    ANNOUNCEMENT = "announcement"
    """A text channel other servers can follow, whose messages can be published to them."""
    FORUM = "forum"


class ChannelAccess(Protocol):
    """A channel as the services check it before saving a digest there: its kind, and what the bot
    lacks to post to a target in it (bot/permissions.py reads both from Discord)."""

    @property
    def channel_id(self) -> int: ...

    @property
    def kind(self) -> ChannelKind: ...

    def missing(self, target: DeliveryTarget) -> Sequence[str]:
        """The labels (N_ message ids) of the permissions the bot lacks for `target`; empty when none."""
        ...


class TargetRefused(NewsError):
    """A combination of target options that cannot work; the message says why, for the admin."""

    kind = "target_refused"


class CannotPostThere(NewsError):
    """The bot lacks permissions it needs to post the digest there; the message names them."""

    kind = "cannot_post_there"

    def __init__(self, channel_id: int, missing: Sequence[str]) -> None:
        super().__init__(
            N_("I cannot post the digest in <#{channel}>: I need {permissions} there. Grant them, then try again."),
            channel=channel_id,
            permissions=tuple(Phrase(label) for label in missing),
        )
        self.missing = tuple(missing)


def choose_target(
    access: ChannelAccess, *, thread: bool = False, publish: bool = False, ping_role_id: int | None = None
) -> DeliveryTarget:
    """The target the options ask for in the channel, checked: it is one that can work, and the bot
    may post to it.

    Raises:
        TargetRefused: thread mode in a forum, publishing outside an announcement channel or in
            thread mode.
        CannotPostThere: the bot lacks a permission the target needs.
    """
    if access.kind is ChannelKind.FORUM and thread:
        raise TargetRefused(
            N_("<#{channel}> is a forum: each edition is a post of its own there, so thread mode does not apply."),
            channel=access.channel_id,
        )
    if publish and access.kind is not ChannelKind.ANNOUNCEMENT:
        raise TargetRefused(
            N_("Only an announcement channel can publish to the servers that follow it, and <#{channel}> is not one."),
            channel=access.channel_id,
        )
    if publish and thread:
        raise TargetRefused(
            N_("Messages in threads cannot be published: choose thread mode or publish, not both."),
        )
    kind = TargetKind.THREAD if thread else TargetKind.CHANNEL
    if access.kind is ChannelKind.FORUM:
        kind = TargetKind.FORUM
    target = DeliveryTarget(channel_id=access.channel_id, kind=kind, publish=publish, ping_role_id=ping_role_id)
    if missing := access.missing(target):
        raise CannotPostThere(access.channel_id, missing)
    return target

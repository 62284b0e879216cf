"""Digests into Discord: the Poster the digest service and scheduler post through, to a channel, a
thread under a header, a forum post or an announcement channel that publishes (see bot/targets.py)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import re
import time
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Literal

import aiohttp
import discord

from bot.digests import ChannelUnavailable, PostedMessage, TransientPostError
from bot.discord_limits import CROSSPOSTS_PER_HOUR, MESSAGE_CONTENT_LIMIT, THREAD_NAME_LIMIT
from bot.embeds import DigestMessage, fit_text, held_stories_message, live_story_message, pack_digest
from bot.i18n import messages_for
from bot.live import HeldStory
from bot.news.digest import Digest, DigestStory
from bot.permissions import missing_permissions
from bot.replies import pause_notice
from bot.store import PauseReason
from bot.targets import DeliveryTarget, TargetKind, matching_tags

if TYPE_CHECKING:
    from discord.types.threads import Thread as ThreadPayload

LOGGER = logging.getLogger(__name__)

SERVER_ERROR = 500

OWN_MESSAGES_READ_LIMIT = 200
"""Messages read back after an interrupted delivery's last recorded one: a digest is a few messages
(ten stories to a message), and people may talk in between; two requests of Discord's 100."""

ARCHIVED_POSTS_PAGE = 100
"""Archived forum posts read at a time: Discord's most (GET /channels/{id}/threads/archived/public)."""

ARCHIVED_POSTS_PAGES = 3
"""Pages of archived forum posts read back, most recently archived first: posts archived since an
interrupted delivery began are few (a forum archives a post after an hour idle at the soonest)."""

CROSSPOST_WINDOW_SECONDS = 60 * 60.0
"""Discord's publishing limit counts the last hour."""

CROSSPOST_WAIT_SECONDS = 5.0
"""How long a publish may wait on a rate limit: a short one is waited out; the hourly limit (a wait of up
to an hour) is not, and that message stays unpublished (logged), the delivery going on."""

THREAD_ARCHIVE_MINUTES: Literal[1440] = 1440
"""A digest's thread leaves the channel list a day after its last message: by then the next edition's is there."""

NO_MENTIONS = discord.AllowedMentions.none()

_MARKDOWN_LINK = re.compile(r"\]\((https?://[^)\s]+)\)")
"""A Markdown link's target, as `embeds.coverage_field` writes each outlet's link."""


THREAD_ALREADY_CREATED = 160004
"""Discord's error code for a second thread from one message: the header came back for a repeated nonce."""

FORUM_TAG_REQUIRED = 40067
"""Discord's error code for a post without a tag in a forum that requires one."""


UNKNOWN_MESSAGE = 10008
"""Discord's error code for a message that is gone (deleted), in a channel that is still there."""


class _MessageGone(Exception):
    """The message to edit was deleted: nothing to edit, and nothing wrong with the channel."""


@contextlib.contextmanager
def _discord_errors() -> Iterator[None]:
    """Discord's answers as the digest service takes them: gone for good, or worth another try."""
    try:
        yield
    except discord.NotFound as error:
        raise ChannelUnavailable(PauseReason.CHANNEL_DELETED) from error
    except discord.Forbidden as error:
        raise ChannelUnavailable(PauseReason.CHANNEL_FORBIDDEN) from error
    except discord.HTTPException as error:
        if error.status >= SERVER_ERROR:
            raise TransientPostError(f"Discord answered {error.status}") from error
        if error.code == FORUM_TAG_REQUIRED:
            raise ChannelUnavailable(PauseReason.FORUM_TAG_REQUIRED) from error
        raise
    except (aiohttp.ClientError, TimeoutError) as error:
        raise TransientPostError(f"Discord could not be reached: {error}") from error


@contextlib.contextmanager
def _unless_history_forbidden(what: str) -> Iterator[None]:
    """A read-back with Discord's errors as `_discord_errors` takes them, except that one refused for
    want of Read Message History (invites before it was asked for) is logged and ends the read: the
    delivery goes on, and only the nonce then stands between a message and its repeat (Discord keeps
    nonces a few minutes; a forum post takes none)."""
    try:
        with _discord_errors():
            yield
    except ChannelUnavailable as unavailable:
        if not isinstance(unavailable.__cause__, discord.Forbidden):
            raise
        LOGGER.warning(
            "Cannot read %s (grant newsbrief Read Message History): "
            "an interrupted digest there cannot check what it already posted",
            what,
        )


def embed_links(embeds: Iterable[discord.Embed]) -> frozenset[str]:
    """Every link a digest or live message's embeds show: each story's title link, its outlets'
    links, and the links of a combined message's list of held stories."""
    links: set[str] = set()
    for embed in embeds:
        if embed.url:
            links.add(embed.url)
        links.update(_MARKDOWN_LINK.findall(embed.description or ""))
        for field in embed.fields:
            links.update(_MARKDOWN_LINK.findall(field.value or ""))
    return frozenset(links)


class DiscordPoster:
    """Posts over REST only, so it works before the gateway is ready (missed digests go out at start)."""

    def __init__(self, client: discord.Client) -> None:
        self.client = client
        self._published: dict[int, deque[float]] = {}
        """Per announcement channel, when (monotonic) this process published there in the last hour."""

    def pack(
        self,
        digest: Digest,
        *,
        locale: str | None = None,
        target: DeliveryTarget | None = None,
        continuing: bool = False,
    ) -> Sequence[DigestMessage]:
        """The digest as messages, shaped for `target` (a plain channel when None): thread mode puts the
        header alone in the channel, opening the thread the stories go in; a forum opens a post named
        with the header; a ping role is mentioned at the top of the first message. `continuing` a
        delivery whose first message is posted, what is left goes where that one opened, unpinged."""
        packed = pack_digest(digest, messages_for(locale))
        if target is None:
            return packed
        header = packed[0].content or ""
        name = fit_text(header.splitlines()[0] if header else digest.title, THREAD_NAME_LIMIT)
        if target.kind is TargetKind.THREAD and packed[0].embeds:
            opening = DigestMessage(content=header, embeds=(), item_keys=(), thread_name=name)
            stories = [dataclasses.replace(message, content=None) for message in packed]
            packed = stories if continuing else [opening, *stories]
        elif target.kind is TargetKind.FORUM and not continuing:
            packed = [dataclasses.replace(packed[0], thread_name=name), *packed[1:]]
        if target.ping_role_id is not None and not continuing:
            packed = [dataclasses.replace(packed[0], ping_role_id=target.ping_role_id), *packed[1:]]
        return packed

    def pack_live(
        self, story: DigestStory, *, locale: str | None = None, target: DeliveryTarget | None = None
    ) -> DigestMessage:
        """A live post of one story, its role pinged at its top. `post` makes it a forum post titled
        with its embed's title, the headline; thread mode posts it in the channel (one message needs
        no thread)."""
        return self._pinged(live_story_message(story, messages_for(locale)), target)

    def pack_held(
        self, stories: Sequence[HeldStory], *, locale: str | None = None, target: DeliveryTarget | None = None
    ) -> DigestMessage:
        """The stories held over the hourly cap as one message, shaped for `target` as `pack_live` is."""
        return self._pinged(held_stories_message(stories, messages_for(locale)), target)

    @staticmethod
    def _pinged(message: DigestMessage, target: DeliveryTarget | None) -> DigestMessage:
        if target is None or target.ping_role_id is None:
            return message
        return dataclasses.replace(message, ping_role_id=target.ping_role_id)

    async def edit(
        self, channel_id: int, message_id: int, message: DigestMessage, *, target: DeliveryTarget | None = None
    ) -> bool:
        """Replace a live post's embeds and buttons with `message`'s (PATCH
        /channels/{id}/messages/{id}), its text (and ping) kept; in a forum, the post is the thread of
        its first message. False when the message is gone (deleted by someone).

        Raises:
            ChannelUnavailable: the channel is gone or closed to the bot.
            TransientPostError: Discord failed for now (retry later).
        """
        where = message_id if target is not None and target.kind is TargetKind.FORUM else channel_id
        partial = self.client.get_partial_messageable(where).get_partial_message(message_id)
        try:
            with _discord_errors():
                try:
                    await partial.edit(embeds=list(message.embeds), view=message.view(), allowed_mentions=NO_MENTIONS)
                except discord.NotFound as error:
                    if error.code != UNKNOWN_MESSAGE:
                        raise
                    raise _MessageGone from error
        except _MessageGone:
            LOGGER.info("Live post %s in channel %s is gone: not edited", message_id, where)
            return False
        return True

    async def post(
        self,
        channel_id: int,
        message: DigestMessage,
        *,
        key: str,
        target: DeliveryTarget | None = None,
        first_message_id: int | None = None,
    ) -> int:
        """Send one message; returns its id. `key` goes as the message's nonce, which discord.py
        sends with enforce_nonce: Discord then answers a repeat within minutes with the first message.

        With a `target`: a message with a `thread_name` opens a thread under it (thread mode) or a forum
        post (tagged with the forum's tags its stories name); the others go into the thread of the
        delivery's `first_message_id` (a thread has the id of the message it started from, a forum post
        that of its first message), so a delivery taken over by another process finds its thread. An
        announcement target that publishes publishes each message; a publish the hourly limit refuses
        is logged and the message stays posted.

        Raises:
            ChannelUnavailable: the channel is gone or the bot may not post there (pause the digest).
            TransientPostError: Discord failed for now (retry later).
        """
        kind = target.kind if target is not None else TargetKind.CHANNEL
        content = message.content
        mentions = NO_MENTIONS
        if message.ping_role_id is not None:
            content = fit_text(f"<@&{message.ping_role_id}> {content or ''}", MESSAGE_CONTENT_LIMIT)
            role = discord.Object(id=message.ping_role_id)
            mentions = discord.AllowedMentions(everyone=False, users=False, roles=[role], replied_user=False)
        if kind is TargetKind.FORUM and (message.thread_name or first_message_id is None):
            return await self._open_forum_post(channel_id, message, content=content, mentions=mentions, target=target)
        where = channel_id
        if kind is not TargetKind.CHANNEL and not message.thread_name and first_message_id is not None:
            where = first_message_id
        channel = self.client.get_partial_messageable(where)
        with _discord_errors():
            sent = await channel.send(
                content=content, embeds=list(message.embeds), view=message.view(), nonce=key, allowed_mentions=mentions
            )
            if kind is TargetKind.THREAD and message.thread_name:
                await self._start_thread(channel_id, sent.id, message.thread_name)
        if target is not None and target.publish and kind is TargetKind.CHANNEL:
            await self._publish(sent)
        return sent.id

    async def _start_thread(self, channel_id: int, message_id: int, name: str) -> None:
        """Start the thread under a header; one started already (the header came back for a repeated
        nonce after a lost answer or a crash) is the thread wanted."""
        try:
            await self.client.http.start_thread_with_message(
                channel_id,
                message_id,
                name=name,
                auto_archive_duration=THREAD_ARCHIVE_MINUTES,
                rate_limit_per_user=None,
            )
        except discord.HTTPException as error:
            if error.code != THREAD_ALREADY_CREATED:
                raise

    async def _open_forum_post(
        self,
        forum_id: int,
        message: DigestMessage,
        *,
        content: str | None,
        mentions: discord.AllowedMentions,
        target: DeliveryTarget | None,
    ) -> int:
        """A forum post whose starter message is `message`; returns the starter message's id."""
        embed_texts = [text for embed in message.embeds for text in (embed.title, embed.description) if text]
        name = message.thread_name or fit_text(embed_texts[0] if embed_texts else content or "", THREAD_NAME_LIMIT)
        with _discord_errors():
            forum = await self.client.fetch_channel(forum_id)
            if not isinstance(forum, discord.ForumChannel):
                raise ChannelUnavailable("The channel is no longer a forum")
            tags: list[discord.ForumTag] = []
            if target is None or target.match_forum_tags:
                names = matching_tags([tag.name for tag in forum.available_tags], [name, *embed_texts])
                tags = [tag for tag in forum.available_tags if tag.name in names]
            post = await forum.create_thread(
                name=name,
                content=content,
                embeds=list(message.embeds),
                view=message.view(),
                allowed_mentions=mentions,
                applied_tags=tags,
            )
        return post.message.id

    async def _publish(self, message: discord.Message) -> None:
        """Publish a message to the channel's followers, unless Discord's hourly limit is reached: then
        (counted here, or answered by Discord) it is logged and left unpublished."""
        if message.flags.crossposted:  # Discord answered a repeated nonce with a message published already
            return
        now = time.monotonic()
        recent = self._published.setdefault(message.channel.id, deque())
        while recent and now - recent[0] >= CROSSPOST_WINDOW_SECONDS:
            recent.popleft()
        if len(recent) >= CROSSPOSTS_PER_HOUR:
            LOGGER.warning(
                "Not publishing message %s: channel %s published %d messages this hour, Discord's limit",
                message.id,
                message.channel.id,
                CROSSPOSTS_PER_HOUR,
            )
            return
        try:
            async with asyncio.timeout(CROSSPOST_WAIT_SECONDS):
                await message.publish()
        except (TimeoutError, discord.RateLimited):
            LOGGER.warning(
                "Not publishing message %s: Discord's publishing limit for channel %s is reached",
                message.id,
                message.channel.id,
            )
            return
        except discord.HTTPException as error:
            LOGGER.warning("Publishing message %s in channel %s failed: %s", message.id, message.channel.id, error)
            return
        recent.append(now)

    async def own_messages(
        self,
        channel_id: int,
        *,
        after: int | datetime,
        target: DeliveryTarget | None = None,
        first_message_id: int | None = None,
    ) -> Sequence[PostedMessage]:
        """The bot's messages after the message id or moment `after`, oldest first
        (GET /channels/{id}/messages?after=...), with the links each shows: in the channel, and in the
        thread of the delivery's `first_message_id` for thread mode and forums. A forum itself holds no
        messages: without a recorded first message, what is read is each forum post the bot opened
        since `after` (see `_own_forum_posts`), its starter message first.

        Without Read Message History in the channel (invites before it was asked for) it finds
        nothing, and logs so: the delivery goes on, and only the nonce then stands between a
        message and its repeat (Discord keeps nonces a few minutes).

        Raises:
            ChannelUnavailable: the channel is gone.
            TransientPostError: Discord failed for now (retry later).
        """
        if self.client.user is None:
            raise TransientPostError("not logged in to Discord yet")
        kind = target.kind if target is not None else TargetKind.CHANNEL
        places = [] if kind is TargetKind.FORUM else [channel_id]
        if kind is not TargetKind.CHANNEL and first_message_id is not None:
            places.append(first_message_id)
        elif kind is TargetKind.FORUM:
            places += await self._own_forum_posts(channel_id, after=after, bot_id=self.client.user.id)
        found: list[PostedMessage] = []
        for place in places:
            found += await self._own_messages_in(place, after=after, bot_id=self.client.user.id)
        return sorted(found, key=lambda message: message.id)

    async def _own_forum_posts(self, forum_id: int, *, after: int | datetime, bot_id: int) -> list[int]:
        """The ids of the forum posts the bot opened in the forum after `after`: Discord takes no nonce
        for a forum post, so a post whose answer was lost (or whose process died before recording it)
        is found only so. A thread's id is the snowflake of its creation: the posts are the guild's
        active threads (GET /guilds/{id}/threads/active) and the forum's archived ones (a forum may
        archive a post after an hour, longer than a bot may be down) whose parent is the forum and owner
        the bot, newer than `after`."""
        since = after if isinstance(after, int) else discord.utils.time_snowflake(after)
        with _discord_errors():
            listing = await self.client.http.get_active_threads(await self._guild_id_of(forum_id))
        threads = [*listing["threads"], *await self._archived_forum_posts(forum_id, since=since)]
        return sorted(
            {
                int(thread["id"])
                for thread in threads
                if thread.get("parent_id") == str(forum_id)
                and thread.get("owner_id") == str(bot_id)
                and int(thread["id"]) > since
            }
        )

    async def _guild_id_of(self, channel_id: int) -> int:
        """The channel's server: from the cache, or over REST (GET /channels/{id}) when this process's
        shards do not hold it (a delivery another process's shard would have cached)."""
        channel = self.client.get_channel(channel_id)
        if isinstance(channel, discord.abc.GuildChannel):
            return channel.guild.id
        found = await self.client.http.get_channel(channel_id)
        return int(found["guild_id"])  # type: ignore[typeddict-item]

    async def _archived_forum_posts(self, forum_id: int, *, since: int) -> list[ThreadPayload]:
        """The forum's public threads archived after the snowflake `since` (one archived later was
        created later too), most recently archived first, page by page (GET
        /channels/{id}/threads/archived/public). Without Read Message History, none (logged)."""
        since_moment = discord.utils.snowflake_time(since)
        found: list[ThreadPayload] = []
        before: str | None = None
        with _unless_history_forbidden(f"the archived posts of forum {forum_id}"):
            for _ in range(ARCHIVED_POSTS_PAGES):
                page = await self.client.http.get_public_archived_threads(
                    forum_id,
                    before=before,  # an ISO8601 timestamp, as Discord takes it
                    limit=ARCHIVED_POSTS_PAGE,
                )
                found += page["threads"]
                if not page["has_more"] or not page["threads"]:
                    break
                before = page["threads"][-1]["thread_metadata"]["archive_timestamp"]
                if datetime.fromisoformat(before) < since_moment:
                    break
        return found

    async def _own_messages_in(self, channel_id: int, *, after: int | datetime, bot_id: int) -> list[PostedMessage]:
        channel = self.client.get_partial_messageable(channel_id)
        start = discord.Object(id=after) if isinstance(after, int) else after
        found: list[PostedMessage] = []
        with _unless_history_forbidden(f"the history of channel {channel_id}"):
            async for message in channel.history(limit=OWN_MESSAGES_READ_LIMIT, after=start, oldest_first=True):
                if message.author.id == bot_id:
                    found.append(PostedMessage(id=message.id, links=embed_links(message.embeds)))
        return found

    async def _system_channel_id(self, guild_id: int) -> int | None:
        """The server's system channel: from the cache, or over REST (GET /guilds/{id}) when the guild
        is not in it, as when another process's shard holds it."""
        guild = self.client.get_guild(guild_id)
        if guild is not None:
            return guild.system_channel.id if guild.system_channel is not None else None
        try:
            found = await self.client.http.get_guild(guild_id)
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as error:
            LOGGER.info("Guild %s could not be fetched for its system channel: %s", guild_id, error)
            return None
        system_channel_id = found.get("system_channel_id")
        return int(system_channel_id) if system_channel_id is not None else None

    async def tell_paused(self, guild_id: int, target: DeliveryTarget, reason: str, *, locale: str | None) -> bool:
        """Tell the server, in its language, that its digest paused itself and what to fix: in the
        digest's channel when the bot can still post there, else in the server's system channel.
        False when neither took the notice (it is logged; /digests still says why)."""
        channel = self.client.get_channel(target.channel_id)
        missing: list[str] = []
        if reason == PauseReason.CHANNEL_FORBIDDEN and isinstance(channel, discord.abc.GuildChannel):
            missing = missing_permissions(channel, target)
        notice = pause_notice(target.channel_id, reason, missing, messages_for(locale))
        places: list[int] = []
        if reason != PauseReason.CHANNEL_DELETED and target.kind is not TargetKind.FORUM:
            places.append(target.channel_id)
        system_channel_id = await self._system_channel_id(guild_id)
        if system_channel_id is not None:
            places.append(system_channel_id)
        for place in places:
            try:
                await self.client.get_partial_messageable(place).send(notice, allowed_mentions=NO_MENTIONS)
            except discord.HTTPException as error:
                LOGGER.info("The pause notice of channel %s could not go to %s: %s", target.channel_id, place, error)
                continue
            LOGGER.info("Told guild %s in channel %s that the digest of %s paused", guild_id, place, target.channel_id)
            return True
        LOGGER.warning("Nowhere to tell guild %s that the digest of channel %s paused", guild_id, target.channel_id)
        return False

"""/digest subscribe | edit | pause | resume | unsubscribe | now | preview: setting up and posting digests
(Manage Server)."""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass, replace
from datetime import time
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.digests import DeliveryOutcome, DeliveryResult
from bot.discord_limits import AUTOCOMPLETE_CHOICES_LIMIT, CHOICE_NAME_LIMIT, MESSAGE_CONTENT_LIMIT
from bot.editions import EVERY_DAY, format_times, parse_edition_times, parse_weekdays
from bot.embeds import DigestMessage, fit_text, pack_digest
from bot.i18n import ENGLISH, N_, Messages
from bot.i18n.translator import user_messages
from bot.news.digest import DEFAULT_MAX_STORIES, Digest
from bot.news.filters import StoryFilter
from bot.news.render import held_back_lines
from bot.permissions import GuildChannelAccess
from bot.replies import mark_answered, pause_reason, require_guild
from bot.services import (
    MAX_HOURLY_CAP,
    MAX_MIN_OUTLETS,
    MAX_STORIES,
    DigestEdit,
    DigestRequest,
    SubscriptionMode,
    feed_name,
    zone_names,
)
from bot.store import Subscription
from cogs.lists import PART_SEPARATOR, target_parts, weekday_names

if TYPE_CHECKING:
    from bot.client import NewsBot

LOGGER = logging.getLogger(__name__)

_LIST_SEPARATOR = re.compile(r"\s*[,;]\s*")
NO_WORDS = "-"
"""What an option of words (keywords, include, exclude) says to have none: /digest edit clears them with it."""
MODE_CHOICES = [
    app_commands.Choice(name=N_("editions"), value=SubscriptionMode.EDITION.value),
    app_commands.Choice(name=N_("live"), value=SubscriptionMode.LIVE.value),
]
"""The mode option's choices, their names in the reader's language (the translator's choice names)."""


def parse_list(text: str | None) -> list[str]:
    return [part for part in _LIST_SEPARATOR.split(text or "") if part]


def parse_words(text: str | None) -> list[str] | None:
    """An option of words separated by commas: None when not given, none at all for NO_WORDS."""
    if text is None:
        return None
    return [] if text.strip() == NO_WORDS else parse_list(text)


@dataclass(frozen=True, slots=True)
class GivenOptions:
    """The written options /digest subscribe and edit share, read; None where one was not given."""

    edition_times: tuple[time, ...] | None = None
    weekdays: tuple[int, ...] | None = None
    feeds: list[str] | None = None
    keywords: list[str] | None = None
    include: list[str] | None = None
    exclude: list[str] | None = None
    mode: SubscriptionMode | None = None


def read_options(
    *,
    times: str | None = None,
    days: str | None = None,
    feeds: str | None = None,
    keywords: str | None = None,
    include: str | None = None,
    exclude: str | None = None,
    mode: str | None = None,
) -> GivenOptions:
    """Read what the admin wrote, the one parser of both commands.

    Raises:
        InvalidSchedule: times or days it cannot read.
    """
    return GivenOptions(
        edition_times=parse_edition_times(times) if times is not None else None,
        weekdays=parse_weekdays(days) if days is not None else None,
        feeds=parse_list(feeds) if feeds is not None else None,
        keywords=parse_words(keywords),
        include=parse_words(include),
        exclude=parse_words(exclude),
        mode=SubscriptionMode(mode) if mode is not None else None,
    )


def subscribed_reply(subscription: Subscription, messages: Messages = ENGLISH, *, kept_times: bool = False) -> str:
    """What /digest subscribe and edit answer: where, when (live: how often at most), on which days,
    and how it is posted; with `kept_times`, also when its editions would go out after a switch back
    (a live digest subscribed without times keeps a default)."""
    days = weekday_names(subscription.weekdays, messages)
    if subscription.live:
        reply = messages.ngettext(
            "{channel} will get each new story as it breaks, at most {count} post an hour.",
            "{channel} will get each new story as it breaks, at most {count} posts an hour.",
            subscription.hourly_cap,
            channel=f"<#{subscription.channel_id}>",
            count=messages.number(subscription.hourly_cap),
        )
    elif not days:
        reply = messages.gettext(
            "{channel} will get its digest every day at {time} ({zone}).",
            channel=f"<#{subscription.channel_id}>",
            time=format_times(subscription.edition_times),
            zone=subscription.timezone,
        )
    else:
        reply = messages.gettext(
            "{channel} will get its digest on {days} at {time} ({zone}).",
            channel=f"<#{subscription.channel_id}>",
            days=days,
            time=format_times(subscription.edition_times),
            zone=subscription.timezone,
        )
    if kept_times:
        reply += "\n" + messages.gettext(
            "Back on editions (/digest edit mode: editions), it would post at {time} ({zone}).",
            time=format_times(subscription.edition_times),
            zone=subscription.timezone,
        )
    if how := target_parts(subscription, messages):
        reply += "\n" + PART_SEPARATOR.join(how)
    return reply


DigestChannel = discord.TextChannel | discord.ForumChannel
"""Where a digest can go: a text or announcement channel (discord.py's TextChannel), or a forum."""


def target_channel(interaction: discord.Interaction, channel: discord.abc.GuildChannel | None) -> int:
    """The channel a command names, or the one it was used in."""
    return channel.id if channel is not None else interaction.channel_id or 0


def delivery_report(outcome: DeliveryOutcome, channel_id: int, messages: Messages = ENGLISH) -> str:
    """What /digest now answers."""
    match outcome.result:
        case DeliveryResult.POSTED if outcome.stories:
            return messages.ngettext(
                "Posted {count} story in <#{channel}>.",
                "Posted {count} stories in <#{channel}>.",
                outcome.stories,
                count=messages.number(outcome.stories),
                channel=channel_id,
            )
        case DeliveryResult.POSTED:
            return messages.gettext("Nothing new for <#{channel}>: posted the short note.", channel=channel_id)
        case DeliveryResult.CHANNEL_UNAVAILABLE:
            return messages.gettext(
                "I cannot post in <#{channel}>: {error}. The digest is paused.",
                channel=channel_id,
                error=pause_reason(outcome.error or "", messages),
            )
        case DeliveryResult.FAILED:
            return messages.gettext(
                "Discord kept failing; the digest is retried every minute or two and posted once "
                "Discord is back (retries stop after the digest grace, an hour by default)."
            )
        case DeliveryResult.ALREADY_DELIVERED | DeliveryResult.TAKEN_OVER:
            return messages.gettext("This digest is being posted in <#{channel}> right now.", channel=channel_id)
        case DeliveryResult.NOT_FOUND:
            return messages.gettext("<#{channel}> has no digest any more.", channel=channel_id)
    return messages.gettext("Not posted: {result}.", result=outcome.result)


def preview_messages(digest: Digest, messages: Messages = ENGLISH) -> list[DigestMessage]:
    """The digest as it would be posted, with a line under its header for each rule that held stories
    back: what /digest preview shows, so an admin sees what the rules cost."""
    packed = pack_digest(digest, messages)
    if lines := held_back_lines(digest.held_back, messages):
        first = packed[0]
        content = "\n".join([first.content or "", *lines]).strip()
        packed[0] = replace(first, content=fit_text(content, MESSAGE_CONTENT_LIMIT))
    return packed


@app_commands.guild_only()
@app_commands.guild_install()
@app_commands.default_permissions(manage_guild=True)
class DigestCommands(
    commands.GroupCog, group_name="digest", group_description="Set up and post this server's daily news digests"
):
    """Changing and posting digests: Discord shows /digest only to members with Manage Server (a server
    may change that in its Integrations settings), so each command checks the permission too. Everyone
    reads the list with /digests (cogs/lists.py)."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        super().__init__()

    async def cog_load(self) -> None:
        await asyncio.to_thread(zone_names)  # reading tzdata's folder must not block the loop later

    async def zone_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        needle = current.replace(" ", "_").casefold()
        found = [zone for zone in zone_names() if needle in zone.casefold()]
        found.sort(key=lambda zone: (not zone.casefold().startswith(needle), len(zone)))
        return [app_commands.Choice(name=zone, value=zone) for zone in found[:AUTOCOMPLETE_CHOICES_LIMIT]]

    async def feed_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Autocomplete the last name in a comma-separated list of the server's feeds."""
        if interaction.guild_id is None:
            return []
        chosen = parse_list(current)
        typed = chosen.pop() if chosen and not current.rstrip().endswith(",") else ""
        prefix = ", ".join(chosen)
        choices = []
        for entry in await self.bot.feeds.search(interaction.guild_id, typed):
            value = f"{prefix}, {entry.feed.id}" if prefix else str(entry.feed.id)
            if len(value) <= CHOICE_NAME_LIMIT:  # never cut a list of ids: it would name other feeds
                choices.append(
                    app_commands.Choice(name=fit_text(feed_name(entry.feed), CHOICE_NAME_LIMIT), value=value)
                )
        return choices[:AUTOCOMPLETE_CHOICES_LIMIT]

    @app_commands.command(name="subscribe")
    @app_commands.describe(
        channel="Where the digest is posted",
        times="When, as HH:MM, like 07:30, 18:00; live keeps 08:00 (unless given) for a switch back",
        timezone="Your IANA time zone, like Europe/Paris (live: UTC unless given)",
        days="Which days: mon-fri, sat,sun or every day (default: every day)",
        feeds="Feeds to include, separated by commas (default: all of this server's feeds)",
        max_stories="The most stories in one digest (default 10)",  # DEFAULT_MAX_STORIES; a literal to translate
        keywords="Words that put a story first, separated by commas",
        thread="Put the header in the channel and the stories in a thread under it",
        publish="In an announcement channel, publish each message to the servers that follow it",
        ping="A role to mention at the top of each edition",
        include="Only stories that mention one of these words get in, separated by commas",
        exclude="Stories that mention one of these words never get in, separated by commas",
        per_outlet="The most stories one outlet may fill (default: half the digest; 0: no cap)",
        min_outlets="Only stories covered by at least this many outlets (default 1)",
        mode="Editions at the times given, or each new story as it breaks (live; default: editions)",
        hourly_cap="Live only: the most posts an hour; the rest wait for the next hour (default 10)",
    )
    @app_commands.autocomplete(timezone=zone_choices, feeds=feed_choices)
    @app_commands.choices(mode=MODE_CHOICES)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def subscribe(
        self,
        interaction: discord.Interaction,
        channel: DigestChannel,
        times: str | None = None,
        timezone: str | None = None,
        days: str | None = None,
        feeds: str | None = None,
        max_stories: app_commands.Range[int, 1, MAX_STORIES] = DEFAULT_MAX_STORIES,
        keywords: str | None = None,
        thread: bool = False,
        publish: bool = False,
        ping: discord.Role | None = None,
        include: str | None = None,
        exclude: str | None = None,
        per_outlet: app_commands.Range[int, 0, MAX_STORIES] | None = None,
        min_outlets: app_commands.Range[int, 1, MAX_MIN_OUTLETS] = 1,
        mode: str | None = None,
        hourly_cap: app_commands.Range[int, 1, MAX_HOURLY_CAP] | None = None,
    ) -> None:
        """Post a digest of this server's feeds in a channel or forum, daily or more (needs Manage Server)."""
        given = read_options(
            times=times, days=days, feeds=feeds, keywords=keywords, include=include, exclude=exclude, mode=mode
        )
        request = DigestRequest(
            guild_id=require_guild(interaction),
            channel_id=channel.id,
            created_by=interaction.user.id,
            edition_times=given.edition_times or (),  # none: live keeps a default, editions are refused
            weekdays=given.weekdays or EVERY_DAY,
            timezone=timezone,
            feeds=given.feeds or (),
            max_stories=max_stories,
            keywords=given.keywords or (),
            story_filter=StoryFilter(
                include=tuple(given.include or ()),
                exclude=tuple(given.exclude or ()),
                max_per_outlet=per_outlet,
                min_outlets=min_outlets,
            ),
            locale=interaction.guild_locale.value if interaction.guild_locale else None,
            thread=thread,
            publish=publish,
            ping_role_id=ping.id if ping is not None else None,
            mode=given.mode or SubscriptionMode.EDITION,
            hourly_cap=hourly_cap,
        )
        await interaction.response.defer(ephemeral=True, thinking=True)
        subscription = await self.bot.subscriptions.subscribe(request, GuildChannelAccess(channel))
        reply = subscribed_reply(subscription, user_messages(interaction), kept_times=times is None)
        await interaction.followup.send(reply, ephemeral=True)

    @app_commands.command(name="edit")
    @app_commands.describe(
        channel="The channel whose digest changes",
        times="When, as HH:MM on a 24-hour clock; several editions separated by commas, like 07:30, 18:00",
        timezone="Your IANA time zone, like Europe/Paris",
        days="Which days: mon-fri, sat,sun or every day (default: every day)",
        feeds="Feeds to include, separated by commas (default: all of this server's feeds)",
        all_feeds="Take all of this server's feeds again",
        max_stories="The most stories in one digest (default 10)",
        keywords="Words that put a story first, separated by commas; - removes them all",
        thread="Put the header in the channel and the stories in a thread under it",
        publish="In an announcement channel, publish each message to the servers that follow it",
        ping="A role to mention at the top of each edition",
        no_ping="Mention no role any more",
        include="Only stories naming one of these words get in, separated by commas; - removes them all",
        exclude="Stories naming one of these words never get in, separated by commas; - removes them all",
        per_outlet="The most stories one outlet may fill (default: half the digest; 0: no cap)",
        default_per_outlet="Let one outlet fill at most half the digest again (the default), instead of per_outlet",
        min_outlets="Only stories covered by at least this many outlets (default 1)",
        mode="Editions at the times given, or each new story as it breaks (live; default: editions)",
        hourly_cap="Live only: the most posts an hour; the rest wait for the next hour (default 10)",
    )
    @app_commands.autocomplete(timezone=zone_choices, feeds=feed_choices)
    @app_commands.choices(mode=MODE_CHOICES)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def edit(
        self,
        interaction: discord.Interaction,
        channel: DigestChannel,
        times: str | None = None,
        timezone: str | None = None,
        days: str | None = None,
        feeds: str | None = None,
        all_feeds: bool = False,
        max_stories: app_commands.Range[int, 1, MAX_STORIES] | None = None,
        keywords: str | None = None,
        thread: bool | None = None,
        publish: bool | None = None,
        ping: discord.Role | None = None,
        no_ping: bool = False,
        include: str | None = None,
        exclude: str | None = None,
        per_outlet: app_commands.Range[int, 0, MAX_STORIES] | None = None,
        default_per_outlet: bool = False,
        min_outlets: app_commands.Range[int, 1, MAX_MIN_OUTLETS] | None = None,
        mode: str | None = None,
        hourly_cap: app_commands.Range[int, 1, MAX_HOURLY_CAP] | None = None,
    ) -> None:
        """Change some options of a channel's digest and keep the others (needs Manage Server)."""
        given = read_options(
            times=times, days=days, feeds=feeds, keywords=keywords, include=include, exclude=exclude, mode=mode
        )
        edit = DigestEdit(
            guild_id=require_guild(interaction),
            channel_id=channel.id,
            edition_times=given.edition_times,
            weekdays=given.weekdays,
            timezone=timezone,
            feeds=given.feeds,
            all_feeds=all_feeds,
            max_stories=max_stories,
            keywords=given.keywords,
            thread=thread,
            publish=publish,
            ping_role_id=ping.id if ping is not None else None,
            no_ping=no_ping,
            mode=given.mode,
            hourly_cap=hourly_cap,
            include=given.include,
            exclude=given.exclude,
            max_per_outlet=per_outlet,
            default_per_outlet=default_per_outlet,
            min_outlets=min_outlets,
        )
        await interaction.response.defer(ephemeral=True, thinking=True)
        subscription = await self.bot.subscriptions.edit(edit, GuildChannelAccess(channel))
        await interaction.followup.send(subscribed_reply(subscription, user_messages(interaction)), ephemeral=True)

    @app_commands.command(name="pause")
    @app_commands.describe(channel="The channel whose digest pauses")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def pause(self, interaction: discord.Interaction, channel: DigestChannel) -> None:
        """Stop a channel's digest for now, keeping its settings (needs Manage Server)."""
        guild_id = require_guild(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.bot.subscriptions.pause(guild_id, channel.id)
        paused = user_messages(interaction).gettext(
            "The digest of {channel} is paused: /digest resume starts it again.", channel=channel.mention
        )
        await interaction.followup.send(paused, ephemeral=True)

    @app_commands.command(name="resume")
    @app_commands.describe(channel="The channel whose digest starts again")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def resume(self, interaction: discord.Interaction, channel: DigestChannel) -> None:
        """Start a paused digest again, once newsbrief can post there (needs Manage Server)."""
        guild_id = require_guild(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.bot.subscriptions.resume(guild_id, channel.id, GuildChannelAccess(channel))
        resumed = user_messages(interaction).gettext(
            "The digest of {channel} is running again.", channel=channel.mention
        )
        await interaction.followup.send(resumed, ephemeral=True)

    @app_commands.command(name="unsubscribe")
    @app_commands.describe(channel="The channel whose digest stops")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def unsubscribe(self, interaction: discord.Interaction, channel: DigestChannel) -> None:
        """Stop a channel's daily digest (needs Manage Server)."""
        guild_id = require_guild(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.bot.subscriptions.unsubscribe(guild_id, channel.id)
        no_more = user_messages(interaction).gettext("{channel} will get no more digests.", channel=channel.mention)
        await interaction.followup.send(no_more, ephemeral=True)

    @app_commands.command(name="now")
    @app_commands.describe(channel="The channel whose digest to post now (default: this one)")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def now(self, interaction: discord.Interaction, channel: DigestChannel | None = None) -> None:
        """Post a channel's digest now; its stories count as delivered (needs Manage Server)."""
        guild_id, channel_id = require_guild(interaction), target_channel(interaction, channel)
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with self.bot.job():
            outcome = await self.bot.subscriptions.post_now(guild_id, channel_id)
        report = delivery_report(outcome, channel_id, user_messages(interaction))
        await interaction.followup.send(report, ephemeral=True)

    @app_commands.command(name="preview")
    @app_commands.describe(channel="The channel whose digest to preview (default: this one)")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def preview(self, interaction: discord.Interaction, channel: DigestChannel | None = None) -> None:
        """Show a channel's digest only to you, marking nothing as delivered (needs Manage Server)."""
        guild_id, channel_id = require_guild(interaction), target_channel(interaction, channel)
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with self.bot.job():
            digest = await self.bot.subscriptions.preview(guild_id, channel_id)
        for message in preview_messages(digest, user_messages(interaction)):
            content = message.content if message.content is not None else discord.utils.MISSING
            await interaction.followup.send(content=content, embeds=list(message.embeds), ephemeral=True)
            mark_answered(interaction)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(DigestCommands(bot))

"""Can the bot post to a delivery target? The permissions each kind of target needs, and which of them
the bot lacks in a channel, named as Discord's client names them (translate with `messages.gettext`)."""

from __future__ import annotations

import discord

from bot.i18n import N_
from bot.targets import ChannelKind, DeliveryTarget, TargetKind

PERMISSION_LABELS: dict[str, str] = {
    "view_channel": N_("View Channel"),
    "send_messages": N_("Send Messages"),
    "embed_links": N_("Embed Links"),
    "send_messages_in_threads": N_("Send Messages in Threads"),
    "create_public_threads": N_("Create Public Threads"),
    "create_posts": N_("Create Posts"),
}
"""discord.Permissions attribute (or, for a forum, the client's name for Send Messages) -> label."""

NEEDED_BY_KIND: dict[TargetKind, tuple[str, ...]] = {
    TargetKind.CHANNEL: ("view_channel", "send_messages", "embed_links"),
    TargetKind.THREAD: (
        "view_channel",
        "send_messages",
        "embed_links",
        "create_public_threads",
        "send_messages_in_threads",
    ),
    # A forum post needs Send Messages, which Discord's client labels "Create Posts" in a forum;
    # Create Public Threads is ignored there.
    TargetKind.FORUM: ("view_channel", "create_posts", "embed_links"),
}
"""Publishing needs nothing more: Discord lets a bot publish its own messages with Send Messages
(https://discord.com/developers/docs/resources/message#crosspost-message); Manage Messages is for others'."""


def missing_permissions(channel: discord.abc.GuildChannel, target: DeliveryTarget) -> list[str]:
    """The labels (N_ message ids) of the permissions the bot lacks in `channel` for `target`, in the
    order an admin grants them; empty when it can post there."""
    granted = channel.permissions_for(channel.guild.me)
    missing = []
    for name in NEEDED_BY_KIND[target.kind]:
        attribute = "send_messages" if name == "create_posts" else name
        if not getattr(granted, attribute):
            missing.append(PERMISSION_LABELS[name])
    return missing


class GuildChannelAccess:
    """A Discord channel as the subscription service checks it (bot.targets.ChannelAccess)."""

    def __init__(self, channel: discord.abc.GuildChannel) -> None:
        self.channel = channel

    @property
    def channel_id(self) -> int:
        return self.channel.id

    @property
    def kind(self) -> ChannelKind:
        if isinstance(self.channel, discord.ForumChannel):
            return ChannelKind.FORUM
        if isinstance(self.channel, discord.TextChannel) and self.channel.is_news():
            return ChannelKind.ANNOUNCEMENT
        return ChannelKind.TEXT

    def missing(self, target: DeliveryTarget) -> list[str]:
        return missing_permissions(self.channel, target)

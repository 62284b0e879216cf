"""Discord's documented limits, in one place: embeds, messages, components and application commands.

Sources: https://discord.com/developers/docs/resources/message#embed-object-embed-limits,
https://discord.com/developers/docs/components/reference (action rows and buttons) and
https://discord.com/developers/docs/interactions/application-commands (choices and autocomplete).
"""

from __future__ import annotations

EMBED_TITLE_LIMIT = 256
EMBED_DESCRIPTION_LIMIT = 4096
EMBED_FIELD_NAME_LIMIT = 256
EMBED_FIELD_VALUE_LIMIT = 1024
EMBED_FIELD_COUNT_LIMIT = 25
EMBED_FOOTER_LIMIT = 2048
EMBED_AUTHOR_LIMIT = 256
EMBED_TOTAL_LIMIT = 6000
"""Across every embed of one message, counting title, description, fields, footer and author."""
EMBED_URL_LIMIT = 2048
"""An embed's link, thumbnail and image addresses: http(s), at most 2048 characters. Not in the embed
limits table, but Discord's answer to a longer one is Invalid Form Body ("Must be 2048 or fewer in
length."), which refuses the whole message."""
EMBED_URL_SCHEMES = frozenset({"http", "https"})
"""The schemes Discord accepts for an embed's link and for a thumbnail it fetches from the web."""
MESSAGE_EMBED_COUNT_LIMIT = 10
MESSAGE_CONTENT_LIMIT = 2000
AUTOCOMPLETE_CHOICES_LIMIT = 25
"""Discord shows at most 25 autocomplete choices."""
CHOICE_NAME_LIMIT = 100
"""A choice's name and its string value are each at most 100 characters."""
MESSAGE_NONCE_LIMIT = 25
"""A message's nonce is at most 25 characters."""
ACTION_ROW_LIMIT = 5
"""A message holds at most 5 action rows."""
BUTTONS_PER_ROW_LIMIT = 5
"""An action row holds at most 5 buttons."""
MESSAGE_BUTTON_LIMIT = ACTION_ROW_LIMIT * BUTTONS_PER_ROW_LIMIT
BUTTON_LABEL_LIMIT = 80
BUTTON_URL_LIMIT = 512
"""A link button's url is at most 512 characters."""
LINK_BUTTON_SCHEMES = frozenset({"http", "https", "discord"})
"""The schemes Discord accepts in a link button's url."""

GLOBAL_REQUESTS_PER_SECOND = 50
"""Requests a bot may make to the REST API a second, all routes together
(https://discord.com/developers/docs/topics/rate-limits#global-rate-limit); interaction endpoints
(an interaction's callback and its webhook) are not bound by it."""
THREAD_NAME_LIMIT = 100
"""A thread's or forum post's name is 1-100 characters."""
APPLIED_TAGS_LIMIT = 5
"""A forum post carries at most 5 of its forum's tags."""
CROSSPOSTS_PER_HOUR = 10
"""Discord publishes at most 10 messages an hour from one announcement channel."""

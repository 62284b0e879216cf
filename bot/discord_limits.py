"""Discord's documented limits, in one place: embeds, messages and application commands.

Sources: https://discord.com/developers/docs/resources/message#embed-object-embed-limits and
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
MESSAGE_EMBED_COUNT_LIMIT = 10
MESSAGE_CONTENT_LIMIT = 2000
AUTOCOMPLETE_CHOICES_LIMIT = 25
"""Discord shows at most 25 autocomplete choices."""
CHOICE_NAME_LIMIT = 100
"""A choice's name and its string value are each at most 100 characters."""
MESSAGE_NONCE_LIMIT = 25
"""A message's nonce is at most 25 characters."""

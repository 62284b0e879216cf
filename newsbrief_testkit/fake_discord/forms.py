"""Discord's rules for the form of a message: its content, nonce and embeds within their documented limits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .limits import (
    CONTENT_LIMIT,
    EMBED_AUTHOR_NAME_LIMIT,
    EMBED_DESCRIPTION_LIMIT,
    EMBED_FIELD_NAME_LIMIT,
    EMBED_FIELD_VALUE_LIMIT,
    EMBED_FIELDS_LIMIT,
    EMBED_FOOTER_TEXT_LIMIT,
    EMBED_TITLE_LIMIT,
    EMBED_TOTAL_LIMIT,
    EMBEDS_PER_MESSAGE_LIMIT,
    NONCE_LIMIT,
)
from .wire import field_error, too_long


def text_length(value: Any) -> int:
    return len(value) if isinstance(value, str) else 0


def embed_errors(embed: Mapping[str, Any]) -> dict[str, Any]:
    """Per-embed limits, keyed as Discord keys them (``title``, ``fields.3.value``...)."""
    errors: dict[str, Any] = {}
    if text_length(embed.get("title")) > EMBED_TITLE_LIMIT:
        errors["title"] = too_long(EMBED_TITLE_LIMIT)
    if text_length(embed.get("description")) > EMBED_DESCRIPTION_LIMIT:
        errors["description"] = too_long(EMBED_DESCRIPTION_LIMIT)
    footer = embed.get("footer") or {}
    if text_length(footer.get("text")) > EMBED_FOOTER_TEXT_LIMIT:
        errors["footer"] = {"text": too_long(EMBED_FOOTER_TEXT_LIMIT)}
    author = embed.get("author") or {}
    if text_length(author.get("name")) > EMBED_AUTHOR_NAME_LIMIT:
        errors["author"] = {"name": too_long(EMBED_AUTHOR_NAME_LIMIT)}
    fields = embed.get("fields") or []
    if len(fields) > EMBED_FIELDS_LIMIT:
        errors["fields"] = too_long(EMBED_FIELDS_LIMIT)
    else:
        field_errors: dict[str, Any] = {}
        for index, embed_field in enumerate(fields):
            one: dict[str, Any] = {}
            for key, limit in (("name", EMBED_FIELD_NAME_LIMIT), ("value", EMBED_FIELD_VALUE_LIMIT)):
                text = embed_field.get(key)
                if not isinstance(text, str) or not text.strip():
                    one[key] = field_error("BASE_TYPE_REQUIRED", "This field is required")
                elif len(text) > limit:
                    one[key] = too_long(limit)
            if one:
                field_errors[str(index)] = one
        if field_errors:
            errors["fields"] = field_errors
    return errors


def embed_size(embed: Mapping[str, Any]) -> int:
    """Characters that count towards the 6000 shared by all embeds of a message."""
    size = text_length(embed.get("title")) + text_length(embed.get("description"))
    size += text_length((embed.get("footer") or {}).get("text"))
    size += text_length((embed.get("author") or {}).get("name"))
    for embed_field in embed.get("fields") or []:
        size += text_length(embed_field.get("name")) + text_length(embed_field.get("value"))
    return size


def message_form_errors(body: Mapping[str, Any]) -> dict[str, Any]:
    """Discord's "Invalid Form Body" errors for a message body; empty when it is acceptable."""
    errors: dict[str, Any] = {}
    if text_length(body.get("content")) > CONTENT_LIMIT:
        errors["content"] = too_long(CONTENT_LIMIT)
    if body.get("nonce") is not None and len(str(body["nonce"])) > NONCE_LIMIT:
        errors["nonce"] = too_long(NONCE_LIMIT)
    embeds = body.get("embeds") or []
    if len(embeds) > EMBEDS_PER_MESSAGE_LIMIT:
        errors["embeds"] = too_long(EMBEDS_PER_MESSAGE_LIMIT)
        return errors
    per_embed = {str(index): found for index, embed in enumerate(embeds) if (found := embed_errors(embed))}
    if per_embed:
        errors["embeds"] = per_embed
    elif sum(embed_size(embed) for embed in embeds) > EMBED_TOTAL_LIMIT:
        errors["embeds"] = field_error(
            "MAX_EMBED_SIZE_EXCEEDED", f"Embed size exceeds maximum size of {EMBED_TOTAL_LIMIT}"
        )
    return errors


def has_visible_content(message: Mapping[str, Any]) -> bool:
    content = message.get("content")
    return bool(
        (isinstance(content, str) and content.strip())
        or message.get("embeds")
        or message.get("attachments")
        or message.get("components")
        or message.get("sticker_ids")
        or message.get("sticker_items")
        or message.get("poll")
    )

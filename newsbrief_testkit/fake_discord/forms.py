"""Discord's rules for the form of a message: its content, nonce, embeds and components within their
documented limits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from .limits import (
    ACTION_ROWS_LIMIT,
    BUTTON_LABEL_LIMIT,
    BUTTON_STYLE_LINK,
    BUTTON_STYLE_PREMIUM,
    BUTTON_URL_LIMIT,
    BUTTON_URL_SCHEMES,
    BUTTONS_PER_ROW_LIMIT,
    COMPONENT_ACTION_ROW,
    COMPONENT_BUTTON,
    CONTENT_LIMIT,
    CUSTOM_ID_LIMIT,
    EMBED_AUTHOR_NAME_LIMIT,
    EMBED_DESCRIPTION_LIMIT,
    EMBED_FIELD_NAME_LIMIT,
    EMBED_FIELD_VALUE_LIMIT,
    EMBED_FIELDS_LIMIT,
    EMBED_FOOTER_TEXT_LIMIT,
    EMBED_LINK_SCHEMES,
    EMBED_MEDIA_SCHEMES,
    EMBED_TITLE_LIMIT,
    EMBED_TOTAL_LIMIT,
    EMBED_URL_LIMIT,
    EMBEDS_PER_MESSAGE_LIMIT,
    NONCE_LIMIT,
)
from .wire import field_error, too_long


def text_length(value: Any) -> int:
    return len(value) if isinstance(value, str) else 0


def _url_error(url: Any, schemes: frozenset[str]) -> dict[str, Any] | None:
    """Discord's error for an address with a scheme it does not take there (or no address at all)."""
    scheme = urlsplit(url).scheme.lower() if isinstance(url, str) else ""
    if scheme in schemes:
        return None
    allowed = ", ".join(f"'{name}'" for name in sorted(schemes))
    message = f'Scheme "{scheme}" is not supported. Scheme must be one of ({allowed}).'
    return field_error("URL_TYPE_INVALID_SCHEME", message)


def _embed_url_error(url: Any, schemes: frozenset[str]) -> dict[str, Any] | None:
    """An embed's address: within 2048 characters, of a scheme Discord takes there."""
    if text_length(url) > EMBED_URL_LIMIT:
        return too_long(EMBED_URL_LIMIT)
    return _url_error(url, schemes)


def embed_errors(embed: Mapping[str, Any]) -> dict[str, Any]:
    """Per-embed limits, keyed as Discord keys them (``title``, ``fields.3.value``...); the embed's link
    is http(s), a thumbnail's or image's url http(s) (or attachment://), each within 2048 characters."""
    errors: dict[str, Any] = {}
    if embed.get("url") is not None and (found := _embed_url_error(embed["url"], EMBED_LINK_SCHEMES)):
        errors["url"] = found
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
    for media in ("thumbnail", "image"):
        if media in embed and (found := _embed_url_error((embed[media] or {}).get("url"), EMBED_MEDIA_SCHEMES)):
            errors[media] = {"url": found}
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


def _button_errors(button: Mapping[str, Any]) -> dict[str, Any]:
    """A button's own rules: a label within 80 characters; a link button has a url (http, https or
    discord, within 512 characters) and no custom_id, a premium button neither, every other style a
    custom_id and no url."""
    errors: dict[str, Any] = {}
    if text_length(button.get("label")) > BUTTON_LABEL_LIMIT:
        errors["label"] = too_long(BUTTON_LABEL_LIMIT)
    style = button.get("style")
    if style == BUTTON_STYLE_LINK:
        url = button.get("url")
        if not url:
            errors["url"] = field_error("BASE_TYPE_REQUIRED", "This field is required")
        elif text_length(url) > BUTTON_URL_LIMIT:
            errors["url"] = too_long(BUTTON_URL_LIMIT)
        elif found := _url_error(url, BUTTON_URL_SCHEMES):
            errors["url"] = found
        if button.get("custom_id") is not None:
            errors["custom_id"] = field_error("BASE_TYPE_BAD_VALUE", "A link button has no custom_id.")
    else:
        if style != BUTTON_STYLE_PREMIUM and not button.get("custom_id"):
            errors["custom_id"] = field_error("BASE_TYPE_REQUIRED", "This field is required")
        if button.get("url") is not None:
            errors["url"] = field_error("BASE_TYPE_BAD_VALUE", "Only a link button has a url.")
    return errors


def _row_errors(row: Mapping[str, Any], seen_ids: set[str]) -> dict[str, Any]:
    """One action row: 1 to 5 components, each custom_id within 100 characters and not seen before."""
    if row.get("type") != COMPONENT_ACTION_ROW:
        return {"type": field_error("UNION_TYPE_CHOICES", "A top-level component must be an action row.")}
    children = row.get("components") or []
    if not children:
        return {"components": field_error("BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length.")}
    if len(children) > BUTTONS_PER_ROW_LIMIT:
        return {"components": too_long(BUTTONS_PER_ROW_LIMIT)}
    child_errors: dict[str, Any] = {}
    for index, child in enumerate(children):
        one = _button_errors(child) if child.get("type") == COMPONENT_BUTTON else {}
        custom_id = child.get("custom_id")
        if isinstance(custom_id, str):
            if len(custom_id) > CUSTOM_ID_LIMIT:
                one["custom_id"] = too_long(CUSTOM_ID_LIMIT)
            elif custom_id in seen_ids:
                one["custom_id"] = field_error("COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id is duplicated")
            seen_ids.add(custom_id)
        if one:
            child_errors[str(index)] = one
    return {"components": child_errors} if child_errors else {}


def component_errors(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Discord's rules for a message's components, keyed as Discord keys them (``0.components.1.label``).

    At most 5 action rows, each holding 1 to 5 buttons (or one other component); every custom_id at most
    100 characters and unique in the message; button labels at most 80 characters.
    """
    if len(rows) > ACTION_ROWS_LIMIT:
        return too_long(ACTION_ROWS_LIMIT)
    seen_ids: set[str] = set()
    return {str(index): found for index, row in enumerate(rows) if (found := _row_errors(row, seen_ids))}


def message_form_errors(body: Mapping[str, Any]) -> dict[str, Any]:
    """Discord's "Invalid Form Body" errors for a message body; empty when it is acceptable."""
    errors: dict[str, Any] = {}
    if text_length(body.get("content")) > CONTENT_LIMIT:
        errors["content"] = too_long(CONTENT_LIMIT)
    if body.get("nonce") is not None and len(str(body["nonce"])) > NONCE_LIMIT:
        errors["nonce"] = too_long(NONCE_LIMIT)
    if found := component_errors(body.get("components") or []):
        errors["components"] = found
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

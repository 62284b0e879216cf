"""Message components a user presses: the component interaction (type 3) Discord sends for a button.

Discord sends one only for a button that is on the message now and enabled, and only to someone who
sees the message: an ephemeral message is seen by the user it answered alone. The interaction carries
``data.custom_id`` and ``data.component_type`` and the message as it is; the bot answers with a callback
that updates that message (7, or 6 then an edit) or with a new one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Unpack

from .limits import COMPONENT_BUTTON, FLAG_EPHEMERAL, INTERACTION_COMPONENT
from .messages import MessageStore
from .records import FakeInteraction
from .senders import InteractionContext, InteractionSender


def message_buttons(message: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Every button of a message, row by row."""
    for row in message.get("components") or []:
        for component in row.get("components") or []:
            if component.get("type") == COMPONENT_BUTTON:
                yield component


class ComponentSender(InteractionSender, MessageStore):
    """``press_button``: a user pressing a button of a message the bot sent."""

    async def press_button(
        self,
        message: Mapping[str, Any],
        *,
        label: str | None = None,
        custom_id: str | None = None,
        **context: Unpack[InteractionContext],
    ) -> FakeInteraction:
        """Press the button of ``message`` (any copy of it: the fake reads it as it is now) that has this
        ``label`` or ``custom_id``; ``context`` is who presses it and where, as for send_slash_command.

        Raises:
            ValueError: Discord would send nothing: the message is gone, has no such button, the button
                is disabled or a link, or the message is ephemeral and shown to someone else.
        """
        current = self.live_message(message["id"])
        if current is None:
            raise ValueError(f"message {message['id']} does not exist (any more)")
        button = next(
            (
                found
                for found in message_buttons(current)
                if (label is None or found.get("label") == label)
                and (custom_id is None or found.get("custom_id") == custom_id)
            ),
            None,
        )
        if button is None or "custom_id" not in button:
            wanted = label if label is not None else custom_id
            raise ValueError(f"message {current['id']} has no button {wanted!r} that sends an interaction")
        if button.get("disabled", False):
            raise ValueError(f"the button {button.get('label') or button['custom_id']!r} is disabled")
        presser = context.get("user") or self.member_user
        shown_to = (current.get("interaction_metadata") or {}).get("user") or {}
        if current["flags"] & FLAG_EPHEMERAL and shown_to.get("id") != presser["id"]:
            raise ValueError("an ephemeral message is seen only by the user it answered")
        if context.get("channel_id") is None and int(current["channel_id"]) in self.channels:
            context["channel_id"] = int(current["channel_id"])
        data = {"custom_id": button["custom_id"], "component_type": COMPONENT_BUTTON}
        return await self.send_interaction(INTERACTION_COMPONENT, data, message=current, **context)

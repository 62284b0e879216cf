"""Interactions over REST: the callback that acknowledges one, and its webhook for follow-ups and edits.

Discord's rules: a callback later than ``ack_deadline`` (3 s) gets 404 10062 and a second callback 400
40060; the webhook of a never-acknowledged interaction answers 404 10015 and expires after
``token_lifetime`` (15 min, 401 50027). After a deferral (callback type 5) the first follow-up fills the
"thinking" message (same id, the deferral's visibility).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .limits import (
    AUTOCOMPLETE_CHOICES_LIMIT,
    CALLBACK_AUTOCOMPLETE_RESULT,
    CALLBACK_CHANNEL_MESSAGE,
    CALLBACK_DEFERRED_CHANNEL_MESSAGE,
    CALLBACK_DEFERRED_UPDATE_MESSAGE,
    CALLBACK_UPDATE_MESSAGE,
    COMMAND_CHAT_INPUT,
    FLAG_EPHEMERAL,
    FLAG_LOADING,
    INTERACTION_ALREADY_ACKNOWLEDGED,
    INVALID_FORM_BODY,
    INVALID_WEBHOOK_TOKEN,
    KNOWN_CALLBACK_TYPES,
    MESSAGE_CHAT_INPUT_COMMAND,
    MESSAGE_CONTEXT_MENU_COMMAND,
    MESSAGE_DEFAULT,
    UNKNOWN_INTERACTION,
    UNKNOWN_MESSAGE,
    UNKNOWN_WEBHOOK,
)
from .messages import MessageStore
from .records import FakeInteraction, Incoming, RecordedFile
from .wire import SNOWFLAKE, TOKEN, Reply, Route, error_reply, field_error, invalid_form_body, route, too_long


class InteractionRoutes(MessageStore):
    """``/interactions/{id}/{token}/callback`` and ``/webhooks/{application}/{token}[/messages/{id}]``."""

    def _interaction_routes(self) -> list[Route]:
        webhook = rf"/webhooks/(?P<app>{SNOWFLAKE})/(?P<token>{TOKEN})"
        one_message = {"GET": self._webhook_message, "PATCH": self._webhook_message, "DELETE": self._webhook_message}
        callback = rf"/interactions/(?P<interaction_id>{SNOWFLAKE})/(?P<token>{TOKEN})/callback"
        return [
            route(callback, {"POST": self._post_callback}, needs_bot_token=False),
            route(webhook, {"POST": self._post_followup}, needs_bot_token=False),
            route(webhook + rf"/messages/(?P<message>@original|{SNOWFLAKE})", one_message, needs_bot_token=False),
        ]

    async def _post_callback(self, incoming: Incoming, interaction_id: str, token: str) -> Reply:
        interaction = self.interactions.get(int(interaction_id))
        if interaction is None or interaction.token != token:
            return error_reply(404, UNKNOWN_INTERACTION, "Unknown interaction")
        if interaction.acknowledged:
            return error_reply(400, INTERACTION_ALREADY_ACKNOWLEDGED, "Interaction has already been acknowledged.")
        if self.clock() - interaction.created_at > self.ack_deadline:
            return error_reply(404, UNKNOWN_INTERACTION, "Unknown interaction")
        body = incoming.json if isinstance(incoming.json, dict) else {}
        callback_type = body.get("type")
        if callback_type not in KNOWN_CALLBACK_TYPES:
            errors = {"type": field_error("BASE_TYPE_CHOICES", f"Value must be one of {sorted(KNOWN_CALLBACK_TYPES)}.")}
            return invalid_form_body(errors)
        data = body.get("data") or {}
        if callback_type in (CALLBACK_CHANNEL_MESSAGE, CALLBACK_UPDATE_MESSAGE):
            refused = self._refuse_message(data, incoming.files, creating=callback_type == CALLBACK_CHANNEL_MESSAGE)
            if refused is not None:
                if refused.body.get("code") == INVALID_FORM_BODY:
                    return invalid_form_body({"data": refused.body["errors"]})
                return refused
        if (
            callback_type == CALLBACK_AUTOCOMPLETE_RESULT
            and len(data.get("choices") or []) > AUTOCOMPLETE_CHOICES_LIMIT
        ):
            errors = {"data": {"choices": too_long(AUTOCOMPLETE_CHOICES_LIMIT)}}
            return invalid_form_body(errors)

        interaction.callback_type = callback_type
        if callback_type == CALLBACK_CHANNEL_MESSAGE:
            interaction.original = self._interaction_message(interaction, data, incoming.files)
        elif callback_type == CALLBACK_DEFERRED_CHANNEL_MESSAGE:
            flags = FLAG_LOADING | (int(data.get("flags", 0)) & FLAG_EPHEMERAL)
            interaction.original = self._interaction_message(interaction, {"content": "", "flags": flags}, ())
        elif callback_type in (CALLBACK_DEFERRED_UPDATE_MESSAGE, CALLBACK_UPDATE_MESSAGE):
            target = interaction.payload.get("message")
            if target is not None:
                interaction.original = self.messages.get(int(target["id"]), target)
                if callback_type == CALLBACK_UPDATE_MESSAGE:
                    self._apply_edit(interaction.original, data, incoming.files)

        if incoming.query.get("with_response", "").lower() not in ("1", "true"):
            return Reply(204)
        original = interaction.original if callback_type in (4, 5, 7) else None
        summary: dict[str, Any] = {"id": str(interaction.id), "type": interaction.payload["type"]}
        response: dict[str, Any] = {"interaction": summary}
        if original is not None:
            summary["response_message_id"] = original["id"]
            summary["response_message_loading"] = bool(original["flags"] & FLAG_LOADING)
            summary["response_message_ephemeral"] = bool(original["flags"] & FLAG_EPHEMERAL)
            response["resource"] = {"type": callback_type, "message": original}
        return Reply(200, response)

    def _interaction_for_webhook(self, app: str, token: str) -> FakeInteraction | Reply:
        interaction = self._interactions_by_token.get(token)
        if interaction is None or int(app) != self.application_id:
            return error_reply(404, UNKNOWN_WEBHOOK, "Unknown Webhook")
        if self.clock() - interaction.created_at > self.token_lifetime:
            return error_reply(401, INVALID_WEBHOOK_TOKEN, "Invalid Webhook Token")
        if not interaction.acknowledged:
            return error_reply(404, UNKNOWN_WEBHOOK, "Unknown Webhook")
        return interaction

    async def _post_followup(self, incoming: Incoming, app: str, token: str) -> Reply:
        interaction = self._interaction_for_webhook(app, token)
        if isinstance(interaction, Reply):
            return interaction
        body = incoming.json if isinstance(incoming.json, dict) else {}
        if refused := self._refuse_message(body, incoming.files, creating=True):
            return refused
        original = interaction.original
        if (
            interaction.callback_type == CALLBACK_DEFERRED_CHANNEL_MESSAGE
            and original is not None
            and original["flags"] & FLAG_LOADING
        ):
            # After a deferral, the first follow-up replaces the "thinking" message; it keeps the
            # deferral's visibility whatever flags the follow-up asks for.
            self._apply_edit(original, body, incoming.files)
            message = original
        else:
            message = self._interaction_message(interaction, body, incoming.files, followup=True)
            interaction.followups.append(message)
        if incoming.query.get("wait", "").lower() not in ("1", "true"):
            return Reply(204)
        return Reply(200, message)

    async def _webhook_message(self, incoming: Incoming, app: str, token: str, message: str) -> Reply:
        interaction = self._interaction_for_webhook(app, token)
        if isinstance(interaction, Reply):
            return interaction
        candidates = [interaction.original] if interaction.original is not None else []
        candidates += interaction.followups
        if message == "@original":
            stored = interaction.original
        else:
            stored = next((m for m in candidates if m["id"] == message), None)
        if stored is None:
            return error_reply(404, UNKNOWN_MESSAGE, "Unknown Message")
        if incoming.method == "GET":
            return Reply(200, stored)
        if incoming.method == "DELETE":
            self.messages.pop(int(stored["id"]), None)
            if stored is interaction.original:
                interaction.original = None
            else:
                interaction.followups.remove(stored)
            return Reply(204)
        return self._edit_message(stored, incoming)

    def _interaction_message(
        self,
        interaction: FakeInteraction,
        body: Mapping[str, Any],
        files: Sequence[RecordedFile],
        *,
        followup: bool = False,
    ) -> dict[str, Any]:
        payload = interaction.payload
        command_type = (payload.get("data") or {}).get("type", COMMAND_CHAT_INPUT)
        message_type = MESSAGE_DEFAULT
        if not followup:
            chat_input = command_type == COMMAND_CHAT_INPUT
            message_type = MESSAGE_CHAT_INPUT_COMMAND if chat_input else MESSAGE_CONTEXT_MENU_COMMAND
        flags = int(body.get("flags") or 0)
        message = self._new_message(
            channel_id=int(payload["channel_id"]),
            author=self.bot_user,
            body={**body, "flags": flags},
            files=files,
            message_type=message_type,
        )
        user = (payload.get("member") or {}).get("user") or payload.get("user")
        message["webhook_id"] = str(self.application_id)
        message["application_id"] = str(self.application_id)
        message["interaction_metadata"] = {
            "id": str(interaction.id),
            "type": payload["type"],
            "user": user,
            "authorizing_integration_owners": payload.get("authorizing_integration_owners", {}),
        }
        if not flags & FLAG_EPHEMERAL:
            self.messages[int(message["id"])] = message
        return message

"""Messages as Discord keeps them: built from a request body, edited, with their attachments, and the
channel as a user reads it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aiohttp import web

from .forms import has_visible_content, message_form_errors
from .limits import ATTACHMENTS_PATH, CANNOT_SEND_EMPTY_MESSAGE, FLAG_LOADING, MESSAGE_DEFAULT
from .mentions import Mentions, allowed_mentions_errors
from .records import Incoming, RecordedFile
from .wire import Reply, error_reply, invalid_form_body


class MessageStore(Mentions):
    """Stored messages (``self.messages``, ephemeral ones excluded, as on Discord) and their rules."""

    def add_message(
        self,
        content: str = "",
        *,
        channel_id: int | None = None,
        author: Mapping[str, Any] | None = None,
        embeds: Sequence[Mapping[str, Any]] = (),
    ) -> dict[str, Any]:
        """Store a message as if a user had posted it (the target of a message command, say)."""
        message = self._new_message(
            channel_id=channel_id or self.channel_id,
            author=dict(author or self.member_user),
            body={"content": content, "embeds": [dict(embed) for embed in embeds]},
        )
        self.messages[int(message["id"])] = message
        return message

    def channel_messages(self, channel_id: int | None = None) -> list[dict[str, Any]]:
        """The messages of a channel (the fake's one by default) as a user sees them: oldest first.

        Copies of what Discord keeps, so without the ``nonce`` (only a create answer carries it) and
        without ephemeral messages, which Discord does not store in the channel.
        """
        wanted = str(channel_id or self.channel_id)
        in_channel = [dict(message) for message in self.messages.values() if message["channel_id"] == wanted]
        return sorted(in_channel, key=lambda message: int(message["id"]))

    def live_message(self, message_id: int | str) -> dict[str, Any] | None:
        """The message as the fake keeps it now, ephemeral ones included (those live only with the
        interaction that answered with them); None when there is none (deleted, or never sent)."""
        stored = self.messages.get(int(message_id))
        if stored is not None:
            return stored
        for interaction in self.interactions.values():
            for message in (interaction.original, *interaction.followups):
                if message is not None and message["id"] == str(message_id):
                    return message
        return None

    @staticmethod
    def _message_errors(body: Mapping[str, Any]) -> dict[str, Any]:
        """Discord's form errors for a message body (its allowed_mentions included); empty when acceptable."""
        errors = message_form_errors(body)
        if found := allowed_mentions_errors(body.get("allowed_mentions")):
            errors["allowed_mentions"] = found
        return errors

    def _refuse_message(
        self, body: Mapping[str, Any], files: Sequence[RecordedFile], *, creating: bool
    ) -> Reply | None:
        errors = self._message_errors(body)
        if errors:
            return invalid_form_body(errors)
        if creating and not files and not has_visible_content(body):
            return error_reply(400, CANNOT_SEND_EMPTY_MESSAGE, "Cannot send an empty message")
        return None

    def _edit_message(self, stored: dict[str, Any], incoming: Incoming) -> Reply:
        body = incoming.json if isinstance(incoming.json, dict) else {}
        if refused := self._refuse_message(body, incoming.files, creating=False):
            return refused
        edited = dict(stored)
        self._apply_edit(edited, body, incoming.files)
        if not has_visible_content(edited):
            return error_reply(400, CANNOT_SEND_EMPTY_MESSAGE, "Cannot send an empty message")
        stored.clear()
        stored.update(edited)
        return Reply(200, stored)

    def _attachments(
        self, channel_id: int, described: Sequence[Mapping[str, Any]], files: Sequence[RecordedFile]
    ) -> list[dict[str, Any]]:
        """Attachment objects for uploaded files; ``described`` is the body's ``attachments`` list."""
        created = []
        for index, upload in enumerate(files):
            about = next((a for a in described if str(a.get("id")) == str(index)), {})
            attachment_id = self.new_id()
            filename = about.get("filename") or upload.filename or f"file{index}"
            self.attachments[attachment_id] = upload.data
            url = f"{self.base_url}{ATTACHMENTS_PATH}/{channel_id}/{attachment_id}/{filename}"
            attachment = {
                "id": str(attachment_id),
                "filename": filename,
                "size": len(upload.data),
                "url": url,
                "proxy_url": url,
                "content_type": upload.content_type,
            }
            if about.get("description"):
                attachment["description"] = about["description"]
            created.append(attachment)
        return created

    def _apply_edit(self, message: dict[str, Any], body: Mapping[str, Any], files: Sequence[RecordedFile]) -> None:
        """An edit: the first one of a deferred ("thinking") message ends the loading state."""
        self._apply_body(message, body, files)
        if message["flags"] & FLAG_LOADING:
            message["flags"] &= ~FLAG_LOADING
        else:
            message["edited_timestamp"] = self._now_iso()

    def _apply_body(self, message: dict[str, Any], body: Mapping[str, Any], files: Sequence[RecordedFile]) -> None:
        for key in ("content", "embeds", "components", "poll"):
            if key in body:
                message[key] = body[key] if body[key] is not None else ([] if key != "content" else "")
        message["embeds"] = [{"type": "rich", **embed} for embed in message.get("embeds") or []]
        described = body.get("attachments")
        if described is not None:
            kept_ids = {str(a.get("id")) for a in described}
            message["attachments"] = [a for a in message.get("attachments", []) if a["id"] in kept_ids]
        message["attachments"] = list(message.get("attachments", [])) + self._attachments(
            int(message["channel_id"]), described or [], files
        )

    def _new_message(
        self,
        *,
        channel_id: int,
        author: Mapping[str, Any],
        body: Mapping[str, Any],
        files: Sequence[RecordedFile] = (),
        message_type: int = MESSAGE_DEFAULT,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "id": str(self.new_id()),
            "channel_id": str(channel_id),
            "type": message_type,
            "author": dict(author),
            "content": body.get("content") or "",
            "embeds": [],
            "attachments": [],
            "components": [],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": bool(body.get("tts", False)),
            "timestamp": self._now_iso(),
            "edited_timestamp": None,
            "flags": int(body.get("flags") or 0),
        }
        self._apply_body(message, {k: v for k, v in body.items() if k != "content"}, files)
        self._apply_mentions(message, body)
        return message

    async def _handle_attachment(self, request: web.Request) -> web.StreamResponse:
        data = self.attachments.get(int(request.match_info["attachment"]))
        if data is None:
            raise web.HTTPNotFound()
        return web.Response(body=data, content_type="application/octet-stream")

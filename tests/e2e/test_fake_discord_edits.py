"""The fake's PATCH /channels/{id}/messages/{id}, as Discord documents it
(https://discord.com/developers/docs/resources/message#edit-message): only the author edits a message's
content and embeds, within the same limits as a new message; fields not sent stay as they were."""

from __future__ import annotations

from newsbrief_testkit.fake_discord import FakeDiscord

from .test_fake_discord import call_fake


async def test_the_bot_edits_its_own_messages_embeds_and_keeps_its_text(fake: FakeDiscord) -> None:
    posted = fake.add_message("<@&7> Breaking", author=fake.bot_user, embeds=[{"title": "Ferry cut"}])

    status, body = await call_fake(
        fake,
        "PATCH",
        f"/channels/{fake.channel_id}/messages/{posted['id']}",
        {"embeds": [{"title": "Ferry cut", "fields": [{"name": "Covered by 2 outlets", "value": "A · B"}]}]},
        as_bot=True,
    )

    assert status == 200
    assert body["content"] == "<@&7> Breaking"
    assert body["embeds"][0]["fields"][0]["name"] == "Covered by 2 outlets"
    assert body["edited_timestamp"] is not None


async def test_editing_another_users_message_is_refused(fake: FakeDiscord) -> None:
    theirs = fake.add_message("A member's message")

    status, body = await call_fake(
        fake, "PATCH", f"/channels/{fake.channel_id}/messages/{theirs['id']}", {"content": "Edited"}, as_bot=True
    )

    assert status == 403
    assert body["code"] == 50005
    assert fake.messages[int(theirs["id"])]["content"] == "A member's message"


async def test_an_edit_over_the_embed_limits_is_refused(fake: FakeDiscord) -> None:
    posted = fake.add_message("", author=fake.bot_user, embeds=[{"title": "Ferry cut"}])

    status, body = await call_fake(
        fake,
        "PATCH",
        f"/channels/{fake.channel_id}/messages/{posted['id']}",
        {"embeds": [{"title": "Ferry cut", "fields": [{"name": "Covered", "value": "v" * 1025}]}]},
        as_bot=True,
    )

    assert status == 400
    assert "embeds" in body["errors"]
    assert fake.messages[int(posted["id"])]["embeds"][0].get("fields") is None


async def test_editing_a_deleted_message_is_unknown_message(fake: FakeDiscord) -> None:
    posted = fake.add_message("", author=fake.bot_user, embeds=[{"title": "Ferry cut"}])
    del fake.messages[int(posted["id"])]

    status, body = await call_fake(
        fake, "PATCH", f"/channels/{fake.channel_id}/messages/{posted['id']}", {"embeds": []}, as_bot=True
    )

    assert status == 404
    assert body["code"] == 10008

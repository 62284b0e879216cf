"""The fake's lists of threads, as Discord documents them: a guild's active threads (GET
/guilds/{id}/threads/active: every unarchived thread the bot can see, forum posts included, newest first,
with the bot's thread members) and a channel's archived public threads (GET
/channels/{id}/threads/archived/public: most recently archived first, paged by `before` and `limit`)."""

from urllib.parse import quote

import pytest

from newsbrief_testkit.fake_discord import READ_MESSAGE_HISTORY, VIEW_CHANNEL, FakeDiscord

from .channel_kinds import call_as_bot

POST = {"name": "Evening briefing", "message": {"content": "7 stories"}}


async def test_active_threads_lists_forum_posts_newest_first_with_their_parent_and_owner(fake: FakeDiscord) -> None:
    forum = fake.add_forum("briefings")
    for _ in range(2):
        await call_as_bot(fake, "POST", f"/channels/{forum['id']}/threads", POST)

    status, body = await call_as_bot(fake, "GET", f"/guilds/{fake.guild_id}/threads/active", None)

    older, newer = fake.threads_of(int(forum["id"]))
    assert status == 200
    assert [thread["id"] for thread in body["threads"]] == [newer["id"], older["id"]]
    assert {(thread["parent_id"], thread["owner_id"]) for thread in body["threads"]} == {
        (forum["id"], str(fake.application_id))
    }
    assert [member["id"] for member in body["members"]] == [newer["id"], older["id"]]


async def test_active_threads_leaves_out_archived_threads_and_those_the_bot_cannot_see(fake: FakeDiscord) -> None:
    hidden = fake.add_forum("staff")
    shown = fake.add_forum("briefings")
    for forum in (hidden, shown, shown):
        await call_as_bot(fake, "POST", f"/channels/{forum['id']}/threads", POST)
    archived, active = fake.threads_of(int(shown["id"]))
    archived["thread_metadata"]["archived"] = True
    await fake.change_bot_permissions(int(hidden["id"]), denied=VIEW_CHANNEL)

    _status, body = await call_as_bot(fake, "GET", f"/guilds/{fake.guild_id}/threads/active", None)

    assert [thread["id"] for thread in body["threads"]] == [active["id"]]


async def test_active_threads_of_a_guild_the_bot_is_not_in_is_unknown_guild(fake: FakeDiscord) -> None:
    status, body = await call_as_bot(fake, "GET", "/guilds/1234567890/threads/active", None)

    assert (status, body["code"]) == (404, 10004)


async def test_archived_public_threads_page_most_recently_archived_first_with_has_more(fake: FakeDiscord) -> None:
    forum = fake.add_forum("briefings")
    for _ in range(3):
        await call_as_bot(fake, "POST", f"/channels/{forum['id']}/threads", POST)
    posts = fake.threads_of(int(forum["id"]))
    for post in (posts[1], posts[0], posts[2]):
        fake.archive_thread(int(post["id"]))
        fake.advance_clock(1)
    archived = f"/channels/{forum['id']}/threads/archived/public"

    _status, first = await call_as_bot(fake, "GET", archived + "?limit=2", None)
    before = first["threads"][-1]["thread_metadata"]["archive_timestamp"]
    _status, rest = await call_as_bot(fake, "GET", f"{archived}?limit=2&before={quote(before)}", None)

    assert [thread["id"] for thread in first["threads"]] == [posts[2]["id"], posts[0]["id"]]
    assert first["has_more"] is True
    assert ([thread["id"] for thread in rest["threads"]], rest["has_more"]) == ([posts[1]["id"]], False)


async def test_archived_public_threads_need_read_message_history(fake: FakeDiscord) -> None:
    forum = fake.add_forum("briefings", bot_denied=READ_MESSAGE_HISTORY)

    status, body = await call_as_bot(fake, "GET", f"/channels/{forum['id']}/threads/archived/public", None)

    assert (status, body["code"]) == (403, 50013)


@pytest.mark.parametrize("limit", ["1", "101"])
async def test_archived_public_threads_refuse_a_page_outside_2_to_100(fake: FakeDiscord, limit: str) -> None:
    forum = fake.add_forum("briefings")

    status, body = await call_as_bot(
        fake, "GET", f"/channels/{forum['id']}/threads/archived/public?limit={limit}", None
    )

    assert (status, body["code"], list(body["errors"])) == (400, 50035, ["limit"])

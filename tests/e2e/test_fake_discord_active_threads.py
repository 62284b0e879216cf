"""The fake's list of a guild's active threads (GET /guilds/{id}/threads/active), as Discord documents it:
every unarchived thread the bot can see, forum posts included, newest first, with the bot's thread members."""

from newsbrief_testkit.fake_discord import VIEW_CHANNEL, FakeDiscord

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

"""The fake parses a bot message's mentions as Discord does under its allowed_mentions, and records what
pinged (mention_roles, mention_everyone, mentions)."""

import discord

from newsbrief_testkit.fake_discord import MENTION_EVERYONE, FakeDiscord

from .channel_kinds import call_as_bot, channel_of, connected


async def test_without_allowed_mentions_a_mentionable_role_is_pinged(fake: FakeDiscord) -> None:
    news = fake.add_channel("briefings")
    readers = fake.add_role("Readers")

    status, message = await call_as_bot(
        fake, "POST", f"/channels/{news['id']}/messages", {"content": f"<@&{readers['id']}> Evening briefing"}
    )

    assert (status, message["mention_roles"]) == (200, [readers["id"]])


async def test_allowed_mentions_of_one_role_ping_that_role_only(fake: FakeDiscord) -> None:
    news = fake.add_channel("briefings", bot_allowed=MENTION_EVERYONE)
    readers, staff = fake.add_role("Readers"), fake.add_role("Staff")
    content = f"<@&{readers['id']}> <@&{staff['id']}> @everyone <@{fake.member_user['id']}> Evening briefing"
    async with connected(fake) as client:
        only_readers = discord.AllowedMentions(everyone=False, users=False, roles=[discord.Object(int(readers["id"]))])
        sent = await channel_of(client, news).send(content, allowed_mentions=only_readers)

    stored = fake.messages[sent.id]
    assert (stored["mention_roles"], stored["mention_everyone"], stored["mentions"]) == ([readers["id"]], False, [])


async def test_everyone_is_pinged_only_with_mention_everyone(fake: FakeDiscord) -> None:
    news = fake.add_channel("briefings")

    _, message = await call_as_bot(fake, "POST", f"/channels/{news['id']}/messages", {"content": "@everyone Hi"})

    assert message["mention_everyone"] is False


async def test_a_role_that_is_not_mentionable_is_not_pinged(fake: FakeDiscord) -> None:
    news = fake.add_channel("briefings")
    quiet = fake.add_role("Quiet", mentionable=False)

    _, message = await call_as_bot(fake, "POST", f"/channels/{news['id']}/messages", {"content": f"<@&{quiet['id']}>"})

    assert message["mention_roles"] == []


async def test_parse_roles_with_a_list_of_roles_is_refused(fake: FakeDiscord) -> None:
    news = fake.add_channel("briefings")
    readers = fake.add_role("Readers")
    body = {"content": "Hi", "allowed_mentions": {"parse": ["roles"], "roles": [readers["id"]]}}

    status, answer = await call_as_bot(fake, "POST", f"/channels/{news['id']}/messages", body)

    assert (status, answer["code"], list(answer["errors"])) == (400, 50035, ["allowed_mentions"])

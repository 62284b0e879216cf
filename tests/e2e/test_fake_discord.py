"""The fake Discord carries a real discord.py bot through login, commands, Discord's rules and faults."""

import asyncio
import io
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

from newsbrief_testkit.fake_discord import (
    INTENT_GUILD_MEMBERS,
    NONCE_WINDOW_SECONDS,
    OP_HEARTBEAT,
    OP_HEARTBEAT_ACK,
    OP_IDENTIFY,
    OP_REQUEST_GUILD_MEMBERS,
    OP_RESUME,
    READ_MESSAGE_HISTORY,
    TO_BOT,
    VIEW_CHANNEL,
    FakeDiscord,
    point_discord_at_address,
    running_client,
)

# discord.py waits this long after the last GUILD_CREATE before on_ready (default 2 s).
GUILD_READY_TIMEOUT = 0.1
# How long a test waits for the bot's error handler before declaring the bot stuck.
ERROR_WAIT_SECONDS = 10.0


class EchoCog(commands.Cog):
    """Test-only commands: /echo defers then follows up with an embed, /slow answers late,
    and the "Echo message" context menu quotes a message back."""

    def __init__(self, bot: "EchoBot") -> None:
        self.bot = bot
        self.echo_message_menu = app_commands.ContextMenu(name="Echo message", callback=self.echo_message)

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.echo_message_menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.echo_message_menu.name, type=self.echo_message_menu.type)

    @app_commands.command()
    @app_commands.describe(text="The text to send back")
    async def echo(self, interaction: discord.Interaction, text: str) -> None:
        """Send the text back in an embed."""
        await interaction.response.defer(thinking=True)
        await interaction.followup.send(embed=discord.Embed(title="Echo", description=text))

    @app_commands.command()
    async def slow(self, interaction: discord.Interaction, seconds: float) -> None:
        """Wait, then answer: too late once the wait passes the acknowledgement deadline."""
        await asyncio.sleep(seconds)
        await interaction.response.send_message("Done.")

    async def echo_message(self, interaction: discord.Interaction, message: discord.Message) -> None:
        await interaction.response.send_message(embed=discord.Embed(title="Echo", description=message.content))


class EchoBot(commands.Bot):
    """A bot with default intents (no members, no message content) that syncs its commands on start."""

    def __init__(self, *, intents: discord.Intents | None = None) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents or discord.Intents.default(),
            help_command=None,
            guild_ready_timeout=GUILD_READY_TIMEOUT,
        )
        self.app_command_errors: asyncio.Queue[app_commands.AppCommandError] = asyncio.Queue()
        self.tree.error(self._record_app_command_error)

    async def setup_hook(self) -> None:
        await self.add_cog(EchoCog(self))
        await self.tree.sync()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """No 5 s pause before a repeated IDENTIFY: the fake has no identify rate limit."""

    async def _record_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        self.app_command_errors.put_nowait(error)

    async def next_error(self) -> BaseException:
        """The next exception an app command raised, unwrapped from CommandInvokeError."""
        error = await asyncio.wait_for(self.app_command_errors.get(), ERROR_WAIT_SECONDS)
        return error.original if isinstance(error, app_commands.CommandInvokeError) else error


async def call_fake(
    fake: FakeDiscord, method: str, path: str, body: object, *, as_bot: bool = False
) -> tuple[int, Any]:
    """One raw request to the fake, for rules discord.py would never let the bot break."""
    headers = {"Authorization": f"Bot {fake.token}"} if as_bot else {}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, fake.api_base + path, json=body, headers=headers) as response,
    ):
        return response.status, await response.json()


@pytest.fixture
def fake(discord_pointed_at_fake: FakeDiscord) -> FakeDiscord:
    return discord_pointed_at_fake


@pytest.fixture
async def bot(fake: FakeDiscord) -> AsyncIterator[EchoBot]:
    echo_bot = EchoBot()
    async with running_client(echo_bot, fake):
        yield echo_bot


async def test_login_and_ready_reach_on_ready(bot: EchoBot, fake: FakeDiscord) -> None:
    assert bot.is_ready()
    assert bot.user is not None
    assert bot.user.id == fake.application_id
    assert [guild.id for guild in bot.guilds] == [fake.guild_id]
    assert bot.get_channel(fake.channel_id) is not None
    assert [(r.method, r.path) for r in fake.requests[:2]] == [
        ("GET", "/users/@me"),
        ("GET", "/oauth2/applications/@me"),
    ]


async def test_bot_identifies_without_the_members_intent(bot: EchoBot, fake: FakeDiscord) -> None:
    identify = await fake.wait_for_frame(op=OP_IDENTIFY)

    assert identify.data["intents"] & INTENT_GUILD_MEMBERS == 0
    assert identify.data["token"] == fake.token


async def test_gateway_frames_are_compressed_as_the_client_asked(bot: EchoBot, fake: FakeDiscord) -> None:
    connection = fake.gateway_connections[0]

    asked = connection.query.get("compress")
    assert asked in ("zlib-stream", "zstd-stream")
    assert connection.compression == ("zlib-stream" if asked == "zlib-stream" else None)


async def test_command_sync_put_is_recorded_and_answered_with_ids(bot: EchoBot, fake: FakeDiscord) -> None:
    sync = await fake.wait_for_request("PUT", rf"/applications/{fake.application_id}/commands", status=200)

    assert {command["name"] for command in sync.json} == {"echo", "slow", "Echo message"}
    assert all(command["id"] for command in sync.response)
    assert fake.commands[None] == sync.response


async def test_slash_command_is_deferred_then_followed_up_with_an_embed(bot: EchoBot, fake: FakeDiscord) -> None:
    interaction = await fake.send_slash_command("echo", {"text": "Parliament passes the budget"})

    callback = await fake.wait_for_callback(interaction)
    followup = await fake.wait_for_followup(interaction)

    assert callback.status == 200
    assert callback.json["type"] == 5
    assert followup.status == 200
    assert followup.json["embeds"][0]["description"] == "Parliament passes the budget"
    # The first follow-up after a deferral replaces the "thinking" message, as on Discord.
    assert followup.response["id"] == callback.response["resource"]["message"]["id"]


async def test_slash_command_options_take_their_types_from_the_synced_command(bot: EchoBot, fake: FakeDiscord) -> None:
    interaction = await fake.send_slash_command("slow", {"seconds": 0})

    await fake.wait_for_callback(interaction, status=200)

    option = interaction.payload["data"]["options"][0]
    assert option["type"] == discord.AppCommandOptionType.number.value


async def test_slash_command_in_a_direct_message_is_answered(bot: EchoBot, fake: FakeDiscord) -> None:
    interaction = await fake.send_slash_command("echo", {"text": "Just for me"}, dm=True)

    followup = await fake.wait_for_followup(interaction)

    assert "guild_id" not in interaction.payload
    assert followup.status == 200
    assert followup.json["embeds"][0]["description"] == "Just for me"


async def test_message_command_replies_with_the_target_message(bot: EchoBot, fake: FakeDiscord) -> None:
    target = fake.add_message("Rates held at 4.5%, the central bank said.")

    interaction = await fake.send_message_command("Echo message", target=target)
    callback = await fake.wait_for_callback(interaction)

    assert callback.status == 200
    assert callback.json["type"] == 4
    assert callback.json["data"]["embeds"][0]["description"] == "Rates held at 4.5%, the central bank said."


async def test_follow_up_with_oversized_embed_is_refused_with_http_exception(bot: EchoBot, fake: FakeDiscord) -> None:
    interaction = await fake.send_slash_command("echo", {"text": "x" * 4097})

    followup = await fake.wait_for_followup(interaction)
    error = await bot.next_error()

    assert followup.status == 400
    assert followup.response["code"] == 50035
    assert isinstance(error, discord.HTTPException)
    assert error.status == 400
    assert error.code == 50035
    assert "embeds.0.description" in error.text


async def test_rate_limited_follow_up_is_retried_and_delivered(bot: EchoBot, fake: FakeDiscord) -> None:
    fault = fake.fail_next("POST", r"/webhooks/\d+/[^/]+", status=429, retry_after=0.2)

    interaction = await fake.send_slash_command("echo", {"text": "Storm warning"})
    delivered = await fake.wait_for_followup(interaction, status=200)

    limited = fake.requests[fault.hits[0]]
    assert limited.status == 429
    assert delivered.at - limited.at >= 0.2
    assert delivered.json["embeds"][0]["description"] == "Storm warning"


async def test_global_rate_limit_on_channel_post_is_waited_out(bot: EchoBot, fake: FakeDiscord) -> None:
    channel = bot.get_channel(fake.channel_id)
    assert isinstance(channel, discord.TextChannel)
    fault = fake.fail_next("POST", rf"/channels/{fake.channel_id}/messages", retry_after=0.2, is_global=True)

    sent = await channel.send("Evening digest")

    limited = fake.requests[fault.hits[0]]
    delivered = await fake.wait_for_request("POST", rf"/channels/{fake.channel_id}/messages", status=200)
    assert limited.response["global"] is True
    assert delivered.at - limited.at >= 0.2
    assert fake.messages[sent.id]["content"] == "Evening digest"


async def test_server_error_on_channel_post_is_retried(bot: EchoBot, fake: FakeDiscord) -> None:
    channel = bot.get_channel(fake.channel_id)
    assert isinstance(channel, discord.TextChannel)
    fake.fail_next("POST", rf"/channels/{fake.channel_id}/messages", status=500)

    sent = await channel.send("Morning digest")

    posts = [r for r in fake.requests if r.method == "POST" and r.path.startswith("/channels/")]
    assert [r.status for r in posts] == [500, 200]
    assert fake.messages[sent.id]["content"] == "Morning digest"


async def test_reconnect_resumes_and_the_next_interaction_works(bot: EchoBot, fake: FakeDiscord) -> None:
    identify = await fake.wait_for_frame(op=OP_IDENTIFY)
    ready = await fake.wait_for_frame(event="READY", direction=TO_BOT)
    mark = len(fake.frames)

    await fake.request_reconnect()
    resume = await fake.wait_for_frame(op=OP_RESUME, since=mark)
    await fake.wait_for_frame(event="RESUMED", direction=TO_BOT, since=mark)
    interaction = await fake.send_slash_command("echo", {"text": "Still here"})
    followup = await fake.wait_for_followup(interaction, status=200)

    assert resume.data["session_id"] == ready.data["session_id"]
    assert len(fake.gateway_connections) == 2
    assert [f for f in fake.frames if f.op == OP_IDENTIFY] == [identify]
    assert followup.json["embeds"][0]["description"] == "Still here"


async def test_every_heartbeat_is_acknowledged(bot: EchoBot, fake: FakeDiscord) -> None:
    heartbeat = await fake.wait_for_frame(op=OP_HEARTBEAT)
    ack = await fake.wait_for_frame(op=OP_HEARTBEAT_ACK, direction=TO_BOT, since=heartbeat.index)

    assert ack.connection == heartbeat.connection


async def test_dropped_connection_is_resumed(bot: EchoBot, fake: FakeDiscord) -> None:
    mark = len(fake.frames)

    await fake.drop_connection()
    await fake.wait_for_frame(op=OP_RESUME, since=mark)
    interaction = await fake.send_slash_command("echo", {"text": "Back online"})

    assert (await fake.wait_for_followup(interaction)).status == 200


async def test_invalid_session_makes_the_bot_identify_again(bot: EchoBot, fake: FakeDiscord) -> None:
    mark = len(fake.frames)

    await fake.invalidate_session()
    await fake.wait_for_frame(op=OP_IDENTIFY, since=mark)
    interaction = await fake.send_slash_command("echo", {"text": "New session"})

    assert (await fake.wait_for_followup(interaction)).status == 200


async def test_callback_after_the_ack_deadline_is_refused(bot: EchoBot, fake: FakeDiscord) -> None:
    fake.ack_deadline = 0.3

    interaction = await fake.send_slash_command("slow", {"seconds": 0.5})
    callback = await fake.wait_for_callback(interaction)
    error = await bot.next_error()

    assert callback.status == 404
    assert callback.response["code"] == 10062
    assert isinstance(error, discord.NotFound)
    assert error.code == 10062


async def test_second_callback_is_refused_as_already_acknowledged(bot: EchoBot, fake: FakeDiscord) -> None:
    interaction = await fake.send_slash_command("echo", {"text": "Once"})
    await fake.wait_for_callback(interaction, status=200)

    status, body = await call_fake(
        fake, "POST", f"/interactions/{interaction.id}/{interaction.token}/callback", {"type": 5}
    )

    assert status == 400
    assert body["code"] == 40060


async def test_follow_up_for_an_unacknowledged_interaction_is_unknown(bot: EchoBot, fake: FakeDiscord) -> None:
    interaction = await fake.send_slash_command("no-such-command")
    assert isinstance(await bot.next_error(), app_commands.CommandNotFound)

    status, body = await call_fake(
        fake, "POST", f"/webhooks/{fake.application_id}/{interaction.token}?wait=true", {"content": "Too soon"}
    )

    assert status == 404
    assert body["code"] == 10015
    assert not interaction.acknowledged


async def test_interaction_webhook_expires_after_the_token_lifetime(bot: EchoBot, fake: FakeDiscord) -> None:
    fake.token_lifetime = 0.3
    interaction = await fake.send_slash_command("echo", {"text": "Short-lived"})
    await fake.wait_for_followup(interaction, status=200)
    await asyncio.sleep(0.4)

    status, body = await call_fake(
        fake,
        "PATCH",
        f"/webhooks/{fake.application_id}/{interaction.token}/messages/@original",
        {"content": "Edited late"},
    )

    assert status == 401
    assert body["code"] == 50027


@pytest.mark.parametrize(
    ("content", "embeds", "error_key"),
    [
        ("x" * 2001, [], "content"),
        (None, [discord.Embed(title="t" * 257)], "embeds.0.title"),
        (None, [discord.Embed(description="d" * 4000), discord.Embed(description="d" * 2001)], "embeds"),
        (None, [discord.Embed(title="Fields").add_field(name="n", value="v" * 1025)], "embeds.0.fields.0.value"),
        (None, [discord.Embed().set_footer(text="f" * 2049)], "embeds.0.footer.text"),
        (None, [discord.Embed().set_author(name="a" * 257)], "embeds.0.author.name"),
    ],
    ids=["content", "title", "total-6000", "field-value", "footer", "author"],
)
async def test_channel_post_over_discord_limits_is_invalid_form_body(
    bot: EchoBot, fake: FakeDiscord, content: str | None, embeds: list[discord.Embed], error_key: str
) -> None:
    channel = bot.get_channel(fake.channel_id)
    assert isinstance(channel, discord.TextChannel)

    with pytest.raises(discord.HTTPException) as raised:
        await channel.send(content, embeds=embeds)

    assert raised.value.status == 400
    assert raised.value.code == 50035
    assert f"In {error_key}:" in raised.value.text


async def test_twenty_six_embed_fields_are_refused(bot: EchoBot, fake: FakeDiscord) -> None:
    embed = discord.Embed(title="Fields")
    for number in range(26):
        embed.add_field(name=f"Field {number}", value="value")
    channel = bot.get_channel(fake.channel_id)
    assert isinstance(channel, discord.TextChannel)

    with pytest.raises(discord.HTTPException) as raised:
        await channel.send(embed=embed)

    assert "In embeds.0.fields: Must be 25 or fewer in length." in raised.value.text


async def test_a_repeated_enforced_nonce_returns_the_earlier_message(bot: EchoBot, fake: FakeDiscord) -> None:
    channel = bot.get_channel(fake.channel_id)
    assert isinstance(channel, discord.TextChannel)

    first = await channel.send("Evening digest", nonce="digest-7-0")
    again = await channel.send("Evening digest", nonce="digest-7-0")

    assert again.id == first.id
    assert [m["id"] for m in fake.messages.values()] == [str(first.id)]


async def test_a_nonce_over_25_characters_is_refused(fake_discord: FakeDiscord) -> None:
    status, body = await call_fake(
        fake_discord,
        "POST",
        f"/channels/{fake_discord.channel_id}/messages",
        {"content": "Evening digest", "nonce": "n" * 26, "enforce_nonce": True},
        as_bot=True,
    )

    assert status == 400
    assert "nonce" in body["errors"]


async def test_eleven_embeds_are_refused(fake_discord: FakeDiscord) -> None:
    embeds = [{"description": f"Story {number}"} for number in range(11)]

    status, body = await call_fake(
        fake_discord, "POST", f"/channels/{fake_discord.channel_id}/messages", {"embeds": embeds}, as_bot=True
    )

    assert status == 400
    assert body["errors"]["embeds"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"


async def test_empty_message_is_refused(fake_discord: FakeDiscord) -> None:
    status, body = await call_fake(
        fake_discord, "POST", f"/channels/{fake_discord.channel_id}/messages", {"content": " "}, as_bot=True
    )

    assert status == 400
    assert body["code"] == 50006


async def test_request_without_the_bot_token_is_unauthorized(fake_discord: FakeDiscord) -> None:
    status, _ = await call_fake(fake_discord, "GET", "/users/@me", None)

    assert status == 401


async def test_multipart_post_is_parsed_into_payload_json_and_files(bot: EchoBot, fake: FakeDiscord) -> None:
    channel = bot.get_channel(fake.channel_id)
    assert isinstance(channel, discord.TextChannel)

    sent = await channel.send("Full briefing attached", file=discord.File(io.BytesIO(b"Budget passes."), "brief.txt"))

    post = await fake.wait_for_request("POST", rf"/channels/{fake.channel_id}/messages", status=200)
    assert post.json["content"] == "Full briefing attached"
    assert [(f.field, f.filename, f.data) for f in post.files] == [("files[0]", "brief.txt", b"Budget passes.")]
    assert sent.attachments[0].filename == "brief.txt"
    assert await sent.attachments[0].read() == b"Budget passes."


async def test_unknown_route_is_answered_404_and_recorded(bot: EchoBot, fake: FakeDiscord) -> None:
    with pytest.raises(discord.NotFound):
        await bot.fetch_user(fake.application_id)

    assert [(r.method, r.path) for r in fake.unknown_routes] == [("GET", f"/users/{fake.application_id}")]


async def test_waiting_for_a_request_that_never_comes_lists_what_came(fake_discord: FakeDiscord) -> None:
    await call_fake(fake_discord, "GET", "/gateway", None)

    with pytest.raises(TimeoutError, match=r"GET /gateway -> 200"):
        await fake_discord.wait_for_request("POST", r"/webhooks/.*", timeout=0.05)


async def test_wrong_token_fails_login(fake: FakeDiscord) -> None:
    client = EchoBot()
    try:
        with pytest.raises(discord.LoginFailure):
            await client.login("not-the-token")
    finally:
        await client.close()


async def test_privileged_intent_not_enabled_closes_the_gateway(fake: FakeDiscord) -> None:
    client = EchoBot(intents=discord.Intents.all())

    with pytest.raises(discord.PrivilegedIntentsRequired):
        async with running_client(client, fake):
            pass


async def test_members_intent_chunk_request_is_answered(fake: FakeDiscord) -> None:
    fake.privileged_intents = INTENT_GUILD_MEMBERS
    intents = discord.Intents.default()
    intents.members = True

    async with running_client(EchoBot(intents=intents), fake) as client:
        request = await fake.wait_for_frame(op=OP_REQUEST_GUILD_MEMBERS)
        guild = client.get_guild(fake.guild_id)

    assert int(request.data["guild_id"]) == fake.guild_id
    assert guild is not None
    assert guild.chunked


async def test_auto_sharded_bot_asks_for_the_bot_gateway_and_gets_ready(fake: FakeDiscord) -> None:
    client = commands.AutoShardedBot(
        command_prefix=commands.when_mentioned,
        intents=discord.Intents.default(),
        guild_ready_timeout=GUILD_READY_TIMEOUT,
    )

    async with running_client(client, fake):
        await fake.wait_for_request("GET", "/gateway/bot", status=200)
        identify = await fake.wait_for_frame(op=OP_IDENTIFY)

    assert identify.data["shard"] == [0, 1]


# --- reading a channel's messages back, as GET /channels/{id}/messages answers ----------------------------


async def list_messages(fake: FakeDiscord, channel_id: int, query: str = "") -> tuple[int, Any]:
    """The fake's answer to the bot's GET /channels/{id}/messages with ``query`` (``limit=2&before=...``)."""
    return await call_fake(fake, "GET", f"/channels/{channel_id}/messages?{query}", None, as_bot=True)


def add_messages(fake: FakeDiscord, count: int) -> list[int]:
    """``count`` user messages in the fake's channel; their ids, oldest first."""
    return [int(fake.add_message(f"Story {number}")["id"]) for number in range(count)]


async def test_channel_messages_come_newest_first_and_only_from_that_channel(fake_discord: FakeDiscord) -> None:
    other = fake_discord.add_channel("sport")
    fake_discord.add_message("Cup final tonight", channel_id=int(other["id"]))
    ids = add_messages(fake_discord, 3)

    status, listed = await list_messages(fake_discord, fake_discord.channel_id)

    assert status == 200
    assert [int(message["id"]) for message in listed] == ids[::-1]


async def test_channel_messages_default_to_a_page_of_fifty(fake_discord: FakeDiscord) -> None:
    ids = add_messages(fake_discord, 51)

    _, listed = await list_messages(fake_discord, fake_discord.channel_id)

    assert [int(message["id"]) for message in listed] == ids[:0:-1]


@pytest.mark.parametrize(
    ("limit", "error_code"), [("0", "NUMBER_TYPE_MIN"), ("101", "NUMBER_TYPE_MAX"), ("ten", "NUMBER_TYPE_COERCE")]
)
async def test_channel_messages_limit_outside_one_to_a_hundred_is_invalid_form_body(
    fake_discord: FakeDiscord, limit: str, error_code: str
) -> None:
    status, body = await list_messages(fake_discord, fake_discord.channel_id, f"limit={limit}")

    assert status == 400
    assert body["code"] == 50035
    assert body["errors"]["limit"]["_errors"][0]["code"] == error_code


@pytest.mark.parametrize(
    ("anchor", "limit", "expected"),
    [
        ("before", 2, [3, 2]),
        ("after", 2, [6, 5]),
        ("around", 3, [5, 4, 3]),
        ("around", 1, [4]),
    ],
)
async def test_channel_messages_page_from_an_anchor_newest_first(
    fake_discord: FakeDiscord, anchor: str, limit: int, expected: list[int]
) -> None:
    ids = add_messages(fake_discord, 8)

    _, listed = await list_messages(fake_discord, fake_discord.channel_id, f"{anchor}={ids[4]}&limit={limit}")

    assert [int(message["id"]) for message in listed] == [ids[index] for index in expected]


async def test_channel_messages_refuse_two_anchors(fake_discord: FakeDiscord) -> None:
    ids = add_messages(fake_discord, 3)

    status, body = await list_messages(fake_discord, fake_discord.channel_id, f"before={ids[2]}&after={ids[0]}")

    assert status == 400
    assert body["code"] == 50035


async def test_channel_messages_of_an_unknown_channel_are_unknown_channel(fake_discord: FakeDiscord) -> None:
    status, body = await list_messages(fake_discord, fake_discord.new_id())

    assert status == 404
    assert body["code"] == 10003


async def test_channel_messages_of_a_channel_the_bot_cannot_view_are_missing_access(fake_discord: FakeDiscord) -> None:
    hidden = fake_discord.add_channel("staff", bot_denied=VIEW_CHANNEL)

    status, body = await list_messages(fake_discord, int(hidden["id"]))

    assert status == 403
    assert body["code"] == 50001


async def test_channel_messages_without_read_history_are_an_empty_list(fake_discord: FakeDiscord) -> None:
    channel = fake_discord.add_channel("no-history", bot_denied=READ_MESSAGE_HISTORY)
    fake_discord.add_message("Earlier story", channel_id=int(channel["id"]))

    status, listed = await list_messages(fake_discord, int(channel["id"]))

    assert (status, listed) == (200, [])


async def test_the_nonce_is_in_the_create_answer_but_not_in_messages_read_back(bot: EchoBot, fake: FakeDiscord) -> None:
    channel = bot.get_channel(fake.channel_id)
    assert isinstance(channel, discord.TextChannel)

    sent = await channel.send("Evening digest", nonce="digest-7-0")
    read_back = [message async for message in channel.history(limit=5)]

    assert sent.nonce == "digest-7-0"
    assert [(message.id, message.nonce) for message in read_back] == [(sent.id, None)]


async def test_channel_messages_lists_the_channel_as_a_user_reads_it(bot: EchoBot, fake: FakeDiscord) -> None:
    channel = bot.get_channel(fake.channel_id)
    assert isinstance(channel, discord.TextChannel)
    question = fake.add_message("Any news on the budget?")

    first = await channel.send("Budget passes", nonce="digest-8-0")
    second = await channel.send("Rates held", nonce="digest-8-1")

    listed = fake.channel_messages()
    assert [message["id"] for message in listed] == [question["id"], str(first.id), str(second.id)]
    assert not any("nonce" in message for message in listed)


# --- the clock ----------------------------------------------------------------------------------------


async def test_a_repeated_nonce_after_the_five_minute_window_makes_a_second_message(
    bot: EchoBot, fake: FakeDiscord
) -> None:
    channel = bot.get_channel(fake.channel_id)
    assert isinstance(channel, discord.TextChannel)

    first = await channel.send("Evening digest", nonce="digest-9-0")
    fake.advance_clock(NONCE_WINDOW_SECONDS)
    again = await channel.send("Evening digest", nonce="digest-9-0")

    assert again.id != first.id
    assert len(fake.channel_messages()) == 2


async def test_advancing_the_clock_expires_the_interaction_webhook(bot: EchoBot, fake: FakeDiscord) -> None:
    interaction = await fake.send_slash_command("echo", {"text": "Short-lived"})
    await fake.wait_for_followup(interaction, status=200)
    fake.advance_clock(fake.token_lifetime)

    status, body = await call_fake(
        fake, "PATCH", f"/webhooks/{fake.application_id}/{interaction.token}/messages/@original", {"content": "Late"}
    )

    assert (status, body["code"]) == (401, 50027)


# --- faults for crash tests ------------------------------------------------------------------------------


async def test_a_held_answer_comes_after_the_message_is_stored(bot: EchoBot, fake: FakeDiscord) -> None:
    channel = bot.get_channel(fake.channel_id)
    assert isinstance(channel, discord.TextChannel)
    hold = fake.hold_after_store("POST", rf"/channels/{fake.channel_id}/messages")

    sending = asyncio.create_task(channel.send("Evening digest", nonce="digest-10-0"))
    stored = await hold.wait_stored()
    _, listed = await list_messages(fake, fake.channel_id)
    waiting = not sending.done()
    hold.release()
    sent = await sending

    assert waiting
    assert [message["id"] for message in listed] == [stored.response["id"]] == [str(sent.id)]


async def test_a_dropped_held_answer_leaves_the_message_stored_and_the_bot_unanswered(
    bot: EchoBot, fake: FakeDiscord
) -> None:
    channel = bot.get_channel(fake.channel_id)
    assert isinstance(channel, discord.TextChannel)
    hold = fake.hold_after_store("POST", rf"/channels/{fake.channel_id}/messages")

    sending = asyncio.create_task(channel.send("Evening digest", nonce="digest-11-0"))
    stored = await hold.wait_stored()
    hold.drop()

    with pytest.raises(aiohttp.ClientError):
        await sending
    assert [message["id"] for message in fake.channel_messages()] == [stored.response["id"]]


async def test_a_refused_request_is_not_held(bot: EchoBot, fake: FakeDiscord) -> None:
    channel = bot.get_channel(fake.channel_id)
    assert isinstance(channel, discord.TextChannel)
    hold = fake.hold_after_store("POST", rf"/channels/{fake.channel_id}/messages")

    with pytest.raises(discord.HTTPException):
        await channel.send("x" * 2001)

    assert hold.request is None


async def test_a_request_held_before_store_is_stored_only_once_released(bot: EchoBot, fake: FakeDiscord) -> None:
    channel = bot.get_channel(fake.channel_id)
    assert isinstance(channel, discord.TextChannel)
    held = fake.hold_before_store("POST", rf"/channels/{fake.channel_id}/messages")

    sending = asyncio.create_task(channel.send("Evening digest", nonce="digest-12-0"))
    arrived = await held.wait_held()
    _, listed_while_held = await list_messages(fake, fake.channel_id)
    held.release()
    sent = await sending

    assert (arrived.json or {})["nonce"] == "digest-12-0"
    assert listed_while_held == []
    assert [message["id"] for message in fake.channel_messages()] == [str(sent.id)]


async def test_a_dropped_held_request_is_never_stored_nor_answered(bot: EchoBot, fake: FakeDiscord) -> None:
    channel = bot.get_channel(fake.channel_id)
    assert isinstance(channel, discord.TextChannel)
    held = fake.hold_before_store("POST", rf"/channels/{fake.channel_id}/messages")
    posts_before = len(fake.requests)

    sending = asyncio.create_task(channel.send("Evening digest", nonce="digest-13-0"))
    await held.wait_held()
    held.drop()

    with pytest.raises(aiohttp.ClientError):
        await sending
    assert fake.channel_messages() == []
    assert fake.requests[posts_before:] == []


async def test_a_hold_before_store_lets_the_skipped_requests_through(bot: EchoBot, fake: FakeDiscord) -> None:
    channel = bot.get_channel(fake.channel_id)
    assert isinstance(channel, discord.TextChannel)
    held = fake.hold_before_store("POST", rf"/channels/{fake.channel_id}/messages", skip=1)

    first = await asyncio.wait_for(channel.send("Evening digest, part one"), timeout=10)  # not held
    second = asyncio.create_task(channel.send("Evening digest, part two"))
    arrived = await held.wait_held()
    held.drop()

    with pytest.raises(aiohttp.ClientError):
        await second
    assert (arrived.json or {})["content"] == "Evening digest, part two"
    assert [message["id"] for message in fake.channel_messages()] == [str(first.id)]


async def test_an_outage_answers_503_until_it_ends(bot: EchoBot, fake: FakeDiscord) -> None:
    channel = bot.get_channel(fake.channel_id)
    assert isinstance(channel, discord.TextChannel)
    outage = fake.outage(rf"/channels/{fake.channel_id}/messages", method="POST")

    with pytest.raises(discord.DiscordServerError) as raised:
        await channel.send("Manual digest")
    fake.end_outage()
    sent = await channel.send("Manual digest")

    assert raised.value.status == 503
    assert fake.requests[outage.hits[0]].response == {"code": 0, "message": "503: Service Unavailable"}
    assert [message["id"] for message in fake.channel_messages()] == [str(sent.id)]


async def test_an_outage_for_ten_minutes_ends_when_the_clock_passes_them(fake_discord: FakeDiscord) -> None:
    fake_discord.outage(r"/channels/\d+/messages", seconds=600)

    during, _ = await list_messages(fake_discord, fake_discord.channel_id)
    fake_discord.advance_clock(600)
    after, _ = await list_messages(fake_discord, fake_discord.channel_id)

    assert (during, after) == (503, 200)


async def test_a_client_pointed_at_the_fake_by_its_address_gets_ready(fake_discord: FakeDiscord) -> None:
    with point_discord_at_address(fake_discord.base_url):
        async with running_client(EchoBot(), fake_discord) as client:
            assert client.is_ready()

    assert [(r.method, r.path) for r in fake_discord.requests[:1]] == [("GET", "/users/@me")]

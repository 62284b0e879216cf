"""A small fake Discord, REST API and gateway websocket, for end-to-end tests of the real discord.py client.

Why: what can break between newsbrief and Discord lives in discord.py's HTTP and gateway code (login,
command sync, the 3-second acknowledgement, follow-ups through the interaction webhook, rate limits,
reconnect and resume). Mocks skip all of it; this fake speaks the wire protocol on 127.0.0.1, so the
unchanged client runs against it and a test sees exactly what the bot sent.

Use (tests/e2e/conftest.py gives the first two steps as the fixtures ``fake_discord`` and
``discord_pointed_at_fake``)::

    fake = await FakeDiscord.start()                    # 127.0.0.1, a free port
    with point_discord_at(fake):                         # discord.py's REST base and gateway, restored after
        async with running_client(bot, fake):            # login, connect, wait for on_ready; close after
            interaction = await fake.send_slash_command("echo", {"text": "hi"})
            callback = await fake.wait_for_callback(interaction)          # POST /interactions/.../callback
            followup = await fake.wait_for_followup(interaction, status=200)
            assert followup.json["embeds"][0]["description"] == "hi"
    await fake.close()

Everything is recorded: ``fake.requests`` (RecordedRequest: method, path under /api/v10, query, json,
files, status, response), ``fake.frames`` (GatewayFrame, both directions), ``fake.unknown_routes``.
``wait_for_request`` / ``wait_for_frame`` wait for one (``since=len(fake.requests)`` for new ones only).
``fake.messages`` holds every stored message by id; ``fake.channel_messages(channel_id)`` lists a channel
as a user reads it (oldest first, no ephemeral messages, no nonces). ``add_message`` posts as a user,
``add_channel(name, bot_denied=...)`` adds a channel, with permissions denied to the bot if asked.

Rules enforced as Discord does: a callback later than ``ack_deadline`` (3 s) gets 404 10062 and a second
callback 400 40060; webhooks of a never-acknowledged interaction answer 404 10015 and expire after
``token_lifetime`` (15 min, 401 50027); message content over 2000 characters and embeds over their limits
answer 400 50035 "Invalid Form Body" with Discord's nested ``errors``; an empty message 400 50006;
privileged intents not enabled with ``privileged_intents`` close the gateway with 4014. After a deferral
(callback type 5) the first follow-up fills the "thinking" message (same id, the deferral's visibility).
A message POST with ``enforce_nonce`` and a nonce seen in the last 5 minutes answers the earlier message;
the nonce is in the create answer only, never in messages read back. ``GET /channels/{id}/messages``
pages as documented (``limit`` 1-100, default 50; one of ``around``/``before``/``after``; newest first);
a channel the bot cannot view answers 403 50001 (50013 to a post where it may not send), one that does
not exist 404 10003. The gateway honours ``compress=zlib-stream`` (see ``gateway``).

Channel kinds (``threads``, ``publishing``, ``mentions``): ``add_channel(..., channel_type=CHANNEL_GUILD_ANNOUNCEMENT,
bot_allowed=...)``, ``add_forum(name, tags=..., require_tag=...)``, ``add_role(name, mentionable=...)``. A thread
started from a message has its id (160004 for a second one); a forum post needs a message, at most 5 of the
forum's tags (40067 without one where REQUIRE_TAG), Send Messages, and Manage Threads for a moderated tag; thread
names are 1-100 characters; a thread takes messages with Send Messages in Threads (its parent's permissions);
a forum takes none directly (40058). Publishing works in announcement channels only (50024), once (40033), 10
an hour per channel (429, on the fake's clock). A bot message's ``mention_roles``/``mention_everyone``/
``mentions`` are parsed as Discord parses them under its allowed_mentions. ``threads_of(channel_id)``,
``crossposted(channel_id)`` read back what happened.

Commands and components: a sync (PUT commands) is checked as Discord checks it (``integration_types`` within
{0, 1}, ``contexts`` within {0, 1, 2}, ``default_member_permissions`` a permission number, kept as a string;
``dm_permission`` deprecated, ``contexts`` decides) and refused whole with 50035. ``send_*`` take where and
by whom (see ``InteractionContext``): ``dm``, ``private_channel`` (a group DM), ``foreign_guild`` (a server the
bot is not in, ``fake.foreign_guild_id``), ``user_install``; a command is dispatched only where its contexts and
integration types offer it (ValueError otherwise), and ``offered_commands(permissions=..., ...)`` lists what
Discord's client would show, default_member_permissions included. Message components follow Discord's rules
(5 action rows, 5 buttons a row, custom_id 100 characters and unique, label 80); ``press_button(message,
label=...)`` sends the component interaction (type 3) for an enabled button, ephemeral messages to their own
user only, and the UPDATE_MESSAGE callback (7) edits that message, ephemeral or not.

Shards: ``GET /gateway/bot`` recommends ``shard_count`` shards (one per 1,000 guilds when not given) with a
``session_start_limit`` whose ``max_concurrency`` is the constructor's; an IDENTIFY with ``[shard_id, N]``
gets the guilds of its shard, ``(guild_id >> 22) % N``, and every event of a guild goes to that shard's
session (DMs to shard 0). 4010 closes an IDENTIFY whose shard id is not below N or whose N differs from
the other live sessions'; 4011 one that would hold 2,500 guilds or more. ``add_guild(name, shard=(id, N))``
adds a guild, on a chosen shard if asked.

The clock: ``fake.clock()`` is monotonic seconds, ``fake.advance_clock(seconds)`` moves it forward. It runs
the nonce window, the acknowledgement deadline and the token lifetime, and dates new snowflakes and
timestamps; the bot's clock is its own.

Faults, REST: ``fail_next(method, path, status=429 | 5xx, count=..., retry_after=...)`` for the next
requests; ``outage(path, method="*", status=503, seconds=None)`` answers every matching request with
Discord's 503 body until ``end_outage()`` (or for ``seconds`` of the fake's clock);
``hold_after_store(method, path)`` lets the next matching successful request do its work (the message is
stored, GET shows it, its nonce counts) and holds its answer: ``await hold.wait_stored()``, then kill the
bot, then ``hold.release()`` or ``hold.drop()`` (close the connection unanswered; close() drops what is
still held). ``hold_before_store(method, path, skip=0)`` holds the next matching request (after ``skip`` went
through) before the fake does it: ``await held.wait_held()``, then kill the bot, then ``held.drop()`` (the
connection closes; nothing is stored or recorded) or ``held.release()`` (done and answered as usual). Gateway:
``request_reconnect()`` (op 7; the client RESUMEs, nothing is replayed), ``invalidate_session()`` (op 9;
override the bot's ``before_identify_hook``, which otherwise sleeps 5 s before identifying again),
``drop_connection()``. Guilds: ``add_guild(name)`` before the client connects; ``remove_guild(id)`` (the bot
is kicked: GUILD_DELETE without ``unavailable``), ``make_guild_unavailable(id)`` (an outage),
``set_preferred_locale(id, locale)`` (GUILD_UPDATE with the whole guild; before a client connects, only the guild).

Replies carry no rate-limit headers unless a fault asks for a 429 or a test turns Discord's limits on: with
them discord.py would start bucketing, which is Discord's behaviour to copy only where a test asks for it.
``FakeDiscord.start(global_rate_limit=N)`` refuses a bot token's request past N in any second (429,
``global: true``, X-RateLimit-Global, X-RateLimit-Scope: global; interaction callbacks and webhooks exempt);
``message_rate_limit=(5, 5.0)`` gives each channel's message creation that bucket, with X-RateLimit-* headers
on every answer and a 429 of scope ``user`` past it. ``fake.rate_limited`` lists the requests refused.

The package, by concern: ``limits`` (Discord's numbers), ``records`` (requests, frames, interactions),
``wire`` (replies, routes, error bodies), ``forms`` (message, embed and component validation), ``state``
(settings, clock, guild, channels, members), ``messages`` (stored messages), ``channels``, ``interactions``
and ``commands`` (REST routes), ``command_rules`` (a sync's fields, where a command is offered), ``rest`` (the
server and the routes about the bot), ``faults``, ``ratelimits`` (Discord's global and message limits),
``gateway``, ``guilds`` (servers added, left, unavailable),
``senders`` (interactions sent to the bot), ``components`` (buttons pressed), ``waits`` (test-facing waits),
``fake`` (FakeDiscord, all of them) and ``client`` (point_discord_at, running_client;
point_discord_at_address(fake.base_url) for a bot in another process, which gets the address through its
environment, say).
"""

from .client import point_discord_at, point_discord_at_address, running_client
from .fake import FakeDiscord
from .faults import HeldReply, HeldRequest, InjectedFault, Outage
from .gateway import GatewayConnection

# Every number of the fake (limits, codes, opcodes, flags), as the single module had them.
from .limits import *  # noqa: F403
from .records import FakeInteraction, GatewayFrame, RecordedFile, RecordedRequest

__all__ = [
    "FakeDiscord",
    "FakeInteraction",
    "GatewayConnection",
    "GatewayFrame",
    "HeldReply",
    "HeldRequest",
    "InjectedFault",
    "Outage",
    "RecordedFile",
    "RecordedRequest",
    "point_discord_at",
    "point_discord_at_address",
    "running_client",
]

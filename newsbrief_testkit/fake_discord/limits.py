"""Everything the fake knows as a number: Discord's limits, codes, opcodes and flags, and its own settings.

The limits are written here on purpose rather than imported from bot/embeds.py, so that a wrong constant
in the bot fails a test instead of agreeing with itself.
"""

HOST = "127.0.0.1"
# discord.py 2.x builds every REST URL on API v10 (discord.http.INTERNAL_API_VERSION).
API_PREFIX = "/api/v10"
GATEWAY_PATH = "/gateway"
ATTACHMENTS_PATH = "/attachments"

# Snowflakes count milliseconds from the first second of 2015 (Discord's epoch).
DISCORD_EPOCH_MS = 1_420_070_400_000

# Discord: an interaction must be acknowledged within 3 s, its token then works for 15 minutes.
ACK_DEADLINE_SECONDS = 3.0
INTERACTION_TOKEN_LIFETIME_SECONDS = 15 * 60.0
# What Discord announces in HELLO; the client heartbeats at this period (first beat at once).
HEARTBEAT_INTERVAL_MS = 41_250
# How long a test waits for the bot by default before it is declared stuck.
DEFAULT_WAIT_SECONDS = 10.0
# Upload limit of an unboosted guild; every interaction payload carries it.
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024

# Discord's message limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
CONTENT_LIMIT = 2000
NONCE_LIMIT = 25
NONCE_WINDOW_SECONDS = 5 * 60.0
"""Discord returns the earlier message for a repeated nonce with enforce_nonce "in the past few minutes"."""
EMBEDS_PER_MESSAGE_LIMIT = 10
EMBED_TITLE_LIMIT = 256
EMBED_DESCRIPTION_LIMIT = 4096
EMBED_FIELDS_LIMIT = 25
EMBED_FIELD_NAME_LIMIT = 256
EMBED_FIELD_VALUE_LIMIT = 1024
EMBED_FOOTER_TEXT_LIMIT = 2048
EMBED_AUTHOR_NAME_LIMIT = 256
EMBED_TOTAL_LIMIT = 6000
AUTOCOMPLETE_CHOICES_LIMIT = 25
# Application command names and descriptions
# (https://discord.com/developers/docs/interactions/application-commands#application-command-object).
COMMAND_NAME_LIMIT = 32
COMMAND_DESCRIPTION_LIMIT = 100
# The locales Discord knows (https://discord.com/developers/docs/reference#locales): the keys of
# name_localizations and description_localizations must be among them.
DISCORD_LOCALES = frozenset(
    {
        "id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu", "nl", "no", "pl",
        "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi", "th", "zh-CN", "ja",
        "zh-TW", "ko",
    }
)  # fmt: skip
# Message components (https://discord.com/developers/docs/components/reference): a message has at most
# 5 action rows, a row at most 5 buttons; a custom_id is at most 100 characters, a button label 80.
ACTION_ROWS_LIMIT = 5
BUTTONS_PER_ROW_LIMIT = 5
CUSTOM_ID_LIMIT = 100
BUTTON_LABEL_LIMIT = 80
# A link button's url is at most 512 characters, http, https or discord; an embed's thumbnail and image
# are http(s) addresses Discord fetches, or attachment:// names of files sent with the message.
BUTTON_URL_LIMIT = 512
BUTTON_URL_SCHEMES = frozenset({"http", "https", "discord"})
EMBED_MEDIA_SCHEMES = frozenset({"http", "https", "attachment"})
# An embed's own link is http(s); it and a thumbnail's or image's url are at most 2048 characters: not in
# the embed limits table, but Discord answers a longer one "Must be 2048 or fewer in length.".
EMBED_LINK_SCHEMES = frozenset({"http", "https"})
EMBED_URL_LIMIT = 2048
# GET /channels/{id}/messages: ``limit`` is 1-100, 50 when not given
# (https://discord.com/developers/docs/resources/message#get-channel-messages).
MESSAGES_PAGE_MIN = 1
MESSAGES_PAGE_MAX = 100
MESSAGES_PAGE_DEFAULT = 50
# GET /channels/{id}/threads/archived/public: a page of 2-100 threads (discord.py never asks for fewer
# than 2), 50 when not given.
ARCHIVED_THREADS_PAGE_MIN = 2
ARCHIVED_THREADS_PAGE_MAX = 100
ARCHIVED_THREADS_PAGE_DEFAULT = 50

# Discord's JSON error codes used here.
UNKNOWN_CHANNEL = 10003
UNKNOWN_GUILD = 10004
UNKNOWN_MESSAGE = 10008
UNKNOWN_WEBHOOK = 10015
UNKNOWN_INTERACTION = 10062
INTERACTION_ALREADY_ACKNOWLEDGED = 40060
MISSING_ACCESS = 50001
CANNOT_EDIT_ANOTHER_USERS_MESSAGE = 50005
CANNOT_SEND_EMPTY_MESSAGE = 50006
MISSING_PERMISSIONS = 50013
INVALID_WEBHOOK_TOKEN = 50027
INVALID_FORM_BODY = 50035
INVALID_JSON = 50109

# Message flags.
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7

# Interaction types and callback (response) types.
INTERACTION_APPLICATION_COMMAND = 2
INTERACTION_COMPONENT = 3
INTERACTION_AUTOCOMPLETE = 4
INTERACTION_MODAL_SUBMIT = 5
CALLBACK_PONG = 1
CALLBACK_CHANNEL_MESSAGE = 4
CALLBACK_DEFERRED_CHANNEL_MESSAGE = 5
CALLBACK_DEFERRED_UPDATE_MESSAGE = 6
CALLBACK_UPDATE_MESSAGE = 7
CALLBACK_AUTOCOMPLETE_RESULT = 8
CALLBACK_MODAL = 9
CALLBACK_LAUNCH_ACTIVITY = 12
KNOWN_CALLBACK_TYPES = frozenset(
    {
        CALLBACK_PONG,
        CALLBACK_CHANNEL_MESSAGE,
        CALLBACK_DEFERRED_CHANNEL_MESSAGE,
        CALLBACK_DEFERRED_UPDATE_MESSAGE,
        CALLBACK_UPDATE_MESSAGE,
        CALLBACK_AUTOCOMPLETE_RESULT,
        CALLBACK_MODAL,
        CALLBACK_LAUNCH_ACTIVITY,
    }
)

# Component types, and the button styles that carry no custom_id (a link opens its url, a premium button
# its SKU).
COMPONENT_ACTION_ROW = 1
COMPONENT_BUTTON = 2
BUTTON_STYLE_LINK = 5
BUTTON_STYLE_PREMIUM = 6

# Where an app is installed (a command's integration_types, an interaction's authorizing_integration_owners
# keys) and where a command is used (its contexts, an interaction's context).
INSTALL_GUILD = 0
INSTALL_USER = 1
INSTALL_TYPES = frozenset({INSTALL_GUILD, INSTALL_USER})
CONTEXT_GUILD = 0
CONTEXT_BOT_DM = 1
CONTEXT_PRIVATE_CHANNEL = 2
CONTEXT_TYPES = frozenset({CONTEXT_GUILD, CONTEXT_BOT_DM, CONTEXT_PRIVATE_CHANNEL})

# Application command types and option types.
COMMAND_CHAT_INPUT = 1
COMMAND_MESSAGE = 3
OPTION_SUB_COMMAND = 1
OPTION_SUB_COMMAND_GROUP = 2
OPTION_CHANNEL = 7
OPTION_STRING = 3
OPTION_INTEGER = 4
OPTION_BOOLEAN = 5
OPTION_NUMBER = 10
OPTION_ATTACHMENT = 11

# Message types: ordinary, and the replies to a slash command and to a context-menu command.
MESSAGE_DEFAULT = 0
MESSAGE_CHAT_INPUT_COMMAND = 20
MESSAGE_CONTEXT_MENU_COMMAND = 23

# Channel types.
CHANNEL_GUILD_TEXT = 0
CHANNEL_DM = 1
CHANNEL_GROUP_DM = 3
CHANNEL_GUILD_ANNOUNCEMENT = 5
CHANNEL_ANNOUNCEMENT_THREAD = 10
CHANNEL_PUBLIC_THREAD = 11
CHANNEL_PRIVATE_THREAD = 12
CHANNEL_GUILD_FORUM = 15
THREAD_CHANNEL_TYPES = frozenset({CHANNEL_ANNOUNCEMENT_THREAD, CHANNEL_PUBLIC_THREAD, CHANNEL_PRIVATE_THREAD})
# Threads, forums and announcement channels (https://discord.com/developers/docs/resources/channel): a thread's
# (and a forum post's) name is 1-100 characters, it archives after one of four durations (minutes), a forum
# post carries at most 5 of its forum's tags; a forum with REQUIRE_TAG refuses a post without one. A message
# that started a thread has HAS_THREAD; a published one CROSSPOSTED. Discord publishes at most 10 messages an
# hour per announcement channel (https://support.discord.com/hc/en-us/articles/360032008192).
THREAD_NAME_LIMIT = 100
THREAD_AUTO_ARCHIVE_MINUTES = frozenset({60, 1440, 4320, 10080})
THREAD_DEFAULT_AUTO_ARCHIVE_MINUTES = 1440
APPLIED_TAGS_LIMIT = 5
FORUM_TAG_NAME_LIMIT = 20
CHANNEL_FLAG_REQUIRE_TAG = 1 << 4
FLAG_CROSSPOSTED = 1 << 0
FLAG_HAS_THREAD = 1 << 5
CROSSPOSTS_PER_WINDOW = 10
CROSSPOST_WINDOW_SECONDS = 60 * 60.0
# allowed_mentions (https://discord.com/developers/docs/resources/message#allowed-mentions-object): the
# mention types ``parse`` may name, and at most 100 ids in ``roles`` and in ``users``.
MENTION_TYPES = frozenset({"roles", "users", "everyone"})
ALLOWED_MENTION_IDS_LIMIT = 100
# The JSON error codes of threads, forums and publishing. Discord's docs do not say which code answers a
# crosspost outside an announcement channel, or a thread started from a message in a forum: the fake answers
# the general "Cannot execute action on this channel type" for both.
ALREADY_CROSSPOSTED = 40033
CANNOT_SEND_IN_FORUM = 40058
FORUM_TAG_REQUIRED = 40067
CANNOT_EXECUTE_ON_CHANNEL_TYPE = 50024
THREAD_ALREADY_CREATED = 160004

# Gateway opcodes.
OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_RESUME = 6
OP_RECONNECT = 7
OP_REQUEST_GUILD_MEMBERS = 8
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11

# Gateway close codes.
CLOSE_GOING_AWAY = 1001
CLOSE_UNKNOWN_ERROR = 4000
CLOSE_AUTHENTICATION_FAILED = 4004
CLOSE_INVALID_SHARD = 4010
CLOSE_SHARDING_REQUIRED = 4011
CLOSE_DISALLOWED_INTENTS = 4014

# Sharding (https://discord.com/developers/docs/events/gateway#sharding): a session may hold fewer than
# MAX_GUILDS_PER_SESSION guilds (4011 otherwise); GET /gateway/bot recommends about one shard per
# GUILDS_PER_RECOMMENDED_SHARD guilds, and allows SESSION_STARTS_PER_DAY identifies a day.
MAX_GUILDS_PER_SESSION = 2500
GUILDS_PER_RECOMMENDED_SHARD = 1000
SESSION_STARTS_PER_DAY = 1000
SESSION_START_RESET_MS = 24 * 60 * 60 * 1000

# Privileged intents: Discord refuses them unless enabled for the application in the developer portal.
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = INTENT_GUILD_MEMBERS | INTENT_GUILD_PRESENCES | INTENT_MESSAGE_CONTENT

# Permissions a command's default_member_permissions may ask for: an administrator passes every such test.
ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5

# Permissions of the member and of the bot in the fake guild: read, write, embed, attach, history, commands,
# and start and talk in public threads (both in Discord's default @everyone permissions).
# https://discord.com/developers/docs/topics/permissions#permissions-bitwise-permission-flags
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
USE_APPLICATION_COMMANDS = 1 << 31
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38
DEFAULT_PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_APPLICATION_COMMANDS
    | CREATE_PUBLIC_THREADS
    | SEND_MESSAGES_IN_THREADS
)
# Not granted by default: delete or publish others' messages, ping @everyone (and roles that are not
# mentionable), manage threads (apply a moderated forum tag).
MANAGE_MESSAGES = 1 << 13
MENTION_EVERYONE = 1 << 17
MANAGE_THREADS = 1 << 34

# Directions of a recorded gateway frame.
TO_BOT = "to_bot"
FROM_BOT = "from_bot"

# discord.py treats a 429 without a Via header as a Cloudflare ban and raises at once.
RATE_LIMIT_VIA = "1.1 google"

DEFAULT_TOKEN = "fake-bot-token.for-tests"

"""Discord API constants the stand-in needs: permission bits, intents, enum values and error codes.

Values follow the Discord API v10 documentation; only what the stand-in uses is listed.
"""

from __future__ import annotations

from enum import IntEnum, IntFlag


class Permissions(IntFlag):
    """Permission bits (``permissions`` fields are these, serialised as decimal strings)."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5  # "Manage Server" in the Discord client
    ADD_REACTIONS = 1 << 6
    VIEW_AUDIT_LOG = 1 << 7
    PRIORITY_SPEAKER = 1 << 8
    STREAM = 1 << 9
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    SEND_TTS_MESSAGES = 1 << 12
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    VIEW_GUILD_INSIGHTS = 1 << 19
    CONNECT = 1 << 20
    SPEAK = 1 << 21
    MUTE_MEMBERS = 1 << 22
    DEAFEN_MEMBERS = 1 << 23
    MOVE_MEMBERS = 1 << 24
    USE_VAD = 1 << 25
    CHANGE_NICKNAME = 1 << 26
    MANAGE_NICKNAMES = 1 << 27
    MANAGE_ROLES = 1 << 28
    MANAGE_WEBHOOKS = 1 << 29
    MANAGE_GUILD_EXPRESSIONS = 1 << 30
    USE_APPLICATION_COMMANDS = 1 << 31
    REQUEST_TO_SPEAK = 1 << 32
    MANAGE_EVENTS = 1 << 33
    MANAGE_THREADS = 1 << 34
    CREATE_PUBLIC_THREADS = 1 << 35
    CREATE_PRIVATE_THREADS = 1 << 36
    USE_EXTERNAL_STICKERS = 1 << 37
    SEND_MESSAGES_IN_THREADS = 1 << 38
    USE_EMBEDDED_ACTIVITIES = 1 << 39
    MODERATE_MEMBERS = 1 << 40

    @classmethod
    def all(cls) -> Permissions:
        value = cls(0)
        for flag in cls:
            value |= flag
        return value


NO_PERMISSIONS = Permissions(0)

#: What @everyone gets in a new guild (a sensible subset of Discord's default).
DEFAULT_EVERYONE_PERMISSIONS = (
    Permissions.CREATE_INSTANT_INVITE
    | Permissions.ADD_REACTIONS
    | Permissions.STREAM
    | Permissions.VIEW_CHANNEL
    | Permissions.SEND_MESSAGES
    | Permissions.EMBED_LINKS
    | Permissions.ATTACH_FILES
    | Permissions.READ_MESSAGE_HISTORY
    | Permissions.MENTION_EVERYONE
    | Permissions.USE_EXTERNAL_EMOJIS
    | Permissions.CONNECT
    | Permissions.SPEAK
    | Permissions.USE_VAD
    | Permissions.CHANGE_NICKNAME
    | Permissions.USE_APPLICATION_COMMANDS
    | Permissions.CREATE_PUBLIC_THREADS
    | Permissions.CREATE_PRIVATE_THREADS
    | Permissions.SEND_MESSAGES_IN_THREADS
    | Permissions.USE_EXTERNAL_STICKERS
)

#: Permissions denied to everyone in a channel when VIEW_CHANNEL is missing there.
TEXT_PERMISSIONS = (
    Permissions.SEND_MESSAGES
    | Permissions.SEND_TTS_MESSAGES
    | Permissions.MANAGE_MESSAGES
    | Permissions.EMBED_LINKS
    | Permissions.ATTACH_FILES
    | Permissions.READ_MESSAGE_HISTORY
    | Permissions.MENTION_EVERYONE
)


class Intents(IntFlag):
    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1  # privileged
    GUILD_MODERATION = 1 << 2
    GUILD_EXPRESSIONS = 1 << 3
    GUILD_INTEGRATIONS = 1 << 4
    GUILD_WEBHOOKS = 1 << 5
    GUILD_INVITES = 1 << 6
    GUILD_VOICE_STATES = 1 << 7
    GUILD_PRESENCES = 1 << 8  # privileged
    GUILD_MESSAGES = 1 << 9
    GUILD_MESSAGE_REACTIONS = 1 << 10
    GUILD_MESSAGE_TYPING = 1 << 11
    DIRECT_MESSAGES = 1 << 12
    DIRECT_MESSAGE_REACTIONS = 1 << 13
    DIRECT_MESSAGE_TYPING = 1 << 14
    MESSAGE_CONTENT = 1 << 15  # privileged
    GUILD_SCHEDULED_EVENTS = 1 << 16
    AUTO_MODERATION_CONFIGURATION = 1 << 20
    AUTO_MODERATION_EXECUTION = 1 << 21
    GUILD_MESSAGE_POLLS = 1 << 24
    DIRECT_MESSAGE_POLLS = 1 << 25


PRIVILEGED_INTENTS = Intents.GUILD_MEMBERS | Intents.GUILD_PRESENCES | Intents.MESSAGE_CONTENT


class ApplicationFlags(IntFlag):
    """Application flags reported by ``GET /oauth2/applications/@me`` (the "limited" variants are
    what an unverified bot in fewer than 100 guilds has when the toggle is on in the portal)."""

    GATEWAY_PRESENCE_LIMITED = 1 << 13
    GATEWAY_GUILD_MEMBERS_LIMITED = 1 << 15
    GATEWAY_MESSAGE_CONTENT_LIMITED = 1 << 19
    APPLICATION_COMMAND_BADGE = 1 << 23


class ChannelType(IntEnum):
    GUILD_TEXT = 0
    DM = 1
    GUILD_VOICE = 2
    GUILD_CATEGORY = 4
    GUILD_ANNOUNCEMENT = 5
    PUBLIC_THREAD = 11


class MessageType(IntEnum):
    DEFAULT = 0
    REPLY = 19
    CHAT_INPUT_COMMAND = 20
    CONTEXT_MENU_COMMAND = 23


class MessageFlags(IntFlag):
    CROSSPOSTED = 1 << 0
    SUPPRESS_EMBEDS = 1 << 2
    EPHEMERAL = 1 << 6
    LOADING = 1 << 7
    SUPPRESS_NOTIFICATIONS = 1 << 12
    IS_COMPONENTS_V2 = 1 << 15


NO_FLAGS = MessageFlags(0)


class InteractionType(IntEnum):
    PING = 1
    APPLICATION_COMMAND = 2
    MESSAGE_COMPONENT = 3
    APPLICATION_COMMAND_AUTOCOMPLETE = 4
    MODAL_SUBMIT = 5


class CallbackType(IntEnum):
    """Interaction callback (response) types."""

    PONG = 1
    CHANNEL_MESSAGE_WITH_SOURCE = 4
    DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE = 5
    DEFERRED_UPDATE_MESSAGE = 6
    UPDATE_MESSAGE = 7
    APPLICATION_COMMAND_AUTOCOMPLETE_RESULT = 8
    MODAL = 9
    PREMIUM_REQUIRED = 10
    LAUNCH_ACTIVITY = 12


class ComponentType(IntEnum):
    ACTION_ROW = 1
    BUTTON = 2
    STRING_SELECT = 3
    TEXT_INPUT = 4
    USER_SELECT = 5
    ROLE_SELECT = 6
    MENTIONABLE_SELECT = 7
    CHANNEL_SELECT = 8


class OptionType(IntEnum):
    """Application command option types."""

    SUB_COMMAND = 1
    SUB_COMMAND_GROUP = 2
    STRING = 3
    INTEGER = 4
    BOOLEAN = 5
    USER = 6
    CHANNEL = 7
    ROLE = 8
    MENTIONABLE = 9
    NUMBER = 10
    ATTACHMENT = 11


class Op(IntEnum):
    """Gateway opcodes."""

    DISPATCH = 0
    HEARTBEAT = 1
    IDENTIFY = 2
    PRESENCE_UPDATE = 3
    VOICE_STATE_UPDATE = 4
    RESUME = 6
    RECONNECT = 7
    REQUEST_GUILD_MEMBERS = 8
    INVALID_SESSION = 9
    HELLO = 10
    HEARTBEAT_ACK = 11


class CloseCode(IntEnum):
    """Gateway close codes."""

    UNKNOWN_ERROR = 4000
    UNKNOWN_OPCODE = 4001
    DECODE_ERROR = 4002
    NOT_AUTHENTICATED = 4003
    AUTHENTICATION_FAILED = 4004
    ALREADY_AUTHENTICATED = 4005
    INVALID_SEQ = 4007
    RATE_LIMITED = 4008
    SESSION_TIMED_OUT = 4009
    INVALID_SHARD = 4010
    SHARDING_REQUIRED = 4011
    INVALID_API_VERSION = 4012
    INVALID_INTENTS = 4013
    DISALLOWED_INTENTS = 4014


class ErrorCode(IntEnum):
    """JSON error codes carried in ``{"code": ..., "message": ...}`` error bodies."""

    GENERAL = 0
    UNKNOWN_APPLICATION = 10002
    UNKNOWN_CHANNEL = 10003
    UNKNOWN_GUILD = 10004
    UNKNOWN_MEMBER = 10007
    UNKNOWN_MESSAGE = 10008
    UNKNOWN_ROLE = 10011
    UNKNOWN_USER = 10013
    UNKNOWN_EMOJI = 10014
    UNKNOWN_WEBHOOK = 10015
    UNKNOWN_INTERACTION = 10062
    UNKNOWN_APPLICATION_COMMAND = 10063
    BOTS_CANNOT_USE_ENDPOINT = 20001
    MISSING_ACCESS = 50001
    CANNOT_SEND_EMPTY_MESSAGE = 50006
    CANNOT_SEND_MESSAGES_TO_USER = 50007
    CANNOT_EDIT_OTHERS_MESSAGE = 50005
    MISSING_PERMISSIONS = 50013
    INVALID_FORM_BODY = 50035
    INTERACTION_ALREADY_ACKNOWLEDGED = 40060
    UNAUTHORIZED = 40001


ERROR_MESSAGES: dict[int, str] = {
    ErrorCode.GENERAL: "General error",
    ErrorCode.UNKNOWN_APPLICATION: "Unknown Application",
    ErrorCode.UNKNOWN_CHANNEL: "Unknown Channel",
    ErrorCode.UNKNOWN_GUILD: "Unknown Guild",
    ErrorCode.UNKNOWN_MEMBER: "Unknown Member",
    ErrorCode.UNKNOWN_MESSAGE: "Unknown Message",
    ErrorCode.UNKNOWN_ROLE: "Unknown Role",
    ErrorCode.UNKNOWN_USER: "Unknown User",
    ErrorCode.UNKNOWN_EMOJI: "Unknown Emoji",
    ErrorCode.UNKNOWN_WEBHOOK: "Unknown Webhook",
    ErrorCode.UNKNOWN_INTERACTION: "Unknown interaction",
    ErrorCode.UNKNOWN_APPLICATION_COMMAND: "Unknown application command",
    ErrorCode.BOTS_CANNOT_USE_ENDPOINT: "Bots cannot use this endpoint",
    ErrorCode.MISSING_ACCESS: "Missing Access",
    ErrorCode.CANNOT_SEND_EMPTY_MESSAGE: "Cannot send an empty message",
    ErrorCode.CANNOT_SEND_MESSAGES_TO_USER: "Cannot send messages to this user",
    ErrorCode.CANNOT_EDIT_OTHERS_MESSAGE: "Cannot edit a message authored by another user",
    ErrorCode.MISSING_PERMISSIONS: "Missing Permissions",
    ErrorCode.INVALID_FORM_BODY: "Invalid Form Body",
    ErrorCode.INTERACTION_ALREADY_ACKNOWLEDGED: "Interaction has already been acknowledged.",
    ErrorCode.UNAUTHORIZED: "You need to verify your account in order to perform this action.",
}

"""A local Discord stand-in (REST v10 + gateway) for testing the real discord.py client.

    async with StandIn() as discord_:
        guild = discord_.add_guild("Test")
        ...

See ``server.StandIn`` for the API and ``README.md`` for what discord.py needs from it.
"""

from .constants import (
    CallbackType,
    ChannelType,
    CloseCode,
    ErrorCode,
    Intents,
    InteractionType,
    MessageFlags,
    MessageType,
    Permissions,
)
from .gateway import GatewayConnection, GatewaySession
from .interactions import CommandNotRegistered, InteractionHandle, InteractionResponse, InvalidInvocation
from .models import Attachment, Channel, Emoji, Guild, Member, Message, Reaction, Role, User
from .recording import Injection, RecordedRequest, UploadedFile
from .server import StandIn

__all__ = [
    "Attachment",
    "CallbackType",
    "Channel",
    "ChannelType",
    "CloseCode",
    "CommandNotRegistered",
    "Emoji",
    "ErrorCode",
    "GatewayConnection",
    "GatewaySession",
    "Guild",
    "Injection",
    "Intents",
    "InteractionHandle",
    "InteractionResponse",
    "InteractionType",
    "InvalidInvocation",
    "Member",
    "Message",
    "MessageFlags",
    "MessageType",
    "Permissions",
    "Reaction",
    "RecordedRequest",
    "Role",
    "StandIn",
    "UploadedFile",
    "User",
]

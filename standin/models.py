"""The stand-in's world: users, guilds, roles, members, channels, messages.

These are plain mutable objects compared by identity. Tests get them back from the ``StandIn`` builder
and driver methods and pass them back in; the gateway and REST layers turn them into Discord JSON
(see ``_payloads.py``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ._snowflake import snowflake_time
from .constants import (
    NO_FLAGS,
    NO_PERMISSIONS,
    TEXT_PERMISSIONS,
    ChannelType,
    ComponentType,
    MessageFlags,
    MessageType,
    Permissions,
)


@dataclass(eq=False)
class User:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    #: False makes ``POST /channels/{dm}/messages`` to this user fail with 403 / 50007, like a user
    #: who closed DMs. Bots never accept DMs from other bots.
    accepts_dms: bool = True

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    @property
    def created_at(self) -> dt.datetime:
        return snowflake_time(self.id)

    @property
    def display_name(self) -> str:
        return self.global_name or self.username

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username!r}{' bot' if self.bot else ''}>"


@dataclass(eq=False)
class Role:
    id: int
    guild: Guild
    name: str
    permissions: Permissions
    position: int = 0
    color: int = 0
    hoist: bool = False
    managed: bool = False
    mentionable: bool = False

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"

    @property
    def is_everyone(self) -> bool:
        return self.id == self.guild.id

    def __repr__(self) -> str:
        return f"<Role {self.id} {self.name!r}>"


@dataclass(eq=False)
class Member:
    user: User
    guild: Guild
    roles: list[Role] = field(default_factory=list)
    joined_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    nick: str | None = None

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def mention(self) -> str:
        return self.user.mention

    @property
    def display_name(self) -> str:
        return self.nick or self.user.display_name

    @property
    def is_owner(self) -> bool:
        return self.guild.owner_id == self.user.id

    @property
    def permissions(self) -> Permissions:
        """Guild-level permissions (roles, owner, administrator), before channel overwrites."""
        if self.is_owner:
            return Permissions.all()
        value = self.guild.everyone.permissions
        for role in self.roles:
            value |= role.permissions
        if value & Permissions.ADMINISTRATOR:
            return Permissions.all()
        return value

    def permissions_in(self, channel: Channel) -> Permissions:
        """Discord's permission algorithm: base permissions, then @everyone, role and member overwrites."""
        base = self.permissions
        if base & Permissions.ADMINISTRATOR:
            return base
        everyone = channel.overwrite_for(self.guild.id)
        if everyone is not None:
            base = (base & ~everyone.deny) | everyone.allow
        allow = Permissions(0)
        deny = Permissions(0)
        for role in self.roles:
            overwrite = channel.overwrite_for(role.id)
            if overwrite is not None:
                allow |= overwrite.allow
                deny |= overwrite.deny
        base = (base & ~deny) | allow
        own = channel.overwrite_for(self.user.id)
        if own is not None:
            base = (base & ~own.deny) | own.allow
        if not base & Permissions.VIEW_CHANNEL:
            return Permissions(0)
        if not base & Permissions.SEND_MESSAGES:
            base &= ~(TEXT_PERMISSIONS & ~(Permissions.READ_MESSAGE_HISTORY | Permissions.MANAGE_MESSAGES))
        return base

    def __repr__(self) -> str:
        return f"<Member {self.user.id} {self.display_name!r} of {self.guild.name!r}>"


@dataclass(eq=False)
class Overwrite:
    id: int
    type: int  # 0 = role, 1 = member
    allow: Permissions = NO_PERMISSIONS
    deny: Permissions = NO_PERMISSIONS


@dataclass(eq=False)
class Emoji:
    """A unicode emoji (``id is None``, ``name`` is the character) or a guild's custom emoji."""

    name: str
    id: int | None = None
    animated: bool = False

    @property
    def key(self) -> str:
        """The form used in reaction URLs: the character, or ``name:id``."""
        return self.name if self.id is None else f"{self.name}:{self.id}"

    def __str__(self) -> str:
        if self.id is None:
            return self.name
        return f"<{'a' if self.animated else ''}:{self.name}:{self.id}>"


@dataclass(eq=False)
class Channel:
    id: int
    name: str
    kind: ChannelType
    guild: Guild | None = None
    position: int = 0
    topic: str | None = None
    parent: Channel | None = None
    overwrites: list[Overwrite] = field(default_factory=list)
    recipient: User | None = None  # DM channels only
    owner_id: int | None = None  # threads only: who started it
    #: Every message ever stored in the channel, including deleted ones (``Message.deleted``), by id.
    messages: list[Message] = field(default_factory=list)

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    @property
    def is_dm(self) -> bool:
        return self.kind is ChannelType.DM

    @property
    def last_message_id(self) -> int | None:
        live = [m for m in self.messages if not m.deleted]
        return live[-1].id if live else None

    def overwrite_for(self, target_id: int) -> Overwrite | None:
        return next((o for o in self.overwrites if o.id == target_id), None)

    def history(self) -> list[Message]:
        """Live (not deleted) messages, oldest first."""
        return [m for m in self.messages if not m.deleted]

    def __repr__(self) -> str:
        return f"<Channel {self.id} {self.name!r} {self.kind.name}>"


@dataclass(eq=False)
class Guild:
    id: int
    name: str
    owner_id: int = 0
    roles: dict[int, Role] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    emojis: list[Emoji] = field(default_factory=list)
    #: False once ``remove_guild`` ran (the bot was removed; the guild stays readable for tests).
    joined: bool = True

    @property
    def everyone(self) -> Role:
        return self.roles[self.id]

    @property
    def owner(self) -> Member:
        return self.members[self.owner_id]

    @property
    def created_at(self) -> dt.datetime:
        return snowflake_time(self.id)

    def member(self, user: User | int) -> Member | None:
        return self.members.get(user if isinstance(user, int) else user.id)

    def channel_named(self, name: str) -> Channel:
        for channel in self.channels.values():
            if channel.name == name:
                return channel
        raise KeyError(name)

    def role_named(self, name: str) -> Role:
        for role in self.roles.values():
            if role.name == name:
                return role
        raise KeyError(name)

    def __repr__(self) -> str:
        return f"<Guild {self.id} {self.name!r}>"


@dataclass(eq=False)
class Attachment:
    id: int
    filename: str
    content: bytes
    content_type: str | None = None
    description: str | None = None
    url: str = ""

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(eq=False)
class Reaction:
    emoji: Emoji
    users: list[User] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.users)


@dataclass(eq=False)
class InteractionMetadata:
    """What a message created in answer to an interaction remembers about it."""

    id: int
    type: int
    user: User
    name: str | None = None  # the command's name, for application commands


@dataclass(eq=False)
class Message:
    id: int
    channel: Channel
    author: User
    content: str = ""
    type: MessageType = MessageType.DEFAULT
    mentions: list[User] = field(default_factory=list)
    mention_roles: list[Role] = field(default_factory=list)
    mention_everyone: bool = False
    referenced: Message | None = None
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    flags: MessageFlags = NO_FLAGS
    reactions: list[Reaction] = field(default_factory=list)
    tts: bool = False
    nonce: str | int | None = None
    pinned: bool = False
    edited_at: dt.datetime | None = None
    deleted: bool = False
    #: Set on messages created by an interaction response or followup.
    interaction: InteractionMetadata | None = None
    webhook_id: int | None = None
    application_id: int | None = None
    #: Previous versions, oldest first, as ``{"content": ..., "embeds": ..., "components": ...}``.
    edits: list[dict[str, Any]] = field(default_factory=list)
    #: The JSON the bot sent to create the message (None for messages the stand-in created).
    request_payload: dict[str, Any] | None = None

    @property
    def guild(self) -> Guild | None:
        return self.channel.guild

    @property
    def timestamp(self) -> dt.datetime:
        return snowflake_time(self.id)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & MessageFlags.EPHEMERAL)

    @property
    def jump_url(self) -> str:
        guild = self.guild.id if self.guild else "@me"
        return f"https://discord.com/channels/{guild}/{self.channel.id}/{self.id}"

    def reaction(self, emoji: str | Emoji) -> Reaction | None:
        key = emoji.key if isinstance(emoji, Emoji) else emoji
        return next((r for r in self.reactions if r.emoji.key == key or str(r.emoji) == key), None)

    def iter_components(self) -> Iterator[dict[str, Any]]:
        """Every component of the message, depth-first (action rows and their children, v2 containers)."""
        stack = list(reversed(self.components))
        while stack:
            component = stack.pop()
            yield component
            children = component.get("components") or []
            if component.get("accessory"):
                children = [*children, component["accessory"]]
            if component.get("component"):
                children = [*children, component["component"]]
            stack.extend(reversed(children))

    def find_component(self, custom_id: str) -> dict[str, Any] | None:
        return next((c for c in self.iter_components() if c.get("custom_id") == custom_id), None)

    @property
    def custom_ids(self) -> list[str]:
        return [c["custom_id"] for c in self.iter_components() if "custom_id" in c]

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return [c for c in self.iter_components() if c.get("type") == ComponentType.BUTTON]

    def __repr__(self) -> str:
        return f"<Message {self.id} in {self.channel.name!r} by {self.author.username!r}: {self.content[:40]!r}>"

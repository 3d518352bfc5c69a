"""The registry behind the stand-in: every object by id, ids issued, permissions answered. No I/O."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from ._snowflake import SnowflakeGenerator
from .constants import (
    DEFAULT_EVERYONE_PERMISSIONS,
    ChannelType,
    Intents,
    Permissions,
)
from .models import Channel, Emoji, Guild, Member, Message, Role, User

_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")

#: Everything a bot may do in a DM with a user.
DM_PERMISSIONS = (
    Permissions.VIEW_CHANNEL
    | Permissions.SEND_MESSAGES
    | Permissions.READ_MESSAGE_HISTORY
    | Permissions.ADD_REACTIONS
    | Permissions.EMBED_LINKS
    | Permissions.ATTACH_FILES
    | Permissions.USE_EXTERNAL_EMOJIS
    | Permissions.USE_APPLICATION_COMMANDS
)


@dataclass(eq=False)
class Application:
    id: int
    name: str
    owner: User
    #: Privileged intents switched on in the "developer portal". Identifying with one that is not
    #: enabled closes the gateway with 4014, like Discord.
    privileged_intents: Intents = Intents.GUILD_MEMBERS | Intents.GUILD_PRESENCES | Intents.MESSAGE_CONTENT
    #: Registered application commands: ``None`` key for global commands, else the guild id.
    commands: dict[int | None, list[dict[str, Any]]] = field(default_factory=dict)


class State:
    def __init__(self, *, bot_name: str = "Quid Pro No", token: str | None = None) -> None:
        self.ids = SnowflakeGenerator()
        self.users: dict[int, User] = {}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.messages: dict[int, Message] = {}
        self.bot = self.add_user(bot_name, bot=True)
        owner = self.add_user("app-owner")
        self.application = Application(id=self.bot.id, name=bot_name, owner=owner)
        self.token = token or self._make_token(self.bot.id)

    @staticmethod
    def _make_token(bot_id: int) -> str:
        import base64

        head = base64.urlsafe_b64encode(str(bot_id).encode()).decode().rstrip("=")
        return f"{head}.{secrets.token_urlsafe(4)}.{secrets.token_urlsafe(27)}"

    # ---- building -------------------------------------------------------------------------------

    def add_user(self, name: str, *, bot: bool = False, global_name: str | None = None) -> User:
        user = User(id=self.ids.next(), username=name, global_name=global_name, bot=bot)
        self.users[user.id] = user
        return user

    def add_guild(self, name: str, *, owner: User | None = None, guild_id: int | None = None) -> Guild:
        guild = Guild(id=guild_id or self.ids.next(), name=name)
        guild.roles[guild.id] = Role(
            id=guild.id, guild=guild, name="@everyone", permissions=DEFAULT_EVERYONE_PERMISSIONS
        )
        owner = owner or self.add_user(f"{name.lower().replace(' ', '-')}-owner")
        guild.owner_id = owner.id
        self.guilds[guild.id] = guild
        self.add_member(guild, owner)
        self.add_member(guild, self.bot)
        return guild

    def add_role(
        self,
        guild: Guild,
        name: str,
        *,
        permissions: Permissions | int = 0,
        color: int = 0,
        hoist: bool = False,
        mentionable: bool = False,
        managed: bool = False,
    ) -> Role:
        role = Role(
            id=self.ids.next(),
            guild=guild,
            name=name,
            permissions=Permissions(int(permissions)),
            position=len(guild.roles),
            color=color,
            hoist=hoist,
            mentionable=mentionable,
            managed=managed,
        )
        guild.roles[role.id] = role
        return role

    def add_member(
        self,
        guild: Guild,
        user: User,
        *,
        roles: list[Role] | None = None,
        nick: str | None = None,
        joined_at: dt.datetime | None = None,
    ) -> Member:
        member = Member(
            user=user,
            guild=guild,
            roles=list(roles or []),
            nick=nick,
            joined_at=joined_at or dt.datetime.now(dt.UTC),
        )
        guild.members[user.id] = member
        return member

    def add_channel(
        self,
        guild: Guild,
        name: str,
        kind: ChannelType = ChannelType.GUILD_TEXT,
        *,
        topic: str | None = None,
        parent: Channel | None = None,
    ) -> Channel:
        channel = Channel(
            id=self.ids.next(),
            name=name,
            kind=kind,
            guild=guild,
            position=len(guild.channels),
            topic=topic,
            parent=parent,
        )
        guild.channels[channel.id] = channel
        self.channels[channel.id] = channel
        return channel

    def add_emoji(self, guild: Guild, name: str, *, animated: bool = False) -> Emoji:
        emoji = Emoji(name=name, id=self.ids.next(), animated=animated)
        guild.emojis.append(emoji)
        return emoji

    def dm_channel(self, user: User) -> Channel:
        """The bot's DM channel with ``user`` (created on first use, like Discord)."""
        for channel in self.channels.values():
            if channel.kind is ChannelType.DM and channel.recipient is user:
                return channel
        channel = Channel(id=self.ids.next(), name="", kind=ChannelType.DM, recipient=user)
        self.channels[channel.id] = channel
        return channel

    # ---- messages -------------------------------------------------------------------------------

    def store_message(self, message: Message) -> Message:
        """Insert keeping the channel's list ordered by id (explicit timestamps may arrive out of order)."""
        messages = message.channel.messages
        if not messages or messages[-1].id < message.id:
            messages.append(message)
        else:
            index = next(i for i, m in enumerate(messages) if m.id > message.id)
            messages.insert(index, message)
        self.messages[message.id] = message
        return message

    def parse_mentions(
        self,
        channel: Channel,
        content: str,
        allowed: dict[str, Any] | None,
        replied_to: Message | None,
    ) -> tuple[list[User], list[Role], bool]:
        """Who a message pings, honouring ``allowed_mentions`` like Discord.

        Without ``allowed_mentions`` everything in the content pings and a reply pings its author.
        """
        parse = {"users", "roles", "everyone"} if allowed is None else set(allowed.get("parse", []))
        allowed_users = {int(u) for u in (allowed or {}).get("users", [])}
        allowed_roles = {int(r) for r in (allowed or {}).get("roles", [])}
        users: list[User] = []
        for match in _USER_MENTION.finditer(content):
            user = self.users.get(int(match.group(1)))
            if user is None or user in users:
                continue
            if "users" in parse or user.id in allowed_users:
                users.append(user)
        roles: list[Role] = []
        if channel.guild is not None:
            for match in _ROLE_MENTION.finditer(content):
                role = channel.guild.roles.get(int(match.group(1)))
                if role is None or role in roles:
                    continue
                if "roles" in parse or role.id in allowed_roles:
                    roles.append(role)
        everyone = ("@everyone" in content or "@here" in content) and "everyone" in parse
        replied_user = True if allowed is None else bool(allowed.get("replied_user", False))
        if replied_to is not None and replied_user and replied_to.author not in users:
            users.append(replied_to.author)
        return users, roles, everyone

    # ---- permissions ----------------------------------------------------------------------------

    def permissions_for(self, user: User, channel: Channel) -> Permissions:
        if channel.guild is None:
            return DM_PERMISSIONS if channel.recipient is user or user is self.bot else Permissions(0)
        member = channel.guild.member(user)
        if member is None or (not channel.guild.joined and user is self.bot):
            return Permissions(0)
        return member.permissions_in(channel)

    def bot_permissions(self, channel: Channel) -> Permissions:
        return self.permissions_for(self.bot, channel)

    def mutual_guild(self, user: User) -> bool:
        return any(g.joined and user.id in g.members for g in self.guilds.values())

    def visible_guilds(self) -> list[Guild]:
        """Guilds the bot is in."""
        return [g for g in self.guilds.values() if g.joined and self.bot.id in g.members]

"""Model -> Discord API v10 JSON. Snowflakes are strings, like Discord's."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ._snowflake import snowflake_time
from .constants import ChannelType, MessageType
from .models import Attachment, Channel, Emoji, Guild, Member, Message, Reaction, Role, User

JSON = dict[str, Any]


def iso(when: dt.datetime | None) -> str | None:
    if when is None:
        return None
    return when.astimezone(dt.UTC).isoformat(timespec="microseconds")


def user(u: User) -> JSON:
    data: JSON = {
        "id": str(u.id),
        "username": u.username,
        "discriminator": "0",
        "global_name": u.global_name,
        "avatar": None,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
    }
    if u.bot:
        data["bot"] = True
    return data


def current_user(u: User) -> JSON:
    """``GET /users/@me`` adds account fields."""
    return {**user(u), "verified": True, "mfa_enabled": False, "locale": "en-US", "email": None}


def role(r: Role) -> JSON:
    data: JSON = {
        "id": str(r.id),
        "name": r.name,
        "color": r.color,
        "colors": {"primary_color": r.color, "secondary_color": None, "tertiary_color": None},
        "hoist": r.hoist,
        "icon": None,
        "unicode_emoji": None,
        "position": r.position,
        "permissions": str(int(r.permissions)),
        "managed": r.managed,
        "mentionable": r.mentionable,
        "flags": 0,
    }
    return data


def member(m: Member, *, with_user: bool = True, permissions: int | None = None) -> JSON:
    data: JSON = {
        "nick": m.nick,
        "avatar": None,
        "banner": None,
        "roles": [str(r.id) for r in m.roles],
        "joined_at": iso(m.joined_at),
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
    }
    if with_user:
        data["user"] = user(m.user)
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def emoji(e: Emoji) -> JSON:
    data: JSON = {"id": None if e.id is None else str(e.id), "name": e.name}
    if e.id is not None:
        data["animated"] = e.animated
    return data


def guild_emoji(e: Emoji) -> JSON:
    return {**emoji(e), "roles": [], "require_colons": True, "managed": False, "available": True}


def channel(c: Channel) -> JSON:
    if c.kind is ChannelType.DM:
        assert c.recipient is not None
        return {
            "id": str(c.id),
            "type": int(c.kind),
            "last_message_id": _opt_id(c.last_message_id),
            "recipients": [user(c.recipient)],
            "flags": 0,
        }
    assert c.guild is not None
    data: JSON = {
        "id": str(c.id),
        "type": int(c.kind),
        "guild_id": str(c.guild.id),
        "name": c.name,
        "position": c.position,
        "permission_overwrites": [
            {"id": str(o.id), "type": o.type, "allow": str(int(o.allow)), "deny": str(int(o.deny))}
            for o in c.overwrites
        ],
        "parent_id": None if c.parent is None else str(c.parent.id),
        "flags": 0,
        "nsfw": False,
    }
    if c.kind is ChannelType.PUBLIC_THREAD:
        assert c.parent is not None
        data |= {
            "owner_id": _opt_id(c.owner_id),
            "last_message_id": _opt_id(c.last_message_id),
            "rate_limit_per_user": 0,
            "member_count": 1,
            "message_count": len(c.messages),
            "thread_metadata": {"archived": False, "auto_archive_duration": 60, "locked": False,
                                "archive_timestamp": snowflake_time(c.id).isoformat()},
        }
    if c.kind in (ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT):
        data |= {
            "topic": c.topic,
            "last_message_id": _opt_id(c.last_message_id),
            "rate_limit_per_user": 0,
            "default_thread_rate_limit_per_user": 0,
            "last_pin_timestamp": None,
        }
    elif c.kind is ChannelType.GUILD_VOICE:
        data |= {
            "bitrate": 64000,
            "user_limit": 0,
            "rtc_region": None,
            "last_message_id": _opt_id(c.last_message_id),
            "rate_limit_per_user": 0,
        }
    return data


def guild(g: Guild) -> JSON:
    """The guild object of ``GET /guilds/{id}`` (no members or channels)."""
    text_channels = [c for c in g.channels.values() if c.kind is ChannelType.GUILD_TEXT]
    return {
        "id": str(g.id),
        "name": g.name,
        "icon": None,
        "icon_hash": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(g.owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "widget_enabled": False,
        "verification_level": 0,
        "default_message_notifications": 1,
        "explicit_content_filter": 0,
        "roles": [role(r) for r in g.roles.values()],
        "emojis": [guild_emoji(e) for e in g.emojis],
        "stickers": [],
        "features": [],
        "mfa_level": 0,
        "application_id": None,
        "system_channel_id": str(text_channels[0].id) if text_channels else None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "max_presences": None,
        "max_members": 500000,
        "vanity_url_code": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "nsfw_level": 0,
        "nsfw": False,
        "premium_progress_bar_enabled": False,
        "region": "deprecated",
    }


def guild_create(g: Guild, *, members: list[Member], large: bool, joined_at: dt.datetime | None, joining: bool) -> JSON:
    """The GUILD_CREATE dispatch: the guild plus channels, the given members and counts.

    After READY, Discord marks lazily loaded guilds ``unavailable: false``; a guild the bot has just
    joined has no ``unavailable`` key (discord.py tells ``on_guild_join`` from ``on_guild_available``
    by that).
    """
    data = guild(g) | {
        "joined_at": iso(joined_at),
        "large": large,
        "lazy": True,
        "member_count": len(g.members),
        "members": [member(m) for m in members],
        "channels": [channel(c) for c in g.channels.values()],
        "threads": [],
        "presences": [],
        "voice_states": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "embedded_activities": [],
        "application_command_counts": {},
    }
    if not joining:
        data["unavailable"] = False
    return data


def attachment(a: Attachment) -> JSON:
    data: JSON = {
        "id": str(a.id),
        "filename": a.filename,
        "size": a.size,
        "url": a.url,
        "proxy_url": a.url,
        "flags": 0,
    }
    if a.content_type is not None:
        data["content_type"] = a.content_type
    if a.description is not None:
        data["description"] = a.description
    return data


def message(
    m: Message,
    *,
    viewer: User,
    with_content: bool,
    gateway: bool = False,
    depth: int = 0,
) -> JSON:
    """A message as ``viewer`` (the bot) receives it.

    ``with_content=False`` blanks what the message-content intent guards (content, embeds,
    attachments, components). ``gateway=True`` adds ``guild_id`` and the ``member`` fields that
    MESSAGE_CREATE/UPDATE carry.
    """
    g = m.guild
    data: JSON = {
        "id": str(m.id),
        "channel_id": str(m.channel.id),
        "type": int(m.type),
        "content": m.content if with_content else "",
        "author": user(m.author),
        "timestamp": iso(m.timestamp),
        "edited_timestamp": iso(m.edited_at),
        "tts": m.tts,
        "mention_everyone": m.mention_everyone,
        "mentions": [_mention(u, g, gateway) for u in m.mentions],
        "mention_roles": [str(r.id) for r in m.mention_roles],
        "attachments": [attachment(a) for a in m.attachments] if with_content else [],
        "embeds": list(m.embeds) if with_content else [],
        "components": list(m.components) if with_content else [],
        "pinned": m.pinned,
        "flags": int(m.flags),
    }
    if m.reactions:
        data["reactions"] = [_reaction(r, viewer) for r in m.reactions]
    if m.nonce is not None:
        data["nonce"] = m.nonce
    if m.webhook_id is not None:
        data["webhook_id"] = str(m.webhook_id)
    if m.application_id is not None:
        data["application_id"] = str(m.application_id)
    if m.interaction is not None:
        data |= _interaction_fields(m, g)
    if m.referenced is not None:
        data |= _reference_fields(m, m.referenced, viewer=viewer, with_content=with_content, depth=depth)
    if gateway and g is not None:
        data["guild_id"] = str(g.id)
        author_member = g.member(m.author)
        if author_member is not None and m.webhook_id is None:
            data["member"] = member(author_member, with_user=False)
    return data


def _interaction_fields(m: Message, g: Guild | None) -> JSON:
    meta = m.interaction
    assert meta is not None
    data: JSON = {
        "interaction_metadata": {
            "id": str(meta.id),
            "type": meta.type,
            "user": user(meta.user),
            "authorizing_integration_owners": {"0": str(g.id)} if g else {"1": str(meta.user.id)},
        }
    }
    if meta.name is not None:
        data["interaction_metadata"]["name"] = meta.name
        data["interaction"] = {"id": str(meta.id), "type": meta.type, "name": meta.name, "user": user(meta.user)}
    return data


def _reference_fields(m: Message, ref: Message, *, viewer: User, with_content: bool, depth: int) -> JSON:
    reference: JSON = {"type": 0, "message_id": str(ref.id), "channel_id": str(ref.channel.id)}
    if ref.guild is not None:
        reference["guild_id"] = str(ref.guild.id)
    data: JSON = {"message_reference": reference}
    if m.type is MessageType.REPLY:
        if ref.deleted:
            data["referenced_message"] = None
        elif depth == 0:
            data["referenced_message"] = message(ref, viewer=viewer, with_content=with_content, depth=depth + 1)
    return data


def _mention(u: User, g: Guild | None, gateway: bool) -> JSON:
    data = user(u)
    if gateway and g is not None:
        mentioned = g.member(u)
        if mentioned is not None:
            data["member"] = member(mentioned, with_user=False)
    return data


def _reaction(r: Reaction, viewer: User) -> JSON:
    return {
        "count": r.count,
        "count_details": {"burst": 0, "normal": r.count},
        "me": viewer in r.users,
        "me_burst": False,
        "burst_me": False,
        "burst_count": 0,
        "burst_colors": [],
        "emoji": emoji(r.emoji),
    }


def _opt_id(value: int | None) -> str | None:
    return None if value is None else str(value)


def error(code: int, message: str, errors: JSON | None = None) -> JSON:
    data: JSON = {"message": message, "code": code}
    if errors is not None:
        data["errors"] = errors
    return data


def form_error(path: list[str | int], code: str, message: str) -> JSON:
    """An ``Invalid Form Body`` (50035) body with one error at ``path``, e.g. ``["content"]``."""
    errors: JSON = {"_errors": [{"code": code, "message": message}]}
    for key in reversed(path):
        errors = {str(key): errors}
    return error(50035, "Invalid Form Body", errors)

"""Interactions the stand-in creates (a user clicks, runs a slash command, types in an autocomplete)
and what the bot answers: the callback, edits of the original response, followups."""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import _payloads as p
from .constants import CallbackType, ChannelType, InteractionType, MessageFlags, OptionType
from .models import Attachment, Channel, Member, Message, Role, User
from .state import State

JSON = dict[str, Any]

#: Discord lets an app answer an interaction within 3 s and use its token for 15 minutes.
RESPONSE_DEADLINE = 3.0
TOKEN_LIFETIME = 15 * 60.0
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024


class CommandNotRegistered(LookupError):
    """The bot never registered (synced) the command, so no Discord user could run it."""


class InvalidInvocation(ValueError):
    """The options don't fit the registered command, so the Discord client would not send them."""


@dataclass(eq=False)
class InteractionResponse:
    """The bot's callback (``POST /interactions/{id}/{token}/callback``)."""

    type: CallbackType
    data: JSON
    #: The message the callback created or updated (None for defers without a message, autocomplete...).
    message: Message | None = None

    @property
    def content(self) -> str | None:
        return self.data.get("content")

    @property
    def flags(self) -> int:
        return int(self.data.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & MessageFlags.EPHEMERAL)

    @property
    def components(self) -> list[JSON]:
        return list(self.data.get("components") or [])

    @property
    def embeds(self) -> list[JSON]:
        return list(self.data.get("embeds") or [])

    @property
    def attachments(self) -> list[Attachment]:
        return list(self.message.attachments) if self.message is not None else []

    @property
    def choices(self) -> list[JSON]:
        """Autocomplete choices (callback type 8)."""
        return list(self.data.get("choices") or [])


@dataclass(eq=False)
class InteractionHandle:
    """An interaction the stand-in sent to the bot. Await what the bot does with it."""

    id: int
    token: str
    type: InteractionType
    user: User
    channel: Channel
    payload: JSON
    created_at: float
    #: For component interactions: the message whose component was used.
    source_message: Message | None = None
    response: InteractionResponse | None = None
    #: The message standing for the original response (for message responses and defers).
    original: Message | None = None
    #: Bodies of ``PATCH .../messages/@original``, in order.
    edits: list[JSON] = field(default_factory=list)
    #: Messages created by ``POST /webhooks/{app}/{token}``, in order.
    followups: list[Message] = field(default_factory=list)
    original_deleted: bool = False
    _responded: asyncio.Event = field(default_factory=asyncio.Event)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    @property
    def guild_id(self) -> int | None:
        return self.channel.guild.id if self.channel.guild else None

    async def wait_response(self, timeout: float = 5.0) -> InteractionResponse:
        """The callback, once the bot sent it. Raises ``TimeoutError`` if it never does (on Discord
        the user would see "This interaction failed")."""
        try:
            await asyncio.wait_for(self._responded.wait(), timeout)
        except TimeoutError:
            raise TimeoutError(f"the bot did not answer interaction {self.id} within {timeout}s") from None
        assert self.response is not None
        return self.response

    async def wait_followup(self, count: int = 1, timeout: float = 5.0) -> Message:
        """The ``count``-th followup message (1-based)."""
        await self._wait(lambda: len(self.followups) >= count, timeout, f"{count} followup(s)")
        return self.followups[count - 1]

    async def wait_edit(self, count: int = 1, timeout: float = 5.0) -> JSON:
        """The ``count``-th edit of the original response (the PATCH body)."""
        await self._wait(lambda: len(self.edits) >= count, timeout, f"{count} edit(s) of @original")
        return self.edits[count - 1]

    async def wait_content(self, predicate: Callable[[str], bool], timeout: float = 5.0) -> str:
        """What the user sees as the original response, once it satisfies ``predicate`` (after edits)."""
        await self._wait(lambda: predicate(self.final_content() or ""), timeout, "matching content")
        return self.final_content() or ""

    async def _wait(self, ready: Any, timeout: float, what: str) -> None:
        try:
            async with asyncio.timeout(timeout):
                async with self._changed:
                    await self._changed.wait_for(ready)
        except TimeoutError:
            raise TimeoutError(f"interaction {self.id}: no {what} within {timeout}s") from None

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def final_content(self) -> str | None:
        """What the user sees now as the original response (after edits)."""
        return self.original.content if self.original is not None else None


def new_token() -> str:
    return "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48)


# ---- application command registry -----------------------------------------------------------------

_NAME = re.compile(r"^[-_\w]{1,32}$")


def validate_commands(commands: list[JSON]) -> JSON | None:
    """Discord's main checks on a bulk overwrite; returns an Invalid Form Body error or None."""
    names: set[tuple[int, str]] = set()
    for index, command in enumerate(commands):
        kind = int(command.get("type", 1))
        name = command.get("name")
        if not isinstance(name, str) or not _NAME.match(name) or (kind == 1 and name != name.lower()):
            return p.form_error([index, "name"], "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        if (kind, name) in names:
            return p.form_error([index, "name"], "APPLICATION_COMMANDS_DUPLICATE_NAME", "Duplicate name")
        names.add((kind, name))
        if kind == 1:
            description = command.get("description") or ""
            if not 1 <= len(description) <= 100:
                return p.form_error(
                    [index, "description"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
                )
            error = _validate_options(command.get("options") or [], [index, "options"])
            if error is not None:
                return error
    return None


def _validate_options(options: list[JSON], path: list[str | int]) -> JSON | None:
    if len(options) > 25:
        return p.form_error(path, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    seen_optional = False
    for index, option in enumerate(options):
        where = [*path, index]
        error = _validate_option(option, where)
        if error is None and option.get("type") in (OptionType.SUB_COMMAND, OptionType.SUB_COMMAND_GROUP):
            error = _validate_options(option.get("options") or [], [*where, "options"])
        elif error is None and option.get("required") and seen_optional:
            error = p.form_error(
                [*where, "required"],
                "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                "Required options must be placed before non-required options",
            )
        if error is not None:
            return error
        seen_optional = seen_optional or not option.get("required")
    return None


def _validate_option(option: JSON, where: list[str | int]) -> JSON | None:
    name = option.get("name")
    if not isinstance(name, str) or not _NAME.match(name) or name != name.lower():
        return p.form_error([*where, "name"], "APPLICATION_COMMAND_INVALID_NAME", "Invalid name")
    if not 1 <= len(option.get("description") or "") <= 100:
        return p.form_error([*where, "description"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
    if len(option.get("choices") or []) > 25:
        return p.form_error([*where, "choices"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer.")
    return None


def store_commands(state: State, guild_id: int | None, commands: list[JSON], *, replace: bool = True) -> list[JSON]:
    """Register commands like Discord: ids are kept for unchanged (type, name); returns what Discord
    answers (the stored objects)."""
    app = state.application
    existing = {(int(c.get("type", 1)), c["name"]): c for c in app.commands.get(guild_id, [])}
    stored: list[JSON] = []
    for command in commands:
        kind = int(command.get("type", 1))
        previous = existing.get((kind, command["name"]))
        entry = _normalise_command(command, kind)
        entry |= {
            "id": previous["id"] if previous else str(state.ids.next()),
            "application_id": str(app.id),
            "version": str(state.ids.next()),
        }
        if guild_id is not None:
            entry["guild_id"] = str(guild_id)
        stored.append(entry)
    if replace:
        app.commands[guild_id] = stored
    else:
        keep = [c for c in app.commands.get(guild_id, []) if all(c["name"] != s["name"] for s in stored)]
        app.commands[guild_id] = keep + stored
    return stored


def _normalise_command(command: JSON, kind: int) -> JSON:
    entry: JSON = {
        "type": kind,
        "name": command["name"],
        "description": command.get("description", "") if kind == 1 else "",
        "default_member_permissions": command.get("default_member_permissions"),
        "dm_permission": command.get("dm_permission", True),
        "nsfw": command.get("nsfw", False),
        "contexts": command.get("contexts"),
        "integration_types": command.get("integration_types") or [0],
        "name_localizations": command.get("name_localizations"),
        "description_localizations": command.get("description_localizations"),
    }
    if command.get("options"):
        entry["options"] = command["options"]
    return entry


def find_command(state: State, channel: Channel, name: str, kind: int = 1) -> JSON:
    guild_id = channel.guild.id if channel.guild else None
    candidates = [
        *(state.application.commands.get(guild_id, []) if guild_id else []),
        *state.application.commands.get(None, []),
    ]
    for command in candidates:
        if command["name"] == name and int(command.get("type", 1)) == kind:
            return command
    registered = sorted({c["name"] for c in candidates})
    raise CommandNotRegistered(f"no command {name!r} registered for this channel; registered: {registered}")


# ---- building interaction payloads -------------------------------------------------------------------


@dataclass
class _Resolved:
    users: dict[str, JSON] = field(default_factory=dict)
    members: dict[str, JSON] = field(default_factory=dict)
    roles: dict[str, JSON] = field(default_factory=dict)
    channels: dict[str, JSON] = field(default_factory=dict)

    def to_json(self) -> JSON:
        data = {k: v for k, v in vars(self).items() if v}
        return data


def command_data(
    state: State,
    channel: Channel,
    path: Sequence[str],
    options: Mapping[str, Any],
    *,
    focused: str | None = None,
) -> JSON:
    """The ``data`` of an APPLICATION_COMMAND (or autocomplete) interaction, checked against the
    registered command like the Discord client would."""
    if not path:
        raise InvalidInvocation("empty command path")
    command = find_command(state, channel, path[0])
    level_options: list[JSON] = command.get("options") or []
    sent: list[JSON] = []
    data: JSON = {"id": command["id"], "name": command["name"], "type": 1, "options": sent}
    if "guild_id" in command:
        data["guild_id"] = command["guild_id"]
    for part in path[1:]:
        sub = next(
            (
                o
                for o in level_options
                if o["name"] == part and o.get("type") in (OptionType.SUB_COMMAND, OptionType.SUB_COMMAND_GROUP)
            ),
            None,
        )
        if sub is None:
            raise InvalidInvocation(f"{' '.join(path)!r}: no subcommand {part!r}")
        inner: list[JSON] = []
        sent.append({"name": part, "type": sub["type"], "options": inner})
        sent = inner
        level_options = sub.get("options") or []
    if any(o.get("type") in (OptionType.SUB_COMMAND, OptionType.SUB_COMMAND_GROUP) for o in level_options):
        raise InvalidInvocation(f"{' '.join(path)!r} is a group: name a subcommand")
    resolved = _Resolved()
    known = {o["name"]: o for o in level_options}
    for name in options:
        if name not in known:
            raise InvalidInvocation(f"{' '.join(path)!r} has no option {name!r}; it has {sorted(known)}")
    for spec in level_options:
        name = spec["name"]
        if name not in options:
            if spec.get("required") and focused is None:
                raise InvalidInvocation(f"{' '.join(path)!r}: required option {name!r} missing")
            continue
        option = _option(state, channel, spec, options[name], resolved, focused=name == focused)
        sent.append(option)
    resolved_json = resolved.to_json()
    if resolved_json:
        data["resolved"] = resolved_json
    return data


def _option(state: State, channel: Channel, spec: JSON, value: Any, resolved: _Resolved, *, focused: bool) -> JSON:
    kind = OptionType(spec["type"])
    option: JSON = {"name": spec["name"], "type": int(kind)}
    if focused:
        return option | {"focused": True, "value": str(value)}
    converted = _scalar(kind, value) if kind in _SCALARS else _resolve(state, channel, kind, value, resolved)
    if converted is None:
        raise InvalidInvocation(f"option {spec['name']!r} ({kind.name}) cannot take {value!r}")
    choices = spec.get("choices")
    if choices and converted not in [c["value"] for c in choices]:
        raise InvalidInvocation(f"option {spec['name']!r}: {value!r} is not one of the choices")
    return option | {"value": converted}


_SCALARS = {OptionType.STRING, OptionType.INTEGER, OptionType.NUMBER, OptionType.BOOLEAN}


def _scalar(kind: OptionType, value: Any) -> str | int | float | bool | None:
    if kind is OptionType.STRING:
        return value if isinstance(value, str) else None
    if kind is OptionType.INTEGER:
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    if kind is OptionType.NUMBER:
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
    return value if isinstance(value, bool) else None


def _resolve(state: State, channel: Channel, kind: OptionType, value: Any, resolved: _Resolved) -> str | None:
    """A snowflake option's value, recording the object in ``resolved`` as Discord does."""
    if kind in (OptionType.USER, OptionType.MENTIONABLE) and isinstance(value, User | Member):
        user = value.user if isinstance(value, Member) else value
        resolved.users[str(user.id)] = p.user(user)
        member = channel.guild.member(user) if channel.guild is not None else None
        if member is not None:
            resolved.members[str(user.id)] = p.member(
                member, with_user=False, permissions=int(member.permissions_in(channel))
            )
        return str(user.id)
    if kind in (OptionType.ROLE, OptionType.MENTIONABLE) and isinstance(value, Role):
        resolved.roles[str(value.id)] = p.role(value)
        return str(value.id)
    if kind is OptionType.CHANNEL and isinstance(value, Channel):
        resolved.channels[str(value.id)] = {
            "id": str(value.id),
            "name": value.name,
            "type": int(value.kind),
            "permissions": str(int(state.bot_permissions(value))),
            "parent_id": str(value.parent.id) if value.parent else None,
            "flags": 0,
        }
        return str(value.id)
    return None


def interaction_payload(
    state: State,
    *,
    interaction_id: int,
    token: str,
    kind: InteractionType,
    user: User,
    channel: Channel,
    data: JSON,
    message: JSON | None = None,
) -> JSON:
    """An INTERACTION_CREATE payload, as Discord sends it to a bot in a guild or a DM."""
    guild = channel.guild
    payload: JSON = {
        "id": str(interaction_id),
        "application_id": str(state.application.id),
        "type": int(kind),
        "data": data,
        "channel_id": str(channel.id),
        "token": token,
        "version": 1,
        "locale": "en-US",
        "entitlements": [],
        "entitlement_sku_ids": [],
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        "app_permissions": str(int(state.bot_permissions(channel))),
    }
    if guild is not None:
        member = guild.member(user)
        if member is None:
            raise InvalidInvocation(f"{user!r} is not a member of {guild!r}")
        payload |= {
            "guild_id": str(guild.id),
            "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
            "guild_locale": "en-US",
            "member": p.member(member, permissions=int(member.permissions_in(channel))),
            "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
            "channel": p.channel(channel) | {"permissions": str(int(member.permissions_in(channel)))},
        }
    else:
        payload |= {
            "user": p.user(user),
            "authorizing_integration_owners": {"0": "0"},
            "context": 1,
            "channel": {
                "id": str(channel.id),
                "type": int(ChannelType.DM),
                "recipients": [p.user(user)],
                "flags": 0,
                "last_message_id": None,
            },
        }
    if message is not None:
        payload["message"] = message
    return payload


__all__ = [
    "ATTACHMENT_SIZE_LIMIT",
    "RESPONSE_DEADLINE",
    "TOKEN_LIFETIME",
    "CallbackType",
    "CommandNotRegistered",
    "InteractionHandle",
    "InteractionResponse",
    "InvalidInvocation",
]

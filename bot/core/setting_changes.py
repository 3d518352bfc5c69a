"""A moderator's proposed setting changes, typed and validated exactly like config.yaml. Pure.

`/quidpro policy set|reset|simulate` and the dashboard's policy form both go through here: the same keys,
the same parsing of typed text, the same rules (a server may turn privileged listening off, never on; the
audit channel must be its own), the same validation as the file, and one audit entry format (`audited`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.core.model import AuditAction
from bot.core.setting_keys import (
    SettingKeyError,
    check_key,
    current_value,
    parse_value,
    shown,
    with_key,
    without_key,
)
from bot.core.settings import Settings

# The guild's settings with these overrides, validated exactly like config.yaml (config.with_overrides); a
# value that does not fit raises SettingKeyError phrased for the moderator.
Validate = Callable[[Mapping[str, Any]], Settings]


@dataclass(frozen=True, slots=True)
class Change:
    key: str
    old: str  # as a moderator would type it
    new: str
    reset: bool = False  # back to config.yaml, rather than a value of the server's own

    def as_dict(self) -> dict[str, object]:
        return {"key": self.key, "old": self.old, "new": self.new, **({"reset": True} if self.reset else {})}


@dataclass(frozen=True, slots=True)
class Proposal:
    overrides: dict[str, Any]  # the guild's overrides once applied
    settings: Settings  # the guild's settings once applied
    changes: tuple[Change, ...]
    errors: dict[str, str] = field(default_factory=dict)  # key -> what is wrong, for the moderator

    @property
    def policy_changed(self) -> bool:
        return any(change.key.startswith("policy.") for change in self.changes)


VIA_DISCORD = "discord"  # a slash command
VIA_WEB = "web"  # the dashboard


def audited(changes: tuple[Change, ...], via: str) -> tuple[AuditAction, dict[str, Any]]:
    """The audit entry of applied changes, wherever they were made: a reset when every change is one."""
    action = AuditAction.POLICY_RESET if all(change.reset for change in changes) else AuditAction.POLICY_SET
    return action, {"changes": [change.as_dict() for change in changes], "via": via}


def typed_value(base: Settings, key: str, raw: str, channel_in_guild: Callable[[int], bool]) -> Any:
    """The value `raw` means for `key`, or SettingKeyError saying why it cannot be used."""
    key = check_key(base, key)
    typed = parse_value(base, key, raw)
    if key == "listen.member_mentions" and typed is True and not base.listen.member_mentions:
        raise SettingKeyError("`listen.member_mentions` needs a privileged intent that this bot's config.yaml does"
                              " not enable; a server can turn it off, not on.")
    if key == "audit.channel_id" and typed is not None:
        text = raw.strip().removeprefix("<#").removesuffix(">")
        # Never across guilds: audit entries may only go to a channel of this very server.
        if not text.isdigit() or not channel_in_guild(int(text)):
            raise SettingKeyError(f"`{raw.strip()}` is not a channel of this server: give a channel id or #mention.")
        typed = int(text)
    return typed


def propose(base: Settings, overrides: Mapping[str, Any], edits: Mapping[str, str], resets: set[str], *,
            channel_in_guild: Callable[[int], bool], validate: Validate) -> Proposal:
    """`edits` (key -> typed text) and `resets` (keys back to config.yaml) on top of the stored overrides."""
    current = validate(overrides)
    proposed, errors = dict(overrides), {}
    for key in sorted(resets):
        proposed = without_key(proposed, key)
    for key, raw in sorted(edits.items()):
        if key in resets or raw.strip() == shown(_value(current, key)):
            continue
        try:
            candidate = with_key(proposed, key, typed_value(base, key, raw, channel_in_guild))
            validate(candidate)
            proposed = candidate
        except SettingKeyError as error:
            errors[key] = str(error)
    settings = validate(proposed) if not errors else current
    changes = tuple(Change(key, shown(_value(current, key)), shown(_value(settings, key)), key in resets)
                    for key in sorted(set(edits) | resets) if key not in errors
                    and shown(_value(current, key)) != shown(_value(settings, key)))
    return Proposal(proposed, settings, changes, errors)


def _value(settings: Settings, key: str) -> Any:
    try:
        return current_value(settings, key)
    except KeyError:
        return None


def current_value_of(overrides: Mapping[str, Any], key: str) -> Any:
    node: Any = overrides
    for part in key.split("."):
        node = node[part]
    return node

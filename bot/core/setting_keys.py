"""Dotted setting keys ("policy.weights.reply") over the nested overrides a guild stores. No discord here."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

import yaml

from bot.core.settings import Settings

# What a server may change for itself. The rest (ingest, discord, logging, health) is the whole bot's:
# one batcher, one gateway connection, one log, one heartbeat serve every server.
GUILD_SECTIONS = ("policy", "detection", "replies", "listen", "scope", "audit", "connections", "privacy", "backfill")


class SettingKeyError(ValueError):
    """A key or value a moderator typed that cannot be used, phrased for them."""


# Whole-bot settings inside those sections: resuming backfills happens at start-up, for every server.
BOT_WIDE_KEYS = frozenset({"backfill.resume_on_start"})


def setting_keys(settings: Settings) -> list[str]:
    """Every key a server may set, as dotted paths to leaves (lists and texts are leaves)."""
    dump = settings.model_dump(mode="python")
    return sorted(key for section in GUILD_SECTIONS for key in _leaves(section, dump[section])
                  if key not in BOT_WIDE_KEYS)


def _leaves(prefix: str, value: Any) -> Iterator[str]:
    if isinstance(value, Mapping):
        for name, inner in value.items():
            yield from _leaves(f"{prefix}.{name}", inner)
    else:
        yield prefix


def current_value(settings: Settings, key: str) -> Any:
    node: Any = settings.model_dump(mode="python")
    for part in key.split("."):
        node = node[part]
    return node


def check_key(settings: Settings, key: str) -> str:
    key = key.strip()
    if key not in setting_keys(settings):
        section = key.split(".", 1)[0]
        if section in settings.model_dump() and section not in GUILD_SECTIONS:
            raise SettingKeyError(f"`{section}` settings apply to the whole bot and are set in its config.yaml,"
                            " not per server.")
        raise SettingKeyError(f"There is no setting `{key}`. Start typing the key to see the ones there are.")
    return key


def parse_value(settings: Settings, key: str, raw: str) -> Any:
    """The typed value: texts stay as typed, everything else is read as YAML ("4.5", "[123, 456]", "true")."""
    current = current_value(settings, key)
    raw = raw.strip()
    if isinstance(current, str):
        return raw
    try:
        return yaml.safe_load(raw)
    except yaml.YAMLError:
        raise SettingKeyError(f"I couldn't read `{raw}` as a value for `{key}`: write a number, true/false,"
                        " a list like [123, 456], or null.") from None


def with_key(overrides: Mapping[str, Any], key: str, value: Any) -> dict[str, Any]:
    result = copy.deepcopy(dict(overrides))
    node = result
    *parents, leaf = key.split(".")
    for part in parents:
        child = node.get(part)
        node[part] = child = dict(child) if isinstance(child, Mapping) else {}
        node = child
    node[leaf] = value
    return result


def without_key(overrides: Mapping[str, Any], key: str) -> dict[str, Any]:
    """The overrides with `key` removed, and any section left empty by that removed too."""
    result = copy.deepcopy(dict(overrides))
    trail = [result]
    *parents, leaf = key.split(".")
    for part in parents:
        child = trail[-1].get(part)
        if not isinstance(child, dict):
            return result
        trail.append(child)
    trail[-1].pop(leaf, None)
    for depth in range(len(parents), 0, -1):
        if not trail[depth]:
            del trail[depth - 1][parents[depth - 1]]
    return result


def overridden_keys(overrides: Mapping[str, Any]) -> list[str]:
    return sorted(_leaves_of(overrides, ""))


def _leaves_of(node: Mapping[str, Any], prefix: str) -> Iterator[str]:
    for name, value in node.items():
        path = f"{prefix}{name}"
        if isinstance(value, Mapping) and value:
            yield from _leaves_of(value, path + ".")
        else:
            yield path


def shown(value: Any) -> str:
    """A value as a moderator would type it."""
    if isinstance(value, tuple):
        value = list(value)
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000).strip()
    return text.removesuffix("\n...").removesuffix("...").strip()

"""Loading settings: documented defaults in `config.yaml`, secrets only from the environment, a server's overrides
on top. The models themselves are the core's (`bot.core.settings`); this module only reads and combines them.

Every problem in a configuration file is reported as one line naming the key path and, where the
YAML parser knows it, the line in the file, so a moderator can fix it without reading a traceback.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import SecretStr, ValidationError

from bot.core.setting_keys import SettingKeyError
from bot.core.settings import Settings

DEFAULT_CONFIG_PATH = Path("config.yaml")
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/quidprono.db"


class ConfigError(Exception):
    """A configuration problem, already phrased for the person who has to fix it."""


@dataclass(frozen=True)
class Environment:
    """What only the environment may say: secrets and where things are."""

    token: SecretStr | None
    database_url: str
    config_path: Path | None
    api_base: str | None
    gateway_url: str | None

    @classmethod
    def read(cls, environ: Mapping[str, str] = os.environ) -> Environment:
        config = environ.get("QUIDPRONO_CONFIG")
        token = environ.get("DISCORD_TOKEN", "").strip()
        return cls(
            token=SecretStr(token) if token else None,
            database_url=environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            config_path=Path(config) if config else (DEFAULT_CONFIG_PATH if DEFAULT_CONFIG_PATH.exists() else None),
            api_base=environ.get("DISCORD_API_BASE") or None,
            gateway_url=environ.get("DISCORD_GATEWAY_URL") or None,
        )


def load_settings(path: Path | None) -> Settings:
    """Read and validate a configuration file (None: the built-in defaults)."""
    if path is None:
        return Settings()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the configuration file: {error.strerror}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: not UTF-8 text (byte {error.start}); save the file as UTF-8") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: {_yaml_problem(error)}") from None
    if data is None:
        return Settings()
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the file must be a mapping of sections (policy:, replies:, ...)")
    duplicate = _duplicate_key(node, [])
    if duplicate:
        where, line = duplicate
        raise ConfigError(f"{path} (line {line}): {where}: key given twice; keep one")
    try:
        return Settings.model_validate(data)
    except ValidationError as error:
        raise ConfigError("\n".join(_describe(str(path), node, error))) from None


def with_overrides(base: Settings, overrides: Mapping[str, Any]) -> Settings:
    """A guild's settings: `overrides` (nested, like the file) on top of `base`, validated like the file."""
    try:
        return _merged(base, overrides)
    except ValidationError as error:
        raise ConfigError("\n".join(_describe("server setting", None, error))) from None


def override_validator(base: Settings) -> Callable[[Mapping[str, Any]], Settings]:
    """`with_overrides`, its error phrased for a moderator: how `/quidpro policy` and the dashboard validate."""
    def validate(overrides: Mapping[str, Any]) -> Settings:
        try:
            return with_overrides(base, overrides)
        except ConfigError as error:
            problem = str(error).splitlines()[0].removeprefix("server setting: ")
            raise SettingKeyError(f"That value doesn't fit: {problem}.") from None
    return validate


def _merged(base: Settings, overrides: Mapping[str, Any]) -> Settings:
    if not overrides:
        return base
    return Settings.model_validate(_deep_merge(base.model_dump(mode="python"), overrides))


@dataclass(frozen=True)
class Ignored:
    """A stored override this version rejects: its key path and why (never its value)."""

    key: str
    reason: str


def tolerant_overrides(base: Settings, overrides: Mapping[str, Any]) -> tuple[Settings, list[Ignored]]:
    """Stored overrides on top of `base`, dropping only the keys this version rejects (a key renamed or a range
    narrowed since they were stored), so one bad key does not undo the server's other choices."""
    kept: dict[str, Any] = copy.deepcopy(dict(overrides))
    ignored: list[Ignored] = []
    while True:
        try:
            return _merged(base, kept), ignored
        except ValidationError as error:
            loc, reason = next(_problems(error))
        removed = _remove(kept, loc)
        if removed is None:  # not one stored key but their combination with config.yaml: keep none
            return base, [*ignored, Ignored(".".join(loc), reason)]
        ignored.append(Ignored(removed, reason))


def _remove(tree: dict[str, Any], loc: list[str]) -> str | None:
    """Delete the deepest node of `tree` along `loc` (a mapping key or a list item): its path, None if none."""
    node: Any = tree
    parent: Any = None
    key: Any = None
    path: list[str] = []
    for part in loc:
        if isinstance(node, dict) and part in node:
            parent, key, node = node, part, node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            parent, key, node = node, int(part), node[int(part)]
        else:
            break
        path.append(part)
    if not path:
        return None
    del parent[key]
    return ".".join(path)


def _deep_merge(base: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _duplicate_key(node: yaml.Node | None, path: list[str]) -> tuple[str, int] | None:
    """The first key written twice in one mapping (YAML would silently keep the last), and its line."""
    if not isinstance(node, yaml.MappingNode):
        return None
    seen = set()
    for key, value in node.value:
        name = str(key.value)
        if name in seen:
            return ".".join([*path, name]), key.start_mark.line + 1
        seen.add(name)
        found = _duplicate_key(value, [*path, name])
        if found:
            return found
    return None


def _yaml_problem(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return f"{where}broken YAML: {problem}"


def _describe(source: str, root: yaml.Node | None, error: ValidationError) -> Iterator[str]:
    for loc, message in _problems(error):
        line = _line_of(root, loc)
        where = f" (line {line})" if line else ""
        yield f"{source}{where}: {'.'.join(loc)}: {message}"


def _problems(error: ValidationError) -> Iterator[tuple[list[str], str]]:
    """Each problem's key path and what is wrong, in words (never the value given)."""
    for problem in error.errors(include_url=False):
        loc = [str(part) for part in problem["loc"]]
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "value_error" and ": " in message and not message.startswith(" "):
            # Our own template checks name the nested key themselves.
            subkey, _, message = message.partition(": ")
            loc += [part for part in subkey.split(".") if part]
        elif problem["type"] == "extra_forbidden":
            message = "unknown key"
        yield loc, message


def _line_of(node: yaml.Node | None, loc: list[str]) -> int | None:
    """The 1-based line of the deepest YAML node along `loc` that exists."""
    line = None
    for part in loc:
        if not isinstance(node, yaml.MappingNode):
            break
        match = next((item for item in node.value if item[0].value == part), None)
        if match is None:
            break
        line = match[0].start_mark.line + 1
        node = match[1]
    return line

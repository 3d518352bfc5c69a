"""Containing gateway payloads discord.py cannot parse: logged (type and ids, never text) and skipped.

discord.py parses each dispatch in its websocket reader; an exception there ends `client.start()`, so one
malformed MESSAGE_CREATE would stop the bot. The narrowest place to contain it is the parser of that one
event, so each parser is wrapped: the connection, the session and every other event go on.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, MutableMapping
from typing import Any

log = logging.getLogger(__name__)

Parser = Callable[[Any], None]
_ID_KEYS = ("id", "guild_id", "channel_id", "message_id", "user_id")
# Fields discord.py reads lazily, so a payload without them parses into a message that fails later in
# every listener: checked before parsing. The rest of a payload is checked by parsing it.
_REQUIRED: dict[str, dict[str, type | tuple[type, ...]]] = {
    "MESSAGE_CREATE": {"id": str, "channel_id": str, "author": dict, "content": str, "mentions": list,
                       "timestamp": str},
}


def guard_parsers(parsers: MutableMapping[str, Parser]) -> None:
    for event, parse in list(parsers.items()):
        parsers[event] = _guarded(event, parse)


def _guarded(event: str, parse: Parser) -> Parser:
    required = _REQUIRED.get(event, {})

    @functools.wraps(parse)
    def guarded(data: Any) -> None:
        problem = _shape_problem(data, required)
        if problem is not None:
            log.warning("event=payload_skipped type=%s %s error=%s", event, ids_of(data), problem)
            return
        try:
            parse(data)
        except Exception as error:
            log.warning("event=payload_skipped type=%s %s error=%s", event, ids_of(data), type(error).__name__)

    return guarded


def _shape_problem(data: Any, required: dict[str, type | tuple[type, ...]]) -> str | None:
    if not isinstance(data, dict):
        return f"not_an_object:{type(data).__name__}"
    for key, kind in required.items():
        if not isinstance(data.get(key), kind):
            return f"bad_field:{key}"
    return None


def ids_of(data: Any) -> str:
    """The payload's ids that look like ids, for the log line; nothing else of it."""
    if not isinstance(data, dict):
        return f"shape={type(data).__name__}"
    found = {key: data.get(key) for key in _ID_KEYS}
    author = data.get("author")
    if isinstance(author, dict):
        found["author_id"] = author.get("id")
    return " ".join(f"{key}={value}" for key, value in found.items() if _looks_like_id(value)) or "ids=none"


def _looks_like_id(value: object) -> bool:
    text = str(value) if isinstance(value, int | str) else ""
    return text.isascii() and text.isdigit() and len(text) <= 20

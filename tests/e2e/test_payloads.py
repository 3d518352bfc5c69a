"""No payload stops the bot: malformed MESSAGE_CREATEs are logged (type, ids, never text) and skipped,
ids beyond 64 bits never reach the database, and the next honest demand is answered on the same connection."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from bot.adapter.app import QuidProNo
from tests.e2e.conftest import World

SECRET = "follow me back, my secret text"

Mutation = Callable[[dict[str, Any]], Any]


def _without(key: str) -> Mutation:
    return lambda data: {k: v for k, v in data.items() if k != key}


def _with(key: str, value: Any) -> Mutation:
    return lambda data: data | {key: value}


MALFORMED: dict[str, Mutation] = {
    "no author": _without("author"),
    "no content": _without("content"),
    "no mentions": _without("mentions"),
    "no id": _without("id"),
    "no channel_id": _without("channel_id"),
    "non-numeric id": _with("id", "not-a-snowflake"),
    "non-numeric channel_id": _with("channel_id", "general"),
    "non-numeric guild_id": _with("guild_id", "makers"),
    "null author": _with("author", None),
    "author without id": lambda data: data | {"author": {"username": "x"}},
    "mentions not a list": _with("mentions", "everyone"),
    "mentions of strings": _with("mentions", ["<@1>"]),
    "garbage timestamp": _with("timestamp", "yesterday"),
    "member not an object": _with("member", 7),
    "referenced message a string": _with("referenced_message", "nope"),
    "attachments not a list": _with("attachments", {"a": 1}),
    "id beyond 64 bits": _with("id", str(2**70)),
    "author id beyond 64 bits": lambda data: data | {"author": data["author"] | {"id": str(2**70)}},
    "data a list": lambda data: [data],
    "data null": lambda data: None,
}


async def test_malformed_payloads_never_stop_the_bot(world: World, bot: QuidProNo,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    standin = world.standin
    connection = standin.connections[-1]
    template = standin.message_payload(standin.add_message(
        world.general, world.carol, f"{world.bot_mention} <@{world.alice.id}> {SECRET}"))
    for mutate in MALFORMED.values():
        await standin.dispatch_raw("MESSAGE_CREATE", mutate(dict(template)))

    # Dispatches are handled in order: an answer to this demand means every malformed one was handled.
    demand = await standin.send_message(world.general, world.dave, f"{world.bot_mention} <@{world.bob.id}> f4f?")
    await standin.wait_for_bot_message(world.general, lambda m: m.referenced is demand, timeout=10)

    assert connection.is_open and standin.connections[-1] is connection  # no crash, no reconnect
    assert not bot.is_closed()
    skipped = [r for r in caplog.records if "event=payload_skipped" in r.getMessage()]
    assert skipped and all("type=MESSAGE_CREATE" in r.getMessage() for r in skipped)
    assert "event=handler_failed" not in caplog.text  # stopped before parsing, not failing in every listener
    assert SECRET not in caplog.text
    await bot.batcher.flush()
    assert await bot.store.dead_letters() == []  # out-of-range ids were stopped before the database
    stored = await bot.store.latest_demand(world.guild.id, world.dave.id, world.bob.id)
    assert stored is not None and stored.message_id == demand.id

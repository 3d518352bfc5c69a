"""Replies after the member's turn: every one is tried, and each line keeps its order."""

from __future__ import annotations

import asyncio

from bot.adapter.outbox import Outbox, ReplyLines


def outbox_of(sent: list[str], *names: str, gate: asyncio.Event | None = None) -> Outbox:
    outbox = Outbox()
    for name in names:
        async def send(name: str = name) -> None:
            if gate is not None:
                await gate.wait()
            if name == "broken":
                raise ConnectionResetError("the connection dropped")
            sent.append(name)
        outbox.add(send)
    return outbox


async def test_a_failed_reply_does_not_stop_the_ones_after_it() -> None:
    sent: list[str] = []
    await outbox_of(sent, "first", "broken", "third").send()
    assert sent == ["first", "third"]


async def test_a_line_keeps_its_order_and_other_lines_do_not_wait() -> None:
    lines, sent, gate = ReplyLines(), list[str](), asyncio.Event()
    first = asyncio.create_task(lines.after_turn((1, 2, 3), outbox_of(sent, "slow", gate=gate)))
    second = asyncio.create_task(lines.after_turn((1, 2, 3), outbox_of(sent, "after slow")))
    elsewhere = lines.after_turn((1, 2, 4), outbox_of(sent, "other channel"))
    await elsewhere
    assert sent == ["other channel"]  # not held back by the slow reply in another channel
    gate.set()
    await asyncio.gather(first, second)
    assert sent == ["other channel", "slow", "after slow"]

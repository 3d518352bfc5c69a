"""SIGTERM while events stream in: everything the stand-in sent before the signal is stored."""

from __future__ import annotations

import asyncio
import signal

from sqlalchemy import select

from bot.storage.models import InteractionEvent
from standin import Message
from tests.e2e.conftest import BotProcess, World


async def test_sigterm_loses_no_event_sent_before_it(world: World, bot_process: BotProcess) -> None:
    # Nothing is flushed by size or timer during the test: only the stop itself can write the events.
    bot_process.write_config(ingest={"flush_interval_seconds": 300, "batch_size": 50_000})
    await bot_process.start()
    sent: list[Message] = []
    streaming, goal = True, 300
    reached = asyncio.Event()

    async def stream() -> None:
        previous: Message | None = None
        for turn in range(5_000):
            if not streaming:
                return
            author = world.alice if turn % 2 == 0 else world.bob
            previous = await world.standin.send_message(world.general, author, "", reply_to=previous)
            sent.append(previous)
            if len(sent) >= goal:
                reached.set()
            await asyncio.sleep(0.001)

    streamer = asyncio.create_task(stream())
    await asyncio.wait_for(reached.wait(), timeout=30)
    before_signal = list(sent)
    assert bot_process.process is not None
    bot_process.process.send_signal(signal.SIGTERM)
    goal = len(before_signal) + 50  # the stream goes on while the bot stops
    reached.clear()
    await asyncio.wait_for(reached.wait(), timeout=30)
    streaming = False
    await streamer

    assert await bot_process.exited() == 0
    async with bot_process.store() as store, store.engine.connect() as connection:
        stored = set((await connection.execute(
            select(InteractionEvent.source_id).where(InteractionEvent.kind == "reply"))).scalars())
    replies = {message.id for message in before_signal[1:]}  # the first message replies to nothing
    assert replies <= stored, f"{len(replies - stored)} of {len(replies)} replies lost"
    assert len(sent) > len(before_signal)  # events really were still arriving at the signal
    assert "event=stopped pending=0" in bot_process.log()

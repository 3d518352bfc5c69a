"""What a member's turn decided to say, sent after the turn: in order, and never holding the turn up."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine

log = logging.getLogger(__name__)


class Outbox:
    """What a member's turn will say, sent in order once the turn is over (the verdicts are stored by then)."""

    def __init__(self) -> None:
        self._sends: list[Callable[[], Awaitable[object]]] = []

    def add(self, send: Callable[[], Awaitable[object]]) -> None:
        self._sends.append(send)

    def __bool__(self) -> bool:
        return bool(self._sends)

    async def send(self) -> None:
        """Every reply, each whatever became of the one before."""
        for send in self._sends:
            try:
                await send()
            except Exception as error:
                log.warning("event=reply_failed error=%s", type(error).__name__)


class ReplyLines:
    """Per member and channel, the replies go out in the order the demands were decided, each outbox after
    the one before, while the member's next demand is already being decided. A reply being retried holds
    back only the later ones in its channel (where they would fail too), not those elsewhere."""

    def __init__(self) -> None:
        self._last: dict[tuple[int, int, int], asyncio.Future[None]] = {}

    def after_turn(self, line: tuple[int, int, int], outbox: Outbox) -> Coroutine[object, object, None]:
        """Take the outbox's place in its line: call this inside the member's turn, await it after."""
        if not outbox:
            return asyncio.sleep(0)
        before = self._last.get(line)
        sent = self._last[line] = asyncio.get_running_loop().create_future()
        return self._send(line, outbox, before, sent)

    async def _send(self, line: tuple[int, int, int], outbox: Outbox, before: asyncio.Future[None] | None,
                    sent: asyncio.Future[None]) -> None:
        try:
            if before is not None:
                await asyncio.wait({before})
            await outbox.send()
        finally:
            sent.set_result(None)
            if self._last.get(line) is sent:
                del self._last[line]

"""SQLite's single writer, taken in order: the decisions queued at one moment share one transaction."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

MAX_TURNS = 64  # a round's bound, so a flood's first demands are not held back by its last


class WriterRounds:
    """SQLite has one writer at a time, and its busy handler is neither fair nor quick: writers queue on
    `line` (FIFO) instead. Requester turns go further: those waiting when a round starts, and those that
    arrive while it runs, are taken one after another on the round's connection inside one
    `BEGIN IMMEDIATE`, and committed together. A demand decided in its own transaction cost about 35 hops
    to aiosqlite's thread, most of them opening and committing (issue #9's flood profile); a round pays
    that once. Each turn returns only after its round's commit, so no answer is given for a verdict not
    yet stored. One process uses a SQLite file, so an in-process line is the whole of it.

    A turn's statements are not undone when it fails: its demand insert is its last statement, so a
    failure leaves its reads or its stored demand, as a failure just after a commit would. But some
    errors (disk full, I/O, out of memory) make SQLite roll back the whole transaction: then the round
    stops, and every turn it held fails with that error (an outage: their demands wait and are retried),
    never told "stored" for work that is gone.
    """

    def __init__(self, engine: AsyncEngine, max_turns: int = MAX_TURNS) -> None:
        self._engine = engine
        self._max_turns = max_turns
        self._queue: deque[_Slot] = deque()
        self._runner: asyncio.Task[None] | None = None
        self.line = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[AsyncConnection]:
        """The round's connection, inside its transaction, for this turn alone until the block ends."""
        slot = _Slot()
        self._queue.append(slot)
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._run(), name="sqlite-writer-rounds")
        try:
            connection = await slot.admitted
        except asyncio.CancelledError:
            slot.done()  # admitted just before the cancel: the round goes on without this turn
            raise
        try:
            yield connection
        except BaseException as error:
            slot.done(error)
            raise
        slot.done()
        await slot.committed

    async def _run(self) -> None:
        try:
            while self._queue:
                async with self.line:
                    await self._round()
        except BaseException as error:  # cancelled (the loop is closing): no queued turn may wait forever
            while self._queue:
                self._queue.popleft().fail(error)
            raise

    async def _round(self) -> None:
        taken: list[_Slot] = []
        try:
            async with self._engine.connect() as connection:
                await connection.exec_driver_sql("BEGIN IMMEDIATE")
                while self._queue and len(taken) < self._max_turns:
                    slot = self._queue.popleft()
                    if slot.admitted.done():  # its waiter was cancelled
                        continue
                    slot.admitted.set_result(connection)
                    taken.append(slot)
                    await slot.finished
                    if slot.error is not None and not await _still_open(connection):
                        raise slot.error  # SQLite rolled the round back: the turns before it are gone too
                await connection.commit()
        except BaseException as error:
            # Nothing of this round is stored: its turns raise (an outage parks their demands for later);
            # when the transaction could not even begin, so would the next one's, so those fail now too.
            waiting = [] if taken else list(self._queue)
            if not taken:
                self._queue.clear()
            for slot in (*taken, *waiting):
                slot.fail(error)
            if not isinstance(error, Exception):
                raise
        else:
            for slot in taken:
                slot.commit()


class _Slot:
    """One turn's place in the line: admitted to a round, finished with it, and committed by it."""

    def __init__(self) -> None:
        loop = asyncio.get_running_loop()
        self.admitted: asyncio.Future[AsyncConnection] = loop.create_future()
        self.finished: asyncio.Future[None] = loop.create_future()
        self.committed: asyncio.Future[None] = loop.create_future()
        self.error: BaseException | None = None  # what the turn's own block raised

    @property
    def failed(self) -> bool:
        return self.error is not None

    def done(self, error: BaseException | None = None) -> None:
        self.error = error
        if not self.finished.done():
            self.finished.set_result(None)

    def commit(self) -> None:
        if not self.committed.done() and not self.failed:
            self.committed.set_result(None)

    def fail(self, error: BaseException) -> None:
        """Tell a waiting turn why its round failed: before admission, or after its block while it awaits
        the commit. A turn that failed on its own already raised its own error."""
        if self.failed:
            return
        future = self.committed if self.admitted.done() else self.admitted
        if future.done():
            return
        if isinstance(error, Exception):
            future.set_exception(error)
        else:
            future.cancel()


async def _still_open(connection: AsyncConnection) -> bool:
    """Whether SQLite still holds the round's transaction (some errors roll it back whole)."""
    raw = await connection.get_raw_connection()
    return bool(getattr(raw.driver_connection, "in_transaction", True))

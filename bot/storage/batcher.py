"""The batched write path: interactions collect in memory and are written one transaction a batch."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.model import Interaction, PostRef
from bot.storage._joined import JoinNextRun
from bot.storage.faults import describe, is_outage
from bot.storage.outage import ParkedWork, Retry
from bot.storage.store import Store

log = logging.getLogger(__name__)

Event = Interaction | PostRef


class EventBatcher:
    """Buffers interactions; flushes when `batch_size` are waiting, every `interval` seconds, and on close.

    A failed flush keeps its events and tries again later with backoff, so a database outage loses nothing
    up to `max_pending` events; past it the oldest give way, counted and logged by kind. A batch the
    database refuses is split until the refused rows are found: they go to the dead letters, the rest
    is written. The outage is logged once when it starts and once when it ends.
    """

    def __init__(self, store: Store, batch_size: int, interval: float, max_pending: int = 200_000,
                 *, max_backoff: float = 30.0, max_parked: int = 10_000) -> None:
        self._store = store
        self.parked = ParkedWork(max_parked)
        self.on_health: Callable[[str | None], object] = lambda _problem: None  # told at an outage's start and end
        self.on_written: Callable[[Counter[str], float], object] = lambda _kinds, _seconds: None  # each batch
        self._max_pending = max(max_pending, batch_size)
        self.dropped = 0
        self.dead_lettered = 0
        self._dropped_unlogged: dict[tuple[int, str], _Run] = {}  # since the last log line, per guild and kind
        self._batch_size = batch_size
        self._interval = interval
        self._max_backoff = max(max_backoff, interval)
        self._pending: deque[Event] = deque()
        self._lock = asyncio.Lock()
        self._full = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.last_error: BaseException | None = None
        self._outage_started: float | None = None
        self._guild_flushes = JoinNextRun(self._flush_guild)
        self._settled: list[int] = []  # demands whose replies went out: cleared in the store at the next flush

    @property
    def pending(self) -> int:
        return len(self._pending)

    @property
    def in_outage(self) -> bool:
        return self._outage_started is not None

    @property
    def problem(self) -> str | None:
        """Why the bot is unhealthy now (None: it is not), for the heartbeat."""
        if self._outage_started is None:
            return None
        return (f"database unavailable for {time.monotonic() - self._outage_started:.0f} s "
                f"({describe(self.last_error) if self.last_error else 'unknown error'}); waiting: "
                f"{len(self._pending)} events, {len(self.parked)} demands and withdrawals")

    async def unless_outage(self, kind: str, ids: dict[str, int], now: Retry, later: Retry) -> None:
        """Run `now`; during an outage (or when it meets one) park `later` instead, to run once the database is
        back, after everything parked before it."""
        if self.in_outage or len(self.parked):
            self.parked.park(kind, ids, later)
            return
        try:
            await now()
        except Exception as error:
            if not is_outage(error):
                raise
            self.parked.park(kind, ids, later)
            self._outage(error)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="event-batcher")

    def add(self, event: Event) -> None:
        self._pending.append(event)
        if len(self._pending) >= self._batch_size:
            self._full.set()
        self._trim()

    def settle_reply(self, demand_id: int) -> None:
        """The demand's reply was delivered or given up: no later session needs to send it."""
        self._settled.append(demand_id)

    def extend(self, events: Sequence[Event]) -> None:
        for event in events:
            self.add(event)

    def _trim(self) -> None:
        """Past the bound the oldest events give way, never the ones in the middle (bug 10.6)."""
        while len(self._pending) > self._max_pending:
            event = self._pending.popleft()
            run = self._dropped_unlogged.setdefault((event.guild_id, _kind(event)), _Run())
            run.add(_source(event), _at(event))
            self.dropped += 1

    async def flush(self) -> None:
        """Write everything pending now, one transaction a batch. A batch in flight is out of the buffer:
        events added meanwhile queue behind it, and a failed batch goes back to the front."""
        async with self._lock:
            while self._pending:
                batch = [self._pending.popleft() for _ in range(min(self._batch_size, len(self._pending)))]
                try:
                    await self._write(batch)
                except BaseException:
                    self._pending.extendleft(reversed(batch))
                    self._trim()
                    raise
            await self._settle()

    async def _settle(self) -> None:
        if not self._settled:
            return
        settled, self._settled = self._settled, []
        try:
            await self._store.settle_replies(settled)
        except BaseException:
            self._settled[:0] = settled
            raise

    async def flush_guild(self, guild_id: int) -> None:
        """Write one guild's pending events now (a reader needs them current), in order; the other guilds'
        wait for the timer. Callers asking together share one write that takes every event added before
        they asked (`JoinNextRun`). What could not be written goes back to the front."""
        await self._guild_flushes(guild_id)

    async def _flush_guild(self, guild_id: int) -> None:
        async with self._lock:
            mine = [event for event in self._pending if event.guild_id == guild_id]
            if not mine:
                return
            self._pending = deque(event for event in self._pending if event.guild_id != guild_id)
            for start in range(0, len(mine), self._batch_size):
                try:
                    await self._write(mine[start:start + self._batch_size])
                except BaseException:
                    self._pending.extendleft(reversed(mine[start:]))
                    self._trim()
                    raise

    async def withdraw(self, matches: Callable[[Event], bool], in_store: Callable[[], Awaitable[object]]) -> int:
        """Take events back: those still waiting are dropped unwritten, then `in_store` deletes those already
        written. Under the write lock, so no batch in flight writes one back after the delete; no other
        guild's events are written for it (bug 10.8d). The number dropped from memory."""
        async with self._lock:
            waiting = len(self._pending)
            self._pending = deque(event for event in self._pending if not matches(event))
            await in_store()
            return waiting - len(self._pending)

    async def _write(self, batch: list[Event]) -> None:
        started = time.perf_counter()
        try:
            await self._store.write_events(batch)
            self.on_written(Counter(_kind(event) for event in batch), time.perf_counter() - started)
        except Exception as error:
            if is_outage(error):
                raise
            if len(batch) == 1:
                await self._dead_letter(batch[0], error)
                return
            middle = len(batch) // 2  # halving finds k refused rows among n in about k·log n writes
            await self._write(batch[:middle])
            await self._write(batch[middle:])

    async def _dead_letter(self, event: Event, error: Exception) -> None:
        self.dead_lettered += 1
        ids = _ids(event)
        log.error("event=row_refused kind=%s %s error=%s action=dead_letter", _kind(event),
                  " ".join(f"{key}={value}" for key, value in ids.items()), describe(error))
        try:
            await self._store.record_dead_letter(_kind(event), ids, describe(error))
        except Exception as failure:  # the log line above is the record then
            log.error("event=dead_letter_failed error=%s", describe(failure))

    async def close(self) -> None:
        """Stop the timer and write what is left: called on shutdown, after the last event arrived."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        try:
            await self.flush()
            await self.parked.replay()
        finally:
            self._log_dropped()
            self.parked.drop_all()

    async def _run(self) -> None:
        delay = self._interval
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._full.wait(), timeout=delay)
            self._full.clear()
            try:
                await self.flush()
                await self.parked.replay()  # in order, after the events they may depend on
            except Exception as error:
                self._outage(error)
                delay = min(delay * 2, self._max_backoff)
            else:
                self._recovered()
                delay = self._interval
            self._log_dropped()
            self.parked.log_dropped()

    def _outage(self, error: BaseException) -> None:
        self.last_error = error
        if self._outage_started is None:
            self._outage_started = time.monotonic()
            log.error("event=db_outage_started pending=%d parked=%d error=%s action=buffer_and_retry",
                      len(self._pending), len(self.parked), describe(error))
            self.on_health(self.problem)

    def _recovered(self) -> None:
        self.last_error = None
        if self._outage_started is not None:
            log.warning("event=db_outage_ended seconds=%.1f dropped_total=%d parked_dropped_total=%d",
                        time.monotonic() - self._outage_started, self.dropped, self.parked.dropped)
            self._outage_started = None
            self.on_health(None)

    def _log_dropped(self) -> None:
        """Exactly what was dropped since the last line, compactly: the oldest events go first, so per guild
        and kind they are a run, told by count, source id range and time span (ids only, never text)."""
        for (guild_id, kind), run in sorted(self._dropped_unlogged.items()):
            log.error("event=events_dropped reason=buffer_full max_pending=%d guild_id=%s kind=%s count=%d "
                      "source_ids=%d..%d from=%s to=%s dropped_total=%d", self._max_pending, guild_id, kind,
                      run.count, run.first_id, run.last_id, run.since.isoformat(), run.until.isoformat(), self.dropped)
        self._dropped_unlogged.clear()


def _kind(event: Event) -> str:
    return event.kind.value if isinstance(event, Interaction) else "post"


@dataclass
class _Run:
    """Dropped events of one guild and kind: how many, their source ids and times, from first to last."""

    count: int = 0
    first_id: int = 0
    last_id: int = 0
    since: datetime = datetime.max
    until: datetime = datetime.min

    def add(self, source_id: int, at: datetime) -> None:
        self.first_id = source_id if self.count == 0 else min(self.first_id, source_id)
        self.last_id = max(self.last_id, source_id)
        self.since, self.until = (at, at) if self.count == 0 else (min(self.since, at), max(self.until, at))
        self.count += 1


def _source(event: Event) -> int:
    return event.source_id if isinstance(event, Interaction) else event.message_id


def _at(event: Event) -> datetime:
    return event.occurred_at if isinstance(event, Interaction) else event.created_at


def _ids(event: Event) -> dict[str, int]:
    if isinstance(event, Interaction):
        return {"guild_id": event.guild_id, "channel_id": event.channel_id, "source_id": event.source_id,
                "actor_id": event.actor_id, "target_id": event.target_id}
    return {"guild_id": event.guild_id, "channel_id": event.channel_id, "message_id": event.message_id,
            "author_id": event.author_id}

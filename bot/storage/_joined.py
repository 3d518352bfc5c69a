"""Callers asking together for one key share one run, and no caller gets a run started before it asked."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class JoinNextRun(Generic[K, V]):
    """Under a flood every demand asks whether its guild's settings changed, and has the guild's pending
    events written first: 500 identical queries and writes a second, each waiting for the last. A caller
    here joins the next run of `run(key)` that has not started yet (one runs at a time per key), so callers
    arriving together share one. The run a caller gets always starts after the caller asked, so a read
    sees every change committed before that and a flush takes every event added before that: sharing the
    run in flight instead would hand a demand the settings from before a change it came after."""

    def __init__(self, run: Callable[[K], Awaitable[V]]) -> None:
        self._run_one = run
        self._next: dict[K, asyncio.Future[V]] = {}  # per key, the run callers may still join
        self._running: dict[K, asyncio.Future[V]] = {}
        self._tasks: set[asyncio.Task[None]] = set()  # held: the loop keeps only weak references

    async def __call__(self, key: K) -> V:
        joined = self._next.get(key)
        if joined is None:
            joined = self._next[key] = asyncio.get_running_loop().create_future()
            joined.add_done_callback(_retrieved)
            task = asyncio.create_task(self._run(key, joined))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await asyncio.shield(joined)

    async def _run(self, key: K, joined: asyncio.Future[V]) -> None:
        try:
            running = self._running.get(key)
            if running is not None:
                await asyncio.wait({running})
            del self._next[key]  # closed: from here, callers join the run after this one
            self._running[key] = joined
            try:
                joined.set_result(await self._run_one(key))
            except Exception as error:
                joined.set_exception(error)
            finally:
                del self._running[key]
        except BaseException:  # cancelled (the loop is closing): its callers must not wait forever
            if self._next.get(key) is joined:
                del self._next[key]
            if not joined.done():
                joined.cancel()
            raise


def _retrieved(future: asyncio.Future[Any]) -> None:
    """A run whose callers were all cancelled leaves its error unread: that is not worth a warning."""
    if not future.cancelled():
        future.exception()

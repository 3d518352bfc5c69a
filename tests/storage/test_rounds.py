"""SQLite's writer rounds: turns queued together share one transaction, and each returns only once stored."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage import make_engine
from bot.storage.rounds import WriterRounds
from tests.conftest import sqlite_url


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(sqlite_url(tmp_path / "rounds.db"))
    async with engine.begin() as connection:
        await connection.exec_driver_sql("CREATE TABLE said (turn INTEGER PRIMARY KEY)")
        await connection.exec_driver_sql("CREATE TABLE junk (data BLOB)")
    yield engine
    await engine.dispose()


def commits_of(engine: AsyncEngine) -> list[int]:
    commits: list[int] = []
    event.listen(engine.sync_engine, "commit", lambda _connection: commits.append(1))
    return commits


async def stored(engine: AsyncEngine) -> set[int]:
    async with engine.connect() as connection:
        return {row[0] for row in await connection.exec_driver_sql("SELECT turn FROM said")}


async def say(rounds: WriterRounds, engine: AsyncEngine, turn: int) -> set[int]:
    """Write in a turn; what another connection reads right after the turn returns."""
    async with rounds.turn() as connection:
        await connection.exec_driver_sql(f"INSERT INTO said VALUES ({turn})")
        await asyncio.sleep(0)  # let the other turns queue up meanwhile
    return await stored(engine)


async def test_turns_queued_together_share_one_commit_and_return_once_stored(engine: AsyncEngine) -> None:
    rounds, commits = WriterRounds(engine), commits_of(engine)
    seen = await asyncio.gather(*(say(rounds, engine, turn) for turn in range(40)))
    assert all(turn in after for turn, after in enumerate(seen))  # durable before its turn returned
    assert await stored(engine) == set(range(40))
    assert len(commits) <= 2  # not one transaction a turn


async def test_a_round_is_bounded(engine: AsyncEngine) -> None:
    rounds, commits = WriterRounds(engine, max_turns=8), commits_of(engine)
    await asyncio.gather(*(say(rounds, engine, turn) for turn in range(40)))
    assert len(commits) >= 5


async def test_a_failing_turn_loses_only_itself(engine: AsyncEngine) -> None:
    rounds = WriterRounds(engine)

    async def fail() -> None:
        async with rounds.turn():
            raise RuntimeError("a bug in one turn")

    results = await asyncio.gather(say(rounds, engine, 1), fail(), say(rounds, engine, 2), return_exceptions=True)
    assert isinstance(results[1], RuntimeError)
    assert await stored(engine) == {1, 2}


async def test_a_turn_that_makes_sqlite_roll_back_fails_every_turn_of_its_round(engine: AsyncEngine) -> None:
    """Disk full rolls the whole transaction back: the turns before it must not be told they were stored."""
    rounds = WriterRounds(engine)

    async def fill_the_disk() -> None:
        async with rounds.turn() as connection:
            pages = (await connection.exec_driver_sql("PRAGMA page_count")).scalar_one()
            await connection.exec_driver_sql(f"PRAGMA max_page_count = {pages + 1}")
            try:
                await connection.exec_driver_sql("INSERT INTO junk VALUES (randomblob(1000000))")
            finally:
                await connection.exec_driver_sql("PRAGMA max_page_count = 1073741823")

    turns = [say(rounds, engine, turn) for turn in range(5)] + [fill_the_disk()]
    results = await asyncio.gather(*turns, *(say(rounds, engine, turn) for turn in range(6, 10)),
                                   return_exceptions=True)
    assert all(isinstance(result, OperationalError) for result in results[:6])  # "database or disk is full"
    assert await stored(engine) == set(range(6, 10))  # the next round's


async def test_a_cancelled_waiting_turn_does_not_stall_the_line(engine: AsyncEngine) -> None:
    rounds = WriterRounds(engine)
    release = asyncio.Event()

    async def hold() -> None:
        async with rounds.turn() as connection:
            await connection.exec_driver_sql("INSERT INTO said VALUES (1)")
            await release.wait()

    holder = asyncio.create_task(hold())
    waiting = asyncio.create_task(say(rounds, engine, 2))
    behind = asyncio.create_task(say(rounds, engine, 3))
    await asyncio.sleep(0)
    waiting.cancel()
    release.set()
    await holder
    assert 3 in await asyncio.wait_for(behind, timeout=10)
    assert waiting.cancelled()
    assert await stored(engine) == {1, 3}


async def test_a_round_that_cannot_begin_fails_its_turns_and_the_next_round_works(engine: AsyncEngine) -> None:
    rounds = WriterRounds(engine)
    refuse = True

    def begin_refused(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if refuse and statement.startswith("BEGIN IMMEDIATE"):
            raise OperationalError(statement, None, Exception("database is locked"))

    event.listen(engine.sync_engine, "before_cursor_execute", begin_refused)
    results = await asyncio.gather(*(say(rounds, engine, turn) for turn in range(3)), return_exceptions=True)
    assert all(isinstance(result, OperationalError) for result in results)
    refuse = False
    assert 7 in await say(rounds, engine, 7)

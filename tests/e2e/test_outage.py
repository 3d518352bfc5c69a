"""Database outages drop no demand: received events and demands wait in a bounded buffer, are retried with
backoff and answered once when the database is back; the outage is logged once and its end once, and the
heartbeat says unhealthy meanwhile."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.adapter.app import QuidProNo
from bot.health import check_heartbeat
from standin import Message
from tests.conftest import _empty_postgres
from tests.e2e.conftest import World, inprocess_bot, inprocess_bot_on, settle

OUTAGE_SECONDS = 8.0
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class DiskFull:
    """SQLite's own error for a full disk (SQLITE_FULL), raised by the driver for every write the bot makes
    while `full`; reads still work, as on a full disk. (`PRAGMA max_page_count` gives the same error, but
    lets through any write that fits in a page already allocated, so it cannot hold a whole outage.)"""

    def __init__(self, engine: AsyncEngine) -> None:
        self.full = False
        event.listen(engine.sync_engine, "before_cursor_execute", self._execute)

    def _execute(self, _connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.full and statement.lstrip().split(None, 1)[0].upper() in WRITES:
            raise sqlite3.OperationalError("database or disk is full")


async def _ride_out(world: World, bot: QuidProNo, cut: Any, restore: Any,
                    caplog: pytest.LogCaptureFixture) -> tuple[list[Message], list[Message]]:
    """Demands and plain mentions sent through an ~8 s outage, each answered once after it: what was sent."""
    s = world.standin
    members = [s.add_member(world.guild, f"member{n}") for n in range(8)]
    await settle(world)
    heartbeat = Path(bot.settings.health.heartbeat_file)
    unhealthy = asyncio.ensure_future(bot.wait_for("database_health", check=lambda p: p is not None, timeout=15))
    cut()
    started, demands, mentions = time.monotonic(), [], []
    for member in members:  # one demand and one plain mention a second, through the outage
        demands.append(await s.send_message(world.general, member, f"{world.bot_mention} <@{world.alice.id}> f4f?"))
        mentions.append(await s.send_message(world.art, member, f"<@{world.bob.id}> nice one"))
        if member is members[0]:
            await unhealthy
            assert (check_heartbeat(heartbeat, 60) or "").startswith("unhealthy: database unavailable")
        await asyncio.sleep(max(0.0, OUTAGE_SECONDS / len(members) - 0.1))
    while time.monotonic() - started < OUTAGE_SECONDS:  # noqa: ASYNC110 - the outage's length is the scenario
        await asyncio.sleep(0.1)
    assert s.bot_messages(world.general) == []  # nothing could be decided meanwhile
    healthy = asyncio.ensure_future(bot.wait_for("database_health", check=lambda p: p is None, timeout=60))
    restore()
    await healthy
    for demand in demands:
        await s.wait_for_bot_message(world.general, _answering(demand), timeout=30)
    await settle(world)
    assert check_heartbeat(heartbeat, 60) is None
    return demands, mentions


def _answering(demand: Message) -> Callable[[Message], bool]:
    return lambda message: message.referenced is demand


async def _assert_nothing_lost(world: World, bot: QuidProNo, demands: list[Message], mentions: list[Message],
                               caplog: pytest.LogCaptureFixture) -> None:
    replies = world.standin.bot_messages()
    for demand in demands:
        assert sum(m.referenced is demand for m in replies) == 1, demand.id
    async with bot.store.engine.connect() as connection:
        stored = (await connection.execute(text(
            "SELECT message_id, count(*) FROM demands GROUP BY message_id"))).all()
        recorded = (await connection.execute(text(
            f"SELECT count(DISTINCT source_id) FROM interaction_events WHERE source_id IN "
            f"({','.join(str(m.id) for m in mentions)})"))).scalar_one()
    verdicts = {message_id: count for message_id, count in stored}
    assert all(verdicts.get(d.id) == 1 for d in demands), verdicts
    assert recorded == len(mentions)
    outage_lines = [r for r in caplog.records if "db_outage" in r.getMessage()]
    assert [r.getMessage().split()[0] for r in outage_lines] == ["event=db_outage_started", "event=db_outage_ended"]
    loud = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING and r.name.startswith("bot.")]
    assert len(loud) == 2, loud  # no log storm: the outage's start and its end, nothing else


async def test_sqlite_disk_full_loses_no_demand(world: World, tmp_path: Path,
                                                caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    async with inprocess_bot(world, tmp_path, ingest={"retry_max_seconds": 0.5}) as bot:
        disk = DiskFull(bot.store.engine)

        def fill() -> None:
            disk.full = True

        def free() -> None:
            disk.full = False

        demands, mentions = await _ride_out(world, bot, fill, free, caplog)
        await _assert_nothing_lost(world, bot, demands, mentions, caplog)


class Proxy:
    """A TCP relay between the bot and PostgreSQL that a test cuts: every connection dropped, new ones refused."""

    def __init__(self, port: int) -> None:
        self.target_port = port
        self.refusing = False
        self._open: set[asyncio.StreamWriter] = set()
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.refusing:
            writer.close()
            return
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self._open |= {writer, upstream_writer}
        await asyncio.gather(self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except OSError:
            pass
        finally:
            writer.close()
            self._open.discard(writer)

    def cut(self) -> None:
        self.refusing = True
        for writer in list(self._open):
            writer.transport.abort()

    def restore(self) -> None:
        self.refusing = False

    async def close(self) -> None:
        self.cut()
        if self.server is not None:
            self.server.close()


async def test_a_postgresql_cut_loses_no_demand(world: World, tmp_path: Path, postgres_migrated: str,
                                                caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    await _empty_postgres(postgres_migrated)
    url = make_url(postgres_migrated)
    proxy = Proxy(url.port or 5432)
    relayed = url.set(host="127.0.0.1", port=await proxy.start()).render_as_string(hide_password=False)
    try:
        async with inprocess_bot_on(relayed, world, tmp_path, ingest={"retry_max_seconds": 0.5}) as bot:
            demands, mentions = await _ride_out(world, bot, proxy.cut, proxy.restore, caplog)
            await _assert_nothing_lost(world, bot, demands, mentions, caplog)
    finally:
        await proxy.close()

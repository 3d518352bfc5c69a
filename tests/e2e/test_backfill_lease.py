"""The terminal's backfill and the bot's on the same guild at once: one runs, the other says who holds it."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.dialects.sqlite import insert

from bot.adapter.app import QuidProNo
from bot.storage import make_engine
from bot.storage.models import BackfillLease
from bot.storage.moderation import ModerationStore
from standin import Member, Permissions
from tests.e2e.conftest import ROOT, World, inprocess_bot
from tests.e2e.test_backfill_controls import seed


@pytest.fixture
async def bot(world: World, tmp_path: Path) -> AsyncIterator[QuidProNo]:
    seed(world, world.art, 3_000)
    async with inprocess_bot(world, tmp_path, backfill={"progress_seconds": 0.2}) as client:
        yield client


@pytest.fixture
async def mod(world: World) -> Member:
    return world.standin.add_member(world.guild, "mod", permissions=Permissions.MANAGE_GUILD)


def slow_history(world: World) -> None:
    """Every other history page is answered 429 (retry after 0.3 s): the backfill runs for seconds, steadily."""
    count = 0

    def every_other(_request: object) -> bool:
        nonlocal count
        count += 1
        return count % 2 == 1

    world.standin.inject_ratelimit("GET", rf"/channels/{world.art.id}/messages", retry_after=0.3, times=None,
                                   predicate=every_other)


async def start_cli(world: World, tmp_path: Path) -> asyncio.subprocess.Process:
    """`quidprono backfill` on the bot's own database."""
    env = {**os.environ, **world.standin.env(), "DISCORD_TOKEN": world.standin.token,
           "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", "QUIDPRONO_CONFIG": str(ROOT / "config.yaml")}
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "backfill", "--guild", str(world.guild.id), "--days", "30", cwd=tmp_path,
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def finish(process: asyncio.subprocess.Process) -> tuple[int, str]:
    _, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode is not None
    return process.returncode, err.decode()


async def test_the_terminal_is_told_the_bot_holds_the_backfill(world: World, bot: QuidProNo, mod: Member,
                                                                tmp_path: Path) -> None:
    s = world.standin
    slow_history(world)
    handle = await s.slash_command(world.general, mod, "quidpro backfill", {"days": 30})
    assert "Backfill starting" in ((await handle.wait_response()).content or "")
    code, err = await finish(await start_cli(world, tmp_path))
    assert code == 1
    assert f"guild {world.guild.id} is already being backfilled by the bot on" in err and "Traceback" not in err


async def test_the_bot_is_told_the_terminal_holds_it_and_its_cancel_reaches_the_terminal(
        world: World, bot: QuidProNo, mod: Member, tmp_path: Path) -> None:
    s = world.standin
    slow_history(world)
    cli = await start_cli(world, tmp_path)
    try:
        async def lease_holder() -> str | None:
            async with bot.store.engine.connect() as connection:
                return (await connection.execute(select(BackfillLease.holder))).scalar_one_or_none()

        for _ in range(300):  # the terminal has taken the lease: a row says so
            if await lease_holder() is not None:
                break
            await asyncio.sleep(0.1)
        assert (await lease_holder() or "").startswith("quidprono backfill in a terminal on")

        handle = await s.slash_command(world.general, mod, "quidpro backfill", {"days": 30})
        refused = await handle.wait_response()
        assert "already running: quidprono backfill in a terminal on" in (refused.content or "")
        assert refused.message is not None
        click = await s.click_button(refused.message, f"qpn:backfill:cancel:{world.guild.id}", mod)
        assert "Asked quidprono backfill in a terminal on" in ((await click.wait_response()).content or "")
        code, err = await finish(cli)
        assert code == 1 and "Cancelled from Discord after" in err
        assert await lease_holder() is None  # released on the way out
    finally:
        if cli.returncode is None:
            cli.kill()
            await cli.wait()


async def test_a_restart_resumes_the_backfill_once_the_lease_its_last_run_left_goes_stale(
        world: World, tmp_path: Path, mod: Member, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bot's previous run died holding the lease (kill -9, or its release failed at a stop): the restarted
    bot, another process to the lease, waits for the lease to go stale and then resumes, instead of skipping."""
    seed(world, world.art, 1_000)
    slow_history(world)
    async with inprocess_bot(world, tmp_path, backfill={"progress_seconds": 0.2}):
        handle = await world.standin.slash_command(world.general, mod, "quidpro backfill", {"days": 30})
        started = await handle.wait_response()
        await handle.wait_edit(1, timeout=10)  # some pages are read
        assert started.message is not None
        await world.standin.click_button(started.message, f"qpn:backfill:cancel:{world.guild.id}", mod)
        await handle.wait_content(lambda content: "cancelled" in content, timeout=30)
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    async with engine.begin() as connection:  # as if the stopped process still held it (its release may or
        now = datetime.now(UTC)               # may not have run: the row is made so either way)
        values = {"holder": "the bot on elsewhere (pid 1)", "started_at": now, "renewed_at": now,
                  "cancel_requested": False}
        await connection.execute(insert(BackfillLease).values(guild_id=world.guild.id, **values)
                                 .on_conflict_do_update(index_elements=[BackfillLease.guild_id], set_=values))
    await engine.dispose()
    monkeypatch.setattr("bot.storage.leases.STALE_AFTER", timedelta(seconds=1))
    monkeypatch.setattr("bot.adapter.exts.moderation.backfill.STALE_AFTER", timedelta(seconds=1))
    async with inprocess_bot(world, tmp_path, backfill={"progress_seconds": 0.2}) as second:
        moderation = ModerationStore(second.store)
        async with asyncio.timeout(120):
            while await moderation.unfinished_backfills():  # noqa: ASYNC110 - the database is the signal
                await asyncio.sleep(0.2)
        cursors = await moderation.cursors(world.guild.id)
        assert all(c.done for c in cursors) and sum(c.messages_read for c in cursors) >= 1_000

"""The terminal's backfill and the bot's on the same guild at once: one runs, the other says who holds it."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.adapter.app import QuidProNo
from bot.storage.models import BackfillLease
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

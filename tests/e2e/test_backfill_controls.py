"""Backfill controls: the Cancel button, resuming by running the command again, and the terminal command."""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.adapter.app import QuidProNo
from bot.storage import Store, make_engine
from bot.storage.moderation import ModerationStore
from standin import Channel, Member, Permissions
from tests.e2e.conftest import World, inprocess_bot
from tests.test_charts import decoded

ROOT = Path(__file__).resolve().parents[2]


def seed(world: World, channel: Channel, count: int) -> None:
    """Alice and Bob reply to each other, 6 minutes apart: past the 5-minute conversation gap, so every
    message is a reply and none is a conversation turn, and the cursor can move after each one."""
    start = datetime.now(UTC) - timedelta(minutes=6 * count + 60)
    previous = None
    for n in range(count):
        author = world.alice if n % 2 == 0 else world.bob
        previous = world.standin.add_message(channel, author, f"m{n}", reply_to=previous,
                                             timestamp=start + timedelta(minutes=6 * n))


SEEDED = 1_000  # ten pages of history in #art


@pytest.fixture
async def bot(world: World, tmp_path: Path) -> AsyncIterator[QuidProNo]:
    seed(world, world.art, SEEDED)
    async with inprocess_bot(world, tmp_path, backfill={"progress_seconds": 0.2}) as client:
        yield client


@pytest.fixture
async def mod(world: World) -> Member:
    return world.standin.add_member(world.guild, "mod", permissions=Permissions.MANAGE_GUILD)


async def test_cancel_then_run_again_to_resume(world: World, bot: QuidProNo, mod: Member) -> None:
    s = world.standin
    # Discord is slow today (every other page waits out a 429): the click lands mid-way on any machine.
    requests = itertools.count()
    slow = s.inject_ratelimit("GET", rf"/channels/{world.art.id}/messages", retry_after=0.2, times=None,
                              predicate=lambda _request: next(requests) % 2 == 0)
    handle = await s.slash_command(world.general, mod, "quidpro backfill", {"days": 30})
    started = await handle.wait_response()
    await handle.wait_edit(1, timeout=10)  # the first progress edit: some pages are read
    assert started.message is not None
    # Only the moderator sees the ephemeral progress; others who somehow click are refused all the same.
    refused = await s.click_button(started.message, f"qpn:backfill:cancel:{world.guild.id}", world.carol)
    assert "Only members with the **Manage Server**" in ((await refused.wait_response()).content or "")
    click = await s.click_button(started.message, f"qpn:backfill:cancel:{world.guild.id}", mod)
    assert "Cancelling" in ((await click.wait_response()).data.get("content") or "")
    slow.cancel()
    cancelled = await handle.wait_content(lambda content: "cancelled" in content, timeout=10)
    assert cancelled.startswith("Backfill cancelled (run it again to resume)")
    moderation = ModerationStore(bot.store)
    stopped = {c.channel_id: c for c in await moderation.cursors(world.guild.id)}
    assert not stopped[world.art.id].done and 0 < stopped[world.art.id].messages_read < SEEDED

    again = await s.slash_command(world.general, mod, "quidpro backfill", {"days": 30})
    assert "resuming the one that was interrupted" in ((await again.wait_response()).content or "")
    finished_text = await again.wait_content(lambda content: "finished" in content, timeout=120)
    assert finished_text.startswith("Backfill finished")
    finished = {c.channel_id: c for c in await moderation.cursors(world.guild.id)}
    assert all(c.done for c in finished.values()) and finished[world.art.id].messages_read == SEEDED
    actions = [e.action for e in await bot.store.audit_entries(world.guild.id)]
    assert actions == ["backfill_resumed", "backfill_started"]
    # Every message but the first replies to the one before; stopping and resuming lost or doubled none.
    assert await bot.store.event_count(world.guild.id) == SEEDED - 1


async def test_more_days_than_the_server_allows_is_refused(world: World, bot: QuidProNo, mod: Member) -> None:
    handle = await world.standin.slash_command(world.general, mod, "quidpro backfill", {"days": 200})
    assert "more than this server allows (`backfill.max_days` = 90)" in ((await handle.wait_response()).content or "")
    assert await ModerationStore(bot.store).cursors(world.guild.id) == []


async def run_cli(world: World, tmp_path: Path, *args: str) -> tuple[int, str, str]:
    env = {**os.environ, **world.standin.env(), "DISCORD_TOKEN": world.standin.token,
           "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}", "QUIDPRONO_CONFIG": str(ROOT / "config.yaml")}
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", *args, cwd=tmp_path, env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_the_terminal_backfill_shows_a_progress_bar(world: World, tmp_path: Path) -> None:
    seed(world, world.art, 300)
    code, _, err = await run_cli(world, tmp_path, "backfill", "--guild", str(world.guild.id), "--days", "30")
    assert code == 0, err
    assert "[" + "#" * 30 + "] 100%" in err and "\rDone" not in err
    assert "Done: 300 messages read, 299 interactions recorded." in err
    store = Store(make_engine(f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"))
    try:
        assert await store.event_count(world.guild.id) == 299
    finally:
        await store.close()

    code, out, _ = await run_cli(world, tmp_path, "stats", "--guild", str(world.guild.id), "--chart", "chart.png")
    assert code == 0 and "No follow-back demands in this period." in out
    assert decoded((tmp_path / "chart.png").read_bytes()).size == (900, 400)

    code, _, err = await run_cli(world, tmp_path, "backfill", "--guild", "123", "--days", "30")
    assert code == 2 and "the bot is not a member of guild 123" in err
    code, _, err = await run_cli(world, tmp_path, "backfill", "--guild", str(world.guild.id), "--days", "400")
    assert code == 2 and "--days must be between 1 and 90" in err


async def test_channels_out_of_scope_are_not_read(world: World, bot: QuidProNo, mod: Member) -> None:
    s = world.standin
    seed(world, world.general, 20)
    await (await s.slash_command(world.general, mod, "quidpro policy set",
                                 {"key": "scope.deny_channels", "value": f"[{world.art.id}]"})).wait_response()
    mark = s.mark()
    handle = await s.slash_command(world.general, mod, "quidpro backfill", {"days": 30})
    await handle.wait_response()
    finished = await handle.wait_content(lambda content: "finished" in content, timeout=10)
    assert finished.startswith("Backfill finished: 20 messages read, 19 interactions")
    assert not s.requests.filter("GET", rf"/channels/{world.art.id}/messages", since=mark)
    assert await bot.store.event_count(world.guild.id) == 19


async def test_a_repeated_backfill_reports_only_what_is_new(world: World, bot: QuidProNo, mod: Member) -> None:
    """Bug 10.8c: reading the same history again recorded nothing, yet said it recorded all of it again."""
    s = world.standin
    first = await s.slash_command(world.general, mod, "quidpro backfill", {"days": 30})
    await first.wait_response()
    text = await first.wait_content(lambda content: "finished" in content, timeout=120)
    assert f"{SEEDED - 1:,} interactions recorded" in text
    again = await s.slash_command(world.general, mod, "quidpro backfill", {"days": 30})
    await again.wait_response()
    text = await again.wait_content(lambda content: "finished" in content, timeout=120)
    assert f"{SEEDED:,} messages read, 0 interactions recorded" in text, text
    assert await bot.store.event_count(world.guild.id) == SEEDED - 1

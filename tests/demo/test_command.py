"""`quidprono demo` as a user runs it: one line on stdout, the page's URL, once the bot is connected."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[2]


async def test_demo_prints_one_line_with_the_url_and_the_page_shows_the_seeded_history(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISCORD_TOKEN", "DATABASE_URL")}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "demo", "--port", "0", "--data", str(tmp_path / "demo"), cwd=ROOT, env=env,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        assert process.stdout is not None
        url = (await asyncio.wait_for(process.stdout.readline(), 90)).decode().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/")
        async with aiohttp.ClientSession() as session:
            async with session.get(url) as page:
                assert "Quid Pro No playground" in await page.text()
            async with session.get(url + "api/channels/general/messages?as=rosa") as response:
                messages = (await response.json())["messages"]
        assert len(messages) > 20
        assert messages[-1]["content"].startswith("Backfill finished")  # the bot was connected and had read it all
        assert (tmp_path / "demo" / "demo.db").stat().st_size > 0  # an SQLite file of its own
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
        rest, errors = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, errors.decode()
    assert rest == b""  # exactly one line on stdout
    assert b"Traceback" not in errors

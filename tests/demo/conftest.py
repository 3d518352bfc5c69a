"""The playground with the real bot in the test's event loop, and its page served on a random port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.config import load_settings
from bot.demo import Demo
from standin.playground import PlaygroundApp

ROOT = Path(__file__).resolve().parents[2]


class Client:
    """The page's JSON API, as the page calls it."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session = session
        self.url = url

    async def get(self, path: str) -> Any:
        async with self.session.get(self.url + path.lstrip("/")) as response:
            assert response.status == 200, await response.text()
            return await response.json()

    async def post(self, path: str, body: dict[str, Any] | None = None, *, status: int = 200) -> Any:
        async with self.session.post(self.url + path.lstrip("/"), json=body or {}) as response:
            assert response.status == status, await response.text()
            return await response.json()

    async def messages(self, channel: str, viewer: str) -> list[dict[str, Any]]:
        return list((await self.get(f"/api/channels/{channel}/messages?as={viewer}"))["messages"])


@pytest.fixture
async def demo(tmp_path: Path) -> AsyncIterator[Demo]:
    playground = Demo(load_settings(ROOT / "config.yaml"), tmp_path)
    await playground.start()
    try:
        yield playground
    finally:
        await playground.close()


@pytest.fixture
async def app(demo: Demo) -> AsyncIterator[PlaygroundApp]:
    served = PlaygroundApp(demo)
    await served.start()
    try:
        yield served
    finally:
        await served.stop()


@pytest.fixture
async def client(app: PlaygroundApp) -> AsyncIterator[Client]:
    async with aiohttp.ClientSession() as session:
        yield Client(session, app.url)

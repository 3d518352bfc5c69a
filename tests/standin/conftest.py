from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from standin.server import StandIn


@pytest.fixture
async def standin() -> AsyncIterator[StandIn]:
    async with StandIn() as server:
        yield server

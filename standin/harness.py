"""Running a real discord.py client against a ``StandIn`` in the test's event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import TypeVar

import discord

from .server import StandIn

log = logging.getLogger("standin.harness")

ClientT = TypeVar("ClientT", bound=discord.Client)


@contextlib.asynccontextmanager
async def running_client(
    standin: StandIn,
    client: ClientT,
    *,
    token: str | None = None,
    ready_timeout: float = 10.0,
    close_timeout: float = 5.0,
) -> AsyncIterator[ClientT]:
    """Start ``client`` against ``standin`` (discord.py patched to point at it for the duration),
    wait for ``on_ready``, yield it, then close it and wait for its task to end.

    Build the client with ``guild_ready_timeout=0.1`` (a public ``discord.Client`` option) or
    ``on_ready`` comes ~2 s after the last GUILD_CREATE.
    """
    with standin.patch_discord():
        task = asyncio.create_task(client.start(token or standin.token), name="standin-client")
        try:
            waiter = asyncio.ensure_future(client.wait_until_ready())
            done, _ = await asyncio.wait({task, waiter}, timeout=ready_timeout, return_when=asyncio.FIRST_COMPLETED)
            if waiter not in done:
                waiter.cancel()
                if task in done:
                    task.result()  # raises the client's startup error (e.g. LoginFailure)
                    raise RuntimeError("the client stopped before it was ready")
                raise TimeoutError(f"the client was not ready within {ready_timeout}s")
            yield client
        finally:
            if not client.is_closed():
                await asyncio.wait_for(client.close(), close_timeout)
            if not task.done():
                try:
                    await asyncio.wait_for(task, close_timeout)
                except TimeoutError:
                    log.warning("client task did not end within %.1fs after close; cancelled", close_timeout)
            if task.done() and not task.cancelled() and task.exception() is not None:
                log.info("client task ended with %r", task.exception())

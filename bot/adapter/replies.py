"""Delivering one message's answers: where they go, with retries and fallbacks, logged once with ids."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import discord

log = logging.getLogger(__name__)

MODES = ("channel", "thread", "dm")
FIRST_RETRY, LONGEST_WAIT = 1.0, 30.0


# The Why? button's custom id under a verdict's reply: its demand's id, read back after a restart.
WHY_CUSTOM_ID = r"qpn:why:(?P<demand_id>[0-9]{1,20})"


def reply_nonce(message_id: int, slot: int | str) -> str:
    """Derived from the triggering message, so Discord (`enforce_nonce`) posts a resent reply only once."""
    return f"{message_id:x}.{slot}"  # at most 16 hex digits + slot: within Discord's 25 characters


class Answers:
    """Where one message's answers go: in the channel, in one thread under it, or by DM, as the server
    chose; the other modes when that one is refused (403, DMs closed), so the requester gets an answer.
    A reply refused with 5xx (after discord.py's own retries) is retried with backoff for `retry_for`
    seconds; its nonce makes a retry that did land the first time a no-op."""

    def __init__(self, message: discord.Message, mode: str, *, retry_for: float = 120.0) -> None:
        self.message = message
        self.mode = mode
        self.retry_for = retry_for
        self._destinations: dict[str, discord.abc.Messageable | None] = {}
        self.pings = discord.AllowedMentions(users=[message.author], everyone=False, roles=False,
                                             replied_user=True)

    async def send(self, text: str, item: discord.ui.Item[Any] | None, slot: int | str = 0) -> bool:
        """One answer: `slot` (a target's place, or "help") gives it its own nonce."""
        nonce = reply_nonce(self.message.id, slot)
        view = discord.ui.View(timeout=None)
        if item is not None:
            view.add_item(item)
        deadline, delay, attempts = time.monotonic() + self.retry_for, FIRST_RETRY, 0
        while True:
            attempts += 1
            try:
                mode = await self._deliver(text, view, nonce)
            except discord.HTTPException as error:
                if error.status < 500 or time.monotonic() + delay > deadline:
                    self._log("reply_given_up", nonce, attempts, status=error.status)
                    return False
                await asyncio.sleep(delay)
                delay = min(delay * 2, LONGEST_WAIT)
            else:
                self._log("reply_delivered", nonce, attempts, mode=mode)
                return True

    async def _deliver(self, text: str, view: discord.ui.View, nonce: str) -> str:
        """The mode that took the reply; the last refusal when none did; a 5xx as it came."""
        refusal: discord.HTTPException | None = None
        for mode in (self.mode, *(m for m in MODES if m != self.mode)):
            try:
                destination = await self._destination(mode)
                if mode == "channel":
                    await self.message.reply(text, view=view, mention_author=True, allowed_mentions=self.pings,
                                             nonce=nonce)
                elif destination is not None:
                    await destination.send(text, view=view, allowed_mentions=self.pings, nonce=nonce)
                else:
                    continue
            except discord.HTTPException as error:
                if error.status >= 500:
                    raise
                refusal = error  # closed channel, closed DMs, a thread gone: try the next mode
                continue
            self.mode = mode  # the next answers to this message go where this one went
            return mode
        assert refusal is not None  # the channel is always tried: it answered or it refused
        raise refusal

    async def _destination(self, mode: str) -> discord.abc.Messageable | None:
        """The thread or the DM channel, made once per message (None: that mode is impossible here)."""
        if mode == "channel" or mode in self._destinations:
            return self._destinations.get(mode)
        destination: discord.abc.Messageable | None = None
        if mode == "dm":
            destination = await self.message.author.create_dm()
        elif isinstance(self.message.channel, discord.TextChannel):
            destination = await self.message.create_thread(name="Quid Pro No", auto_archive_duration=60)
        self._destinations[mode] = destination
        return destination

    def _log(self, event: str, nonce: str, attempts: int, **detail: object) -> None:
        message = self.message
        extra = " ".join(f"{key}={value}" for key, value in detail.items())
        log_at = log.info if event == "reply_delivered" else log.warning
        log_at("event=%s guild_id=%s channel_id=%s message_id=%s nonce=%s attempts=%d %s", event,
               message.guild and message.guild.id, message.channel.id, message.id, nonce, attempts, extra)

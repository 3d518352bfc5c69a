"""Discord's OAuth2 and user endpoints, as the dashboard calls them (all at DISCORD_API_BASE), and who may
manage which server: the user's Manage Server permission where the bot is present, cached briefly."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.web.config import WebConfig

log = logging.getLogger(__name__)

MANAGE_GUILD = 1 << 5
ADMINISTRATOR = 1 << 3
SCOPES = "identify guilds"
VIEW_CACHE_SECONDS = 60.0
CHANGE_CACHE_SECONDS = 10.0  # a change rechecks the permission unless it was checked this recently


class DiscordError(Exception):
    """Discord refused or failed; the message is safe to show (no tokens in it)."""


@dataclass(frozen=True, slots=True)
class UserGuild:
    id: int
    name: str
    can_manage: bool


@dataclass(frozen=True, slots=True)
class DiscordUser:
    id: int
    name: str


class DiscordApi:
    def __init__(self, config: WebConfig, http: aiohttp.ClientSession) -> None:
        self.config = config
        self.http = http

    async def exchange_code(self, code: str) -> str:
        """The authorization code for an access token (the code grant's second leg)."""
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": self.config.redirect_uri,
                "client_id": self.config.client_id,
                "client_secret": self.config.client_secret.get_secret_value()}
        async with self.http.post(self.config.api_base + "/oauth2/token", data=form) as response:
            body = await _json(response)
        token = body.get("access_token") if isinstance(body, dict) else None
        if response.status != 200 or not isinstance(token, str):
            error = body.get("error") if isinstance(body, dict) else None
            raise DiscordError(f"Discord refused the login ({response.status} {error or 'no token'})")
        return token

    async def revoke(self, token: str) -> None:
        """The access token ends at Discord too (logging out), not only in our cookie."""
        form = {"token": token, "token_type_hint": "access_token", "client_id": self.config.client_id,
                "client_secret": self.config.client_secret.get_secret_value()}
        async with self.http.post(self.config.api_base + "/oauth2/token/revoke", data=form) as response:
            await response.read()
        if response.status != 200:
            raise DiscordError(f"Discord did not revoke the login ({response.status})")

    async def current_user(self, token: str) -> DiscordUser:
        body = await self._get("/users/@me", f"Bearer {token}")
        return DiscordUser(int(body["id"]), str(body.get("global_name") or body.get("username") or body["id"]))

    async def user_guilds(self, token: str) -> list[UserGuild]:
        body = await self._get("/users/@me/guilds", f"Bearer {token}")
        return [UserGuild(int(g["id"]), str(g.get("name", g["id"])), _can_manage(g)) for g in body]

    async def bot_guild_ids(self) -> set[int]:
        if self.config.bot_token is None:
            raise DiscordError("DISCORD_TOKEN is not set, so the dashboard cannot tell which servers the bot is in")
        body = await self._get("/users/@me/guilds", f"Bot {self.config.bot_token.get_secret_value()}")
        return {int(g["id"]) for g in body}

    async def _get(self, path: str, authorization: str) -> Any:
        async with self.http.get(self.config.api_base + path, headers={"Authorization": authorization}) as response:
            body = await _json(response)
        if response.status == 401:
            raise LoginExpired("Discord no longer accepts this login; log in again")
        if response.status != 200:
            raise DiscordError(f"Discord answered {response.status} for {path}")
        return body


class LoginExpired(DiscordError):
    pass


def _can_manage(guild: dict[str, Any]) -> bool:
    permissions = int(guild.get("permissions") or 0)
    return bool(guild.get("owner")) or bool(permissions & (MANAGE_GUILD | ADMINISTRATOR))


async def _json(response: aiohttp.ClientResponse) -> Any:
    try:
        return await response.json(content_type=None)
    except ValueError:
        return None


class Access:
    """Which servers a user may manage here: theirs with Manage Server, where the bot is too. Cached briefly
    per user; a change asks Discord again unless the answer is only seconds old."""

    def __init__(self, api: DiscordApi, clock: Callable[[], float] = time.monotonic,
                 bot_guilds: Callable[[], set[int]] | None = None) -> None:
        self.api = api
        self.clock = clock
        self._bot_guilds = bot_guilds  # in the bot's own process: its live guild list
        self._users: dict[int, tuple[float, list[UserGuild]]] = {}
        self._bot: tuple[float, set[int]] | None = None

    async def manageable(self, user_id: int, token: str, *, changing: bool = False) -> list[UserGuild]:
        max_age = CHANGE_CACHE_SECONDS if changing else VIEW_CACHE_SECONDS
        cached = self._users.get(user_id)
        if cached is None or self.clock() - cached[0] > max_age:
            cached = (self.clock(), await self.api.user_guilds(token))
            self._users[user_id] = cached
        present = await self.bot_guilds()
        return [guild for guild in cached[1] if guild.can_manage and guild.id in present]

    async def guild_for(self, user_id: int, token: str, guild_id: int, *, changing: bool) -> UserGuild | None:
        return next((g for g in await self.manageable(user_id, token, changing=changing) if g.id == guild_id), None)

    async def bot_guilds(self) -> set[int]:
        if self._bot_guilds is not None:
            return self._bot_guilds()
        if self._bot is None or self.clock() - self._bot[0] > VIEW_CACHE_SECONDS:
            self._bot = (self.clock(), await self.api.bot_guild_ids())
        return self._bot[1]

    def forget(self, user_id: int) -> None:
        self._users.pop(user_id, None)


async def guild_channel_ids(api: DiscordApi, guild_id: int) -> set[int]:
    """The server's channels as the bot sees them: where an audit channel may point."""
    if api.config.bot_token is None:
        return set()
    body = await api._get(f"/guilds/{guild_id}/channels", f"Bot {api.config.bot_token.get_secret_value()}")
    return {int(channel["id"]) for channel in body}


class MemberNames:
    """Members' display names for the pages (the database keeps ids only), asked of Discord with the bot's
    token a few at a time and kept ten minutes; an id stands in when Discord cannot say."""

    TTL_SECONDS = 600.0
    CONCURRENCY = 4

    def __init__(self, api: DiscordApi, clock: Callable[[], float] = time.monotonic) -> None:
        self.api = api
        self.clock = clock
        self._names: dict[tuple[int, int], tuple[float, str | None]] = {}

    async def of(self, guild_id: int, user_ids: Iterable[int]) -> dict[int, str]:
        wanted = set(user_ids)
        now = self.clock()
        stale = [u for u in wanted if now - self._names.get((guild_id, u), (-1e18, None))[0] > self.TTL_SECONDS]
        if stale and self.api.config.bot_token is not None:
            gate = asyncio.Semaphore(self.CONCURRENCY)

            async def fetch(user_id: int) -> None:
                async with gate:
                    self._names[guild_id, user_id] = (self.clock(), await self._fetch(guild_id, user_id))

            await asyncio.gather(*(fetch(u) for u in stale))
        return {u: name for u in wanted if (name := self._names.get((guild_id, u), (0.0, None))[1])}

    async def _fetch(self, guild_id: int, user_id: int) -> str | None:
        assert self.api.config.bot_token is not None
        try:
            member = await self.api._get(f"/guilds/{guild_id}/members/{user_id}",
                                         f"Bot {self.api.config.bot_token.get_secret_value()}")
        except (DiscordError, aiohttp.ClientError, TimeoutError):
            return None
        user = member.get("user") or {}
        name = member.get("nick") or user.get("global_name") or user.get("username")
        return str(name) if name else None

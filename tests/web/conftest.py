"""The dashboard against the Discord stand-in: its OAuth2 login, a real database, and optionally the bot."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from yarl import URL

from bot.config import Environment
from bot.core.settings import Settings
from bot.storage import Store, make_engine
from bot.web.app import Dashboard
from bot.web.config import WebConfig
from bot.web.server import serving, standalone
from standin import Member, Permissions, StandIn
from tests.conftest import reused_or_migrated_sqlite
from tests.e2e.conftest import World, build_world


@dataclass
class Site:
    world: World
    url: str
    store: Store
    dashboard: Dashboard
    moderator: Member  # has Manage Server
    member: Member  # has not

    @property
    def standin(self) -> StandIn:
        return self.world.standin

    def guild_url(self, page: str = "") -> str:
        return f"{self.url}/guilds/{self.world.guild.id}{page}"


def web_config(standin: StandIn, public_url: str) -> WebConfig:
    return WebConfig(client_id=str(standin.oauth2.client_id), client_secret=SecretStr(standin.oauth2.client_secret),
                     public_url=public_url, api_base=standin.api_base, bot_token=SecretStr(standin.token),
                     session_key=SecretStr(Fernet.generate_key().decode()))


@contextlib.asynccontextmanager
async def dashboard_site(world: World, database: Path, settings: Settings | None = None) -> AsyncIterator[Site]:
    """The dashboard as its own process would run it (Discord over REST, the bot only through the database)."""
    url = reused_or_migrated_sqlite(database)
    store = Store(make_engine(url))
    moderator = world.standin.add_member(world.guild, "moderator", permissions=Permissions.MANAGE_GUILD)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        public_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        config = web_config(world.standin, public_url)
        world.standin.oauth2.redirect_uris = {config.redirect_uri}
        try:
            env = Environment(token=SecretStr(world.standin.token), database_url=url, config_path=None,
                              api_base=world.standin.api_base, gateway_url=world.standin.gateway_url)
            async with (standalone(env, config, settings or Settings(), store) as dashboard,
                        serving(dashboard, sock=sock)):
                yield Site(world, public_url, store, dashboard, moderator, world.bob)
        finally:
            await store.close()


@pytest.fixture
async def world() -> AsyncIterator[World]:
    async with StandIn() as standin:
        yield build_world(standin)


@pytest.fixture
async def site(world: World, tmp_path: Path) -> AsyncIterator[Site]:
    async with dashboard_site(world, tmp_path / "web.db") as running:
        yield running


async def log_in(site: Site, http: aiohttp.ClientSession, who: Member) -> None:
    """The whole OAuth2 login as a browser does it, without a browser: authorize, redirect back, session."""
    site.standin.oauth2.signed_in = who.user
    async with http.get(site.url + "/login", allow_redirects=False) as response:
        assert response.status == 302
        authorize = response.headers["Location"]
    async with http.get(authorize) as response:
        assert response.status == 200
    query = URL(authorize).query
    form = {name: query[name] for name in ("client_id", "redirect_uri", "scope", "state")} | {"user_id": str(who.id)}
    async with http.post(site.standin.http_base + "/oauth2/authorize", data=form, allow_redirects=True) as response:
        assert response.status == 200, await response.text()
        assert str(response.url).startswith(site.url)

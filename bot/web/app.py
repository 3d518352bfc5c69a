"""The dashboard's aiohttp application: what it holds, its middlewares and its routes."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp_session import setup as setup_sessions

from bot.config import ConfigError, with_overrides
from bot.core.model import actor_label
from bot.core.settings import Settings
from bot.storage import Store
from bot.storage.dashboard import DashboardStore
from bot.storage.moderation import ModerationStore
from bot.web.config import WebConfig

if TYPE_CHECKING:
    from bot.web.backfill import Backfills
from bot.web.descriptions import read_descriptions
from bot.web.discord_api import Access, DiscordApi, MemberNames
from bot.web.overview import OverviewStats
from bot.web.security import RateLimits, session_storage

log = logging.getLogger(__name__)

HERE = Path(__file__).parent


async def _no_channels(_guild_id: int) -> set[int]:
    return set()


@dataclass
class Dashboard:
    """Everything the handlers use. `on_settings_changed` tells a bot in the same process at once; a bot in
    another process sees the change through the stored settings' version on its next decision."""

    config: WebConfig
    settings: Settings  # config.yaml: the defaults every server starts from
    store: Store
    api: DiscordApi
    access: Access
    on_settings_changed: Callable[[int], None] = lambda _guild_id: None
    bot_user_id: Callable[[], int] = lambda: 0
    guild_channels: Callable[[int], Awaitable[set[int]]] = _no_channels
    backfills: Backfills | None = None  # None without DISCORD_TOKEN
    limits: RateLimits = field(default_factory=RateLimits)
    descriptions: dict[str, str] = field(default_factory=read_descriptions)
    overview: OverviewStats = field(init=False)
    names: MemberNames = field(init=False)

    def __post_init__(self) -> None:
        self.overview = OverviewStats(self.dashboard_store, self.moderation)
        self.names = MemberNames(self.api)

    async def guild_settings(self, guild_id: int) -> Settings:
        """What the bot decides this server's demands with (config.yaml alone if stored overrides stopped fitting)."""
        try:
            return with_overrides(self.settings, await self.store.guild_overrides(guild_id))
        except ConfigError:
            return self.settings

    @property
    def dashboard_store(self) -> DashboardStore:
        return DashboardStore(self.store)

    @property
    def moderation(self) -> ModerationStore:
        return ModerationStore(self.store)


DASHBOARD = web.AppKey("dashboard", Dashboard)

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self';"
                               " frame-ancestors 'none'; form-action 'self' " ,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


@web.middleware
async def errors_and_headers(request: web.Request,
                             handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as error:
        if error.status < 400 or error.content_type == "text/html":
            raise
        response = _error_page(request, error.status, error.text or error.reason)
    except Exception:
        log.exception("event=web_handler_failed method=%s path=%s", request.method, request.path)
        response = _error_page(request, 500, "Something went wrong on our side; it has been logged.")
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "public, max-age=3600")
    return response


def _error_page(request: web.Request, status: int, message: str) -> web.Response:
    response = aiohttp_jinja2.render_template("error.html", request, {"status": status, "message": message},
                                              status=status)
    return response


def make_app(dashboard: Dashboard) -> web.Application:
    from bot.web import auth, backfill, pages, policy

    app = web.Application(middlewares=[errors_and_headers], client_max_size=256 * 1024)
    app[DASHBOARD] = dashboard
    setup_sessions(app, session_storage(dashboard.config))
    templates = aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                                     undefined=jinja2.StrictUndefined)
    templates.globals["actor_label"] = actor_label
    app.router.add_static("/static/", HERE / "static")
    auth.add_routes(app)
    pages.add_routes(app)
    policy.add_routes(app)
    backfill.add_routes(app)
    return app

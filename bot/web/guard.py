"""Every server route goes through `guild_route`: logged in, Manage Server there (asked of Discord, cached
briefly, again on changes), the bot present, and for changes a rate limit and a valid CSRF token. Anything
else gets 403, whatever the URL or form says."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp_session import Session, get_session
from multidict import MultiDictProxy

from bot.web.app import DASHBOARD, Dashboard
from bot.web.discord_api import DiscordError, LoginExpired, UserGuild
from bot.web.security import CHANGE_LIMIT, csrf_token, csrf_valid

log = logging.getLogger(__name__)

NOT_A_MODERATOR = ("You can't manage this server here: the dashboard is for members with the Manage Server"
                   " permission on a server where Quid Pro No is present.")
FORGED = ("This form did not come from the dashboard, or it expired. Nothing was changed: reload the page and"
          " try again.")


@dataclass
class GuildRequest:
    request: web.Request
    dashboard: Dashboard
    session: Session
    user_id: int
    guild: UserGuild
    form: MultiDictProxy[Any] | None  # posted fields, CSRF-checked

    @property
    def guild_id(self) -> int:
        return self.guild.id

    def context(self, **values: Any) -> dict[str, Any]:
        """What every server page's template gets."""
        return {"guild": self.guild, "user_name": self.session.get("user_name"), "csrf": self.csrf(),
                "section": values.pop("section", ""), **values}

    def csrf(self) -> str:
        return csrf_token(self.session, self.dashboard.config.derived_key("csrf"))


GuildHandler = Callable[[GuildRequest], Awaitable[web.StreamResponse]]


def guild_route(handler: GuildHandler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def route(request: web.Request) -> web.StreamResponse:
        dashboard = request.app[DASHBOARD]
        changing = request.method != "GET"
        session = await get_session(request)
        user_id, token = session.get("user_id"), session.get("token")
        if not isinstance(user_id, int) or not isinstance(token, str):
            if changing:
                raise web.HTTPForbidden(text="Log in first: nothing was changed.")
            raise web.HTTPFound("/login?next=" + request.path)
        guild = await _managed_guild(dashboard, session, user_id, token, request, changing=changing)
        form = None
        if changing:
            if not dashboard.limits.allow(CHANGE_LIMIT, "change", str(user_id)):
                raise web.HTTPTooManyRequests(text="Too many changes in a minute: wait a moment, then try again.")
            form = await request.post()
            if not csrf_valid(session, dashboard.config.derived_key("csrf"), form):
                log.warning("event=web_csrf_refused user_id=%s guild_id=%s path=%s", user_id, guild.id, request.path)
                raise web.HTTPForbidden(text=FORGED)
        return await handler(GuildRequest(request, dashboard, session, user_id, guild, form))

    return route


async def _managed_guild(dashboard: Dashboard, session: Session, user_id: int, token: str, request: web.Request,
                         *, changing: bool) -> UserGuild:
    try:
        guild_id = int(request.match_info["guild_id"])
    except ValueError:
        raise web.HTTPNotFound(text="No such server.") from None
    try:
        guild = await dashboard.access.guild_for(user_id, token, guild_id, changing=changing)
    except LoginExpired:
        session.invalidate()
        raise web.HTTPFound("/login") from None
    except DiscordError as error:
        raise web.HTTPServiceUnavailable(text=f"{error}. Try again in a moment.") from None
    if guild is None:
        log.info("event=web_refused user_id=%s guild_id=%s path=%s", user_id, guild_id, request.path)
        raise web.HTTPForbidden(text=NOT_A_MODERATOR)
    return guild

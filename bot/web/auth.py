"""Logging in with Discord (OAuth2 authorization code grant, `state` checked) and out; the server list."""

from __future__ import annotations

import logging
import secrets
from urllib.parse import urlencode

import aiohttp
import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session, new_session

from bot.web.app import DASHBOARD
from bot.web.discord_api import SCOPES, DiscordError, LoginExpired
from bot.web.security import LOGIN_LIMIT, csrf_token, csrf_valid

log = logging.getLogger(__name__)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", index)
    app.router.add_get("/login", login)
    app.router.add_get("/callback", callback)
    app.router.add_post("/logout", logout)


def _client(request: web.Request) -> str:
    return request.remote or "unknown"


async def index(request: web.Request) -> web.StreamResponse:
    dashboard = request.app[DASHBOARD]
    session = await get_session(request)
    user_id, token = session.get("user_id"), session.get("token")
    if not isinstance(user_id, int) or not isinstance(token, str):
        return aiohttp_jinja2.render_template("login.html", request, {"user_name": None})
    try:
        guilds = await dashboard.access.manageable(user_id, token)
    except LoginExpired:
        session.invalidate()
        raise web.HTTPFound("/login") from None
    except DiscordError as error:
        raise web.HTTPServiceUnavailable(text=f"{error}. Try again in a moment.") from None
    return aiohttp_jinja2.render_template("index.html", request, {
        "user_name": session.get("user_name"), "guilds": guilds,
        "csrf": csrf_token(session, dashboard.config.derived_key("csrf"))})


async def login(request: web.Request) -> web.StreamResponse:
    dashboard = request.app[DASHBOARD]
    if not dashboard.limits.allow(LOGIN_LIMIT, "login", _client(request)):
        raise web.HTTPTooManyRequests(text="Too many logins from here in a minute: wait a moment, then try again.")
    session = await get_session(request)
    state = secrets.token_urlsafe(24)
    session["oauth_state"] = state
    following = request.query.get("next", "/")
    session["next"] = following if following.startswith("/") and not following.startswith("//") else "/"
    query = {"client_id": dashboard.config.client_id, "redirect_uri": dashboard.config.redirect_uri,
             "response_type": "code", "scope": SCOPES, "state": state, "prompt": "none"}
    raise web.HTTPFound(dashboard.config.authorize_url + "?" + urlencode(query))


async def callback(request: web.Request) -> web.StreamResponse:
    dashboard = request.app[DASHBOARD]
    if not dashboard.limits.allow(LOGIN_LIMIT, "login", _client(request)):
        raise web.HTTPTooManyRequests(text="Too many logins from here in a minute: wait a moment, then try again.")
    session = await get_session(request)
    expected, following = session.pop("oauth_state", None), session.pop("next", "/")
    state, code = request.query.get("state", ""), request.query.get("code", "")
    if not isinstance(expected, str) or not secrets.compare_digest(state, expected):
        log.warning("event=web_login_state_mismatch")
        raise web.HTTPBadRequest(text="That login link was not started here, or it was used already. Log in again.")
    if not code:
        raise web.HTTPBadRequest(text="Discord did not authorise the login (it was cancelled). Nothing happened.")
    try:
        token = await dashboard.api.exchange_code(code)
        user = await dashboard.api.current_user(token)
    except DiscordError as error:
        raise web.HTTPBadGateway(text=str(error)) from None
    session = await new_session(request)  # a fresh session at login: no fixation of an old one
    session.update({"user_id": user.id, "user_name": user.name, "token": token})
    dashboard.access.forget(user.id)
    log.info("event=web_login user_id=%s", user.id)
    raise web.HTTPFound(following)


async def logout(request: web.Request) -> web.StreamResponse:
    """The session cleared and its Discord token revoked: a copied cookie or token is worth nothing after."""
    dashboard = request.app[DASHBOARD]
    session = await get_session(request)
    if not csrf_valid(session, dashboard.config.derived_key("csrf"), await request.post()):
        raise web.HTTPForbidden(text="This form did not come from the dashboard. Reload the page and try again.")
    user_id, token = session.get("user_id"), session.get("token")
    session.invalidate()
    if isinstance(user_id, int):
        dashboard.access.forget(user_id)
    if isinstance(token, str):
        try:
            await dashboard.api.revoke(token)
        except (DiscordError, aiohttp.ClientError, TimeoutError) as error:
            # The session is gone either way; the token then ends on its own (a week at most).
            log.warning("event=web_logout_revoke_failed user_id=%s error=%s", user_id, type(error).__name__)
    log.info("event=web_logout user_id=%s", user_id)
    raise web.HTTPFound("/")

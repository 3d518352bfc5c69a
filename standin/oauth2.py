"""Discord's OAuth2 authorization code grant: ``/oauth2/authorize``, ``/api/oauth2/token``,
``/api/oauth2/token/revoke``, and Bearer access to ``/users/@me`` and ``/users/@me/guilds``, so a
dashboard's whole login and logout run locally.

The stand-in has no Discord login page: the authorize page lists the (non-bot) users to continue as,
or only ``signed_in`` when a test set it, like a browser already logged in to Discord.
"""

from __future__ import annotations

import html
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import BasicAuth, web

from . import _payloads as p
from .models import Guild, User
from .state import State

CODE_LIFETIME = 600.0  # seconds, like Discord's ten minutes
TOKEN_LIFETIME = 604_800  # seconds: a week
SCOPES = frozenset({"identify", "guilds", "email", "guilds.members.read"})


@dataclass
class Grant:
    user: User
    scopes: frozenset[str]
    redirect_uri: str
    expires: float


@dataclass
class OAuth2:
    state: State
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    #: Accepted redirect URIs; empty accepts any http(s) URI (tests run on random ports).
    redirect_uris: set[str] = field(default_factory=set)
    #: The user "logged in to Discord" in the browser; None shows a list of users to continue as.
    signed_in: User | None = None
    codes: dict[str, Grant] = field(default_factory=dict)
    tokens: dict[str, Grant] = field(default_factory=dict)
    #: Every token request's (grant_type, outcome), for tests.
    token_requests: list[tuple[str, str]] = field(default_factory=list)
    #: Every revocation request's outcome ("revoked", "unknown_token" or an error), for tests.
    revocations: list[str] = field(default_factory=list)

    @property
    def client_id(self) -> int:
        return self.state.application.id

    # ---- the browser side --------------------------------------------------------------------------------

    async def authorize_page(self, request: web.Request) -> web.Response:
        query = request.query
        problem = self._authorize_problem(query.get("client_id"), query.get("redirect_uri"),
                                          query.get("response_type"), query.get("scope", ""))
        if problem:
            return web.Response(status=400, text=problem)
        hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                         for k, v in query.items() if k in {"client_id", "redirect_uri", "scope", "state"})
        users = [self.signed_in] if self.signed_in else [u for u in self.state.users.values() if not u.bot]
        buttons = "".join(f'<button name="user_id" value="{u.id}">Authorize as {html.escape(u.display_name)}</button>'
                          for u in users)
        scopes = ", ".join(html.escape(s) for s in query.get("scope", "").split())
        body = (f"<!doctype html><title>Authorize {html.escape(self.state.application.name)}</title>"
                f"<h1>{html.escape(self.state.application.name)} wants to access your account</h1>"
                f"<p>Scopes: {scopes}</p><form method=post action=/oauth2/authorize>{hidden}{buttons}"
                f'<button name="deny" value="1">Cancel</button></form>')
        return web.Response(text=body, content_type="text/html")

    async def authorize(self, request: web.Request) -> web.Response:
        form = await request.post()
        redirect_uri, scope = str(form.get("redirect_uri", "")), str(form.get("scope", ""))
        problem = self._authorize_problem(str(form.get("client_id", "")), redirect_uri, "code", scope)
        if problem:
            return web.Response(status=400, text=problem)
        answer: dict[str, str] = {}
        user = self.state.users.get(int(str(form.get("user_id", "0")) or 0))
        if form.get("deny") or user is None or user.bot:
            answer["error"] = "access_denied"
        else:
            code = secrets.token_urlsafe(16)
            self.codes[code] = Grant(user, frozenset(scope.split()), redirect_uri, time.monotonic() + CODE_LIFETIME)
            answer["code"] = code
        if "state" in form:
            answer["state"] = str(form["state"])
        separator = "&" if "?" in redirect_uri else "?"
        raise web.HTTPFound(redirect_uri + separator + urlencode(answer))

    def _authorize_problem(self, client_id: str | None, redirect_uri: str | None, response_type: str | None,
                           scope: str) -> str | None:
        if client_id != str(self.client_id):
            return "Invalid OAuth2 application: unknown client_id"
        if not redirect_uri or not redirect_uri.startswith(("http://", "https://")):
            return "Invalid OAuth2 redirect_uri"
        if self.redirect_uris and redirect_uri not in self.redirect_uris:
            return "Invalid OAuth2 redirect_uri: not registered for this application"
        if response_type != "code":
            return "Invalid response_type: only the authorization code grant is supported"
        unknown = set(scope.split()) - SCOPES
        if not scope.split() or unknown:
            return f"Invalid scope: {' '.join(sorted(unknown)) or '(none)'}"
        return None

    # ---- the server side ----------------------------------------------------------------------------------

    def _client_valid(self, request: web.Request, form: Any) -> bool:
        """The client's credentials, from HTTP Basic or the form, as Discord accepts either."""
        client_id, client_secret = str(form.get("client_id", "")), str(form.get("client_secret", ""))
        if "Authorization" in request.headers:
            try:
                basic = BasicAuth.decode(request.headers["Authorization"])
                client_id, client_secret = basic.login, basic.password
            except ValueError:
                pass
        return client_id == str(self.client_id) and secrets.compare_digest(client_secret, self.client_secret)

    async def token(self, request: web.Request) -> web.Response:
        form = await request.post()
        grant_type = str(form.get("grant_type", ""))
        if not self._client_valid(request, form):
            return self._token_error(grant_type, 401, "invalid_client")
        if grant_type != "authorization_code":
            return self._token_error(grant_type, 400, "unsupported_grant_type")
        grant = self.codes.pop(str(form.get("code", "")), None)
        if grant is None or grant.expires < time.monotonic() or grant.redirect_uri != form.get("redirect_uri"):
            return self._token_error(grant_type, 400, "invalid_grant")
        access = secrets.token_urlsafe(24)
        self.tokens[access] = Grant(grant.user, grant.scopes, grant.redirect_uri, time.monotonic() + TOKEN_LIFETIME)
        self.token_requests.append((grant_type, "ok"))
        return web.json_response({"access_token": access, "token_type": "Bearer", "expires_in": TOKEN_LIFETIME,
                                  "refresh_token": secrets.token_urlsafe(24), "scope": " ".join(sorted(grant.scopes))})

    async def revoke_token(self, request: web.Request) -> web.Response:
        """``POST /api/oauth2/token/revoke``: the access token stops working at once. Like Discord (RFC 7009),
        an unknown or already revoked token is still a 200."""
        form = await request.post()
        if not self._client_valid(request, form):
            self.revocations.append("invalid_client")
            return web.json_response({"error": "invalid_client"}, status=401)
        known = self.tokens.pop(str(form.get("token", "")), None)
        self.revocations.append("revoked" if known is not None else "unknown_token")
        return web.json_response({})

    def _token_error(self, grant_type: str, status: int, error: str) -> web.Response:
        self.token_requests.append((grant_type, error))
        return web.json_response({"error": error}, status=status)

    def bearer_grant(self, authorization: str | None) -> Grant | None:
        """The grant behind an ``Authorization: Bearer ...`` header, while it is valid."""
        if not authorization or not authorization.startswith("Bearer "):
            return None
        grant = self.tokens.get(authorization.removeprefix("Bearer "))
        return grant if grant is not None and grant.expires > time.monotonic() else None

    def revoke(self, user: User) -> None:
        """End every session of `user` (a test's "the token was revoked")."""
        self.tokens = {token: grant for token, grant in self.tokens.items() if grant.user is not user}

    def me(self, grant: Grant) -> tuple[int, Any]:
        if "identify" not in grant.scopes:
            return 403, p.error(0, "401: Unauthorized (missing scope identify)")
        return 200, p.current_user(grant.user)

    def my_guilds(self, grant: Grant) -> tuple[int, Any]:
        if "guilds" not in grant.scopes:
            return 403, p.error(0, "401: Unauthorized (missing scope guilds)")
        guilds = [g for g in self.state.guilds.values() if grant.user.id in g.members]
        return 200, [_partial_guild(g, grant.user) for g in sorted(guilds, key=lambda g: g.id)]


def _partial_guild(guild: Guild, user: User) -> dict[str, Any]:
    member = guild.members[user.id]
    return {"id": str(guild.id), "name": guild.name, "icon": None, "banner": None, "owner": member.is_owner,
            "permissions": str(int(member.permissions)), "features": []}

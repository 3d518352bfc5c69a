"""Sessions, CSRF tokens and rate limits, from well-kept libraries: aiohttp-session's encrypted, expiring
cookie (Fernet: signed, encrypted, with a time limit), WTForms' session CSRF, and `limits`' moving windows."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp_session import Session
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from multidict import MultiDictProxy
from wtforms import Form
from wtforms.csrf.session import SessionCSRF

from bot.web.config import WebConfig

SESSION_COOKIE = "qpn_session"
SESSION_SECONDS = 8 * 3600  # a moderator logs in again after a working day
CSRF_FIELD = "csrf_token"
LOGIN_LIMIT = parse("20/minute")  # per client address
CHANGE_LIMIT = parse("30/minute")  # per moderator: previews and applies


def session_storage(config: WebConfig) -> EncryptedCookieStorage:
    # SameSite=Lax, not Strict: the OAuth2 redirect back from Discord is a cross-site top-level navigation
    # and must carry the cookie holding the `state` it is checked against. Lax still keeps it off
    # cross-site form posts, and every change also needs a CSRF token.
    return EncryptedCookieStorage(config.session_key.get_secret_value(), cookie_name=SESSION_COOKIE,
                                  max_age=SESSION_SECONDS, httponly=True, samesite="Lax",
                                  secure=config.secure_cookies)


class _CsrfForm(Form):
    class Meta:
        csrf = True
        csrf_class = SessionCSRF
        csrf_field_name = CSRF_FIELD
        csrf_time_limit = timedelta(seconds=SESSION_SECONDS)


class _FormData:
    """aiohttp's form data as WTForms reads it (it asks for `getlist`)."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = data

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def getlist(self, key: str) -> list[Any]:
        if isinstance(self._data, MultiDictProxy):
            return list(self._data.getall(key, []))
        return [self._data[key]] if key in self._data else []


def csrf_token(session: Session, secret: bytes) -> str:
    form = _CsrfForm(meta={"csrf_secret": secret, "csrf_context": session})
    return str(getattr(form, CSRF_FIELD).current_token)


def csrf_valid(session: Session, secret: bytes, data: Mapping[str, Any]) -> bool:
    form = _CsrfForm(formdata=_FormData(data), meta={"csrf_secret": secret, "csrf_context": session})
    return bool(form.validate())


class RateLimits:
    def __init__(self) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def allow(self, rule: RateLimitItem, *keys: str) -> bool:
        return bool(self._limiter.hit(rule, *keys))


class AccessLogger(AbstractAccessLogger):
    """Method, path and status, never the query string: /callback's carries the OAuth2 code and state."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time_taken: float) -> None:
        self.logger.info("event=http method=%s path=%s status=%s ms=%.1f", request.method, request.path,
                         response.status, time_taken * 1000)

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)

"""What the dashboard needs from the environment: the OAuth2 application, the public URL, the session key."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from pydantic import SecretStr

from bot.config import ConfigError

DISCORD_API = "https://discord.com/api/v10"
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True)
class WebConfig:
    client_id: str
    client_secret: SecretStr
    public_url: str  # where browsers reach the dashboard, without a trailing slash
    api_base: str  # Discord's REST base, /api/v10 included
    bot_token: SecretStr | None  # to learn which servers the bot is in
    session_key: SecretStr  # 32 random bytes, urlsafe base64: encrypts and signs the session cookie
    session_key_generated: bool = False

    @classmethod
    def read(cls, environ: Mapping[str, str] = os.environ) -> WebConfig:
        missing = [name for name in ("DISCORD_CLIENT_ID", "DISCORD_CLIENT_SECRET") if not environ.get(name, "").strip()]
        if missing:
            raise ConfigError(f"{' and '.join(missing)} not set: the dashboard logs moderators in with Discord"
                              " OAuth2. Copy them from your application's OAuth2 page in the Discord developer"
                              " portal, and add <public URL>/callback as a redirect there.")
        public_url = (environ.get("QUIDPRONO_PUBLIC_URL") or "").strip().rstrip("/")
        if not public_url:
            raise ConfigError("QUIDPRONO_PUBLIC_URL not set: the address browsers use to reach the dashboard,"
                              " e.g. https://quidprono.example.org (its /callback is the OAuth2 redirect)")
        if urlsplit(public_url).scheme not in ("http", "https") or not urlsplit(public_url).hostname:
            raise ConfigError(f"QUIDPRONO_PUBLIC_URL={public_url!r} is not an http(s) URL")
        key = (environ.get("QUIDPRONO_SESSION_KEY") or "").strip()
        token = (environ.get("DISCORD_TOKEN") or "").strip()
        return cls(
            client_id=environ["DISCORD_CLIENT_ID"].strip(),
            client_secret=SecretStr(environ["DISCORD_CLIENT_SECRET"].strip()),
            public_url=public_url,
            api_base=(environ.get("DISCORD_API_BASE") or DISCORD_API).rstrip("/"),
            bot_token=SecretStr(token) if token else None,
            session_key=SecretStr(_fernet_key(key) if key else base64.urlsafe_b64encode(secrets.token_bytes(32))
                                  .decode()),
            session_key_generated=not key,
        )

    @property
    def authorize_url(self) -> str:
        """The browser-facing page: Discord's site root (the API base without /api/vN) + /oauth2/authorize."""
        return re.sub(r"/api(/v\d+)?$", "", self.api_base) + "/oauth2/authorize"

    @property
    def redirect_uri(self) -> str:
        return self.public_url + "/callback"

    @property
    def secure_cookies(self) -> bool:
        """Secure cookies everywhere but on this machine (plain http://localhost during development)."""
        return urlsplit(self.public_url).hostname not in LOCAL_HOSTS

    def derived_key(self, purpose: str) -> bytes:
        """A separate key per use (CSRF tokens), derived from the session key."""
        return hashlib.sha256(f"{purpose}:{self.session_key.get_secret_value()}".encode()).digest()


def _fernet_key(text: str) -> str:
    """Any QUIDPRONO_SESSION_KEY text becomes a valid 32-byte Fernet key (a hash of it)."""
    return base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).decode()

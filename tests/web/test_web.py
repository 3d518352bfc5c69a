"""The dashboard over HTTP: login through the stand-in's OAuth2, who may see and change what, CSRF, audit."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest
from yarl import URL

from bot.cli_moderation import TERMINAL_ACTOR
from bot.core.model import AuditAction
from tests.e2e.conftest import script_alice_and_bob
from tests.web.conftest import Site, log_in


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        yield session


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "the page carries a CSRF token"
    return found[1]


async def test_a_moderator_logs_in_and_sees_their_server(site: Site, http: aiohttp.ClientSession) -> None:
    await log_in(site, http, site.moderator)
    async with http.get(site.url + "/") as response:
        page = await response.text()
    assert site.world.guild.name in page and f"/guilds/{site.world.guild.id}" in page
    assert site.standin.oauth2.token_requests == [("authorization_code", "ok")]
    async with http.get(site.guild_url()) as response:
        assert response.status == 200
        assert "Demands per day" in await response.text()


async def test_the_session_cookie_is_httponly_and_samesite(site: Site, http: aiohttp.ClientSession) -> None:
    async with http.get(site.url + "/login", allow_redirects=False) as response:
        cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=" in cookie


async def test_logout_revokes_the_token_at_discord_and_clears_the_session(site: Site,
                                                                          http: aiohttp.ClientSession) -> None:
    await log_in(site, http, site.moderator)
    (token,) = site.standin.oauth2.tokens
    copied = http.cookie_jar.filter_cookies(URL(site.url))  # what a stolen cookie would be
    async with http.get(site.url + "/") as response:
        form = {"csrf_token": csrf_of(await response.text())}
    async with http.post(site.url + "/logout", data=form, allow_redirects=False) as response:
        assert response.status == 302
    assert site.standin.oauth2.revocations == ["revoked"] and token not in site.standin.oauth2.tokens
    async with http.get(site.guild_url(), allow_redirects=False) as response:
        assert response.status == 302 and response.headers["Location"].startswith("/login")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as thief:
        thief.cookie_jar.update_cookies(copied, URL(site.url))
        async with thief.get(site.guild_url(), allow_redirects=False) as response:
            assert response.status == 302, "the old cookie's token no longer opens the server's pages"
        async with thief.get(site.standin.api_base + "/users/@me",
                             headers={"Authorization": f"Bearer {token}"}) as response:
            assert response.status == 401


async def test_a_login_whose_state_does_not_match_is_refused(site: Site, http: aiohttp.ClientSession) -> None:
    async with http.get(site.url + "/login", allow_redirects=False):
        pass
    code_from_elsewhere = "forged"
    async with http.get(f"{site.url}/callback?code={code_from_elsewhere}&state=not-the-one") as response:
        assert response.status == 400
        assert "not started here" in await response.text()
    assert site.standin.oauth2.token_requests == [], "no code is exchanged without the right state"


async def test_a_non_moderator_gets_403_on_every_server_route(site: Site, http: aiohttp.ClientSession) -> None:
    await log_in(site, http, site.member)
    async with http.get(site.url + "/") as response:
        assert f"/guilds/{site.world.guild.id}" not in await response.text()
    for page in ("", "/audit", "/policy", "/graph", "/backfill"):
        async with http.get(site.guild_url(page)) as response:
            assert response.status == 403, page
    async with http.get(site.url + "/") as response:
        token = csrf_of(await response.text())
    for action in ("/policy/preview", "/policy/apply", "/backfill/start", "/backfill/cancel"):
        form = {"csrf_token": token, "k:policy.window_days": "1"}
        async with http.post(site.guild_url(action), data=form) as response:
            assert response.status == 403, action
    assert await site.store.guild_overrides(site.world.guild.id) == {}


async def test_another_servers_pages_are_403_even_for_a_moderator_here(site: Site,
                                                                        http: aiohttp.ClientSession) -> None:
    other = site.standin.add_guild("Elsewhere")
    site.standin.add_member(other, site.moderator.user)  # a member there, without Manage Server
    await log_in(site, http, site.moderator)
    async with http.get(f"{site.url}/guilds/{other.id}/audit") as response:
        assert response.status == 403


async def test_a_form_post_without_the_csrf_token_is_refused(site: Site, http: aiohttp.ClientSession) -> None:
    await log_in(site, http, site.moderator)
    for form in ({"k:policy.window_days": "1"}, {"k:policy.window_days": "1", "csrf_token": "forged"}):
        async with http.post(site.guild_url("/policy/apply"), data=form) as response:
            assert response.status == 403
            assert "did not come from the dashboard" in await response.text()
    assert await site.store.guild_overrides(site.world.guild.id) == {}


async def test_apply_validates_like_the_file_and_audits_the_change_as_made_on_the_web(
    site: Site, http: aiohttp.ClientSession,
) -> None:
    await log_in(site, http, site.moderator)
    async with http.get(site.guild_url("/policy")) as response:
        token = csrf_of(await response.text())
    async with http.post(site.guild_url("/policy/preview"),
                         data={"csrf_token": token, "k:policy.window_days": "0"}) as response:
        assert response.status == 400
        assert "greater than or equal to 1" in await response.text()
    form = {"csrf_token": token, "k:policy.window_days": "14"}
    async with http.post(site.guild_url("/policy/apply"), data=form) as response:
        assert response.status == 200
        assert "Applied: policy.window_days 90 → 14" in await response.text()
    guild_id = site.world.guild.id
    assert await site.store.guild_overrides(guild_id) == {"policy": {"window_days": 14}}
    (entry,) = await site.store.audit_entries(guild_id)
    assert entry.actor_id == site.moderator.id and entry.detail["via"] == "web"
    assert entry.detail["changes"] == [{"key": "policy.window_days", "old": "90", "new": "14"}]
    async with http.get(site.guild_url("/audit?outcome=change")) as response:
        page = await response.text()
    assert "policy_set" in page and "policy.window_days" in page and ">web<" in page


async def test_secrets_never_reach_the_log(site: Site, http: aiohttp.ClientSession,
                                           caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await log_in(site, http, site.moderator)
    async with http.get(site.guild_url("/policy")):
        pass
    config = site.dashboard.config
    logged = caplog.text
    for secret in (config.client_secret.get_secret_value(), config.session_key.get_secret_value()):
        assert secret not in logged
    assert "code=" not in logged, "the OAuth2 code in /callback's query is not logged"


async def test_a_moderator_backfills_history_from_the_dashboard(site: Site, http: aiohttp.ClientSession) -> None:
    world = site.world
    await script_alice_and_bob(world)  # history from before the bot was listening
    await log_in(site, http, site.moderator)
    async with http.get(site.guild_url("/backfill")) as response:
        token = csrf_of(await response.text())
    with site.standin.patch_discord():
        async with http.post(site.guild_url("/backfill/start"), data={"csrf_token": token, "days": "999"}) as response:
            assert "Days must be a whole number from 1 to 90" in await response.text()
        async with http.post(site.guild_url("/backfill/start"), data={"csrf_token": token, "days": "7"}) as response:
            assert response.status == 200
        assert site.dashboard.backfills is not None
        job = site.dashboard.backfills.jobs[world.guild.id]
        assert job.task is not None
        await asyncio.wait_for(job.task, timeout=20)
    async with http.get(site.guild_url("/backfill")) as response:
        page = await response.text()
    assert "Backfill finished: 10 messages read" in page, page
    assert await site.store.event_count(world.guild.id) > 0
    (entry,) = await site.store.audit_entries(world.guild.id)
    assert entry.action == "backfill_started" and entry.actor_id == site.moderator.id


async def test_the_audit_log_tells_the_terminal_from_a_forgotten_moderator(site: Site,
                                                                           http: aiohttp.ClientSession) -> None:
    """Bug 10.8b: both were actor 0, so a moderator could not tell a terminal backfill from an erased member's."""
    guild_id, gone, now = site.world.guild.id, site.world.carol.id, datetime.now(UTC)
    await site.store.record_audit(guild_id, TERMINAL_ACTOR, AuditAction.BACKFILL_STARTED, {"days": 7}, now)
    change = {"changes": [{"key": "policy.window_days", "old": "90", "new": "14"}], "via": "discord"}
    await site.store.record_audit(guild_id, gone, AuditAction.POLICY_SET, change, now)
    await site.store.privacy.forget(guild_id, gone, now)
    terminal, forgotten = sorted(await site.store.audit_entries(guild_id), key=lambda e: e.action)
    assert terminal.actor_id != forgotten.actor_id
    await log_in(site, http, site.moderator)
    async with http.get(site.guild_url("/audit?outcome=change")) as response:
        page = await response.text()
    assert "the terminal" in page and "a forgotten member" in page
    assert "days: 7" in page  # a backfill's entry is listed too (its detail has no "changes": it broke the page)


async def test_the_audit_log_names_a_forgotten_member_whose_terms_were_cleared(site: Site,
                                                                             http: aiohttp.ClientSession) -> None:
    """After /forget-me the cleared member's id is FORGOTTEN (0): the page said 'member_id: 0', as if a member 0."""
    guild_id, gone, now = site.world.guild.id, site.world.carol.id, datetime.now(UTC)
    await site.store.record_audit(guild_id, site.moderator.id, AuditAction.TERMS_CLEARED,
                                  {"member_id": str(gone)}, now)
    await site.store.privacy.forget(guild_id, gone, now)
    await log_in(site, http, site.moderator)
    async with http.get(site.guild_url("/audit?outcome=change")) as response:
        page = await response.text()
    assert "terms_cleared" in page and "a forgotten member" in page
    assert "member_id: 0" not in page

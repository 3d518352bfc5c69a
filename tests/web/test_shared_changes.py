"""`/quidpro policy` and the dashboard's policy form change settings through one path: one validation, one
audit entry format, only `via` telling where a change was made."""

from __future__ import annotations

import re
from pathlib import Path

import aiohttp

from tests.e2e.conftest import World, inprocess_bot
from tests.e2e.test_moderation import run
from tests.web.conftest import Site, dashboard_site, log_in


async def web_change(site: Site, http: aiohttp.ClientSession, field: str, value: str = "") -> None:
    async with http.get(site.guild_url("/policy")) as response:
        found = re.search(r'name="csrf_token" value="([^"]+)"', await response.text())
    assert found
    async with http.post(site.guild_url("/policy/apply"), data={"csrf_token": found[1], field: value}) as response:
        assert "Applied" in await response.text()


async def test_slash_commands_and_the_dashboard_audit_changes_alike(world: World, tmp_path: Path) -> None:
    async with (inprocess_bot(world, tmp_path) as bot, dashboard_site(world, tmp_path / "bot.db") as site,
                aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http):
        await log_in(site, http, site.moderator)
        key, slash = "policy.window_days", "quidpro policy set"
        await web_change(site, http, f"k:{key}", "14")
        assert (await run(world, site.moderator, slash, {"key": key, "value": "30"})).startswith("Done")
        await web_change(site, http, f"r:{key}")
        assert (await run(world, site.moderator, slash, {"key": key, "value": "14"})).startswith("Done")
        assert (await run(world, site.moderator, "quidpro policy reset", {"key": key})).startswith("Done")
        # The same validation: the form's error is the command's.
        refused = await run(world, site.moderator, slash, {"key": key, "value": "0"})
        assert "That value doesn't fit: policy.window_days: Input should be greater than or equal to 1." in refused
        entries = [(e.action, e.actor_id, e.detail) for e in reversed(await bot.store.audit_entries(world.guild.id))]
    mod = site.moderator.id
    assert entries == [
        ("policy_set", mod, {"changes": [{"key": key, "old": "90", "new": "14"}], "via": "web"}),
        ("policy_set", mod, {"changes": [{"key": key, "old": "14", "new": "30"}], "via": "discord"}),
        ("policy_reset", mod, {"changes": [{"key": key, "old": "30", "new": "90", "reset": True}], "via": "web"}),
        ("policy_set", mod, {"changes": [{"key": key, "old": "90", "new": "14"}], "via": "discord"}),
        ("policy_reset", mod, {"changes": [{"key": key, "old": "14", "new": "90", "reset": True}], "via": "discord"}),
    ]

"""Rewrite the dashboard screenshots in docs/ (shown in the README): `python -m tests.web.screenshots`.

A small community is written straight into a fresh database (three circles of makers, one member who bridges
two of them, two lone members, a month of demands), the dashboard runs against the Discord stand-in, and
Debian's Chromium logs in as a moderator and takes the pictures, at desktop width and at 360 px.
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.async_api import Page, async_playwright

from bot.core.model import Interaction, InteractionKind, Outcome, Verdict
from bot.storage import Store, make_engine
from bot.storage.migrate import upgrade
from standin import Member, StandIn
from tests.browser import CHROMIUM_ARGS, DESKTOP_VIEWPORT, PHONE_VIEWPORT, find_chromium
from tests.e2e.conftest import World
from tests.web.conftest import Site, dashboard_site

DOCS = Path(__file__).resolve().parents[2] / "docs"
CIRCLES = {"art": ["Ava", "Ben", "Cleo", "Dev"], "music": ["Eli", "Fay", "Gus", "Hana"],
           "writing": ["Ivy", "Jon", "Kai", "Lea"]}
KINDS = [InteractionKind.REPLY, InteractionKind.CONVERSATION, InteractionKind.REACTION, InteractionKind.MENTION]


def community(standin: StandIn) -> tuple[World, dict[str, Member]]:
    guild = standin.add_guild("Makers Guild")
    channels = [standin.add_channel(guild, name) for name in ("general", "art")]
    names = [name for circle in CIRCLES.values() for name in circle] + ["Mo", "Ned", "Oli"]
    members = {name: standin.add_member(guild, name.lower(), nick=name) for name in names}
    world = World(standin, guild, channels[0], channels[1], members["Ava"], members["Ben"], members["Cleo"],
                  members["Dev"])
    return world, members


async def history(store: Store, guild_id: int, members: dict[str, Member]) -> None:
    rng, now, source = random.Random(5), datetime.now(UTC), 1
    pairs = [(a, b) for circle in CIRCLES.values() for a in circle for b in circle if a != b]
    pairs += [("Mo", "Cleo"), ("Cleo", "Mo"), ("Mo", "Eli"), ("Eli", "Mo"), ("Mo", "Fay"), ("Ned", "Ava"),
              ("Oli", "Kai"), ("Dev", "Ivy")]
    events = []
    for actor, target in pairs:
        for _ in range(rng.randint(2, 14) if actor not in ("Ned", "Oli") else 2):
            source += 1
            events.append(Interaction(guild_id, members[actor].id, members[target].id, rng.choice(KINDS), 1, source,
                                      now - timedelta(hours=rng.randint(1, 24 * 28))))
    await store.write_events(events)
    outcomes = [Outcome.DECLINE] * 5 + [Outcome.PROPOSE] * 2 + [Outcome.CONNECT] * 2 + [Outcome.COOLDOWN]
    everyone = list(members)
    for step in range(160):
        requester, target = rng.sample(everyone, 2)
        await store.record_demand(guild_id, members[requester].id, members[target].id, kind="mention",
                                  verdict=Verdict(rng.choice(outcomes), (), {}),
                                  now=now - timedelta(hours=step * 4 + rng.randint(0, 3)), channel_id=1,
                                  message_id=10_000 + step)


async def shoot(page: Page, name: str, *, full: bool = True) -> None:
    await page.screenshot(path=str(DOCS / name), full_page=full)
    print(DOCS / name)


async def pictures(site: Site, chromium: str) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        for viewport, suffix in ((DESKTOP_VIEWPORT, ""), (PHONE_VIEWPORT, "-360")):
            page = await browser.new_page(viewport=viewport)
            site.standin.oauth2.signed_in = site.moderator.user
            await page.goto(site.url + "/login")
            await page.get_by_role("button", name="Authorize as moderator").click()
            await page.goto(site.guild_url())
            await shoot(page, f"dashboard-overview{suffix}.png")
            await page.goto(site.guild_url("/policy"))
            await page.locator("input[name='k:policy.mutual_min_score']").fill("2")
            await page.get_by_role("button", name="Preview changes (dry run)").click()
            await page.locator("#preview").scroll_into_view_if_needed()
            await shoot(page, f"dashboard-policy-dry-run{suffix}.png", full=False)
            await page.goto(site.guild_url("/graph"))
            await shoot(page, f"dashboard-graph{suffix}.png")
            await page.close()
        await browser.close()


async def main() -> int:
    chromium = find_chromium()
    if chromium is None:
        print("no Chromium found (install Debian's chromium)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as directory:
        database = Path(directory) / "dashboard.db"
        url = f"sqlite+aiosqlite:///{database}"
        await asyncio.to_thread(upgrade, url)
        async with StandIn() as standin:
            world, members = community(standin)
            store = Store(make_engine(url))
            await history(store, world.guild.id, members)
            await store.close()
            async with dashboard_site(world, database) as site:
                with standin.patch_discord():
                    await pictures(site, chromium)
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))

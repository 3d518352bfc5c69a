"""The dashboard in headless Chromium (Debian's, through Playwright): the whole moderator journey through the
stand-in's OAuth2 to a verdict the running bot gives differently, and the refusals around it."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.async_api import Browser, BrowserContext, Page, expect

from bot.adapter.app import QuidProNo
from standin import Member, Message
from tests.browser import DESKTOP_VIEWPORT, PHONE_VIEWPORT
from tests.e2e.conftest import World, inprocess_bot, script_alice_and_bob
from tests.web.conftest import Site, dashboard_site

CONNECTED = "already engage with each other"
ASKED = "I've asked"


async def demand(world: World, requester: Member, target: Member) -> Message:
    sent = await world.standin.send_message(world.general, requester,
                                            f"{world.bot_mention} <@{target.id}> follow me back!")
    return await world.standin.wait_for_bot_message(
        world.general, lambda m: m.referenced is not None and m.referenced.id == sent.id, timeout=10)


async def log_in(browser: Browser, site: Site, who: Member, *, phone: bool = False) -> tuple[BrowserContext, Page]:
    context = await browser.new_context(viewport=PHONE_VIEWPORT if phone else DESKTOP_VIEWPORT)
    page = await context.new_page()
    site.standin.oauth2.signed_in = who.user
    await page.goto(site.url)
    await page.get_by_role("link", name="Log in with Discord").click()
    await page.get_by_role("button", name=f"Authorize as {who.display_name}").click()
    await expect(page.get_by_role("heading", name="Your servers")).to_be_visible()
    return context, page


async def test_a_moderator_changes_the_policy_on_the_web_and_the_bot_answers_by_it(
    world: World, tmp_path: Path, browser: Browser,
) -> None:
    async with inprocess_bot(world, tmp_path) as bot:
        await script_alice_and_bob(world)
        assert CONNECTED in (await demand(world, world.alice, world.bob)).content
        await bot.batcher.flush()
        async with dashboard_site(world, tmp_path / "bot.db") as site:
            await moderate_in_the_browser(browser, site, bot)
        # The bot runs apart from the dashboard (it shares only the database) and answers by the new policy:
        # with only the last day counted, Bob's engagement no longer meets Alice's, so Alice is asked instead.
        assert ASKED in (await demand(world, world.bob, world.alice)).content


async def moderate_in_the_browser(browser: Browser, site: Site, bot: QuidProNo) -> None:
    context, page = await log_in(browser, site, site.moderator)
    await page.get_by_role("link", name=site.world.guild.name).click()
    await expect(page.get_by_role("heading", name=re.compile("Overview"))).to_be_visible()
    await expect(page.locator(".figure").first).to_contain_text("1")  # the one demand so far
    await page.get_by_role("link", name="Policy").click()
    await page.locator("input[name='k:policy.window_days']").fill("1")
    await page.get_by_role("button", name="Preview changes (dry run)").click()
    preview = page.locator("#preview")
    await expect(preview).to_contain_text("policy.window_days: 90 → 1")
    await expect(preview).to_contain_text("1 connection would become a decline")
    await expect(preview).to_contain_text("This member would be affected: alice")
    assert await site.store.guild_overrides(site.world.guild.id) == {}, "a preview applies nothing"
    await preview.get_by_role("button", name="Apply").click()
    await expect(page.get_by_role("status")).to_contain_text("Applied: policy.window_days 90 → 1")
    await refused_without_csrf(context, site)
    await context.close()


async def refused_without_csrf(context: BrowserContext, site: Site) -> None:
    """A forged post carrying the moderator's cookies but no CSRF token changes nothing."""
    forged = await context.request.post(site.guild_url("/policy/apply"), form={"k:policy.window_days": "365"})
    assert forged.status == 403
    assert "did not come from the dashboard" in await forged.text()
    assert await site.store.guild_overrides(site.world.guild.id) == {"policy": {"window_days": 1}}


async def test_a_non_moderator_gets_403_on_the_same_urls(site: Site, browser: Browser) -> None:
    context, page = await log_in(browser, site, site.member, phone=True)
    await expect(page.get_by_text("No server to show")).to_be_visible()
    for path in ("", "/policy", "/audit", "/graph"):
        response = await page.goto(site.guild_url(path))
        assert response is not None and response.status == 403, path
        await expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    await page.goto(site.url)
    token = await page.locator("input[name='csrf_token']").first.get_attribute("value")
    assert token, "the member's own pages carry a CSRF token, so the refusal below is about permission"
    for path in ("/policy/preview", "/policy/apply"):
        posted = await context.request.post(site.guild_url(path),
                                            form={"csrf_token": token, "k:policy.window_days": "1"})
        assert posted.status == 403, path
    assert await site.store.guild_overrides(site.world.guild.id) == {}
    await context.close()


async def test_the_pages_fit_a_360_px_phone(site: Site, browser: Browser) -> None:
    context, page = await log_in(browser, site, site.moderator, phone=True)
    for path in ("", "/policy", "/audit", "/graph"):
        await page.goto(site.guild_url(path))
        overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path or 'overview'} is {overflow}px wider than the phone"
    await context.close()

"""The playground page in a real headless Chromium, against the real bot: play a member, mention the bot, see its
reply, press Why?, see the private explanation that another member's page does not show; the tour runs to its end."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page, expect

from standin.playground import PlaygroundApp
from standin.playground.tour import STEPS
from tests.browser import DESKTOP_VIEWPORT, PHONE_VIEWPORT

BOT_REPLY = ".msg[data-author='bot']"


@pytest.fixture
async def pages(browser: Browser) -> AsyncIterator[list[Page]]:
    """Two tabs of their own (separate contexts), as two visitors would open them."""
    contexts = [await browser.new_context(viewport=DESKTOP_VIEWPORT) for _ in range(2)]
    try:
        yield [await context.new_page() for context in contexts]
    finally:
        for context in contexts:
            await context.close()


async def _open(page: Page, app: PlaygroundApp, viewer: str, channel: str = "general") -> None:
    await page.goto(f"{app.url}#as={viewer}&channel={channel}")
    await page.wait_for_selector("body[data-ready='1']")
    await expect(page.locator(".msg").first).to_be_visible()


async def test_a_member_demands_and_only_she_sees_why(app: PlaygroundApp, pages: list[Page]) -> None:
    nico, maya = pages
    await _open(nico, app, "nico")
    await _open(maya, app, "maya")
    await expect(nico.locator("#viewer")).to_have_value("nico")
    assert await nico.locator(".msg").count() > 10  # the seeded history is there
    await expect(nico.locator(".embed .title")).to_have_text("House rules")  # an embed, as Discord shows it

    box = nico.locator("#box")
    await box.press_sequentially("@Qui")
    await expect(nico.locator("#popup .item").first).to_contain_text("@Quid Pro No")
    await box.press("Tab")
    await box.press_sequentially("@May")
    await expect(nico.locator("#popup .item").first).to_contain_text("@Maya")
    await box.press("Tab")
    await box.press_sequentially("follow me back please!")
    await box.press("Enter")

    reply = nico.locator(BOT_REPLY, has_text="not yet").last
    await expect(reply).to_be_visible(timeout=15_000)
    await expect(reply.locator(".ref")).to_contain_text("@Nico")
    await expect(maya.locator(BOT_REPLY, has_text="not yet")).to_be_visible(timeout=15_000)  # live in the other tab

    await reply.get_by_role("button", name="Why?").click()
    private = nico.locator(".msg.ephemeral", has_text="the policy asks")
    await expect(private).to_be_visible(timeout=15_000)
    await expect(private).to_contain_text("Only you can see this")

    await maya.locator("#channels li", has_text="art-share").click()  # something happens in Maya's tab...
    await maya.locator("#channels li", has_text="general").click()
    await expect(maya.locator(BOT_REPLY, has_text="not yet")).to_be_visible()
    assert await maya.locator(".msg", has_text="the policy asks").count() == 0  # ...but never Nico's explanation


async def test_a_slash_command_with_an_option_answers_privately(app: PlaygroundApp, pages: list[Page]) -> None:
    theo = pages[0]
    await _open(theo, app, "theo")
    box = theo.locator("#box")
    await box.press_sequentially("/foll")
    await theo.locator("#popup .item", has_text="/follow").first.click()
    await theo.locator("#command-form select[name='member']").select_option(label="Maya")
    await theo.locator("#command-form select[name='member']").press("Enter")
    answer = theo.locator(".msg.ephemeral", has_text="You now follow")
    await expect(answer).to_be_visible(timeout=15_000)
    await expect(answer.locator(".used")).to_contain_text("Theo used /follow")


async def test_the_guided_tour_runs_to_its_end(app: PlaygroundApp, pages: list[Page]) -> None:
    page = pages[0]
    await _open(page, app, "nico")
    next_step = page.locator("#tour-next")
    for position, step in enumerate(STEPS):
        await expect(next_step).to_contain_text(step.title)
        await next_step.click()
        await expect(page.locator("#steps li.done")).to_have_count(position + 1, timeout=20_000)
        await expect(page.locator("#viewer")).to_have_value(step.viewer)
    await expect(next_step).to_have_text("Tour finished: reset to replay")
    await expect(page.locator(".msg.ephemeral img[alt='quidpro-stats.png']")).to_be_visible()  # Rosa's chart
    await expect(page.locator(BOT_REPLY, has_text="are now connected").first).to_be_visible()

    await page.locator("#reset").click()
    await expect(page.locator("#steps li.done")).to_have_count(0, timeout=30_000)
    await expect(page.locator(BOT_REPLY, has_text="are now connected")).to_have_count(0)


async def test_hostile_text_is_shown_as_text(app: PlaygroundApp, pages: list[Page]) -> None:
    page = pages[0]
    await _open(page, app, "ava")
    hostile = "<img src=x onerror=\"window.hacked=1\"> **bold** \u202eevil\u202c <script>window.hacked=2</script>"
    box = page.locator("#box")
    await box.fill(hostile)
    await box.press("Enter")
    shown = page.locator(".msg[data-author='ava'] .content").last
    await expect(shown).to_contain_text("<img src=x onerror=")
    await expect(shown.locator("b")).to_have_text("bold")
    assert await page.evaluate("window.hacked") is None
    assert await page.locator(".msg img[src='x']").count() == 0


async def test_the_page_fits_a_phone(app: PlaygroundApp, browser: Browser) -> None:
    context = await browser.new_context(viewport=PHONE_VIEWPORT)
    try:
        page = await context.new_page()
        await _open(page, app, "nico")
        assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]
        for part in ("#channels", "#viewer", "#box", "#tour-next"):
            await expect(page.locator(part)).to_be_in_viewport()
    finally:
        await context.close()

"""The browser harness itself: Debian's Chromium, driven by Playwright, renders a local page and runs its script."""

from __future__ import annotations

from aiohttp import web
from playwright.async_api import Page

PAGE = """<!doctype html><title>harness</title>
<button id="go" onclick="document.querySelector('#out').textContent = 'clicked ' + location.port">Go</button>
<p id="out"></p>"""


async def _serve_page(_request: web.Request) -> web.Response:
    return web.Response(text=PAGE, content_type="text/html")


async def test_chromium_renders_a_local_page_and_runs_its_script(page: Page) -> None:
    app = web.Application()
    app.router.add_get("/", _serve_page)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        await page.goto(f"http://127.0.0.1:{port}/")
        await page.click("#go")
        await page.wait_for_selector(f"#out:has-text('clicked {port}')")
    finally:
        await runner.cleanup()

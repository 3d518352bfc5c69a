"""Rewrite the playground screenshots in docs/ (shown in the README): `python -m tests.demo.screenshots`.

Runs the real demo in-process and Debian's Chromium through the tour, taking a picture at the moments worth
showing. Emoji need a colour emoji font (Debian: fonts-noto-color-emoji) to look right.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from playwright.async_api import Page, async_playwright

from bot.config import load_settings
from bot.demo import Demo
from standin.playground import PlaygroundApp
from tests.browser import CHROMIUM_ARGS, DESKTOP_VIEWPORT, find_chromium

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


async def _step(page: Page) -> None:
    done = await page.locator("#steps li.done").count()
    await page.locator("#tour-next").click()
    await page.locator("#steps li.done").nth(done).wait_for()
    await page.wait_for_timeout(400)  # let the live update settle before the picture


async def _shoot(page: Page, name: str) -> None:
    await page.screenshot(path=str(DOCS / name))
    print(DOCS / name)


async def main() -> int:
    chromium = find_chromium()
    if chromium is None:
        print("no Chromium found (install Debian's chromium)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as data:
        demo = Demo(load_settings(ROOT / "config.yaml"), Path(data))
        await demo.start()
        app = PlaygroundApp(demo)
        url = await app.start()
        try:
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
                page = await browser.new_page(viewport=DESKTOP_VIEWPORT)
                await page.goto(url + "#as=maya&channel=art-share")
                await page.wait_for_selector("body[data-ready='1']")
                await page.wait_for_timeout(400)
                await _shoot(page, "demo-history.png")
                for _ in range(2):
                    await _step(page)
                await _shoot(page, "demo-why.png")
                await _step(page)
                await page.locator("#viewer").select_option("maya")
                await page.wait_for_timeout(400)
                await _shoot(page, "demo-consent.png")
                for _ in range(4):
                    await _step(page)
                await page.locator(".msg.ephemeral img").last.scroll_into_view_if_needed()
                await _shoot(page, "demo-stats.png")
                await page.locator("#box").press_sequentially("/quidpro po")
                await page.wait_for_timeout(300)
                await _shoot(page, "demo-commands.png")
                await browser.close()
        finally:
            await app.stop()
            await demo.close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

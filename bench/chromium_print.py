"""The printable maps' baseline: a warm headless Chromium printing HTML pages to PDF
(`page.pdf`), several pages in flight. Debian's chromium driven by Playwright's async API, as the
browser tests drive it (never a browser download); nothing outside the page is ever fetched.
"""

import asyncio
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]  # as tests/browser/conftest.py


class Chromium:
    """One browser with a few pages (tabs); print_all keeps every tab busy."""

    def __init__(self, runner: asyncio.Runner, tabs: list) -> None:
        self._runner, self._tabs = runner, tabs

    @property
    def tabs(self) -> int:
        """Pages in flight at once."""
        return len(self._tabs)

    def print_all(self, htmls: list[str]) -> list[bytes]:
        """Each HTML page's PDF, in order, made by every tab taking the next page in turn."""
        return self._runner.run(self._print_all(htmls))

    async def _print_all(self, htmls: list[str]) -> list[bytes]:
        pdfs = [b""] * len(htmls)
        todo = iter(range(len(htmls)))

        async def work(tab) -> None:
            for index in todo:  # one iterator shared by every tab: each page printed once
                pdfs[index] = await _print(tab, htmls[index])

        await asyncio.gather(*(work(tab) for tab in self._tabs))
        return pdfs


async def _print(tab, html: str) -> bytes:
    await tab.set_content(html, wait_until="load")
    return await tab.pdf(format="A4", print_background=True, prefer_css_page_size=True)


async def _launch(tabs: int):
    from playwright.async_api import async_playwright

    playwright = await async_playwright().start()
    browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                               args=CHROMIUM_ARGS)
    context = await browser.new_context()
    await context.route("**/*", lambda route: route.abort())  # pages use data: URIs only
    return playwright, [await context.new_page() for _ in range(tabs)]


@contextmanager
def launched(tabs: int) -> Iterator[Chromium]:
    """Headless Chromium with `tabs` pages, closed afterwards."""
    with asyncio.Runner() as runner:
        playwright, pages = runner.run(_launch(tabs))
        try:
            yield Chromium(runner, pages)
        finally:
            runner.run(playwright.stop())

"""Real headless Chromium (Debian's package, driven by Playwright) against a live app.

Every request outside the app is recorded and refused, except the configured tile server,
which gets a blank tile: a page that needs a CDN fails its test.
"""

import base64
import shutil
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from core import db

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
TILE_HOST = "tiles.example.test"
BLANK_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/x8AAwMCAO+ip1sAAAAASUVORK5CYII=")
AXE = Path(__file__).resolve().parents[2] / "static/node_modules/axe-core/axe.min.js"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole run."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def live_server(app, connection):
    """The app served on a free local port, sharing the test's transaction."""
    db.bind_to_connection(app, connection)
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


class Outside:
    """Requests the page tried to make outside the app (except tiles)."""

    def __init__(self, app_origin: str):
        self.app_host = urlsplit(app_origin).netloc
        self.blocked: list[str] = []
        self.tiles: list[str] = []

    def handle(self, route):
        url = route.request.url
        host = urlsplit(url).netloc
        if host == self.app_host or url.startswith(("data:", "blob:")):
            route.continue_()
        elif host == TILE_HOST:
            self.tiles.append(url)
            route.fulfill(status=200, content_type="image/png", body=BLANK_PNG)
        else:
            self.blocked.append(url)
            route.abort()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser tab (phone-sized unless a test resizes it) watching outside requests."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=live_server)
    outside = Outside(live_server)
    context.route("**/*", outside.handle)
    tab = context.new_page()
    tab.outside = outside
    yield tab
    context.close()
    assert outside.blocked == [], f"the page called outside servers: {outside.blocked}"


def accessibility_violations(tab, impacts=("serious", "critical")) -> list[str]:
    """Run axe-core (WCAG 2.x A/AA rules) on the page; serious and critical problems."""
    # Evaluated through DevTools: a <script> tag would be refused by the page's strict CSP.
    tab.evaluate("() => {" + AXE.read_text() + "\n}")
    result = tab.evaluate("""async () => (await axe.run(document, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})).violations""")
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in result
            if v["impact"] in impacts]

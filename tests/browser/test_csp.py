"""In real Chromium, under the strict script policy: the main pages' maps and scripts run, and
the browser reports no Content-Security-Policy violation on any of them."""

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.pupil_helpers import extra_tab, wait_for_map
from tests.factories import PASSWORD
from tests.security import authorization_world

pytestmark = pytest.mark.browser

# Runs before any page script: records every violation the browser reports.
VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (event) {
  window.__cspViolations.push(event.violatedDirective + ' blocked ' +
    (event.blockedURI || 'inline') + ' at ' + event.sourceFile + ':' + event.lineNumber);
});
"""


@pytest.fixture
def world(app, db_session):
    """A borough with a school, a haven, a class session with a map, and a user of each role."""
    return authorization_world.build(app, db_session)


def watched(tab) -> list[str]:
    """Start recording violations and CSP console errors on this tab."""
    console = []
    tab.add_init_script(VIOLATIONS)
    tab.on("console", lambda message: console.append(message.text)
           if "Content Security Policy" in message.text else None)
    return console


def log_in(tab, name: str) -> None:
    """Log in with the form as the world's user of this name."""
    tab.goto("/login")
    tab.get_by_label("Email").fill(f"{name}@example.org")
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Log in").click()
    tab.wait_for_url("**/")


def visit(tab, console: list[str], path: str, ready: str = ".leaflet-container") -> list[str]:
    """Open a page, wait until its scripts have drawn `ready`; the violations it reported."""
    tab.goto(path)
    try:
        tab.locator(ready).first.wait_for(state="attached", timeout=15_000)
        tab.wait_for_load_state("load")
        drawn = []
    except PlaywrightTimeout:
        drawn = [f"its script never drew {ready}"]
    found = tab.evaluate("() => window.__cspViolations") + console + drawn
    console.clear()
    return [f"{path}: {violation}" for violation in found]


def test_main_pages_run_their_scripts_with_no_policy_violation(browser, live_server, world):
    violations = []
    with extra_tab(browser, live_server) as tab:
        console = watched(tab)
        for path in ("/schools", f"/schools/{authorization_world.SCHOOL}",
                     f"/havens/?school={authorization_world.SCHOOL}",
                     f"/havens/{world.haven_id}"):
            violations += visit(tab, console, path)
        violations += visit(tab, console, "/api/docs", ready=".swagger-ui .info")
    for role, paths in (
            ("teacher", (f"/mapping/sessions/{world.session_id}",
                         f"/mapping/sessions/{world.session_id}/results",
                         "/mapping/school-heatmap")),
            ("worker", ("/havens/manage", "/havens/new")),
            ("planner", ("/mapping/heatmap", "/mapping/hotspots",
                         "/mapping/perception-crime"))):
        with extra_tab(browser, live_server) as tab:
            console = watched(tab)
            log_in(tab, role)
            violations += [violation for path in paths for violation in visit(tab, console, path)]
    assert not violations, "\n".join(violations)


def test_the_pupil_drawing_page_runs_with_no_policy_violation(browser, live_server, world):
    with extra_tab(browser, live_server) as tab:
        console = watched(tab)
        tab.goto(f"/j/{world.join_code}")
        tab.wait_for_url("**/draw")
        wait_for_map(tab)
        found = tab.evaluate("() => window.__cspViolations") + console
    assert found == []


def test_an_inline_script_without_the_nonce_is_refused(browser, live_server, world):
    """The check above can fail: Chromium reports a script the policy refuses."""
    with extra_tab(browser, live_server) as tab:
        watched(tab)
        tab.goto("/schools")
        tab.evaluate("""() => { const s = document.createElement('script');
                         s.textContent = 'window.__ran = true'; document.body.append(s); }""")
        tab.wait_for_function("() => window.__cspViolations.length > 0")
        assert tab.evaluate("() => window.__ran") is None
        assert "script-src" in tab.evaluate("() => window.__cspViolations")[0]

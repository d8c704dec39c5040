"""In real Chromium: when the server answers 503 (the database is down), the pupil's drawing
stays on the device and on the page, the page says to try again, and the same map is sent
once the server is back."""

import json

import pytest
from playwright.sync_api import expect

from core.errors import TRY_AGAIN
from mapping import codes
from tests.browser.pupil_helpers import (
    add_school_and_teacher,
    add_spot,
    answer,
    create_session,
    join,
    maps_of,
    wait_for_map,
)
from tests.browser.test_pupil_mapping import saved

pytestmark = pytest.mark.browser
MAPS = "**/api/v1/sessions/*/maps"
UNAVAILABLE = json.dumps({"error": {"code": "unavailable", "message": TRY_AGAIN, "field": None}})


@pytest.fixture
def code(app, db_session) -> str:
    """The join code of an open session, as shown on the board."""
    teacher = add_school_and_teacher(db_session)
    return codes.display(create_session(app, db_session, teacher).join_code)


def test_a_503_keeps_the_drawing_and_says_try_again(page, code, db_session):
    join(page, code)
    add_spot(page, 30, -40)
    answer(page, "Unsafe", ["Dogs"], ["Evening", "Night"])
    refused = []

    def database_down(route):
        refused.append(route.request.headers["idempotency-key"])
        route.fulfill(status=503, content_type="application/json", body=UNAVAILABLE,
                      headers={"Retry-After": "5"})

    page.route(MAPS, database_down)
    page.get_by_role("button", name="Check and send").click()
    page.get_by_role("button", name="Send my map").click()
    status = page.locator("#send-status")
    expect(status).to_contain_text(TRY_AGAIN)
    expect(status).to_contain_text("Your map is saved on this device")
    expect(page.get_by_role("button", name="Try again now")).to_be_enabled()
    kept = saved(page)
    assert kept["pending"]["key"] == refused[0]
    assert [zone["kind"] for zone in kept["zones"]] == ["unsafe"]
    assert maps_of(db_session, code) == []

    page.reload()  # even a reload while the server is down keeps the drawing
    wait_for_map(page)
    expect(status).to_contain_text(TRY_AGAIN)
    expect(page.locator("#zone-list > li")).to_have_count(1)
    assert saved(page)["pending"]["key"] == refused[0]

    page.unroute(MAPS)  # the database is back
    with page.expect_request(MAPS) as sent:
        page.get_by_role("button", name="Try again now").click()
    assert sent.value.headers["idempotency-key"] == refused[0]
    expect(page.get_by_role("heading", name="Thank you! Your map has been sent.")).to_be_visible()
    assert saved(page) is None
    stored = maps_of(db_session, code)
    assert len(stored) == 1
    assert [(z.kind, z.shape, z.times) for z in stored[0].zones] == [
        ("unsafe", "spot", ["evening", "night"])]

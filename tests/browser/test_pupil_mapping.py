"""In real Chromium on a phone-sized tab: a pupil joins with the class code, draws where they
feel safe and unsafe, answers the questions and sends the map, once, over flaky wifi."""

import json
import re

import pytest
from playwright.sync_api import expect

from mapping import codes, services, vocabulary
from tests.browser.conftest import accessibility_violations
from tests.browser.pupil_helpers import (
    GEOLOCATION_SPY,
    add_school_and_teacher,
    add_spot,
    answer,
    click_map,
    create_session,
    draw_area,
    draw_route,
    extra_tab,
    join,
    maps_of,
    teacher_creates_session,
    wait_for_map,
)

pytestmark = pytest.mark.browser
HOSTILE = "<img src=x onerror=alert(1)>"
SQUARE = [(-80, -60), (80, -60), (80, 60), (-80, 60)]
ROUTE = [(-110, 120), (0, 150), (110, 120)]
OFFLINE = "No internet right now. Your map is saved on this device."


@pytest.fixture
def teacher(db_session):
    return add_school_and_teacher(db_session)


@pytest.fixture
def code(app, db_session, teacher):
    """The join code of an open session for class 7B, as shown on the board (ABCD-EFGH)."""
    return codes.display(create_session(app, db_session, teacher).join_code)


@pytest.fixture
def pupil(page):
    """The pupil's tab, with the location API replaced by a spy and dialogs recorded."""
    page.add_init_script(GEOLOCATION_SPY)
    page.dialogs = []

    def on_dialog(dialog):
        page.dialogs.append((dialog.type, dialog.message))
        dialog.accept()

    page.on("dialog", on_dialog)
    return page


def saved(tab) -> dict:
    """What the drawing page keeps in localStorage for this session."""
    key = tab.evaluate("() => JSON.parse(document.getElementById('map-config').textContent)"
                       ".sessionKey")
    return json.loads(tab.evaluate("(key) => localStorage.getItem(key) || 'null'", key) or "null")


def test_pupil_draws_answers_and_sends_once_over_flaky_wifi(browser, live_server, pupil,
                                                             db_session, teacher):
    with extra_tab(browser, live_server) as teacher_tab:
        board_code = teacher_creates_session(teacher_tab)  # the teacher pages, as a teacher would
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", board_code)

    join(pupil, board_code.lower())  # a child types it in small letters, with the dash
    expect(pupil.locator(".class-info")).to_contain_text("7B")
    expect(pupil.locator(".class-info")).to_contain_text(board_code)
    assert pupil.locator(".leaflet-tile-loaded").count() > 0

    draw_area(pupil, SQUARE)
    answer(pupil, "Unsafe", ["Dark or badly lit", "Nobody around"], ["After school"],
           suggestions=["More lights"])
    draw_route(pupil, ROUTE)
    answer(pupil, "Safe", ["Busy and bright"], ["Before school"], comment=HOSTILE)

    places = pupil.locator("#zone-list > li")
    expect(places).to_have_count(2)
    expect(places.nth(0)).to_contain_text("Zone 1 · An area")
    expect(places.nth(0)).to_contain_text("Unsafe")
    expect(places.nth(0)).to_contain_text("Dark or badly lit, Nobody around")
    expect(places.nth(1)).to_contain_text("A route")
    expect(places.nth(1)).to_contain_text("Safe")
    expect(pupil.locator("#map path.zone-unsafe")).to_have_count(1)
    expect(pupil.locator("#map path.zone-safe")).to_have_count(1)

    pupil.reload()  # mid-drawing: the shapes come back from localStorage
    wait_for_map(pupil)
    expect(pupil.locator("#zone-list > li")).to_have_count(2)
    expect(pupil.locator("#map path.zone-unsafe")).to_have_count(1)
    expect(pupil.locator("#map path.zone-safe")).to_have_count(1)

    pupil.get_by_role("button", name="Check and send").click()
    review = pupil.locator("#review-list")
    expect(review.locator("li")).to_have_count(2)
    expect(review).to_contain_text(HOSTILE)  # shown as the text the pupil typed
    assert review.locator("img").count() == 0

    pupil.context.set_offline(True)
    pupil.get_by_role("button", name="Send my map").click()
    expect(pupil.locator("#send-status")).to_contain_text(OFFLINE)
    key = saved(pupil)["pending"]["key"]
    assert re.fullmatch(r"[0-9a-f-]{36}", key)
    assert maps_of(db_session, board_code) == []

    pupil.context.set_offline(False)  # the wifi comes back: the page sends by itself
    expect(pupil.get_by_role("heading", name="Thank you! Your map has been sent.")).to_be_visible(
        timeout=20000)
    assert saved(pupil) is None

    stored = maps_of(db_session, board_code)
    assert len(stored) == 1
    zones = stored[0].zones
    assert [(z.number, z.kind, z.shape) for z in zones] == [(1, "unsafe", "area"),
                                                            (2, "safe", "route")]
    assert zones[0].reasons == ["dark", "nobody_around"]
    assert zones[0].times == ["after_school"]
    assert zones[0].suggestions == ["lights"]
    assert zones[1].reasons == ["busy_bright"] and zones[1].times == ["before_school"]
    assert zones[1].comment == HOSTILE and zones[1].comment_state == "pending"
    assert pupil.evaluate("() => window.__geolocationCalls") == []
    assert pupil.dialogs == []  # no alert(1)


def test_a_lost_answer_is_retried_with_the_same_key_and_stored_once(pupil, code, db_session):
    join(pupil, code)
    add_spot(pupil, 30, -40)
    answer(pupil, "Unsafe", ["Dogs"], ["Evening", "Night"])
    seen = []

    def lose_the_first_answer(route):
        seen.append(route.request.headers.get("idempotency-key"))
        if len(seen) == 1:
            route.fetch()  # the server stores the map...
            route.abort("connectionreset")  # ...but the answer never reaches the tablet
        else:
            route.continue_()

    pupil.route("**/api/v1/sessions/*/maps", lose_the_first_answer)
    pupil.get_by_role("button", name="Check and send").click()
    pupil.get_by_role("button", name="Send my map").click()
    expect(pupil.locator("#send-status")).to_contain_text(OFFLINE)
    assert len(maps_of(db_session, code)) == 1
    assert saved(pupil)["pending"]["key"] == seen[0]
    pupil.get_by_role("button", name="Try again now").click()  # the same drawing, the same key
    expect(pupil.get_by_role("heading", name="Thank you! Your map has been sent.")).to_be_visible()
    assert len(seen) == 2 and seen[0] == seen[1]
    stored = maps_of(db_session, code)
    assert len(stored) == 1
    assert [(z.kind, z.shape, z.times) for z in stored[0].zones] == [
        ("unsafe", "spot", ["evening", "night"])]


def test_a_send_cut_off_by_a_reload_resumes_with_its_key(pupil, code, db_session):
    join(pupil, code)
    add_spot(pupil, -30, 40)
    answer(pupil, "Safe", ["Adults or staff around"], ["After school"])
    pupil.route("**/api/v1/sessions/*/maps", lambda route: route.abort("internetdisconnected"))
    pupil.get_by_role("button", name="Check and send").click()
    pupil.get_by_role("button", name="Send my map").click()
    expect(pupil.locator("#send-status")).to_contain_text(OFFLINE)
    pending = saved(pupil)["pending"]
    pupil.unroute("**/api/v1/sessions/*/maps")
    with pupil.expect_request("**/api/v1/sessions/*/maps") as info:
        pupil.reload()  # the tablet reloads the page: it sends the saved map by itself
    assert info.value.headers["idempotency-key"] == pending["key"]
    assert info.value.post_data == pending["body"]
    expect(pupil.get_by_role("heading", name="Thank you! Your map has been sent.")).to_be_visible()
    assert len(maps_of(db_session, code)) == 1


def test_a_change_after_a_failed_send_gets_a_new_key(pupil, code):
    join(pupil, code)
    add_spot(pupil, -30, 40)
    answer(pupil, "Safe", ["Adults or staff around"], ["After school"])
    keys = []

    def offline(route):
        keys.append(route.request.headers["idempotency-key"])
        route.abort("internetdisconnected")

    pupil.route("**/api/v1/sessions/*/maps", offline)
    pupil.get_by_role("button", name="Check and send").click()
    pupil.get_by_role("button", name="Send my map").click()
    expect(pupil.locator("#send-status")).to_contain_text(OFFLINE)
    pupil.get_by_role("button", name="Try again now").click()
    expect(pupil.get_by_role("button", name="Try again now")).to_be_enabled()
    pupil.get_by_role("button", name="Back to my map").click()
    pupil.get_by_role("button", name="Edit zone 1").click()
    answer(pupil, "Safe", [], ["Weekend"])  # a change: a new drawing
    assert saved(pupil)["pending"] is None
    pupil.get_by_role("button", name="Check and send").click()
    pupil.get_by_role("button", name="Send my map").click()
    expect(pupil.locator("#send-status")).to_contain_text(OFFLINE)
    assert len(keys) == 3 and keys[0] == keys[1] != keys[2]


def test_a_pupil_changes_the_shape_of_a_spot_and_an_area(pupil, code):
    join(pupil, code)
    add_spot(pupil, 60, -60)
    answer(pupil, "Unsafe", ["Dogs"], ["Evening"])
    before = saved(pupil)["zones"][0]["geometry"]["coordinates"]
    pupil.get_by_role("button", name="Edit zone 1").click()
    pupil.get_by_role("button", name="Change shape").click()
    pupil.get_by_role("button", name="Move to +").click()
    pupil.get_by_role("button", name="Done").click()
    after = saved(pupil)["zones"][0]["geometry"]["coordinates"]
    assert after != before

    draw_area(pupil, SQUARE)
    answer(pupil, "Safe", ["Busy and bright"], ["Weekend"])
    ring = saved(pupil)["zones"][1]["geometry"]["coordinates"][0]
    click_map(pupil, -60, 45)  # tap inside the area (the spot now sits in its middle)
    pupil.get_by_role("button", name="Change shape").click()
    corner = pupil.locator("#map .marker-icon:not(.marker-icon-middle)").first
    corner.wait_for()
    box = corner.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    pupil.mouse.move(x, y)
    pupil.mouse.down()
    pupil.mouse.move(x - 30, y - 30, steps=5)
    pupil.mouse.up()
    pupil.get_by_role("button", name="Done").click()
    moved = saved(pupil)["zones"][1]["geometry"]["coordinates"][0]
    assert moved != ring and moved[0] == moved[-1] and len(moved) == len(ring)


def test_the_request_is_what_the_api_expects(pupil, code):
    join(pupil, code)
    draw_area(pupil, SQUARE)
    answer(pupil, "Safe", ["Adults or staff around"], ["Weekend"],
           suggestions=["Something else"])
    pupil.get_by_role("button", name="Check and send").click()
    with pupil.expect_request("**/api/v1/sessions/*/maps") as info:
        pupil.get_by_role("button", name="Send my map").click()
    request = info.value
    headers = request.headers
    assert headers["content-type"] == "application/geo+json"
    token = pupil.locator('meta[name="csrf-token"]').get_attribute("content")
    assert headers["x-csrftoken"] == token
    assert len(headers["idempotency-key"]) == 36
    body = json.loads(request.post_data)
    feature = body["features"][0]
    ring = feature["geometry"]["coordinates"][0]
    assert body["type"] == "FeatureCollection" and feature["geometry"]["type"] == "Polygon"
    assert ring[0] == ring[-1] and len(ring) == 5
    assert all(round(v, 6) == v for point in ring for v in point)
    assert all(-0.03 < lon < 0.03 and 51.43 < lat < 51.47 for lon, lat in ring)
    assert feature["properties"] == {"kind": "safe", "reasons": ["adults_around"],
                                     "times": ["weekend"], "suggestions": ["other"],
                                     "suggestion_other": None, "comment": None}
    expect(pupil.get_by_role("heading", name="Thank you! Your map has been sent.")).to_be_visible()


def test_a_wrong_code_shows_the_error_and_stays_on_join(pupil, code):
    pupil.goto("/join")
    assert accessibility_violations(pupil) == []
    code_box = pupil.get_by_label("Class code")
    assert code_box.get_attribute("autocomplete") == "off"
    assert code_box.get_attribute("autocapitalize") == "characters"
    assert pupil.get_by_role("textbox").count() == 1  # nothing else is asked, no name
    code_box.fill("ZZZZ-ZZZZ")
    pupil.get_by_role("button", name="Join").click()
    expect(pupil.get_by_role("alert")).to_contain_text("That code does not work")
    assert pupil.url.endswith("/join")
    expect(pupil.get_by_label("Class code")).to_have_value("ZZZZ-ZZZZ")
    assert accessibility_violations(pupil) == []
    assert pupil.get_by_role("link").count() == 1  # the skip link; nothing to staff pages
    pupil.goto("/draw")  # not joined: back to the code
    assert pupil.url.endswith("/join")


@pytest.mark.parametrize("width", [390, 768])
def test_pupil_pages_have_no_serious_accessibility_problems(pupil, code, width):
    pupil.set_viewport_size({"width": width, "height": 1024 if width > 400 else 844})
    join(pupil, code)
    assert accessibility_violations(pupil) == []
    draw_area(pupil, SQUARE)
    assert pupil.evaluate("() => document.activeElement.id") == "zone-title"
    assert accessibility_violations(pupil) == []  # with the question panel open
    pupil.get_by_role("radio", name="Unsafe").check()
    pupil.get_by_role("button", name="Save answers").click()  # nothing ticked yet
    expect(pupil.locator("#zone-errors")).to_contain_text("Tick at least one reason")
    expect(pupil.locator("#zone-errors")).to_contain_text("Tick at least one time")
    assert accessibility_violations(pupil) == []
    answer(pupil, "Unsafe", ["Fights"], ["Night"])
    pupil.get_by_role("button", name="Check and send").click()
    assert accessibility_violations(pupil) == []


def test_by_keyboard_alone_a_pupil_adds_a_spot_and_answers(pupil, code, db_session):
    join(pupil, code)
    pupil.get_by_role("button", name="Add a spot").focus()
    pupil.keyboard.press("Enter")
    assert pupil.evaluate("() => document.activeElement.textContent") == "Put it at +"
    pupil.keyboard.press("Enter")
    pupil.locator("#zone-dialog[open]").wait_for()
    pupil.keyboard.press("Tab")  # Close
    pupil.keyboard.press("Tab")  # Safe
    pupil.keyboard.press("ArrowRight")  # Unsafe
    assert pupil.get_by_role("radio", name="Unsafe").is_checked()
    pupil.keyboard.press("Tab")
    pupil.keyboard.press("Space")  # the first reason
    pupil.keyboard.press("Tab")
    for _ in range(len(vocabulary.UNSAFE_REASONS) - 1):
        pupil.keyboard.press("Tab")
    pupil.keyboard.press("Space")  # the first time
    pupil.get_by_role("button", name="Save answers").focus()
    pupil.keyboard.press("Enter")
    expect(pupil.locator("#zone-list > li")).to_have_count(1)
    expect(pupil.locator("#zone-list")).to_contain_text("Dark or badly lit")
    expect(pupil.locator("#zone-list")).to_contain_text("Unsafe")
    expect(pupil.locator(":focus")).to_have_text("Edit zone 1")


def test_reload_restores_an_unanswered_shape_and_edit_and_delete_work(pupil, code):
    join(pupil, code)
    draw_route(pupil, ROUTE)
    pupil.keyboard.press("Escape")  # closed without answering: kept, but marked as unfinished
    expect(pupil.locator("#zone-list")).to_contain_text("Needs answers")
    pupil.reload()
    wait_for_map(pupil)
    expect(pupil.locator("#zone-list > li")).to_have_count(1)
    expect(pupil.locator("#map path.zone-none")).to_have_count(1)
    pupil.get_by_role("button", name="Check and send").click()
    expect(pupil.locator("#draw-problem")).to_contain_text("Zone 1 still needs answers")
    pupil.get_by_role("button", name="Answer zone 1").click()
    answer(pupil, "Unsafe", ["Dangerous traffic"], ["Before school"])
    expect(pupil.locator("#map path.zone-unsafe")).to_have_count(1)
    click_map(pupil, -55, 135)  # tap the route (half way along its first part) to change it
    pupil.locator("#zone-dialog[open]").wait_for()
    expect(pupil.get_by_role("checkbox", name="Dangerous traffic")).to_be_checked()
    answer(pupil, "Safe", ["Friends and family nearby"], [])
    expect(pupil.locator("#map path.zone-safe")).to_have_count(1)
    pupil.get_by_role("button", name="Delete zone 1").click()
    expect(pupil.locator("#zone-list > li")).to_have_count(0)
    assert saved(pupil)["zones"] == []


def test_a_zone_the_server_refuses_is_named_and_highlighted(pupil, code, db_session):
    join(pupil, code)
    box = pupil.locator("#map").bounding_box()
    add_spot(pupil, -box["width"] / 2 + 20, -box["height"] / 2 + 130)  # outside the area
    answer(pupil, "Safe", ["Busy and bright"], ["Evening"])
    pupil.get_by_role("button", name="Check and send").click()
    pupil.get_by_role("button", name="Send my map").click()
    expect(pupil.locator("#draw-problem")).to_contain_text("Zone 1: you drew outside the map area")
    expect(pupil.locator("#zone-list > li.has-problem")).to_have_count(1)
    expect(pupil.locator("#map .spot-icon.zone-highlight")).to_have_count(1)
    assert maps_of(db_session, code) == []


def test_a_closed_session_is_explained(app, pupil, code, db_session, teacher):
    join(pupil, code)
    add_spot(pupil, 0, 0)
    answer(pupil, "Unsafe", ["Bullying"], ["After school"])
    mapping_session = services.join(db_session=db_session, typed_code=code)
    with app.app_context():
        services.set_closed(db_session=db_session, session_id=mapping_session.id, user=teacher,
                            closed=True)
    pupil.get_by_role("button", name="Check and send").click()
    pupil.get_by_role("button", name="Send my map").click()
    expect(pupil.get_by_role("alert").filter(has_text="closed")).to_contain_text(
        "Your map is still saved on this device")
    assert saved(pupil)["zones"]


def test_a_pupil_who_cannot_use_the_map_chooses_from_the_list(app, pupil, db_session, teacher):
    mapping_session = create_session(app, db_session, teacher)
    square = {"type": "Polygon", "coordinates": [[[0.001, 51.451], [0.003, 51.451],
                                                  [0.003, 51.452], [0.001, 51.452],
                                                  [0.001, 51.451]]]}
    with app.app_context():
        place = services.add_place(db_session=db_session, session_id=mapping_session.id,
                                   user=teacher, name="The <b>park</b> gate", area=square)
    code = codes.display(mapping_session.join_code)
    join(pupil, code)
    pupil.get_by_role("button", name="Choose from a list instead").click()
    expect(pupil.locator("#place-list")).to_contain_text("The <b>park</b> gate")
    assert accessibility_violations(pupil) == []
    pupil.get_by_role("button", name="Mark The <b>park</b> gate").click()
    answer(pupil, "Unsafe", ["Groups of older young people"], ["Weekend"])
    expect(pupil.locator("#place-list")).to_contain_text("Unsafe")
    pupil.get_by_role("button", name="Check and send").click()
    expect(pupil.locator("#review-list")).to_contain_text("The <b>park</b> gate")
    with pupil.expect_request("**/maps") as info:
        pupil.get_by_role("button", name="Send my map").click()
    feature = json.loads(info.value.post_data)["features"][0]
    assert feature["geometry"] is None and feature["properties"]["place"] == place.id
    expect(pupil.get_by_role("heading", name="Thank you! Your map has been sent.")).to_be_visible()
    zone = maps_of(db_session, code)[0].zones[0]
    assert (zone.shape, zone.place_id, zone.kind) == ("place", place.id, "unsafe")

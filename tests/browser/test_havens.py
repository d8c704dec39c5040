"""In real Chromium on a phone-sized tab: register a haven with the pin picker, manage it, log a
visit, and find it as the public; nothing is loaded from outside but tiles."""

import math
import re

import pytest

from tests.browser.conftest import accessibility_violations
from tests.factories import PASSWORD, add_borough, add_school, add_user

pytestmark = pytest.mark.browser
SCHOOL = (0.0, 51.45)  # lon, lat: the middle of the test borough
PRIVATE = {"#contact_name": "Priya Privatename", "#phone": "020 8123 4567",
           "#email": "priya@corner.example", "#notes": "Spare key under the mat"}


@pytest.fixture
def borough(db_session):
    add_borough(db_session)
    add_school(db_session, 100001, "Alder Primary School", lon=SCHOOL[0], lat=SCHOOL[1])
    add_user(db_session, "worker", "worker@example.org")
    db_session.commit()


PIN_TIP_IN_THE_MIDDLE = """() => {
    const map = document.querySelector('#pick-map').getBoundingClientRect();
    const pin = document.querySelector('#pick-map .leaflet-marker-icon');
    if (!pin) { return false; }
    const box = pin.getBoundingClientRect();
    return Math.abs(box.left + box.width / 2 - (map.left + map.width / 2)) <= 2
        && Math.abs(box.bottom - (map.top + map.height / 2)) <= 2;
}"""


def log_in(page):
    page.goto("/login")
    page.get_by_label("Email").fill("worker@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/$"))


def log_out(page):
    toggle = page.locator(".menu-toggle")
    if toggle.is_visible():
        toggle.click()
    page.get_by_role("button", name=re.compile("Log out")).click()
    page.wait_for_load_state()
    assert page.locator("#main-nav a[href='/login']").count() == 1
    assert page.locator("#main-nav", has_text="Log out").count() == 0


def open_form(page):
    """The registration form with its map ready and in view."""
    page.goto("/havens/new")
    pick_map = page.locator("#pick-map.leaflet-container")
    pick_map.wait_for()
    pick_map.scroll_into_view_if_needed()
    return pick_map


def centre(box) -> tuple[float, float]:
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def click_map(page, pick_map, dx=0.0, dy=0.0):
    x, y = centre(pick_map.bounding_box())
    page.mouse.click(x + dx, y + dy)


def coords(page) -> tuple[float, float]:
    """(lon, lat) from the form's inputs."""
    return float(page.locator("#lon").input_value()), float(page.locator("#lat").input_value())


def metres(a, b) -> float:
    """Approximate straight-line distance between two nearby lon/lat points."""
    dx = (a[0] - b[0]) * 111_320 * math.cos(math.radians((a[1] + b[1]) / 2))
    return math.hypot(dx, (a[1] - b[1]) * 110_574)


def test_register_a_haven_with_the_pin_log_a_visit_and_find_it_as_the_public(page, borough):
    log_in(page)
    pick_map = open_form(page)
    page.locator("#name").fill("Kumar News")

    # The map opens west of the borough at zoom 13 (about 12 m a pixel): click east of the
    # middle to place the pin inside it, then drag the pin further east and a little south.
    assert page.locator(".leaflet-marker-icon").count() == 0
    click_map(page, pick_map, dx=100)
    pin = page.locator(".leaflet-marker-icon")
    pin.wait_for()
    placed = coords(page)
    assert page.locator("#place-status").inner_text() == "Pin placed."
    x, y = centre(pin.bounding_box())
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 20, y + 10, steps=5)
    page.mouse.move(x + 40, y + 20, steps=5)
    page.mouse.up()
    page.locator("#place-status", has_text="Pin moved.").wait_for()
    dragged = coords(page)
    assert dragged[0] > placed[0] and dragged[1] < placed[1], (placed, dragged)
    assert -0.015 < dragged[0] < 0.015 and 51.44 < dragged[1] < 51.46, dragged

    page.get_by_label("Monday").fill("09:00-17:30")
    for selector, value in PRIVATE.items():
        page.locator(selector).fill(value)
    page.get_by_label("They signed up today").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/havens/\d+$"))
    haven_url = page.url
    assert page.locator("h1").inner_text() == "Kumar News"
    assert page.get_by_text("Saved Kumar News.").is_visible()
    assert page.locator("dl.facts dd").filter(has_text="Active Safe Haven").count() == 1

    page.goto("/havens/manage")
    page.locator("path.marker-haven").first.wait_for()
    assert page.locator("path.marker-haven").count() == 1
    assert page.get_by_role("link", name="Kumar News").count() == 1

    page.goto(haven_url)
    page.get_by_role("link", name="Log a visit").click()
    page.get_by_label("Re-verified").check()
    page.get_by_role("button", name="Log visit").click()
    page.wait_for_url(haven_url)
    assert page.get_by_text("Visit logged.").is_visible()
    visits = page.locator("table[aria-labelledby=visits] tbody tr")
    assert visits.count() == 2 and "Re-verified" in visits.first.inner_text()

    log_out(page)
    page.goto("/havens/?school=100001")
    found = page.locator("ol.haven-list li", has_text="Kumar News")
    assert found.count() == 1
    text = found.inner_text()
    assert re.search(r"(Open|Closed) now", text)
    distance = int(re.search(r"(\d+) m in a straight line", text).group(1))
    assert abs(distance - metres(dragged, SCHOOL)) <= 0.02 * distance + 3
    html = page.content()
    for value in PRIVATE.values():
        assert value not in html
    assert page.locator("path.marker-haven").count() == 1


def test_an_unknown_postcode_is_explained_and_the_pin_can_still_be_placed(page, borough):
    log_in(page)
    pick_map = open_form(page)
    page.locator("#postcode").fill("ZZ99 9ZZ")
    page.locator("#find-postcode").click()
    status = page.locator("#place-status")
    status.filter(has_text="We do not know the postcode ZZ99 9ZZ").wait_for()
    assert "You can still place the pin on the map." in status.inner_text()
    assert page.locator("#lat").input_value() == "" and page.locator("#lon").input_value() == ""
    click_map(page, pick_map, dx=30, dy=-20)
    page.locator(".leaflet-marker-icon").wait_for()
    assert status.inner_text() == "Pin placed."
    assert page.locator("#lat").input_value() and page.locator("#lon").input_value()


def test_a_known_postcode_moves_the_pin_to_it(page, borough, runner, db_session, tmp_path):
    path = tmp_path / "postcodes.csv"
    path.write_text("pcds,lat,long\nSE13 6PH,51.451,0.001\n")
    result = runner.invoke(args=["import", "postcodes", str(path)])
    assert result.exit_code == 0, result.output
    db_session.commit()
    log_in(page)
    open_form(page)
    page.locator("#postcode").fill("se136ph")
    page.locator("#find-postcode").click()
    page.locator("#place-status", has_text="Moved to the middle of SE13 6PH").wait_for()
    assert page.locator("#postcode").input_value() == "SE13 6PH"
    assert coords(page) == (0.001, 51.451)
    # The map zooms to the postcode, so (once the zoom animation ends) the pin's tip is in the
    # middle of the map.
    page.wait_for_function(PIN_TIP_IN_THE_MIDDLE, timeout=5000)
    assert page.locator(".leaflet-marker-icon").count() == 1


def test_the_finder_is_accessible_and_never_asks_for_a_location(page, borough):
    page.add_init_script("""window.geoCalls = 0;
        navigator.geolocation.getCurrentPosition = () => { window.geoCalls += 1; };
        navigator.geolocation.watchPosition = () => { window.geoCalls += 1; return 1; };""")
    page.goto("/havens/?school=100001")
    page.locator(".leaflet-container").first.wait_for()
    assert page.locator("#use-location").count() == 0
    assert page.get_by_text("Use my location").count() == 0
    assert page.evaluate("() => window.geoCalls") == 0
    assert accessibility_violations(page) == []


def test_the_registration_form_is_accessible(page, borough):
    log_in(page)
    open_form(page)
    assert accessibility_violations(page) == []

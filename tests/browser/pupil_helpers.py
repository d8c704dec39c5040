"""Helpers for the pupils' browser tests: a class session, a watched tab, drawing and answering."""

from contextlib import contextmanager

from sqlalchemy import select

from mapping import services
from mapping.models import MappingSession, PupilMap
from tests.browser.conftest import Outside
from tests.factories import PASSWORD, add_borough, add_school, add_user

URN = 100001
TEACHER = "t@example.org"

# Replaces the location API before any page script runs, so a call is recorded, never made.
GEOLOCATION_SPY = """
window.__geolocationCalls = [];
(function () {
  var record = function (name) {
    return function () { window.__geolocationCalls.push(name); };
  };
  var targets = [window.Geolocation && Geolocation.prototype, navigator.geolocation];
  targets.forEach(function (target) {
    if (!target) { return; }
    try {
      Object.defineProperty(target, 'getCurrentPosition', {value: record('getCurrentPosition')});
      Object.defineProperty(target, 'watchPosition', {value: record('watchPosition')});
    } catch (error) { window.__geolocationCalls.push('could not spy: ' + error); }
  });
})();
"""


def add_school_and_teacher(db_session):
    """The borough (2 km square round lon 0, lat 51.45), a school in its middle, its teacher."""
    add_borough(db_session, code="E09000999")
    add_school(db_session, URN, "Testham Primary School", lon=0.0, lat=51.45)
    teacher = add_user(db_session, "teacher", TEACHER, school_urns=[URN])
    db_session.commit()
    return teacher


def create_session(app, db_session, teacher, class_label="7B") -> MappingSession:
    """An open class session made with the service (default area: 1.5 km round the school)."""
    with app.app_context():
        mapping_session = services.create_session(db_session=db_session, teacher=teacher,
                                                  school_urn=URN, class_label=class_label,
                                                  year_group=7)
    db_session.commit()
    return mapping_session


def maps_of(db_session, join_code: str) -> list[PupilMap]:
    """The pupil maps stored for the session with this (displayed or typed) code."""
    db_session.expire_all()
    code = "".join(ch for ch in join_code.upper() if ch.isalnum())
    mapping_session = db_session.scalar(select(MappingSession)
                                        .where(MappingSession.join_code == code))
    return list(db_session.scalars(select(PupilMap)
                                   .where(PupilMap.session_id == mapping_session.id)))


@contextmanager
def extra_tab(browser, live_server, width=1024, height=800):
    """Another browser (its own cookies), refusing outside requests like the `page` fixture."""
    context = browser.new_context(viewport={"width": width, "height": height},
                                  base_url=live_server)
    outside = Outside(live_server)
    context.route("**/*", outside.handle)
    tab = context.new_page()
    try:
        yield tab
    finally:
        context.close()
    assert outside.blocked == [], f"the page called outside servers: {outside.blocked}"


def teacher_creates_session(tab, class_label="7B") -> str:
    """Log in as the teacher, create a session with the form; the join code on the board."""
    tab.goto("/login")
    tab.get_by_label("Email").fill(TEACHER)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Log in").click()
    tab.wait_for_url("**/")
    tab.goto("/mapping/sessions/new")
    tab.locator('[name="class_label"]').fill(class_label)
    tab.locator('[name="year_group"]').select_option("7")
    tab.get_by_role("button", name="Create session").click()
    tab.wait_for_url("**/mapping/sessions/*")
    return tab.locator("#join-code").inner_text().strip()


def join(tab, typed_code: str) -> None:
    """Type the code on /join and land on the drawing page with its map ready."""
    tab.goto("/join")
    tab.get_by_label("Class code").fill(typed_code)
    tab.get_by_role("button", name="Join").click()
    tab.wait_for_url("**/draw")
    wait_for_map(tab)


def wait_for_map(tab) -> None:
    """The drawing page's script has run (the session area is drawn)."""
    tab.locator("#map path.leaflet-interactive, #map svg path").first.wait_for(state="attached")
    tab.wait_for_function("() => document.querySelector('#map').classList.contains("
                          "'leaflet-container')")


def map_xy(tab, dx: float, dy: float) -> tuple[float, float]:
    """Page coordinates of a point dx, dy pixels from the middle of the map."""
    box = tab.locator("#map").bounding_box()
    return box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2 + dy


def click_map(tab, dx: float, dy: float) -> None:
    """Click (tap) the map dx, dy pixels from its middle."""
    x, y = map_xy(tab, dx, dy)
    tab.mouse.click(x, y)


def draw_area(tab, corners) -> None:
    """'Add an area', click the corners, then click the first corner again to finish."""
    tab.get_by_role("button", name="Add an area").click()
    for dx, dy in corners:
        click_map(tab, dx, dy)
    click_map(tab, *corners[0])
    tab.locator("#zone-dialog[open]").wait_for()


def draw_route(tab, points) -> None:
    """'Add a route', click the points, then press Finish."""
    tab.get_by_role("button", name="Add a route").click()
    for dx, dy in points:
        click_map(tab, dx, dy)
    tab.get_by_role("button", name="Finish").click()
    tab.locator("#zone-dialog[open]").wait_for()


def add_spot(tab, dx: float, dy: float) -> None:
    """'Add a spot' and tap the map once."""
    tab.get_by_role("button", name="Add a spot").click()
    click_map(tab, dx, dy)
    tab.locator("#zone-dialog[open]").wait_for()


def answer(tab, kind: str, reasons, times, suggestions=(), comment=None) -> None:
    """Answer the open question panel and save it."""
    panel = tab.locator("#zone-dialog")
    panel.get_by_role("radio", name=kind, exact=True).check()
    for question, labels in (("#q-reasons", reasons), ("#q-times", times),
                             ("#q-suggestions", suggestions)):
        for label in labels:
            panel.locator(question).get_by_role("checkbox", name=label, exact=True).check()
    if comment is not None:
        panel.get_by_label("Anything else?").fill(comment)
    panel.get_by_role("button", name="Save answers").click()
    tab.locator("#zone-dialog[open]").wait_for(state="detached")

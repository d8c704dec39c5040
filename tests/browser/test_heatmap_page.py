"""In real Chromium: a planner opens the borough heatmap and sees coloured cells."""

import secrets

import pytest

from mapping import collect, services
from tests.browser.conftest import accessibility_violations
from tests.factories import PASSWORD, add_borough, add_school, add_user
from tests.mapping.conftest import body, feature, lonlat, square

pytestmark = pytest.mark.browser


@pytest.fixture
def crowd(app, db_session):
    """Twelve pupils from three schools marking the same street unsafe."""
    add_borough(db_session)
    for n, dx in enumerate((0, 300, -300)):
        urn = 100001 + n
        add_school(db_session, urn, f"School {n}", lon=lonlat(dx, 0)[0], lat=lonlat(dx, 0)[1])
        teacher = add_user(db_session, "teacher", f"t{n}@example.org", school_urns=[urn])
        with app.app_context():
            mapping_session = services.create_session(
                db_session=db_session, teacher=teacher, school_urn=urn, class_label="7A",
                year_group=7)
            for _pupil in range(4):
                collect.submit(db_session=db_session, mapping_session=mapping_session,
                               raw=body(feature(square(100, 100, 120))),
                               key=secrets.token_hex(16))
    add_user(db_session, "planner", "planner@example.org", borough_code="E09000999")
    db_session.commit()


COLOURED_PIXELS = """() => Array.from(document.querySelectorAll('#heat-map canvas')).some(c => {
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let k = 0; k < data.length; k += 4) {
        if (data[k + 3] > 0 && data[k] > 150 && data[k + 2] < 120) { return true; }
    }
    return false;
})"""


A_COLOURED_POINT = """() => {
    for (const c of document.querySelectorAll('#heat-map canvas')) {
        const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        const box = c.getBoundingClientRect();
        let sx = 0, sy = 0, n = 0;
        for (let k = 0; k < data.length; k += 4) {
            if (data[k + 3] > 100 && data[k] > 150 && data[k + 2] < 120) {
                sx += (k / 4) % c.width; sy += Math.floor(k / 4 / c.width); n += 1;
            }
        }
        if (n > 20) {  // the middle of the coloured cells
            return [box.left + sx / n * box.width / c.width,
                    box.top + sy / n * box.height / c.height];
        }
    }
    return null;
}"""


def log_in(page, email):
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")


def test_planner_sees_coloured_cells_and_a_legend(page, crowd):
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, "planner@example.org")
    with page.expect_response(lambda r: ".mvt" in r.url and r.status == 200):
        page.goto("/mapping/heatmap")
    page.wait_for_function(COLOURED_PIXELS, timeout=15000)
    assert page.get_by_role("heading", name="How to read it").is_visible()
    assert accessibility_violations(page) == []


def test_a_cell_tells_its_numbers_reasons_and_times(page, crowd):
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, "planner@example.org")
    page.goto("/mapping/heatmap")
    page.wait_for_function(COLOURED_PIXELS, timeout=15000)
    page.evaluate("() => document.querySelector('#heat-map').scrollIntoView()")
    x, y = page.evaluate(A_COLOURED_POINT)
    with page.expect_response(lambda r: "/api/v1/heatmap/cell?" in r.url and r.status == 200):
        page.mouse.click(x, y)
    popup = page.locator(".heat-popup")
    popup.get_by_text("Dark or badly lit: about 10").wait_for()
    assert "About 10 of 10 pupils" in popup.inner_text()
    assert "After school: about 10" in popup.inner_text()
    assert "Dark or badly lit" in page.locator("#heat-status").inner_text()


def test_the_net_layer_draws_with_its_own_legend(page, crowd):
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, "planner@example.org")
    page.goto("/mapping/heatmap?kind=net")
    page.wait_for_function(COLOURED_PIXELS, timeout=15000)
    assert page.get_by_role("heading", name="unsafe rather than safe").is_visible()
    assert page.get_by_text("many more feel unsafe than safe").is_visible()


def test_a_teacher_sees_the_schools_own_heatmap(page, app, db_session, crowd):
    school = db_session.query(services.MappingSession).order_by(services.MappingSession.id).first()
    with app.app_context():
        collect.submit(db_session=db_session, mapping_session=school,
                       raw=body(feature(square(100, 100, 120))), key=secrets.token_hex(16))
    db_session.commit()
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    log_in(page, "t0@example.org")
    page.goto("/mapping")
    page.get_by_role("link", name="Our school's heatmap").click()
    page.wait_for_selector("#school-heat-map path.leaflet-interactive")
    assert page.locator("#school-heat-map path.leaflet-interactive").count() >= 1
    assert "hexagon" in page.locator("#headline").inner_text()
    assert page.get_by_role("table").first.is_visible()
    assert accessibility_violations(page) == []

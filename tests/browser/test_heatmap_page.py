"""In real Chromium: a planner opens the borough heatmap and sees coloured cells."""

import secrets

import pytest

from mapping import collect, services
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
        if (data[k + 3] > 0 && data[k] > 180 && data[k + 2] < 200) { return true; }
    }
    return false;
})"""


def test_planner_sees_coloured_cells_and_a_legend(page, crowd):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/login")
    page.get_by_label("Email").fill("planner@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")
    with page.expect_response(lambda r: ".mvt" in r.url and r.status == 200):
        page.goto("/mapping/heatmap")
    page.wait_for_function(COLOURED_PIXELS, timeout=15000)
    assert page.get_by_role("heading", name="How to read it").is_visible()

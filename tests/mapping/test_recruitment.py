"""Where to recruit next: unsafe areas and schools without a haven near, or open when needed."""

import pytest
from sqlalchemy import text

from havens import hours
from havens.models import Haven
from mapping import patrol, recruitment
from tests.core.accounts.helpers import login
from tests.factories import add_user, point
from tests.mapping.conftest import lonlat
from tests.mapping.test_heatmap import classes  # noqa: F401 (the fixture)
from tests.mapping.test_hotspots import AFTER_SCHOOL_PLACE, planted  # noqa: F401

AFTER_SCHOOL = hours.to_json(hours.from_form(dict.fromkeys(patrol.SCHOOL_DAYS, "14:00-18:30")))
MORNINGS = hours.to_json(hours.from_form(dict.fromkeys(patrol.SCHOOL_DAYS, "07:00-12:00")))


def _add(db_session, borough_id, name, where, status="active", opening=None):
    db_session.add(Haven(borough_id=borough_id, name=name, business_type="shop",
                         location=f"SRID=4326;{point(*lonlat(*where))}",
                         opening_hours=opening or {}, status=status))
    db_session.flush()


def _area(db_session, planted):  # noqa: F811
    gaps, message = recruitment.area_gaps(db_session, planted[0].borough_id)
    assert message is None
    return [g for g in gaps if g["rank"] == 1]


def test_an_unsafe_area_without_a_haven_open_at_its_peak_time_is_a_gap(
        app, db_session, planted):  # noqa: F811
    borough = planted[0].borough_id
    x, y = AFTER_SCHOOL_PLACE
    _add(db_session, borough, "Bakery (not yet)", (x + 60, y + 60), status="prospect",
         opening=AFTER_SCHOOL)
    _add(db_session, borough, "Far Shop (not yet)", (x + 500, y + 60), status="prospect")
    with app.app_context():
        [gap] = _area(db_session, planted)
        assert gap["problem"] == "none_near" and gap["peak_time"] == "After school"
        assert [p["name"] for p in gap["prospects"]] == ["Bakery (not yet)", "Far Shop (not yet)"]
        assert gap["prospects"][0]["open_when_needed"] is True
        assert gap["prospects"][1]["open_when_needed"] is False
        _add(db_session, borough, "Morning Cafe", (x + 45, y + 45), opening=MORNINGS)
        [gap] = _area(db_session, planted)
        assert gap["problem"] == "none_open_then" and gap["havens_near"] == ["Morning Cafe"]
        _add(db_session, borough, "Late Shop", (x + 30, y + 50), opening=AFTER_SCHOOL)
        assert _area(db_session, planted) == []


def test_a_school_needs_a_haven_near_that_is_open_after_school(app, db_session, planted):  # noqa: F811
    borough = planted[0].borough_id

    def problems():
        return {g["urn"]: g["problem"] for g in recruitment.school_gaps(db_session, borough)}

    with app.app_context():
        assert problems() == {100001: "none_near", 100002: "none_near", 100003: "none_near"}
        _add(db_session, borough, "Morning Cafe", (0, 100), opening=MORNINGS)
        assert problems()[100001] == "none_open_after_school"
        _add(db_session, borough, "Late Shop", (0, -100), opening=AFTER_SCHOOL)
        assert 100001 not in problems()
        _add(db_session, borough, "Too Far", (300, 400), opening=AFTER_SCHOOL)  # 400 m away
        assert problems()[100002] == "none_near"


@pytest.mark.parametrize(("role", "status"), [("planner", 403), ("teacher", 403)])
def test_only_workers_see_where_to_recruit(client, db_session, planted, role, status):  # noqa: F811
    if role == "teacher":
        add_user(db_session, role, "t9@example.org", school_urns=[100001])
        db_session.commit()
    assert client.get("/havens/recruit").status_code in (302, 401)  # to the login page
    login(client, "planner@example.org" if role == "planner" else "t9@example.org")
    assert client.get("/havens/recruit").status_code == status


def test_the_page_names_places_and_prospects_but_no_pupil_counts(client, db_session, planted):  # noqa: F811
    _add(db_session, planted[0].borough_id, "<b>Bold</b> Bakery", (445, 500), status="prospect")
    add_user(db_session, "worker", "worker@example.org", borough_code="E09000999")
    db_session.commit()
    login(client, "worker@example.org")
    page = client.get("/havens/recruit").get_data(as_text=True)
    assert "Places pupils say feel unsafe" in page and "after school" in page
    assert "&lt;b&gt;Bold&lt;/b&gt; Bakery" in page and "<b>Bold</b>" not in page
    assert "No Safe Haven within 300 m" in page
    assert "pupils from" not in page and "z-score" not in page
    assert db_session.execute(text("SELECT count(*) FROM haven")).scalar() == 1

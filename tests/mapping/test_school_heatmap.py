"""A school's own heatmap: its lower threshold, its scope, and the comparison with others."""

import json
import re

import pytest

from mapping import heatmap, school_view
from mapping.publication import Rule
from tests.core.accounts.helpers import login
from tests.factories import add_user
from tests.mapping.conftest import feature, square
from tests.mapping.test_heatmap import RULE, _crowd, classes, send  # noqa: F401

SCHOOL_RULE = Rule(min_pupils=5, min_schools=1, round_to=5, min_cell_m=50)
STREET = square(100, 100, 60)


def _layers(app, db_session, classes, **asked):  # noqa: F811
    question = heatmap.Question(borough_id=classes[0].borough_id, resolution=100, **asked)
    with app.app_context():
        return school_view.layers(db_session=db_session, question=question,
                                  school_id=classes[0].school_id, school_rule=SCHOOL_RULE,
                                  borough_rule=RULE)


def test_a_school_sees_its_own_cells_from_five_pupils(app, db_session, classes):  # noqa: F811
    for _pupil in range(4):
        send(app, db_session, classes[0], feature(STREET))
    assert _layers(app, db_session, classes)["school"]["features"] == []
    send(app, db_session, classes[0], feature(STREET))
    features = _layers(app, db_session, classes)["school"]["features"]
    assert features and all(f["properties"]["pupils"] == 5 for f in features)
    assert all(f["properties"]["coverage"] == 5 for f in features)


def test_other_schools_pupils_never_count_in_a_schools_own_view(app, db_session,
                                                                classes):  # noqa: F811
    for mapping_session in classes[1:]:
        for _pupil in range(6):
            send(app, db_session, mapping_session, feature(STREET))
    layers = _layers(app, db_session, classes)
    assert layers["school"]["features"] == []
    assert layers["others"]["features"] == []  # 12 pupils, but only two other schools


def test_the_comparison_leaves_the_school_out_of_the_others(app, db_session,
                                                            classes):  # noqa: F811
    # Without this, "borough minus my school" would reveal a small group at other schools.
    _crowd(app, db_session, classes, per_school=5)  # 15 pupils from 3 schools
    layers = _layers(app, db_session, classes)
    assert layers["others"]["features"] == []  # 10 from only 2 schools once mine are left out
    assert layers["school"]["features"]
    assert all(f["properties"]["others_rate"] is None for f in layers["school"]["features"])


def test_cells_compare_with_the_other_schools(app, db_session, classes):  # noqa: F811
    from mapping import services
    from tests.factories import add_school
    from tests.mapping.test_heatmap import lonlat
    extra = []
    for n, urn in enumerate((100004, 100005)):
        lon, lat = lonlat(0, 300 * (n + 1))
        add_school(db_session, urn, f"Extra {n}", lon=lon, lat=lat)
        owner = add_user(db_session, "teacher", f"x{n}@example.org", school_urns=[urn])
        with app.app_context():
            extra.append(services.create_session(db_session=db_session, teacher=owner,
                                                 school_urn=urn, class_label="8A",
                                                 year_group=8))
    for mapping_session in classes[1:] + extra:  # 12 of 16 pupils, 4 other schools
        for pupil in range(4):
            send(app, db_session, mapping_session,
                 feature(STREET if pupil < 3 else square(-700, -700, 60)))
    for _pupil in range(6):  # every pupil at this school marks the street
        send(app, db_session, classes[0], feature(STREET))
    layers = _layers(app, db_session, classes)
    assert layers["others"]["features"]
    compared = [f["properties"] for f in layers["school"]["features"]
                if f["properties"]["others_rate"] is not None]
    assert compared and all(p["rate"] > p["others_rate"] for p in compared)
    assert school_view.headline(layers)["higher"] == len(compared)


def test_reason_shares_compare_with_other_schools_only_when_big_enough(
        app, db_session, classes):  # noqa: F811
    _crowd(app, db_session, classes, per_school=4)
    question = heatmap.Question(borough_id=classes[0].borough_id, resolution=100)
    with app.app_context():
        rows = school_view.comparison(db_session=db_session, question=question,
                                      school_id=classes[0].school_id, column="reasons",
                                      school_rule=SCHOOL_RULE, borough_rule=RULE)
    dark = next(r for r in rows if r.key == "dark")
    assert dark.school is None  # 4 pupils: fewer than 5
    assert dark.others is None  # 8 pupils from 2 other schools
    assert rows[0].key == "dark" or all(r.school is None for r in rows)


@pytest.fixture
def teacher_client(client, classes):  # noqa: F811
    login(client, "teacher@example.org")
    return client


def test_the_page_shows_the_teachers_school(app, db_session, classes,  # noqa: F811
                                            teacher_client):
    for _pupil in range(5):
        send(app, db_session, classes[0], feature(STREET))
    page = teacher_client.get("/mapping/school-heatmap")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Alder Primary School" in html
    config = json.loads(re.search(r'id="school-heat-config">(.*?)</script>', html, re.S)[1])
    assert config["layers"]["school"]["features"]
    cells = teacher_client.get("/mapping/school-heatmap/cells?cell=50").json
    assert cells["school"]["features"] and cells["others"]["filters"]["cell"] == 100


@pytest.mark.parametrize("query", ["school=100002", "school=999999", "kind=net", "cell=75",
                                   "term=1999-autumn", "colour=red", "date=2026-11-01"])
def test_teachers_cannot_look_at_other_schools_or_ask_odd_questions(teacher_client, query):
    response = teacher_client.get(f"/mapping/school-heatmap/cells?{query}")
    assert 400 <= response.status_code < 500
    assert response.status_code != 403 or "school" not in query


def test_only_teachers_and_admins_see_a_school_heatmap(client, db_session, classes):  # noqa: F811
    assert client.get("/mapping/school-heatmap").status_code in (302, 401)  # to the login
    assert client.get("/mapping/school-heatmap/cells").status_code in (302, 401)
    add_user(db_session, "planner", "planner@example.org", borough_code="E09000999")
    login(client, "planner@example.org")
    assert client.get("/mapping/school-heatmap").status_code == 403

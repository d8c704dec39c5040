"""Migration 0016 moves the 50 m rows between zone_cell and fine_cell without losing a pair,
both ways."""

import secrets

from sqlalchemy import text
from sqlalchemy.orm import Session

from core import db
from core.migrate import downgrade, upgrade
from mapping import collect, services
from tests.conftest import create_database, drop_database, make_app
from tests.factories import add_borough, add_school, add_user
from tests.mapping.conftest import SCHOOL, body, feature, square

FINE = """SELECT c.zone_id, c.i, c.j FROM fine_cell f,
                 unnest(f.zone_ids, f.i, f.j) AS c(zone_id, i, j) ORDER BY 1, 2, 3"""
ROWS_50 = "SELECT zone_id, i, j FROM zone_cell WHERE resolution = 50 ORDER BY 1, 2, 3"


def _send_maps(url: str) -> None:
    app = make_app(url)
    with app.app_context():
        session: Session = db.session()
        add_borough(session)
        add_school(session, 100001, "Alder Primary School", lon=SCHOOL[0], lat=SCHOOL[1])
        teacher = add_user(session, "teacher", "teacher@example.org", school_urns=[100001])
        lesson = services.create_session(db_session=session, teacher=teacher,
                                         school_urn=100001, class_label="7B", year_group=7)
        for dx in (0, 90, 400):
            collect.submit(db_session=session, mapping_session=lesson,
                           raw=body(feature(square(dx, 30, 140)), feature(square(dx, 200, 25))),
                           key=secrets.token_hex(16))
        db.close_session()
        db.engine().dispose()


def _rows(url: str, sql: str) -> list:
    app = make_app(url)
    with app.app_context():
        rows = [tuple(row) for row in db.session().execute(text(sql))]
        db.close_session()
        db.engine().dispose()
    return rows


def test_the_50_m_pairs_move_across_both_ways():
    url = create_database("safehavens_mig_fine")
    try:
        upgrade(url)
        _send_maps(url)
        pairs = _rows(url, FINE)
        assert len(pairs) > 6
        downgrade(url, "0015")
        assert _rows(url, ROWS_50) == pairs
        upgrade(url)
        assert _rows(url, FINE) == pairs
        assert _rows(url, ROWS_50) == []
    finally:
        drop_database(url)

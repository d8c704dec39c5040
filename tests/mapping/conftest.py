"""Fixtures for mapping tests: a school with a teacher, an open session, and map builders."""

import json
import secrets
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from core.geo import transformer
from mapping import collect, services, terms
from mapping.models import PupilMap, ZoneCell
from tests.factories import add_borough, add_school, add_user

SCHOOL = (0.0, 51.45)


def lonlat(dx_m: float = 0.0, dy_m: float = 0.0) -> list[float]:
    """A point dx/dy metres from the school, as [lon, lat]."""
    x, y = transformer(4326, 27700).transform(*SCHOOL)
    lon, lat = transformer(27700, 4326).transform(x + dx_m, y + dy_m)
    return [round(lon, 6), round(lat, 6)]


def square(dx_m: float, dy_m: float, size_m: float = 60) -> dict:
    """A square area whose corner is dx/dy metres from the school."""
    ring = [lonlat(dx_m, dy_m), lonlat(dx_m + size_m, dy_m), lonlat(dx_m + size_m, dy_m + size_m),
            lonlat(dx_m, dy_m + size_m)]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def feature(geometry, kind="unsafe", **props) -> dict:
    """A zone with valid answers."""
    answers = {"kind": kind, "reasons": ["dark"] if kind == "unsafe" else ["busy_bright"],
               "times": ["after_school"], **props}
    return {"type": "Feature", "geometry": geometry, "properties": answers}


def body(*features) -> bytes:
    """A FeatureCollection as the browser sends it."""
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


@pytest.fixture
def teacher(db_session):
    """A teacher at a school in the middle of the test borough."""
    add_borough(db_session)
    add_school(db_session, 100001, "Alder Primary School", lon=SCHOOL[0], lat=SCHOOL[1])
    return add_user(db_session, "teacher", "teacher@example.org", school_urns=[100001])


@pytest.fixture
def open_session(app, db_session, teacher):
    """An open session of class 7B (default area: 1.5 km round the school)."""
    with app.app_context():
        return services.create_session(db_session=db_session, teacher=teacher,
                                       school_urn=100001, class_label="7B", year_group=7)


def submit(app, db_session, mapping_session, *features) -> dict:
    """Store one pupil's map through the real submission path."""
    with app.app_context():
        answer, _repeat = collect.submit(db_session=db_session, mapping_session=mapping_session,
                                         raw=body(*features), key=secrets.token_hex(16))
    return answer


def move_maps_to_term(db_session, map_ids: list[int], days_ago: float,
                      term: str | None = None) -> str:
    """Make pupil maps (and their hexagon rows) as if sent `days_ago` days ago, in that day's
    term or the one given; returns the term."""
    sent = datetime.now(UTC) - timedelta(days=days_ago)
    term = term or terms.term_of(sent)
    db_session.execute(update(PupilMap).where(PupilMap.id.in_(map_ids))
                       .values(submitted_at=sent.replace(minute=0, second=0, microsecond=0),
                               term=term))
    db_session.execute(update(ZoneCell).where(ZoneCell.pupil_map_id.in_(map_ids))
                       .values(term=term))
    db_session.commit()
    return term

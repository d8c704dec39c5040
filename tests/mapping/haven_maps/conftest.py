"""Fixtures for printed haven maps: a borough with two schools, and havens placed in metres."""

from datetime import date

import pytest

from havens import hours
from havens.models import Haven
from tests.factories import add_borough, add_school, add_user
from tests.mapping.conftest import lonlat

ALDER = 100001  # in the middle of the test borough
BIRCH = 100002  # 1.3 km south-west of Alder
CLOSED = 100003
WEEKDAYS_TO_SIX = hours.to_json(hours.parse_osm("Mo-Fr 08:00-18:30; Sa 09:00-17:00"))


@pytest.fixture
def app_ctx(app):
    """An app context for calling services directly."""
    with app.app_context():
        yield


@pytest.fixture
def schools(db_session):
    """Alder and Birch (open) and a closed school, in one borough; returns the borough id."""
    borough_id = add_borough(db_session)
    add_school(db_session, ALDER, "Alder Primary School", *lonlat(0, 0))
    add_school(db_session, BIRCH, "Birch Academy", *lonlat(-900, -950))
    add_school(db_session, CLOSED, "Old Closed School", *lonlat(100, 100),
               status="Closed")
    db_session.commit()
    return borough_id


def add_haven(db_session, borough_id, name, dx_m, dy_m, status="active", **extra) -> Haven:
    """A haven dx/dy metres from Alder."""
    lon, lat = lonlat(dx_m, dy_m)
    haven = Haven(borough_id=borough_id, name=name, business_type="shop",
                  address=extra.pop("address", "1 High Street"), postcode="SE13 6PH",
                  location=f"SRID=4326;POINT({lon} {lat})",
                  opening_hours=extra.pop("opening_hours", WEEKDAYS_TO_SIX), status=status,
                  joined_on=date(2026, 1, 5), **extra)
    db_session.add(haven)
    db_session.commit()
    return haven


@pytest.fixture
def worker(db_session, schools):
    """An engagement worker of the test borough."""
    user = add_user(db_session, "worker", "worker@example.org")
    db_session.commit()
    return user

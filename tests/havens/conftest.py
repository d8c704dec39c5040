"""Fixtures for haven tests: a borough, a worker, and a quick way to add havens."""

from datetime import date

import pytest

from havens import hours, services
from tests.factories import add_borough, add_user

HERE = (0.0, 51.45)


@pytest.fixture
def app_ctx(app):
    """An app context for calling services directly (they read the app's settings)."""
    with app.app_context():
        yield


@pytest.fixture
def borough_id(db_session):
    """The test borough (a 2 km square around lon 0.0, lat 51.45)."""
    return add_borough(db_session)


@pytest.fixture
def worker(db_session, borough_id):
    """An engagement worker with no borough scope."""
    return add_user(db_session, "worker", "worker@example.org")


def make_haven(db_session, actor, name="Corner Shop", lon=HERE[0], lat=HERE[1],
               opening="Mo-Su 00:00-24:00", signed_up_on: date | None = None, **extra):
    """A haven (a prospect, or active when signed_up_on is given)."""
    data = {"name": name, "business_type": "shop", "lon": lon, "lat": lat,
            "opening_hours": hours.parse_osm(opening), "confirm_duplicate": True, **extra}
    haven = services.create(db_session=db_session, data=data, actor=actor)
    if signed_up_on:
        services.log_visit(db_session=db_session, haven_id=haven.id, actor=actor,
                           data={"outcome": "signed_up", "visited_on": signed_up_on})
    return haven

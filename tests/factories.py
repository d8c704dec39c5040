"""Small, explicit test data: a square borough, schools inside it, staff users."""

from shapely.geometry import Point, box

from core.accounts import services as accounts
from core.places import queries

# A 2 km square around (0.0, 51.45) in lon/lat, south-east London.
BOROUGH_BOX = (-0.015, 51.44, 0.015, 51.46)
PASSWORD = "correct horse battery staple"


def add_borough(db_session, code="E09000999", name="Testham", bounds=BOROUGH_BOX) -> int:
    """A rectangular borough; returns its id."""
    queries.upsert_borough(db_session, code=code, name=name, wkt=box(*bounds).wkt)
    db_session.flush()
    return queries.borough_id_by_code(db_session, code)


class SchoolRow:
    """What upsert_school needs, located by lon/lat."""

    def __init__(self, urn, name, lon, lat, phase="Primary", status="Open", postcode=None):
        from core.geo import transformer

        self.urn, self.name, self.phase, self.status = urn, name, phase, status
        self.type, self.address, self.postcode = "Community school", "1 Test Road", postcode
        self.easting, self.northing = transformer(4326, 27700).transform(lon, lat)
        self.row = 0


def add_school(db_session, urn=100001, name="Testham Primary School", lon=0.0, lat=51.45,
               **extra) -> int:
    """A school (its borough must exist); returns the URN."""
    inserted = queries.upsert_school(db_session, SchoolRow(urn, name, lon, lat, **extra))
    assert inserted is not None, "school is outside every borough"
    db_session.flush()
    return urn


def add_user(db_session, role="worker", email=None, password=PASSWORD, **scope):
    """A staff user with a known password."""
    return accounts.create_user(db_session=db_session, email=email or f"{role}@example.org",
                                password=password, role=role, **scope)


def point(lon, lat):
    """A shapely point."""
    return Point(lon, lat)

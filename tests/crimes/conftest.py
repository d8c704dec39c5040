"""Crime test data: police.uk-shaped CSV rows written by the test, and a crowd of pupils."""

import csv
import math
import secrets

import pytest

from core.crimes.readers import COLUMNS
from core.geo import transformer
from mapping import collect, services
from tests.factories import add_borough, add_school, add_user
from tests.mapping.conftest import body, feature, lonlat, square

MET = "Metropolitan Police Service"
NAMES = {"crime_id": "Crime ID", "month": "Month", "reported_by": "Reported by",
         "falls_within": "Falls within", "lon": "Longitude", "lat": "Latitude",
         "location": "Location", "lsoa_code": "LSOA code", "crime_type": "Crime type",
         "outcome": "Last outcome category", "context": "Context"}


def crime(n: int = 1, *, at=(0.0, 51.45), **fields) -> dict:
    """One police.uk street-level row (Crime ID from n), at lon/lat `at`; `fields` override
    columns by their NAMES key (crime_type="Robbery", crime_id="")."""
    row = {"Crime ID": f"{n:064x}", "Month": "2026-10", "Reported by": MET,
           "Falls within": MET, "Longitude": f"{at[0]:.6f}", "Latitude": f"{at[1]:.6f}",
           "Location": "On or near Test Street", "LSOA code": "E01000001",
           "LSOA name": "Testham 001A", "Crime type": "Burglary",
           "Last outcome category": "Under investigation", "Context": ""}
    row.update({NAMES[key]: value for key, value in fields.items()})
    return row


def write_crimes(path, rows: list[dict], columns=COLUMNS):
    """A CSV file with these columns and rows."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def hexagon_centre(size_m: int, i: int, j: int) -> tuple[float, float]:
    """The lon/lat of a grid hexagon's centre (ST_Hexagon's layout in EPSG:27700)."""
    height = math.sqrt(3) * size_m
    x, y = 1.5 * size_m * i, height * j + (height / 2 if i % 2 else 0)
    return transformer(27700, 4326).transform(x, y)


@pytest.fixture
def crowd(app, db_session):
    """Twelve pupils from three schools marking the same street (about 100-220 m north-east
    of the first school) unsafe, in the current term; and a planner of the borough."""
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
    return mapping_session

"""Small, explicit haven-map contents for the pure tests (no database)."""

import math
from datetime import date

from shapely.geometry import LineString, Polygon

from mapping.haven_map_content import HavenEntry, HavenMapContent
from mapping.haven_map_drawing import MapFeature

SCHOOL_XY = (537_800.0, 174_300.0)
FINDER = "https://havens.example.org/havens/?school=100001"
ODD_NAMES = ["O'Brien's Chippy", "Café Zoë", "<b>Shop</b>", "Łódź Deli — Ελλάδα",
             "=HYPERLINK(\"http://x\")", "Patel & Sons"]


def entry(number: int, name: str, dx: float, dy: float, **extra) -> HavenEntry:
    """A haven dx, dy metres from the school."""
    x, y = SCHOOL_XY[0] + dx, SCHOOL_XY[1] + dy
    values = {"number": number, "haven_id": number, "name": name,
              "address": f"{number} High Street, SE13 6PH",
              "hours": "Mon-Sat 7:00-22:00; Sun closed", "after_school": "every school day",
              "distance_m": int(round(math.hypot(dx, dy), -1)), "x": x, "y": y, **extra}
    return HavenEntry(**values)


def streets(count: int = 20, spacing: float = 120.0) -> list[MapFeature]:
    """A simple street grid with names, a park and a pond around the school."""
    cx, cy = SCHOOL_XY
    features = []
    for i in range(-count, count + 1):
        features.append(MapFeature("road", LineString([(cx + i * spacing, cy - 2500),
                                                       (cx + i * spacing + 40, cy + 2500)]),
                                   f"North Street {i + count}"))
        features.append(MapFeature("major_road" if i % 4 == 0 else "road",
                                   LineString([(cx - 2500, cy + i * spacing),
                                               (cx + 2500, cy + i * spacing + 30)]),
                                   f"East Road {i + count}"))
    features.append(MapFeature("park", Polygon([(cx + 300, cy + 300), (cx + 700, cy + 320),
                                                (cx + 650, cy + 650), (cx + 320, cy + 600)])))
    features.append(MapFeature("water", Polygon([(cx - 900, cy - 300), (cx - 700, cy - 320),
                                                 (cx - 650, cy - 150), (cx - 880, cy - 100)])))
    return features


def content(havens: list[HavenEntry] | None = None, **extra) -> HavenMapContent:
    """A map of the test school with the given havens (three ordinary ones by default)."""
    if havens is None:
        havens = [entry(1, "Corner Shop", 150, 80), entry(2, "Café Zoë", -300, 200),
                  entry(3, "Library", 500, -400, after_school="")]
    values = {"urn": 100001, "school_name": "Alder Primary School", "school_xy": SCHOOL_XY,
              "radius_m": 1000, "havens": havens, "beyond_radius": False, "finder_url": FINDER,
              "scheme_name": "Safe Havens", "contact": "For Jimmy, 020 8000 0000",
              "printed_on": date(2026, 12, 4), "features": streets(),
              "attributions": ["© OpenStreetMap contributors"], **extra}
    return HavenMapContent(**values)

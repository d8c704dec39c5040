"""Loading a synthetic borough fast: geometries to EPSG:4326 in bulk, rows with COPY; its
basemap through the project's own importer."""

import tempfile
import time
from pathlib import Path

import numpy as np
import psycopg
import shapely
from flask import Flask
from psycopg.types.json import Jsonb

from bench import synthetic
from core.geo import as_multipolygon, transformer

TO_4326 = transformer(27700, 4326)
SEQUENCES = {"borough": "borough_id_seq", "school": "school_id_seq",
             "mapping_session": "mapping_session_id_seq", "pupil_map": "pupil_map_id_seq",
             "zone": "zone_id_seq", "haven": "haven_id_seq"}


def ewkb_4326(geometries, multi: bool = False) -> list[str | None]:
    """Hex EWKB in EPSG:4326 of BNG geometries (None stays None), transformed in one call."""
    if multi:
        geometries = [as_multipolygon(g) for g in geometries]
    array = np.array(geometries, dtype=object)
    moved = shapely.transform(
        array, lambda xy: np.column_stack(TO_4326.transform(xy[:, 0], xy[:, 1])))
    moved = shapely.set_srid(moved, 4326)
    return list(shapely.to_wkb(moved, hex=True, include_srid=True))


def copy_borough(conn: psycopg.Connection, borough: synthetic.Borough,
                 havens: list[dict]) -> None:
    """COPY the borough, its schools, sessions, pupil maps, zones and havens; then fix the
    sequences."""
    number = borough.id
    _copy(conn, "borough", ("id", "code", "name", "boundary"),
          [(number, borough.code, borough.name, ewkb_4326([borough.boundary], multi=True)[0])])
    schools = borough.schools
    _copy(conn, "school", ("id", "urn", "name", "phase", "borough_id", "location"),
          zip([s["id"] for s in schools], [s["urn"] for s in schools],
              [s["name"] for s in schools], [s["phase"] for s in schools],
              [number] * len(schools), ewkb_4326([s["location"] for s in schools]), strict=True))
    sessions = borough.sessions
    areas = ewkb_4326([s["area"] for s in sessions], multi=True)
    _copy(conn, "mapping_session", ("id", "borough_id", "school_id", "class_label", "year_group",
                                    "join_code", "term", "area", "opens_at", "closes_at",
                                    "closed_at", "expected_pupils"),
          [(s["id"], number, s["school_id"], s["class_label"], s["year_group"], s["join_code"],
            s["term"], area, s["opens_at"], s["closes_at"], s["closes_at"], 30)
           for s, area in zip(sessions, areas, strict=True)])
    _copy(conn, "pupil_map", ("id", "session_id", "borough_id", "school_id", "year_group",
                              "term", "submitted_at"),
          [(m["id"], m["session_id"], number, m["school_id"], m["year_group"], m["term"],
            m["submitted_at"]) for m in borough.maps])
    _copy_zones(conn, borough)
    copy_havens(conn, havens)
    for table, sequence in SEQUENCES.items():
        conn.execute(f"SELECT setval('{sequence}', (SELECT max(id) FROM {table}))")  # noqa: S608


def _copy_zones(conn: psycopg.Connection, borough: synthetic.Borough) -> None:
    zones = borough.zones
    session_of = {m["id"]: m["session_id"] for m in borough.maps}
    drawn = ewkb_4326([z["drawn"] for z in zones])
    geom = ewkb_4326([z["geom"] for z in zones], multi=True)
    _copy(conn, "zone", ("id", "pupil_map_id", "session_id", "borough_id", "number", "kind",
                         "shape", "drawn", "geom", "reasons", "times", "suggestions",
                         "other_state", "comment", "comment_state"),
          [(z["id"], z["pupil_map_id"], session_of[z["pupil_map_id"]], borough.id, z["number"],
            z["kind"], z["shape"], d, g, z["reasons"], z["times"], z["suggestions"], "none",
            z["comment"], "pending" if z["comment"] else "none")
           for z, d, g in zip(zones, drawn, geom, strict=True)])


def copy_havens(conn: psycopg.Connection, havens: list[dict]) -> None:
    """The synthetic havens, in borough 1, opening hours as jsonb."""
    columns = ("id", "business_type", "name", "address", "status", "sticker_displayed",
               "sells_knives", "responsible_retailer_signed", "joined_on", "last_verified_on",
               "next_visit_due", "source", "source_id")
    locations = ewkb_4326([h["location"] for h in havens])
    _copy(conn, "haven", ("borough_id", "location", "opening_hours", *columns),
          [(1, where, Jsonb(h["opening_hours"]), *(h[c] for c in columns))
           for h, where in zip(havens, locations, strict=True)])


def _copy(conn: psycopg.Connection, table: str, columns: tuple[str, ...], rows) -> None:
    with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def app_for(url: str) -> Flask:
    """The project's app bound to the bench database."""
    from core.app import create_app

    return create_app({"DATABASE_URL": url, "LOG_LEVEL": "WARNING"})


def rebuild_aggregates(url: str) -> int:
    """Every heatmap cell, by the project's own rebuild (as `flask heatmap rebuild`)."""
    from core import db
    from mapping import aggregates

    with app_for(url).app_context():
        return aggregates.rebuild(db_session=db.session())


def import_basemap(url: str, collection: dict) -> dict:
    """The synthetic basemap through core.basemap's importer (as `flask import basemap`): how
    many features it stored, per layer, and how long it took."""
    from bench.synthetic_print import BASEMAP_NAME, write_basemap
    from core import db
    from core.basemap import services as basemap
    from core.demo import suburb

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder, app_for(url).app_context():
        report = basemap.import_basemap(db_session=db.session(),
                                        path=write_basemap(collection, Path(folder)),
                                        name=BASEMAP_NAME, attribution=suburb.ATTRIBUTION)
    return {"features": report.created + report.updated, "layers": dict(report.layers),
            "skipped": report.skipped, "rejected": len(report.rejected),
            "seconds": round(time.perf_counter() - started, 2)}

"""Heatmap workloads: the 50 m rebuild vs geopandas, one new pupil map, the borough read vs a
naive join. Each checks that ours and the baseline give the same answer before reporting times.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from bench import baselines, whatif
from bench.report import Row
from bench.synthetic import BOROUGH_CODE, Scale
from bench.timing import repeat
from core import db
from mapping import queries, vocabulary

REBUILD_RES, READ_RES = 50, 150


@dataclass
class Bench:
    """What the workloads run against, and how hard they try."""

    app: Flask
    url: str
    seed: int
    scale: Scale
    runs: int = 3  # repetitions of the heavy workloads (rebuild, naive read)
    budget_s: float = 150.0  # stop repeating a heavy workload once this is spent
    reads: int = 30
    submissions: int = 200
    log: Callable[[str], None] = print

    @property
    def srid(self) -> int:
        """WORK_SRID of the app."""
        return int(self.app.config["WORK_SRID"])


def borough_id(db_session: Session) -> int:
    """The synthetic borough's id."""
    return db_session.scalar(text("SELECT id FROM borough WHERE code = :c"), {"c": BOROUGH_CODE})


# --- full rebuild at 50 m ----------------------------------------------------------------------

def _project_insert(srid: int, where: str = "true") -> Callable[[Session], None]:
    sql = text(queries._ZONE_CELLS.format(srid=srid, where=where))
    return lambda s: s.execute(sql, {"resolutions": [REBUILD_RES]})


def _bulk_insert(srid: int, where: str = "true") -> Callable[[Session], None]:
    project = _project_insert(srid, where)
    return lambda s: whatif.bulk_insert(s, project)


def _rebuild_and_count(s: Session, insert: Callable[[Session], None], boroughs: list[int]):
    """Clear the cells, insert 50 m cells and count cell_pupils once (as aggregates.rebuild
    does), read per-cell counts of every borough (they share no cell)."""
    s.execute(text("TRUNCATE zone_cell"))
    queries.defer_cell_pupils(s)
    insert(s)
    queries.count_cell_pupils(s)
    return {kind: [row for borough in boroughs
                   for row in queries.heat_counts(s, borough_id=borough, resolution=REBUILD_RES,
                                                  kind=kind, filters={})[1]]
            for kind in vocabulary.KINDS}


def _as_counts(rows_by_kind) -> dict:
    return {(kind, r.i, r.j): r.p0 for kind, rows in rows_by_kind.items() for r in rows if r.p0}


def _boroughs(s: Session) -> list[int]:
    return list(s.scalars(text("SELECT id FROM borough ORDER BY id")))


def _time_rebuild(bench: Bench, s: Session, insert, warm_insert, boroughs: list[int]):
    def run():
        try:
            return _rebuild_and_count(s, insert, boroughs)
        finally:
            s.rollback()  # the seeded cells come back; a rollback is ~free, a commit is not timed

    return repeat(run, runs=bench.runs, budget_s=bench.budget_s,
                  warmup=lambda: (_rebuild_and_count(s, warm_insert, boroughs), s.rollback()))


def rebuild_50(bench: Bench) -> list[Row]:
    """Ours (mapping.queries._ZONE_CELLS at 50 m + heat_counts) vs geopandas sjoin + nunique,
    both from zones in the database to distinct pupils per (kind, cell)."""
    engine = create_engine(bench.url)
    grid = baselines.hex_grid(engine, REBUILD_RES, bench.srid)
    bench.log(f"rebuild @{REBUILD_RES} m: geopandas baseline ({len(grid)} hexagons)...")
    base = repeat(lambda: baselines.geopandas_counts(engine, grid, bench.srid), runs=bench.runs,
                  budget_s=bench.budget_s,
                  warmup=lambda: baselines.geopandas_counts(engine, grid, bench.srid, "id <= 500"))
    expected = {key: int(n) for key, n in base.result.items()}
    rows = []
    with bench.app.app_context():
        s, srid = db.session(), bench.srid
        boroughs = _boroughs(s)
        for label, make in (("project SQL", _project_insert), ("bulk", _bulk_insert)):
            bench.log(f"rebuild @{REBUILD_RES} m: {label}...")
            ours = _time_rebuild(bench, s, make(srid), make(srid, "m.id <= 50"), boroughs)
            got = _as_counts(ours.result)
            rows.append(_rebuild_row(label, ours, base, got, expected))
    engine.dispose()
    return rows


def _rebuild_row(label: str, ours, base, got: dict, expected: dict) -> Row:
    same = got == expected
    details = {"ours": ours.summary(), "baseline": base.summary(), "cells": len(expected),
               "cells_differing": 0 if same else len(set(got.items()) ^ set(expected.items()))}
    if label == "project SQL":
        ratio = base.median / ours.median
        return Row(f"rebuild @{REBUILD_RES} m, 2 kinds -> distinct pupils/cell (ours: project "
                   "SQL; base: geopandas)", ours.median, base.median, "<= 1.5 s; ratio >= 3",
                   passed=same and ours.median <= 1.5 and ratio >= 3, same_answer=same,
                   details=details)
    return Row("  what-if: same SQL, indexes and FK built after the insert (whatif.py)",
               ours.median, base.median, same_answer=same, details=details)


def rebuild_all_row(seconds: float | None, measured: str) -> Row:
    """The project's full rebuild (aggregates.rebuild, all 4 resolutions + session cells)."""
    return Row(f"rebuild all resolutions (aggregates.rebuild, {measured})", seconds,
               ours_label="1 run", details={"measured": measured})

"""Heatmap workloads: the 50 m rebuild vs geopandas, one new pupil map, the borough read vs a
naive join. Each checks that ours and the baseline give the same answer before reporting times.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from bench import baselines
from bench.report import Row
from bench.synthetic import BOROUGH_CODE, Scale
from bench.timing import Timing, clock, repeat
from core import db
from mapping import fine_cells

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

# Distinct pupil maps per (kind, cell) at 50 m over every borough, from the stored fine cells.
_FINE_COUNTS = """
    SELECT z.kind, c.i, c.j, count(DISTINCT f.pupil_map_id) AS pupils
      FROM fine_cell f CROSS JOIN LATERAL unnest(f.zone_ids, f.i, f.j) AS c(zone_id, i, j)
      JOIN zone z ON z.id = c.zone_id
     WHERE f.resolution = :res
     GROUP BY z.kind, c.i, c.j"""


def _fine_counts(s: Session) -> dict:
    return {(r.kind, r.i, r.j): r.pupils
            for r in s.execute(text(_FINE_COUNTS), {"res": REBUILD_RES})}


def rebuild_50(bench: Bench) -> list[Row]:
    """Ours (fine_cells.rebuild: every zone's 50 m cells, found and stored) vs geopandas
    sjoin + nunique (distinct pupils per (kind, cell)); the stored cells must give the
    baseline's counts."""
    engine = create_engine(bench.url)
    grid = baselines.hex_grid(engine, REBUILD_RES, bench.srid)
    bench.log(f"rebuild @{REBUILD_RES} m: geopandas baseline ({len(grid)} hexagons)...")
    base = repeat(lambda: baselines.geopandas_counts(engine, grid, bench.srid), runs=bench.runs,
                  budget_s=bench.budget_s,
                  warmup=lambda: baselines.geopandas_counts(engine, grid, bench.srid, "id <= 500"))
    engine.dispose()
    expected = {key: int(n) for key, n in base.result.items()}
    with bench.app.app_context():
        s = db.session()
        bench.log(f"rebuild @{REBUILD_RES} m: fine_cells.rebuild...")
        ours = _time_fine_rebuild(s, bench)
    pairs, got, count_s = ours.result
    same = got == expected
    ratio = base.median / ours.median
    details = {"ours": ours.summary(), "baseline": base.summary(), "cells": len(expected),
               "pairs_stored": pairs, "count_read_s": round(count_s, 3),
               "cells_differing": 0 if same else len(set(got.items()) ^ set(expected.items()))}
    return [Row(f"rebuild @{REBUILD_RES} m, 2 kinds -> distinct pupils/cell (ours: "
                "fine_cells.rebuild; base: geopandas)", ours.median, base.median,
                "<= 1.5 s; ratio >= 3", passed=same and ours.median <= 1.5 and ratio >= 3,
                same_answer=same, details=details),
            Row("  then every borough's 50 m counts read from the stored cells (not timed above)",
                count_s, details={})]


def _time_fine_rebuild(s: Session, bench: Bench) -> Timing:
    """Time fine_cells.rebuild alone (a warm-up first: it compiles or loads the finder); each
    run then reads the counts it stored (untimed) and is rolled back, so the seeded cells come
    back."""
    def read_back(pairs: int):
        try:
            seconds, counts = clock(lambda: _fine_counts(s))
            return pairs, counts, seconds
        finally:
            s.rollback()

    return repeat(lambda: fine_cells.rebuild(s), runs=bench.runs, budget_s=bench.budget_s,
                  after=read_back)


def rebuild_all_row(seconds: float | None, measured: str) -> Row:
    """The project's full rebuild (aggregates.rebuild, all 4 resolutions + session cells)."""
    return Row(f"rebuild all resolutions (aggregates.rebuild, {measured})", seconds,
               ours_label="1 run", details={"measured": measured})

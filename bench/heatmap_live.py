"""Heatmap workloads while the app runs: one new pupil map arriving; a planner reading it all."""

import time
from collections import namedtuple
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.orm import Session

from bench import baselines, pupil_maps
from bench.heatmap import READ_RES, Bench, borough_id
from bench.report import Row
from bench.timing import Timing, clock, repeat
from core import db
from mapping import aggregates, collect, heat_cache, heatmap, queries
from mapping.models import MappingSession

NEW_CELLS = """
    WITH pairs AS (
        SELECT pupil_map_id, zone_id, resolution, i, j FROM zone_cell
         WHERE pupil_map_id >= :first
        UNION ALL
        SELECT f.pupil_map_id, c.zone_id, f.resolution, c.i, c.j
          FROM fine_cell f, unnest(f.zone_ids, f.i, f.j) AS c(zone_id, i, j)
         WHERE f.pupil_map_id >= :first)
    SELECT dense_rank() OVER (ORDER BY c.pupil_map_id) AS k, z.number, c.resolution, c.i, c.j
      FROM pairs c JOIN zone z ON z.id = c.zone_id"""


# --- one new pupil map -------------------------------------------------------------------------

@contextmanager
def _timed_add_maps():
    """Time every call of mapping.aggregates.add_maps made inside the block."""
    original, samples = aggregates.add_maps, []

    def timed(db_session: Session, *, pupil_map_ids: list[int]) -> None:
        started = time.perf_counter()
        original(db_session, pupil_map_ids=pupil_map_ids)
        samples.append(time.perf_counter() - started)

    aggregates.add_maps = timed
    try:
        yield samples
    finally:
        aggregates.add_maps = original


def _submit_all(s: Session, bodies, tag: str) -> tuple[list[float], set]:
    """Send every body through collect.submit; returns submit times and the cells written;
    the new maps are deleted afterwards so the database stays as seeded."""
    first = s.scalar(text("SELECT coalesce(max(id), 0) + 1 FROM pupil_map"))
    times = []
    try:
        for k, (session_id, body) in enumerate(bodies):
            mapping_session = s.get(MappingSession, session_id)
            key = f"bench-{tag}-{k:06d}-idempotency"
            seconds, (_answer, repeated) = clock(
                lambda ms=mapping_session, b=body, key=key: collect.submit(
                    db_session=s, mapping_session=ms, raw=b, key=key))
            assert not repeated
            times.append(seconds)
        cells = set(s.execute(text(NEW_CELLS), {"first": first}).tuples())
    finally:
        s.rollback()
        s.execute(text("DELETE FROM pupil_map WHERE id >= :first"), {"first": first})
        s.commit()
    return times, cells


def one_map(bench: Bench) -> list[Row]:
    """collect.submit for new pupil maps (the first is a warm-up), timing the aggregate part."""
    with bench.app.app_context():
        s = db.session()
        classes = pupil_maps.sessions(s, bench.srid)
        bodies = pupil_maps.bodies(bench.seed, bench.scale, classes, bench.submissions + 1,
                                   bench.srid)
        bench.log(f"one new map: {bench.submissions} submissions through collect.submit...")
        with _timed_add_maps() as aggregate:
            submits, cells = _submit_all(s, bodies, "ours")
    ours, whole = (Timing(samples=x[1:]) for x in (aggregate, submits))
    zones = sum(body.count(b'"Feature"') for _sid, body in bodies[1:]) / bench.submissions
    details = {"aggregate": ours.summary(), "submit": whole.summary(),
               "zones_per_map": round(zones, 1), "cells_written": len(cells)}
    return [
        Row("one new map: aggregates (add_maps, 4 sizes)", ours.p99, target="p99 < 50 ms",
            passed=ours.p99 < 0.05, ours_label="p99", details=details),
        Row(f"  same, p50 (whole collect.submit p50 {whole.median * 1000:.0f} ms, "
            f"p99 {whole.p99 * 1000:.0f} ms)", ours.median, details={}),
    ]


# --- the borough read --------------------------------------------------------------------------

NaiveRow = namedtuple("NaiveRow", "i j p0 schools")


@contextmanager
def _naive_sources(cache: dict):
    """Make published_cells count from the raw zones and session areas at query time (the naive
    baseline) instead of the aggregate tables; only the unfiltered borough question is covered."""
    heat_counts, coverage = queries.heat_counts, queries.coverage

    def naive_heat_counts(db_session, *, borough_id, resolution, kind, filters, **scope):
        assert not filters and not any((scope.get("scope") or {}).values())
        found = baselines.naive_counts(db_session, borough_id=borough_id,
                                       resolution=resolution, kind=kind)
        cache["counts"] = found
        return [frozenset()], [NaiveRow(i, j, p, n) for (i, j), (p, n) in found.items()]

    def naive_coverage(db_session, *, borough_id, resolution, filters, **scope):
        assert not filters and not scope.get("by_school")
        cache["coverage"] = baselines.naive_coverage(db_session, borough_id=borough_id,
                                                     resolution=resolution)
        return cache["coverage"]

    queries.heat_counts, queries.coverage = naive_heat_counts, naive_coverage
    try:
        yield
    finally:
        queries.heat_counts, queries.coverage = heat_counts, coverage


def borough_read(bench: Bench) -> list[Row]:
    """mapping.heatmap.published_cells for the whole borough at 150 m, reading the aggregates
    (ours) or joining the raw zones at query time (naive); same code after the counts."""
    with bench.app.app_context():
        s = db.session()
        borough, rule = borough_id(s), heatmap.rule_for_planners()
        question = heatmap.Question(borough_id=borough, resolution=READ_RES)

        def read():
            try:
                return heatmap.published_cells(db_session=s, question=question, rule=rule)
            finally:
                s.rollback()

        bench.log(f"borough read @{READ_RES} m: published_cells x{bench.reads}...")
        ours = repeat(read, runs=bench.reads, budget_s=bench.budget_s)
        bench.log(f"borough read @{READ_RES} m: naive spatial join...")
        naive_inputs: dict = {}
        with _naive_sources(naive_inputs):
            naive = repeat(read, runs=bench.runs, budget_s=bench.budget_s)
        same, details = _same_read(s, borough, ours.result, naive.result, naive_inputs)
        cached = _cached_reads(bench, s, question, rule)
    details |= {"ours": ours.summary(), "baseline": naive.summary()}
    rows = [Row(f"borough heatmap read @{READ_RES} m (published_cells; base: naive join)",
                ours.p99, naive.median, "p99 < 100 ms", passed=same and ours.p99 < 0.1,
                same_answer=same, ours_label="p99", details=details),
            Row("  same, p50", ours.median, naive.median)]
    rows.append(Row("  same, answered by mapping.heat_cache (unchanged data), p99", cached.p99,
                    naive.median, ours_label="p99", same_answer=cached.result == ours.result,
                    details={"ours": cached.summary()}))
    return rows


def _cached_reads(bench: Bench, s: Session, question, rule) -> Timing:
    """The same read through mapping.heat_cache (a warm cache)."""
    def read():
        try:
            return heat_cache.published_cells(db_session=s, question=question, rule=rule)
        finally:
            s.rollback()

    bench.log(f"borough read @{READ_RES} m: through heat_cache x{bench.reads}...")
    return repeat(read, runs=bench.reads, budget_s=bench.budget_s)


def _same_read(s: Session, borough: int, published: list[dict], naive_published: list[dict],
               naive: dict) -> tuple[bool, dict]:
    """Compare before suppression (pupils, schools, coverage per cell) and after (published)."""
    _names, rows = queries.heat_counts(s, borough_id=borough, resolution=READ_RES,
                                       kind="unsafe", filters={})
    counts = {(r.i, r.j): (r.p0, r.schools) for r in rows if r.p0}
    cover = queries.coverage(s, borough_id=borough, resolution=READ_RES, filters={})
    s.rollback()
    checks = {"counts": counts == naive["counts"], "coverage": cover == naive["coverage"],
              "published": published == naive_published}
    return all(checks.values()), {"checks": checks, "cells_marked": len(counts),
                                  "cells_covered": len(cover), "cells_published": len(published),
                                  "max_pupils": max((c[0] for c in counts.values()), default=0)}

"""Heatmap vector tiles at z14 over HTTP, uncached (every request computes its tile; each
worker's published-cells cache is warm, as the data does not change), against the same tile
SQL (mapping.queries.heat_tile, same cells) run straight in the database; same bytes checked.
"""

import hashlib
import math
import threading
import time
import urllib.request
from dataclasses import dataclass

from bench import server, staff, wrk
from bench.heatmap import Bench, borough_id
from bench.report import Row
from bench.timing import Timing
from core import db
from mapping import heat_cache, heatmap, queries, tile_cells
from mapping.planner_routes import resolution_for_zoom

ZOOM, USERS = 14, 4  # 2 requests waiting per sync worker: neither ever idles
TARGET_PER_S, TARGET_P99_S, MIN_RATIO = 500, 0.020, 0.5


@dataclass(frozen=True)
class Tile:
    """One slippy-map tile and the published cells the app hands its SQL."""

    z: int
    x: int
    y: int
    cells: list

    @property
    def path(self) -> str:
        """Its URL path."""
        return f"/tiles/heatmap/{self.z}/{self.x}/{self.y}.mvt"


def tile_xy(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The tile holding a point (Web Mercator slippy-map numbering)."""
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def borough_tiles(bench: Bench, z: int = ZOOM) -> list[Tile]:
    """Every z tile over the synthetic borough's bounding box, with its cells (planners' view,
    published cells as heat_cache answers them)."""
    with bench.app.app_context():
        s = db.session()
        borough = borough_id(s)
        bounds = queries.borough_bounds(s, borough)
        question = heatmap.Question(borough_id=borough, resolution=resolution_for_zoom(z))
        cells = heat_cache.published_cells(db_session=s, question=question,
                                           rule=heatmap.rule_for_planners())
        s.rollback()
    west_x, north_y = tile_xy(bounds.west, bounds.north, z)
    east_x, south_y = tile_xy(bounds.east, bounds.south, z)
    return [Tile(z, x, y, tile_cells.cells_in_tile(cells, question.resolution, z, x, y,
                                                   bench.srid))
            for x in range(west_x, east_x + 1) for y in range(north_y, south_y + 1)]


def _sql_loop(bench: Bench, tiles: list[Tile], seconds: float, found: list) -> None:
    """One connection computing the tiles in turn with the app's heat_tile, for seconds."""
    with bench.app.app_context():
        s = db.session()
        resolution = resolution_for_zoom(ZOOM)
        timing, k = Timing(), 0
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            tile = tiles[k % len(tiles)]
            started = time.perf_counter()
            queries.heat_tile(s, resolution=resolution, cells=tile.cells, z=tile.z, x=tile.x,
                              y=tile.y)
            timing.samples.append(time.perf_counter() - started)
            k += 1
        s.rollback()
    found.append(timing)


def sql_baseline(bench: Bench, tiles: list[Tile], seconds: float) -> dict:
    """heat_tile in as many parallel psycopg loops as gunicorn has workers (1 s warm-up)."""
    _sql_loop(bench, tiles, 1.0, [])
    found: list[Timing] = []
    threads = [threading.Thread(target=_sql_loop, args=(bench, tiles, seconds, found))
               for _ in range(server.WORKERS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    merged = Timing(samples=[x for timing in found for x in timing.samples])
    return {"per_s": len(merged.samples) / wall, "timing": merged,
            "connections": server.WORKERS}


def sql_bytes(bench: Bench, tiles: list[Tile]) -> list[bytes]:
    """Each tile computed once by heat_tile."""
    with bench.app.app_context():
        s = db.session()
        res = resolution_for_zoom(ZOOM)
        found = [queries.heat_tile(s, resolution=res, cells=t.cells, z=t.z, x=t.x, y=t.y)
                 for t in tiles]
        s.rollback()
    return found


def http_bytes(base_url: str, token: str, tiles: list[Tile]) -> list[bytes]:
    """Each tile as the server sends it to a planner."""
    found = []
    for tile in tiles:
        ask = urllib.request.Request(base_url + tile.path,  # noqa: S310
                                     headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(ask, timeout=10) as answer:  # noqa: S310
            found.append(answer.read())
    return found


def _digest(tiles: list[bytes]) -> list[str]:
    return [hashlib.sha256(t).hexdigest()[:16] for t in tiles]


def rows(bench: Bench, *, quick: bool) -> list[Row]:
    """The tile rows: throughput and latency over HTTP, against the SQL alone."""
    warmup_s, measure_s, sql_s = (3, 8, 5) if quick else (3, 12, 8)
    tiles = borough_tiles(bench)
    bench.log(f"heatmap tiles z{ZOOM}: heat_tile SQL alone, {server.WORKERS} loops...")
    base = sql_baseline(bench, tiles, sql_s)
    expected = sql_bytes(bench, tiles)
    with staff.staff(bench.app, classes=0) as who, server.serving(bench.url) as running:
        bench.log(f"heatmap tiles z{ZOOM} over HTTP: {USERS} clients back to back...")
        served = http_bytes(running.base_url, who.token, tiles)
        paths = [t.path for t in tiles]
        wrk.run(running, paths, connections=USERS, seconds=warmup_s, token=who.token)
        run = wrk.run(running, paths, connections=USERS, seconds=measure_s, token=who.token,
                      seed=2)
    return _rows(tiles, base, run, served == expected,
                 {"sql": _digest(expected), "http": _digest(served),
                  "bytes": [len(t) for t in expected]})


def _rows(tiles, base: dict, run: wrk.WrkRun, same: bool, answers: dict) -> list[Row]:
    load, cpu = run.summary(), run.cpu
    per_s = load["rate_per_s"]
    p99 = load["ms"]["p99"] / 1000
    ratio = per_s / base["per_s"]
    details = {"tiles": [t.path for t in tiles], "cells_per_tile": [len(t.cells) for t in tiles],
               "http": load, "cpu": cpu, "clients": USERS, "workers": server.WORKERS,
               "sql": {"per_s": round(base["per_s"], 1), **base["timing"].summary(),
                       "connections": base["connections"]},
               "answers": answers,
               "cached": "per worker: heat_cache's published cells (warm, data unchanged); "
                         "not cached: the tile SQL, auth, the audit row; no HTTP caching"}
    return [
        Row(f"heatmap tiles z{ZOOM} over HTTP, uncached, {len(tiles)} tiles: {per_s:.0f} "
            f"tiles/s vs SQL {base['per_s']:.0f}/s (time per tile)", 1 / per_s,
            1 / base["per_s"], f">= {TARGET_PER_S} tiles/s; p99 < {TARGET_P99_S * 1000:.0f} "
            f"ms; ratio >= {MIN_RATIO}",
            passed=same and not load["errors"] and per_s >= TARGET_PER_S
            and p99 < TARGET_P99_S and ratio >= MIN_RATIO,
            same_answer=same, ours_label="1/rate", details=details),
        Row(f"  same, latency p99 ({USERS} clients; base: one heat_tile call)", p99,
            base["timing"].p99, ours_label="p99"),
    ]

"""Nearest havens: the public finder over HTTP at 500 requests/s offered, ours and the baseline
(ORDER BY ST_Distance) served the same way; the query alone in a psycopg loop; same havens in
the same order checked on every loop point and a sample of HTTP answers. The query alone is
also timed at London scale (bench.nearest_scale)."""

import json
import urllib.request
from collections import Counter
from dataclasses import dataclass

from bench import nearest_scale, nearest_sql, server, wrk
from bench.database import connect
from bench.heatmap import Bench
from bench.report import Row

PATH, LIMIT = "/api/v1/havens/nearest", 5
OFFERED_PER_S, USERS = 500, 50
TARGET_P99_S, MIN_RATIO = 0.010, 100
POINTS, HTTP_CHECKS = 1_000, 50


@dataclass(frozen=True)
class Durations:
    """Seconds of load: warm-up (not counted), ours measured, the baseline measured."""

    warmup_s: float
    ours_s: float
    baseline_s: float


def durations(quick: bool) -> Durations:
    """Shorter runs for --quick."""
    return Durations(3, 10, 6) if quick else Durations(3, 15, 8)


def query_loop(url: str, srid: int, points) -> dict:
    """Both queries for every point on one connection (JIT off, as the app's engine)."""
    with connect(url, options="-c jit=off", autocommit=True) as conn:
        return nearest_sql.time_both(conn, srid, points, LIMIT)


def http_agreement(base_url: str, points, expected: list) -> Counter:
    """Ask the server for a sample of points; compare ids in order with the baseline's."""
    found = Counter()
    for (lat, lon), base in zip(points, expected, strict=False):
        with urllib.request.urlopen(f"{base_url}{PATH}?lat={lat}&lon={lon}&limit={LIMIT}",  # noqa: S310
                                    timeout=10) as answer:
            got = [(h["id"], h["distance_m"]) for h in json.load(answer)]
        rounded = [(i, round(d)) for i, d in base]
        found[nearest_sql.same_order(got, rounded, tie_m=1.5)] += 1
    return found


def offered_load(url: str, app: str, points, warmup_s: float, measured_s: float,
                 check=None) -> dict:
    """500 requests/s offered (USERS connections, each waiting an exponential think time of
    mean USERS / 500 s before each request) for warmup, then measured, seconds; figures from the
    measured run; check(base_url) runs against the same server first."""
    paths = [f"{PATH}?lat={lat}&lon={lon}&limit={LIMIT}" for lat, lon in points]
    think_ms = 1000 * USERS / OFFERED_PER_S
    with server.serving(url, app=app) as running:
        checked = check(running.base_url) if check else None
        wrk.run(running, paths, connections=USERS, seconds=warmup_s, think_ms=think_ms)
        run = wrk.run(running, paths, connections=USERS, seconds=measured_s, think_ms=think_ms,
                      seed=2)
    return {"load": run.summary(), "cpu": run.cpu, "check": dict(checked or {}),
            "app": app, "seconds": {"warmup": warmup_s, "measured": measured_s},
            "think_ms_mean": think_ms}


def rows(bench: Bench, *, quick: bool) -> list[Row]:
    """The nearest-havens rows: over HTTP under load (ours, baseline) and the query alone, at
    borough scale and at London scale."""
    plan, points = durations(quick), nearest_sql.query_points(bench.seed, POINTS)
    borough = _both_ways(bench, plan, points, "borough")
    bench.log("nearest havens: adding London's havens...")
    with nearest_scale.london_havens(bench.url, bench.seed, bench.scale.havens) as london:
        scale = f"London, {london.havens:,} havens, {london.active:,} active"
        wide = _both_ways(bench, plan, london.points, scale)
    return [*_http_rows(*borough, "borough", ratio_target=False),
            _loop_row("borough", borough[0]),
            *_http_rows(*wide, scale, ratio_target=True), _loop_row(scale, wide[0])]


def _both_ways(bench: Bench, plan: Durations, points, scale: str) -> tuple[dict, dict, dict]:
    """The query alone, then ours and the baseline over HTTP, on these points."""
    bench.log(f"nearest havens ({scale}): KNN vs ORDER BY ST_Distance, psycopg loop "
              f"x{len(points)}...")
    loop = query_loop(bench.url, bench.srid, points)
    sample, expected = points[:HTTP_CHECKS], loop["baseline_rows"][:HTTP_CHECKS]
    bench.log(f"nearest havens ({scale}) over HTTP: ours, {OFFERED_PER_S} req/s offered...")
    ours = offered_load(bench.url, "wsgi:app", points, plan.warmup_s, plan.ours_s,
                        check=lambda base_url: http_agreement(base_url, sample, expected))
    bench.log(f"nearest havens ({scale}) over HTTP: baseline, {OFFERED_PER_S} req/s offered...")
    base = offered_load(bench.url, "bench.baseline_wsgi:app", points, plan.warmup_s,
                        plan.baseline_s)
    return loop, ours, base


def _agrees(counts: dict) -> bool:
    return not counts.get("different")


def _loop_details(loop: dict) -> dict:
    return {"points": len(loop["ours"].samples), "ours": loop["ours"].summary(),
            "baseline": loop["baseline"].summary(), "agreement": dict(loop["agreement"]),
            "plans": loop["plans"], **{k: loop[k] for k in ("havens", "active", "square_km")
                                        if k in loop}}


def _loop_row(scale: str, loop: dict) -> Row:
    return Row(f"  the query alone ({scale}): KNN vs ORDER BY ST_Distance, psycopg loop "
               f"x{len(loop['ours'].samples)}", loop["ours"].median, loop["baseline"].median,
               same_answer=_agrees(loop["agreement"]), details=_loop_details(loop))


def _http_rows(loop: dict, ours: dict, base: dict, scale: str, *,
               ratio_target: bool) -> list[Row]:
    same = _agrees(loop["agreement"]) and _agrees(ours["check"])
    mine, theirs = ours["load"], base["load"]
    p99, base_p99 = mine["ms"]["p99"] / 1000, theirs["ms"]["p99"] / 1000
    kept_up = mine["rate_per_s"] >= 0.95 * OFFERED_PER_S and not mine["errors"]
    details = {"ours": ours, "baseline": base, "offered_per_s": OFFERED_PER_S,
               "users": USERS, "limit": LIMIT, "workers": server.WORKERS,
               "http_agreement": ours["check"]}
    errors = (sum(mine["errors"].values()), sum(theirs["errors"].values()))
    target = f"p99 < {TARGET_P99_S * 1000:.0f} ms" + (f"; ratio >= {MIN_RATIO}" if ratio_target
                                                       else "")
    passed = same and kept_up and p99 < TARGET_P99_S and (
        not ratio_target or base_p99 / p99 >= MIN_RATIO)
    return [
        Row(f"nearest havens over HTTP ({scale}), {OFFERED_PER_S} req/s offered (gunicorn "
            f"{server.WORKERS} workers, wrk; base: ORDER BY ST_Distance, served the same "
            "way)", p99, base_p99, target, passed=passed, same_answer=same, ours_label="p99",
            details=details),
        Row(f"  same, p50 (achieved {mine['rate_per_s']:.0f} req/s, base "
            f"{theirs['rate_per_s']:.0f}; errors {errors[0]}, base {errors[1]})",
            mine["ms"]["p50"] / 1000, theirs["ms"]["p50"] / 1000),
    ]

"""`python -m bench [--quick] [--seed N]`: seed (or reuse) the bench database, run the heatmap
workloads and the hot-spot statistics, print one table and write bench/results.json."""

import argparse
import dataclasses
import sys

from bench import synthetic


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="1,000 pupil maps (~10k zones) instead of the borough's 10,000")
    parser.add_argument("--seed", type=int, default=1, help="synthetic data seed (default 1)")
    parser.add_argument("--maps", type=int, help="pupil maps to generate (overrides the scale)")
    parser.add_argument("--runs", type=int, help="repetitions of heavy workloads (default 3)")
    parser.add_argument("--budget", type=float, default=150.0,
                        help="seconds after which a heavy workload stops repeating")
    parser.add_argument("--reads", type=int, default=30, help="borough reads to time")
    parser.add_argument("--submissions", type=int, default=200, help="new pupil maps to time")
    parser.add_argument("--rebuild-all", action="store_true",
                        help="time the full rebuild again (otherwise: seeding's figure)")
    parser.add_argument("--admin-url", help="a database URL on the server to use "
                        "(default: BENCH_ADMIN_URL, DATABASE_URL, or the local cluster)")
    return parser.parse_args(argv)


def _require_geopandas() -> None:
    try:
        import geopandas  # noqa: F401
    except ImportError:
        sys.exit("geopandas is missing: pip install -e '.[bench]' (or pip install geopandas).")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks; exit status 1 when a baseline disagrees with ours."""
    args = _arguments(argv)
    _require_geopandas()
    from bench import database, heatmap, heatmap_live, hotspots, load, report

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    scale = synthetic.SCALES["quick" if args.quick else "borough"]
    if args.maps:
        scale = dataclasses.replace(scale, maps=args.maps)
    url, seeding = database.ensure(args.admin_url or database.admin_url(), args.seed, scale, log)
    bench = heatmap.Bench(app=load.app_for(url), url=url, seed=args.seed, scale=scale,
                          runs=args.runs or (5 if args.quick else 3), budget_s=args.budget,
                          reads=args.reads, submissions=args.submissions, log=log)
    if args.rebuild_all:
        log("rebuild all resolutions (aggregates.rebuild)...")
        seeding["rebuild_all"] = database.timed_rebuild(url)
    full = seeding.get("rebuild_all") or {}
    rows = [*heatmap.rebuild_50(bench),
            heatmap.rebuild_all_row(full.get("seconds"), f"once, {full.get('at', '?')}"),
            *heatmap_live.one_map(bench), *heatmap_live.borough_read(bench),
            *hotspots.rows(quick=args.quick, log=log)]
    print(report.table(rows))
    info = {"seed": args.seed, "scale": dataclasses.asdict(scale), "seeding": seeding,
            "runs": bench.runs, "reads": bench.reads, "submissions": bench.submissions,
            "counts": database.counts(url), "machine": report.machine(database.versions(url))}
    log(f"Wrote {report.write(rows, info)}")
    return 1 if any(r.same_answer is False for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())

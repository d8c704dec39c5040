"""`python -m bench [--quick] [--seed N] [--only NAMES]`: seed (or reuse) the bench database, run
the heatmap workloads, the hot-spot statistics, the HTTP workloads and the printable maps, print
one table and write bench/results.json."""

import argparse
import dataclasses
import importlib.util
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench import synthetic

WORKLOADS = ("rebuild", "submit", "read", "hotspots", "nearest", "tiles", "classroom", "print")
GROUPS = {"heatmap": ("rebuild", "submit", "read"), "http": ("nearest", "tiles", "classroom")}
LONDON_WORKLOADS = GROUPS["heatmap"]  # Gi* and the nearest-havens query measure London already


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    scale = parser.add_mutually_exclusive_group()
    scale.add_argument("--quick", action="store_true",
                       help="1,000 pupil maps (~10k zones) instead of the borough's 10,000")
    scale.add_argument("--london", action="store_true",
                       help="33 boroughs of 1,000 maps (330k zones) in their own database; "
                       f"the workloads {', '.join(LONDON_WORKLOADS)} only")
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
    parser.add_argument("--only", type=_names, default=WORKLOADS, metavar="NAMES",
                        help="comma-separated workloads: " + ", ".join(WORKLOADS)
                        + "; or the groups heatmap (rebuild, submit, read) and http (nearest, "
                        "tiles, classroom); print: 100 schools' A4 maps vs headless Chromium")
    parser.add_argument("--out", type=Path, help="where to write the results (default "
                        "bench/results.json; with --only, a file in the temporary folder)")
    return parser.parse_args(argv)


def _names(value: str) -> tuple[str, ...]:
    names = []
    for name in (n.strip() for n in value.split(",") if n.strip()):
        if name not in (*WORKLOADS, *GROUPS):
            raise argparse.ArgumentTypeError(f"unknown workload {name!r}")
        names += GROUPS.get(name, (name,))
    return tuple(n for n in WORKLOADS if n in names)


def _require_packages(names: tuple[str, ...]) -> None:
    # Looked up, not imported: importing locust patches this process with gevent.
    for name in ("geopandas", "locust"):
        if importlib.util.find_spec(name) is None:
            sys.exit(f"{name} is missing: pip install -e '.[bench]'.")
    if "print" not in names:
        return
    if importlib.util.find_spec("playwright") is None:
        sys.exit("playwright is missing (the print baseline): pip install -e '.[test]'.")
    tools = ("chromium", "pdftotext", "pdfinfo", "pdftoppm")
    if not all(shutil.which(tool) for tool in tools):
        sys.exit("The print workload needs chromium and poppler: scripts/system-deps.sh "
                 "chromium poppler.")


def _output(args: argparse.Namespace) -> Path:
    if args.out:
        return args.out
    if args.london:
        return Path(__file__).resolve().parent / "results-london.json"
    if args.only == WORKLOADS:
        return Path(__file__).resolve().parent / "results.json"
    return Path(tempfile.gettempdir()) / f"safehavens-bench-{'-'.join(args.only)}.json"


def _workloads(args, bench, seeding: dict, log) -> dict:
    """Each workload's name and how to run it (in the table's order)."""
    from bench import classroom, heatmap, heatmap_live, hotspots, http_nearest, http_tiles, printing

    full = seeding.get("rebuild_all") or {}
    return {
        "rebuild": lambda: [*heatmap.rebuild_50(bench), heatmap.rebuild_all_row(
            full.get("seconds"), f"once, {full.get('at', '?')}")],
        "submit": lambda: heatmap_live.one_map(bench),
        "read": lambda: heatmap_live.borough_read(bench),
        "hotspots": lambda: hotspots.rows(quick=args.quick, log=log),
        "nearest": lambda: http_nearest.rows(bench, quick=args.quick),
        "tiles": lambda: http_tiles.rows(bench, quick=args.quick),
        "classroom": lambda: classroom.rows(bench, quick=args.quick),
        "print": lambda: printing.rows(bench),
    }


def _run(workloads: dict, names: tuple[str, ...], log) -> tuple[list, dict]:
    """The rows of the named workloads, and each one's wall-clock seconds."""
    rows, seconds = [], {}
    for name in names:
        started = time.perf_counter()
        rows += workloads[name]()
        seconds[name] = round(time.perf_counter() - started, 1)
        log(f"{name}: done in {seconds[name]:.0f} s")
    return rows, seconds


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks; exit status 1 when a baseline disagrees with ours."""
    args = _arguments(argv)
    _require_packages(args.only)
    from bench import database, heatmap, load, report

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    scale = synthetic.SCALES["london" if args.london else "quick" if args.quick else "borough"]
    if args.london:
        args.only = tuple(n for n in args.only if n in LONDON_WORKLOADS)
    if args.maps:
        scale = dataclasses.replace(scale, maps=args.maps)
    url, seeding = database.ensure(args.admin_url or database.admin_url(), args.seed, scale, log)
    bench = heatmap.Bench(app=load.app_for(url), url=url, seed=args.seed, scale=scale,
                          runs=args.runs or (5 if args.quick else 3), budget_s=args.budget,
                          reads=args.reads, submissions=args.submissions, log=log)
    if args.rebuild_all:
        log("rebuild all resolutions (aggregates.rebuild)...")
        seeding["rebuild_all"] = database.timed_rebuild(url)
    rows, seconds = _run(_workloads(args, bench, seeding, log), args.only, log)
    print(report.table(rows))
    info = {"seed": args.seed, "scale": dataclasses.asdict(scale), "seeding": seeding,
            "runs": bench.runs, "reads": bench.reads, "submissions": bench.submissions,
            "only": list(args.only), "workload_seconds": seconds, "counts": database.counts(url),
            "machine": report.machine(database.versions(url))}
    log(f"Wrote {report.write(rows, info, _output(args))}")
    return 1 if any(r.same_answer is False for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())

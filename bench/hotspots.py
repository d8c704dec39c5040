"""Hot spots (Getis-Ord Gi*): mapping.hotspot_stats vs esda's analytic G_Local on the same
weights, on synthetic borough- and London-sized hexagon grids. No database needed:
`python -m bench.hotspots [--quick]` prints the table on its own.
"""

import argparse
import math
import sys
import warnings
from dataclasses import dataclass

import numpy as np

from bench.report import Row, table
from bench.timing import repeat
from mapping import hotspot_stats

SIZES = {"borough": 30_000, "London": 270_000}
TARGETS_S = {"borough": 0.050, "London": 0.250}
MIN_RATIO = 100
ORIGIN = (3500, 1200)  # column and row of a 50 m cell in south London (TQ 26 20 or so)


@dataclass
class Grid:
    """Cell ids and a rate per cell, as the web code would have them cached."""

    i: np.ndarray
    j: np.ndarray
    rate: np.ndarray


def blob_grid(cells: int, seed: int) -> Grid:
    """`cells` hexagons, sorted by (i, j), in a wobbly round region crossed by a river with no
    data, with binomial rates round 0.15 and a planted cluster of high rates per 3,000 cells."""
    rng = np.random.default_rng(seed)
    radius = math.sqrt(cells * 3 * math.sqrt(3) / 2 / math.pi)  # hexagons of size 1
    span = int(radius * 1.5)
    i, j = (a.ravel() for a in np.meshgrid(np.arange(-span, span), np.arange(-span, span),
                                           indexing="ij"))
    x, y = 1.5 * i, math.sqrt(3) * (j + 0.5 * (i & 1))
    angle, distance = np.arctan2(y, x), np.hypot(x, y)
    phase = rng.uniform(0, 2 * math.pi, 2)
    edge = radius * (1 + 0.12 * np.sin(3 * angle + phase[0]) + 0.08 * np.sin(5 * angle + phase[1]))
    river = np.abs(y - 0.25 * radius * np.sin(x / radius * 3)) < 2.5
    land = np.nonzero(~river)[0]
    inside = np.sort(land[np.argsort(distance[land] / edge[land])[:cells]])  # sorted by (i, j)
    i, j, x, y = i[inside], j[inside], x[inside], y[inside]
    rate = np.full(len(i), 0.15)
    for _ in range(max(2, len(i) // 3000)):
        cx, cy = x[rng.integers(len(x))], y[rng.integers(len(y))]
        spread = rng.uniform(3, 8)
        rate += rng.uniform(0.2, 0.4) * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * spread**2))
    coverage = rng.poisson(25, len(i)) + 10
    pupils = rng.binomial(coverage, np.minimum(rate, 0.95))
    return Grid(i + ORIGIN[0], j + ORIGIN[1], pupils / coverage)


def esda_zs(weights, rate: np.ndarray):
    """A callable timing only esda's G_Local(transform="B", star=True, permutations=0) on a
    libpysal W built (untimed) from the same sparse weights."""
    import libpysal
    from esda.getisord import G_Local

    w = libpysal.weights.WSP(weights).to_W(silence_warnings=True)

    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return G_Local(rate, w, transform="B", star=True, permutations=0).Zs

    return run


def compare(name: str, cells: int, *, seed: int = 1, runs: int = 15,
            esda_runs: int = 3, log=print) -> Row:
    """Ours (weights from cell ids + Gi* + FDR classes) vs esda's G_Local on the same weights."""
    grid = blob_grid(cells, seed)
    log(f"hot spots, {name} ({len(grid.i):,} cells): ours...")
    ours = repeat(lambda: hotspot_stats.hot_spots(grid.i, grid.j, grid.rate), runs=runs)
    result = ours.result
    log(f"hot spots, {name}: esda G_Local...")
    base = repeat(esda_zs(result.weights, grid.rate), runs=esda_runs)
    difference = float(np.abs(base.result - result.z).max())
    same = difference <= 1e-9
    target = TARGETS_S[name]
    ratio = base.median / ours.median
    details = {"cells": len(grid.i), "neighbour_pairs": result.weights.nnz // 2,
               "max_abs_z_difference": difference, "ours": ours.summary(),
               "baseline": base.summary(), "baseline_timed": "G_Local call only, W prebuilt",
               "classes": {c: int((result.classes == c).sum()) for c in hotspot_stats.CLASSES},
               "parts": _parts(grid)}
    return Row(f"hot spots Gi*, {name} ({len(grid.i) / 1000:.0f}k cells; ours: weights + Gi* + "
               "FDR; base: esda G_Local)", ours.median, base.median,
               f"< {target * 1000:.0f} ms; ratio >= {MIN_RATIO}",
               passed=same and ours.median < target and ratio >= MIN_RATIO, same_answer=same,
               details=details)


def _parts(grid: Grid, runs: int = 9) -> dict:
    """Median seconds of each step, to see where the time goes."""
    weights = hotspot_stats.hexagon_weights(grid.i, grid.j)
    z, p = hotspot_stats.gi_star(weights, grid.rate)

    def median(fn) -> float:
        return repeat(fn, runs=runs).median

    shuffled = np.random.default_rng(0).permutation(len(grid.i))
    i, j = grid.i[shuffled], grid.j[shuffled]
    return {"weights_s": median(lambda: hotspot_stats.hexagon_weights(grid.i, grid.j)),
            "weights_ids_unsorted_s": median(lambda: hotspot_stats.hexagon_weights(i, j)),
            "gi_star_s": median(lambda: hotspot_stats.gi_star(weights, grid.rate)),
            "classes_fdr_s": median(lambda: hotspot_stats.classify(z, p))}


def rows(*, quick: bool = False, log=print) -> list[Row]:
    """The hot-spot rows (borough size only when quick)."""
    names = ["borough"] if quick else list(SIZES)
    return [compare(name, SIZES[name], log=log) for name in names]


def main(argv: list[str] | None = None) -> int:
    """Print the hot-spot rows; exit status 1 when esda and ours disagree."""
    parser = argparse.ArgumentParser(prog="python -m bench.hotspots", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="the 30k-cell borough only")
    args = parser.parse_args(argv)
    found = rows(quick=args.quick, log=lambda m: print(m, file=sys.stderr, flush=True))
    print(table(found))
    for row in found:
        print(f"{row.workload}: max |z - esda| {row.details['max_abs_z_difference']:.1e}, "
              f"{row.details['parts']}, classes {row.details['classes']}", file=sys.stderr)
    return 1 if any(r.same_answer is False for r in found) else 0


if __name__ == "__main__":
    sys.exit(main())

"""Hot spots of a heatmap layer: Getis-Ord Gi* on hexagon cells (pure: numpy and scipy only).

Cells are PostGIS `ST_Hexagon(size, i, j)` hexagons with origin (0, 0): flat-topped, columns i,
odd columns (negative ones too) half a row higher. Two cells are neighbours when they share an
edge; on a hexagon grid no two cells touch at a corner only. Gi* includes the cell itself with
weight 1 and uses binary weights: esda's `G_Local(y, w, transform="B", star=True)`. Why not
row-standardised weights, and how significance is corrected: docs/heatmaps.md.
"""

from dataclasses import dataclass

import numpy as np
from scipy import sparse, special
from scipy.sparse.csgraph import connected_components

MIN_CELLS = 30
LEVELS = ((3, 0.01), (2, 0.05), (1, 0.10))  # (99 %, 95 %, 90 % confidence), strictest first
CLASSES = ("hot_99", "hot_95", "hot_90", "not_significant", "cold_90", "cold_95", "cold_99")


class TooFewCells(ValueError):
    """There is too little data for Gi* to mean anything."""


@dataclass(frozen=True)
class HotSpots:
    """Per cell, in the order given: z-score, two-sided p-value, class; and the neighbours."""

    z: np.ndarray
    p: np.ndarray  # two-sided, from the normal approximation
    classes: np.ndarray  # one of CLASSES
    weights: sparse.csr_matrix  # binary edge contiguity, no self weight
    p_sim: np.ndarray | None = None  # two-sided permutation pseudo-p, when asked for


def hot_spots(i, j, values, *, fdr: bool = True, permutations: int = 0,
              seed: int = 0) -> HotSpots:
    """Gi* z, p and class of every cell (i, j) holding `values`; classes from the permutation
    pseudo-p when `permutations` > 0, otherwise from the analytic p."""
    values = np.asarray(values, dtype=np.float64)
    if not len(i) == len(j) == len(values):
        raise ValueError("i, j and values need one entry per cell.")
    check_enough(values)
    weights = hexagon_weights(i, j)
    z, p = gi_star(weights, values)
    p_sim = None
    if permutations:
        p_sim = permutation_p(weights, values, permutations=permutations, seed=seed)
    classes = classify(z, p if p_sim is None else p_sim, fdr=fdr)
    return HotSpots(z=z, p=p, classes=classes, weights=weights, p_sim=p_sim)


def check_enough(values: np.ndarray) -> None:
    """Raise TooFewCells unless there are MIN_CELLS finite values that are not all equal."""
    if len(values) < MIN_CELLS:
        raise TooFewCells(f"Hot spots need at least {MIN_CELLS} cells with data; "
                          f"this layer has {len(values)}.")
    if not np.isfinite(values).all():
        raise ValueError("Every cell needs a finite value.")
    if values.min() == values.max():
        raise TooFewCells(f"All {len(values)} cells have the same value, so no cell stands out.")


def hexagon_weights(i, j) -> sparse.csr_matrix:
    """n x n binary matrix: 1 where hexagon cells (i, j) share an edge (unique cells only)."""
    i, j = np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64)
    n = len(i)
    if n == 0:
        return sparse.csr_matrix((0, 0), dtype=np.float64)
    # One padding column/row either side, so a neighbour's key never aliases another cell's.
    i0, j0 = i.min() - 1, j.min() - 1
    span = j.max() - j0 + 2
    keys = (i - i0) * span + (j - j0)
    order = np.argsort(keys, kind="stable")  # nearly free when the ids come sorted
    sorted_keys = keys[order]
    if (sorted_keys[1:] == sorted_keys[:-1]).any():
        raise ValueError("Cell ids must be unique.")
    # Columns i-1 and i+1 meet a cell at rows j and j-1 (even i) or j and j+1 (odd i);
    # `& 1` is 1 for negative odd i too, as in PostGIS.
    side_row = 2 * (i[order] & 1) - 1
    # Only the three forward directions are searched (sorted queries are fast); each pair
    # found is also entered from the other cell, in the opposite direction.
    index = np.int32 if 6 * n < 2**31 else np.int64  # scipy's own choice: no copy
    neighbours = np.full((n, 6), -1, dtype=index)  # below, above, left, left-side, right, ...
    above = np.nonzero(sorted_keys[1:] == sorted_keys[:-1] + 1)[0]
    _link(neighbours, order[above], order[above + 1], 1, 0)
    for direction, wanted in ((4, sorted_keys + span), (5, sorted_keys + span + side_row)):
        at = np.minimum(np.searchsorted(sorted_keys, wanted), n - 1)
        found = np.nonzero(sorted_keys[at] == wanted)[0]
        _link(neighbours, order[found], order[at[found]], direction, direction - 2)
    present = neighbours >= 0
    indptr = np.zeros(n + 1, dtype=index)
    np.cumsum(np.count_nonzero(present, axis=1), out=indptr[1:])
    indices = neighbours[present]
    return sparse.csr_matrix((np.ones(len(indices)), indices, indptr), shape=(n, n))


def _link(neighbours: np.ndarray, a: np.ndarray, b: np.ndarray, forward: int,
          back: int) -> None:
    neighbours[a, forward] = b
    neighbours[b, back] = a


def gi_star(weights: sparse.csr_matrix, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(z, two-sided p) of Getis-Ord Gi* with binary weights and self weight 1 (esda's
    G_Local(transform="B", star=True) Zs, and 2 * its p_norm)."""
    y = np.asarray(values, dtype=np.float64)
    n = len(y)
    window_sum = weights @ y + y
    window_size = np.diff(weights.indptr) + 1.0  # binary: sum of weights = sum of squares
    mean, sd = y.mean(), y.std()  # population sd, as Getis and Ord (1995)
    spread = sd * np.sqrt((n * window_size - window_size**2) / (n - 1))
    z = (window_sum - mean * window_size) / spread
    return z, 2 * special.ndtr(-np.abs(z))


def permutation_p(weights: sparse.csr_matrix, values: np.ndarray, *, permutations: int,
                  seed: int = 0) -> np.ndarray:
    """Two-sided pseudo-p by conditional randomisation: each cell keeps its value, its
    neighbours' values are drawn without replacement from the other cells (as esda's crand)."""
    y = np.asarray(values, dtype=np.float64)
    degree = np.diff(weights.indptr)
    width = int(degree.max(initial=0)) or 1
    draws = _distinct_draws(np.random.default_rng(seed), len(y) - 1, permutations, width)
    observed = weights @ y  # the cell's own value is held, so compare neighbour sums only
    # Sums of the same values in another order may differ in the last bit; they are ties.
    tie = 1e-9 * (np.abs(y).max() * width + 1)
    chunk = max(1, 4_000_000 // (permutations * width))
    larger = np.empty(len(y), dtype=np.int64)
    smaller = np.empty(len(y), dtype=np.int64)
    for start in range(0, len(y), chunk):
        cells = np.arange(start, min(start + chunk, len(y)))
        others = draws[None] + (draws[None] >= cells[:, None, None])  # skip the cell itself
        used = np.arange(width) < degree[cells, None, None]
        sums = (y[others] * used).sum(axis=2)
        larger[cells] = (sums >= observed[cells, None] - tie).sum(axis=1)
        smaller[cells] = (sums <= observed[cells, None] + tie).sum(axis=1)
    return np.minimum(1.0, 2 * (np.minimum(larger, smaller) + 1) / (permutations + 1))


def _distinct_draws(rng: np.random.Generator, n: int, rows: int, width: int) -> np.ndarray:
    """rows x width integers from range(n), distinct within each row (rows redrawn on clash)."""
    draws = rng.integers(0, n, size=(rows, width))
    while True:
        ordered = np.sort(draws, axis=1)
        clash = (ordered[:, 1:] == ordered[:, :-1]).any(axis=1)
        if not clash.any():
            return draws
        draws[clash] = rng.integers(0, n, size=(int(clash.sum()), width))


def bh_critical_p(p: np.ndarray, alpha: float) -> float:
    """Benjamini-Hochberg: the largest p(k) with p(k) <= k / n * alpha (0.0 when none is)."""
    p = np.asarray(p, dtype=np.float64)
    ordered = np.sort(p[p <= alpha])  # only these can pass, and they are the smallest ranks
    passing = np.nonzero(ordered <= np.arange(1, len(ordered) + 1) * alpha / len(p))[0]
    return float(ordered[passing[-1]]) if len(passing) else 0.0


def classify(z: np.ndarray, p: np.ndarray, *, fdr: bool = True) -> np.ndarray:
    """The class of each cell (CLASSES): each confidence level has its own critical p, made
    stricter by Benjamini-Hochberg when `fdr` (as ArcGIS Pro's Hot Spot Analysis does)."""
    level = np.zeros(len(p), dtype=np.int64)  # 0 = not significant, 1 = 90 %, 2 = 95 %, 3 = 99 %
    for rank, alpha in LEVELS:
        critical = bh_critical_p(p, alpha) if fdr else alpha
        level[(level == 0) & (p <= critical)] = rank
    signed = np.where(z > 0, level, -level)  # 3 (hot, 99 %) ... -3 (cold, 99 %)
    return np.asarray(CLASSES)[3 - signed]


def connected_groups(weights: sparse.csr_matrix, mask) -> np.ndarray:
    """A label per cell: cells where mask is True and joined through such neighbours share a
    label (0, 1, ...); -1 where mask is False."""
    mask = np.asarray(mask, dtype=bool)
    labels = np.full(len(mask), -1, dtype=np.int64)
    if mask.any():
        chosen = weights[mask][:, mask]
        labels[mask] = connected_components(chosen, directed=False)[1]
    return labels

"""Hot spots (Getis-Ord Gi*): the same numbers as PySAL esda, the same neighbours as PostGIS,
planted clusters found, noise left alone."""

import warnings

import libpysal
import numpy as np
import pytest
from esda.getisord import G_Local
from sqlalchemy import text

from mapping import hotspot_stats
from mapping.hotspot_stats import TooFewCells, hot_spots

ISLAND = (40, 40)


def patch(seed: int = 1):
    """A hexagon patch with negative ids, ~10 % holes and one island cell, with random values."""
    rng = np.random.default_rng(seed)
    i, j = (a.ravel() for a in np.meshgrid(np.arange(-10, 11), np.arange(-8, 9), indexing="ij"))
    kept = rng.random(len(i)) > 0.1
    i, j = np.append(i[kept], ISLAND[0]), np.append(j[kept], ISLAND[1])
    order = rng.permutation(len(i))  # the web code's order is not the grid's
    return i[order], j[order], rng.gamma(2.0, 1.0, len(i))


def grid(columns: int = 40, rows: int = 40):
    """Cell ids of a columns x rows block, and each hexagon's centre (size 1)."""
    i, j = (a.ravel() for a in np.meshgrid(np.arange(columns), np.arange(rows), indexing="ij"))
    return i, j, 1.5 * i, np.sqrt(3) * (j + 0.5 * (i & 1))


def esda_g_local(weights, values, transform: str):
    """esda's analytic Gi* on a libpysal W built from our sparse weights."""
    w = libpysal.weights.WSP(weights).to_W(silence_warnings=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # islands; the 'R' self-weight guess
        return G_Local(values, w, transform=transform, star=True, permutations=0)


def pairs(weights) -> set:
    rows, columns = weights.nonzero()
    return {(a, b) for a, b in zip(rows.tolist(), columns.tolist(), strict=True) if a < b}


# --- the same numbers as esda --------------------------------------------------------------

def test_z_scores_equal_esda_gi_star_with_binary_weights():
    i, j, values = patch()
    result = hot_spots(i, j, values)
    esda = esda_g_local(result.weights, values, "B")
    assert np.abs(result.z - esda.Zs).max() < 1e-9
    assert np.abs(result.p - 2 * esda.p_norm).max() < 1e-12  # esda's p_norm is one-sided
    island = np.nonzero((i == ISLAND[0]) & (j == ISLAND[1]))[0][0]
    assert result.weights[island].nnz == 0 and np.isfinite(result.z[island])


def test_row_standardised_weights_would_shrink_z_by_the_window_size():
    i, j, values = patch()
    result = hot_spots(i, j, values)
    row = esda_g_local(result.weights, values, "R")
    window = np.diff(result.weights.indptr) + 1.0
    n = len(values)
    has_neighbours = window > 1
    # esda's 'R' z is (window mean - mean) / sd: the variance of a mean of `window` cells
    # is missing, so z shrinks by this factor and a full window needs 2.6x the evidence.
    shrink = np.sqrt(window * (n - 1) / (n - window))
    assert np.allclose(result.z[has_neighbours], row.Zs[has_neighbours] * shrink[has_neighbours])
    assert np.abs(row.Zs[has_neighbours]).max() < np.abs(result.z).max() / 2
    assert np.isnan(row.Zs[~has_neighbours]).all()  # and the island gets no answer at all


# --- the same neighbours as PostGIS -------------------------------------------------------

def test_neighbours_are_the_hexagons_postgis_says_share_an_edge(db_session):
    i, j = (a.ravel() for a in np.meshgrid(np.arange(-5, 4), np.arange(-4, 4), indexing="ij"))
    kept = (i * 7 + j * 3) % 11 != 0  # a few holes
    i, j = i[kept], j[kept]
    rows = db_session.execute(text("""
        WITH cell AS (SELECT n, ST_Hexagon(150, c.i, c.j) AS geom
                        FROM unnest(CAST(:i AS int[]), CAST(:j AS int[]))
                             WITH ORDINALITY AS c(i, j, n))
        SELECT a.n - 1 AS a, b.n - 1 AS b, ST_Dimension(ST_Intersection(a.geom, b.geom)) AS dim
          FROM cell a JOIN cell b ON a.n < b.n AND ST_Intersects(a.geom, b.geom)"""),
        {"i": i.tolist(), "j": j.tolist()}).all()
    assert {r.dim for r in rows} == {1}  # hexagons never touch at a corner only
    assert {(r.a, r.b) for r in rows} == pairs(hotspot_stats.hexagon_weights(i, j))
    assert ((i < 0) & (i % 2 == 1)).any() and ((i < 0) & (i % 2 == 0)).any() and (j < 0).any()


def test_neighbours_are_the_cells_one_hexagon_width_away_in_any_order():
    rng = np.random.default_rng(5)
    for _ in range(10):
        ids = np.unique(rng.integers(-9, 9, size=(300, 2)), axis=0)
        ids = ids[rng.permutation(len(ids))]
        i, j = ids[:, 0], ids[:, 1]
        x, y = 1.5 * i, np.sqrt(3) * (j + 0.5 * (i & 1))
        distance = np.hypot(x[:, None] - x[None], y[:, None] - y[None])
        weights = hotspot_stats.hexagon_weights(i, j).toarray()
        assert np.array_equal(weights, np.isclose(distance, np.sqrt(3)).astype(float))


def test_the_same_cell_twice_is_refused():
    with pytest.raises(ValueError, match="unique"):
        hotspot_stats.hexagon_weights([0, 1, 0], [0, 0, 0])


# --- hot spots found, noise left alone ----------------------------------------------------

def planted(seed: int = 7):
    """A 40 x 40 grid of noise in [0, 0.3) with two clusters of 19 cells near 0.9."""
    rng = np.random.default_rng(seed)
    i, j, x, y = grid()
    centres = [(10, 10), (30, 27)]
    distance = np.min([np.hypot(x - 1.5 * ci, y - np.sqrt(3) * (cj + 0.5 * (ci & 1)))
                       for ci, cj in centres], axis=0)
    values = rng.uniform(0, 0.3, len(i))
    in_cluster = distance < 3.5  # the cell and two rings of neighbours
    values[in_cluster] = rng.uniform(0.8, 1.0, in_cluster.sum())
    return i, j, values, distance


def test_two_planted_clusters_are_hot_99_and_cells_far_away_are_not_hot():
    i, j, values, distance = planted()
    result = hot_spots(i, j, values)
    assert (result.classes[distance < 1.8] == "hot_99").all()  # centres and first rings
    assert (result.classes[distance < 1.8] == "hot_99").sum() == 14
    assert not np.char.startswith(result.classes[distance > 12].astype(str), "hot").any()
    groups = hotspot_stats.connected_groups(result.weights, result.classes == "hot_99")
    assert len(set(groups[distance < 1.8])) == 2


def test_pure_noise_has_no_significant_cells_with_fdr():
    i, j, _, _ = grid()
    seeds_with_any, uncorrected = 0, []
    for seed in range(20):
        values = np.random.default_rng(seed).uniform(0, 1, len(i))
        result = hot_spots(i, j, values)
        seeds_with_any += (result.classes != "not_significant").any()
        uncorrected.append((hotspot_stats.classify(result.z, result.p, fdr=False)
                            != "not_significant").mean())
    # With no clustering at all, Benjamini-Hochberg at q = 0.10 (the 90 % level) keeps the
    # chance of even one false hot or cold cell at or below 10 %: at most 2 seeds of 20.
    # (Measured: none of these 20; 1 in 400 seeds. Skewed values do worse: docs/heatmaps.md.)
    assert seeds_with_any <= 2
    # Without the correction about 10 % of cells are "significant" in every seed.
    assert min(uncorrected) > 0.05


def test_fdr_marks_fewer_cells_significant_than_uncorrected_p():
    i, j, values, _ = planted()
    result = hot_spots(i, j, values)
    raw = hot_spots(i, j, values, fdr=False)
    assert np.array_equal(raw.z, result.z)
    with_fdr = (result.classes != "not_significant").sum()
    assert 0 < with_fdr < (raw.classes != "not_significant").sum()


HAND_P = np.array([0.0008, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216])


def test_benjamini_hochberg_matches_a_hand_computed_example():
    # k / 10 * 0.10 = 0.01, 0.02, ..., 0.06: p(6) = 0.06 passes, so p(3), p(4) (which alone
    # fail) are kept too (step-up). At 0.05: only p(1), p(2) pass. At 0.01: only p(1).
    shuffled = HAND_P[[3, 9, 0, 5, 1, 7, 2, 8, 4, 6]]
    assert hotspot_stats.bh_critical_p(shuffled, 0.10) == 0.06
    assert hotspot_stats.bh_critical_p(shuffled, 0.05) == 0.008
    assert hotspot_stats.bh_critical_p(shuffled, 0.01) == 0.0008
    assert hotspot_stats.bh_critical_p(np.array([0.2, 0.5, 0.9]), 0.10) == 0.0


def test_each_confidence_level_has_its_own_critical_p():
    z = np.array([3, -3, 2, 2, -2, 2, 2, 1, 1, -1], dtype=float)
    assert hotspot_stats.classify(z, HAND_P).tolist() == [
        "hot_99", "cold_95", "hot_90", "hot_90", "cold_90", "hot_90"] + ["not_significant"] * 4
    assert hotspot_stats.classify(z, HAND_P, fdr=False).tolist() == [
        "hot_99", "cold_99", "hot_95", "hot_95", "cold_95", "hot_90", "hot_90"] + [
        "not_significant"] * 3


# --- merging neighbours into areas --------------------------------------------------------

def test_two_separate_blobs_get_two_labels():
    i, j, x, y = grid(20, 20)
    near_a = np.hypot(x - x[(i == 3) & (j == 3)], y - y[(i == 3) & (j == 3)]) < 2
    near_b = np.hypot(x - x[(i == 12) & (j == 12)], y - y[(i == 12) & (j == 12)]) < 2
    labels = hotspot_stats.connected_groups(hotspot_stats.hexagon_weights(i, j), near_a | near_b)
    assert near_a.sum() == near_b.sum() == 7
    assert len(set(labels[near_a])) == len(set(labels[near_b])) == 1
    assert labels[near_a][0] != labels[near_b][0] and labels[near_a][0] >= 0
    assert (labels[~(near_a | near_b)] == -1).all()


@pytest.mark.parametrize(("a", "b", "joined"), [
    ((0, 0), (1, -1), True),  # even column: the next column's rows j and j - 1 share an edge
    ((0, 0), (1, 1), False),  # ...row j + 1 does not touch at all
    ((1, 0), (2, 1), True),  # odd column: rows j and j + 1
    ((1, 0), (2, -1), False),
    ((-1, 0), (-2, 1), True),  # negative odd columns are raised half a row too
    ((-1, 0), (-2, -1), False),
    ((0, 0), (2, 0), False),  # two columns apart, same row
])
def test_cells_in_neighbouring_columns_join_as_the_hexagons_touch(a, b, joined):
    i, j = (m.ravel() for m in np.meshgrid(np.arange(-3, 4), np.arange(-3, 4), indexing="ij"))
    mask = ((i == a[0]) & (j == a[1])) | ((i == b[0]) & (j == b[1]))
    labels = hotspot_stats.connected_groups(hotspot_stats.hexagon_weights(i, j), mask)
    assert len(set(labels[mask])) == (1 if joined else 2)


# --- too little data ----------------------------------------------------------------------

def test_too_few_cells_or_one_value_everywhere_is_refused():
    i, j, _, _ = grid(6, 5)
    values = np.arange(30, dtype=float)
    with pytest.raises(TooFewCells, match="at least 30 cells"):
        hot_spots(i[:29], j[:29], values[:29])
    with pytest.raises(TooFewCells, match="same value"):
        hot_spots(i, j, np.full(30, 0.25))
    with pytest.raises(ValueError, match="finite"):
        hot_spots(i, j, np.where(values == 3, np.nan, values))
    with pytest.raises(ValueError, match="one entry per cell"):
        hot_spots(i, j[:-1], values)
    assert len(hot_spots(i, j, values).z) == 30


# --- permutation pseudo-p -----------------------------------------------------------------

def test_pseudo_p_is_reproducible_with_a_seed():
    i, j, values = patch()
    first = hot_spots(i, j, values, permutations=199, seed=3)
    again = hot_spots(i, j, values, permutations=199, seed=3)
    other = hot_spots(i, j, values, permutations=199, seed=4)
    assert np.array_equal(first.p_sim, again.p_sim)
    assert not np.array_equal(first.p_sim, other.p_sim)
    assert hot_spots(i, j, values).p_sim is None  # off by default


def test_pseudo_p_is_between_0_and_1_and_1_for_an_island():
    i, j, values = patch()
    p_sim = hot_spots(i, j, values, permutations=99).p_sim
    assert ((p_sim > 0) & (p_sim <= 1)).all()
    assert (p_sim >= 2 / 100).all()  # two-sided: never below 2 / (permutations + 1)
    assert p_sim[(i == ISLAND[0]) & (j == ISLAND[1])] == 1.0  # no neighbours to shuffle


def test_a_planted_hot_cell_gets_the_smallest_pseudo_p():
    i, j, x, y = grid(20, 20)
    values = np.random.default_rng(2).uniform(0, 0.3, len(i))
    centre = (i == 9) & (j == 9)
    window = np.hypot(x - x[centre], y - y[centre]) < 2  # the cell and its 6 neighbours
    values[window] = 0.9
    result = hot_spots(i, j, values, permutations=999, seed=1)
    assert result.p_sim[centre] == 2 / 1000
    assert hotspot_stats.classify(result.z, result.p_sim, fdr=False)[centre] == "hot_99"
    # With FDR, the smallest pseudo-p 999 draws allow (0.002) must be shared by 8 cells of 400
    # for 90 % and by 16 for 95 %: the classes follow the pseudo-p, and so does the cap.
    assert result.classes[centre] == "hot_90"
    assert np.median(result.p_sim[~window]) > 0.3


def test_pseudo_p_holds_the_cells_own_value_out_of_the_draws():
    i, j, x, y = grid(6, 5)
    centre = np.nonzero((i == 2) & (j == 2))[0][0]
    neighbours = np.hypot(x - x[centre], y - y[centre]) < 2
    neighbours[centre] = False
    values = np.random.default_rng(0).uniform(0, 1, len(i))
    values[neighbours] = np.arange(10, 16)  # the six largest values after the cell's own
    values[centre] = 100
    p_sim = hot_spots(i, j, values, permutations=999, fdr=False).p_sim
    # No six other cells sum to more than its neighbours: only drawing its own 100 could.
    assert p_sim[centre] == 2 / 1000


def test_pseudo_p_agrees_with_esda_conditional_randomisation():
    i, j, values = patch()
    result = hot_spots(i, j, values, permutations=9999, seed=3)
    w = libpysal.weights.WSP(result.weights).to_W(silence_warnings=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        esda = G_Local(values, w, transform="B", star=True, permutations=9999, n_jobs=1, seed=3)
    # esda's p_sim is one-sided ("directed"): doubled, it estimates the same two-sided p. Both
    # are Monte Carlo estimates (standard error <= 0.01 each with 9,999 draws).
    # esda gives an island 1 / 10,000 (its self weight is dropped); ours is 1 (nothing to draw).
    has_neighbours = np.diff(result.weights.indptr) > 0
    difference = result.p_sim - np.minimum(1, 2 * esda.p_sim)
    assert np.abs(difference[has_neighbours]).max() < 0.05
    assert np.abs(difference[has_neighbours]).mean() < 0.015

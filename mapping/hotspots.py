"""Hot spots for planners: Gi* over published unsafe shares, merged into ranked areas.

The statistic sees only published numbers. The study area is every cell that enough pupils could
have marked (coverage of at least the publication threshold); a cell's value is its published
unsafe share, or 0 where too few pupils marked it to publish. Adjacent hot cells (90 % or more,
after the false-discovery correction) make one area. An area's own counts are a new question
(distinct pupils over its cells together), so they pass the same publication rule before they
are shown.
"""

from dataclasses import dataclass, replace

import numpy as np
from sqlalchemy.orm import Session

from core.errors import InvalidInput, Unprocessable
from havens import queries as haven_queries
from havens.presenting import opening_hours
from mapping import heat_cache, heatmap, hotspot_stats, kept, patrol, queries, vocabulary
from mapping.publication import Rule, publishable, rounded

RESOLUTIONS = (100, 150, 250)
CONFIDENCE = {"hot_99": 99, "hot_95": 95, "hot_90": 90}
# The cautious check: most of the layer is 0 (unpublished), where normal-theory p-values
# overstate significance; conditional permutations are exact under randomisation. 9,999 lets
# 99 % survive the false-discovery correction; the seed keeps a data version's answer stable.
PERMUTATIONS = 9_999
SEED = 0
TOP_REASONS = 3
NEAREST_SCHOOLS = 3
HAVEN_CANDIDATES = 25


@dataclass(frozen=True)
class HotSpotQuestion:
    """Which pupils' answers the hot spots come from: whole terms and fixed bands only."""

    borough_id: int
    resolution: int = 150
    term: str | None = None
    years: str | None = None
    cautious: bool = False  # significance from permutations instead of the normal curve

    def heat_question(self, **changes) -> heatmap.Question:
        """The same filters as a heatmap question about unsafe places."""
        question = heatmap.Question(borough_id=self.borough_id, resolution=self.resolution,
                                    kind="unsafe", term=self.term, years=self.years)
        return replace(question, **changes)


class TooLittleData(Unprocessable):
    """Too few published cells for a meaningful statistic."""


def check(question: HotSpotQuestion, db_session: Session, rule: Rule) -> None:
    """Refuse a question naming a cell size, term or year band that does not exist."""
    if question.resolution not in RESOLUTIONS:
        raise InvalidInput("cell must be 100, 150 or 250 (metres).", field="cell")
    heatmap.check(question.heat_question(), db_session, rule)


def analyse(*, db_session: Session, question: HotSpotQuestion, rule: Rule) -> dict:
    """Cells with z, p and class, and the ranked hot-spot areas with their context."""
    check(question, db_session, rule)
    found = heat_cache.remember(("hotspots", question, rule), db_session,
                                lambda: _kept_or_counted(db_session, question, rule))
    areas = [{**area, **_surroundings(db_session, area)} for area in found["areas"]]
    return {"cells": found["cells"], "areas": areas}


def _kept_or_counted(db_session: Session, question: HotSpotQuestion, rule: Rule) -> dict:
    """A kept term's analysis as planners saw it; otherwise counted from the pupils' maps."""
    if kept.holds(db_session, question.heat_question()):
        analysis = kept.hot_spots(db_session, question) or {
            "too_little": "These hot spots were not kept when the term's maps were deleted."}
        if "too_little" in analysis:
            raise TooLittleData(analysis["too_little"])
        return analysis
    return statistics(db_session, question, rule)


def study_area(db_session: Session, question: HotSpotQuestion,
               rule: Rule) -> list[tuple[int, int]]:
    """Every cell enough pupils could have marked (coverage of at least the threshold)."""
    if kept.holds(db_session, question.heat_question()):
        found = kept.hot_spots(db_session, question) or {}
        return [tuple(cell) for cell in found.get("study_area", [])]
    covered = queries.coverage(db_session, borough_id=question.borough_id,
                               resolution=question.resolution,
                               filters=question.heat_question().filters())
    return sorted(cell for cell, pupils in covered.items() if pupils >= rule.min_pupils)


def _study_values(db_session: Session, question: HotSpotQuestion, rule: Rule):
    """(cells, values): every sufficiently covered cell, valued by its published share."""
    published = {(c["i"], c["j"]): c for c in heat_cache.published_cells(
        db_session=db_session, question=question.heat_question(), rule=rule)}
    cells = study_area(db_session, question, rule)
    values = np.array([(published.get(cell) or {}).get("rate") or 0.0 for cell in cells])
    return cells, values, published


def statistics(db_session: Session, question: HotSpotQuestion, rule: Rule) -> dict:
    """Gi* over the published shares: every study cell with z, p and class, and the ranked
    areas (counted from the pupils' maps)."""
    cells, values, published = _study_values(db_session, question, rule)
    try:
        result = hotspot_stats.hot_spots(np.array([c[0] for c in cells], dtype=np.int64),
                                         np.array([c[1] for c in cells], dtype=np.int64),
                                         values, seed=SEED,
                                         permutations=PERMUTATIONS if question.cautious else 0)
    except hotspot_stats.TooFewCells as exc:
        raise TooLittleData(f"Not enough published hexagons for hot spots: {exc} Try all "
                            "terms, all years or bigger hexagons.") from exc
    classes = np.asarray(result.classes)
    hot = np.isin(classes, list(CONFIDENCE))
    labels = hotspot_stats.connected_groups(result.weights, hot)
    p_values = result.p if result.p_sim is None else result.p_sim
    rows = [{"i": i, "j": j, "rate": float(values[k]), "published": (i, j) in published,
             "z": round(float(result.z[k]), 3), "p": float(p_values[k]),
             "class": str(classes[k]), "area": None} for k, (i, j) in enumerate(cells)]
    groups = [np.flatnonzero(labels == label) for label in np.unique(labels[labels >= 0])]
    areas = [_area(db_session, question, rule, rows, members) for members in groups]
    shapes = queries.area_shapes(db_session, question.resolution,
                                 [[(rows[k]["i"], rows[k]["j"]) for k in a["members"]]
                                  for a in areas])
    for area, shape in zip(areas, shapes, strict=True):
        area.update(shape)
    areas.sort(key=patrol.rank_key)
    for rank, area in enumerate(areas, start=1):
        area["rank"] = rank
        for k in area.pop("members"):
            rows[k]["area"] = rank
    return {"cells": rows, "areas": areas}


def _area(db_session: Session, question: HotSpotQuestion, rule: Rule, rows: list[dict],
          members: np.ndarray) -> dict:
    """One area's statistic, published counts, top reasons and peak time."""
    cells = [(rows[k]["i"], rows[k]["j"]) for k in members]
    pupils, schools = _published_count(db_session, question.heat_question(), rule, cells)
    reasons = _answers(db_session, question, rule, cells, "reason",
                       vocabulary.UNSAFE_REASONS)[:TOP_REASONS]
    times = _answers(db_session, question, rule, cells, "time", vocabulary.TIMES)
    peak = times[0]["key"] if times else None
    best = max(CONFIDENCE[rows[k]["class"]] for k in members)
    return {"members": [int(k) for k in members], "cells": len(cells),
            "peak_z": round(max(rows[k]["z"] for k in members), 2), "confidence": best,
            "pupils": pupils, "schools": schools, "reasons": reasons, "times": times,
            "peak_time": peak,
            "peak_time_label": vocabulary.TIMES.get(peak) if peak else None,
            "visits": patrol.visit_pattern(peak)}


def _counted(db_session: Session, question: heatmap.Question, rule: Rule,
             cells: list[tuple[int, int]]) -> tuple[int, int, int | None]:
    """(exact pupils, schools, rounded pupils or None) over the cells. The rounded count is
    given only when it passes the full rule, including its differencing check."""
    filters = question.filters()
    row = queries.area_counts(db_session, borough_id=question.borough_id,
                              resolution=question.resolution, kind=question.kind,
                              filters=filters, cells=cells)
    counts = [getattr(row, f"p{k}") for k in range(1 << len(filters))]
    shown = rounded(counts[-1], rule.round_to) if publishable(counts, row.schools, rule) else None
    return counts[-1], int(row.schools), shown


def _published_count(db_session: Session, question: heatmap.Question, rule: Rule,
                     cells: list[tuple[int, int]]) -> tuple[int | None, int | None]:
    """Rounded distinct pupils and schools over the cells, or (None, None) when too few."""
    _exact, schools, shown = _counted(db_session, question, rule, cells)
    return (shown, schools) if shown is not None else (None, None)


def _answers(db_session: Session, question: HotSpotQuestion, rule: Rule,
             cells: list[tuple[int, int]], field: str, options: dict) -> list[dict]:
    """Answers given by at least the threshold of pupils and schools over the area, most first.

    An answer is named once enough pupils from enough schools gave it; its count is shown only
    when it also passes the differencing check (otherwise `pupils` is None: "10 or more").
    Naming the most common answer discloses no count, so a noisy area still has a peak time."""
    found = []
    for key, label in options.items():
        exact, schools, shown = _counted(db_session, question.heat_question(**{field: key}),
                                         rule, cells)
        if exact >= rule.min_pupils and schools >= rule.min_schools:
            words = f"about {shown}" if shown else f"{rule.min_pupils} or more"
            found.append((exact, {"key": key, "label": label, "pupils": shown,
                                  "count_words": words}))
    order = list(options)
    found.sort(key=lambda pair: (-pair[0], order.index(pair[1]["key"])))
    return [item for _exact, item in found]


def _surroundings(db_session: Session, area: dict) -> dict:
    """The ward, nearest schools and nearest active havens of an area (current, not cached)."""
    lon, lat = area["lon"], area["lat"]
    candidates = haven_queries.nearest_active(db_session, lon, lat, HAVEN_CANDIDATES)
    nearest = open_then = None
    for row in candidates:
        status = patrol.open_during(opening_hours(row.Haven), area["peak_time"])
        found = {"id": row.Haven.id, "name": row.Haven.name, "distance_m": round(row.distance_m),
                 "lon": row.lon, "lat": row.lat, "open": status,
                 "open_words": patrol.OPEN_WORDS[status]}
        nearest = nearest or found
        if status == "open":
            open_then = found
            break
    return {"ward": queries.ward_at(db_session, lon, lat),
            "schools_near": [{**s, "distance_m": round(s["distance_m"])} for s in
                             queries.nearest_schools(db_session, lon, lat, NEAREST_SCHOOLS)],
            "haven": nearest, "open_haven": open_then if open_then != nearest else None}

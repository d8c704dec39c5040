"""Two terms of one borough side by side: published unsafe hexagons and hot-spot areas."""

import json

import shapely.geometry
from sqlalchemy.orm import Session

from core.errors import InvalidInput, Unprocessable
from mapping import heat_cache, heatmap, hotspots, queries, term_changes, terms
from mapping.publication import Rule

TOP_ROWS = 15


def check_terms(db_session: Session, borough_id: int, before: str | None,
                after: str | None) -> tuple[str, str]:
    """The two terms to compare: both named (or neither: the two latest), both with maps,
    different, the earlier first."""
    available = sorted(heatmap.borough_terms(db_session, borough_id),
                       key=terms.chronological)
    if before is None and after is None:
        if len(available) < 2:
            found = ", ".join(terms.label(t) for t in available) or "no term"
            raise Unprocessable("Comparing needs pupils' maps from two terms; this borough "
                                f"has maps from {found} only.")
        return available[-2], available[-1]
    for name, term in (("before", before), ("after", after)):
        if not term:
            raise InvalidInput(f"Choose both terms: {name} is missing.", field=name)
        if not terms.is_term(term) or term not in available:
            raise InvalidInput(f"Unknown term for {name}: {term} (terms with maps: "
                               f"{', '.join(available)}).", field=name)
    if before == after:
        raise InvalidInput("Choose two different terms to compare.", field="after")
    if terms.chronological(before) > terms.chronological(after):
        raise InvalidInput(f"before ({terms.label(before)}) must be earlier than after "
                           f"({terms.label(after)}).", field="before")
    return before, after


def _asked(db_session: Session, borough_id: int, resolution: int, term: str,
           rule: Rule) -> set[tuple[int, int]]:
    """Hexagons enough pupils could have marked in a term (the hot spots' study area)."""
    question = hotspots.HotSpotQuestion(borough_id=borough_id, resolution=resolution, term=term)
    return set(hotspots.study_area(db_session, question, rule))


def _hot_spots(db_session: Session, borough_id: int, resolution: int, term: str,
               rule: Rule) -> tuple[dict | None, str | None]:
    question = hotspots.HotSpotQuestion(borough_id=borough_id, resolution=resolution, term=term)
    try:
        return hotspots.analyse(db_session=db_session, question=question, rule=rule), None
    except hotspots.TooLittleData as exc:
        return None, f"{terms.label(term)}: {exc.message}"


def compare(*, db_session: Session, borough_id: int, resolution: int, before: str,
            after: str) -> dict:
    """Changed hexagons as GeoJSON, changed areas, counts, and any term without hot spots."""
    rule = heatmap.rule_for_planners()
    published, asked, analyses, problems = {}, {}, {}, []
    for term in (before, after):
        question = heatmap.Question(borough_id=borough_id, resolution=resolution,
                                    kind="unsafe", term=term)
        published[term] = heat_cache.published_cells(db_session=db_session, question=question,
                                                     rule=rule)
        asked[term] = _asked(db_session, borough_id, resolution, term, rule)
        analyses[term], problem = _hot_spots(db_session, borough_id, resolution, term, rule)
        problems += [problem] if problem else []
    cells = term_changes.cell_changes(published[before], published[after], asked[before],
                                      asked[after])
    areas = term_changes.area_changes(analyses[before], analyses[after], asked[before],
                                      asked[after])
    collection = _features(db_session, resolution, cells)
    return {"cells": collection, "areas": areas,
            "top": _placed(db_session, resolution, term_changes.biggest(cells, TOP_ROWS),
                           collection),
            "cell_counts": term_changes.counts(cells, term_changes.CELL_CHANGES),
            "area_counts": term_changes.counts(areas, term_changes.AREA_CHANGES),
            "problems": problems}


def _features(db_session: Session, resolution: int, cells: list[dict]) -> dict:
    shapes = queries.hexagon_geojson(db_session, resolution, [(c["i"], c["j"]) for c in cells])
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": heatmap.cell_id(resolution, (c["i"], c["j"])),
         "geometry": json.loads(shapes[(c["i"], c["j"])]),
         "properties": {**c, "id": heatmap.cell_id(resolution, (c["i"], c["j"])),
                        "summary": term_changes.sentence(c)}}
        for c in cells]}


def _placed(db_session: Session, resolution: int, rows: list[dict],
            collection: dict) -> list[dict]:
    """The rows with their hexagon's id and the ward at its centre."""
    shapes = {f["id"]: f["geometry"] for f in collection["features"]}
    placed = []
    for row in rows:
        cell_id = heatmap.cell_id(resolution, (row["i"], row["j"]))
        centre = shapely.geometry.shape(shapes[cell_id]).centroid
        placed.append({**row, "id": cell_id,
                       "ward": queries.ward_at(db_session, centre.x, centre.y)})
    return placed

"""The borough heatmap: exact counts in, published (suppressed, rounded) cells out."""

import json
from dataclasses import dataclass

from flask import current_app
from sqlalchemy.orm import Session

from core.errors import Forbidden, InvalidInput
from havens import queries as haven_queries
from mapping import queries, terms, vocabulary
from mapping.publication import Rule, publishable, rate, rounded

YEAR_BANDS = {"primary": (1, 6), "years_7_9": (7, 9), "years_10_13": (10, 13)}


@dataclass(frozen=True)
class Question:
    """One allowed heatmap question: whole terms and fixed categories only."""

    borough_id: int
    resolution: int
    kind: str = "unsafe"
    term: str | None = None
    reason: str | None = None
    time: str | None = None
    years: str | None = None

    def filters(self) -> dict:
        """The active filters, as the queries expect them."""
        active = {"term": self.term, "reason": self.reason, "time": self.time,
                  "years": YEAR_BANDS.get(self.years) if self.years else None}
        return {name: value for name, value in active.items() if value is not None}


def borough_for(db_session: Session, user, code: str | None) -> int:
    """The borough a heatmap question is about: a planner's own (asking for another is
    refused); an admin names one."""
    codes = haven_queries.borough_ids_by_code(db_session)
    if user.role == "planner":
        if code and codes.get(code) != user.borough_id:
            raise Forbidden("Planners see their own borough only.")
        return user.borough_id
    if not code:
        raise InvalidInput("Say which borough (borough=E09000023).", field="borough")
    if code not in codes:
        raise InvalidInput(f"Unknown borough: {code}.", field="borough")
    return codes[code]


def rule_for_planners() -> Rule:
    """The configured publication thresholds."""
    config = current_app.config
    return Rule(config["PRIVACY_MIN_PUPILS"], config["PRIVACY_MIN_SCHOOLS"],
                config["PRIVACY_ROUND_TO"])


def check(question: Question, db_session: Session) -> None:
    """Refuse a question that names something that does not exist, with a clear message."""
    if question.resolution not in queries.RESOLUTIONS:
        raise InvalidInput(f"cell must be one of {', '.join(map(str, queries.RESOLUTIONS))} "
                           "(metres).", field="cell")
    if question.resolution < current_app.config["PRIVACY_MIN_CELL_M"]:
        raise InvalidInput(f"Cells smaller than {current_app.config['PRIVACY_MIN_CELL_M']} m "
                           "are not published.", field="cell")
    if question.kind not in vocabulary.KINDS:
        raise InvalidInput("kind must be unsafe or safe.", field="kind")
    if question.reason and question.reason not in vocabulary.reasons_for(question.kind):
        raise InvalidInput(f"Unknown reason for {question.kind} places: {question.reason}.",
                           field="reason")
    if question.time and question.time not in vocabulary.TIMES:
        raise InvalidInput(f"Unknown time of day: {question.time}.", field="time")
    if question.years and question.years not in YEAR_BANDS:
        raise InvalidInput(f"year must be one of {', '.join(YEAR_BANDS)}.", field="year")
    if question.term and (not terms.is_term(question.term) or question.term not in
                          queries.terms_with_maps(db_session, question.borough_id)):
        raise InvalidInput(f"Unknown term: {question.term} (terms look like 2026-autumn).",
                           field="term")


def published_cells(*, db_session: Session, question: Question, rule: Rule) -> list[dict]:
    """Cells that pass the publication rule, with rounded counts and rates."""
    check(question, db_session)
    filters = question.filters()
    _names, rows = queries.heat_counts(db_session, borough_id=question.borough_id,
                                       resolution=question.resolution, kind=question.kind,
                                       filters=filters)
    cover = queries.coverage(db_session, borough_id=question.borough_id,
                             resolution=question.resolution, filters=filters)
    cells = []
    for row in rows:
        counts = [getattr(row, f"p{k}") for k in range(1 << len(filters))]
        covered = cover.get((row.i, row.j), 0)
        if covered >= rule.min_pupils and publishable(counts, row.schools, rule):
            pupils, coverage = rounded(counts[-1], rule.round_to), rounded(covered, rule.round_to)
            cells.append({"i": row.i, "j": row.j, "pupils": pupils, "coverage": coverage,
                          "rate": rate(pupils, coverage)})
    return cells


def feature_collection(*, db_session: Session, question: Question, cells: list[dict]) -> dict:
    """Published cells as GeoJSON (lon/lat hexagons)."""
    shapes = queries.hexagon_geojson(db_session, question.resolution,
                                     [(c["i"], c["j"]) for c in cells])
    features = [{"type": "Feature", "id": f"{question.resolution}:{c['i']}:{c['j']}",
                 "geometry": json.loads(shapes[(c["i"], c["j"])]),
                 "properties": {"kind": question.kind, "pupils": c["pupils"],
                                "coverage": c["coverage"], "rate": c["rate"]}} for c in cells]
    return {"type": "FeatureCollection", "features": features,
            "filters": {"kind": question.kind, "term": question.term, "reason": question.reason,
                        "time": question.time, "year": question.years,
                        "cell": question.resolution}}

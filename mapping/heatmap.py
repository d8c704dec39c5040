"""The heatmap: exact counts in, published (suppressed, rounded) cells out.

One `Question` is one allowed view: whole terms and fixed categories, for the whole borough, for
one school (the school's own view, with its lower threshold) or for every school but one (what a
school compares itself with). Net cells and equal weighting are computed from the published
counts (and, for weighting, the schools' shares of cells that are already published).
"""

import json
from collections import defaultdict
from dataclasses import dataclass, replace

from flask import current_app
from sqlalchemy.orm import Session

from core.errors import Forbidden, InvalidInput, NotFound
from havens import queries as haven_queries
from mapping import kept, queries, terms, vocabulary
from mapping.publication import Rule, net_share, publishable, rate, rounded, stepped

YEAR_BANDS = {"primary": (1, 6), "years_7_9": (7, 9), "years_10_13": (10, 13)}
KINDS = ("unsafe", "safe", "net")
WEIGHTINGS = ("pupils", "schools")
Cell = tuple[int, int]


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
    weighting: str = "pupils"
    school_id: int | None = None  # only this school (a school's own view)
    other_than: int | None = None  # every school but this one (what a school compares with)

    def filters(self) -> dict:
        """The active filters, as the queries expect them."""
        active = {"term": self.term, "reason": self.reason, "time": self.time,
                  "years": YEAR_BANDS.get(self.years) if self.years else None}
        return {name: value for name, value in active.items() if value is not None}

    def scope(self, cell: Cell | None = None) -> dict:
        """Which schools (and optionally which one cell) the counts come from."""
        return {"school_id": self.school_id, "other_than": self.other_than, "cell": cell}

    def described(self) -> dict:
        """The question's filters as they are echoed back in answers and exports."""
        return {"kind": self.kind, "term": self.term, "reason": self.reason, "time": self.time,
                "year": self.years, "cell": self.resolution, "weighting": self.weighting}


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


def borough_terms(db_session: Session, borough_id: int) -> list[str]:
    """Terms a borough-wide question may name: those with pupils' maps and the kept ones
    (whose maps are past the retention period), newest first."""
    found = set(queries.terms_with_maps(db_session, borough_id)) | kept.terms(db_session,
                                                                             borough_id)
    return sorted(found, key=terms.chronological, reverse=True)


def published_sizes(rule: Rule) -> list[int]:
    """The cell sizes a rule lets out (planners: 100, 150 and 250 m)."""
    return [size for size in queries.RESOLUTIONS if size >= rule.min_cell_m]


def rule_for_planners() -> Rule:
    """The configured thresholds for anything seen beyond a school."""
    config = current_app.config
    return Rule(config["PRIVACY_MIN_PUPILS"], config["PRIVACY_MIN_SCHOOLS"],
                config["PRIVACY_ROUND_TO"], config["PRIVACY_MIN_CELL_M"])


def rule_for_school() -> Rule:
    """The thresholds for a school's view of its own pupils' maps."""
    config = current_app.config
    return Rule(config["PRIVACY_SCHOOL_MIN_PUPILS"], 1, config["PRIVACY_ROUND_TO"], 50)


def check(question: Question, db_session: Session, rule: Rule) -> None:
    """Refuse a question that names something that does not exist, with a clear message."""
    if question.resolution not in queries.RESOLUTIONS:
        raise InvalidInput(f"cell must be one of {', '.join(map(str, queries.RESOLUTIONS))} "
                           "(metres).", field="cell")
    if question.resolution < rule.min_cell_m:
        raise InvalidInput(f"Cells smaller than {rule.min_cell_m} m are not shown here.",
                           field="cell")
    if question.kind not in KINDS:
        raise InvalidInput("kind must be unsafe, safe or net.", field="kind")
    if question.weighting not in WEIGHTINGS:
        raise InvalidInput("weighting must be pupils or schools.", field="weighting")
    if question.kind == "net" and question.reason:
        raise InvalidInput("Reasons belong to unsafe or safe places: choose kind=unsafe or "
                           "kind=safe to filter by reason.", field="reason")
    if question.reason and question.reason not in vocabulary.reasons_for(question.kind):
        raise InvalidInput(f"Unknown reason for {question.kind} places: {question.reason}.",
                           field="reason")
    if question.time and question.time not in vocabulary.TIMES:
        raise InvalidInput(f"Unknown time of day: {question.time}.", field="time")
    if question.years and question.years not in YEAR_BANDS:
        raise InvalidInput(f"year must be one of {', '.join(YEAR_BANDS)}.", field="year")
    if question.term:
        _check_term(question, db_session)


def _check_term(question: Question, db_session: Session) -> None:
    unknown = InvalidInput(f"Unknown term: {question.term} (terms look like 2026-autumn).",
                           field="term")
    if not terms.is_term(question.term):
        raise unknown
    if question.term in queries.terms_with_maps(db_session, question.borough_id):
        return
    if question.term not in kept.terms(db_session, question.borough_id):
        raise unknown
    if not kept.answers(question):
        raise InvalidInput(f"The pupils' maps of {terms.label(question.term)} were deleted "
                           "after the retention period; only the borough's published heatmap "
                           "of that term is kept.", field="term")


def _published_kind(db_session: Session, question: Question, rule: Rule,
                    cell: Cell | None = None, counts=queries) -> dict[Cell, dict]:
    """Unsafe or safe cells that pass the rule, with rounded pupils, coverage and rate."""
    if kept.holds(db_session, question):
        return kept.heat_cells(db_session, question, "pupils", cell)
    return counted_kind(db_session, question, rule, cell, counts)[0]


def counted_kind(db_session: Session, question: Question, rule: Rule,
                 cell: Cell | None = None, counts=queries) -> tuple[dict[Cell, dict], bool]:
    """Unsafe or safe cells counted from the pupils' maps, and whether any cell had enough
    pupils, schools and coverage to publish before the differencing check (when none had, no
    question with more filters can publish a cell either).

    `counts` gives `heat_counts`, `coverage` and `heat_counts_by_school` as mapping.queries
    does (the default); the retention purge passes counts it made for a whole term at once."""
    filters = question.filters()
    _names, rows = counts.heat_counts(db_session, borough_id=question.borough_id,
                                      resolution=question.resolution, kind=question.kind,
                                      filters=filters, scope=question.scope(cell))
    cover = counts.coverage(db_session, borough_id=question.borough_id,
                            resolution=question.resolution, filters=filters,
                            scope=question.scope(cell))
    cells, viable = {}, False
    for row in rows:
        by_relaxation = [getattr(row, f"p{k}") for k in range(1 << len(filters))]
        covered = cover.get((row.i, row.j), 0)
        if covered < rule.min_pupils or by_relaxation[-1] < rule.min_pupils \
                or row.schools < rule.min_schools:
            continue
        viable = True
        if publishable(by_relaxation, row.schools, rule):
            pupils = rounded(by_relaxation[-1], rule.round_to)
            coverage = rounded(covered, rule.round_to)
            cells[(row.i, row.j)] = {"i": row.i, "j": row.j, "pupils": pupils,
                                     "coverage": coverage, "rate": rate(pupils, coverage)}
    return cells, viable


def _published_net(db_session: Session, question: Question, rule: Rule,
                   cell: Cell | None = None, counts=queries) -> dict[Cell, dict]:
    """Cells where unsafe or safe marks are published; a side that is not counts as none."""
    unsafe = _published_kind(db_session, replace(question, kind="unsafe"), rule, cell, counts)
    safe = _published_kind(db_session, replace(question, kind="safe"), rule, cell, counts)
    cells = {}
    for key in unsafe.keys() | safe.keys():
        u, s = unsafe.get(key, {}).get("pupils", 0), safe.get(key, {}).get("pupils", 0)
        coverage = (unsafe.get(key) or safe[key])["coverage"]
        cells[key] = {"i": key[0], "j": key[1], "unsafe": u, "safe": s, "coverage": coverage,
                      "net": net_share(u, s, coverage)}
    return cells


def _weigh_schools_equally(db_session: Session, question: Question, cells: dict[Cell, dict],
                           cell: Cell | None = None, counts=queries) -> None:
    """Replace each published cell's share by the mean of its schools' shares (each school
    whose pupils could have marked the cell counts once), rounded to 0.05."""
    if not cells:
        return
    args = {"borough_id": question.borough_id, "resolution": question.resolution,
            "filters": question.filters(), "scope": question.scope(cell)}
    schools_by_cell = defaultdict(list)
    for (i, j, school), covered in counts.coverage(db_session, by_school=True, **args).items():
        schools_by_cell[(i, j)].append((school, covered))
    sides = ("unsafe", "safe") if question.kind == "net" else (question.kind,)
    marks = {side: counts.heat_counts_by_school(db_session, kind=side, **args) for side in sides}
    for key, published in cells.items():
        shares = []
        for school, covered in schools_by_cell[key]:
            if question.kind == "net":  # a side counts only where it is itself published
                u = marks["unsafe"].get((*key, school), 0) if published["unsafe"] else 0
                s = marks["safe"].get((*key, school), 0) if published["safe"] else 0
                shares.append((u - s) / covered)
            else:
                shares.append(marks[question.kind].get((*key, school), 0) / covered)
        value = stepped(sum(shares) / len(shares)) if shares else None
        published["net" if question.kind == "net" else "rate"] = value


def _answer(db_session: Session, question: Question, rule: Rule,
            cell: Cell | None = None) -> dict[Cell, dict]:
    if question.weighting == "schools" and kept.holds(db_session, question):
        return kept.heat_cells(db_session, question, "schools", cell)
    return answer_from_maps(db_session, question, rule, cell)


def answer_from_maps(db_session: Session, question: Question, rule: Rule,
                     cell: Cell | None = None, counts=queries) -> dict[Cell, dict]:
    """A question's published cells (unsafe, safe or net; either weighting) by (i, j), counted
    as in `counted_kind`."""
    finder = _published_net if question.kind == "net" else _published_kind
    cells = finder(db_session, question, rule, cell, counts)
    if question.weighting == "schools":
        _weigh_schools_equally(db_session, question, cells, cell, counts)
    return cells


def published_cells(*, db_session: Session, question: Question, rule: Rule) -> list[dict]:
    """Cells that pass the publication rule, with rounded counts and their share."""
    check(question, db_session, rule)
    return sorted(_answer(db_session, question, rule).values(), key=lambda c: (c["i"], c["j"]))


def _breakdown(db_session: Session, question: Question, rule: Rule, cell: Cell,
               field: str, options: dict) -> list[dict]:
    """Published counts for each answer to one question (reason or time), most first."""
    items = []
    for key, label in options.items():
        found = _published_kind(db_session, replace(question, **{field: key}), rule, cell)
        if cell in found:
            items.append({"key": key, "label": label, "pupils": found[cell]["pupils"]})
    return sorted(items, key=lambda item: -item["pupils"])


def cell_details(*, db_session: Session, question: Question, rule: Rule, cell: Cell) -> dict:
    """One published cell's numbers with its top reasons and times; each breakdown is itself an
    allowed question, so an answer too small to publish is left out, never shown small."""
    check(question, db_session, rule)
    found = _answer(db_session, question, rule, cell).get(cell)
    if found is None:
        raise NotFound("This hexagon has too few answers to show.")
    if question.kind == "net":  # each side's published count; 0 when it is not published
        sides = [side for side in ("unsafe", "safe") if found[side]]
    else:
        sides = [question.kind]
    details = {}
    for side in sides:
        asked = replace(question, kind=side, weighting="pupils")
        details[side] = {
            "reasons": [] if asked.reason else _breakdown(
                db_session, asked, rule, cell, "reason", vocabulary.reasons_for(side)),
            "times": [] if asked.time else _breakdown(
                db_session, asked, rule, cell, "time", vocabulary.TIMES)}
    return {"id": cell_id(question.resolution, cell), **found, "kind": question.kind,
            "weighting": question.weighting, "breakdown": details}


def cell_id(resolution: int, cell: Cell) -> str:
    """A cell's stable id: size, then its grid indices."""
    return f"{resolution}:{cell[0]}:{cell[1]}"


def feature_collection(*, db_session: Session, question: Question, cells: list[dict]) -> dict:
    """Published cells as GeoJSON (lon/lat hexagons)."""
    shapes = queries.hexagon_geojson(db_session, question.resolution,
                                     [(c["i"], c["j"]) for c in cells])
    features = []
    for c in cells:
        properties = {key: value for key, value in c.items() if key not in ("i", "j")}
        features.append({"type": "Feature", "id": cell_id(question.resolution, (c["i"], c["j"])),
                         "geometry": json.loads(shapes[(c["i"], c["j"])]),
                         "properties": {"kind": question.kind, "cell_m": question.resolution,
                                        "weighting": question.weighting, **properties}})
    return {"type": "FeatureCollection", "features": features, "filters": question.described()}

"""A school's own heatmap (all its sessions, its lower threshold) and how it compares with
the other schools of its borough.

The comparison is with *other* schools, never the whole borough: a teacher knows their own
pupils' answers, so "borough minus my school" would reveal the other schools' small groups.
The other schools' numbers therefore pass the borough rule on their own.
"""

from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from mapping import heatmap, queries, vocabulary
from mapping.publication import Rule, publishable, rate, rounded

COMPARE_MIN_CELL_M = 100


@dataclass(frozen=True)
class Share:
    """How many pupils gave one answer, rounded, and their share of those taking part."""

    pupils: int
    share: float | None


@dataclass(frozen=True)
class Row:
    """One answer (a reason or a time), for this school and for the other schools."""

    key: str
    label: str
    school: Share | None  # None: too few to show
    others: Share | None


def questions(question: heatmap.Question, school_id: int) -> tuple[heatmap.Question,
                                                                   heatmap.Question]:
    """The school's own question and the other schools' question it is compared with."""
    own = replace(question, school_id=school_id, other_than=None, weighting="pupils")
    others = replace(question, school_id=None, other_than=school_id, weighting="pupils",
                     resolution=max(question.resolution, COMPARE_MIN_CELL_M))
    return own, others


def layers(*, db_session: Session, question: heatmap.Question, school_id: int,
           school_rule: Rule, borough_rule: Rule) -> dict:
    """The school's cells and the other schools' cells, as GeoJSON; a school cell also
    carries the other schools' share where both are published at the same size."""
    own, others = questions(question, school_id)
    mine = heatmap.published_cells(db_session=db_session, question=own, rule=school_rule)
    theirs = heatmap.published_cells(db_session=db_session, question=others, rule=borough_rule)
    if own.resolution == others.resolution:
        by_cell = {(c["i"], c["j"]): c["rate"] for c in theirs}
        for cell in mine:
            cell["others_rate"] = by_cell.get((cell["i"], cell["j"]))
    return {"school": heatmap.feature_collection(db_session=db_session, question=own,
                                                 cells=mine),
            "others": heatmap.feature_collection(db_session=db_session, question=others,
                                                 cells=theirs)}


def _share(counts: tuple[int, int] | None, total_kind: int, taking_part: int,
           rule: Rule) -> Share | None:
    if not counts or not publishable([total_kind, counts[0]], counts[1], rule):
        return None
    pupils = rounded(counts[0], rule.round_to)
    return Share(pupils, rate(pupils, rounded(taking_part, rule.round_to)))


def comparison(*, db_session: Session, question: heatmap.Question, school_id: int,
               column: str, school_rule: Rule, borough_rule: Rule) -> list[Row]:
    """Each answer's share of pupils at this school and at the other schools, most first."""
    scopes = {"school": ({"school_id": school_id}, school_rule),
              "others": ({"other_than": school_id}, borough_rule)}
    shares: dict[str, dict[str, Share | None]] = {}
    for name, (scope, rule) in scopes.items():
        counts = queries.answer_counts(db_session, borough_id=question.borough_id,
                                       kind=question.kind, column=column, term=question.term,
                                       **scope)
        taking_part, _schools = queries.pupils_taking_part(
            db_session, borough_id=question.borough_id, term=question.term, **scope)
        total_kind = counts.get("*", (0, 0))[0]
        shares[name] = {key: _share(counts.get(key), total_kind, taking_part, rule)
                        for key in counts if key != "*"}
    options = (vocabulary.reasons_for(question.kind) if column == "reasons"
               else vocabulary.TIMES)
    rows = [Row(key, label, shares["school"].get(key), shares["others"].get(key))
            for key, label in options.items()]
    return sorted(rows, key=lambda r: -((r.school.pupils if r.school else 0) * 1000
                                        + (r.others.pupils if r.others else 0)))


def headline(layers_: dict) -> dict:
    """How many of the school's hexagons show a bigger share than at other schools."""
    compared = [f["properties"] for f in layers_["school"]["features"]
                if f["properties"].get("others_rate") is not None]
    return {"cells": len(layers_["school"]["features"]), "compared": len(compared),
            "higher": sum(1 for p in compared if p["rate"] > p["others_rate"])}

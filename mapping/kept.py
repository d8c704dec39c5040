"""Answers kept for terms whose pupil maps were deleted after the retention period (reading).

A kept term answers borough-wide questions from what was published before its maps went (see
mapping.retention); a school's own view of it has nothing left to show.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from mapping.kept_models import KeptHeatAnswer, KeptHotSpots, KeptTerm

Cell = tuple[int, int]


def terms(db_session: Session, borough_id: int) -> set[str]:
    """The borough's kept terms."""
    return set(db_session.scalars(select(KeptTerm.term).where(KeptTerm.borough_id == borough_id)))


def answers(question) -> bool:
    """Whether a heatmap question is one a kept term can answer (borough-wide, one term)."""
    return bool(question.term) and question.school_id is None and question.other_than is None


def holds(db_session: Session, question) -> bool:
    """Whether a heatmap question is answered from a kept term's stored answers."""
    return answers(question) and question.term in terms(db_session, question.borough_id)


def heat_cells(db_session: Session, question, weighting: str,
               cell: Cell | None = None) -> dict[Cell, dict]:
    """A kept question's published cells by (i, j), or only `cell`; none when none were."""
    stored = db_session.scalar(select(KeptHeatAnswer.cells).where(
        KeptHeatAnswer.borough_id == question.borough_id, KeptHeatAnswer.term == question.term,
        KeptHeatAnswer.resolution == question.resolution, KeptHeatAnswer.kind == question.kind,
        KeptHeatAnswer.weighting == weighting, KeptHeatAnswer.reason == (question.reason or ""),
        KeptHeatAnswer.time == (question.time or ""),
        KeptHeatAnswer.years == (question.years or "")))
    found = {(c["i"], c["j"]): c for c in stored or []}
    if cell is not None:
        return {cell: found[cell]} if cell in found else {}
    return found


def hot_spots(db_session: Session, question) -> dict | None:
    """A kept hot-spot analysis ({"cells", "areas"} or {"too_little": why}), if kept."""
    return db_session.scalar(select(KeptHotSpots.analysis).where(
        KeptHotSpots.borough_id == question.borough_id, KeptHotSpots.term == question.term,
        KeptHotSpots.resolution == question.resolution,
        KeptHotSpots.years == (question.years or ""), KeptHotSpots.cautious == question.cautious))

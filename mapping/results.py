"""What a class said: the teacher's map, counts, class grid, suggestions and moderation."""

import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import InvalidInput, NotFound
from mapping import queries, vocabulary
from mapping.models import MappingSession, Zone

CLASS_CELL_M = 50


@dataclass
class Tally:
    """How many pupils and zones gave one answer, for safe and unsafe places."""

    key: str
    label: str
    unsafe_pupils: int = 0
    safe_pupils: int = 0
    zones: int = 0


def _labels(column: str, key: str) -> str:
    if column == "reasons":
        return (vocabulary.UNSAFE_REASONS.get(key) or vocabulary.SAFE_REASONS.get(key) or key)
    return {"times": vocabulary.TIMES, "suggestions": vocabulary.SUGGESTIONS}[column].get(key, key)


def tallies(*, db_session: Session, session_id: int, column: str) -> list[Tally]:
    """Answers to one question (reasons, times or suggestions), most pupils first."""
    by_key: dict[str, Tally] = {}
    for row in queries.counts_by(db_session, session_id, column):
        tally = by_key.setdefault(row.value, Tally(row.value, _labels(column, row.value)))
        setattr(tally, f"{row.kind}_pupils", row.pupils)
        tally.zones += row.zones
    return sorted(by_key.values(), key=lambda t: -(t.unsafe_pupils + t.safe_pupils))


def _shown(state: str, board: bool) -> bool:
    return state == "approved" if board else state in ("pending", "approved")


def visible_text(zone: Zone, board: bool) -> tuple[str | None, str | None]:
    """A zone's comment and 'other' idea: approved only on the board; never once hidden."""
    comment = zone.comment if _shown(zone.comment_state, board) else None
    other = zone.suggestion_other if _shown(zone.other_state, board) else None
    return comment, other


def zone_collection(*, db_session: Session, session_id: int, board: bool) -> dict:
    """The class's zones as GeoJSON; on the board, unapproved text is left out."""
    features = []
    for row in queries.zone_features(db_session, session_id):
        zone = row.Zone
        comment, other = visible_text(zone, board)
        features.append({"type": "Feature", "geometry": json.loads(row.drawn), "properties": {
            "kind": zone.kind, "shape": zone.shape,
            "reasons": [_labels("reasons", r) for r in zone.reasons],
            "times": [_labels("times", t) for t in zone.times],
            "suggestions": [_labels("suggestions", s) for s in zone.suggestions],
            "suggestion_other": other, "comment": comment}})
    return {"type": "FeatureCollection", "features": features}


def class_grid(*, db_session: Session, session_id: int) -> list[dict]:
    """The class heat grid: 50 m hexagons with how many pupils marked each unsafe or safe."""
    return [{"geometry": json.loads(row.geometry), "unsafe": row.unsafe, "safe": row.safe}
            for row in queries.class_grid(db_session, session_id, CLASS_CELL_M)]


def moderation_queue(*, db_session: Session, session_id: int) -> list[Zone]:
    """Zones whose comment or 'other' suggestion waits for the teacher."""
    return list(db_session.scalars(select(Zone).where(
        Zone.session_id == session_id,
        (Zone.comment_state == "pending") | (Zone.other_state == "pending"))
        .order_by(Zone.id)))


def pupil_text(*, db_session: Session, session_id: int, board: bool) -> list[dict]:
    """Comments and 'other' suggestions (approved only on the board)."""
    rows = []
    for zone in db_session.scalars(select(Zone).where(Zone.session_id == session_id)
                                   .order_by(Zone.id)):
        comment, other = visible_text(zone, board)
        for kind, text, state in (("comment", comment, zone.comment_state),
                                  ("suggestion", other, zone.other_state)):
            if text:
                rows.append({"zone": zone, "kind": kind, "text": text, "state": state})
    return rows


def moderate(*, db_session: Session, mapping_session: MappingSession, zone_id: int, what: str,
             decision: str) -> Zone:
    """Approve or hide a zone's comment or 'other' suggestion."""
    zone = db_session.get(Zone, zone_id)
    if zone is None or zone.session_id != mapping_session.id:
        raise NotFound("There is no such answer in this session.")
    if what not in ("comment", "suggestion") or decision not in ("approved", "hidden"):
        raise InvalidInput("Choose approve or hide.", field="decision")
    column = "comment_state" if what == "comment" else "other_state"
    if getattr(zone, column) == "none":
        raise InvalidInput("There is nothing to moderate there.", field="what")
    setattr(zone, column, decision)
    db_session.commit()
    return zone

"""Receiving pupils' maps: whole or not at all, once per Idempotency-Key."""

import hashlib

import shapely
from shapely import wkt as shapely_wkt
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.errors import AppError, InvalidInput, Unprocessable
from core.geo import work_srid
from mapping import aggregates, queries, submission
from mapping.models import MappingSession, PupilMap, SubmissionKey, Zone

THANKS = "Thank you! Your map has been sent."


class KeyReused(AppError):
    """The same Idempotency-Key came back with a different map."""

    status, code = 422, "idempotency_key_reused"


def _digest(*parts: bytes) -> str:
    return hashlib.sha256(b"\0".join(parts)).hexdigest()


def _check_key(key: str | None) -> str:
    key = (key or "").strip()
    if not 16 <= len(key) <= 200:
        raise InvalidInput("The Idempotency-Key header is missing or too short (16 to 200 "
                           "characters); the drawing page sends one.", field="Idempotency-Key")
    return key


def _key_hash(session_id: int, key: str) -> str:
    return _digest(str(session_id).encode(), key.encode())


def _used_key(db_session: Session, session_id: int, key_hash: str) -> SubmissionKey | None:
    return db_session.scalar(select(SubmissionKey).where(
        SubmissionKey.session_id == session_id, SubmissionKey.key_hash == key_hash))


def _stored_answer(db_session: Session, session_id: int, key_hash: str, body_hash: str):
    used = _used_key(db_session, session_id, key_hash)
    if used is None:
        return None
    if used.body_hash != body_hash:
        raise KeyReused("This map was already sent with different content. Reload the page "
                        "and send it again.", field="Idempotency-Key")
    return used.answer


def submit(*, db_session: Session, mapping_session: MappingSession, raw: bytes,
           key: str | None) -> tuple[dict, bool]:
    """Store one pupil's map (all zones or none); returns (answer, True if it was a repeat)."""
    key = _check_key(key)
    key_hash = _key_hash(mapping_session.id, key)
    body_hash = _digest(raw)
    answer = _stored_answer(db_session, mapping_session.id, key_hash, body_hash)
    if answer is not None:
        return answer, True
    zones = _clean(db_session, mapping_session, raw)
    try:
        answer = _store(db_session, mapping_session, zones, key_hash, body_hash)
    except IntegrityError:  # the same key arrived twice at once: the first one won
        db_session.rollback()
        return _stored_answer(db_session, mapping_session.id, key_hash, body_hash), True
    return answer, False


def map_for_key(db_session: Session, session_id: int, key: str) -> int | None:
    """The pupil map a session's Idempotency-Key stored, if any."""
    used = _used_key(db_session, session_id, _key_hash(session_id, key))
    return used.pupil_map_id if used else None


def _clean(db_session: Session, mapping_session: MappingSession, raw: bytes):
    area = shapely_wkt.loads(queries.area_wkt(db_session, mapping_session.id))
    place_ids = frozenset(place.id for place in mapping_session.places)
    try:
        zones = submission.clean_map(submission.parse_body(raw), area_of_interest=area,
                                     work_srid=work_srid(), place_ids=place_ids)
        return [(zone, _clipped(zone.drawn, area)) for zone in zones]
    except submission.SubmissionError as exc:
        details = [{"zone": exc.zone, "field": exc.field}] if exc.zone else None
        raise Unprocessable(exc.message, field=exc.field, details=details) from exc


def _clipped(drawn, area):
    """What the pupil drew, without any part outside the map area (nothing more is kept)."""
    if drawn is None:
        return None
    inside = shapely.make_valid(drawn).intersection(area)
    return None if inside.is_empty else inside


def _zone_row(db_session: Session, mapping_session: MappingSession, item) -> Zone:
    clean, drawn = item
    area_wkt = (queries.place_area_wkt(db_session, clean.place_id) if clean.place_id
                else clean.area.wkt)
    return Zone(
        session_id=mapping_session.id, borough_id=mapping_session.borough_id,
        number=clean.number, kind=clean.kind, shape=clean.shape,
        drawn=f"SRID=4326;{drawn.wkt}" if drawn is not None else None,
        geom=f"SRID=4326;{area_wkt}", place_id=clean.place_id, reasons=list(clean.reasons),
        times=list(clean.times), suggestions=list(clean.suggestions),
        suggestion_other=clean.suggestion_other,
        other_state="pending" if clean.suggestion_other else "none",
        comment=clean.comment, comment_state="pending" if clean.comment else "none")


def _store(db_session: Session, mapping_session: MappingSession, zones, key_hash: str,
           body_hash: str) -> dict:
    pupil_map = PupilMap(session_id=mapping_session.id, borough_id=mapping_session.borough_id,
                         school_id=mapping_session.school_id,
                         year_group=mapping_session.year_group, term=mapping_session.term,
                         zones=[_zone_row(db_session, mapping_session, z) for z in zones])
    db_session.add(pupil_map)
    db_session.flush()
    aggregates.add_maps(db_session, pupil_map_ids=[pupil_map.id])
    answer = {"received": True, "zones": len(zones), "message": THANKS}
    db_session.add(SubmissionKey(session_id=mapping_session.id, key_hash=key_hash,
                                 body_hash=body_hash, pupil_map_id=pupil_map.id, answer=answer))
    db_session.commit()
    return answer

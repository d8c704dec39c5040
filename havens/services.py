"""Haven registry use cases: create, change, delete, status changes and visits, with audit."""

import difflib
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.accounts.models import User
from core.audit import services as audit
from core.audit.models import AuditEvent
from core.errors import AppError, Forbidden, InvalidInput, NotFound
from havens import hours, queries, rules
from havens.models import Haven, HavenVisit
from havens.presenting import PRIVATE

LONDON = ZoneInfo("Europe/London")
NAME_NOISE = re.compile(r"\b(ltd|limited|plc|the|and|&)\b|[^a-z0-9 ]")


class PossibleDuplicate(AppError):
    """A haven with a similar name is already registered very near."""

    status, code = 409, "possible_duplicate"


def now() -> datetime:
    """The time in London (havens keep London opening hours)."""
    return datetime.now(LONDON)


def today() -> date:
    """Today's date in London."""
    return now().date()


def setting(name: str) -> int:
    """A haven setting from the app config."""
    return current_app.config[name]


def can_manage(user, borough_id: int) -> bool:
    """Admins manage every haven; workers those of their borough (or all when unscoped)."""
    if not user.is_authenticated:
        return False
    if user.role == "admin":
        return True
    return user.role == "worker" and user.borough_id in (None, borough_id)


def require_manage(user, borough_id: int) -> None:
    if not can_manage(user, borough_id):
        raise Forbidden("This haven is in a borough you do not look after.")


def get_or_raise(*, db_session: Session, haven_id: int) -> Haven:
    """A haven by id, or NotFound."""
    haven = db_session.get(Haven, haven_id)
    if haven is None:
        raise NotFound("There is no haven with that number.")
    return haven


def visible_or_raise(*, db_session: Session, haven_id: int, user) -> Haven:
    """A haven this user may see: active ones for everybody, any for its workers."""
    haven = get_or_raise(db_session=db_session, haven_id=haven_id)
    if haven.status != "active" and not can_manage(user, haven.borough_id):
        raise NotFound("There is no haven with that number.")
    return haven


def _borough_or_raise(db_session: Session, lon: float, lat: float):
    borough = queries.borough_at(db_session, lon, lat)
    if borough is None:
        raise InvalidInput("That place is outside every borough we cover. Check the pin or "
                           "the latitude and longitude.", field="location")
    return borough


def _normalised(name: str) -> str:
    return " ".join(NAME_NOISE.sub(" ", name.lower()).split())


def similar_names(first: str, second: str) -> bool:
    """Whether two business names probably mean the same business."""
    a, b = _normalised(first), _normalised(second)
    if not a or not b:
        return False
    return a in b or b in a or difflib.SequenceMatcher(None, a, b).ratio() >= 0.75


def _check_duplicates(db_session: Session, name: str, lon: float, lat: float) -> None:
    radius = setting("HAVEN_DUPLICATE_RADIUS_M")
    matches = [h for h in queries.havens_near(db_session, lon, lat, radius)
               if similar_names(h.name, name)]
    if matches:
        names = "; ".join(f"{h.name} (number {h.id}, {h.status})" for h in matches)
        raise PossibleDuplicate(f"Possible duplicate: {names} is registered within {radius} m. "
                                "If this is a different business, confirm to save it anyway.",
                                field="name", details=[{"id": h.id, "name": h.name,
                                                        "status": h.status} for h in matches])


def _location_wkt(lon: float, lat: float) -> str:
    return f"SRID=4326;POINT({lon!r} {lat!r})"


def create(*, db_session: Session, data: dict, actor: User) -> Haven:
    """Register a business (as a prospect) after the borough and duplicate checks."""
    haven = add_haven(db_session=db_session, data=data, actor=actor)
    db_session.commit()
    return haven


def add_haven(*, db_session: Session, data: dict, actor: User) -> Haven:
    """Add a new prospect to the session (checked, audited, not yet committed)."""
    data = dict(data)
    lon, lat = data.pop("lon"), data.pop("lat")
    confirm_duplicate = data.pop("confirm_duplicate", False)
    borough = _borough_or_raise(db_session, lon, lat)
    require_manage(actor, borough.id)
    if not confirm_duplicate:
        _check_duplicates(db_session, data["name"], lon, lat)
    opening = data.pop("opening_hours", None) or hours.EMPTY
    haven = Haven(**data, borough_id=borough.id, location=_location_wkt(lon, lat),
                  opening_hours=hours.to_json(opening), status="prospect",
                  status_changed_on=today(), created_by_id=actor.id, updated_by_id=actor.id)
    for flag in ("sticker_displayed", "sells_knives", "responsible_retailer_signed"):
        setattr(haven, flag, bool(data.get(flag)))
    db_session.add(haven)
    db_session.flush()
    _audit(db_session, haven, actor, "haven.create", {"name": haven.name})
    return haven


def _comparable(value):
    return value.isoformat() if isinstance(value, date) else value


def _changes(haven: Haven, data: dict) -> dict:
    changed = {}
    for key, value in data.items():
        old = getattr(haven, key)
        if _comparable(old) != _comparable(value):
            changed[key] = "(private)" if key in PRIVATE else [_comparable(old),
                                                               _comparable(value)]
    return changed


def update(*, db_session: Session, haven_id: int, data: dict, actor: User) -> Haven:
    """Change a haven's details; moving it re-derives its borough."""
    haven = get_or_raise(db_session=db_session, haven_id=haven_id)
    require_manage(actor, haven.borough_id)
    data = dict(data)
    data.pop("confirm_duplicate", None)
    moved = "lon" in data or "lat" in data
    if moved:
        lon, lat = queries.lon_lat(db_session, haven.id)
        lon, lat = data.pop("lon", lon), data.pop("lat", lat)
        borough = _borough_or_raise(db_session, lon, lat)
        require_manage(actor, borough.id)
    if "opening_hours" in data:
        data["opening_hours"] = hours.to_json(data["opening_hours"] or hours.EMPTY)
    changed = _changes(haven, data)
    for key, value in data.items():
        setattr(haven, key, value)
    if moved:
        haven.borough_id, haven.location = borough.id, _location_wkt(lon, lat)
        changed["location"] = "moved"
    haven.updated_by_id = actor.id
    _audit(db_session, haven, actor, "haven.update", {"changed": changed})
    db_session.commit()
    return haven


def delete(*, db_session: Session, haven_id: int, actor: User) -> None:
    """Delete a haven and its visits (the audit log keeps its name)."""
    haven = get_or_raise(db_session=db_session, haven_id=haven_id)
    require_manage(actor, haven.borough_id)
    _audit(db_session, haven, actor, "haven.delete", {"name": haven.name,
                                                       "status": haven.status})
    db_session.delete(haven)
    db_session.commit()


def change_status(*, db_session: Session, haven_id: int, status: str, reason: str | None,
                  actor: User) -> Haven:
    """Move a haven to another status by hand, within the life-cycle rules."""
    haven = get_or_raise(db_session=db_session, haven_id=haven_id)
    require_manage(actor, haven.borough_id)
    rules.check_transition(haven.status, status)
    if status == "withdrawn" and not reason:
        raise InvalidInput("Say why the haven is withdrawn.", field="reason")
    old = haven.status
    haven.status, haven.status_reason, haven.status_changed_on = status, reason, today()
    if status == "active" and haven.next_visit_due is None:
        # Activated by hand (signed up on paper): it counts as verified today.
        haven.joined_on = haven.joined_on or today()
        haven.last_verified_on = haven.last_verified_on or today()
        haven.next_visit_due = rules.add_months(haven.last_verified_on,
                                                setting("HAVEN_VISIT_INTERVAL_MONTHS"))
    haven.updated_by_id = actor.id
    _audit(db_session, haven, actor, "haven.status", {"changed": {"status": [old, status]},
                                                       "reason": reason})
    db_session.commit()
    return haven


def log_visit(*, db_session: Session, haven_id: int, data: dict, actor: User) -> HavenVisit:
    """Record a visit; its outcome moves the status and the dates."""
    haven = get_or_raise(db_session=db_session, haven_id=haven_id)
    require_manage(actor, haven.borough_id)
    visited_on = data.get("visited_on") or today()
    change = rules.visit_change(status=haven.status, outcome=data["outcome"], on=visited_on,
                                interval_months=setting("HAVEN_VISIT_INTERVAL_MONTHS"),
                                joined_on=haven.joined_on)
    old_status = haven.status
    _apply(haven, change, visited_on, data.get("staff_briefed_count"))
    visit = HavenVisit(haven_id=haven.id, borough_id=haven.borough_id, visited_on=visited_on,
                       worker_id=actor.id, outcome=data["outcome"],
                       staff_briefed_count=data.get("staff_briefed_count"),
                       notes=data.get("notes"))
    db_session.add(visit)
    haven.updated_by_id = actor.id
    _audit(db_session, haven, actor, "haven.visit", {
        "outcome": data["outcome"], "visited_on": visited_on.isoformat(),
        "changed": {"status": [old_status, haven.status]} if old_status != haven.status else {}})
    db_session.commit()
    return visit


def _apply(haven: Haven, change: rules.Change, visited_on: date, briefed: int | None) -> None:
    if change.status:
        haven.status, haven.status_reason = change.status, change.reason
        haven.status_changed_on = visited_on
    if change.joined_on:
        haven.joined_on = change.joined_on
    if change.last_verified_on and (haven.last_verified_on is None
                                    or change.last_verified_on >= haven.last_verified_on):
        haven.last_verified_on = change.last_verified_on
        haven.next_visit_due = change.next_visit_due
    if change.sticker_displayed is not None:
        haven.sticker_displayed = change.sticker_displayed
    if change.staff_briefed_on:
        haven.staff_briefed_on = change.staff_briefed_on
        haven.staff_briefed_count = briefed if briefed is not None else haven.staff_briefed_count


def _audit(db_session: Session, haven: Haven, actor: User | None, action: str,
           detail: dict) -> None:
    audit.record(db_session=db_session, action=action, user_id=actor.id if actor else None,
                 object_type="haven", object_id=haven.id, borough_id=haven.borough_id,
                 detail=detail)


def history(*, db_session: Session, haven_id: int) -> list:
    """The haven's audit trail (newest first) with who did each thing."""
    query = (select(AuditEvent, User.email).outerjoin(User, User.id == AuditEvent.user_id)
             .where(AuditEvent.object_type == "haven", AuditEvent.object_id == str(haven_id))
             .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()))
    return db_session.execute(query).all()

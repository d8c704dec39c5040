"""Class sessions: teachers create and run them; pupils join them with a code."""

from datetime import UTC, datetime, timedelta

from shapely import wkt as shapely_wkt
from shapely.geometry import shape
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.accounts.models import User
from core.audit import services as audit
from core.errors import Forbidden, InvalidInput, NotFound
from core.geo import as_multipolygon
from core.places.models import School
from mapping import codes, queries, terms
from mapping.models import MappingSession, NamedPlace

DEFAULT_RADIUS_M = 1500
MAX_LENGTH = timedelta(days=30)
AREA_KM2 = (0.05, 30.0)
CODE_NOT_WORKING = "That code does not work. Check it with your teacher and try again."


def now() -> datetime:
    """The current time (UTC)."""
    return datetime.now(UTC)


def is_open(mapping_session: MappingSession, at: datetime | None = None) -> bool:
    """Whether pupils can join and send maps now."""
    at = at or now()
    return (mapping_session.closed_at is None
            and mapping_session.opens_at <= at < mapping_session.closes_at)


def schools_for(db_session: Session, user: User) -> list[School]:
    """The schools a user may run sessions for, by name: a teacher's own; any for admins."""
    if user.role == "admin":
        return list(db_session.scalars(select(School).order_by(School.name).limit(1000)))
    return sorted(user.schools, key=lambda school: school.name)


def _teacher_school(db_session: Session, teacher: User, urn: int) -> School:
    school = db_session.scalar(select(School).where(School.urn == urn))
    if school is None:
        raise InvalidInput(f"There is no school with URN {urn}.", field="school")
    if teacher.role != "admin" and school not in teacher.schools:
        raise Forbidden("You can only create sessions for your own schools.")
    return school


def _area_wkt(db_session: Session, school: School, area: dict | None) -> str:
    if area is None:
        return queries.default_area_wkt(db_session, school.id, DEFAULT_RADIUS_M)
    try:
        polygon = as_multipolygon(shape(area))
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        raise InvalidInput("The map area is not a polygon.", field="area") from exc
    if polygon is None:
        raise InvalidInput("The map area is not a polygon.", field="area")
    wkt = polygon.wkt
    size = queries.area_km2(db_session, wkt)
    if not AREA_KM2[0] <= size <= AREA_KM2[1]:
        raise InvalidInput(f"The map area must be between {AREA_KM2[0]} and {AREA_KM2[1]} km² "
                           f"(it is {size:.2f} km²).", field="area")
    if queries.school_distance_m(db_session, school.id, wkt) > 2000:
        raise InvalidInput("The map area must be around the school.", field="area")
    return wkt


def _check_times(opens_at: datetime, closes_at: datetime) -> None:
    if closes_at <= opens_at:
        raise InvalidInput("The session must close after it opens.", field="closes_at")
    if closes_at - opens_at > MAX_LENGTH:
        raise InvalidInput("A session can last at most 30 days.", field="closes_at")
    if closes_at <= now():
        raise InvalidInput("The closing time has already passed.", field="closes_at")


def create_session(*, db_session: Session, teacher: User, school_urn: int, class_label: str,
                   year_group: int, opens_at: datetime | None = None,
                   closes_at: datetime | None = None, expected_pupils: int | None = None,
                   area: dict | None = None) -> MappingSession:
    """Create a class session with a fresh join code (default area: 1.5 km round the school)."""
    school = _teacher_school(db_session, teacher, school_urn)
    opens_at = opens_at or now()
    closes_at = closes_at or opens_at + timedelta(hours=2)
    _check_times(opens_at, closes_at)
    mapping_session = MappingSession(
        borough_id=school.borough_id, school_id=school.id, teacher_id=teacher.id,
        class_label=class_label, year_group=year_group, opens_at=opens_at, closes_at=closes_at,
        expected_pupils=expected_pupils, area=f"SRID=4326;{_area_wkt(db_session, school, area)}",
        term=terms.term_of(opens_at))
    _add_with_unique_code(db_session, mapping_session)
    queries.add_session_cells(db_session, session_id=mapping_session.id)
    audit.record(db_session=db_session, action="session.create", user_id=teacher.id,
                 object_type="mapping_session", object_id=mapping_session.id,
                 borough_id=school.borough_id)
    db_session.commit()
    return mapping_session


def _add_with_unique_code(db_session: Session, mapping_session: MappingSession) -> None:
    for _attempt in range(5):
        mapping_session.join_code = codes.new_code()
        try:
            with db_session.begin_nested():
                db_session.add(mapping_session)
                db_session.flush()
            return
        except IntegrityError:
            continue
    raise RuntimeError("could not find a free join code")


def for_teacher_or_404(*, db_session: Session, session_id: int, user: User) -> MappingSession:
    """A session its own teacher (or an admin) may see; everyone else gets 404."""
    mapping_session = db_session.get(MappingSession, session_id)
    if mapping_session is None or not (
            user.role == "admin" or mapping_session.teacher_id == user.id):
        raise NotFound("There is no such session.")
    return mapping_session


def teacher_sessions(*, db_session: Session, user: User) -> list[MappingSession]:
    """A teacher's sessions, newest first (all for admins)."""
    query = select(MappingSession).order_by(MappingSession.opens_at.desc())
    if user.role != "admin":
        query = query.where(MappingSession.teacher_id == user.id)
    return list(db_session.scalars(query))


def set_closed(*, db_session: Session, session_id: int, user: User,
               closed: bool) -> MappingSession:
    """Close a session (pupils can no longer join or send) or reopen it."""
    mapping_session = for_teacher_or_404(db_session=db_session, session_id=session_id, user=user)
    mapping_session.closed_at = now() if closed else None
    if not closed and mapping_session.closes_at <= now():
        mapping_session.closes_at = now() + timedelta(hours=1)
    db_session.commit()
    return mapping_session


def add_place(*, db_session: Session, session_id: int, user: User, name: str,
              area: dict) -> NamedPlace:
    """Name a place on the session's map, for pupils who answer from a list."""
    mapping_session = for_teacher_or_404(db_session=db_session, session_id=session_id, user=user)
    name = " ".join((name or "").split())
    if not 1 <= len(name) <= 80:
        raise InvalidInput("Give the place a name (at most 80 characters).", field="name")
    try:
        polygon = as_multipolygon(shape(area))
    except (ValueError, TypeError, AttributeError, KeyError):
        polygon = None
    session_area = shapely_wkt.loads(queries.area_wkt(db_session, mapping_session.id))
    if polygon is None or not polygon.intersects(session_area):
        raise InvalidInput("Draw the place inside the map area.", field="area")
    inside = as_multipolygon(polygon.intersection(session_area))
    place = NamedPlace(session_id=mapping_session.id, borough_id=mapping_session.borough_id,
                       name=name, area=f"SRID=4326;{inside.wkt}")
    db_session.add(place)
    db_session.commit()
    return place


def delete_place(*, db_session: Session, session_id: int, place_id: int, user: User) -> None:
    """Remove a named place."""
    mapping_session = for_teacher_or_404(db_session=db_session, session_id=session_id, user=user)
    place = db_session.get(NamedPlace, place_id)
    if place is None or place.session_id != mapping_session.id:
        raise NotFound("There is no such place.")
    db_session.delete(place)
    db_session.commit()


def join(*, db_session: Session, typed_code: str) -> MappingSession:
    """The open session a pupil's code belongs to, or one friendly error for every problem."""
    code = codes.normalise(typed_code)
    if not codes.looks_valid(code):
        raise InvalidInput(CODE_NOT_WORKING, field="code")
    mapping_session = db_session.scalar(select(MappingSession)
                                        .where(MappingSession.join_code == code))
    if mapping_session is None or not is_open(mapping_session):
        raise InvalidInput(CODE_NOT_WORKING, field="code")
    return mapping_session


def open_session_or_raise(*, db_session: Session, session_id: int | None) -> MappingSession:
    """The pupil's session while it is open."""
    mapping_session = db_session.get(MappingSession, session_id) if session_id else None
    if mapping_session is None or not is_open(mapping_session):
        raise Forbidden("This mapping session is closed. Ask your teacher.")
    return mapping_session

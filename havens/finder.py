"""Finding the nearest active havens, open or not at a given time (public)."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from core.errors import NotFound
from core.places import services as places
from havens import hours, queries
from havens.models import Haven
from havens.presenting import nearby_view, opening_hours
from havens.services import LONDON, now

MAX_CANDIDATES = 500


@dataclass
class Found:
    """An active haven with its straight-line distance and whether it is open."""

    haven: Haven
    lon: float
    lat: float
    distance_m: float
    open_now: bool


def local_time(moment: datetime | None) -> datetime:
    """The moment in London time; naive times are taken as London time; None is now."""
    if moment is None:
        return now()
    if moment.tzinfo is None:
        return moment.replace(tzinfo=LONDON)
    return moment.astimezone(LONDON)


def nearest(*, db_session: Session, lon: float, lat: float, limit: int = 5,
            at: datetime | None = None, open_only: bool = False) -> list[Found]:
    """The nearest active havens (straight line), marked open or closed at `at`."""
    rows = queries.nearest_active(db_session, lon, lat, _fetched(limit, open_only))
    return [Found(row.Haven, row.lon, row.lat, row.distance_m, is_open)
            for row, _opening, is_open in _shown(rows, lambda row: opening_hours(row.Haven),
                                                 local_time(at), limit, open_only)]


def nearest_public(*, db_session: Session, lon: float, lat: float, limit: int = 5,
                   at: datetime | None = None, open_only: bool = False) -> list[dict]:
    """nearest() as anyone may see it (presenting.public_view with distance_m), from one
    query."""
    rows = queries.nearest_public(db_session, lon, lat, _fetched(limit, open_only))
    return [nearby_view(row, opening, is_open)
            for row, opening, is_open in _shown(
                rows, lambda row: hours.from_json_text(row.opening_hours), local_time(at),
                limit, open_only)]


def _fetched(limit: int, open_only: bool) -> int:
    """How many nearest havens to fetch: more when closed ones will be left out."""
    return min(limit * 10, MAX_CANDIDATES) if open_only else limit


def _shown(rows, opening_of, at: datetime, limit: int, open_only: bool):
    """(row, its opening hours, open at `at`) of the first `limit` rows to show."""
    shown = 0
    for row in rows:
        if shown == limit:
            return
        opening = opening_of(row)
        is_open = hours.is_open_at(opening, at)
        if is_open or not open_only:
            shown += 1
            yield row, opening, is_open


def start_point(*, db_session: Session, postcode: str | None = None,
                school_urn: int | None = None) -> tuple[float, float]:
    """Where to search from: a postcode's centre or a school."""
    if school_urn is not None:
        location = queries.school_location(db_session, school_urn)
        if location is None:
            raise NotFound(f"There is no school with URN {school_urn}.")
        return location
    row = places.locate_postcode(db_session=db_session, postcode=postcode or "")
    return row.lon, row.lat


def school_choices(*, db_session: Session):
    """Open schools to search from, by name."""
    rows, _total = places.search_schools(db_session=db_session, limit=1000)
    return rows


def borough_choices(*, db_session: Session, user) -> list:
    """Boroughs a worker may look at (their own when scoped)."""
    boroughs = places.boroughs(db_session=db_session)
    if user.role == "worker" and user.borough_id is not None:
        codes = {v: k for k, v in queries.borough_ids_by_code(db_session).items()}
        return [b for b in boroughs if b.code == codes.get(user.borough_id)]
    return boroughs


def borough_id(db_session: Session, code: str) -> int:
    """A borough's id from its code."""
    return queries.borough_ids_by_code(db_session)[code]

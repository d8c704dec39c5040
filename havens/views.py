"""Building what routes answer: views of havens for the person asking (public or manager)."""

from sqlalchemy.orm import Session

from havens import queries, services
from havens.models import Haven
from havens.presenting import full_view, public_view


def _codes(db_session: Session) -> dict[int, str]:
    return {v: k for k, v in queries.borough_ids_by_code(db_session).items()}


def present(db_session: Session, havens: list[Haven], user, at) -> list[dict]:
    """Each haven as this user may see it: full for its managers, public for everyone else
    (and for user=None)."""
    if not havens:
        return []
    places = queries.locations(db_session, [h.id for h in havens])
    codes = _codes(db_session)
    views = []
    for haven in havens:
        lon, lat = places[haven.id]
        kwargs = {"lon": lon, "lat": lat, "borough": codes[haven.borough_id], "at": at}
        manager = user is not None and services.can_manage(user, haven.borough_id)
        views.append(full_view(haven, **kwargs) if manager else public_view(haven, **kwargs))
    return views


def present_one(db_session: Session, haven: Haven, user, at) -> dict:
    """One haven as this user may see it."""
    return present(db_session, [haven], user, at)[0]


def export_inputs(db_session: Session, havens: list[Haven]) -> tuple[dict, dict]:
    """Locations and borough codes for an export."""
    places = queries.locations(db_session, [h.id for h in havens]) if havens else {}
    return places, _codes(db_session)

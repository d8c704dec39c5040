"""Turning a haven into what each audience may see (pure): public, or full for its workers."""

from datetime import datetime

from havens import hours
from havens.models import Haven

PUBLIC = ("id", "name", "business_type", "address", "postcode")
OPERATIONAL = ("status", "status_reason", "status_changed_on", "sticker_displayed",
               "staff_briefed_count", "staff_briefed_on", "sells_knives",
               "responsible_retailer_signed", "joined_on", "last_verified_on", "next_visit_due",
               "notes", "source", "source_id")
PRIVATE = ("contact_name", "phone", "email")
TYPE_LABELS = {"shop": "Shop", "takeaway": "Takeaway", "cafe": "Café", "pharmacy": "Pharmacy",
               "library": "Library", "leisure": "Leisure centre", "other": "Other"}


def opening_hours(haven: Haven) -> hours.OpeningHours:
    """The haven's opening hours."""
    return hours.from_json(haven.opening_hours)


def public_view(haven: Haven, *, lon: float, lat: float, borough: str, at: datetime) -> dict:
    """Fields anyone may see, with open/closed at the given moment."""
    opening = opening_hours(haven)
    view = {key: getattr(haven, key) for key in PUBLIC}
    view.update(lon=round(lon, 6), lat=round(lat, 6), borough=borough,
                opening_hours=hours.to_osm(opening), open_now=hours.is_open_at(opening, at))
    return view


def nearby_view(row, opening: hours.OpeningHours, open_now: bool) -> dict:
    """A row of queries.nearest_public as public_view shows it, with its distance (metres)."""
    view = {key: getattr(row, key) for key in PUBLIC}
    view.update(lon=round(row.lon, 6), lat=round(row.lat, 6), borough=row.borough,
                opening_hours=hours.to_osm(opening), open_now=open_now,
                distance_m=round(row.distance_m))
    return view


def full_view(haven: Haven, *, lon: float, lat: float, borough: str, at: datetime,
              private: bool = True) -> dict:
    """Everything a worker sees; private contact fields only when `private`."""
    view = public_view(haven, lon=lon, lat=lat, borough=borough, at=at)
    view.update({key: getattr(haven, key) for key in OPERATIONAL})
    view["hours"] = hours.to_json(opening_hours(haven))
    if private:
        view.update({key: getattr(haven, key) for key in PRIVATE})
    return view

"""Teacher forms for sessions and named places: browser fields in, checked data out."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from havens.forms import check
from mapping.schemas import PlaceIn, SessionIn

LONDON = ZoneInfo("Europe/London")
FIELDS = ("school", "class_label", "year_group", "opens_at", "closes_at", "expected_pupils")


def _london(text: str | None) -> str | None:
    """A datetime-local value (London time, no offset) as ISO 8601 with its offset."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=LONDON).isoformat()
    except ValueError:
        return text  # the schema will say it is not a date and time


def _area(text: str | None):
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return "not json"


def session_values(form) -> dict:
    """What the teacher typed, to show again with errors."""
    values = {key: form.get(key, "") for key in FIELDS}
    values["area"] = form.get("area", "")
    return values


def check_session(values: dict):
    """Validate the new-session form: (data, {}) or (None, {field: message})."""
    payload = {key: values[key] for key in FIELDS if values[key] not in ("", None)}
    for key in ("opens_at", "closes_at"):
        if key in payload:
            payload[key] = _london(payload[key])
    if values.get("area"):
        payload["area"] = _area(values["area"])
    return check(SessionIn(), payload)


def check_place(form):
    """Validate a named place."""
    return check(PlaceIn(), {"name": form.get("name", ""), "area": _area(form.get("area"))})

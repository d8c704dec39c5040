"""Worker forms for havens: browser fields in, schema-checked data out, errors per field."""

from marshmallow import ValidationError

from core.exports import csv_text
from havens import hours
from havens.schemas import HavenCreate, HavenFields, StatusIn, VisitIn

TEXT_FIELDS = ("name", "business_type", "address", "postcode", "lat", "lon", "contact_name",
               "phone", "email", "staff_briefed_count", "staff_briefed_on", "notes")
FLAGS = ("sticker_displayed", "sells_knives", "responsible_retailer_signed")


def blank_values() -> dict:
    """An empty registration form."""
    return haven_values({})


def error_field(exc) -> str:
    """The form field an application error belongs to."""
    return {"location": "lat"}.get(exc.field, exc.field or "name")


def due_csv(items) -> str:
    """The due list as CSV (formula-safe, no private contact fields)."""
    rows = [{"id": i.haven.id, "name": i.haven.name, "address": i.haven.address,
             "postcode": i.haven.postcode, "ward": i.ward, "status": i.haven.status,
             "next_visit_due": i.haven.next_visit_due, "days_overdue": max(i.days_overdue, 0)}
            for i in items]
    return csv_text(["id", "name", "address", "postcode", "ward", "status", "next_visit_due",
                     "days_overdue"], rows)


def haven_values(form) -> dict:
    """What the worker typed, to show again when the form comes back with errors."""
    values = {key: form.get(key, "") for key in TEXT_FIELDS}
    values.update({flag: form.get(flag) == "on" for flag in FLAGS})
    values.update({f"hours_{day}": form.get(f"hours_{day}", "") for day in hours.WEEKDAYS})
    values["hours_ph"] = form.get("hours_ph", "as_usual")
    values["confirm_duplicate"] = form.get("confirm_duplicate") == "on"
    values["signed_up_today"] = form.get("signed_up_today") == "on"
    return values


def haven_payload(values: dict, new: bool) -> dict:
    """The form's values in the API's shape (blank optional fields left out)."""
    data = {key: values[key] for key in TEXT_FIELDS if values[key] not in ("", None)}
    data.update({flag: values[flag] for flag in FLAGS})
    data["hours"] = {day: values[f"hours_{day}"] for day in hours.WEEKDAYS}
    data["hours"]["ph"] = values["hours_ph"]
    for optional in ("address", "postcode", "contact_name", "phone", "email", "notes",
                     "staff_briefed_count", "staff_briefed_on"):
        data.setdefault(optional, None)
    if new:
        data["confirm_duplicate"] = values["confirm_duplicate"]
    return data


def _flatten(messages: dict, prefix: str = "") -> dict[str, str]:
    errors = {}
    for field, problem in messages.items():
        key = f"{prefix}{field}".replace(".", "_")  # "hours.mo" is the form's "hours_mo"
        if isinstance(problem, dict):
            errors.update(_flatten(problem, f"{key}_"))
        else:
            errors[key] = problem[0] if isinstance(problem, list) else str(problem)
    return errors


def check(schema, payload: dict) -> tuple[dict | None, dict[str, str]]:
    """Load a payload with a schema: (data, {}) or (None, {field: message})."""
    try:
        return schema.load(payload), {}
    except ValidationError as exc:
        return None, _flatten(exc.normalized_messages())


def check_haven(values: dict, new: bool):
    """Validate a haven form."""
    return check(HavenCreate() if new else HavenFields(), haven_payload(values, new))


def check_visit(form):
    """Validate a visit form."""
    payload = {key: form.get(key) for key in ("visited_on", "outcome", "notes",
                                              "staff_briefed_count")}
    payload = {k: v for k, v in payload.items() if v not in (None, "")}
    return check(VisitIn(), payload)


def check_status(form):
    """Validate a status-change form."""
    payload = {k: form.get(k) for k in ("status", "reason") if form.get(k)}
    return check(StatusIn(), payload)


def values_from(haven, lon: float, lat: float) -> dict:
    """A saved haven as form values."""
    values = {key: getattr(haven, key, "") for key in TEXT_FIELDS if key not in ("lat", "lon")}
    values = {k: ("" if v is None else v) for k, v in values.items()}
    values.update(lat=round(lat, 6), lon=round(lon, 6))
    values.update({flag: getattr(haven, flag) for flag in FLAGS})
    opening = hours.from_json(haven.opening_hours)
    values.update({f"hours_{day}": text for day, text in hours.to_form(opening).items()})
    values["hours_ph"] = opening.public_holidays
    values["confirm_duplicate"] = values["signed_up_today"] = False
    return values

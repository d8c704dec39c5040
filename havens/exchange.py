"""Havens in and out as files: GeoJSON and CSV exports (never private fields), CSV bulk import."""

import csv
import io
from datetime import datetime

import geojson
from marshmallow import ValidationError
from sqlalchemy.orm import Session

from core.errors import Unprocessable
from core.exports import csv_text
from core.responses import point_feature
from havens import rules, services
from havens.models import Haven
from havens.presenting import OPERATIONAL, PUBLIC, full_view, public_view
from havens.schemas import HavenCreate

EXPORT_COLUMNS = [*PUBLIC, "lat", "lon", "borough", "opening_hours", *OPERATIONAL]
PUBLIC_COLUMNS = [*PUBLIC, "lat", "lon", "borough", "opening_hours"]
IMPORT_COLUMNS = {"name", "business_type", "address", "postcode", "lat", "lon", "opening_hours",
                  "contact_name", "phone", "email", "sticker_displayed", "staff_briefed_count",
                  "staff_briefed_on", "sells_knives", "responsible_retailer_signed", "notes",
                  "status", "joined_on", "last_verified_on"}
MAX_IMPORT_ROWS = 5000


def export_rows(havens: list[Haven], places: dict, boroughs: dict, at: datetime,
                operational: bool) -> list[dict]:
    """Rows for an export; private contact fields are never included."""
    rows = []
    for haven in havens:
        lon, lat = places[haven.id]
        kwargs = {"lon": lon, "lat": lat, "borough": boroughs[haven.borough_id], "at": at}
        rows.append(full_view(haven, private=False, **kwargs) if operational
                    else public_view(haven, **kwargs))
    return rows


def to_csv(rows: list[dict], operational: bool) -> str:
    """CSV of exported rows (formula-safe)."""
    return csv_text(EXPORT_COLUMNS if operational else PUBLIC_COLUMNS, rows)


def to_feature_collection(rows: list[dict]) -> geojson.FeatureCollection:
    """A GeoJSON FeatureCollection of exported rows."""
    features = []
    for row in rows:
        properties = {k: (v.isoformat() if hasattr(v, "isoformat") else v)
                      for k, v in row.items() if k not in ("lon", "lat", "hours")}
        features.append(point_feature(row["lon"], row["lat"], properties, feature_id=row["id"]))
    return geojson.FeatureCollection(features)


def _parse_rows(text: str) -> list[dict]:
    reader = csv.DictReader(io.StringIO(text))
    unknown = set(reader.fieldnames or []) - IMPORT_COLUMNS
    if not reader.fieldnames or unknown:
        raise Unprocessable("The CSV header has columns we do not know: "
                            f"{', '.join(sorted(unknown)) or '(no header)'}. Allowed: "
                            f"{', '.join(sorted(IMPORT_COLUMNS))}.", field="file")
    rows = list(reader)
    if len(rows) > MAX_IMPORT_ROWS:
        raise Unprocessable(f"At most {MAX_IMPORT_ROWS} rows per file.", field="file")
    return rows


def _clean(row: dict) -> tuple[dict, dict]:
    extra_keys = ("status", "joined_on", "last_verified_on")
    extra = {key: (row.pop(key, "") or "").strip() for key in extra_keys}
    data = {key: value for key, value in row.items() if value not in (None, "")}
    return data, extra


def _checked(number: int, row: dict, problems: list) -> tuple[dict, dict] | None:
    if None in row:
        problems.append({"row": number, "field": None,
                         "message": "This row has more cells than the header has columns."})
        return None
    data, extra = _clean(dict(row))
    try:
        loaded = HavenCreate().load(data)
        _check_extra(extra)
    except ValidationError as exc:
        for field, messages in exc.normalized_messages().items():
            text = messages[0] if isinstance(messages, list) else str(messages)
            problems.append({"row": number, "field": field, "message": text})
        return None
    return loaded, extra


def _check_extra(extra: dict) -> None:
    if extra["status"] not in ("", "prospect", "active"):
        raise ValidationError("Imported havens start as prospect or active.", "status")
    for key in ("joined_on", "last_verified_on"):
        if extra[key]:
            try:
                datetime.strptime(extra[key], "%Y-%m-%d")
            except ValueError as exc:
                raise ValidationError("Write dates as YYYY-MM-DD.", key) from exc


def import_csv(*, db_session: Session, text: str, actor) -> list[Haven]:
    """Create havens from CSV rows, all or nothing: any bad row is reported and none stored."""
    problems: list = []
    checked = [(n, _checked(n, row, problems)) for n, row in enumerate(_parse_rows(text), 2)]
    if problems:
        raise Unprocessable(f"{len({p['row'] for p in problems})} row(s) need fixing; nothing "
                            "was imported.", field="file", details=problems)
    created = []
    for number, (data, extra) in checked:
        try:
            created.append(_add_one(db_session, data, extra, actor))
        except services.AppError as exc:
            db_session.rollback()
            raise Unprocessable(f"Row {number}: {exc.message} Nothing was imported.",
                                field="file", details=[{"row": number, "field": exc.field,
                                                        "message": exc.message}]) from exc
    db_session.commit()
    return created


def _add_one(db_session: Session, data: dict, extra: dict, actor) -> Haven:
    haven = services.add_haven(db_session=db_session, data=data, actor=actor)
    if extra["status"] == "active":
        verified = extra["last_verified_on"] or extra["joined_on"] or None
        haven.status, haven.status_reason = "active", "Imported"
        haven.joined_on = _date(extra["joined_on"])
        haven.last_verified_on = _date(verified)
        start = haven.last_verified_on or services.today()
        haven.next_visit_due = rules.add_months(start, services.setting(
            "HAVEN_VISIT_INTERVAL_MONTHS"))
    return haven


def _date(text: str | None):
    return datetime.strptime(text, "%Y-%m-%d").date() if text else None

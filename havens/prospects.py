"""Prospects: businesses from open data that could become havens, and where to walk next."""

import json
from pathlib import Path

from sqlalchemy.orm import Session

from core.errors import InvalidInput
from core.places.readers import UnreadableFile
from core.places.services import ImportReport, Progress
from havens import business_readers, hours, queries
from havens.services import today

NEAR_SCHOOL_M = 800
PER_SCHOOL = 5


def _hours_json(text: str | None) -> str:
    try:
        return json.dumps(hours.to_json(hours.parse_osm(text or "")))
    except hours.HoursError:
        return json.dumps(hours.to_json(hours.EMPTY))


def import_businesses(*, db_session: Session, path: str | Path,
                      progress: Progress = lambda _n: None) -> ImportReport:
    """Add or update prospects from FHRS or OpenStreetMap files (same source id updates)."""
    try:
        rows = business_readers.read_businesses(path)
    except UnreadableFile as exc:
        raise InvalidInput(str(exc), field="file") from exc
    report = ImportReport(rejected=rows.rejected, skipped=rows.skipped)
    for business in rows.good:
        inserted = queries.upsert_prospect(db_session, {
            "name": business.name, "business_type": business.business_type,
            "address": business.address, "postcode": business.postcode, "lon": business.lon,
            "lat": business.lat, "opening_hours": _hours_json(business.opening_hours),
            "source": business.source, "source_id": business.source_id, "today": today()})
        report.record(inserted, f"row {business.row}: {business.source_id} {business.name}")
        progress(1)
    db_session.commit()
    return report


def near_schools(*, db_session: Session, borough_id: int) -> list[dict]:
    """Each open school of a borough with the nearest prospects within walking distance."""
    schools: dict[int, dict] = {}
    for row in queries.prospects_near_schools(db_session, borough_id=borough_id,
                                              per_school=PER_SCHOOL, radius_m=NEAR_SCHOOL_M):
        school = schools.setdefault(row.urn, {"urn": row.urn, "name": row.school,
                                              "prospects": []})
        school["prospects"].append(row)
    return list(schools.values())

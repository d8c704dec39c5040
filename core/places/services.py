"""Place use cases: idempotent imports with reports, and school/borough look-ups."""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session

from core.errors import InvalidInput, NotFound
from core.geo import transformer
from core.places import queries, readers
from core.places.postcodes import normalise_postcode
from core.places.readers import Rejected

Progress = Callable[[int], None]
POSTCODE_BATCH = 5000


def _no_progress(_steps: int) -> None:
    return None


@dataclass
class ImportReport:
    """What an import did: rows created and updated, and rows rejected with reasons."""

    created: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)

    def count(self, inserted: bool) -> None:
        """Count one row as created or updated."""
        if inserted:
            self.created += 1
        else:
            self.updated += 1

    def record(self, inserted: bool | None, what: str) -> None:
        """Count an upsert's outcome; None means the row lay outside every borough."""
        if inserted is None:
            self.outside.append(what)
        else:
            self.count(inserted)


def _read(reader, *args, **kwargs):
    try:
        return reader(*args, **kwargs)
    except readers.UnreadableFile as exc:
        raise InvalidInput(str(exc), field="file") from exc


def import_boroughs(*, db_session: Session, path: str | Path, code_field: str = "LAD22CD",
                    name_field: str = "LAD22NM", progress: Progress = _no_progress
                    ) -> ImportReport:
    """Create or update boroughs from a boundary file; re-locate postcodes inside them."""
    rows = _read(readers.read_areas, path, code_field, name_field)
    report = ImportReport(rejected=rows.rejected)
    for area in rows.good:
        report.count(queries.upsert_borough(db_session, code=area.code, name=area.name,
                                            wkt=area.wkt))
        progress(1)
    queries.assign_postcode_boroughs(db_session, [a.code for a in rows.good])
    db_session.commit()
    return report


def import_wards(*, db_session: Session, path: str | Path, code_field: str = "WD22CD",
                 name_field: str = "WD22NM", borough_field: str | None = "LAD22CD",
                 progress: Progress = _no_progress) -> ImportReport:
    """Create or update wards; each goes to the borough named in the file, or the one under it."""
    rows = _read(readers.read_areas, path, code_field, name_field, borough_field)
    report = ImportReport(rejected=rows.rejected)
    for area in rows.good:
        borough_id = (queries.borough_id_by_code(db_session, area.parent_code)
                      if area.parent_code else queries.borough_id_under(db_session, area.wkt))
        if borough_id is None:
            report.rejected.append(Rejected(area.row, f"{area.code}: not in any imported "
                                                      "borough (import boroughs first)"))
        else:
            report.count(queries.upsert_ward(db_session, code=area.code, name=area.name,
                                             borough_id=borough_id, wkt=area.wkt))
        progress(1)
    db_session.commit()
    return report


def import_schools(*, db_session: Session, path: str | Path, la_name: str | None = None,
                   progress: Progress = _no_progress) -> ImportReport:
    """Create or update schools by URN; schools outside every borough are reported."""
    rows = _read(readers.read_schools, path, la_name)
    report = ImportReport(rejected=rows.rejected, skipped=rows.skipped)
    for school in rows.good:
        report.record(queries.upsert_school(db_session, school),
                      f"row {school.row}: URN {school.urn} {school.name}")
        progress(1)
    db_session.commit()
    return report


def import_postcodes(*, db_session: Session, path: str | Path,
                     progress: Progress = _no_progress) -> ImportReport:
    """Create or update postcodes in batches, then locate them in boroughs."""
    report = ImportReport()
    batch: list = []
    try:
        for item in readers.read_postcodes(path):
            progress(1)
            if item is None:
                report.skipped += 1
            elif isinstance(item, Rejected):
                report.rejected.append(item)
            else:
                batch.append(item)
                if len(batch) >= POSTCODE_BATCH:
                    _write_postcodes(db_session, batch, report)
                    batch = []
    except readers.UnreadableFile as exc:
        raise InvalidInput(str(exc), field="file") from exc
    _write_postcodes(db_session, batch, report)
    queries.assign_postcode_boroughs(db_session, [], all_postcodes=True)
    db_session.commit()
    return report


def _write_postcodes(db_session: Session, batch: list, report: ImportReport) -> None:
    if not batch:
        return
    xs = np.array([row.x for row in batch])
    ys = np.array([row.y for row in batch])
    projected = np.array([row.projected for row in batch])
    if projected.any():
        lon, lat = transformer(27700, 4326).transform(xs[projected], ys[projected])
        xs[projected], ys[projected] = lon, lat
    unique = {row.postcode: (x, y) for row, x, y in zip(batch, xs, ys, strict=True)}
    existing = queries.existing_postcodes(db_session, list(unique))
    queries.upsert_postcodes(db_session, [{"postcode": code, "lon": float(x), "lat": float(y)}
                                          for code, (x, y) in unique.items()])
    report.created += len(unique) - len(existing)
    report.updated += len(existing)


def boroughs(*, db_session: Session, with_boundary: bool = False):
    """Every borough with its bounding box."""
    return queries.boroughs(db_session, with_boundary)


def search_schools(*, db_session: Session, borough: str | None = None, bbox=None,
                   name: str | None = None, include_closed: bool = False, limit: int = 100,
                   offset: int = 0):
    """Schools matching the filters, and how many match in all."""
    return queries.search_schools(db_session, borough=borough, bbox=bbox, name=name,
                                  include_closed=include_closed, limit=limit, offset=offset)


def school_or_raise(*, db_session: Session, urn: int):
    """One school by URN, or NotFound."""
    school = queries.school_by_urn(db_session, urn)
    if school is None:
        raise NotFound(f"There is no school with URN {urn}.")
    return school


def locate_postcode(*, db_session: Session, postcode: str):
    """Where a postcode is, or a clear error when it is malformed or unknown."""
    normalised = normalise_postcode(postcode)
    if normalised is None:
        raise InvalidInput(f"{postcode!r} is not a UK postcode.", field="postcode")
    location = queries.postcode_location(db_session, normalised)
    if location is None:
        raise NotFound(f"We do not know the postcode {normalised}.")
    return location

"""Recorded crime use cases: an idempotent import of police.uk files, and counts per hexagon."""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from core.crimes import queries, readers
from core.crimes.readers import CrimeRow, NoLocation
from core.errors import InvalidInput
from core.places.readers import Rejected

Progress = Callable[[int], None]
BATCH = 2000


def _no_progress(_steps: int) -> None:
    return None


@dataclass
class CrimeImportReport:
    """What an import did, row by row: every row read lands in exactly one count."""

    read: int = 0
    imported: int = 0
    already_there: int = 0  # stored before, or repeated earlier in the files: updated
    no_coordinates: int = 0
    outside: int = 0  # in no borough we know: other forces' areas
    outside_by_force: Counter = field(default_factory=Counter)
    rejected: list[tuple[str, Rejected]] = field(default_factory=list)

    @property
    def bad_rows(self) -> int:
        """Rows that could not be used (bad month, type, coordinates ...)."""
        return len(self.rejected)


class _Batch:
    """Rows waiting to be written, one per import key (a repeat replaces the earlier row)."""

    def __init__(self):
        self.rows: dict[str, CrimeRow] = {}
        self.repeats: Counter = Counter()

    def add(self, row: CrimeRow) -> None:
        if row.import_key in self.rows:
            self.repeats[row.import_key] += 1
        self.rows[row.import_key] = row

    def write(self, db_session: Session, report: CrimeImportReport) -> None:
        stored = queries.upsert_crimes(db_session, list(self.rows.values()))
        for key, row in self.rows.items():
            repeats = self.repeats[key]
            if key not in stored:
                report.outside += 1 + repeats
                report.outside_by_force[row.falls_within or "unknown force"] += 1 + repeats
            elif stored[key]:
                report.imported += 1
                report.already_there += repeats
            else:
                report.already_there += 1 + repeats
        self.rows, self.repeats = {}, Counter()


def import_crimes(*, db_session: Session, paths: list[str | Path],
                  progress: Progress = _no_progress) -> CrimeImportReport:
    """Store police.uk street-level rows in the borough under each point, by Crime ID and
    month (rows without an id by their content); one transaction for all the files, and
    nothing stored when any file cannot be read."""
    report = CrimeImportReport()
    batch = _Batch()
    try:
        for path in paths:
            readers.check_file(path)
        for path in paths:
            for item in readers.read_crimes(path):
                report.read += 1
                _take(item, Path(path).name, batch, report)
                progress(1)
                if len(batch.rows) >= BATCH:
                    batch.write(db_session, report)
        batch.write(db_session, report)
    except readers.UnreadableFile as exc:
        db_session.rollback()
        raise InvalidInput(str(exc), field="file") from exc
    db_session.commit()
    return report


def _take(item, name: str, batch: _Batch, report: CrimeImportReport) -> None:
    if isinstance(item, NoLocation):
        report.no_coordinates += 1
    elif isinstance(item, Rejected):
        report.rejected.append((name, item))
    else:
        batch.add(item)


def cell_counts(*, db_session: Session, borough_id: int, size_m: int, months: list[date],
                crime_type: str | None = None) -> dict[tuple[int, int], dict]:
    """Recorded crimes per hexagon (i, j) for these months, optionally of one police.uk type
    (its name, e.g. 'Robbery'), with the place name police.uk gives most often there."""
    if not months:
        return {}
    rows = queries.counts_by_cell(db_session, borough_id=borough_id, size_m=size_m,
                                  months=months, crime_type=crime_type)
    return {(row.i, row.j): {"crimes": int(row.crimes), "place": row.place} for row in rows}


def months_with_crimes(*, db_session: Session, borough_id: int,
                       months: list[date]) -> list[date]:
    """Which of these months have police.uk data imported for the borough."""
    return queries.months_with_crimes(db_session, borough_id=borough_id, months=months)

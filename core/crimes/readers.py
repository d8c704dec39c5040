"""Read police.uk street-level crime CSVs into clean rows and numbered rejections (pure).

A file is checked for its columns before any row is read. Each row then becomes a `CrimeRow`,
a `NoLocation` (police.uk leaves Longitude and Latitude empty for crimes it cannot place) or a
`Rejected` with its row number and the reason.
"""

import csv
import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from core.places.readers import Rejected, UnreadableFile

COLUMNS = ("Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
           "Location", "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context")

# police.uk's categories since 2013, by the slug its own API uses.
CRIME_TYPES = {
    "anti-social-behaviour": "Anti-social behaviour",
    "bicycle-theft": "Bicycle theft",
    "burglary": "Burglary",
    "criminal-damage-arson": "Criminal damage and arson",
    "drugs": "Drugs",
    "other-theft": "Other theft",
    "possession-of-weapons": "Possession of weapons",
    "public-order": "Public order",
    "robbery": "Robbery",
    "shoplifting": "Shoplifting",
    "theft-from-the-person": "Theft from the person",
    "vehicle-crime": "Vehicle crime",
    "violent-crime": "Violence and sexual offences",
    "other-crime": "Other crime",
}
TYPE_NAMES = frozenset(CRIME_TYPES.values())
# Longitude and latitude police.uk can give (England, Wales and Northern Ireland, with a margin).
UK_LONLAT = (-8.7, 49.8, 1.8, 60.9)
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
MAX_CRIME_ID = 100
TEXT_LIMITS = {"Reported by": 80, "Falls within": 80, "Location": 200, "LSOA code": 12,
               "LSOA name": 80, "Last outcome category": 200, "Context": 500}


@dataclass
class CrimeRow:
    """One located police.uk row, ready to store."""

    row: int
    import_key: str
    crime_id: str | None
    month: date
    crime_type: str
    reported_by: str | None
    falls_within: str | None
    location: str | None
    lsoa_code: str | None
    lsoa_name: str | None
    last_outcome: str | None
    context: str | None
    lon: float
    lat: float


@dataclass
class NoLocation:
    """A row police.uk could not place on the map (no Longitude/Latitude): counted, skipped."""

    row: int


CrimeItem = CrimeRow | NoLocation | Rejected


def check_file(path: str | Path) -> None:
    """Raise UnreadableFile when the file is not a police.uk street-level CSV (unreadable,
    empty, or missing columns: every missing one is named)."""
    rows = read_crimes(path)
    try:
        next(rows, None)
    finally:
        rows.close()


def read_crimes(path: str | Path) -> Iterator[CrimeItem]:
    """The rows of a police.uk street-level CSV; UnreadableFile before the first row when the
    file lacks a column, or where the CSV breaks."""
    name = Path(path).name
    try:
        with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
            reader = csv.DictReader(handle)
            _check_columns(reader.fieldnames, name)
            seen: Counter = Counter()  # identical rows without a Crime ID, in file order
            for number, record in enumerate(reader, start=2):
                clean = {(k or "").strip(): v.strip() if isinstance(v, str) else ""
                         for k, v in record.items()}
                yield crime_row(number, clean, seen)
    except csv.Error as exc:
        raise UnreadableFile(f"{name}: the CSV is broken near line {reader.line_num + 1} "
                             f"({exc}).") from exc
    except OSError as exc:
        raise UnreadableFile(f"Cannot read {name}: {exc.strerror or exc}.") from exc


def _check_columns(header: list[str] | None, name: str) -> None:
    if not header:
        raise UnreadableFile(f"{name} is empty: it has no header row.")
    present = {column.strip() for column in header}
    missing = [column for column in COLUMNS if column not in present]
    if missing:
        raise UnreadableFile(
            f"{name} is not a police.uk street-level crime CSV: it has no "
            f"{', '.join(repr(m) for m in missing)} column{'s' if len(missing) > 1 else ''}. "
            "Download the 'street' files (not outcomes or stop and search) from "
            "data.police.uk.")


def crime_row(number: int, record: dict[str, str], seen: Counter) -> CrimeItem:
    """One row of the file as a CrimeRow, NoLocation or Rejected."""
    month = _month(record["Month"])
    if month is None:
        return Rejected(number, f"Month {record['Month']!r} is not a month like 2026-09")
    crime_type = record["Crime type"]
    if crime_type not in TYPE_NAMES:
        return Rejected(number, f"unknown crime type {crime_type[:60]!r}")
    crime_id = record["Crime ID"] or None
    if crime_id and len(crime_id) > MAX_CRIME_ID:
        return Rejected(number, "the Crime ID is too long to be a police.uk id")
    if not record["Longitude"] and not record["Latitude"]:
        return NoLocation(number)
    where = _lonlat(record["Longitude"], record["Latitude"])
    if isinstance(where, str):
        return Rejected(number, where)
    texts = {column: record[column][:limit] or None for column, limit in TEXT_LIMITS.items()}
    return CrimeRow(number, import_key(record, month, where, seen), crime_id, month, crime_type,
                    texts["Reported by"], texts["Falls within"], texts["Location"],
                    texts["LSOA code"], texts["LSOA name"], texts["Last outcome category"],
                    texts["Context"], *where)


def _month(text: str) -> date | None:
    match = MONTH.match(text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        return None
    return date(int(match.group(1)), int(match.group(2)), 1)


def _lonlat(lon_text: str, lat_text: str) -> tuple[float, float] | str:
    """(lon, lat), or the reason they cannot be used."""
    try:
        lon, lat = float(lon_text), float(lat_text)
    except ValueError:
        return f"Longitude/Latitude {lon_text[:30]!r}, {lat_text[:30]!r} are not numbers"
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return "Longitude/Latitude are not finite numbers"
    west, south, east, north = UK_LONLAT
    if not (west <= lon <= east and south <= lat <= north):
        return f"Longitude/Latitude {lon:g}, {lat:g} are not in the United Kingdom"
    return lon, lat


def import_key(record: dict[str, str], month: date, lonlat: tuple[float, float],
               seen: Counter) -> str:
    """The row's identity across imports: its month and Crime ID; for rows without one
    (anti-social behaviour) a digest of what the row says plus how many identical rows came
    before it in the same file, so re-importing a file matches row for row."""
    prefix = f"{month:%Y-%m}/"
    if record["Crime ID"]:
        return prefix + record["Crime ID"]
    fields = (f"{lonlat[0]:.6f}", f"{lonlat[1]:.6f}", record["Crime type"],
              record["LSOA code"], record["Location"], record["Falls within"],
              record["Reported by"], record["Context"])
    digest = hashlib.sha256("\x1f".join((prefix, *fields)).encode()).hexdigest()[:40]
    seen[digest] += 1
    return f"{prefix}anon:{digest}/{seen[digest]}"

"""Basemap use cases: an idempotent import of roads, paths, parks, water and railways, and the
features and attributions a printed map needs for its frame."""

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from core.basemap import queries, readers
from core.basemap.models import LAYERS
from core.basemap.readers import BasemapRow, Skipped
from core.errors import InvalidInput
from core.places.readers import Rejected, UnreadableFile
from core.places.services import ImportReport

Progress = Callable[[int], None]
Bounds = tuple[float, float, float, float]
BATCH = 2000
OSM_ATTRIBUTION = "© OpenStreetMap contributors"
OS_ATTRIBUTION = "Contains OS data © Crown copyright and database right {year}"


def _no_progress(_steps: int) -> None:
    return None


@dataclass
class BasemapImportReport(ImportReport):
    """An ImportReport that also counts the usable features per layer and says whom maps of
    them must credit."""

    source: str = ""
    attribution: str = ""
    layers: Counter = field(default_factory=Counter)
    origins: set = field(default_factory=set)


@dataclass(frozen=True)
class PrintFeature:
    """One basemap feature for a printed map, in the map's projected coordinates (metres)."""

    layer: str  # one of models.LAYERS
    name: str | None
    geometry: BaseGeometry  # clipped to the map's frame


class _Batch:
    """Features waiting to be written, one per feature key (a repeat replaces the earlier)."""

    def __init__(self, source_id: int):
        self.source_id = source_id
        self.rows: dict[str, BasemapRow] = {}

    def add(self, row: BasemapRow, report: BasemapImportReport) -> None:
        if row.feature_key in self.rows:
            report.count(False)  # the same feature twice in the file: counted as updated
        self.rows[row.feature_key] = row
        report.layers[row.layer] += 1
        if row.origin:
            report.origins.add(row.origin)

    def write(self, db_session: Session, report: BasemapImportReport) -> None:
        rows = list(self.rows.values())
        for row, inserted in zip(rows, queries.upsert_features(db_session, self.source_id, rows),
                                 strict=True):
            report.record(inserted, f"row {row.row}")
        self.rows = {}


def import_basemap(*, db_session: Session, path: str | Path, kind: str | None = None,
                   name: str | None = None, attribution: str | None = None,
                   replace: bool = False, progress: Progress = _no_progress
                   ) -> BasemapImportReport:
    """Store a file's roads, paths, parks, water and railways (all in `kind` when given) under
    a source named `name` (default: the file's name), keyed so that importing again updates;
    `replace` first removes every basemap feature. One transaction: nothing is stored when the
    file cannot be read or holds nothing usable."""
    if kind is not None and kind not in LAYERS:
        raise InvalidInput(f"{kind!r} is not a basemap layer; use one of {', '.join(LAYERS)}.",
                           field="kind")
    source = (name or Path(path).name).strip()[:200]
    try:
        report = _import(db_session, path, kind, source, attribution, replace, progress)
    except UnreadableFile as exc:
        db_session.rollback()
        raise InvalidInput(str(exc), field="file") from exc
    except InvalidInput:
        db_session.rollback()
        raise
    db_session.commit()
    return report


def _import(db_session, path, kind, source, attribution, replace, progress):
    readers.file_layers(path)  # an unreadable file fails before anything is deleted
    if replace:
        queries.delete_all(db_session)
    source_id = queries.upsert_source(db_session, name=source, attribution=attribution or "")
    report = BasemapImportReport(source=source)
    batch = _Batch(source_id)
    for item in readers.read_basemap(path, kind):
        _take(item, batch, report)
        progress(1)
        if len(batch.rows) >= BATCH:
            batch.write(db_session, report)
    batch.write(db_session, report)
    _check_usable(report, Path(path).name)
    report.attribution = attribution or _default_attribution(report.origins)
    queries.upsert_source(db_session, name=source, attribution=report.attribution)
    queries.count_source_features(db_session)
    return report


def _take(item, batch: _Batch, report: BasemapImportReport) -> None:
    if isinstance(item, Skipped):
        report.skipped += 1
    elif isinstance(item, Rejected):
        report.rejected.append(item)
    else:
        batch.add(item, report)


def _check_usable(report: BasemapImportReport, file_name: str) -> None:
    if report.created + report.updated:
        return
    first = (f" The first rejected row: row {report.rejected[0].row}: "
             f"{report.rejected[0].reason}." if report.rejected else "")
    raise InvalidInput(
        f"{file_name} has no roads, paths, parks, water or railways we can use "
        f"({report.skipped} skipped, {len(report.rejected)} rejected); nothing was stored."
        f"{first} Is it an OpenStreetMap or Ordnance Survey extract? For a file without "
        "those tags, say what it holds with --kind.", field="file")


def _default_attribution(origins: set) -> str:
    credits = []
    if "osm" in origins:
        credits.append(OSM_ATTRIBUTION)
    if "os" in origins:
        credits.append(OS_ATTRIBUTION.format(year=date.today().year))
    if not credits:
        raise InvalidInput("We cannot tell whose data this is (it looks like neither "
                           "OpenStreetMap nor Ordnance Survey data), and printed maps must "
                           "credit it: give the attribution its licence asks for with "
                           "--attribution.", field="attribution")
    return "; ".join(credits)


def _checked_frame(bounds: Bounds, srid: int) -> Bounds:
    try:
        values = tuple(float(v) for v in bounds)
    except (TypeError, ValueError):
        values = ()
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise InvalidInput("bounds must be four finite numbers: minx, miny, maxx, maxy.",
                           field="bounds")
    if not (values[0] < values[2] and values[1] < values[3]):
        raise InvalidInput("bounds' corners are the wrong way round.", field="bounds")
    if int(srid) <= 0:
        raise InvalidInput("srid must be a projected CRS's EPSG code.", field="srid")
    return values


def features_for_print(*, db_session: Session, bounds: Bounds, srid: int,
                       tolerance_m: float = 1.0) -> list[PrintFeature]:
    """The basemap inside a frame (minx, miny, maxx, maxy in `srid`), clipped to it, in `srid`
    coordinates, simplified to `tolerance_m`, in drawing order: water, park, waterway,
    railway, path, road, major_road."""
    frame = _checked_frame(bounds, srid)
    rows = queries.features_in_frame(db_session, bounds=frame, srid=srid,
                                     tolerance_m=max(float(tolerance_m), 0.0))
    shapes = shapely.from_wkb([bytes(row.wkb) for row in rows])
    return [PrintFeature(row.layer, row.name, shape)
            for row, shape in zip(rows, shapes, strict=True)]


def attributions_in(*, db_session: Session, bounds: Bounds, srid: int) -> list[str]:
    """Whom a map of this frame must credit: the attributions of the sources with features in
    it, alphabetically."""
    return queries.attributions_in_frame(db_session, bounds=_checked_frame(bounds, srid),
                                         srid=srid)


"""Printed haven maps: what each school's map shows, and which schools need a new print."""

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import lru_cache

from flask import current_app, url_for
from shapely import wkb
from sqlalchemy.orm import Session

from core.errors import NotFound
from core.places import queries as place_queries
from havens import hours
from havens import queries as haven_queries
from mapping import haven_map_tiles, patrol, queries
from mapping.haven_map_content import HavenEntry, HavenMapContent
from mapping.haven_map_drawing import MapFeature
from mapping.haven_map_export import PrintJob
from mapping.haven_map_layout import frame_around
from mapping.haven_map_models import SchoolHavenMap
from mapping.haven_map_pdf import MAP_BOX_MM, PageSpec

log = logging.getLogger(__name__)

MAX_LISTED = 150  # havens numbered on one map
BEYOND_SHOWN = 3  # nearest havens listed when none is within the radius
BEYOND_MAX_M = 5000
BOUNDARY_ATTRIBUTION = ("Boundaries: contains National Statistics data © Crown copyright and "
                        "database right")


@dataclass(frozen=True)
class PrintSettings:
    """The configuration that shapes every school's map."""

    radius_m: int
    basemap: str
    tile_url: str
    tile_attribution: str
    tile_cache: str
    scheme_name: str
    contact: str
    srid: int

    @classmethod
    def from_config(cls) -> "PrintSettings":
        """From the app's configuration."""
        config = current_app.config
        return cls(radius_m=config["HAVEN_MAP_RADIUS_M"], basemap=config["PRINT_BASEMAP"],
                   tile_url=config["PRINT_TILE_URL"],
                   tile_attribution=config["PRINT_TILE_ATTRIBUTION"],
                   tile_cache=config["PRINT_TILE_CACHE"], scheme_name=config["SCHEME_NAME"],
                   contact=config["SCHEME_CONTACT"], srid=int(config["WORK_SRID"]))


@dataclass(frozen=True)
class SchoolMap:
    """One school's map content and whether it differs from the last exported one."""

    school_id: int
    borough_id: int
    content: HavenMapContent
    exported_fingerprint: str | None
    exported_at: datetime | None

    @property
    def changed(self) -> bool:
        """Whether this map says something the last exported one did not (or never exported)."""
        return self.content.fingerprint != self.exported_fingerprint


def finder_path() -> str:
    """The public finder's path (the QR codes add ?school=URN)."""
    with current_app.test_request_context():
        return url_for("havens.finder_page")


def after_school_days(opening: hours.OpeningHours) -> str:
    """"every school day", "Mon, Wed only" or "" for 15:00-18:00 on school days."""
    window = patrol.AFTER_SCHOOL_HAVEN
    days = [day for day in window.days
            if hours.open_throughout(opening, day, window.start, window.end)]
    if len(days) == len(window.days):
        return "every school day"
    return ", ".join(hours.SHORT_DAY[d] for d in days) + " only" if days else ""


def _address(row) -> str:
    address = (row.address or "").strip()
    postcode = (row.postcode or "").strip()
    if postcode and postcode.replace(" ", "").upper() not in address.replace(" ", "").upper():
        address = f"{address}, {postcode}" if address else postcode
    return address


@lru_cache(maxsize=1024)
def _hours_texts(stored: str) -> tuple[str, str]:
    """The printed hours and after-school days of stored opening hours (as JSON text): once per
    distinct week, as most havens keep one of a few typical ones and appear on several maps."""
    opening = hours.from_json(json.loads(stored))
    return hours.short_text(opening), after_school_days(opening)


def _entry(number: int, row) -> HavenEntry:
    printed, after_school = _hours_texts(json.dumps(row.opening_hours, sort_keys=True))
    return HavenEntry(number=number, haven_id=row.id, name=row.name, address=_address(row),
                      hours=printed, after_school=after_school,
                      distance_m=int(round(row.distance_m, -1)), x=row.x, y=row.y)


def _havens(db_session: Session, school, radius_m: int) -> tuple[list[HavenEntry], bool]:
    rows = haven_queries.active_near_shape(db_session, school.location, radius_m, MAX_LISTED)
    beyond = not rows
    if beyond:
        rows = haven_queries.active_near_shape(db_session, school.location, BEYOND_MAX_M,
                                               BEYOND_SHOWN)
    return [_entry(n, row) for n, row in enumerate(rows, 1)], beyond


def print_bounds(centre: tuple[float, float], radius_m: float,
                 include: list[tuple[float, float]]) -> tuple[float, float, float, float]:
    """The ground area either orientation of the map can show."""
    frames = [frame_around(centre, radius_m, box, include) for box in MAP_BOX_MM.values()]
    return (min(f.west for f in frames), min(f.south for f in frames),
            max(f.east for f in frames), max(f.north for f in frames))


def _outlines(db_session: Session, bounds, srid: int) -> list[MapFeature]:
    return [MapFeature(row.kind, wkb.loads(bytes(row.wkb)), row.name)
            for row in place_queries.outlines_in(db_session, bounds, srid)]


def _vector(db_session: Session, bounds, settings: PrintSettings):
    from core.basemap import services as basemap

    metres_per_mm = (bounds[3] - bounds[1]) / min(min(box) for box in MAP_BOX_MM.values())
    features = [MapFeature(f.layer, f.geometry, f.name) for f in basemap.features_for_print(
        db_session=db_session, bounds=bounds, srid=settings.srid, tolerance_m=metres_per_mm / 5)]
    if not features:
        return None
    return features, basemap.attributions_in(db_session=db_session, bounds=bounds,
                                             srid=settings.srid)


def _tiles(bounds, settings: PrintSettings):
    if not settings.tile_url:
        return None
    try:
        mosaic = haven_map_tiles.fetch_mosaic(bounds=bounds, srid=settings.srid,
                                              url=settings.tile_url,
                                              attribution=settings.tile_attribution,
                                              cache_dir=settings.tile_cache)
    except haven_map_tiles.TileError as exc:
        log.warning("Basemap tiles unavailable, printing a schematic map instead: %s", exc)
        return None
    return mosaic


def _basemap(db_session: Session, bounds, settings: PrintSettings) -> dict:
    """Features, tiles and attributions, in the configured order of preference."""
    if settings.basemap in ("auto", "vector"):
        vector = _vector(db_session, bounds, settings)
        if vector:
            return {"features": vector[0], "attributions": vector[1]}
    if settings.basemap in ("auto", "tiles"):
        mosaic = _tiles(bounds, settings)
        if mosaic:
            return {"tiles": mosaic, "attributions": [mosaic.attribution]}
    return {"features": _outlines(db_session, bounds, settings.srid),
            "attributions": [BOUNDARY_ATTRIBUTION]}


def _content(db_session: Session, school, *, settings: PrintSettings, today: date,
             finder: str) -> HavenMapContent:
    radius_m = school.radius_m or settings.radius_m
    havens, beyond = _havens(db_session, school, radius_m)
    return HavenMapContent(
        urn=school.urn, school_name=school.name, school_xy=(school.x, school.y),
        radius_m=radius_m, havens=havens, beyond_radius=beyond,
        finder_url=f"{finder}?school={school.urn}", scheme_name=settings.scheme_name,
        contact=settings.contact, printed_on=today, srid=settings.srid)


def add_basemap(*, db_session: Session, content: HavenMapContent) -> HavenMapContent:
    """The content with the basemap (and its attributions) of the area its map shows."""
    bounds = print_bounds(content.school_xy, content.radius_m, content.frame_includes)
    return replace(content, **_basemap(db_session, bounds, PrintSettings.from_config()))


def print_jobs(*, db_session: Session, maps: list[SchoolMap], sizes: list[str],
               orientation: str) -> Iterator[PrintJob]:
    """What to print for these schools, each school's basemap read only when its turn comes
    (so that reading the next one overlaps drawing the last)."""
    for school in maps:
        content = add_basemap(db_session=db_session, content=school.content)
        for size in sizes:
            yield PrintJob(content, PageSpec(size, orientation), school.changed)


def school_maps(*, db_session: Session, base_url: str, today: date,
                borough_id: int | None = None, urns: list[int] | None = None,
                with_basemap: bool = True,
                progress: Callable[[int], None] = lambda _n: None) -> list[SchoolMap]:
    """The maps of a borough's open schools (or of the given URNs), by school name; without
    the basemap when only what they say (and so their fingerprints) is wanted."""
    settings = PrintSettings.from_config()
    finder = base_url.rstrip("/") + finder_path()
    maps = []
    for school in queries.schools_for_print(db_session, borough_id=borough_id, urns=urns):
        content = _content(db_session, school, settings=settings, today=today, finder=finder)
        if with_basemap:
            content = add_basemap(db_session=db_session, content=content)
        maps.append(SchoolMap(school.id, school.borough_id, content,
                              school.exported_fingerprint, school.exported_at))
        progress(1)
    return maps


def school_map(*, db_session: Session, urn: int, base_url: str, today: date,
               with_basemap: bool = True) -> SchoolMap:
    """One school's map, or NotFound."""
    found = school_maps(db_session=db_session, base_url=base_url, today=today, urns=[urn],
                        with_basemap=with_basemap)
    if not found:
        raise NotFound(f"There is no open school with URN {urn}.")
    return found[0]


def school_or_raise(*, db_session: Session, urn: int):
    """An open school with its map settings (id, urn, name, borough_id, radius_m...)."""
    school = next(iter(queries.schools_for_print(db_session, urns=[urn])), None)
    if school is None:
        raise NotFound(f"There is no open school with URN {urn}.")
    return school


def set_radius(*, db_session: Session, school, radius_m: int | None) -> None:
    """A school's own walking radius for its map (None: the configured default)."""
    _settings_row(db_session, school.id, school.borough_id).radius_m = radius_m
    db_session.commit()


def _settings_row(db_session: Session, school_id: int, borough_id: int) -> SchoolHavenMap:
    row = db_session.get(SchoolHavenMap, school_id)
    if row is None:
        row = SchoolHavenMap(school_id=school_id, borough_id=borough_id)
        db_session.add(row)
    return row


def record_exports(*, db_session: Session, maps: list[SchoolMap], at: datetime) -> None:
    """Remember what was exported, so that --changed knows which schools need a new print."""
    for school in maps:
        row = _settings_row(db_session, school.school_id, school.borough_id)
        row.exported_fingerprint, row.exported_at = school.content.fingerprint, at
    db_session.commit()

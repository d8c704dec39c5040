"""Worksheet photos from upload to the class map: store, read, review, add (service).

Uploads are checked and stored at once and read afterwards (in a background thread in the app,
see `start_reading`), one sheet at a time and never twice (`SKIP LOCKED`). A read sheet waits
for the teacher: its zones join the session as that pupil's map only when the teacher adds
them, through the same checks and idempotency as maps drawn on screen (the key is the sheet's
number, so a sheet photographed twice is added once).
"""

import json
import logging
import threading

import numpy as np
import shapely
from flask import current_app
from shapely.geometry import Polygon
from shapely.geometry import mapping as as_geojson
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import db
from core.errors import AppError, InvalidInput
from core.geo import transformer, work_srid
from mapping import collect
from mapping.models import MappingSession
from mapping.paper import extract, photos, queries, sheet
from mapping.paper.models import STATUSES, PaperSheet

MAX_FILES = 60
UNREADABLE = "This photo could not be read: take it again, flat and in good light."
logger = logging.getLogger(__name__)


def add_photos(*, db_session: Session, mapping_session: MappingSession,
               uploads: list[tuple[str, bytes]], keep: bool) -> int:
    """Check every file, then store each photo (or PDF page) to be read; all or nothing."""
    if not uploads:
        raise InvalidInput("Choose the photos or scans of the sheets first.", field="photos")
    if len(uploads) > MAX_FILES:
        raise InvalidInput(f"Upload at most {MAX_FILES} files at a time.", field="photos")
    cleaned = []
    for name, data in uploads:
        try:
            cleaned += photos.photos_from(name, data)
        except photos.BadUpload as exc:
            raise InvalidInput(exc.message, field="photos") from exc
    for photo in cleaned:
        db_session.add(PaperSheet(session_id=mapping_session.id, photo=photo, keep_photo=keep))
    db_session.commit()
    return len(cleaned)


def read_waiting(*, db_session: Session, session_id: int | None = None) -> int:
    """Read every sheet waiting (of one session, or all); returns how many were read."""
    done = 0
    while True:
        query = select(PaperSheet).where(PaperSheet.status == "waiting")
        if session_id is not None:
            query = query.where(PaperSheet.session_id == session_id)
        found = db_session.scalars(query.order_by(PaperSheet.id).limit(1)
                                   .with_for_update(skip_locked=True)).first()
        if found is None:
            db_session.rollback()
            return done
        _read(db_session, found)
        db_session.commit()
        done += 1


def _read(db_session: Session, paper: PaperSheet) -> None:
    try:
        found = extract.extract(paper.photo, expected_session=paper.session_id)
    except extract.RetakeNeeded as exc:
        paper.status, paper.problem = "retake", exc.message
    except Exception:  # an image the libraries choke on must not stop the class's other sheets
        logger.exception("paper sheet %s could not be read", paper.id)
        paper.status, paper.problem = "retake", UNREADABLE
    else:
        paper.sheet, paper.problem = found.sheet, None
        paper.rectified = photos.encode_jpeg(found.rectified)
        paper.zones = _on_the_ground(db_session, paper.session_id, found.zones)
        paper.status = _status_of_number(db_session, paper)
    if not paper.keep_photo:
        paper.photo = None


def _status_of_number(db_session: Session, paper: PaperSheet) -> str:
    """'ready', unless this sheet number is already on the class map; an older read of the
    same number waiting for review is replaced by this one."""
    same = db_session.scalars(select(PaperSheet).where(
        PaperSheet.session_id == paper.session_id, PaperSheet.sheet == paper.sheet,
        PaperSheet.id != paper.id, PaperSheet.status.in_(("ready", "added")))).all()
    if any(other.status == "added" for other in same):
        paper.problem = f"Sheet {paper.sheet} is already on the class map."
        return "replaced"
    for other in same:
        other.status, other.problem = "replaced", f"A newer photo of sheet {paper.sheet} came."
    return "ready"


def _page_to_lonlat(db_session: Session, session_id: int):
    """A function turning page-millimetre polygons of the session's sheets into lon/lat
    GeoJSON, through the frame the sheets were printed with."""
    srid = work_srid()
    row = queries.session_in_work_crs(db_session, session_id, srid)
    frame = sheet.frame_for(shapely.from_wkb(row.area_wkb).bounds)
    to_lonlat = transformer(srid, 4326)

    def points_to_lonlat(points: np.ndarray) -> np.ndarray:
        ground = np.array([frame.to_ground(x, y) for x, y in points])
        return np.column_stack(to_lonlat.transform(ground[:, 0], ground[:, 1]))

    def convert(polygon) -> dict:
        return as_geojson(shapely.set_precision(shapely.transform(polygon, points_to_lonlat),
                                                1e-6))

    return convert


def _on_the_ground(db_session: Session, session_id: int, zones) -> list[dict]:
    """Zones as the review needs them: kind, lon/lat GeoJSON and the outline in page mm."""
    to_lonlat = _page_to_lonlat(db_session, session_id)
    return [{"kind": zone.kind, "geometry": to_lonlat(zone.polygon),
             "page": [[round(x, 1), round(y, 1)] for x, y in zone.polygon.exterior.coords]}
            for zone in zones]


def add_to_map(*, db_session: Session, mapping_session: MappingSession, sheet_ids: list[int],
               reasons: dict[str, list[str]], times: list[str],
               left_out: set[tuple[int, int]],
               redrawn: dict[tuple[int, int], Polygon] | None = None) -> list[str]:
    """Add read sheets to the class map as pupils' maps with the class's reasons and times,
    leaving out the (sheet id, zone index) the teacher crossed out and taking the outlines the
    teacher redrew (page mm) instead of those read; returns what happened to each sheet, in
    words."""
    redrawn = redrawn or {}
    to_lonlat = _page_to_lonlat(db_session, mapping_session.id)
    outcomes = []
    for paper in ready_sheets(db_session, mapping_session.id, sheet_ids):
        features = [{"type": "Feature",
                     "geometry": to_lonlat(redrawn[(paper.id, index)])
                     if (paper.id, index) in redrawn else zone["geometry"],
                     "properties": {"kind": zone["kind"], "reasons": reasons[zone["kind"]],
                                    "times": times}}
                    for index, zone in enumerate(paper.zones or [])
                    if (paper.id, index) not in left_out]
        if not features:
            outcomes.append(f"Sheet {paper.sheet}: no coloured area left to add.")
            continue
        raw = json.dumps({"type": "FeatureCollection", "features": features}).encode()
        key = f"paper-worksheet-{mapping_session.id}-sheet-{paper.sheet}"  # once per sheet
        try:
            collect.submit(db_session=db_session, mapping_session=mapping_session, raw=raw,
                           key=key)
        except AppError as exc:  # e.g. an area outside the class's map area: fix and retry
            db_session.rollback()
            outcomes.append(f"Sheet {paper.sheet} was not added: {exc.message}")
            continue
        paper.pupil_map_id = collect.map_for_key(db_session, mapping_session.id, key)
        paper.status = "added"
        if not paper.keep_photo:
            paper.rectified = None
        db_session.commit()
        outcomes.append(f"Sheet {paper.sheet}: added with {len(features)} area(s).")
    return outcomes


def ready_sheets(db_session: Session, session_id: int,
                 sheet_ids: list[int]) -> list[PaperSheet]:
    """The asked sheets of a session that are read and waiting for review, by number."""
    return list(db_session.scalars(select(PaperSheet).where(
        PaperSheet.session_id == session_id, PaperSheet.id.in_(sheet_ids),
        PaperSheet.status == "ready").order_by(PaperSheet.sheet)))


def sheets_of(db_session: Session, session_id: int) -> list[PaperSheet]:
    """A session's uploaded sheets, by sheet number (unread ones last)."""
    return list(db_session.scalars(select(PaperSheet).where(
        PaperSheet.session_id == session_id).order_by(PaperSheet.sheet.nulls_last(),
                                                     PaperSheet.id)))


def progress(db_session: Session, session_id: int) -> dict[str, int]:
    """How many of a session's sheets are in each state."""
    found = db_session.execute(select(PaperSheet.status, func.count()).where(
        PaperSheet.session_id == session_id).group_by(PaperSheet.status))
    return dict.fromkeys(STATUSES, 0) | dict(found.all())


_reader_lock = threading.Lock()


def start_reading(app) -> None:
    """Read waiting sheets in a background thread (one per process at a time)."""
    if not _reader_lock.acquire(blocking=False):
        return

    def run():
        try:
            with app.app_context():
                read_waiting(db_session=db.session())
                db.session().close()
        finally:
            _reader_lock.release()

    threading.Thread(target=run, name="paper-reader", daemon=True).start()


def read_after_upload(session_id: int) -> None:
    """Read the new sheets: in the background (the page shows progress) or, when
    PAPER_READ_IN_BACKGROUND is off (tests), before answering."""
    if current_app.config["PAPER_READ_IN_BACKGROUND"]:
        start_reading(current_app._get_current_object())
    else:
        read_waiting(db_session=db.session(), session_id=session_id)

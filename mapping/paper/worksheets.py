"""A session's paper worksheets: what they show, gathered from the database."""

from flask import current_app
from shapely import wkb
from sqlalchemy.orm import Session

from core.basemap import services as basemap
from core.errors import NotFound
from core.places import queries as place_queries
from mapping import codes
from mapping.haven_map_drawing import MapFeature
from mapping.haven_maps import BOUNDARY_ATTRIBUTION
from mapping.paper import queries, sheet
from mapping.paper.worksheet import MAX_SHEETS, WorksheetContent, map_frame

DEFAULT_SHEETS = 30


def default_sheets(expected_pupils: int | None) -> int:
    """How many sheets to print when the teacher does not say: the class size if known."""
    return min(expected_pupils, MAX_SHEETS) if expected_pupils else DEFAULT_SHEETS


def _basemap(db_session: Session, bounds, srid: int, metres_per_mm: float):
    features = [MapFeature(f.layer, f.geometry, f.name) for f in basemap.features_for_print(
        db_session=db_session, bounds=bounds, srid=srid, tolerance_m=metres_per_mm / 5)]
    if features:
        return features, basemap.attributions_in(db_session=db_session, bounds=bounds,
                                                 srid=srid)
    outlines = [MapFeature(row.kind, wkb.loads(bytes(row.wkb)), row.name)
                for row in place_queries.outlines_in(db_session, bounds, srid)]
    return outlines, [BOUNDARY_ATTRIBUTION] if outlines else []


def worksheet_content(*, db_session: Session, session_id: int) -> tuple[WorksheetContent, int]:
    """What a session's worksheets show, and the number of sheets to print by default."""
    srid = int(current_app.config["WORK_SRID"])
    row = queries.session_in_work_crs(db_session, session_id, srid)
    if row is None:
        raise NotFound("There is no such session.")
    area = wkb.loads(bytes(row.area_wkb))
    frame = sheet.frame_for(area.bounds)
    features, attributions = _basemap(db_session, map_frame(frame).bounds, srid,
                                      frame.metres_per_mm)
    content = WorksheetContent(
        session_id=row.id, code=codes.display(row.join_code), class_label=row.class_label,
        school_name=row.school_name, frame=frame, area=area, school=(row.school_x, row.school_y),
        features=features, attributions=attributions)
    return content, default_sheets(row.expected_pupils)

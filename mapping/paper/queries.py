"""All spatial SQL of paper worksheets."""

from sqlalchemy import text
from sqlalchemy.orm import Session

_SESSION_IN_WORK_CRS = """
    SELECT s.id, s.join_code, s.class_label, s.expected_pupils, sc.name AS school_name,
           ST_AsBinary(ST_Transform(s.area, {srid})) AS area_wkb,
           ST_X(ST_Transform(sc.location, {srid})) AS school_x,
           ST_Y(ST_Transform(sc.location, {srid})) AS school_y
      FROM mapping_session s JOIN school sc ON sc.id = s.school_id
     WHERE s.id = :session_id
"""


def session_in_work_crs(db_session: Session, session_id: int, srid: int):
    """A session's code, class, school and area, with the area and school in `srid`."""
    sql = text(_SESSION_IN_WORK_CRS.format(srid=int(srid)))  # an int from config
    return db_session.execute(sql, {"session_id": session_id}).one_or_none()


def delete_sheets_received_before(db_session: Session, moment) -> int:
    """Delete photographed sheets that arrived before a moment (retention); returns how many."""
    return db_session.execute(text("DELETE FROM paper_sheet WHERE received_at < :moment"),
                              {"moment": moment}).rowcount

"""Teachers' pages for paper worksheets: upload photos, follow the reading, review, add."""

from flask import (
    Blueprint,
    Response,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from shapely.geometry import Polygon, box

from core import db
from core.accounts.auth import roles_required
from core.errors import InvalidInput, NotFound
from mapping import services, vocabulary
from mapping.paper import reading, sheet
from mapping.paper.models import PaperSheet

pages = Blueprint("paper_review", __name__, url_prefix="/mapping")
MAX_REDRAWN_POINTS = 200
MIN_REDRAWN_MM2 = 4.0


def _session(session_id: int):
    return services.for_teacher_or_404(db_session=db.session(), session_id=session_id,
                                       user=current_user)


@pages.route("/sessions/<int:session_id>/paper")
@roles_required("teacher")
def paper_page(session_id: int):
    """Upload photos of a session's sheets, see how far the reading is, review and add."""
    mapping_session = _session(session_id)
    progress = reading.progress(db.session(), session_id)
    if progress["waiting"]:  # e.g. left by a restart
        reading.read_after_upload(session_id)
        progress = reading.progress(db.session(), session_id)
    return render_template(
        "mapping/paper.html", s=mapping_session, sheets=reading.sheets_of(db.session(), session_id),
        progress=progress, page=sheet.PAGE_MM,
        unsafe_reasons=vocabulary.UNSAFE_REASONS, safe_reasons=vocabulary.SAFE_REASONS,
        times=vocabulary.TIMES, max_files=reading.MAX_FILES)


@pages.route("/sessions/<int:session_id>/paper", methods=["POST"])
@roles_required("teacher")
def upload(session_id: int):
    """Store uploaded photos or scans and start reading them."""
    mapping_session = _session(session_id)
    # the body may be up to PAPER_UPLOAD_MAX_BYTES (core.app.LARGE_UPLOADS)
    uploads = [(f.filename or "", f.read()) for f in request.files.getlist("photos")
               if f and (f.filename or f.content_length)]
    count = reading.add_photos(db_session=db.session(), mapping_session=mapping_session,
                               uploads=uploads, keep=request.form.get("keep") == "yes")
    reading.read_after_upload(session_id)
    flash(f"{count} sheet(s) received. They are being read now.")
    return redirect(url_for("paper_review.paper_page", session_id=session_id), code=303)


@pages.route("/sessions/<int:session_id>/paper/progress.json")
@roles_required("teacher")
def progress(session_id: int):
    """How many sheets are waiting, ready, to photograph again and added."""
    _session(session_id)
    return jsonify(reading.progress(db.session(), session_id))  # no-store: core.security


@pages.route("/sessions/<int:session_id>/paper/<int:sheet_id>.jpg")
@roles_required("teacher")
def sheet_image(session_id: int, sheet_id: int):
    """A read sheet, squared up, for review (a JPEG; never the uploaded file)."""
    _session(session_id)
    paper = db.session().get(PaperSheet, sheet_id)
    if paper is None or paper.session_id != session_id or not paper.rectified:
        raise NotFound("There is no such sheet picture.")
    return Response(paper.rectified, mimetype="image/jpeg", headers={
        "Cache-Control": "private, no-store", "Content-Disposition": "inline"})


@pages.route("/sessions/<int:session_id>/paper/add", methods=["POST"])
@roles_required("teacher")
def add(session_id: int):
    """Add the checked sheets to the class map with the reasons and times chosen."""
    mapping_session = _session(session_id)
    sheet_ids = _ids(request.form.getlist("sheet"))
    if not sheet_ids:
        raise InvalidInput("Tick at least one sheet to add.", field="sheet")
    reasons = {"unsafe": _chosen("unsafe_reasons", vocabulary.UNSAFE_REASONS),
               "safe": _chosen("safe_reasons", vocabulary.SAFE_REASONS)}
    times = _chosen("times", vocabulary.TIMES)
    kinds = _kinds_in(session_id, sheet_ids)
    if "unsafe" in kinds and not reasons["unsafe"]:
        raise InvalidInput("Choose at least one reason for the red (unsafe) areas.",
                           field="unsafe_reasons")
    if "safe" in kinds and not reasons["safe"]:
        raise InvalidInput("Choose at least one reason for the green (safe) areas.",
                           field="safe_reasons")
    if not times:
        raise InvalidInput("Choose at least one time of day.", field="times")
    left_out = {_zone(value) for value in request.form.getlist("leave_out")}
    redrawn = dict(_redrawn(value) for value in request.form.getlist("redraw") if value)
    outcomes = reading.add_to_map(db_session=db.session(), mapping_session=mapping_session,
                                  sheet_ids=sheet_ids, reasons=reasons, times=times,
                                  left_out=left_out, redrawn=redrawn)
    for outcome in outcomes:
        flash(outcome)
    return redirect(url_for("paper_review.paper_page", session_id=session_id), code=303)


def _ids(values: list[str]) -> list[int]:
    if not all(value.isdigit() and len(value) < 10 for value in values):
        raise InvalidInput("A sheet in the form was not understood: reload the page.",
                           field="sheet")
    return [int(value) for value in values]


def _chosen(field: str, options: dict) -> list[str]:
    chosen = request.form.getlist(field)
    unknown = [value for value in chosen if value not in options]
    if unknown:
        raise InvalidInput(f"Unknown choice for {field.replace('_', ' ')}: reload the page.",
                           field=field)
    return chosen


def _zone(value: str) -> tuple[int, int]:
    sheet_id, _, index = value.partition(":")
    if not (sheet_id.isdigit() and index.isdigit() and len(value) < 20):
        raise InvalidInput("An area in the form was not understood: reload the page.",
                           field="leave_out")
    return int(sheet_id), int(index)


def _redrawn(value: str) -> tuple[tuple[int, int], Polygon]:
    """'sheet id:area index:x,y x,y ...' (page mm) from the review page's drawing tool."""
    head, _, points = value.rpartition(":")
    key = _zone(head)
    try:
        corners = [tuple(float(n) for n in point.split(",")) for point in points.split()]
        outline = Polygon(corners) if len(corners) >= 3 else None
    except ValueError:  # not numbers, or not pairs
        outline = None
    left, top, right, bottom = sheet.MAP_BOX
    if outline is None or len(corners) > MAX_REDRAWN_POINTS:
        raise InvalidInput(f"The new outline of area {key[1] + 1} could not be used: click at "
                           "least three points round the area.", field="redraw")
    if not box(left, top, right, bottom).contains(outline):
        raise InvalidInput(f"The new outline of area {key[1] + 1} goes outside the map: keep "
                           "it inside the printed map.", field="redraw")
    if not outline.is_valid or outline.area < MIN_REDRAWN_MM2:
        raise InvalidInput(f"The new outline of area {key[1] + 1} crosses itself or is too "
                           "small: click round the area in order.", field="redraw")
    return key, outline


def _kinds_in(session_id: int, sheet_ids: list[int]) -> set[str]:
    return {zone["kind"] for paper in reading.ready_sheets(db.session(), session_id, sheet_ids)
            for zone in paper.zones or []}

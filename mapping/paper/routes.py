"""Teachers' pages for paper worksheets: print a session's sheets."""

from flask import Blueprint, Response, request
from flask_login import current_user

from core import db
from core.accounts.auth import roles_required
from core.errors import InvalidInput
from core.limits import export_limit
from mapping import services
from mapping.paper import worksheets
from mapping.paper.worksheet import MAX_SHEETS, worksheet_pdf

pages = Blueprint("paper", __name__, url_prefix="/mapping")


def _sheets(default: int) -> int:
    raw = request.args.get("sheets", "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_SHEETS:
        raise InvalidInput(f"sheets must be a whole number from 1 to {MAX_SHEETS}.",
                           field="sheets")
    return int(raw)


@pages.route("/sessions/<int:session_id>/worksheets.pdf")
@roles_required("teacher")
@export_limit
def worksheets_pdf(session_id: int):
    """A session's paper worksheets, one numbered A4 sheet per pupil, in one PDF."""
    services.for_teacher_or_404(db_session=db.session(), session_id=session_id,
                                user=current_user)
    content, default = worksheets.worksheet_content(db_session=db.session(),
                                                    session_id=session_id)
    pdf = worksheet_pdf(content, _sheets(default))
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="worksheets-{session_id}.pdf"'})

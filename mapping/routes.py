"""Teachers' pages: create and run a class session, see and moderate what the class said."""

import json
from datetime import datetime, timedelta

import segno
from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup

from core import db
from core.accounts.auth import roles_required
from core.errors import AppError, InvalidInput
from core.limits import export_limit
from core.places.models import School
from mapping import codes, forms, maps, queries, results, services, summary

pages = Blueprint("mapping", __name__, url_prefix="/mapping")
QUESTIONS = (("Why?", "reasons"), ("When?", "times"), ("What would help?", "suggestions"))


def _session(session_id: int):
    return services.for_teacher_or_404(db_session=db.session(), session_id=session_id,
                                       user=current_user)


@pages.route("/")
def index():
    """Safety mapping: a teacher's sessions, or what it is for everyone else."""
    if not (current_user.is_authenticated and current_user.role in ("teacher", "admin")):
        return render_template("mapping/index.html")
    sessions = services.teacher_sessions(db_session=db.session(), user=current_user)
    counts = {s.id: queries.map_count(db.session(), s.id) for s in sessions}
    return render_template("mapping/sessions.html", sessions=sessions, counts=counts,
                           is_open=services.is_open, display=codes.display)


def _defaults() -> dict:
    start = datetime.now(forms.LONDON).replace(second=0, microsecond=0)
    return {"school": "", "class_label": "", "year_group": "7", "expected_pupils": "30",
            "opens_at": start.strftime("%Y-%m-%dT%H:%M"), "area": "",
            "closes_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")}


@pages.route("/sessions/new", methods=["GET", "POST"])
@roles_required("teacher")
def new_session():
    """Create a session for a class: its code, times and map area."""
    values, errors = _defaults(), {}
    if request.method == "POST":
        values = forms.session_values(request.form)
        data, errors = forms.check_session(values)
        if not errors:
            try:
                created = services.create_session(db_session=db.session(), teacher=current_user,
                                                  school_urn=data.pop("school"), **data)
            except AppError as exc:
                db.session().rollback()
                errors = {exc.field or "class_label": exc.message}
            else:
                return redirect(url_for("mapping.session_page", session_id=created.id))
    schools = services.schools_for(db.session(), current_user)
    return render_template("mapping/new_session.html", values=values, errors=errors,
                           schools=schools), (422 if errors else 200)


@pages.route("/sessions/<int:session_id>")
@roles_required("teacher")
def session_page(session_id: int):
    """A session: its code and QR code, the live count, named places, links to results."""
    mapping_session = _session(session_id)
    area = json.loads(queries.area_geojson(db.session(), session_id))
    places = [{"id": p.id, "name": p.name, "geometry": json.loads(p.geometry)}
              for p in queries.place_geojson(db.session(), session_id)]
    return render_template(
        "mapping/session.html", s=mapping_session, code=codes.display(mapping_session.join_code),
        join_url=_join_url(mapping_session), qr=_qr(mapping_session), places=places,
        maps=queries.map_count(db.session(), session_id), open_now=services.is_open(
            mapping_session), area=area, map=maps.area_map(area, places))


def _join_url(mapping_session) -> str:
    return url_for("pupils.join_link", code=mapping_session.join_code, _external=True)


def _qr(mapping_session) -> Markup:
    svg = segno.make(_join_url(mapping_session), error="m").svg_inline(scale=8, dark="#000")
    return Markup(svg)  # noqa: S704  (segno's own SVG of a URL we built)


@pages.route("/sessions/<int:session_id>/board")
@roles_required("teacher")
def board(session_id: int):
    """The big-screen page: the code, the QR code and a live count of maps sent."""
    mapping_session = _session(session_id)
    return render_template("mapping/board.html", s=mapping_session,
                           code=codes.display(mapping_session.join_code),
                           join_url=_join_url(mapping_session), qr=_qr(mapping_session),
                           maps=queries.map_count(db.session(), session_id))


@pages.route("/sessions/<int:session_id>/<any(close, reopen):action>", methods=["POST"])
@roles_required("teacher")
def close_or_reopen(session_id: int, action: str):
    """Close the session to pupils, or open it again."""
    services.set_closed(db_session=db.session(), session_id=session_id, user=current_user,
                        closed=action == "close")
    flash("The session is closed." if action == "close" else "The session is open again.")
    return redirect(url_for("mapping.session_page", session_id=session_id))


@pages.route("/sessions/<int:session_id>/places", methods=["POST"])
@roles_required("teacher")
def add_place(session_id: int):
    """Name a place drawn on the session map."""
    _session(session_id)  # someone else's session is 404 before the form is read
    data, errors = forms.check_place(request.form)
    if errors:
        raise InvalidInput(next(iter(errors.values())), field=next(iter(errors)))
    services.add_place(db_session=db.session(), session_id=session_id, user=current_user, **data)
    flash(f"Added {data['name']}.")
    return redirect(url_for("mapping.session_page", session_id=session_id) + "#places")


@pages.route("/sessions/<int:session_id>/places/<int:place_id>/delete", methods=["POST"])
@roles_required("teacher")
def delete_place(session_id: int, place_id: int):
    """Remove a named place."""
    services.delete_place(db_session=db.session(), session_id=session_id, place_id=place_id,
                          user=current_user)
    return redirect(url_for("mapping.session_page", session_id=session_id) + "#places")


def _results_context(mapping_session, board: bool) -> dict:
    session_id = mapping_session.id
    area = json.loads(queries.area_geojson(db.session(), session_id))
    zones = results.zone_collection(db_session=db.session(), session_id=session_id, board=board)
    cells = results.class_grid(db_session=db.session(), session_id=session_id)
    questions = {heading: results.tallies(db_session=db.session(), session_id=session_id,
                                          column=column) for heading, column in QUESTIONS}
    return {"s": mapping_session, "questions": questions, "zones": zones, "cells": cells,
            "area": area, "maps": queries.map_count(db.session(), session_id),
            "texts": results.pupil_text(db_session=db.session(), session_id=session_id,
                                        board=board),
            "map": maps.results_map(area, zones, cells), "board": board}


@pages.route("/sessions/<int:session_id>/results")
@roles_required("teacher")
def results_page(session_id: int):
    """Everything the class said, with the moderation queue."""
    mapping_session = _session(session_id)
    context = _results_context(mapping_session, board=False)
    context["queue"] = results.moderation_queue(db_session=db.session(), session_id=session_id)
    return render_template("mapping/results.html", **context)


@pages.route("/sessions/<int:session_id>/show")
@roles_required("teacher")
def show(session_id: int):
    """The class result for the board: only approved comments and ideas."""
    return render_template("mapping/results.html",
                           **_results_context(_session(session_id), board=True), queue=[])


@pages.route("/sessions/<int:session_id>/moderate", methods=["POST"])
@roles_required("teacher")
def moderate(session_id: int):
    """Approve or hide a comment or an 'other' idea."""
    mapping_session = _session(session_id)
    try:
        zone_id = int(request.form.get("zone", ""))
    except ValueError as exc:
        raise InvalidInput("Choose an answer to moderate.", field="zone") from exc
    results.moderate(db_session=db.session(), mapping_session=mapping_session, zone_id=zone_id,
                     what=request.form.get("what", ""), decision=request.form.get("decision", ""))
    return redirect(url_for("mapping.results_page", session_id=session_id) + "#moderation")


def _summary(mapping_session) -> summary.Summary:
    context = _results_context(mapping_session, board=True)
    school = db.session().get(School, mapping_session.school_id)
    return summary.Summary(
        title=f"How class {mapping_session.class_label} feels about the streets around school",
        subtitle=f"{school.name}, year {mapping_session.year_group}, "
                 f"{mapping_session.opens_at.astimezone(forms.LONDON).strftime('%d %B %Y')}",
        maps=context["maps"], questions=context["questions"],
        texts=[row["text"] for row in context["texts"]], area=context["area"],
        cells=context["cells"])


@pages.route("/sessions/<int:session_id>/summary.<any(pdf, csv):kind>")
@roles_required("teacher")
@export_limit
def summary_file(session_id: int, kind: str):
    """The class summary as PDF (for the lesson) or CSV."""
    made = _summary(_session(session_id))
    name = f"class-summary-{session_id}.{kind}"
    if kind == "pdf":
        return Response(summary.summary_pdf(made), mimetype="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="{name}"'})
    return Response(summary.summary_csv(made), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


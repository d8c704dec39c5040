"""Printed haven maps over HTTP: one school's PDF (public), and every school's for workers."""

from datetime import UTC, date, datetime

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from marshmallow import ValidationError

from core import db
from core.accounts.auth import roles_required
from core.errors import Forbidden, InvalidInput, invalid_input
from core.extensions import limiter
from core.limits import user_key
from havens import finder
from havens.services import can_manage
from mapping import haven_map_export, haven_maps, schemas
from mapping.haven_map_pdf import PageSpec, haven_map_pdf

pages = Blueprint("haven_maps", __name__)


def _load(schema, data) -> dict:
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise invalid_input(exc) from exc


def _base_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"] or request.url_root


def _pdf(pdf: bytes, filename: str) -> Response:
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{filename}"',
        "Cache-Control": "public, max-age=600"})


@pages.route("/schools/<int:urn>/haven-map.pdf")
@limiter.limit("30 per minute")
def school_pdf(urn: int):
    """A school's printable map of its Safe Havens (A4 handout or A3 poster)."""
    args = _load(schemas.HavenMapQuery(), request.args)
    school = haven_maps.school_map(db_session=db.session(), urn=urn, base_url=_base_url(),
                                   today=date.today())
    job = haven_map_export.PrintJob(school.content, PageSpec(args["size"], args["orientation"]))
    return _pdf(haven_map_pdf(job.content, job.page), job.filename)


def _borough(code: str | None):
    """The borough a worker may print for: their own, or the one chosen (admins, unscoped)."""
    choices = finder.borough_choices(db_session=db.session(), user=current_user)
    if not choices:
        raise Forbidden("You do not look after any borough.")
    if code is None:
        return choices[0], choices
    chosen = next((b for b in choices if b.code == code), None)
    if chosen is None:
        raise InvalidInput(f"You cannot print maps for borough '{code}'.", field="borough")
    return chosen, choices


@pages.route("/mapping/haven-maps")
@roles_required("worker")
def maps_page():
    """Every school's map: which changed since the last print, radius, downloads."""
    borough, choices = _borough(request.args.get("borough") or None)
    maps = haven_maps.school_maps(db_session=db.session(), base_url=_base_url(),
                                  today=date.today(), with_basemap=False,
                                  borough_id=finder.borough_id(db.session(), borough.code))
    maps.sort(key=lambda school_map: not school_map.changed)  # those to reprint first
    return render_template("mapping/haven_maps.html", borough=borough, boroughs=choices,
                           maps=maps, changed=sum(1 for m in maps if m.changed),
                           default_radius=current_app.config["HAVEN_MAP_RADIUS_M"])


@pages.route("/mapping/haven-maps/<int:urn>/radius", methods=["POST"])
@roles_required("worker")
def set_radius(urn: int):
    """Change how far from one school its map reaches."""
    school = haven_maps.school_or_raise(db_session=db.session(), urn=urn)
    if not can_manage(current_user, school.borough_id):
        raise Forbidden("This school is in a borough you do not look after.")
    args = _load(schemas.HavenMapRadius(), request.form)
    haven_maps.set_radius(db_session=db.session(), school=school, radius_m=args["radius_m"])
    flash(f"{school.name}: the map now reaches "
          f"{args['radius_m'] or 'the default distance'}{' m' if args['radius_m'] else ''}.")
    return redirect(url_for("haven_maps.maps_page", borough=request.args.get("borough")))


@pages.route("/exports/haven-maps.zip", methods=["GET", "POST"])
@roles_required("worker")
@limiter.limit("10 per hour", key_func=user_key)
def export_zip():
    """Every school's map in one ZIP (or only the changed ones). Sent from the page (POST), the
    export is also remembered, so the next "changed" list starts from it."""
    args = _load(schemas.HavenMapsExportQuery(), request.values.to_dict(flat=True)
                 if request.method == "GET" else _form_args())
    borough, _choices = _borough(args.get("borough"))
    maps = haven_maps.school_maps(db_session=db.session(), base_url=_base_url(),
                                  today=date.today(), with_basemap=False,
                                  borough_id=finder.borough_id(db.session(), borough.code))
    chosen = [m for m in maps if m.changed] if args["which"] == "changed" else maps
    if not chosen:
        raise InvalidInput("No school's map has changed since the last export.", field="which")
    jobs = haven_maps.print_jobs(db_session=db.session(), maps=chosen,
                                 sizes=args["size"].split(","), orientation=args["orientation"])
    name = f"haven-maps-{borough.code}-{date.today():%Y-%m-%d}.zip"
    workers = current_app.config["PRINT_WORKERS"] or None
    chunks = haven_map_export.zip_chunks(haven_map_export.render(jobs, workers=workers))
    if request.method == "POST":
        chunks = _recorded_when_done(chunks, chosen)
    return Response(stream_with_context(chunks), mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


def _recorded_when_done(chunks, maps):
    """The ZIP's chunks; once the last one is sent, the export is remembered."""
    yield from chunks
    haven_maps.record_exports(db_session=db.session(), maps=maps, at=datetime.now(UTC))


def _form_args() -> dict:
    form = request.form.to_dict(flat=True)
    form.pop("csrf_token", None)
    return form

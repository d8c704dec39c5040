"""The havens JSON API (/api/v1/havens): public reads of active havens, worker writes."""

from functools import wraps

from flask import Response, request
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import RAISE

from core import db
from core.accounts.auth import roles_required
from core.errors import Unprocessable
from core.limits import export_limit_when
from core.responses import geojson_response
from havens import exchange, finder, listing, schemas, services, upkeep
from havens.views import export_inputs, present, present_one

api_blp = Blueprint("havens_api", __name__, url_prefix="/api/v1/havens",
                    description="Safe Havens: public finder and the workers' registry.")
WRITE = {"security": [{"bearerAuth": []}, {"cookieAuth": []}]}
GEOJSON = {"responses": {"200": {"content": {
    "application/geo+json": {"schema": {"type": "object"}},
    "text/csv": {"schema": {"type": "string"}}}}}}


def _format() -> str:
    asked = request.args.get("format")
    if asked:
        return asked
    best = request.accept_mimetypes.best_match(["application/json", "application/geo+json",
                                                "text/csv"])
    return {"application/geo+json": "geojson", "text/csv": "csv"}.get(best, "json")


def _file_response(havens, operational: bool, filename: str):
    places, boroughs = export_inputs(db.session(), havens)
    rows = exchange.export_rows(havens, places, boroughs, finder.local_time(None), operational)
    if _format() == "csv":
        return Response(exchange.to_csv(rows, operational), mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="{filename}.csv"'})
    return geojson_response(exchange.to_feature_collection(rows))


def _csv_asked() -> bool:
    return _format() == "csv"


# GeoJSON is the finder's and the heatmap's map layer, not a download: only CSV counts.
csv_export_limit = export_limit_when(_csv_asked)


def _manager() -> bool:
    return current_user.is_authenticated and current_user.role in ("admin", "worker")


def managed_haven(view):
    """Refuse a haven the caller does not look after before its body is read (403, not 422)."""
    @wraps(view)
    def guarded(*args, haven_id: int, **kwargs):
        haven = services.get_or_raise(db_session=db.session(), haven_id=haven_id)
        services.require_manage(current_user, haven.borough_id)
        return view(*args, haven_id=haven_id, **kwargs)
    return guarded


@api_blp.route("")
@api_blp.arguments(schemas.HavenQuery, location="query", as_kwargs=True, unknown=RAISE)
@api_blp.response(200, schemas.HavenPage)
@api_blp.doc(**GEOJSON)
@csv_export_limit
def list_havens(format=None, limit=200, offset=0, **filters):
    """Active havens for everyone; workers also see other statuses in their borough."""
    havens, total = listing.list_havens(db_session=db.session(), user=current_user,
                                        limit=limit, offset=offset, **filters)
    if _format() in ("csv", "geojson"):
        return _file_response(havens, _manager(), "havens")
    items = present(db.session(), havens, current_user, finder.local_time(None))
    return {"items": items, "total": total, "limit": limit, "offset": offset}


@api_blp.route("", methods=["POST"])
@roles_required("worker")
@api_blp.arguments(schemas.HavenCreate)
@api_blp.response(201, schemas.HavenFull)
@api_blp.doc(**WRITE)
def create_haven(data):
    """Register a business (it starts as a prospect; log a 'signed up' visit to activate it)."""
    haven = services.create(db_session=db.session(), data=data, actor=current_user)
    return present_one(db.session(), haven, current_user, finder.local_time(None))


@api_blp.route("/nearest")
# An instance, not the class: webargs would build a schema for every request.
@api_blp.arguments(schemas.NearestQuery(), location="query", as_kwargs=True, unknown=RAISE)
@api_blp.response(200, schemas.HavenNearby(many=True))
@api_blp.doc(**GEOJSON)
def nearest(lat, lon, limit=5, open_at=None, open_only=False, format=None):
    """The nearest active havens with straight-line distance (metres) and open or closed."""
    views = finder.nearest_public(db_session=db.session(), lon=lon, lat=lat, limit=limit,
                                 at=open_at, open_only=open_only)  # always public
    if format == "geojson" or _format() == "geojson":
        return geojson_response(exchange.to_feature_collection(views))
    return views


@api_blp.route("/due")
@api_blp.alt_response(200, schema=schemas.DueList, success=True,
                      description="The havens due (CSV with ?format=csv)")
@api_blp.doc(**WRITE)
@roles_required("worker")
@csv_export_limit
def due():
    """Havens due for a re-check or overdue, by ward (CSV with ?format=csv)."""
    items = upkeep.due_list(db_session=db.session(), borough_id=current_user.borough_id)
    havens = [item.haven for item in items]
    if _format() == "csv":
        return _file_response(havens, True, "havens-due")
    return {"items": present(db.session(), havens, current_user, finder.local_time(None))}


@api_blp.route("/import", methods=["POST"])
@api_blp.doc(**WRITE, description="CSV with a header row: name, business_type, lat, lon or "
             "postcode ... All rows are checked first; any bad row is reported and nothing "
             "is stored.")
@roles_required("worker")
def import_csv():
    """Bulk-create havens from a CSV file (multipart 'file' or a text/csv body)."""
    upload = request.files.get("file")
    raw = upload.read() if upload else request.get_data()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Unprocessable("The file is not UTF-8 text.", field="file") from exc
    created = exchange.import_csv(db_session=db.session(), text=text, actor=current_user)
    return {"created": len(created), "ids": [h.id for h in created]}, 201


@api_blp.route("/<int:haven_id>")
@api_blp.response(200, schemas.HavenFull)
def get_haven(haven_id: int):
    """One haven: public fields for everyone; everything for its workers."""
    haven = services.visible_or_raise(db_session=db.session(), haven_id=haven_id,
                                      user=current_user)
    return present_one(db.session(), haven, current_user, finder.local_time(None))


@api_blp.route("/<int:haven_id>", methods=["PATCH"])
@roles_required("worker")
@api_blp.arguments(schemas.HavenFields(partial=True))
@api_blp.response(200, schemas.HavenFull)
@api_blp.doc(**WRITE)
def update_haven(data, haven_id: int):
    """Change a haven's details (status moves through visits or /status)."""
    haven = services.update(db_session=db.session(), haven_id=haven_id, data=data,
                            actor=current_user)
    return present_one(db.session(), haven, current_user, finder.local_time(None))


@api_blp.route("/<int:haven_id>", methods=["DELETE"])
@api_blp.response(204)
@api_blp.doc(**WRITE)
@roles_required("worker")
def delete_haven(haven_id: int):
    """Delete a haven record and its visits (kept in the audit log by name)."""
    services.delete(db_session=db.session(), haven_id=haven_id, actor=current_user)


@api_blp.route("/<int:haven_id>/status", methods=["POST"])
@roles_required("worker")
@managed_haven
@api_blp.arguments(schemas.StatusIn)
@api_blp.response(200, schemas.HavenFull)
@api_blp.doc(**WRITE)
def change_status(data, haven_id: int):
    """Change the status by hand, following the rules (e.g. not prospect to lapsed)."""
    haven = services.change_status(db_session=db.session(), haven_id=haven_id,
                                   actor=current_user, **data)
    return present_one(db.session(), haven, current_user, finder.local_time(None))


@api_blp.route("/<int:haven_id>/visits", methods=["POST"])
@roles_required("worker")
@managed_haven
@api_blp.arguments(schemas.VisitIn)
@api_blp.response(201, schemas.Visit)
@api_blp.doc(**WRITE)
def log_visit(data, haven_id: int):
    """Log a visit; the outcome moves the status and the re-check date."""
    visit = services.log_visit(db_session=db.session(), haven_id=haven_id, data=data,
                               actor=current_user)
    return _visit_view(visit)


@api_blp.route("/<int:haven_id>/visits")
@api_blp.response(200, schemas.Visit(many=True))
@api_blp.doc(**WRITE)
@roles_required("worker")
def list_visits(haven_id: int):
    """A haven's visits, newest first."""
    haven = services.get_or_raise(db_session=db.session(), haven_id=haven_id)
    services.require_manage(current_user, haven.borough_id)
    return [_visit_view(visit) for visit in haven.visits]


def _visit_view(visit) -> dict:
    return {"id": visit.id, "visited_on": visit.visited_on, "outcome": visit.outcome,
            "staff_briefed_count": visit.staff_briefed_count, "notes": visit.notes,
            "worker": visit.worker.email if visit.worker else None}

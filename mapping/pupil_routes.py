"""Pupils' pages: join with the class code, then draw (or choose from a list) and send.

These pages ask nothing about the pupil, store nothing about the device, never ask for the
device's location and load nothing from other servers except the basemap tiles.
"""

import json

from flask import (
    Blueprint,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf.csrf import CSRFError

from core import db
from core.errors import AppError, render_error, retry_after_seconds, wait_message, wants_json
from core.extensions import client_address, limiter
from mapping import codes, pupils, queries, services, submission, vocabulary

pupil_pages = Blueprint("pupils", __name__)


@pupil_pages.after_request
def _no_location(response):
    response.headers["Permissions-Policy"] = "geolocation=(), camera=(), microphone=()"
    response.headers["Cache-Control"] = "no-store"
    return response


def _join_failures() -> str:
    """Wrong codes allowed per client address (config JOIN_LIMIT_PER_CLIENT)."""
    return current_app.config["JOIN_LIMIT_PER_CLIENT"]


@pupil_pages.errorhandler(CSRFError)
def _page_too_old(exc: CSRFError):
    if wants_json():
        return render_error(400, "csrf_failed", "This page was open too long. Reload it; "
                            "your map is kept on this device.")
    return render_template("mapping/join.html", code="", error=(
        "This page was open too long. Please type the code again.")), 400


@pupil_pages.errorhandler(429)
def _too_many(exc):
    seconds = retry_after_seconds()
    headers = {"Retry-After": str(seconds or 600)}
    if wants_json():
        return render_error(429, "too_many_requests", wait_message(seconds), headers=headers)
    return render_template("mapping/join.html", code="", error=(
        "Too many wrong codes from this school. Wait a few minutes, then check the code "
        "with your teacher.")), 429, headers


def _failed(response) -> bool:
    return response.status_code >= 400


def _join_key() -> str:
    return "join:" + client_address()


# A shared limit: /join and /j/<code> draw on one allowance (a plain limit counts per route).
join_limit = limiter.shared_limit(_join_failures, scope="join", deduct_when=_failed,
                                  key_func=_join_key)


@pupil_pages.route("/join", methods=["GET", "POST"])
@join_limit
def join():
    """Type the class code."""
    if request.method == "GET":
        return render_template("mapping/join.html", code=request.args.get("code", ""),
                               error=None)
    typed = request.form.get("code", "")
    try:
        mapping_session = services.join(db_session=db.session(), typed_code=typed)
    except AppError as exc:
        return render_template("mapping/join.html", code=typed[:20], error=exc.message), 400
    return _joined(mapping_session)


@pupil_pages.route("/j/<code>")
@join_limit
def join_link(code: str):
    """The link in the QR code on the board."""
    try:
        mapping_session = services.join(db_session=db.session(), typed_code=code)
    except AppError as exc:
        return render_template("mapping/join.html", code="", error=exc.message), 400
    return _joined(mapping_session)


def _joined(mapping_session):
    response = make_response(redirect(url_for("pupils.draw")))
    pupils.set_cookie(response, mapping_session.id, mapping_session.closes_at)
    return response


def _vocabulary() -> dict:
    def items(labels: dict) -> list[dict]:
        return [{"key": key, "label": label, "icon": vocabulary.ICONS.get(key, "")}
                for key, label in labels.items()]

    return {"unsafe": items(vocabulary.UNSAFE_REASONS), "safe": items(vocabulary.SAFE_REASONS),
            "times": items(vocabulary.TIMES), "suggestions": items(vocabulary.SUGGESTIONS),
            "limits": {"comment": submission.MAX_COMMENT, "other": submission.MAX_OTHER,
                       "zones": submission.MAX_ZONES}}


@pupil_pages.route("/draw")
def draw():
    """The drawing page for the class this browser joined."""
    try:
        mapping_session = services.open_session_or_raise(db_session=db.session(),
                                                         session_id=pupils.session_id())
    except AppError:
        return redirect(url_for("pupils.join"))
    places = [{"id": row.id, "name": row.name, "geometry": json.loads(row.geometry)}
              for row in queries.place_geojson(db.session(), mapping_session.id)]
    config = {
        "submitUrl": url_for("mapping_api.submit_map", code=mapping_session.join_code),
        "area": json.loads(queries.area_geojson(db.session(), mapping_session.id)),
        "places": places, "tiles": current_app.config["TILE_URL"],
        "attribution": current_app.config["TILE_ATTRIBUTION"],
        "sessionKey": f"map-{mapping_session.id}", "vocabulary": _vocabulary(),
    }
    return render_template("mapping/draw.html", config=config,
                           class_label=mapping_session.class_label,
                           code=codes.display(mapping_session.join_code))

"""The home page and the health check."""

import logging

from flask import Blueprint, jsonify, render_template
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from core import db

pages = Blueprint("pages", __name__)
log = logging.getLogger(__name__)


@pages.route("/")
def home():
    """What the service is and where each kind of user starts."""
    return render_template("pages/home.html")


@pages.route("/healthz")
def healthz():
    """200 with database and PostGIS versions; 503 when the database cannot be reached."""
    try:
        row = db.session().execute(text(
            "SELECT current_setting('server_version') AS database, "
            "postgis_lib_version() AS postgis")).one()
    except DBAPIError:
        db.session().rollback()
        log.warning("health check: database unreachable")
        return jsonify({"status": "unavailable", "database": "unreachable"}), 503
    return jsonify({"status": "ok", "database": row.database, "postgis": row.postgis})

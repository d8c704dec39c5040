"""Planners compare two terms: hexagons and hot spots that appeared, grew, eased or faded."""

import json

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import current_user
from marshmallow import RAISE, ValidationError, fields, validate

from core import db
from core.accounts.auth import roles_required
from core.errors import invalid_input
from core.places.schemas import StrictQuery
from mapping import heatmap, hotspots, queries, term_change_view, term_changes, terms

pages = Blueprint("term_changes", __name__, url_prefix="/mapping/hotspots")


class CompareQuery(StrictQuery):
    """Two whole terms of the planner's borough and a hexagon size."""

    borough = fields.String(validate=validate.Length(max=16))
    before = fields.String(validate=validate.Length(max=16))
    after = fields.String(validate=validate.Length(max=16))
    cell = fields.Integer(load_default=150, validate=validate.OneOf(
        hotspots.RESOLUTIONS, error="cell must be 100, 150 or 250 (metres)."),
        error_messages={"invalid": "cell must be 100, 150 or 250 (metres)."})


@pages.app_context_processor
def _links() -> dict:
    """Lets the hot-spots page link here."""
    return {"term_compare_url": compare_url}


def compare_url(args: dict) -> str:
    """This page for the hot-spots page's borough and hexagon size (the two latest terms)."""
    return url_for("term_changes.page", **{k: args[k] for k in ("borough", "cell")
                                            if args.get(k)})


def _args() -> dict:
    try:
        args = CompareQuery(unknown=RAISE).load(request.args)
    except ValidationError as exc:
        raise invalid_input(exc) from exc
    return {key: value for key, value in args.items() if value != ""}


@pages.route("/compare")
@roles_required("planner")
def page():
    """Two terms compared on a map, with a legend in words and tables."""
    args = _args()
    session = db.session()
    borough_id = heatmap.borough_for(session, current_user, args.get("borough"))
    before, after = term_change_view.check_terms(session, borough_id, args.get("before"),
                                                 args.get("after"))
    changes = term_change_view.compare(db_session=session, borough_id=borough_id,
                                       resolution=args["cell"], before=before, after=after)
    outline = queries.borough_bounds(session, borough_id)
    cell_legend = term_changes.legend(term_changes.CELL_CHANGES, term_changes.CELL_STYLES)
    area_legend = term_changes.legend(term_changes.AREA_CHANGES, term_changes.AREA_STYLES)
    config = {"tiles": current_app.config["TILE_URL"],
              "attribution": current_app.config["TILE_ATTRIBUTION"],
              "outline": json.loads(outline.geometry),
              "bounds": [[outline.south, outline.west], [outline.north, outline.east]],
              "cells": changes["cells"], "areas": _area_features(changes["areas"]),
              "cell_legend": cell_legend, "area_legend": area_legend}
    available = heatmap.borough_terms(session, borough_id)
    return render_template(
        "mapping/hotspot_compare.html", args=args, before=before, after=after,
        labels={before: terms.label(before), after: terms.label(after)}, changes=changes,
        cell_legend=cell_legend, area_legend=area_legend, config=config,
        terms=[(t, terms.label(t)) for t in available], resolutions=hotspots.RESOLUTIONS,
        step_points=round(term_changes.STEP * 100),
        min_pupils=current_app.config["PRIVACY_MIN_PUPILS"],
        min_schools=current_app.config["PRIVACY_MIN_SCHOOLS"])


def _area_features(rows: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": f"{row['term']}-{row['rank']}",
         "geometry": json.loads(row["geometry"]),
         "properties": {k: v for k, v in row.items() if k not in ("geometry",)}}
        for row in rows]}

"""Pupils' perception against police-recorded crime: a planners' page, its exports and API."""

import json

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_login import current_user
from flask_smorest import Blueprint as ApiBlueprint
from marshmallow import RAISE, ValidationError, fields, validate

from core import db
from core.accounts.auth import roles_required
from core.crimes.readers import CRIME_TYPES
from core.errors import invalid_input
from core.limits import export_limit
from core.places.schemas import StrictQuery
from core.responses import geojson_response
from mapping import crime_compare, crime_view, heatmap, queries, terms

pages = Blueprint("perception_crime", __name__, url_prefix="/mapping/perception-crime")
api_blp = ApiBlueprint("crime_comparison_api", __name__, url_prefix="/api/v1/crime-comparison",
                       description="Pupils' published perception against police.uk recorded "
                                   "crime, per hexagon (planners).")
FILTERS = ("borough", "term", "type", "cell")
TOP_ROWS = 10


class ComparisonQuery(StrictQuery):
    """What a planner may compare: a borough, a whole term, a police.uk crime type, a cell."""

    borough = fields.String(validate=validate.Length(max=16),
                            metadata={"description": "Borough code (admins); planners: theirs"})
    term = fields.String(validate=validate.Length(max=16),
                         metadata={"description": "A whole term, e.g. 2026-autumn; crimes are "
                                                  "counted for the months it spans"})
    type = fields.String(validate=validate.OneOf(list(CRIME_TYPES)),
                         metadata={"description": "A police.uk crime type (its slug, e.g. "
                                                  "robbery); every type when left out"})
    cell = fields.Integer(load_default=150, validate=validate.OneOf(
        crime_view.CELL_SIZES, error="cell must be 100, 150 or 250 (metres)."),
        metadata={"description": "Hexagon size in metres: 100, 150 or 250"})


def _args() -> dict:
    try:
        return ComparisonQuery(unknown=RAISE).load(request.args)
    except ValidationError as exc:
        raise invalid_input(exc) from exc


def _comparison(args: dict) -> tuple[heatmap.Question, dict]:
    """The planner's question and its comparison, from validated arguments."""
    borough_id = heatmap.borough_for(db.session(), current_user, args.get("borough"))
    question = crime_view.question_for(borough_id=borough_id, cell=args["cell"],
                                       term=args.get("term"))
    return question, crime_view.comparison(db_session=db.session(), question=question,
                                           crime_type=args.get("type"))


@api_blp.route("")
@roles_required("planner")
@api_blp.arguments(ComparisonQuery, location="query", as_kwargs=True, unknown=RAISE)
@api_blp.doc(security=[{"bearerAuth": []}, {"cookieAuth": []}], responses={"200": {
    "description": "Hexagons with published pupils' answers or recorded crime, each in one of "
                   "four categories (GeoJSON FeatureCollection)",
    "content": {"application/geo+json": {"schema": {"type": "object"}}}}})
def comparison_cells(**args):
    """Where pupils' perception and recorded crime agree and disagree."""
    _question, collection = _comparison(args)
    return geojson_response(collection)


@pages.route("/export.<any(csv, geojson):fmt>")
@roles_required("planner")
@export_limit
def export(fmt: str):
    """The comparison as a file: CSV (formula-safe, outlines as WKT) or GeoJSON."""
    args = _args()
    _question, collection = _comparison(args)
    name = "-".join(["perception-and-crime", args.get("term") or "all-terms",
                     args.get("type") or "all-types", f"{args['cell']}m"])
    if fmt == "csv":
        content, mimetype = crime_compare.comparison_csv(collection), "text/csv"
    else:
        content, mimetype = json.dumps(collection), "application/geo+json"
    return Response(content, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{name}.{fmt}"',
        "Cache-Control": "private, no-store"})


@pages.route("")
@roles_required("planner")
def page():
    """The comparison page: a map, a legend in plain words and the most disagreeing cells."""
    args = _args()
    question, collection = _comparison(args)
    outline = queries.borough_bounds(db.session(), question.borough_id)
    wanted = {k: v for k, v in args.items() if k in FILTERS and v}
    config = {"tiles": current_app.config["TILE_URL"],
              "attribution": current_app.config["TILE_ATTRIBUTION"],
              "outline": json.loads(outline.geometry),
              "bounds": [[outline.south, outline.west], [outline.north, outline.east]],
              "cells": collection, "legend": crime_compare.legend()}
    months = [crime_compare.month_of(m) for m in collection["months"]]
    return render_template(
        "mapping/perception_crime.html", args=args, config=config, collection=collection,
        legend=crime_compare.legend(), counts=collection["categories"],
        top=crime_compare.top_disagreements(collection["features"], TOP_ROWS),
        months=crime_compare.months_label(months),
        terms=[(t, terms.label(t)) for t in heatmap.borough_terms(db.session(),
                                                                   question.borough_id)],
        crime_types=CRIME_TYPES, sizes=crime_view.CELL_SIZES,
        exports={fmt: url_for("perception_crime.export", fmt=fmt, **wanted)
                 for fmt in ("csv", "geojson")},
        json_url=url_for("crime_comparison_api.comparison_cells", **wanted),
        min_pupils=current_app.config["PRIVACY_MIN_PUPILS"],
        min_schools=current_app.config["PRIVACY_MIN_SCHOOLS"],
        round_to=current_app.config["PRIVACY_ROUND_TO"])

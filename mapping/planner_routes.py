"""The planners' heatmap: a map page and its vector tiles (published cells only)."""

import json

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_login import current_user
from marshmallow import RAISE, ValidationError

from core import db
from core.accounts.auth import roles_required
from core.errors import NotFound, invalid_input
from mapping import heatmap, queries, terms, vocabulary
from mapping.heatmap_api import HeatmapQuery

pages = Blueprint("planners", __name__)
MAX_ZOOM = 22


def resolution_for_zoom(z: int) -> int:
    """Coarser cells when zoomed out: 250 m up to z13, 150 m at z14, 100 m closer in."""
    return 250 if z <= 13 else 150 if z == 14 else 100


def _question(args: dict, resolution: int) -> heatmap.Question:
    return heatmap.Question(
        borough_id=heatmap.borough_for(db.session(), current_user, args.get("borough")),
        resolution=resolution, kind=args.get("kind", "unsafe"), term=args.get("term"),
        reason=args.get("reason"), time=args.get("time"), years=args.get("year"))


def _args() -> dict:
    try:
        return HeatmapQuery(unknown=RAISE).load(request.args)
    except ValidationError as exc:
        raise invalid_input(exc) from exc


@pages.route("/tiles/heatmap/<int:z>/<int:x>/<int:y>.mvt")
@roles_required("planner")
def heatmap_tile(z: int, x: int, y: int):
    """Published cells as a vector tile (same filters as /api/v1/heatmap)."""
    if not 0 <= z <= MAX_ZOOM or not (0 <= x < 2 ** z and 0 <= y < 2 ** z):
        raise NotFound(f"There is no tile {z}/{x}/{y}.")
    args = _args()
    question = _question(args, resolution_for_zoom(z))
    cells = heatmap.published_cells(db_session=db.session(), question=question,
                                    rule=heatmap.rule_for_planners())
    tile = queries.heat_tile(db.session(), resolution=question.resolution, cells=cells,
                             z=z, x=x, y=y)
    return Response(tile, mimetype="application/vnd.mapbox-vector-tile",
                    headers={"Cache-Control": "private, max-age=300"})


@pages.route("/mapping/heatmap")
@roles_required("planner")
def heatmap_page():
    """The borough heatmap for planners, with filters and a plain-words legend."""
    args = _args()
    question = _question(args, 150)
    heatmap.check(question, db.session())
    outline = queries.borough_bounds(db.session(), question.borough_id)
    available = queries.terms_with_maps(db.session(), question.borough_id)
    tile_args = {k: v for k, v in args.items() if k in ("kind", "term", "reason", "time", "year")
                 and v}
    config = {
        "tiles": current_app.config["TILE_URL"],
        "attribution": current_app.config["TILE_ATTRIBUTION"],
        "heatTiles": url_for("planners.heatmap_tile", z=0, x=0, y=0, **tile_args)
        .replace("/0/0/0.mvt", "/{z}/{x}/{y}.mvt"),
        "outline": json.loads(outline.geometry),
        "bounds": [[outline.south, outline.west], [outline.north, outline.east]],
        "schools": url_for("places_api.list_schools", format="geojson", limit=1000),
        "havens": url_for("havens_api.list_havens", format="geojson", limit=2000),
        "kind": question.kind,
    }
    return render_template("mapping/heatmap.html", config=config, args=args,
                           terms=[(t, terms.label(t)) for t in available],
                           reasons=vocabulary.reasons_for(question.kind),
                           times=vocabulary.TIMES, years=heatmap.YEAR_BANDS,
                           min_pupils=current_app.config["PRIVACY_MIN_PUPILS"],
                           min_schools=current_app.config["PRIVACY_MIN_SCHOOLS"])

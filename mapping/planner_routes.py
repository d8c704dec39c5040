"""The planners' heatmap: a map page and its vector tiles (published cells only)."""

import json
from datetime import date

from flask import Blueprint, Response, current_app, render_template, request, url_for
from marshmallow import RAISE, ValidationError

from core import db
from core.accounts.auth import roles_required
from core.errors import NotFound, invalid_input
from core.limits import export_limit
from mapping import (
    heat_cache,
    heat_scale,
    heatmap,
    heatmap_reports,
    queries,
    terms,
    tile_cells,
    vocabulary,
)
from mapping.heatmap_api import HeatmapQuery, borough_question

pages = Blueprint("planners", __name__)
MAX_ZOOM = 22
FILTERS = ("kind", "term", "reason", "time", "year", "weighting")
EXPORTS = ("geojson", "csv", "html", "png", "pdf")


# Coarser cells when zoomed out: (up to this zoom, cell size); the page's script uses it too.
CELLS_BY_ZOOM = ((13, 250), (14, 150), (MAX_ZOOM, 100))


def resolution_for_zoom(z: int) -> int:
    """The cell size a tile at zoom z is drawn with."""
    return next(size for up_to, size in CELLS_BY_ZOOM if z <= up_to)


_QUERY = HeatmapQuery(unknown=RAISE)  # built once: a map asks for tiles by the dozen


def _args() -> dict:
    try:
        return _QUERY.load(request.args)
    except ValidationError as exc:
        raise invalid_input(exc) from exc


@pages.route("/tiles/heatmap/<int:z>/<int:x>/<int:y>.mvt")
@roles_required("planner")
def heatmap_tile(z: int, x: int, y: int):
    """Published cells as a vector tile (same filters as /api/v1/heatmap)."""
    if not 0 <= z <= MAX_ZOOM or not (0 <= x < 2 ** z and 0 <= y < 2 ** z):
        raise NotFound(f"There is no tile {z}/{x}/{y}.")
    args = _args()
    question = borough_question(args, resolution_for_zoom(z))
    published = heat_cache.indexed_cells(db_session=db.session(), question=question,
                                         rule=heatmap.rule_for_planners())
    near = tile_cells.cells_in_tile(published.cells, question.resolution, z, x, y,
                                    current_app.config["WORK_SRID"], published.where)
    tile = queries.heat_tile(db.session(), resolution=question.resolution, cells=near,
                             z=z, x=x, y=y)
    return Response(tile, mimetype="application/vnd.mapbox-vector-tile",
                    headers={"Cache-Control": "private, max-age=300"})


@pages.route("/mapping/heatmap")
@roles_required("planner")
def heatmap_page():
    """The borough heatmap for planners, with filters and a plain-words legend."""
    args = _args()
    question = borough_question(args, 150)
    heatmap.check(question, db.session(), heatmap.rule_for_planners())
    outline = queries.borough_bounds(db.session(), question.borough_id)
    available = heatmap.borough_terms(db.session(), question.borough_id)
    tile_args = {k: v for k, v in args.items() if k in FILTERS and v}
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
        "cellAt": url_for("heatmap_api.heatmap_cell_at", **tile_args),
        "legend": heat_scale.legend(question.kind),
        "cellsByZoom": CELLS_BY_ZOOM,
    }
    return render_template("mapping/heatmap.html", config=config, args=args,
                           terms=[(t, terms.label(t)) for t in available],
                           legend=heat_scale.legend(question.kind),
                           exports={fmt: url_for("planners.heatmap_export", fmt=fmt, **tile_args)
                                    for fmt in EXPORTS},
                           reasons=({} if question.kind == "net"
                                    else vocabulary.reasons_for(question.kind)),
                           times=vocabulary.TIMES, years=heatmap.YEAR_BANDS,
                           min_pupils=current_app.config["PRIVACY_MIN_PUPILS"],
                           min_schools=current_app.config["PRIVACY_MIN_SCHOOLS"])


@pages.route("/mapping/heatmap/export.<any(geojson, csv, html, png, pdf):fmt>")
@roles_required("planner")
@export_limit
def heatmap_export(fmt: str):
    """The published heatmap as a file: GeoJSON, CSV, a standalone map, or a report picture."""
    args = _args()
    question = borough_question(args, args["cell"])
    report = heatmap_reports.build(db_session=db.session(), question=question,
                                   rule=heatmap.rule_for_planners(), fmt=fmt,
                                   today=date.today())
    return Response(report.content, content_type=report.mimetype, headers={
        "Content-Disposition": f'attachment; filename="{report.filename}"',
        "Cache-Control": "private, no-store"})

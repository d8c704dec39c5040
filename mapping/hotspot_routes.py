"""The planners' hot spots: a ranked patrol list with maps, a printable briefing and GIS files."""

import json
from dataclasses import dataclass
from datetime import date

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_login import current_user
from marshmallow import RAISE, ValidationError, fields, validate

from core import db
from core.accounts.auth import roles_required
from core.errors import invalid_input
from core.limits import export_limit
from core.places.models import Borough
from core.places.schemas import StrictQuery
from mapping import briefing, heatmap, hotspot_exports, hotspots, queries, terms
from mapping.heatmap_api import refused_field

pages = Blueprint("hotspots", __name__)
EXPORTS = {"geojson": "application/geo+json", "csv": "text/csv; charset=utf-8",
           "kml": "application/vnd.google-earth.kml+xml", "gpx": "application/gpx+xml",
           "pdf": "application/pdf"}
RANKING = ("Areas are ranked by how many pupils marked the area as unsafe (rounded, as "
           "published), then by the strength of the statistic (the highest Gi* z-score), then "
           "by size. Only areas where pupils' unsafe marks cluster at 90 % confidence or more, "
           "after correcting for testing many hexagons at once, are listed.")


class HotSpotQuery(StrictQuery):
    """The allowed questions: whole terms, fixed year bands, a cell size of 100 m or more."""

    school = refused_field("school")
    date = refused_field("date")
    zones = refused_field("zones")
    borough = fields.String(validate=validate.Length(max=16))
    cell = fields.Integer(load_default=150, validate=validate.OneOf(
        hotspots.RESOLUTIONS, error="cell must be 100, 150 or 250 (metres)."),
        error_messages={"invalid": "cell must be 100, 150 or 250 (metres)."},
        metadata={"description": "Hexagon size in metres: 100, 150 or 250"})
    term = fields.String(validate=validate.Length(max=16))
    year = fields.String(validate=validate.OneOf(list(heatmap.YEAR_BANDS)))
    check = fields.String(load_default="normal", validate=validate.OneOf(
        ["normal", "permutations"], error="check must be normal or permutations."),
        metadata={"description": "normal (fast) or permutations (9,999 random "
                                 "rearrangements: slower, more cautious)"})


@dataclass(frozen=True)
class Asked:
    """A validated request: the query arguments and the question they make."""

    args: dict
    question: hotspots.HotSpotQuestion


def _asked() -> Asked:
    try:
        args = HotSpotQuery(unknown=RAISE).load(request.args)
    except ValidationError as exc:
        raise invalid_input(exc) from exc
    borough_id = heatmap.borough_for(db.session(), current_user, args.get("borough"))
    return Asked(args, hotspots.HotSpotQuestion(borough_id=borough_id, resolution=args["cell"],
                                                term=args.get("term"), years=args.get("year"),
                                                cautious=args["check"] == "permutations"))


def _notes(question: hotspots.HotSpotQuestion, today: date) -> list[str]:
    config = current_app.config
    chosen = [terms.label(question.term) if question.term else "all terms",
              question.years.replace("_", " ") if question.years else "all years",
              f"{question.resolution} m hexagons"]
    return [f"Showing: {', '.join(chosen)}.",
            f"Only published numbers are used: a hexagon or an area is counted only when at "
            f"least {config['PRIVACY_MIN_PUPILS']} pupils from at least "
            f"{config['PRIVACY_MIN_SCHOOLS']} schools marked it; counts are rounded to "
            f"{config['PRIVACY_ROUND_TO']}.",
            "Significance: " + ("9,999 random rearrangements of the hexagons' values (cautious)."
                                if question.cautious else "the normal approximation (fast)."),
            f"Made on {today:%d %B %Y} by Safe Havens."]


def _cell_shapes(question: hotspots.HotSpotQuestion, cells: list[dict]) -> dict:
    return queries.hexagon_geojson(db.session(), question.resolution,
                                   [(c["i"], c["j"]) for c in cells])


def _significant_cells(question: hotspots.HotSpotQuestion, cells: list[dict]) -> dict:
    """Hot and cold cells as GeoJSON for the page's map."""
    shown = [c for c in cells if c["class"] != "not_significant"]
    shapes = _cell_shapes(question, shown)
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": json.loads(shapes[(c["i"], c["j"])]),
         "properties": {"class": c["class"], "area": c["area"]}} for c in shown]}


def _pictures(question: hotspots.HotSpotQuestion, analysis: dict) -> dict[int, str]:
    """Each area's small printed map, keyed by rank."""
    by_area: dict[int, list[dict]] = {}
    for cell in analysis["cells"]:
        if cell["area"]:
            by_area.setdefault(cell["area"], []).append(cell)
    shapes = _cell_shapes(question, [c for cells in by_area.values() for c in cells])
    pictures = {}
    for area in analysis["areas"]:
        cells = [{"geometry": json.loads(shapes[(c["i"], c["j"])]),
                  "confidence": hotspots.CONFIDENCE.get(c["class"])}
                 for c in by_area.get(area["rank"], [])]
        pictures[area["rank"]] = briefing.area_picture(area, cells)
    return pictures


@pages.route("/mapping/hotspots")
@roles_required("planner")
def hotspots_page():
    """Ranked hot-spot areas with a map each, and the files to take away."""
    asked = _asked()
    session = db.session()
    rule = heatmap.rule_for_planners()
    hotspots.check(asked.question, session, rule)
    available = heatmap.borough_terms(session, asked.question.borough_id)
    filters = {k: v for k, v in asked.args.items()
               if k in ("borough", "cell", "term", "year", "check")}
    try:
        analysis, problem = hotspots.analyse(db_session=session, question=asked.question,
                                             rule=rule), None
    except hotspots.TooLittleData as exc:
        analysis, problem = {"cells": [], "areas": []}, exc.message
    outline = queries.borough_bounds(session, asked.question.borough_id)
    config = {"tiles": current_app.config["TILE_URL"],
              "attribution": current_app.config["TILE_ATTRIBUTION"],
              "outline": json.loads(outline.geometry),
              "bounds": [[outline.south, outline.west], [outline.north, outline.east]],
              "cells": _significant_cells(asked.question, analysis["cells"]),
              "areas": hotspot_exports.feature_collection(analysis["areas"], filters),
              "havens": [{"rank": a["rank"], **a["haven"]} for a in analysis["areas"]
                         if a.get("haven")]}
    return render_template(
        "mapping/hotspots.html", config=config, args=asked.args, areas=analysis["areas"],
        problem=problem, ranking=RANKING, notes=_notes(asked.question, date.today()),
        terms=[(t, terms.label(t)) for t in available], years=heatmap.YEAR_BANDS,
        resolutions=hotspots.RESOLUTIONS,
        exports={fmt: url_for("hotspots.hotspots_export", fmt=fmt, **filters)
                 for fmt in EXPORTS})


@pages.route("/mapping/hotspots/export.<any(geojson, csv, kml, gpx, pdf):fmt>")
@roles_required("planner")
@export_limit
def hotspots_export(fmt: str):
    """The ranked areas as a file: GeoJSON, CSV, KML, GPX waypoints or the PDF briefing."""
    asked = _asked()
    session = db.session()
    analysis = hotspots.analyse(db_session=session, question=asked.question,
                                rule=heatmap.rule_for_planners())
    areas = analysis["areas"]
    if fmt == "geojson":
        content = json.dumps(hotspot_exports.feature_collection(areas, asked.args)).encode()
    elif fmt == "csv":
        content = hotspot_exports.areas_csv(areas).encode()
    elif fmt == "kml":
        content = hotspot_exports.areas_kml(areas)
    elif fmt == "gpx":
        content = hotspot_exports.areas_gpx(areas)
    else:
        borough = session.get(Borough, asked.question.borough_id)
        content = briefing.briefing_pdf(
            title=f"Patrol briefing: where young people feel unsafe in {borough.name}",
            notes=_notes(asked.question, date.today()), ranking=RANKING, areas=areas,
            pictures=_pictures(asked.question, analysis), today=date.today())
    name = "-".join(["hotspots", asked.question.term or "all-terms",
                     f"{asked.question.resolution}m"])
    if fmt == "pdf":
        name = name.replace("hotspots", "patrol-briefing", 1)
    return Response(content, content_type=EXPORTS[fmt], headers={
        "Content-Disposition": f'attachment; filename="{name}.{fmt}"',
        "Cache-Control": "private, no-store"})

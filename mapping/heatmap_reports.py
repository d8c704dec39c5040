"""Heatmap files for planners: the published cells with their context, as GeoJSON, CSV, a
standalone HTML map, or a PNG/PDF picture for reports."""

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask import current_app
from sqlalchemy.orm import Session

from core.places.models import Borough
from mapping import (
    heat_cache,
    heatmap,
    heatmap_exports,
    heatmap_snapshot,
    queries,
    terms,
    vocabulary,
)
from mapping.publication import Rule

KIND_WORDS = {"unsafe": "feel unsafe", "safe": "feel safe",
              "net": "feel unsafe rather than safe"}
TYPES = {"geojson": "application/geo+json", "csv": "text/csv; charset=utf-8",
         "html": "text/html; charset=utf-8", "png": "image/png", "pdf": "application/pdf"}


@dataclass(frozen=True)
class ReportFile:
    """A finished export: its bytes, media type and a download name."""

    content: bytes
    mimetype: str
    filename: str


def title_for(question: heatmap.Question, borough_name: str) -> str:
    """'Where young people feel unsafe: Lewisham'."""
    return f"Where young people {KIND_WORDS[question.kind]}: {borough_name}"


def notes_for(question: heatmap.Question, rule: Rule, today: date) -> list[str]:
    """The filters and the privacy rule in plain words, for the file's legend."""
    chosen = [terms.label(question.term) if question.term else "all terms",
              vocabulary.reasons_for(question.kind).get(question.reason, question.reason)
              if question.reason else "any reason",
              vocabulary.TIMES.get(question.time, question.time) if question.time else "any time",
              question.years.replace("_", " ") if question.years else "all years"]
    weighting = ("every school counts equally" if question.weighting == "schools"
                 else "every pupil counts once")
    return [f"Showing: {', '.join(chosen)}; {question.resolution} m hexagons; {weighting}.",
            f"A hexagon appears only when at least {rule.min_pupils} pupils from at least "
            f"{rule.min_schools} schools marked it. Counts are rounded to {rule.round_to}.",
            f"Made on {today:%d %B %Y} by Safe Havens."]


def _filename(question: heatmap.Question, fmt: str) -> str:
    parts = ["heatmap", question.kind, question.term or "all-terms", f"{question.resolution}m"]
    return "-".join(parts) + f".{fmt}"


def _vendor(name: str) -> str:
    return (Path(current_app.static_folder) / "vendor" / name).read_text(encoding="utf-8")


def build(*, db_session: Session, question: heatmap.Question, rule: Rule, fmt: str,
          today: date) -> ReportFile:
    """The published heatmap for a question as a file in one of TYPES."""
    cells = heat_cache.published_cells(db_session=db_session, question=question, rule=rule)
    collection = heatmap.feature_collection(db_session=db_session, question=question,
                                            cells=cells)
    if fmt == "geojson":
        content = json.dumps(collection).encode()
    elif fmt == "csv":
        content = heatmap_exports.cells_csv(collection).encode()
    else:
        borough = db_session.get(Borough, question.borough_id)
        outline = json.loads(queries.borough_bounds(db_session, question.borough_id).geometry)
        points = queries.report_points(db_session, question.borough_id)
        context = {"title": title_for(question, borough.name),
                   "notes": notes_for(question, rule, today), "outline": outline,
                   "schools": points["schools"], "havens": points["havens"],
                   "attribution": current_app.config["TILE_ATTRIBUTION"]}
        if fmt == "html":
            content = heatmap_exports.standalone_html(
                collection, tile_url=current_app.config["TILE_URL"],
                leaflet_js=_vendor("leaflet/leaflet.js"),
                leaflet_css=_vendor("leaflet/leaflet.css"), **context).encode()
        else:
            context["attribution"] = "Boundaries: ONS (Open Government Licence)."
            content = heatmap_snapshot.snapshot(collection, fmt=fmt, **context)
    return ReportFile(content, TYPES[fmt], _filename(question, fmt))

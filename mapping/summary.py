"""The class summary for the lesson: a one-page PDF (with a drawn grid map) and a CSV (pure)."""

from dataclasses import dataclass, field
from pathlib import Path

import shapely
from jinja2 import Environment, FileSystemLoader, select_autoescape
from shapely.geometry import shape
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from core.exports import csv_text
from core.geo import reproject

TEMPLATES = Path(__file__).with_name("templates_pdf")
ENV = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
SVG_SIZE = 400
SHADES = ["#f0f0f0", "#c8c8c8", "#969696", "#636363", "#252525"]  # greyscale-safe


@dataclass
class Summary:
    """What goes on a class summary."""

    title: str
    subtitle: str
    maps: int
    questions: dict = field(default_factory=dict)  # heading -> list of Tally
    texts: list[str] = field(default_factory=list)  # approved comments and ideas
    area: dict | None = None
    cells: list[dict] = field(default_factory=list)


def _projected(geometry: dict, srid: int):
    return reproject(shape(geometry), 4326, srid)


def grid_svg(area: dict, cells: list[dict], srid: int = 27700) -> dict:
    """The map area and the grid cells (darker = more pupils unsafe) as SVG paths."""
    outline = _projected(area, srid)
    west, south, east, north = outline.bounds
    scale = SVG_SIZE / max(east - west, north - south)

    def path(geometry) -> str:
        parts = []
        for polygon in shapely.get_parts(geometry):
            points = [f"{(x - west) * scale:.1f},{(north - y) * scale:.1f}"
                      for x, y in polygon.exterior.coords]
            parts.append("M" + " L".join(points) + " Z")
        return " ".join(parts)

    top = max([c["unsafe"] for c in cells] + [1])
    shaded = [{"d": path(_projected(c["geometry"], srid)),
               "fill": SHADES[min(4, round(c["unsafe"] / top * 4))]} for c in cells if c["unsafe"]]
    return {"outline": path(outline), "cells": shaded, "width": round((east - west) * scale),
            "height": round((north - south) * scale)}


def summary_pdf(summary: Summary) -> bytes:
    """The summary as a one-page A4 PDF (no outside resources are fetched)."""
    svg = grid_svg(summary.area, summary.cells) if summary.area else None
    html = ENV.get_template("summary.html").render(summary=summary, svg=svg)
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()


def summary_csv(summary: Summary) -> str:
    """The counts as CSV: question, answer, pupils unsafe, pupils safe (formula-safe)."""
    rows = [{"question": heading, "answer": tally.label, "pupils_unsafe": tally.unsafe_pupils,
             "pupils_safe": tally.safe_pupils}
            for heading, tallies in summary.questions.items() for tally in tallies]
    return csv_text(["question", "answer", "pupils_unsafe", "pupils_safe"], rows)

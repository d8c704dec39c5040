"""A small vector map of one hot-spot area for the printed briefing (pure, matplotlib).

Drawn in British National Grid: the area's hexagons shaded by confidence (hatching as well as
shade, so it reads in black and white), the nearest Safe Havens and schools as numbered marks
that the page's text names, a scale bar and a north arrow. No basemap yet (see decisions.md).
"""

import io

import numpy as np
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.patches import Polygon

from mapping.heatmap_exports import HAVEN_COLOUR, SCHOOL_COLOUR
from mapping.heatmap_snapshot import bng_points, bng_rings, north_arrow, scale_bar

SHADES = {99: ("#7f1d1d", "xxx"), 95: ("#b91c1c", "xx"), 90: ("#f87171", "x")}
OTHER_CELL = "#e5e7eb"
MIN_SPAN_M = 600.0
MAX_PULL_M = 800.0  # a haven this close is drawn even if it widens the map


def _limits(points, ratio: float) -> tuple[float, float, float, float]:
    (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
    width = max(x1 - x0, MIN_SPAN_M) * 1.2
    height = max(y1 - y0, MIN_SPAN_M / ratio) * 1.2
    width, height = max(width, height * ratio), max(height, width / ratio)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return cx - width / 2, cx + width / 2, cy - height / 2, cy + height / 2


def area_map_svg(*, cells: list[dict], havens: list[dict], schools: list[dict],
                 size_mm: tuple[float, float] = (120, 90)) -> bytes:
    """SVG of an area: `cells` have a lon/lat `geometry` and a `confidence` (None for cells
    around it); havens and schools have lon, lat and a `label` drawn in their mark."""
    fig = Figure(figsize=(size_mm[0] / 25.4, size_mm[1] / 25.4))
    FigureCanvasSVG(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    rings = []
    for cell in cells:
        ring = bng_rings(cell["geometry"])[0]
        colour, hatch = SHADES.get(cell.get("confidence"), (OTHER_CELL, None))
        ax.add_patch(Polygon(ring, closed=True, facecolor=colour, edgecolor="white",
                             hatch=hatch, linewidth=0.6))
        if cell.get("confidence"):
            rings.append(ring)
    for places, colour, marker in ((havens, HAVEN_COLOUR, "s"), (schools, SCHOOL_COLOUR, "o")):
        xy = bng_points(places)
        ax.scatter(xy[:, 0], xy[:, 1], s=150, c=colour, marker=marker, edgecolors="white",
                   linewidths=1, zorder=3)
        for (x, y), place in zip(xy, places, strict=True):
            ax.text(x, y, place["label"], ha="center", va="center", color="white", fontsize=7,
                    fontweight="bold", parse_math=False, zorder=4)
    near_havens = [xy for xy in bng_points(havens) if rings and
                   np.hypot(*(xy - np.vstack(rings).mean(axis=0))) < MAX_PULL_M]
    shown = np.vstack([*rings, np.array(near_havens).reshape(-1, 2)] if rings
                      else [np.zeros((1, 2))])
    limits = _limits(shown, size_mm[0] / size_mm[1])
    ax.set_xlim(*limits[:2])
    ax.set_ylim(*limits[2:])
    ax.set_aspect("equal")
    ax.set_axis_off()
    scale_bar(ax, limits)
    north_arrow(ax)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()

"""A printable picture of published heatmap cells (PNG or vector PDF) drawn by matplotlib (pure).

The map is drawn in British National Grid so hexagons keep their shape. Only matplotlib's object
API is used (no pyplot, no global state), so it is safe in a threaded server.
"""

import html
import io
import re
import textwrap

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Polygon, Rectangle
from shapely.geometry import shape

from core.geo import reproject, scale_length_m, transformer
from mapping.heat_scale import legend
from mapping.heatmap_exports import (
    HAVEN_COLOUR,
    LEGEND_TITLES,
    NO_CELLS,
    SCHOOL_COLOUR,
    fill_colour,
    kind_of,
)

PAGES_MM = {"A4": (297, 210), "A3": (420, 297)}  # landscape
DPI = {"png": 200, "pdf": 72}
MAP_BOX = (0.03, 0.13, 0.68, 0.77)  # left, bottom, width, height (figure fractions)
TAG = re.compile(r"<[^>]*>")


def _plain(text: str) -> str:
    """Attribution HTML (links, &copy;) as plain text."""
    return html.unescape(TAG.sub("", text))


def bng_rings(geometry: dict) -> list[np.ndarray]:
    """Every ring of a lon/lat (Multi)Polygon as BNG coordinates."""
    moved = reproject(shape(geometry.get("geometry", geometry)), 4326, 27700)
    polygons = getattr(moved, "geoms", [moved])
    return [np.asarray(ring.coords) for p in polygons for ring in (p.exterior, *p.interiors)]


def _extent(arrays: list[np.ndarray], box_ratio: float) -> tuple[float, float, float, float]:
    """x/y limits around the drawn things, padded, with the map box's width/height ratio."""
    if not arrays:
        return 0.0, box_ratio, 0.0, 1.0
    points = np.vstack(arrays)
    (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
    width, height = max(x1 - x0, 200.0) * 1.25, max(y1 - y0, 200.0) * 1.25
    width, height = max(width, height * box_ratio), max(height, width / box_ratio)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return cx - width / 2, cx + width / 2, cy - height / 2, cy + height / 2


def scale_bar(ax, limits: tuple[float, float, float, float]) -> None:
    """A bar of a round number of metres, about a fifth of the map's width, bottom left."""
    x0, x1, y0, y1 = limits
    length = scale_length_m(x1 - x0)
    left, bottom, height = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.04, (y1 - y0) * 0.008
    ax.add_patch(Rectangle((left, bottom), length, height, facecolor="black", zorder=4))
    label = f"{length // 1000} km" if length >= 1000 and length % 1000 == 0 else f"{length} m"
    ax.text(left + length / 2, bottom + height * 2, label, ha="center", va="bottom", fontsize=8,
            parse_math=False, zorder=4)


def north_arrow(ax) -> None:
    """An arrow pointing up (grid north), top right of the map."""
    ax.annotate("N", xy=(0.96, 0.97), xytext=(0.96, 0.89), xycoords="axes fraction",
                ha="center", va="center", fontsize=10, fontweight="bold",
                arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.5})


def bng_points(places: list[dict]) -> np.ndarray:
    """Places' lon/lat as BNG x/y rows."""
    if not places:
        return np.empty((0, 2))
    xs, ys = transformer(4326, 27700).transform([p["lon"] for p in places],
                                                [p["lat"] for p in places])
    return np.column_stack([xs, ys])


def _draw_map(ax, collection: dict, outline: dict | None, schools, havens) -> None:
    """Cells, outline, schools and havens, fitted to the cells (or the outline)."""
    cells = [(bng_rings(f["geometry"])[0], fill_colour(f["properties"]))
             for f in collection["features"]]
    for ring, colour in cells:
        ax.add_patch(Polygon(ring, closed=True, facecolor=colour or "none", edgecolor="#777777",
                             linewidth=0.3))
    rings = bng_rings(outline) if outline else []
    for ring in rings:
        ax.plot(ring[:, 0], ring[:, 1], color="#0b4f8a", linewidth=1, linestyle="--")
    school_xy, haven_xy = bng_points(schools), bng_points(havens)
    ax.scatter(school_xy[:, 0], school_xy[:, 1], s=14, c=SCHOOL_COLOUR, edgecolors="white",
               linewidths=0.5, zorder=3)
    ax.scatter(haven_xy[:, 0], haven_xy[:, 1], s=10, c=HAVEN_COLOUR, marker="s",
               edgecolors="white", linewidths=0.5, zorder=3)
    shown = [ring for ring, _ in cells] or rings or [a for a in (school_xy, haven_xy) if len(a)]
    _, _, box_w, box_h = ax.get_position().bounds
    fig_w, fig_h = ax.figure.get_size_inches()
    limits = _extent(shown, (box_w * fig_w) / (box_h * fig_h))
    ax.set_xlim(*limits[:2])
    ax.set_ylim(*limits[2:])
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    if not cells:
        ax.text(0.5, 0.5, NO_CELLS, transform=ax.transAxes, ha="center", va="center",
                fontsize=11, parse_math=False, bbox={"facecolor": "white", "edgecolor": "#999"})
    scale_bar(ax, limits)
    north_arrow(ax)


def _legend(fig: Figure, kind: str) -> None:
    """Colour classes in words, then the markers and the outline."""
    handles = [Patch(facecolor=row["colour"], edgecolor="#777777", label=row["words"])
               for row in reversed(legend(kind))]
    handles += [Line2D([], [], marker="o", linestyle="", markerfacecolor=SCHOOL_COLOUR,
                       markeredgecolor="white", markersize=6, label="School"),
                Line2D([], [], marker="s", linestyle="", markerfacecolor=HAVEN_COLOUR,
                       markeredgecolor="white", markersize=5, label="Safe Haven"),
                Line2D([], [], color="#0b4f8a", linestyle="--", label="Borough boundary")]
    box = fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.73, 0.9),
                     title=LEGEND_TITLES.get(kind, kind), fontsize=9, title_fontsize=10,
                     frameon=False, alignment="left")
    for text in (*box.get_texts(), box.get_title()):
        text.set_parse_math(False)


def _text(fig: Figure, title: str, notes: list[str], attribution: str) -> None:
    """Title at the top; notes and attribution in small print at the bottom."""
    fig.text(0.03, 0.95, title, fontsize=16, fontweight="bold", va="top", parse_math=False,
             wrap=True)
    lines = [wrapped for note in notes for wrapped in textwrap.wrap(note, 150) or [""]]
    lines.append(_plain(attribution))
    fig.text(0.03, 0.02, "\n".join(lines), fontsize=7, va="bottom", linespacing=1.4,
             parse_math=False)


def snapshot(collection: dict, *, fmt: str, title: str, notes: list[str], outline: dict | None,
             schools: list[dict], havens: list[dict], attribution: str,
             size: str = "A4") -> bytes:
    """The heatmap as a landscape report page: PNG at 200 dpi or a vector PDF."""
    if fmt not in DPI:
        raise ValueError(f"fmt must be png or pdf, not {fmt!r}")
    if size not in PAGES_MM:
        raise ValueError(f"size must be one of {', '.join(PAGES_MM)}, not {size!r}")
    width_mm, height_mm = PAGES_MM[size]
    fig = Figure(figsize=(width_mm / 25.4, height_mm / 25.4), dpi=DPI[fmt])
    FigureCanvasAgg(fig)
    _draw_map(fig.add_axes(MAP_BOX), collection, outline, schools, havens)
    _legend(fig, kind_of(collection))
    _text(fig, title, notes, attribution)
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=DPI[fmt], metadata={"Title": title})
    return buffer.getvalue()

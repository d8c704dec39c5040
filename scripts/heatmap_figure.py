"""Draw docs/img/heatmap-cells.png: how zones, map areas and hexagons make a heatmap cell.

Run: .venv/bin/python scripts/heatmap_figure.py (a docs illustration, not used by the app).
"""

import math
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Polygon as PolygonPatch
from shapely.geometry import Point, Polygon

from mapping.heat_scale import colour_for

EDGE = 150.0
OUT = Path(__file__).resolve().parent.parent / "docs" / "img" / "heatmap-cells.png"


def hexagon(i: int, j: int) -> Polygon:
    """A flat-topped hexagon of the grid, as PostGIS ST_HexagonGrid lays them out."""
    cx = i * 1.5 * EDGE
    cy = j * math.sqrt(3) * EDGE + (abs(i) % 2) * math.sqrt(3) / 2 * EDGE
    return Polygon([(cx + EDGE * math.cos(math.radians(a)), cy + EDGE * math.sin(math.radians(a)))
                    for a in range(0, 360, 60)])


def main() -> None:
    """Draw the figure."""
    # Two classes: their map areas and how many pupils sent a map (the coverage they give).
    areas = [(Point(0, 0).buffer(900), 4), (Point(700, 250).buffer(800), 3)]
    # Each pupil's unsafe zones; the first pupil's two zones overlap and count once.
    pupils = [[Polygon([(100, 80), (420, 40), (460, 300), (150, 330)]),
               Polygon([(250, 120), (520, 160), (480, 420), (230, 380)])],
              [Point(380, 230).buffer(160)], [Point(-500, -300).buffer(120)], [],
              [Point(330, 260).buffer(110)], [], []]
    unsafe = [zone for zones in pupils for zone in zones]
    figure = Figure(figsize=(8, 5.2), dpi=110)
    FigureCanvasAgg(figure)
    ax = figure.add_axes([0, 0.13, 1, 0.8])
    ax.set_aspect("equal")
    ax.axis("off")
    for i in range(-8, 12):
        for j in range(-6, 7):
            cell = hexagon(i, j)
            covered = sum(n for area, n in areas if area.contains(cell.centroid))
            marked = sum(any(zone.intersection(cell).area > 0 for zone in zones)
                         for zones in pupils)
            colour = colour_for("unsafe", marked / covered) if covered else "#ffffff"
            ax.add_patch(PolygonPatch(list(cell.exterior.coords), facecolor=colour if marked
                                      else ("#f3f4f6" if covered else "#ffffff"),
                                      edgecolor="#9ca3af", linewidth=0.5))
            if marked:
                ax.text(cell.centroid.x, cell.centroid.y, f"{marked}/{covered}", ha="center",
                        va="center", fontsize=7)
    for area, _n in areas:
        ax.plot(*area.exterior.xy, color="#0b4f8a", linestyle="--", linewidth=1.5)
    for zone in unsafe:
        ax.plot(*zone.exterior.xy, color="#7f1d1d", linewidth=1.2)
    ax.set_xlim(-1150, 1650)
    ax.set_ylim(-950, 1100)
    figure.suptitle("Each hexagon: pupils who marked it / pupils who could have",
                    fontsize=11, y=0.98)
    figure.text(0.02, 0.02, "Dashed: two classes' map areas (4 and 3 pupils sent maps).\n"
                "Dark red outlines: pupils' unsafe zones; one pupil drew two overlapping zones, "
                "counted once.\nGrey: covered, nobody marked it. White: no data, nobody was "
                "asked. Published only with 10+ pupils from 3+ schools.", fontsize=8,
                va="bottom")
    figure.savefig(OUT)


if __name__ == "__main__":
    main()

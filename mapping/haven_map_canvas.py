"""A haven map's plan drawn on a ReportLab canvas, in vector (pure).

The canvas is moved and scaled so that one unit is a millimetre of the A4 design with y down,
as in the plan; text is flipped back upright where it is drawn.
"""

import io
from functools import cache
from pathlib import Path

import matplotlib
from reportlab.lib.colors import HexColor
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import FILL_EVEN_ODD, Canvas

from mapping.haven_map_drawing import (
    BACKGROUND,
    HAVEN_RADIUS_MM,
    MapPlan,
    Polyline,
    Text,
    north_box,
    scale_texts,
    star_points,
)

REGULAR, BOLD = "DejaVuSans", "DejaVuSans-Bold"


@cache
def register_fonts() -> tuple[str, str]:
    """DejaVu Sans (as on every other printout), from matplotlib's own copy of the fonts."""
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    for name in (REGULAR, BOLD):
        pdfmetrics.registerFont(TTFont(name, str(folder / f"{name}.ttf")))
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR,
                                  boldItalic=BOLD)
    return REGULAR, BOLD


@cache
def colour(value: str) -> HexColor:
    """A CSS hex colour (#rgb or #rrggbb)."""
    if len(value) == 4:
        value = "#" + "".join(c * 2 for c in value[1:])
    return HexColor(value)


def path_of(canvas: Canvas, polylines: list[Polyline]):
    """One ReportLab path of page-millimetre polylines."""
    path = canvas.beginPath()
    for points, closed in polylines:
        (x, y), rest = points[0], points[1:]
        path.moveTo(float(x), float(y))
        for x, y in rest.tolist():
            path.lineTo(x, y)
        if closed:
            path.close()
    return path


def draw_text(canvas: Canvas, text: Text) -> None:
    """Text at its anchor, rotated, with a white halo under it when asked."""
    font = BOLD if text.bold else REGULAR
    width = pdfmetrics.stringWidth(text.content, font, text.size)
    width += text.spacing * max(len(text.content) - 1, 0)
    shift = {"start": 0.0, "middle": -width / 2, "end": -width}[text.anchor]
    canvas.saveState()
    canvas.translate(text.x, text.y)
    canvas.rotate(text.rotate)
    canvas.scale(1, -1)
    passes = [(1, "#fff"), (0, text.fill)] if text.halo_mm else [(0, text.fill)]
    for mode, ink in passes:
        canvas.saveState()  # the text render mode is graphics state: restored after each pass
        words = canvas.beginText(shift, 0)
        words.setFont(font, text.size)
        words.setCharSpace(text.spacing)
        words.setTextRenderMode(mode)
        words.setFillColor(colour(ink))
        words.setStrokeColor(colour(ink))
        canvas.setLineWidth(text.halo_mm)
        canvas.setLineJoin(1)
        words.textOut(text.content)
        canvas.drawText(words)
        canvas.restoreState()
    canvas.restoreState()


def draw_basemap(canvas: Canvas, plan: MapPlan) -> None:
    """The plan's basemap areas, then its lines."""
    for area in plan.areas:
        canvas.setFillColor(colour(area.colour))
        canvas.drawPath(path_of(canvas, area.rings), stroke=0, fill=1, fillMode=FILL_EVEN_ODD)
    canvas.setLineCap(1)
    canvas.setLineJoin(1)
    paths: dict[int, object] = {}  # a road's casing and fill (a railway's two passes): one path
    for line in plan.lines:
        canvas.setStrokeColor(colour(line.colour))
        canvas.setLineWidth(line.width)
        canvas.setDash(list(line.dash) if line.dash else [])
        if id(line.lines) not in paths:
            paths[id(line.lines)] = path_of(canvas, line.lines)
        canvas.drawPath(paths[id(line.lines)], stroke=1, fill=0)
    canvas.setDash([])


def _school(canvas: Canvas, plan: MapPlan) -> None:
    cx, cy, r = plan.circle
    canvas.setStrokeColor(colour("#222"))
    canvas.setLineWidth(0.5)
    canvas.setDash([2.5, 1.5])
    canvas.circle(cx, cy, r, stroke=1, fill=0)
    canvas.setDash([])
    for text in plan.texts:
        draw_text(canvas, text)
    star = canvas.beginPath()
    points = star_points(*plan.star)
    star.moveTo(*points[0])
    for point in points[1:]:
        star.lineTo(*point)
    star.close()
    canvas.setFillColor(colour("#000"))
    canvas.setStrokeColor(colour("#fff"))
    canvas.drawPath(star, stroke=1, fill=1)
    draw_text(canvas, plan.school_word)


def _labels(canvas: Canvas, plan: MapPlan) -> None:
    canvas.setStrokeColor(colour("#000"))
    canvas.setLineWidth(0.35)
    for lb in (lb for lb in plan.labels if lb.moved):
        canvas.line(lb.x, lb.y, lb.label_x, lb.label_y)
    canvas.setFillColor(colour("#000"))
    canvas.setStrokeColor(colour("#fff"))
    canvas.setLineWidth(0.25)
    for lb in (lb for lb in plan.labels if lb.moved):
        canvas.circle(lb.x, lb.y, 0.8, stroke=1, fill=1)
    canvas.setLineWidth(0.45)
    for lb in plan.labels:
        canvas.setFillColor(colour("#000"))
        canvas.setStrokeColor(colour("#fff"))
        canvas.circle(lb.label_x, lb.label_y, HAVEN_RADIUS_MM, stroke=1, fill=1)
        size = 3.2 if lb.number < 100 else 2.4
        draw_text(canvas, Text(lb.label_x, lb.label_y + size * 0.36, str(lb.number), size,
                               bold=True, fill="#fff", anchor="middle"))


def _white_box(canvas: Canvas, box) -> None:
    left, top, right, bottom = box
    canvas.saveState()
    canvas.setFillColor(colour("#fff"))
    canvas.setFillAlpha(0.85)
    canvas.rect(left, top, right - left, bottom - top, stroke=0, fill=1)
    canvas.restoreState()


def _furniture(canvas: Canvas, plan: MapPlan) -> None:
    bar = plan.scale
    _white_box(canvas, bar.box)
    half = bar.length_mm / 2
    canvas.setFillColor(colour("#000"))
    canvas.rect(bar.left, bar.bottom - 1.6, half, 1.6, stroke=0, fill=1)
    canvas.setFillColor(colour("#fff"))
    canvas.setStrokeColor(colour("#000"))
    canvas.setLineWidth(0.3)
    canvas.rect(bar.left + half, bar.bottom - 1.6, half, 1.6, stroke=1, fill=1)
    for text in scale_texts(bar):
        draw_text(canvas, text)
    _white_box(canvas, north_box(plan.north))
    x, top = plan.north
    arrow = canvas.beginPath()
    arrow.moveTo(x, top + 4)
    for dx, dy in ((-2.5, 11.5), (0, 9.5), (2.5, 11.5)):
        arrow.lineTo(x + dx, top + dy)
    arrow.close()
    canvas.setFillColor(colour("#000"))
    canvas.drawPath(arrow, stroke=0, fill=1)
    draw_text(canvas, Text(x, top + 3.2, "N", 3.4, bold=True, anchor="middle"))


def draw_map(canvas: Canvas, plan: MapPlan, *, left: float, top: float, unit: float) -> None:
    """The map with its top-left corner at (left, top) in points, `unit` points to the mm."""
    register_fonts()
    width, height = plan.width_mm * unit, plan.height_mm * unit
    canvas.saveState()
    clip = canvas.beginPath()
    clip.rect(left, top - height, width, height)
    canvas.clipPath(clip, stroke=0, fill=0)
    canvas.setFillColor(colour(BACKGROUND))
    canvas.rect(left, top - height, width, height, stroke=0, fill=1)
    if plan.raster:
        canvas.drawImage(ImageReader(io.BytesIO(plan.raster)), left, top - height, width, height)
    canvas.translate(left, top)
    canvas.scale(unit, -unit)
    draw_basemap(canvas, plan)
    _school(canvas, plan)
    _labels(canvas, plan)
    _furniture(canvas, plan)
    canvas.setStrokeColor(colour("#000"))
    canvas.setLineWidth(0.5)
    canvas.rect(0, 0, plan.width_mm, plan.height_mm, stroke=1, fill=0)
    canvas.restoreState()

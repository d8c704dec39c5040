"""The paper worksheet as a PDF (pure): one A4 sheet per pupil, all positions from `sheet`.

Everything printed is black, white or grey: red and green are the pupils' ink, so the map is
drawn in light greys that a felt-tip covers. The page's fixed parts (map, markers, pen tests,
instructions) are drawn once as a form and reused on every page; only the sheet number and its
QR code change from page to page.
"""

import io
from dataclasses import dataclass, field
from functools import cache

import cv2
import numpy as np
import segno
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from shapely.geometry.base import BaseGeometry

from mapping import haven_map_canvas as drawn
from mapping import haven_map_drawing as plan
from mapping.haven_map_layout import Frame
from mapping.paper import sheet

MM = 72 / 25.4  # points per millimetre
MAX_SHEETS = 60
QR_MM = 30.0  # the QR symbol itself (the issue asks for at least 30 mm), centred in QR_BOX
QR_ERROR = "q"  # a quarter of the code can be smudged and still read
BOX_GREY = "#888888"
TEXT_GREY = "#555555"
INSTRUCTIONS = (
    "Colour RED where you feel unsafe and GREEN where you feel safe.",
    "Draw a firm outline, then colour the whole area in.",
    "Leave a finger's width between areas.",
    "Keep the squares and the code clean; don't fold.",
)
PRINT_NOTE = "Print at 100% (actual size) on A4. Black and white is fine."


@dataclass(frozen=True)
class WorksheetContent:
    """What a session's worksheets show; ground geometry in metres of the work CRS."""

    session_id: int
    code: str  # the session code as teachers and pupils see it
    class_label: str
    school_name: str
    frame: sheet.MapFrame
    area: BaseGeometry | None = None  # the session's map area, outlined
    school: tuple[float, float] | None = None
    features: list[plan.MapFeature] = field(default_factory=list)
    attributions: list[str] = field(default_factory=list)


def grey(value: str, floor: float = 0.55) -> str:
    """A colour as a neutral grey of the same lightness, lifted into [floor, 1] so ink shows."""
    value = value if len(value) == 7 else "#" + "".join(c * 2 for c in value[1:])
    r, g, b = (int(value[i:i + 2], 16) / 255 for i in (1, 3, 5))
    level = floor + (1 - floor) * (0.2126 * r + 0.7152 * g + 0.0722 * b)
    return "#" + f"{round(level * 255):02x}" * 3


def map_frame(frame: sheet.MapFrame) -> Frame:
    """The haven-map frame of the worksheet's map box (for the shared basemap drawing)."""
    width, height = sheet.MAP_BOX[2] - sheet.MAP_BOX[0], sheet.MAP_BOX[3] - sheet.MAP_BOX[1]
    return Frame(frame.west, frame.north - height * frame.metres_per_mm,
                 frame.west + width * frame.metres_per_mm, frame.north, width, height)


@dataclass(frozen=True)
class _Basemap:
    areas: list[plan.Area]
    lines: list[plan.Line]


def _greyscale_basemap(content: WorksheetContent, frame: Frame) -> tuple[_Basemap, list]:
    areas, lines = plan.basemap_shapes(content.features, plan.page_transform(frame))
    areas = [plan.Area(grey(a.colour, 0.7), a.rings) for a in areas]
    lines = [plan.Line(grey(ln.colour, 0.4), ln.width, ln.lines, ln.dash) for ln in lines]
    occupied = []
    if content.school:
        x, y = frame.to_page(*content.school)
        occupied.append((x - 8.0, y - 5.0, x + 8.0, y + 5.0))
    labels = [plan.Text(t.x, t.y, t.content, t.size, t.bold, TEXT_GREY, t.anchor, t.rotate,
                        t.halo_mm, t.spacing)
              for t in plan.road_labels(content.features, frame, occupied, limit=25)]
    return _Basemap(areas, lines), labels


def _fill(canvas: Canvas, value: str) -> None:
    canvas.setFillColor(drawn.colour(value))


def _text(canvas: Canvas, x: float, y: float, words: str, size: float, bold: bool = False,
          anchor: str = "start", fill: str = "#000") -> None:
    drawn.draw_text(canvas, plan.Text(x, y, words, size, bold=bold, fill=fill, anchor=anchor))


def _map(canvas: Canvas, content: WorksheetContent) -> None:
    left, top, right, bottom = sheet.MAP_BOX
    frame = map_frame(content.frame)
    basemap, labels = _greyscale_basemap(content, frame)
    canvas.saveState()
    clip = canvas.beginPath()
    clip.rect(left, top, right - left, bottom - top)
    canvas.clipPath(clip, stroke=0, fill=0)
    canvas.translate(left, top)
    drawn.draw_basemap(canvas, basemap)
    if content.area is not None:
        rings = plan.as_polylines([content.area], plan.page_transform(frame))
        canvas.setStrokeColor(drawn.colour("#777777"))
        canvas.setLineWidth(0.6)
        canvas.setDash([3, 1.5])
        canvas.drawPath(drawn.path_of(canvas, rings), stroke=1, fill=0)
        canvas.setDash([])
    for label in labels:
        drawn.draw_text(canvas, label)
    if content.school:
        _school(canvas, *frame.to_page(*content.school))
    canvas.restoreState()
    canvas.setStrokeColor(drawn.colour(BOX_GREY))
    canvas.setLineWidth(0.4)
    canvas.rect(left, top, right - left, bottom - top, stroke=1, fill=0)


def _school(canvas: Canvas, x: float, y: float) -> None:
    star = canvas.beginPath()
    points = plan.star_points(x, y, 3.0)
    star.moveTo(*points[0])
    for point in points[1:]:
        star.lineTo(*point)
    star.close()
    _fill(canvas, "#444444")
    canvas.setStrokeColor(drawn.colour("#ffffff"))
    canvas.setLineWidth(0.3)
    canvas.drawPath(star, stroke=1, fill=1)
    drawn.draw_text(canvas, plan.Text(x, y + 6.2, "SCHOOL", 2.6, bold=True, fill="#444444",
                                      anchor="middle", halo_mm=0.8))


@cache
def marker_bits(marker_id: int) -> np.ndarray:
    """A marker's cells (MARKER_CELLS square, border included), True where black."""
    dictionary = cv2.aruco.getPredefinedDictionary(getattr(cv2.aruco, sheet.ARUCO_DICTIONARY))
    image = cv2.aruco.generateImageMarker(dictionary, marker_id, sheet.MARKER_CELLS)
    return image < 128


def _cells(canvas: Canvas, dark: np.ndarray, left: float, top: float, cell: float) -> None:
    """Dark cells as one path, so that neighbouring cells join without hairline seams."""
    path = canvas.beginPath()
    for row, col in zip(*np.nonzero(dark), strict=True):
        path.rect(left + col * cell, top + row * cell, cell, cell)
    _fill(canvas, "#000000")
    canvas.drawPath(path, stroke=0, fill=1)


def _white(canvas: Canvas, left: float, top: float, right: float, bottom: float) -> None:
    _fill(canvas, "#ffffff")
    canvas.rect(left, top, right - left, bottom - top, stroke=0, fill=1)


def _markers(canvas: Canvas) -> None:
    for marker_id, (left, top, size) in sheet.MARKERS.items():
        q = sheet.QUIET_MM
        _white(canvas, left - q, top - q, left + size + q, top + size + q)
        _cells(canvas, marker_bits(marker_id), left, top, size / sheet.MARKER_CELLS)


def _pen_tests(canvas: Canvas) -> None:
    for box, label in ((sheet.RED_TEST_BOX, "RED = I feel unsafe"),
                       (sheet.GREEN_TEST_BOX, "GREEN = I feel safe")):
        left, top, right, bottom = box
        _text(canvas, left, top - 1.0, label, 3.0, bold=True)
        canvas.setStrokeColor(drawn.colour(BOX_GREY))
        canvas.setLineWidth(0.3)
        canvas.rect(left, top, right - left, bottom - top, stroke=1, fill=0)
        _text(canvas, right + 1.5, bottom - 1.2, "try it", 2.2, fill=TEXT_GREY)


def _instructions(canvas: Canvas) -> None:
    left, top, right, _bottom = sheet.INSTRUCTIONS_BOX
    _text(canvas, left, top + 3.0, "How to fill in the map", 3.4, bold=True)
    y = top + 8.0
    for number, line in enumerate(INSTRUCTIONS, 1):
        wrapped = simpleSplit(line, drawn.REGULAR, 3.0, right - left - 5.0)
        _text(canvas, left, y, f"{number}.", 3.0, bold=True)
        for part in wrapped:
            _text(canvas, left + 5.0, y, part, 3.0)
            y += 4.0
        y += 1.5


def _fit(words: str, font: str, size: float, width: float) -> str:
    """The words cut short with an ellipsis if they are wider than `width` mm."""
    if pdfmetrics.stringWidth(words, font, size) <= width:
        return words
    while words and pdfmetrics.stringWidth(words + "…", font, size) > width:
        words = words[:-1]
    return words.rstrip() + "…"


def _fixed(canvas: Canvas, content: WorksheetContent) -> None:
    """What every sheet of the session shows."""
    _map(canvas, content)
    left, top, right, _bottom = sheet.TITLE_BOX
    _text(canvas, left, top + 5.0, "Where do you feel safe?", 4.6, bold=True)
    _text(canvas, left, top + 10.5, _fit(content.school_name, drawn.REGULAR, 3.0, right - left),
          3.0)
    _text(canvas, left, top + 15.0, _fit(f"Class {content.class_label}", drawn.REGULAR, 3.0,
                                         right - left), 3.0)
    _pen_tests(canvas)
    _instructions(canvas)
    left, top, right, _bottom = sheet.PRINT_NOTE_BOX
    _text(canvas, left, top + 3.0, PRINT_NOTE, 3.0, bold=True)
    credit = "Map: " + "; ".join(content.attributions) if content.attributions else ""
    _text(canvas, left, top + 7.0, _fit(credit, drawn.REGULAR, 2.0, right - left), 2.0,
          fill=TEXT_GREY)
    _markers(canvas)


def qr_modules(session_id: int, number: int) -> np.ndarray:
    """The QR code of a sheet, True where a module is dark (no quiet zone)."""
    code = segno.make(sheet.qr_payload(session_id, number), error=QR_ERROR, micro=False)
    return np.array([list(row) for row in code.matrix], dtype=bool)


def _sheet(canvas: Canvas, content: WorksheetContent, number: int, total: int) -> None:
    _left, top, right, _bottom = sheet.CODE_BOX
    _text(canvas, right, top + 5.0, f"Code {content.code}", 4.6, bold=True, anchor="end")
    _text(canvas, right, top + 11.5, f"Sheet {number} of {total}", 3.6, anchor="end")
    modules = qr_modules(content.session_id, number)
    qleft, qtop, qright, qbottom = sheet.QR_BOX
    _white(canvas, qleft, qtop, qright, qbottom)
    offset = ((qright - qleft) - QR_MM) / 2
    _cells(canvas, modules, qleft + offset, qtop + offset, QR_MM / len(modules))


def worksheet_pdf(content: WorksheetContent, sheets: int) -> bytes:
    """All of a session's worksheets, one numbered A4 page per sheet."""
    if not 1 <= sheets <= MAX_SHEETS:
        raise ValueError(f"sheets must be from 1 to {MAX_SHEETS}")
    drawn.register_fonts()
    out = io.BytesIO()
    width, height = sheet.PAGE_MM
    canvas = Canvas(out, pagesize=(width * MM, height * MM), pageCompression=1)
    canvas.setTitle(f"Paper worksheets, session {content.code}")
    canvas.setAuthor("Safe Havens")

    def to_mm() -> None:  # one unit a millimetre, y down from the top-left corner
        canvas.translate(0, height * MM)
        canvas.scale(MM, -MM)

    canvas.beginForm("fixed")
    canvas.saveState()
    to_mm()
    _fixed(canvas, content)
    canvas.restoreState()
    canvas.endForm()
    for number in range(1, sheets + 1):
        canvas.doForm("fixed")
        canvas.saveState()
        to_mm()
        _sheet(canvas, content, number, sheets)
        canvas.restoreState()
        canvas.showPage()
    canvas.save()
    return out.getvalue()


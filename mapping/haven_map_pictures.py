"""Fixed-size drawings for the ReportLab haven map: the map itself, the Safe Haven sign, the QR
code and the numbered badges of the legend (pure)."""

import segno
from reportlab.lib.colors import black, white
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from mapping.haven_map_canvas import BOLD, draw_map
from mapping.haven_map_drawing import MapPlan


class Picture(Flowable):
    """A fixed-size drawing: `draw(canvas, width, height)` with the origin bottom left."""

    def __init__(self, width: float, height: float, draw):
        super().__init__()
        self.width, self.height, self._draw = width, height, draw

    def wrap(self, *_available):
        return self.width, self.height

    def draw(self):
        self._draw(self.canv, self.width, self.height)


def map_picture(plan: MapPlan, unit: float) -> Picture:
    """The planned map, `unit` points to the design millimetre."""
    def draw(canvas, _width, height):
        draw_map(canvas, plan, left=0, top=height, unit=unit)
    return Picture(plan.width_mm * unit, plan.height_mm * unit, draw)


def sign(canvas: Canvas, width: float, height: float) -> None:
    """The Safe Haven sign (havens/templates_pdf/safe-haven-sign.svg, 240 by 200)."""
    canvas.saveState()
    canvas.translate(0, height)
    canvas.scale(width / 240, -height / 200)
    canvas.setFillColor(black)
    house = canvas.beginPath()
    house.moveTo(120, 10)
    for x, y in ((232, 104), (206, 104), (206, 192), (34, 192), (34, 104), (8, 104)):
        house.lineTo(x, y)
    house.close()
    canvas.drawPath(house, stroke=0, fill=1)
    canvas.rect(164, 28, 22, 40, stroke=0, fill=1)
    canvas.setFillColor(white)
    heart = canvas.beginPath()
    heart.moveTo(120, 66)
    heart.curveTo(112, 54, 96, 56, 96, 69)
    heart.curveTo(96, 80, 110, 88, 120, 96)
    heart.curveTo(130, 88, 144, 80, 144, 69)
    heart.curveTo(144, 56, 128, 54, 120, 66)
    heart.close()
    canvas.drawPath(heart, stroke=0, fill=1)
    door = canvas.beginPath()
    door.moveTo(92, 192)
    door.lineTo(92, 148)
    door.arcTo(92, 120, 148, 176, startAng=180, extent=180)
    door.lineTo(148, 192)
    door.close()
    canvas.drawPath(door, stroke=0, fill=1)
    canvas.setFillColor(black)
    canvas.circle(136, 164, 4.5, stroke=0, fill=1)
    canvas.restoreState()


def qr(url: str, size: float) -> Picture:
    """The QR code (level M, 4-module quiet zone) drawn as black runs on white."""
    code = segno.make(url, error="m", micro=False)
    rows = [list(row) for row in code.matrix_iter(scale=1, border=4)]

    def draw(canvas, _width, _height):
        module = size / len(rows)
        canvas.setFillColor(white)
        canvas.rect(0, 0, size, size, stroke=0, fill=1)
        canvas.setFillColor(black)
        for j, row in enumerate(rows):
            i = 0
            while i < len(row):
                if row[i]:
                    start = i
                    while i < len(row) and row[i]:
                        i += 1
                    canvas.rect(start * module, size - (j + 1) * module,
                                (i - start) * module, module, stroke=0, fill=1)
                i += 1
    return Picture(size, size, draw)


def badge(number: int, size: float, font_size: float, drop: float) -> Picture:
    """A black disc with the haven's number in white, as on the map."""
    def draw(canvas, width, height):
        canvas.setFillColor(black)
        canvas.circle(width / 2, height / 2, width / 2, stroke=0, fill=1)
        canvas.setFillColor(white)
        canvas.setFont(BOLD, font_size)
        canvas.drawCentredString(width / 2, height / 2 - drop, str(number))
    return Picture(size, size, draw)

"""Where everything sits on a paper worksheet (pure): shared by printing and reading back.

Millimetres of an A4 portrait page, x to the right and y down from the page's top-left corner.
Ground coordinates are metres in the work CRS. The printer draws these boxes; the reader finds
the markers in a photo, maps them back to these positions, and reads the map frame through
`MapFrame`.
"""

import re
from dataclasses import dataclass

Box = tuple[float, float, float, float]  # left, top, right, bottom (mm)

PAGE_MM = (210.0, 297.0)
ARUCO_DICTIONARY = "DICT_4X4_50"  # cv2.aruco's name; 4x4 bits plus a one-cell black border
MARKER_CELLS = 6  # cells across a marker, border included
QUIET_MM = 4.0  # white kept round every marker and the QR code

# Corner markers (ids 0-3) bound the sheet; edge markers (ids 4-7) sit mid-way along each side so
# a curled sheet can be straightened piece by piece. Positions are each marker's top-left corner.
CORNER_MM = 18.0
EDGE_MM = 12.0
MARKERS: dict[int, tuple[float, float, float]] = {  # id -> (left, top, size)
    0: (8.0, 8.0, CORNER_MM),  # top left
    1: (184.0, 8.0, CORNER_MM),  # top right
    2: (184.0, 206.0, CORNER_MM),  # bottom right
    3: (8.0, 206.0, CORNER_MM),  # bottom left
    4: (99.0, 11.0, EDGE_MM),  # top middle
    5: (188.0, 110.0, EDGE_MM),  # right middle
    6: (99.0, 209.0, EDGE_MM),  # bottom middle
    7: (10.0, 110.0, EDGE_MM),  # left middle
}
CORNER_IDS = (0, 1, 2, 3)
EDGE_IDS = (4, 5, 6, 7)

MAP_BOX: Box = (28.0, 30.0, 182.0, 202.0)  # the printed map, inside the markers
TITLE_BOX: Box = (30.0, 9.0, 96.0, 27.0)  # title, left of the top edge marker
CODE_BOX: Box = (115.0, 9.0, 180.0, 27.0)  # session code and sheet number
RED_TEST_BOX: Box = (28.0, 232.0, 58.0, 246.0)  # pupils try their red pen here
GREEN_TEST_BOX: Box = (28.0, 252.0, 58.0, 266.0)  # ... and their green pen here
INSTRUCTIONS_BOX: Box = (64.0, 230.0, 160.0, 280.0)
QR_BOX: Box = (166.0, 236.0, 200.0, 270.0)  # 34 mm, quiet zone inside the box
PRINT_NOTE_BOX: Box = (28.0, 282.0, 160.0, 290.0)  # "print at 100 %"

QR_PREFIX = "SH"
QR_PATTERN = re.compile(r"^SH:(\d{1,9}):(\d{1,4})$")  # QR alphanumeric mode: digits, A-Z, ':'


def marker_corners(marker_id: int) -> list[tuple[float, float]]:
    """A marker's four corners in mm, in OpenCV's order: top-left, top-right, bottom-right,
    bottom-left."""
    left, top, size = MARKERS[marker_id]
    return [(left, top), (left + size, top), (left + size, top + size), (left, top + size)]


def qr_payload(session_id: int, sheet: int) -> str:
    """What a sheet's QR code says: its session and its number."""
    return f"{QR_PREFIX}:{session_id}:{sheet}"


def parse_qr(text: str) -> tuple[int, int] | None:
    """(session id, sheet number) from a QR payload, or None if it is not one of ours."""
    found = QR_PATTERN.match((text or "").strip())
    return (int(found.group(1)), int(found.group(2))) if found else None


@dataclass(frozen=True)
class MapFrame:
    """The ground area the printed map shows, and how ground metres map to page millimetres."""

    west: float
    north: float
    metres_per_mm: float

    def to_page(self, x: float, y: float) -> tuple[float, float]:
        """Ground metres to page millimetres (y down)."""
        left, top = MAP_BOX[0], MAP_BOX[1]
        return (left + (x - self.west) / self.metres_per_mm,
                top + (self.north - y) / self.metres_per_mm)

    def to_ground(self, x_mm: float, y_mm: float) -> tuple[float, float]:
        """Page millimetres to ground metres."""
        left, top = MAP_BOX[0], MAP_BOX[1]
        return (self.west + (x_mm - left) * self.metres_per_mm,
                self.north - (y_mm - top) * self.metres_per_mm)


def frame_for(bounds: tuple[float, float, float, float], margin: float = 1.04) -> MapFrame:
    """The frame showing a ground box (minx, miny, maxx, maxy in metres) whole and centred in
    the map box, at one scale for both axes."""
    minx, miny, maxx, maxy = bounds
    width_mm, height_mm = MAP_BOX[2] - MAP_BOX[0], MAP_BOX[3] - MAP_BOX[1]
    scale = max((maxx - minx) / width_mm, (maxy - miny) / height_mm, 1e-6) * margin
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    return MapFrame(west=cx - width_mm * scale / 2, north=cy + height_mm * scale / 2,
                    metres_per_mm=scale)

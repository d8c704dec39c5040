"""Synthetic photos of coloured worksheets: the sheet from `sheet.py`, felt-tip zones, a phone."""

import math
from dataclasses import dataclass, field

import cv2
import numpy as np
import segno
from shapely.geometry import Polygon, box

from mapping.paper import sheet

PX = 8.0  # page pixels per mm while drawing
PAGE_PX = (round(sheet.PAGE_MM[0] * PX), round(sheet.PAGE_MM[1] * PX))
PAPER = (246, 248, 250)  # BGR, a slightly cool white
PENS = {  # BGR transmittance of felt-tip ink on white paper
    "unsafe": (0.22, 0.20, 0.86),
    "safe": (0.30, 0.66, 0.18),
}


@dataclass
class Photo:
    """A synthetic photo (JPEG bytes) and what was drawn on the sheet, in page mm."""

    jpeg: bytes
    zones: list[tuple[str, Polygon]]
    session_id: int
    sheet: int
    page_to_photo: np.ndarray = field(repr=False)


def _px(value_mm: float) -> int:
    return round(value_mm * PX)


def _ink(page: np.ndarray, mask: np.ndarray, pen: tuple[float, float, float], rng) -> None:
    """Multiply felt-tip ink into the page where mask (0-1 float) is set."""
    ys, xs = np.nonzero(mask)
    if not len(ys):
        return
    region = np.s_[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    strength = mask[region][..., None] * np.float32(rng.uniform(0.85, 1.0))
    transmit = np.array(pen, dtype=np.float32)[None, None, :]
    page[region] = page[region] * (1 - strength + strength * transmit)


def _draw_markers(page: np.ndarray, hide: tuple[int, ...]) -> None:
    dictionary = cv2.aruco.getPredefinedDictionary(getattr(cv2.aruco, sheet.ARUCO_DICTIONARY))
    for marker_id, (left, top, size) in sheet.MARKERS.items():
        image = cv2.aruco.generateImageMarker(dictionary, marker_id, _px(size))
        x, y = _px(left), _px(top)
        page[y:y + image.shape[0], x:x + image.shape[1]] = image[..., None]
    for marker_id in hide:  # a thumb over the marker
        left, top, size = sheet.MARKERS[marker_id]
        centre = (_px(left + size / 2), _px(top + size / 2))
        cv2.ellipse(page, centre, (_px(size * 0.75), _px(size * 1.1)), 30, 0, 360,
                    (150, 175, 215), -1)


def _draw_qr(page: np.ndarray, payload: str) -> None:
    qr = segno.make(payload, error="m", micro=False)
    matrix = np.array([list(row) for row in qr.matrix], dtype=np.uint8)
    left, top, right, _ = sheet.QR_BOX
    modules = matrix.shape[0] + 8  # four-module quiet zone each side
    module_px = _px(right - left) // modules
    image = np.kron(1 - matrix, np.ones((module_px, module_px), dtype=np.uint8)) * 255
    offset = (_px(right - left) - image.shape[0]) // 2
    x, y = _px(left) + offset + 4 * module_px, _px(top) + offset + 4 * module_px
    page[y:y + image.shape[0], x:x + image.shape[1]] = image[..., None]


def _draw_basemap(page: np.ndarray, rng) -> None:
    """Light grey streets and blocks, as the printed map would look."""
    left, top, right, bottom = (_px(v) for v in sheet.MAP_BOX)
    page[top:bottom, left:right] = 238
    for _ in range(25):
        x, y = rng.integers(left, right), rng.integers(top, bottom)
        w, h = rng.integers(40, 200), rng.integers(40, 200)
        cv2.rectangle(page, (x, y), (min(x + w, right), min(y + h, bottom)), (222, 222, 222), -1)
    for _ in range(9):
        a = (int(rng.integers(left, right)), int(rng.integers(top, bottom)))
        b = (int(rng.integers(left, right)), int(rng.integers(top, bottom)))
        cv2.line(page, a, b, (190, 190, 190), 26)
        cv2.line(page, a, b, (252, 252, 252), 20)
    for _ in range(6):
        org = (int(rng.integers(left, right - 200)), int(rng.integers(top + 30, bottom)))
        cv2.putText(page, "Station Rd", org, cv2.FONT_HERSHEY_SIMPLEX, 0.9, (120, 120, 120), 2)
    cv2.rectangle(page, (left, top), (right, bottom), (90, 90, 90), 3)


def _draw_text(page: np.ndarray, session_id: int, number: int) -> None:
    def put(text, x_mm, y_mm, scale=1.0):
        cv2.putText(page, text, (_px(x_mm), _px(y_mm)), cv2.FONT_HERSHEY_SIMPLEX, scale,
                    (30, 30, 30), 2)

    put("Where do you feel safe?", sheet.TITLE_BOX[0], 20, 1.3)
    put(f"Session {session_id}  Sheet {number} of 30", sheet.CODE_BOX[0], 20)
    for test_box in (sheet.RED_TEST_BOX, sheet.GREEN_TEST_BOX):
        left, top, right, bottom = (_px(v) for v in test_box)
        cv2.rectangle(page, (left, top), (right, bottom), (60, 60, 60), 3)
    for i, line in enumerate(("Draw a firm outline, then colour the whole area in",
                              "Leave a finger's width between areas",
                              "Keep the squares and the code clean; don't fold")):
        put(line, sheet.INSTRUCTIONS_BOX[0], sheet.INSTRUCTIONS_BOX[1] + 8 + 8 * i, 0.8)
    put("Print at 100% (actual size)", sheet.PRINT_NOTE_BOX[0], sheet.PRINT_NOTE_BOX[1] + 5, 0.8)


def _blob(rng, centre, radius) -> Polygon:
    count = 14
    wobble = rng.normal(0, 0.18, count)
    wobble = (wobble + np.roll(wobble, 1) + np.roll(wobble, -1)) / 3
    angles = np.linspace(0, 2 * math.pi, count, endpoint=False) + rng.uniform(0, 1)
    radii = radius * (1 + wobble) * np.where(np.arange(count) % 2, 1.0, rng.uniform(0.8, 1.2))
    points = [(centre[0] + r * math.cos(a), centre[1] + r * 0.8 * math.sin(a))
              for r, a in zip(radii, angles, strict=True)]
    return Polygon(points).buffer(2).buffer(-2)


def _zones(rng, count: int) -> list[tuple[str, Polygon]]:
    inner = box(*sheet.MAP_BOX).buffer(-4)
    kinds = ["unsafe", "safe"][:count]
    kinds += [str(rng.choice(["unsafe", "safe"])) for _ in range(count - 2)]
    zones: list[tuple[str, Polygon]] = []
    for kind in kinds:
        for _ in range(200):
            radius = rng.uniform(12, 26)
            centre = (rng.uniform(sheet.MAP_BOX[0], sheet.MAP_BOX[2]),
                      rng.uniform(sheet.MAP_BOX[1], sheet.MAP_BOX[3]))
            shape = _blob(rng, centre, radius)
            if inner.contains(shape) and all(shape.distance(z) > 10 for _, z in zones):
                zones.append((kind, shape))
                break
    return zones


def _colour(page, polygon: Polygon, pen, style: str, rng) -> None:
    """A firm outline, then the area coloured in: "filled" (dense strokes), "hatched" (sparse
    lines), "broken" (sparse lines, the outline with gaps) or "outline" (not coloured in)."""
    ring = (np.array(polygon.exterior.coords) * PX).round().astype(np.int32)
    outline = np.zeros(page.shape[:2], np.float32)
    cv2.polylines(outline, [ring], True, 1.0, _px(rng.uniform(0.9, 1.4)), cv2.LINE_AA)
    if style == "broken":  # the pen skipped: a 2 mm gap every 10 mm or so
        for distance in np.arange(0, polygon.exterior.length, 10.0):
            gap = polygon.exterior.interpolate(distance)
            cv2.circle(outline, (_px(gap.x), _px(gap.y)), _px(1.0), 0.0, -1)
    inside = np.zeros(page.shape[:2], np.uint8)
    cv2.fillPoly(inside, [ring], 1)
    strokes = np.zeros(page.shape[:2], np.float32)
    spacing, width = (1.3, 1.6) if style == "filled" else (3.2, 0.8)
    if style == "outline":
        spacing = float("inf")  # no strokes inside
    angle = rng.uniform(0, math.pi)
    minx, miny, maxx, maxy = polygon.bounds
    cx, cy, reach = (minx + maxx) / 2, (miny + maxy) / 2, max(maxx - minx, maxy - miny)
    direction, normal = (math.cos(angle), math.sin(angle)), (-math.sin(angle), math.cos(angle))
    for offset in np.arange(-reach, reach, spacing) if spacing < reach else ():
        base = (cx + normal[0] * offset, cy + normal[1] * offset)
        a = (base[0] - direction[0] * reach, base[1] - direction[1] * reach)
        b = (base[0] + direction[0] * reach, base[1] + direction[1] * reach)
        cv2.line(strokes, (_px(a[0]), _px(a[1])), (_px(b[0]), _px(b[1])),
                 float(rng.uniform(0.6, 1.0)), _px(width), cv2.LINE_AA)
    strokes *= inside
    _ink(page, outline, pen, rng)
    _ink(page, strokes, pen, rng)


def _test_pens(page, pens, rng) -> None:
    for test_box, kind in ((sheet.RED_TEST_BOX, "unsafe"), (sheet.GREEN_TEST_BOX, "safe")):
        left, top, right, bottom = test_box
        scribble = Polygon([(left + 3, top + 3), (right - 3, top + 3), (right - 3, bottom - 3),
                            (left + 3, bottom - 3)])
        _colour(page, scribble, pens[kind], "filled", rng)


def _curl(page: np.ndarray, amount_mm: float) -> np.ndarray:
    """Paper not lying flat: the middle of each side bows out, the corners stay put."""
    height, width = page.shape[:2]
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    dx = amount_mm * PX * np.sin(math.pi * ys / height)
    dy = 0.6 * amount_mm * PX * np.sin(math.pi * xs / width)
    return cv2.remap(page, xs - dx, ys - dy, cv2.INTER_LINEAR, borderValue=PAPER)


def make_photo(seed: int, *, session_id: int = 42, number: int = 7, zones: int = 3,
               styles: tuple[str, ...] = ("filled", "hatched"), pens: dict | None = None,
               try_pens: bool = True, hide: tuple[int, ...] = (), cover_qr: bool = False,
               curl_mm: float = 0.0, tilt: float = 0.06, rotate: float | None = None,
               warm: float = 0.0, blur: float | None = None, quality: int = 85,
               printed: np.ndarray | None = None) -> Photo:
    """Draw a coloured sheet and photograph it (perspective, rotation, uneven light, blur, noise,
    JPEG). Zone i is drawn in styles[i] (see `_colour`), "filled" past the end; `pens` swaps ink
    colours; `try_pens` colours the pen-test boxes; `hide` puts a thumb over markers;
    `cover_qr` scribbles over the code; `curl_mm` bows the paper; `warm` (0-1) is bulb light;
    `blur` is the lens blur in photo pixels; `printed` (a BGR page at PX per mm) replaces the
    sheet drawn here, e.g. the real worksheet."""
    pens = {**PENS, **(pens or {})}
    rng = np.random.default_rng(seed)
    if printed is not None:
        page = cv2.resize(printed, PAGE_PX, interpolation=cv2.INTER_AREA).astype(np.float32)
        page *= np.array(PAPER, np.float32) / 255
    else:
        page = np.empty((PAGE_PX[1], PAGE_PX[0], 3), np.float32)
        page[:] = PAPER
        _draw_basemap(page, rng)
        _draw_text(page, session_id, number)
        _draw_qr(page, sheet.qr_payload(session_id, number))
        _draw_markers(page, ())
    truth = _zones(rng, zones)
    for i, (kind, polygon) in enumerate(truth):
        _colour(page, polygon, pens[kind], styles[i] if i < len(styles) else "filled", rng)
    if try_pens:
        _test_pens(page, pens, rng)
    if cover_qr:
        left, top, right, bottom = (_px(v) for v in sheet.QR_BOX)
        for y in range(top + _px(6), bottom - _px(6), _px(2.5)):
            cv2.line(page, (left + _px(5), y), (right - _px(5), y + _px(3)), (40, 40, 40), _px(1.2))
    if hide:
        _draw_markers(page, hide)
    if curl_mm:
        page = _curl(page, curl_mm)
    photo, page_to_photo = _photograph(page, rng, tilt, rotate, warm, blur)
    ok, jpeg = cv2.imencode(".jpg", photo, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return Photo(jpeg.tobytes(), truth, session_id, number, page_to_photo)


def _photograph(page, rng, tilt, rotate, warm, blur, size=(2250, 3000)):
    """The page on a table seen by a phone: (BGR photo, page px -> photo px homography)."""
    angle = math.radians(rotate if rotate is not None else rng.uniform(-15, 15))
    corners = np.array([[0, 0], [PAGE_PX[0], 0], [PAGE_PX[0], PAGE_PX[1]], [0, PAGE_PX[1]]],
                       np.float32) - np.array(PAGE_PX, np.float32) / 2
    rotation = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    centre = np.array(size) / 2
    placed = (corners * 0.82 * size[1] / PAGE_PX[1]) @ rotation.T + centre
    placed += rng.uniform(-tilt, tilt, placed.shape) * size[0]
    spread = (np.abs(placed - centre).max(axis=0) / (centre * 0.96)).max()
    placed = centre + (placed - centre) / max(spread, 1.0)  # the whole sheet in the frame
    page_corners = (corners + np.array(PAGE_PX) / 2).astype(np.float32)
    page_to_photo = cv2.getPerspectiveTransform(page_corners, placed.astype(np.float32))
    table = np.empty((size[1], size[0], 3), np.float32)
    table[:] = (70, 95, 125)
    table += 8 * rng.standard_normal(table.shape[:2], dtype=np.float32)[..., None]
    photo = cv2.warpPerspective(page, page_to_photo, size, dst=table,
                                borderMode=cv2.BORDER_TRANSPARENT)
    xs = np.linspace(-0.5, 0.5, size[0], dtype=np.float32)[None, :]
    ys = np.linspace(-0.5, 0.5, size[1], dtype=np.float32)[:, None]
    gx, gy = rng.uniform(-1, 1, 2).astype(np.float32)
    light = 0.88 + 0.14 * (gx * xs + gy * ys)
    tint = np.array([rng.uniform(0.86, 0.97) * (1 - 0.45 * warm),
                     rng.uniform(0.95, 1.0) * (1 - 0.2 * warm), 1.0], np.float32)
    photo = photo * light[..., None] * tint
    photo = cv2.GaussianBlur(photo, (0, 0), rng.uniform(0.8, 1.5) if blur is None else blur)
    photo += 3 * rng.standard_normal(photo.shape, dtype=np.float32)
    return np.clip(photo, 0, 255).astype(np.uint8), page_to_photo

"""Reading a photographed worksheet back into zones (pure: numpy, OpenCV, zxing-cpp, shapely).

Markers give a homography onto the page (and, with edge markers, a thin-plate correction for
paper that is not flat); the QR code says which session and sheet it is; the paper white and
the pen-test boxes calibrate the colours; red and green ink inside the map box become zones in
page millimetres.
"""

from dataclasses import dataclass
from functools import cache
from typing import Literal

import cv2
import numpy as np
import zxingcpp
from shapely.geometry import Polygon, box
from shapely.validation import make_valid

from mapping.paper import sheet

PX_PER_MM = 6.0  # resolution of the rectified sheet
MAX_PHOTO_SIDE = 3200  # bigger photos are scaled down first
MIN_ZONE_MM2 = 40.0  # smaller patches of ink are specks
CLOSE_MM = 3.5  # gaps in hatching this wide are closed into one area
SIMPLIFY_MM = 0.4
PEN_MM = 1.2  # a felt-tip line: a zone's edge is the middle of its outline, not the outside
OUTLIER_MM = 8.0  # a marker corner further than this from the homography is a misreading
INK_CHROMA = 22.0  # Lab chroma (0-~180 scale) above which a pixel is ink of the usual pens
MIN_INK_CHROMA = 10.0  # ... and of the palest pen a test box can teach; paper and print are ~3
HUE_TOLERANCE = 50.0  # degrees from a pen's hue that still count as that pen
_DEFAULT_HUES = {"unsafe": 35.0, "safe": 150.0}  # degrees in the Lab a-b plane
_CORNER_NAMES = {0: "top left", 1: "top right", 2: "bottom right", 3: "bottom left"}

Kind = Literal["unsafe", "safe"]


class RetakeNeeded(Exception):
    """The photo cannot be read; `problem` is a short code, `message` tells the teacher why."""

    def __init__(self, problem: str, message: str):
        super().__init__(message)
        self.problem = problem
        self.message = message


@dataclass(frozen=True)
class ExtractedZone:
    """One coloured area: unsafe (red) or safe (green), in page mm inside the map box."""

    kind: Kind
    polygon: Polygon


@dataclass
class Extracted:
    """What a photo of a worksheet says."""

    session_id: int
    sheet: int
    rectified: np.ndarray
    zones: list[ExtractedZone]
    markers_found: int


def extract(photo: bytes | np.ndarray, *, expected_session: int | None = None) -> Extracted:
    """Read a photo (encoded bytes or a BGR array) of one worksheet into zones."""
    image = _decode(photo)
    found = _find_markers(image)
    rectified = _rectify(image, found)
    session_id, number = _read_qr(rectified, image)
    if expected_session is not None and session_id != expected_session:
        raise RetakeNeeded("other_session", "This sheet belongs to another session: upload it "
                                            "to the session whose code is printed on it.")
    normalised = _normalise(rectified)
    zones = _zones(normalised)
    return Extracted(session_id, number, rectified, zones, len(found))


def _decode(photo: bytes | np.ndarray) -> np.ndarray:
    if isinstance(photo, np.ndarray):
        if photo.ndim == 2:
            image = cv2.cvtColor(photo, cv2.COLOR_GRAY2BGR)
        else:
            image = photo[..., :3] if photo.shape[2] == 4 else photo  # alpha is ignored
    else:
        image = cv2.imdecode(np.frombuffer(photo, np.uint8), cv2.IMREAD_COLOR)
        if image is None:
            raise RetakeNeeded("unreadable", "This file is not a photo we can open: upload a "
                                             "JPEG or PNG photo of the sheet.")
    scale = MAX_PHOTO_SIDE / max(image.shape[:2])
    if scale < 1:
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return image


def _find_markers(image: np.ndarray) -> dict[int, np.ndarray]:
    """Marker id -> its four corners in the photo; needs three of the four corner markers."""
    dictionary = cv2.aruco.getPredefinedDictionary(getattr(cv2.aruco, sheet.ARUCO_DICTIONARY))
    params = cv2.aruco.DetectorParameters()
    params.cornerRefinementMethod = cv2.aruco.CORNER_REFINE_SUBPIX
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    corners, ids, _ = cv2.aruco.ArucoDetector(dictionary, params).detectMarkers(gray)
    found: dict[int, list[np.ndarray]] = {}
    for marker_id, quad in zip([] if ids is None else ids.ravel(), corners, strict=True):
        if int(marker_id) in sheet.MARKERS:
            found.setdefault(int(marker_id), []).append(quad.reshape(4, 2))
    if sum(len(found.get(i, ())) > 1 for i in sheet.CORNER_IDS) >= 2:
        raise RetakeNeeded("several_sheets", "There is more than one sheet in this photo: take "
                                             "one photo per sheet.")
    unique = {k: v[0] for k, v in found.items() if len(v) == 1}  # two of one id: trust neither
    if not unique:
        raise RetakeNeeded("no_markers", "No corner squares were found: take the photo from "
                                         "above, with the whole sheet in view and in good light.")
    missing = [i for i in sheet.CORNER_IDS if i not in unique]
    if len(missing) > 1 or len(unique) < 3:
        where = " and ".join(_CORNER_NAMES[i] for i in missing)
        raise RetakeNeeded("corner_hidden", "A corner square is hidden (" + where + "): take "
                                            "the photo again with all four corners in view.")
    return unique


def _rectify(image: np.ndarray, found: dict[int, np.ndarray]) -> np.ndarray:
    """The sheet seen flat at PX_PER_MM: a homography, then a thin-plate correction of what the
    edge markers show the homography missed (curl)."""
    photo_pts = np.concatenate([found[i] for i in sorted(found)]).astype(np.float64)
    page_pts = np.array([p for i in sorted(found) for p in sheet.marker_corners(i)]) * PX_PER_MM
    # RANSAC only drops markers read in the wrong place: curl moves good ones by a few mm,
    # which the thin-plate correction then takes out
    px_per_mm = np.median([np.linalg.norm(found[i][1] - found[i][0]) / sheet.MARKERS[i][2]
                           for i in found])
    to_photo, inliers = cv2.findHomography(page_pts, photo_pts, cv2.RANSAC,
                                           OUTLIER_MM * px_per_mm)
    if to_photo is None:
        raise RetakeNeeded("corner_hidden", "The corner squares could not be lined up: take the "
                                            "photo again from straight above the sheet.")
    width, height = round(sheet.PAGE_MM[0] * PX_PER_MM), round(sheet.PAGE_MM[1] * PX_PER_MM)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    grid = np.stack([xs, ys], axis=-1).reshape(-1, 1, 2)
    mapped = cv2.perspectiveTransform(grid, to_photo).reshape(height, width, 2)
    if any(i in found for i in sheet.EDGE_IDS):
        keep = inliers.ravel().astype(bool)
        projected = cv2.perspectiveTransform(page_pts[keep].reshape(-1, 1, 2), to_photo)
        residual = photo_pts[keep] - projected.reshape(-1, 2)
        mapped += _thin_plate(page_pts[keep], residual, width, height)
    return cv2.remap(image, mapped[..., 0], mapped[..., 1], cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REPLICATE)


def _thin_plate(points: np.ndarray, values: np.ndarray, width: int, height: int,
                smoothing: float = 1.0) -> np.ndarray:
    """A smooth thin-plate spline through `values` at `points`, evaluated on the page grid."""
    scale = max(width, height)
    p = points / scale

    def kernel(d2):
        return np.where(d2 > 0, d2 * np.log(np.maximum(d2, 1e-12)) / 2, 0.0)

    n = len(p)
    k = kernel(((p[:, None, :] - p[None, :, :]) ** 2).sum(-1)) + smoothing * 1e-3 * np.eye(n)
    affine = np.hstack([np.ones((n, 1)), p])
    system = np.zeros((n + 3, n + 3))
    system[:n, :n], system[:n, n:], system[n:, :n] = k, affine, affine.T
    rhs = np.vstack([values, np.zeros((3, 2))])
    weights = np.linalg.lstsq(system, rhs, rcond=None)[0]
    step = 8  # evaluate coarsely, then interpolate: the correction is smooth
    gy, gx = np.mgrid[0:height + step:step, 0:width + step:step].astype(np.float64)
    q = np.stack([gx.ravel(), gy.ravel()], axis=1) / scale
    kq = kernel(((q[:, None, :] - p[None, :, :]) ** 2).sum(-1))
    coarse = kq @ weights[:n] + np.hstack([np.ones((len(q), 1)), q]) @ weights[n:]
    coarse = coarse.reshape(gx.shape[0], gx.shape[1], 2).astype(np.float32)
    fine = cv2.resize(coarse, (gx.shape[1] * step, gx.shape[0] * step),
                      interpolation=cv2.INTER_LINEAR)
    return fine[:height, :width]


def _read_qr(rectified: np.ndarray, image: np.ndarray) -> tuple[int, int]:
    """(session id, sheet) from the QR code: the rectified QR box first, then the whole photo."""
    left, top, right, bottom = (round(v * PX_PER_MM) for v in sheet.QR_BOX)
    margin = round(6 * PX_PER_MM)
    crop = rectified[max(top - margin, 0):bottom + margin, max(left - margin, 0):right + margin]
    double = cv2.resize(crop, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    sigma = PX_PER_MM / 2  # half a millimetre
    for candidate in (crop, _sharpen(crop, sigma), _sharpen(double, 2 * sigma), image):
        for barcode in zxingcpp.read_barcodes(candidate, formats=zxingcpp.BarcodeFormat.QRCode):
            parsed = sheet.parse_qr(barcode.text)
            if parsed:
                return parsed
    raise RetakeNeeded("qr_unreadable", "The code could not be read: take the photo again with "
                                        "the square code (bottom right) clean, sharp and out of "
                                        "shadow.")


def _sharpen(image: np.ndarray, sigma: float) -> np.ndarray:
    """An unsharp mask: the code in a shaken or out-of-focus photo often reads once sharpened."""
    return cv2.addWeighted(image, 4.0, cv2.GaussianBlur(image, (0, 0), sigma), -3.0, 0)


@cache
def _white_samples() -> list[tuple[float, float]]:
    """Centres (mm) of 6 mm cells printed white: the margins, away from markers and boxes."""
    blocked = [box(*sheet.MAP_BOX)] + [
        box(left - 2, top - 2, left + size + 2, top + size + 2)
        for left, top, size in sheet.MARKERS.values()]
    blocked += [box(*b) for b in (sheet.QR_BOX, sheet.RED_TEST_BOX, sheet.GREEN_TEST_BOX)]
    cells = []
    for x in np.arange(5, sheet.PAGE_MM[0] - 5, 6.0):
        for y in np.arange(5, sheet.PAGE_MM[1] - 5, 6.0):
            cell = box(x - 3, y - 3, x + 3, y + 3)
            if not any(cell.intersects(b) for b in blocked):
                cells.append((float(x), float(y)))
    return cells


def _normalise(rectified: np.ndarray) -> np.ndarray:
    """Divide out the light: a smooth surface fitted to the paper white of the margins."""
    image = rectified.astype(np.float32)
    height, width = image.shape[:2]
    half = round(3 * PX_PER_MM)
    xs, ys, whites = [], [], []
    for x_mm, y_mm in _white_samples():
        cx, cy = round(x_mm * PX_PER_MM), round(y_mm * PX_PER_MM)
        patch = image[cy - half:cy + half, cx - half:cx + half].reshape(-1, 3)
        xs.append(x_mm / sheet.PAGE_MM[0])
        ys.append(y_mm / sheet.PAGE_MM[1])
        whites.append(np.percentile(patch, 90, axis=0))
    x, y, white = np.array(xs), np.array(ys), np.array(whites)
    design = np.stack([np.ones_like(x), x, y, x * x, x * y, y * y], axis=1)
    keep = np.ones(len(x), bool)
    for _ in range(3):  # refit without cells that are not white (scribbles, shadows)
        coef = np.linalg.lstsq(design[keep], white[keep], rcond=None)[0]
        brightness = (design @ coef).mean(axis=1)
        keep = white.mean(axis=1) > brightness * 0.9
    gy, gx = np.mgrid[0:height, 0:width].astype(np.float32)
    gx, gy = gx / width, gy / height
    terms = [np.ones_like(gx), gx, gy, gx * gx, gx * gy, gy * gy]
    surface = sum(t[..., None] * c for t, c in zip(terms, coef, strict=True))
    return np.clip(image / np.maximum(surface, 1) * 250, 0, 255).astype(np.uint8)


def _lab_ab(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Chroma and hue (degrees) of each pixel in Lab."""
    lab = cv2.cvtColor(image, cv2.COLOR_BGR2LAB).astype(np.float32)
    a, b = lab[..., 1] - 128, lab[..., 2] - 128
    return np.hypot(a, b), np.degrees(np.arctan2(b, a)) % 360


def _pens(normalised: np.ndarray) -> dict[str, tuple[float, float]]:
    """Each pen's hue and the chroma that counts as its ink, learnt from its test box (the
    usual red and green if the box was left empty or holds the other colour)."""
    pens = {kind: (hue, INK_CHROMA) for kind, hue in _DEFAULT_HUES.items()}
    for kind, test_box in (("unsafe", sheet.RED_TEST_BOX), ("safe", sheet.GREEN_TEST_BOX)):
        left, top, right, bottom = (round(v * PX_PER_MM) for v in test_box)
        inset = round(PX_PER_MM)
        chroma, hue = _lab_ab(normalised[top + inset:bottom - inset, left + inset:right - inset])
        inked = chroma > MIN_INK_CHROMA
        if inked.sum() < 0.1 * inked.size:
            continue
        angle = np.radians(hue[inked])
        learnt = np.degrees(np.arctan2(np.sin(angle).mean(), np.cos(angle).mean())) % 360
        other = "safe" if kind == "unsafe" else "unsafe"
        if _hue_gap(learnt, _DEFAULT_HUES[kind]) < _hue_gap(learnt, _DEFAULT_HUES[other]):
            # half the chroma of well-inked strokes: a pale pen's light strokes still count
            strong = float(np.percentile(chroma[inked], 75))
            pens[kind] = (float(learnt), float(np.clip(strong / 2, MIN_INK_CHROMA, INK_CHROMA)))
    if _hue_gap(pens["unsafe"][0], pens["safe"][0]) < 2 * HUE_TOLERANCE:
        return {kind: (hue, INK_CHROMA) for kind, hue in _DEFAULT_HUES.items()}
    return pens


def _hue_gap(a, b):
    return np.abs((np.asarray(a) - b + 180) % 360 - 180)


def _zones(normalised: np.ndarray) -> list[ExtractedZone]:
    """Red and green ink inside the map box, closed, filled and simplified into polygons."""
    pens = _pens(normalised)
    left, top, right, bottom = (round(v * PX_PER_MM) for v in sheet.MAP_BOX)
    inset = round(PX_PER_MM)  # the printed frame line is not ink
    chroma, hue = _lab_ab(normalised[top + inset:bottom - inset, left + inset:right - inset])
    gaps = {kind: _hue_gap(hue, pen_hue) for kind, (pen_hue, _) in pens.items()}
    zones: list[ExtractedZone] = []
    map_box = box(*sheet.MAP_BOX)
    for kind, other in (("unsafe", "safe"), ("safe", "unsafe")):
        ink = (chroma > pens[kind][1]) & (gaps[kind] < gaps[other]) & (gaps[kind] < HUE_TOLERANCE)
        mask = cv2.medianBlur(ink.astype(np.uint8) * 255, 5)
        size = int(CLOSE_MM * PX_PER_MM) | 1
        disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
        mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, disk)
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for contour in contours:  # outer contours only: an outline's inside is filled
            if cv2.contourArea(contour) < MIN_ZONE_MM2 * PX_PER_MM**2 or len(contour) < 3:
                continue
            points = (contour.reshape(-1, 2) + 0.5 + inset) / PX_PER_MM
            polygon = make_valid(Polygon(points + np.array(sheet.MAP_BOX[:2])))
            polygon = polygon.buffer(-PEN_MM / 2).simplify(SIMPLIFY_MM).intersection(map_box)
            for part in getattr(polygon, "geoms", [polygon]):
                if isinstance(part, Polygon) and part.area >= MIN_ZONE_MM2:
                    zones.append(ExtractedZone(kind, part))
    return zones

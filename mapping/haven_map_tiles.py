"""Raster basemap tiles for printed maps: fetched on the server, cached on disk, warped to the map.

Only used when configured (PRINT_BASEMAP=tiles, or auto with PRINT_TILE_URL and no vector
basemap): the public OpenStreetMap tile servers forbid bulk downloads, so point PRINT_TILE_URL at
a tile server you may print from. Tiles are Web Mercator; the printed map is in the work CRS, so
the stitched picture is warped onto the map's frame (an affine fit, exact to well under a metre
over a few kilometres).
"""

import hashlib
import io
import math
import os
import time
import urllib.request
from pathlib import Path

from PIL import Image

from core.geo import transformer
from mapping.haven_map_content import TileMosaic
from mapping.haven_map_layout import Frame

TILE_PX = 256
EARTH_HALF = 20037508.342789244  # half the Web Mercator world, in metres
MAX_TILES = 120
CACHE_DAYS = 30
PIXELS_PER_MM = 6  # about 150 dpi on A4: sharp enough under the vector layers, small PDFs
LIGHTEN = 0.35  # blend towards white so havens and the school stand out, also in grey
USER_AGENT = "SafeHavens/0.1 (printed school maps; +https://github.com/)"


class TileError(RuntimeError):
    """Tiles could not be fetched or read; the message says which and why."""


def _zoom_for(width_m: float) -> int:
    """The zoom whose pixels are about 1.5 m at London's latitude for a ~2 km map."""
    wanted = width_m / 1600  # metres per pixel across the widest map
    zoom = math.log2(2 * EARTH_HALF * math.cos(math.radians(51.5)) / (TILE_PX * wanted))
    return max(12, min(17, math.ceil(zoom)))


def _tile_range(bounds_3857, zoom: int) -> tuple[range, range]:
    size = 2 * EARTH_HALF / 2 ** zoom
    minx, miny, maxx, maxy = bounds_3857
    xs = range(int((minx + EARTH_HALF) // size), int((maxx + EARTH_HALF) // size) + 1)
    ys = range(int((EARTH_HALF - maxy) // size), int((EARTH_HALF - miny) // size) + 1)
    return xs, ys


def _cached(url: str, cache_dir: str, z: int, x: int, y: int) -> bytes:
    folder = Path(cache_dir) / hashlib.sha1(url.encode()).hexdigest()[:12] / str(z) / str(x)  # noqa: S324
    path = folder / f"{y}.tile"
    if path.exists() and time.time() - path.stat().st_mtime < CACHE_DAYS * 86400:
        return path.read_bytes()
    data = _download(url.format(z=z, x=x, y=y, s="a"))
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{y}.{os.getpid()}"
    partial.write_bytes(data)
    partial.replace(path)
    return data


def _download(address: str) -> bytes:
    if not address.startswith(("http://", "https://")):
        raise TileError(f"tile addresses must start with http:// or https://, not {address!r}")
    request = urllib.request.Request(address, headers={"User-Agent": USER_AGENT})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            data = answer.read()
    except OSError as exc:
        raise TileError(f"could not fetch {address}: {exc}") from exc
    try:
        Image.open(io.BytesIO(data)).verify()
    except Exception as exc:
        raise TileError(f"{address} did not answer with an image") from exc
    return data


def fetch_mosaic(*, bounds, srid: int, url: str, attribution: str, cache_dir: str) -> TileMosaic:
    """The tiles covering `bounds` (in `srid`) stitched into one picture."""
    to_3857 = transformer(srid, 3857)
    xs, ys = to_3857.transform([bounds[0], bounds[2], bounds[0], bounds[2]],
                               [bounds[1], bounds[1], bounds[3], bounds[3]])
    zoom = _zoom_for(bounds[2] - bounds[0])
    tile_xs, tile_ys = _tile_range((min(xs), min(ys), max(xs), max(ys)), zoom)
    if len(tile_xs) * len(tile_ys) > MAX_TILES:
        raise TileError(f"the map would need {len(tile_xs) * len(tile_ys)} tiles")
    picture = Image.new("RGB", (len(tile_xs) * TILE_PX, len(tile_ys) * TILE_PX), "white")
    for i, tx in enumerate(tile_xs):
        for j, ty in enumerate(tile_ys):
            tile = Image.open(io.BytesIO(_cached(url, cache_dir, zoom, tx, ty))).convert("RGB")
            picture.paste(tile.resize((TILE_PX, TILE_PX)), (i * TILE_PX, j * TILE_PX))
    size = 2 * EARTH_HALF / 2 ** zoom
    left, top = tile_xs.start * size - EARTH_HALF, EARTH_HALF - tile_ys.start * size
    corners = (left, top - len(tile_ys) * size, left + len(tile_xs) * size, top)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return TileMosaic(image=buffer.getvalue(), bounds_3857=corners, attribution=attribution)


def _affine(frame: Frame, mosaic: TileMosaic, picture: Image.Image, srid: int, width: int,
            height: int) -> tuple[float, ...]:
    """Output pixel -> mosaic pixel, fitted on three corners of the frame."""
    to_3857 = transformer(srid, 3857)
    minx, miny, maxx, maxy = mosaic.bounds_3857
    per_px_x, per_px_y = (maxx - minx) / picture.width, (maxy - miny) / picture.height
    corners = [(0, 0), (width, 0), (0, height)]
    source = []
    for u, v in corners:
        gx = frame.west + (frame.east - frame.west) * u / width
        gy = frame.north - (frame.north - frame.south) * v / height
        mx, my = to_3857.transform(gx, gy)
        source.append(((mx - minx) / per_px_x, (maxy - my) / per_px_y))
    (x0, y0), (x1, y1), (x2, y2) = source
    return ((x1 - x0) / width, (x2 - x0) / height, x0, (y1 - y0) / width, (y2 - y0) / height, y0)


def warp_to_frame(mosaic: TileMosaic, frame: Frame, srid: int) -> bytes:
    """The mosaic resampled onto the map's frame, lightened, as JPEG."""
    picture = Image.open(io.BytesIO(mosaic.image)).convert("RGB")
    width, height = round(frame.width_mm * PIXELS_PER_MM), round(frame.height_mm * PIXELS_PER_MM)
    data = _affine(frame, mosaic, picture, srid, width, height)
    warped = picture.transform((width, height), Image.Transform.AFFINE, data,
                               resample=Image.Resampling.BILINEAR, fillcolor="white")
    lightened = Image.blend(warped, Image.new("RGB", warped.size, "white"), LIGHTEN)
    buffer = io.BytesIO()
    lightened.save(buffer, format="JPEG", quality=78, optimize=True)
    return buffer.getvalue()

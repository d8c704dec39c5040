"""Raster tiles for printed maps: fetched from the configured server, cached, warped in place,
and a schematic map when the server fails."""

import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image

from core.geo import transformer
from mapping import haven_map_tiles
from mapping.haven_map_layout import frame_around
from tests.mapping.haven_maps.content import SCHOOL_XY

ZOOM_SIZE = 2 * haven_map_tiles.EARTH_HALF


def tile_colour(z: int, x: int, y: int) -> tuple[int, int, int]:
    """Each tile a flat colour that tells which tile it is."""
    return (x * 37 % 256, y * 59 % 256, z * 11 % 256)


class TileServer:
    """A local tile server that counts its requests; `broken` makes it answer 500."""

    def __init__(self):
        self.requests: list[str] = []
        self.broken = False
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                if server.broken:
                    self.send_error(500)
                    return
                z, x, y = (int(part) for part in self.path.strip("/").removesuffix(".png")
                           .split("/"))
                buffer = io.BytesIO()
                Image.new("RGB", (256, 256), tile_colour(z, x, y)).save(buffer, "PNG")
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()
                self.wfile.write(buffer.getvalue())

            def log_message(self, *_args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/{{z}}/{{x}}/{{y}}.png"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def tiles():
    server = TileServer()
    yield server
    server.httpd.shutdown()


def bounds():
    frame = frame_around(SCHOOL_XY, 1000, (190, 128))
    return frame, frame.bounds


def fetch(tiles, cache):
    return haven_map_tiles.fetch_mosaic(bounds=bounds()[1], srid=27700, url=tiles.url,
                                        attribution="© Test Tiles", cache_dir=str(cache))


def test_tiles_are_fetched_once_then_read_from_the_cache(tiles, tmp_path):
    mosaic = fetch(tiles, tmp_path)
    first = len(tiles.requests)
    assert 4 <= first <= haven_map_tiles.MAX_TILES
    again = fetch(tiles, tmp_path)
    assert len(tiles.requests) == first  # nothing fetched the second time
    assert again.image == mosaic.image and mosaic.attribution == "© Test Tiles"


def test_the_mosaic_covers_the_map_and_lands_in_the_right_place(tiles, tmp_path):
    frame, frame_bounds = bounds()
    mosaic = fetch(tiles, tmp_path)
    x0, y0 = transformer(27700, 3857).transform(frame_bounds[0], frame_bounds[1])
    x1, y1 = transformer(27700, 3857).transform(frame_bounds[2], frame_bounds[3])
    left, bottom, right, top = mosaic.bounds_3857
    assert left <= x0 and bottom <= y0 and right >= x1 and top >= y1
    warped = Image.open(io.BytesIO(haven_map_tiles.warp_to_frame(mosaic, frame, 27700)))
    assert warped.size == (190 * haven_map_tiles.PIXELS_PER_MM, 128 * haven_map_tiles.PIXELS_PER_MM)
    # The school's pixel shows the colour of the tile the school is in (lightened, JPEG'd).
    sx, sy = transformer(27700, 3857).transform(*SCHOOL_XY)
    zoom = int(tiles.requests[0].split("/")[1])
    size = ZOOM_SIZE / 2 ** zoom
    tile = (int((sx + ZOOM_SIZE / 2) // size), int((ZOOM_SIZE / 2 - sy) // size))
    px = warped.getpixel((warped.width // 2, warped.height // 2))
    for channel, original in zip(px, tile_colour(zoom, *tile), strict=True):
        lightened = original * (1 - haven_map_tiles.LIGHTEN) + 255 * haven_map_tiles.LIGHTEN
        assert abs(channel - lightened) <= 40


def test_a_failing_tile_server_is_a_clear_error(tiles, tmp_path):
    tiles.broken = True
    with pytest.raises(haven_map_tiles.TileError, match="could not fetch"):
        fetch(tiles, tmp_path)


def test_a_tile_address_that_is_not_http_is_refused(tmp_path):
    with pytest.raises(haven_map_tiles.TileError, match="must start with http"):
        haven_map_tiles.fetch_mosaic(bounds=bounds()[1], srid=27700, url="file:///etc/{z}",
                                     attribution="x", cache_dir=str(tmp_path))

"""Heatmap exports (pure): GIS CSV, a self-contained HTML map, and PNG/PDF report pictures."""

import csv
import io
import math
import re
import subprocess
from html.parser import HTMLParser

import numpy as np
import pytest
from matplotlib.image import imread
from shapely import wkt

from core.geo import transformer
from mapping.heat_scale import legend
from mapping.heatmap_exports import CSV_COLUMNS, NO_CELLS, cells_csv, standalone_html
from mapping.heatmap_snapshot import MAP_BOX, snapshot

HOSTILE = "</script><img src=x onerror=alert(1)>${alert(2)}"
ESCAPED = "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&#36;{alert(2)}"
LEAFLET_MARKER = "/* LEAFLET-JS-INLINED-7f3a */"
LEAFLET_CSS_MARKER = "/* LEAFLET-CSS-INLINED-7f3a */"
TILE_URL = "https://tiles.example.test/{z}/{x}/{y}.png"
TOP_UNSAFE = (0xcb, 0x18, 0x1d)
NOTES = ["Costs $5 and $6 " + HOSTILE,
         "Counts rounded to 5; a hexagon appears only when at least 10 pupils from 3 schools "
         "marked it"]
SCHOOLS = [{"name": HOSTILE, "lon": 0.0, "lat": 51.45}]
HAVENS = [{"name": "Corner shop " + HOSTILE, "lon": 0.004, "lat": 51.452}]


def hexagon(i: int, j: int = 0, size: int = 150) -> dict:
    """A flat-topped hexagon in lon/lat, i/j steps of 400 m from lon 0, lat 51.45."""
    x0, y0 = transformer(4326, 27700).transform(0.0, 51.45)
    back = transformer(27700, 4326)
    ring = [list(back.transform(x0 + 400 * i + size * math.cos(math.radians(60 * k)),
                                y0 + 400 * j + size * math.sin(math.radians(60 * k))))
            for k in range(6)]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def cell(i: int, j: int = 0, **properties) -> dict:
    """One published cell."""
    base = {"cell_m": 150, "coverage": 40, "weighting": "pupils", "kind": "unsafe"}
    return {"type": "Feature", "id": f"150:{i}:{j}", "geometry": hexagon(i, j),
            "properties": {**base, **properties}}


def unsafe_cells(top: bool = True) -> dict:
    """Four unsafe cells; the last is in the top class (rate 0.75) only when `top`."""
    features = [cell(0, pupils=5, rate=0.125), cell(1, pupils=15, rate=0.375),
                cell(2, pupils=20, rate=0.5), cell(0, 1, pupils=30 if top else 10,
                                                   rate=0.75 if top else 0.25)]
    return {"type": "FeatureCollection", "features": features,
            "filters": {"kind": "unsafe", "term": '=HYPERLINK("x")', "reason": None,
                        "time": None, "year": None, "cell": 150, "weighting": "pupils"}}


def net_cells() -> dict:
    """Two net cells, one leaning safe (negative, west of lon 0) and one leaning unsafe."""
    features = [cell(-1, kind="net", unsafe=5, safe=15, net=-0.25),
                cell(1, kind="net", unsafe=15, safe=5, net=0.25)]
    return {"type": "FeatureCollection", "features": features,
            "filters": {"kind": "net", "term": "2026-autumn", "cell": 150}}


def outline() -> dict:
    """A lon/lat rectangle around the cells, as the borough."""
    ring = [[-0.01, 51.445], [0.02, 51.445], [0.02, 51.46], [-0.01, 51.46], [-0.01, 51.445]]
    return {"type": "Polygon", "coordinates": [ring]}


def html_for(collection: dict, **overrides) -> str:
    """The standalone page with hostile user text everywhere it can go."""
    arguments = {"title": "Heatmap " + HOSTILE, "notes": NOTES, "outline": outline(),
                 "schools": SCHOOLS, "havens": HAVENS, "tile_url": TILE_URL,
                 "attribution": "&copy; OpenStreetMap contributors",
                 "leaflet_js": LEAFLET_MARKER, "leaflet_css": LEAFLET_CSS_MARKER}
    return standalone_html(collection, **{**arguments, **overrides})


def picture(collection: dict, fmt: str, **overrides) -> bytes:
    """A snapshot with hostile user text in the title, notes and names."""
    arguments = {"fmt": fmt, "title": "Heatmap $5 " + HOSTILE, "notes": NOTES,
                 "outline": outline(), "schools": SCHOOLS, "havens": HAVENS,
                 "attribution": '&copy; <a href="https://osm.org">OpenStreetMap</a> contributors'}
    return snapshot(collection, **{**arguments, **overrides})


def rows(text: str) -> list[dict]:
    """The CSV parsed back."""
    return list(csv.DictReader(io.StringIO(text)))


# CSV


def test_csv_has_the_columns_and_one_row_per_cell():
    text = cells_csv(unsafe_cells())
    assert next(csv.reader(io.StringIO(text))) == CSV_COLUMNS
    parsed = rows(text)
    assert [r["cell_id"] for r in parsed] == ["150:0:0", "150:1:0", "150:2:0", "150:0:1"]
    first = parsed[0]
    assert (first["cell_m"], first["kind"], first["weighting"]) == ("150", "unsafe", "pupils")
    assert (first["pupils"], first["coverage"], first["rate"]) == ("5", "40", "0.125")
    assert first["unsafe"] == first["safe"] == first["net"] == first["reason"] == ""


def test_csv_wkt_is_the_hexagon_and_its_centroid_is_lon_lat():
    for row, feature in zip(rows(cells_csv(unsafe_cells())), unsafe_cells()["features"],
                            strict=True):
        hexagon_shape = wkt.loads(row["wkt"])
        assert hexagon_shape.geom_type == "Polygon" and len(hexagon_shape.exterior.coords) == 7
        assert re.fullmatch(r"-?\d+\.\d{6}", row["lon"]) and re.fullmatch(r"\d+\.\d{6}", row["lat"])
        assert hexagon_shape.centroid.x == pytest.approx(float(row["lon"]), abs=1e-6)
        assert hexagon_shape.centroid.y == pytest.approx(float(row["lat"]), abs=1e-6)
        first_corner = feature["geometry"]["coordinates"][0][0]
        assert hexagon_shape.exterior.coords[0] == pytest.approx(tuple(first_corner), abs=1e-6)


def test_csv_neutralises_formulas_but_keeps_negative_numbers():
    parsed = rows(cells_csv(unsafe_cells()))
    assert {r["term"] for r in parsed} == {"'=HYPERLINK(\"x\")"}
    for row in parsed:
        for value in row.values():
            assert not value.startswith(("=", "+", "@", "\t", "\r"))
            assert not value.startswith("-") or float(value) < 0
    net = rows(cells_csv(net_cells()))
    assert [(r["unsafe"], r["safe"], r["net"]) for r in net] == [("5", "15", "-0.25"),
                                                                  ("15", "5", "0.25")]
    assert net[0]["pupils"] == net[0]["rate"] == ""
    assert float(net[0]["lon"]) < 0 and not any(v.startswith("'") for r in net for v in r.values())


def test_csv_of_no_cells_is_just_the_header():
    empty = {**unsafe_cells(), "features": []}
    assert cells_csv(empty) == ",".join(CSV_COLUMNS) + "\r\n"


# HTML


class Elements(HTMLParser):
    """Start tags, script bodies, and whether every non-void element was closed in order."""

    VOID = {"meta", "link", "br", "img", "input", "hr"}

    def __init__(self):
        super().__init__()
        self.tags, self.scripts, self.open, self.mismatched = [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if not self.open or self.open.pop() != tag:
            self.mismatched.append(tag)

    def handle_data(self, data):
        if self.open and self.open[-1] == "script":
            self.scripts.append(data)


def parsed(page: str) -> Elements:
    """The page parsed, checked to be well formed."""
    elements = Elements()
    elements.feed(page)
    elements.close()
    assert elements.mismatched == [] and elements.open == []
    return elements


def test_html_inlines_leaflet_and_loads_nothing_but_tiles():
    page = html_for(unsafe_cells())
    elements = parsed(page)
    assert any(LEAFLET_MARKER in script for script in elements.scripts)
    assert f"<style>{LEAFLET_CSS_MARKER}</style>" in page
    assert not re.search(r"<script[^>]*\bsrc=", page)
    assert not re.search(r"<link[^>]*stylesheet", page)
    assert [tag for tag, attrs in elements.tags if "src" in attrs or "href" in attrs] == []
    assert set(re.findall(r"https?://[^\s\"'<>]+", page)) == {TILE_URL}
    assert "$(" not in page  # no jQuery needed: tooltips, not Folium popups


def test_html_escapes_every_user_typed_text():
    page = html_for(unsafe_cells())
    elements = parsed(page)
    assert HOSTILE not in page
    assert "<img" not in page and "${alert" not in page and "onerror=alert(1)>" not in page
    assert "img" not in {tag for tag, _ in elements.tags}
    assert page.count(ESCAPED) == 5  # <title>, legend title, note, school and haven tooltips
    assert "Costs &#36;5 and &#36;6" in page


def test_html_colours_each_cell_and_describes_it_in_words():
    page = html_for(unsafe_cells())
    for colour in ("#fee5d9", "#fcae91", "#fb6a4a", "#cb181d"):
        assert f'"fillColor": "{colour}", "fillOpacity": 0.75' in page
    assert "About 15 of 40 pupils (38%) feel unsafe here." in page
    assert "About 30 of 40 pupils (75%) feel unsafe here." in page
    assert all(row["words"] in page for row in legend("unsafe"))
    assert "fitBounds" in page


def test_html_net_layer_words_and_legend():
    page = html_for(net_cells())
    assert "About 5 feel unsafe and 15 feel safe, of 40 pupils." in page
    assert '"fillColor": "#2166ac"' in page and '"fillColor": "#b2182b"' in page
    assert all(row["words"] in page for row in legend("net"))


def test_html_allows_zooming_on_a_phone():
    page = html_for(unsafe_cells())
    viewports = re.findall(r'<meta name="viewport"[^>]*>', page)
    assert viewports == ['<meta name="viewport" content="width=device-width, initial-scale=1">']


def test_html_of_no_cells_fits_the_outline_and_says_why_it_is_empty():
    page = html_for({**unsafe_cells(), "features": []})
    parsed(page)
    assert NO_CELLS in page and "heat-cell" not in page
    assert "fitBounds" in page and "[[51.445, -0.01], [51.46, 0.02]]" in page
    assert "fitBounds" not in html_for({**unsafe_cells(), "features": []}, outline=None)


# PNG and PDF


def map_pixels(png: bytes) -> np.ndarray:
    """The PNG's map area as 0-255 RGB."""
    image = imread(io.BytesIO(png), format="png")
    height, width = image.shape[:2]
    left, bottom, box_w, box_h = MAP_BOX
    area = image[int((1 - bottom - box_h) * height):int((1 - bottom) * height),
                 int(left * width):int((left + box_w) * width), :3]
    return np.rint(area * 255).astype(int)


def count_colour(pixels: np.ndarray, rgb: tuple[int, int, int]) -> int:
    """How many pixels have exactly this colour."""
    return int(np.all(pixels == np.array(rgb), axis=-1).sum())


def test_png_is_a4_landscape_at_200_dpi_with_the_top_class_colour():
    png = picture(unsafe_cells(), "png")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    height, width = imread(io.BytesIO(png), format="png").shape[:2]
    assert abs(width - 297 / 25.4 * 200) <= 2 and abs(height - 210 / 25.4 * 200) <= 2
    assert count_colour(map_pixels(png), TOP_UNSAFE) > 1000


def test_png_has_no_top_class_colour_without_such_a_cell():
    pixels = map_pixels(picture(unsafe_cells(top=False), "png"))
    assert count_colour(pixels, TOP_UNSAFE) == 0
    assert count_colour(pixels, (0xfb, 0x6a, 0x4a)) > 1000


def pdf_text(pdf: bytes, tmp_path) -> str:
    """The PDF's text as poppler reads it."""
    path = tmp_path / "snapshot.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True,
                          text=True).stdout


def test_pdf_shows_user_text_literally_and_renders(tmp_path):
    pdf = picture(unsafe_cells(), "pdf")
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf, tmp_path)
    assert "Heatmap $5 " + HOSTILE in text
    assert NOTES[0] in text and NOTES[1] in text
    assert "© OpenStreetMap contributors" in text and "<a href" not in text
    assert "more than 3 in 5" in text and "Safe Haven" in text
    assert re.search(r"\b(\d+ m|\d+ km)\b", text)  # the scale bar
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(tmp_path / "snapshot.pdf"),
                    str(tmp_path / "page")], check=True, capture_output=True)
    assert (tmp_path / "page-1.png").read_bytes().startswith(b"\x89PNG")


def test_snapshot_of_no_cells_draws_the_outline_and_says_why(tmp_path):
    empty = {**unsafe_cells(), "features": []}
    assert NO_CELLS in pdf_text(picture(empty, "pdf"), tmp_path)
    assert picture(empty, "png", outline=None, schools=[], havens=[]).startswith(b"\x89PNG")


def test_snapshot_refuses_an_unknown_format_or_size():
    with pytest.raises(ValueError, match="fmt"):
        picture(unsafe_cells(), "svg")
    with pytest.raises(ValueError, match="size"):
        picture(unsafe_cells(), "png", size="Letter")

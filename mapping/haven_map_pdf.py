"""A school's haven map as a PDF, A4 or A3, portrait or landscape (pure).

Two engines print the same page. ReportLab (haven_map_reportlab) draws it directly and fast;
WeasyPrint lays out `templates_pdf/haven_map.html` with Pango, which also shapes Arabic and
lays out Hebrew right to left, so a map whose text needs that goes to WeasyPrint. The page is
designed in millimetres of A4 (1rem = 1 mm on A4); the A3 poster is the same page enlarged by
the ratio of their sizes, so its type is larger. A legend longer than the first page continues
on the next one under a repeated header.
"""

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from havens.stickers import qr_svg
from mapping.haven_map_content import HavenMapContent
from mapping.haven_map_drawing import MapScene, RasterBasemap, distance_label, walk_minutes
from mapping.haven_map_layout import frame_around
from mapping.haven_map_reportlab import reportlab_pdf
from mapping.haven_map_svg import map_svg
from mapping.svg import svg_data_uri

SIZES = ("A4", "A3")
ENGINES = ("auto", "reportlab", "weasyprint")
RTL_CLASSES = {"R", "AL", "AN", "RLE", "RLO", "RLI", "LRE", "LRO", "LRI", "FSI", "PDF", "PDI"}
ORIENTATIONS = ("portrait", "landscape")
SCALE = {"A4": 1.0, "A3": 2 ** 0.5}
MAP_BOX_MM = {"portrait": (190.0, 128.0), "landscape": (166.0, 118.0)}
PAGE_MM = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}
BOTTOM_MARGIN_MM = 12.0  # the bottom margin of the A4 design (haven_map.html)
PX_PER_MM = 96 / 25.4
TEMPLATES = Path(__file__).with_name("templates_pdf")
SIGN = Path(__file__).parents[1] / "havens" / "templates_pdf" / "safe-haven-sign.svg"

_env = Environment(loader=FileSystemLoader([TEMPLATES, SIGN.parent]),
                   autoescape=select_autoescape(["html", "svg"]), undefined=StrictUndefined)
_fonts = FontConfiguration()  # one per process: font lookups are the slow part of a first render


@dataclass(frozen=True)
class PageSpec:
    """A page size and orientation."""

    size: str = "A4"
    orientation: str = "portrait"

    def __post_init__(self) -> None:
        if self.size not in SIZES:
            raise ValueError(f"size must be A4 or A3, not {self.size!r}")
        if self.orientation not in ORIENTATIONS:
            raise ValueError(f"orientation must be portrait or landscape, not {self.orientation!r}")


def scene_for(content: HavenMapContent, orientation: str) -> MapScene:
    """The map of the content, framed for the orientation's map box."""
    box = MAP_BOX_MM[orientation]
    frame = frame_around(content.school_xy, content.radius_m, box, content.frame_includes)
    raster = None
    if content.tiles is not None:
        from mapping.haven_map_tiles import warp_to_frame

        raster = RasterBasemap(warp_to_frame(content.tiles, frame, content.srid))
    return MapScene(frame=frame, school=content.school_xy, radius_m=content.radius_m,
                    havens=[(h.x, h.y) for h in content.havens], features=content.features,
                    raster=raster, title=f"Map of Safe Havens near {content.school_name}")


def page_html(content: HavenMapContent, page: PageSpec, side_rows: int | None = None,
              measure: bool = False) -> str:
    """The page as HTML (also what a browser would print, for comparison). In landscape the
    first `side_rows` havens are listed beside the map and the rest on the next page."""
    scene = scene_for(content, page.orientation)
    havens = content.havens
    split = len(havens) if side_rows is None else side_rows
    width = _page_mm(page)[0]
    return _env.get_template("haven_map.html").render(
        c=content, page=page, root_mm=round(SCALE[page.size], 4),
        side_rows=havens[:split] if page.orientation == "landscape" else None,
        rest_rows=havens[split:] if page.orientation == "landscape" else havens,
        measure_mm=(width, 5000) if measure else None,
        map_uri=svg_data_uri(map_svg(scene).encode()),
        map_box=MAP_BOX_MM[page.orientation], qr_svg=qr_svg(content.finder_url),
        radius_label=distance_label(content.radius_m), minutes=walk_minutes(content.radius_m),
        distance_label=distance_label)


def _page_mm(page: PageSpec) -> tuple[float, float]:
    short, long = PAGE_MM[page.size]
    return (short, long) if page.orientation == "portrait" else (long, short)


def _render(html: str):
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).render(
        font_config=_fonts)


def _rows_beside_map(content: HavenMapContent, page: PageSpec) -> int:
    """How many legend rows fit beside the map on the first landscape page, measured on one
    very tall page (WeasyPrint gives every element with an id its position)."""
    anchors = _render(page_html(content, page, measure=True)).pages[0].anchors
    limit_px = (_page_mm(page)[1] - BOTTOM_MARGIN_MM * SCALE[page.size]) * PX_PER_MM
    ends = [anchors[f"haven-{h.number + 1}"][1] for h in content.havens[:-1]]
    ends.append(anchors["side-end"][1])
    fitting = sum(1 for end in ends if end <= limit_px)
    # Called when the page overflowed: when every row fits but the closing line does not,
    # the last row goes over with it.
    return min(fitting, len(content.havens) - 1)


def _texts(content: HavenMapContent):
    yield from (content.school_name, content.scheme_name, content.contact, content.finder_url)
    yield from content.attributions
    for haven in content.havens:
        yield from (haven.name, haven.address, haven.hours, haven.after_school)
    yield from (feature.name for feature in content.features if feature.name)


def _plain_character(character: str) -> bool:
    """Latin, Greek, Cyrillic and common symbols, written left to right without shaping."""
    code = ord(character)
    if unicodedata.combining(character) or unicodedata.bidirectional(character) in RTL_CLASSES:
        return False
    return code < 0x0590 or 0x1E00 <= code < 0x2000 or (0x2010 <= code < 0x2C00
                                                           and not 0x2066 <= code <= 0x2069)


def needs_shaping(content: HavenMapContent) -> bool:
    """Whether any text on the map needs bidi or shaping (Arabic, Hebrew, Bengali, marks...)."""
    # ASCII is always plain; street names repeat, so each distinct text is looked at once.
    return not all(text.isascii() or all(map(_plain_character, text))
                   for text in set(_texts(content)))


def haven_map_pdf(content: HavenMapContent, page: PageSpec = PageSpec(),
                  engine: str = "auto") -> bytes:
    """The printable map; no outside resource is ever fetched. The fast engine (ReportLab)
    prints it unless some text needs shaping, which WeasyPrint (Pango) does."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    if engine == "auto":
        engine = "weasyprint" if needs_shaping(content) else "reportlab"
    if engine == "reportlab":
        return reportlab_pdf(content, size=page.size, orientation=page.orientation,
                             scale=SCALE[page.size], map_box=MAP_BOX_MM[page.orientation],
                             scene=scene_for(content, page.orientation))
    return weasyprint_pdf(content, page)


def weasyprint_pdf(content: HavenMapContent, page: PageSpec) -> bytes:
    """The printable map laid out by WeasyPrint from haven_map.html."""
    document = _render(page_html(content, page))
    if page.orientation == "landscape" and len(document.pages) > 1:
        split = _rows_beside_map(content, page)
        document = _render(page_html(content, page, side_rows=split))
    return document.write_pdf(pdf_identifier=content.fingerprint.encode())

"""Small SVG building blocks for printed maps (pure): paths from shapely shapes, safe text."""

from collections.abc import Callable, Iterable
from xml.sax.saxutils import escape, quoteattr

import numpy as np
from shapely.geometry.base import BaseGeometry

ToPage = Callable[[np.ndarray], np.ndarray]  # ground (n, 2) -> page millimetres (n, 2)


def _ring(coords: np.ndarray, closed: bool) -> str:
    if len(coords) < 2:
        return ""
    points = " ".join(f"{x:.1f} {y:.1f}" for x, y in coords)
    first, _, rest = points.partition(" ")
    head, _, tail = rest.partition(" ")
    return f"M{first} {head}L{tail}{'Z' if closed else ''}"


def _parts(geometry: BaseGeometry) -> Iterable[BaseGeometry]:
    return getattr(geometry, "geoms", [geometry])


def path_data(geometries: Iterable[BaseGeometry], to_page: ToPage) -> str:
    """One SVG path `d` for many lines and polygons (holes kept with the even-odd rule)."""
    pieces = []
    for geometry in geometries:
        for part in _parts(geometry):
            if part.is_empty:
                continue
            if part.geom_type == "Polygon":
                for ring in (part.exterior, *part.interiors):
                    pieces.append(_ring(to_page(np.asarray(ring.coords)[:, :2]), closed=True))
            elif part.geom_type in ("LineString", "LinearRing"):
                pieces.append(_ring(to_page(np.asarray(part.coords)[:, :2]), closed=False))
            elif part.geom_type == "GeometryCollection":
                pieces.append(path_data(part.geoms, to_page))
    return "".join(piece for piece in pieces if piece)


def path(d: str, **style) -> str:
    """A <path> element, or nothing when it has no data."""
    return f'<path d="{d}"{attributes(style)}/>' if d else ""


def attributes(style: dict) -> str:
    """Keyword style as SVG attributes (fill_rule -> fill-rule), values quoted and escaped."""
    return "".join(f" {key.replace('_', '-')}={quoteattr(str(value))}"
                   for key, value in style.items() if value is not None)


def text(x: float, y: float, content: str, *, halo_mm: float = 0.0, rotate: float = 0.0,
         **style) -> str:
    """A <text> element with the content escaped, and a white halo drawn under it if asked."""
    transform = f' transform="rotate({rotate:.1f} {x:.1f} {y:.1f})"' if rotate else ""
    body = escape(content)
    halo = ""
    if halo_mm:
        halo_style = {**style, "fill": "#fff", "stroke": "#fff", "stroke_width": f"{halo_mm}",
                      "stroke_linejoin": "round"}
        halo = f'<text x="{x:.1f}" y="{y:.1f}"{transform}{attributes(halo_style)}>{body}</text>'
    return halo + f'<text x="{x:.1f}" y="{y:.1f}"{transform}{attributes(style)}>{body}</text>'


def document(width_mm: float, height_mm: float, body: str, *, title: str) -> str:
    """A standalone SVG document in millimetres."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width_mm:.1f} '
            f'{height_mm:.1f}" width="{width_mm:.1f}mm" height="{height_mm:.1f}mm" '
            f'role="img"><title>{escape(title)}</title>{body}</svg>')

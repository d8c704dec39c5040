"""Small SVG building blocks for printed maps (pure): paths, attributes and escaped text."""

import base64
from xml.sax.saxutils import escape, quoteattr


def svg_data_uri(svg: bytes) -> str:
    """An SVG as a data: URI (an <img> never runs scripts inside it)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


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

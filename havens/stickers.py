"""Printable window stickers: the Safe Haven sign, the haven's name and a QR code to its page."""

from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
import segno
import weasyprint
from markupsafe import Markup
from weasyprint.urls import URLFetcher

SIZES = ("A5", "A4")

MESSAGE = (
    "If you feel scared or in danger, come in and tell us. "
    "We will keep you safe and call someone for you."
)

TEMPLATES = Path(__file__).parent / "templates_pdf"

# The template sizes everything in rem, so the root size alone scales the design to the page:
# A4 is the A5 layout enlarged by the ratio of their heights.
_ROOT_MM = {"A5": 4.0, "A4": 4.0 * 297 / 210}


@dataclass(frozen=True)
class _Layout:
    longest: int  # names up to this many characters start with this layout
    name_rem: float
    art_rem: float  # width of the house drawing
    name_max_lines: int | None = None  # clip the name beyond this (last resort only)


# Biggest first. At 4 mm to the rem, 1.8 rem is 20.4 pt on A5 and 28.9 pt on A4.
_LAYOUTS = (
    _Layout(30, 2.6, 22.0),
    _Layout(60, 2.4, 18.0),
    _Layout(120, 2.1, 13.0),
    _Layout(200, 1.8, 8.0),
    _Layout(200, 1.8, 0.0, name_max_lines=12),
)

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


def sticker_pdf(*, name: str, url: str, size: str = "A5", scheme_name: str = "Safe Haven") -> bytes:
    """A printable window sticker/poster for one haven: the sign, its name and a QR code to its page."""  # noqa: E501
    _check(name=name, url=url, size=size, scheme_name=scheme_name)
    fields = {"name": name, "url": url, "size": size, "scheme_name": scheme_name}
    # Long names need smaller type and a smaller drawing; how many lines a name takes depends on
    # its letters, so keep the biggest layout that really renders on one page.
    for layout in _candidate_layouts(name):
        document = _render(_html(**fields, layout=layout))
        if len(document.pages) == 1:
            break
    return document.write_pdf()


def _html(*, name: str, url: str, size: str, scheme_name: str, layout: _Layout) -> str:
    root_mm = _ROOT_MM[size]
    return _env.get_template("sticker.html").render(
        **asdict(layout),
        name=name,
        scheme_name=scheme_name,
        message=MESSAGE,
        size=size,
        root_mm=round(root_mm, 3),
        margin_mm=round(1.75 * root_mm, 2),
        qr_svg=qr_svg(url),
    )


def _check(*, name: str, url: str, size: str, scheme_name: str) -> None:
    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}, not {size!r}")
    if not isinstance(name, str) or not name.strip():
        raise ValueError("a sticker needs the haven's name")
    if not isinstance(scheme_name, str) or not scheme_name.strip():
        raise ValueError("a sticker needs the scheme's name")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ValueError("url must start with http:// or https://")
    if not urlsplit(url).hostname:
        raise ValueError("url must name a host")


def _candidate_layouts(name: str) -> tuple[_Layout, ...]:
    first = next((i for i, layout in enumerate(_LAYOUTS) if len(name) <= layout.longest), -1)
    return _LAYOUTS[first:]


def qr_svg(url: str) -> Markup:
    """A QR code for the url as inline SVG (for stickers and printed maps)."""
    # Level M at least (segno boosts it when that costs no extra size), with the standard
    # 4-module quiet zone painted white so it scans even on a tinted window. The SVG is only
    # rectangles and a path built by segno; the url itself never appears in it as text.
    qr = segno.make(url, error="m", micro=False)
    svg = qr.svg_inline(scale=1, border=4, dark="#000", light="#fff", omitsize=True)
    return Markup(svg)  # noqa: S704


def _render(html: str) -> weasyprint.document.Document:
    return weasyprint.HTML(string=html, base_url=None, url_fetcher=_fetcher()).render()


def _fetcher() -> URLFetcher:
    # Everything is inlined; refuse any file:, http: or other fetch the markup might attempt.
    return URLFetcher(allowed_protocols={"data"})

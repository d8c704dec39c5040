"""The patrol briefing PDF: a cover with the ranked list, then one page per hot-spot area (pure)."""

from datetime import date
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from mapping import hotspot_drawing
from mapping.svg import svg_data_uri

TEMPLATES = Path(__file__).with_name("templates_pdf")
ENV = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))


def area_picture(area: dict, cells: list[dict]) -> str:
    """The area's small map as a data: URI: its hexagons, the nearest havens, nearest schools."""
    havens = [{**h, "label": "H" if k == 0 else "H2"}
              for k, h in enumerate(h for h in (area.get("haven"), area.get("open_haven")) if h)]
    schools = [{**s, "label": f"S{k}"} for k, s in enumerate(area.get("schools_near", []), 1)]
    return svg_data_uri(hotspot_drawing.area_map_svg(cells=cells, havens=havens,
                                                     schools=schools))


def briefing_pdf(*, title: str, notes: list[str], ranking: str, areas: list[dict],
                 pictures: dict[int, str], today: date) -> bytes:
    """The briefing as an A4 PDF; no outside resources are fetched."""
    html = ENV.get_template("briefing.html").render(title=title, notes=notes, ranking=ranking,
                                                    areas=areas, pictures=pictures, today=today)
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()

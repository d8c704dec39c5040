"""Published heatmap cells as a GIS-ready CSV and a self-contained HTML map to email (pure).

The input is always a FeatureCollection of cells that were already published (suppressed and
rounded): nothing here counts pupils. The report picture (PNG/PDF) is in `heatmap_snapshot`.
"""

from decimal import Decimal

import folium
import shapely
from markupsafe import Markup
from shapely.geometry import shape

from core.exports import csv_text
from core.maps import MapAssets, add_outline, base_map, map_parts, safe_text
from mapping.heat_scale import colour_for, legend, value_of

CSV_COLUMNS = ["cell_id", "cell_m", "kind", "weighting", "term", "reason", "time", "year",
               "pupils", "coverage", "rate", "unsafe", "safe", "net", "lon", "lat", "wkt"]
FILTER_COLUMNS = ("term", "reason", "time", "year")
SCHOOL_COLOUR = "#1d4ed8"
HAVEN_COLOUR = "#1e6b34"
CELL_OPACITY = 0.75
NO_CELLS = "No hexagon has enough answers to show for these filters."
LEGEND_TITLES = {"unsafe": "Pupils who feel unsafe", "safe": "Pupils who feel safe",
                 "net": "Feeling safe against feeling unsafe"}
LONDON = (51.5072, -0.1276)
NO_ASSETS = MapAssets(leaflet_js="", leaflet_css="", jquery_js="")
LEGEND_CSS = """
.heat-legend { position: absolute; z-index: 1000; left: .5rem; bottom: 1.5rem;
  max-width: min(22rem, calc(100% - 1rem)); max-height: 60%; overflow: auto; background: #fff;
  color: #111; padding: .5rem .75rem; border-radius: 4px; box-shadow: 0 1px 4px #0006;
  font: 14px/1.35 system-ui, sans-serif; }
.heat-legend summary { font-weight: bold; cursor: pointer; }
.heat-legend p, .heat-legend ul { margin: .35rem 0; padding: 0; }
.heat-legend li { list-style: none; }
.swatch { display: inline-block; width: 1rem; height: .8rem; margin-right: .4rem;
  vertical-align: middle; border: 1px solid #888; }
.dot { border-radius: 50%; width: .7rem; height: .7rem; border-color: #fff; }
"""


def kind_of(collection: dict) -> str:
    """The layer's kind (unsafe, safe or net), from the filters or the first cell."""
    kind = (collection.get("filters") or {}).get("kind")
    if not kind and collection.get("features"):
        kind = collection["features"][0]["properties"].get("kind")
    return kind or "unsafe"


def fill_colour(properties: dict) -> str | None:
    """The heat-scale colour of one cell (None when it has no value)."""
    return colour_for(properties.get("kind", "unsafe"), value_of(properties))


def cell_sentence(properties: dict) -> str:
    """One cell's published numbers in plain words."""
    if properties.get("kind") == "net":
        return (f"About {properties['unsafe']} feel unsafe and {properties['safe']} feel safe, "
                f"of {properties['coverage']} pupils.")
    rate = properties.get("rate")
    share = f" ({int(rate * 100 + 0.5)}%)" if rate is not None else ""
    return (f"About {properties['pupils']} of {properties['coverage']} pupils{share} "
            f"feel {properties['kind']} here.")


def _fixed(number: float) -> Decimal:
    """A coordinate with 6 decimals that the CSV writes as a plain number (never 1e-06)."""
    return Decimal(f"{number:.6f}")


def _csv_row(feature: dict, filters: dict) -> dict:
    """One CSV row: the cell's published numbers, the filters and its hexagon."""
    props = feature["properties"]
    hexagon = shape(feature["geometry"])
    centre = hexagon.centroid
    row = {name: props.get(name) for name in CSV_COLUMNS if name in props}
    row.update({name: filters.get(name) for name in FILTER_COLUMNS})
    row.update(cell_id=feature.get("id"), lon=_fixed(centre.x), lat=_fixed(centre.y),
               weighting=props.get("weighting") or filters.get("weighting"),
               wkt=shapely.to_wkt(hexagon, rounding_precision=7))
    return row


def cells_csv(collection: dict) -> str:
    """The cells as CSV with a WKT hexagon per row (QGIS: Add Delimited Text Layer)."""
    filters = collection.get("filters") or {}
    return csv_text(CSV_COLUMNS, (_csv_row(f, filters) for f in collection["features"]))


def _bounds(collection: dict, outline: dict | None) -> list[list[float]] | None:
    """[[south, west], [north, east]] of the cells, else of the outline."""
    if collection["features"]:
        geometry = shapely.union_all([shape(f["geometry"]) for f in collection["features"]])
    elif outline:
        geometry = shape(outline.get("geometry", outline))
    else:
        return None
    west, south, east, north = geometry.bounds
    return [[south, west], [north, east]]


def _add_cells(fmap: folium.Map, features: list[dict]) -> None:
    """The hexagons, filled with heat-scale colours, each with its numbers as a tooltip."""
    cells = [{"type": "Feature", "id": f.get("id") or str(n), "geometry": f["geometry"],
              "properties": {"about": str(safe_text(cell_sentence(f["properties"]))),
                             "fill": fill_colour(f["properties"])}}
             for n, f in enumerate(features)]

    def style(cell: dict) -> dict:
        fill = cell["properties"]["fill"]
        return {"className": "heat-cell", "color": "#555555", "weight": 0.5,
                "fill": fill is not None, "fillColor": fill or "#ffffff",
                "fillOpacity": CELL_OPACITY}

    folium.GeoJson({"type": "FeatureCollection", "features": cells}, name="Heatmap",
                   style_function=style,
                   tooltip=folium.GeoJsonTooltip(fields=["about"], labels=False)).add_to(fmap)


def _add_dot(fmap: folium.Map, place: dict, *, colour: str, kind: str) -> None:
    """A small circle with its escaped name as a tooltip (tooltips need no jQuery)."""
    folium.CircleMarker(location=[place["lat"], place["lon"]], radius=5, color="#ffffff",
                        weight=1, fill=True, fill_color=colour, fill_opacity=1,
                        class_name=f"marker-{kind}",
                        tooltip=folium.Tooltip(str(safe_text(place["name"])))).add_to(fmap)


def _legend_html(kind: str, title: str, notes: list[str], empty: bool) -> Markup:
    """The escaped legend box: title, notes, colour classes and the marker key."""
    rows = [Markup('<li><span class="swatch" style="background:{}"></span>{}</li>').format(
        row["colour"], safe_text(row["words"])) for row in legend(kind)]
    markers = ((SCHOOL_COLOUR, "School"), (HAVEN_COLOUR, "Safe Haven"))
    rows += [Markup('<li><span class="swatch dot" style="background:{}"></span>{}</li>').format(
        colour, label) for colour, label in markers]
    lines = [*notes, NO_CELLS] if empty else notes
    return Markup(
        '<details class="heat-legend" open><summary>{}</summary><p>{}</p>{}<ul>{}</ul></details>'
    ).format(safe_text(title), safe_text(LEGEND_TITLES.get(kind, kind)),
             Markup("").join(Markup("<p>{}</p>").format(safe_text(n)) for n in lines),
             Markup("").join(rows))


def _inline(code: str, tag: str) -> str:
    """Library code inside a <script> or <style> element that cannot close it early."""
    return code.replace(f"</{tag}", f"<\\/{tag}")


def standalone_html(collection: dict, *, title: str, notes: list[str], outline: dict | None,
                    schools: list[dict], havens: list[dict], tile_url: str, attribution: str,
                    leaflet_js: str, leaflet_css: str) -> str:
    """One HTML file with Leaflet inlined: only the basemap tiles come from elsewhere."""
    bounds = _bounds(collection, outline)
    centre = ((bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2) \
        if bounds else LONDON
    fmap = base_map(center=centre, zoom=13, tile_url=tile_url, attribution=attribution,
                    assets=NO_ASSETS, bounds=bounds)
    fmap.default_js, fmap.default_css = [], []  # Leaflet is inlined below instead
    if outline:
        add_outline(fmap, geometry=outline, label="Borough boundary")
    if collection["features"]:
        _add_cells(fmap, collection["features"])
    for place in schools:
        _add_dot(fmap, place, colour=SCHOOL_COLOUR, kind="school")
    for place in havens:
        _add_dot(fmap, place, colour=HAVEN_COLOUR, kind="haven")
    parts = map_parts(fmap)
    legend_box = _legend_html(kind_of(collection), title, notes, not collection["features"])
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{safe_text(title)}</title>\n"
        f"<style>{_inline(leaflet_css, 'style')}</style>\n"
        f"<script>{_inline(leaflet_js, 'script')}</script>\n"
        f"{parts['head']}\n<style>{LEGEND_CSS}</style>\n</head>\n<body>\n"
        f"{legend_box}\n{parts['body']}\n{parts['script']}\n</body>\n</html>\n")

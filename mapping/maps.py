"""Maps for teachers' pages: the class's zones with escaped popups and the class grid."""

import folium
from flask import current_app

from core.maps import base_map, map_parts, safe_text, text_popup
from core.places.routes import map_assets

COLOURS = {"unsafe": "#b00020", "safe": "#1e6b34"}
GRID_COLOURS = ["#fde0dd", "#fa9fb5", "#f768a1", "#c51b8a", "#7a0177"]


def _bounds(area: dict):
    coordinates = [pt for polygon in area["coordinates"] for ring in polygon for pt in ring]
    lons, lats = [c[0] for c in coordinates], [c[1] for c in coordinates]
    return [[min(lats), min(lons)], [max(lats), max(lons)]]


def _base(area: dict) -> folium.Map:
    bounds = _bounds(area)
    centre = ((bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2)
    fmap = base_map(center=centre, zoom=15, tile_url=current_app.config["TILE_URL"],
                    attribution=current_app.config["TILE_ATTRIBUTION"], assets=map_assets(),
                    bounds=bounds)
    folium.GeoJson(area, style_function=lambda _f: {"color": "#0b4f8a", "weight": 2,
                                                    "fill": False, "dashArray": "6 4"},
                   name="Map area").add_to(fmap)
    return fmap


def _zone_popup(props: dict) -> folium.Popup:
    lines = ["Unsafe" if props["kind"] == "unsafe" else "Safe",
             "Why: " + ", ".join(props["reasons"]), "When: " + ", ".join(props["times"])]
    if props["suggestions"]:
        lines.append("Would help: " + ", ".join(props["suggestions"]))
    if props["suggestion_other"]:
        lines.append("Idea: " + props["suggestion_other"])
    if props["comment"]:
        lines.append("Comment: " + props["comment"])
    return text_popup(*lines)


def _add_zone(fmap: folium.Map, feature: dict) -> None:
    props = feature["properties"]
    colour = COLOURS[props["kind"]]
    style = {"color": colour, "fillColor": colour, "fillOpacity": 0.2, "weight": 3,
             "dashArray": None if props["kind"] == "unsafe" else "8 6"}
    if feature["geometry"]["type"] == "Point":
        folium.CircleMarker(location=feature["geometry"]["coordinates"][::-1], radius=8,
                            color=colour, fill=True, fill_color=colour,
                            popup=_zone_popup(props), class_name="zone").add_to(fmap)
        return
    folium.GeoJson(feature["geometry"], style_function=lambda _f, s=style: s,
                   popup=_zone_popup(props)).add_to(fmap)


def _add_grid(fmap: folium.Map, cells: list[dict]) -> None:
    top = max([cell["unsafe"] for cell in cells] + [1])
    layer = folium.FeatureGroup(name="Class grid: pupils feeling unsafe", show=True)
    for cell in cells:
        if not cell["unsafe"]:
            continue
        shade = GRID_COLOURS[min(len(GRID_COLOURS) - 1,
                                 int(cell["unsafe"] / top * (len(GRID_COLOURS) - 1)))]
        folium.GeoJson(cell["geometry"], style_function=lambda _f, c=shade: {
            "color": c, "weight": 0, "fillColor": c, "fillOpacity": 0.55},
            tooltip=str(safe_text(f"{cell['unsafe']} pupil(s) unsafe, {cell['safe']} safe"))
        ).add_to(layer)
    layer.add_to(fmap)


def results_map(area: dict, zones: dict, cells: list[dict]) -> dict:
    """The class's zones (popups escaped) over the class grid, with a layer switcher."""
    fmap = _base(area)
    _add_grid(fmap, cells)
    shapes = folium.FeatureGroup(name="Every pupil's places", show=True)
    for feature in zones["features"]:
        _add_zone(shapes, feature)
    shapes.add_to(fmap)
    folium.LayerControl(collapsed=True).add_to(fmap)
    return map_parts(fmap)


def area_map(area: dict, places: list[dict]) -> dict:
    """The session's area with its named places."""
    fmap = _base(area)
    for place in places:
        folium.GeoJson(place["geometry"], style_function=lambda _f: {"color": "#6b21a8"},
                       tooltip=str(safe_text(place["name"]))).add_to(fmap)
    return map_parts(fmap)

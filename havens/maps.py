"""Maps and links for haven pages: Folium maps with escaped popups, public URLs, positions."""

from flask import current_app, request, url_for

from core import db
from core.maps import add_point, base_map, map_parts, text_popup
from core.places.routes import map_assets
from havens import queries
from havens.presenting import TYPE_LABELS

STATUS_COLOURS = {"active": "#1e6b34", "prospect": "#6b6b6b", "lapsed": "#b45309",
                  "withdrawn": "#7f1d1d"}
START_COLOUR = "#0b4f8a"


def tile_url() -> str:
    """The configured basemap tiles."""
    return current_app.config["TILE_URL"]


def tile_attribution() -> str:
    """The basemap's attribution."""
    return current_app.config["TILE_ATTRIBUTION"]


def public_url(haven_id: int) -> str:
    """The haven's public page as an absolute URL (for QR codes on stickers)."""
    base = current_app.config["PUBLIC_BASE_URL"] or request.url_root
    return base.rstrip("/") + url_for("havens.haven_page", haven_id=haven_id, **{"from":
                                                                                 "sticker"})


def lon_lat(haven) -> tuple[float, float]:
    """Where a haven is."""
    return queries.lon_lat(db.session(), haven.id)


def near_from_args(args) -> tuple[float, float] | None:
    """A position sent by the worker's phone (?lat=&lon=), if valid."""
    try:
        lat, lon = float(args["lat"]), float(args["lon"])
    except (KeyError, ValueError):
        return None
    return (lon, lat) if -90 <= lat <= 90 and -180 <= lon <= 180 else None


def _map(points, zoom=14):
    lats = [p[1] for p in points] or [51.5]
    lons = [p[0] for p in points] or [-0.1]
    bounds = [[min(lats), min(lons)], [max(lats), max(lons)]] if len(points) > 1 else None
    return base_map(center=(sum(lats) / len(lats), sum(lons) / len(lons)), zoom=zoom,
                    tile_url=tile_url(), attribution=tile_attribution(), assets=map_assets(),
                    bounds=bounds)


def _haven_marker(fmap, view: dict) -> None:
    status = view.get("status", "active")
    lines = [view["name"], TYPE_LABELS.get(view["business_type"], ""), view.get("address") or "",
             "Open now" if view["open_now"] else "Closed now"]
    if status != "active":
        lines.append(f"Status: {status}")
    link = (url_for("havens.haven_page", haven_id=view["id"]), "Details")
    add_point(fmap, lat=view["lat"], lon=view["lon"], label=view["name"], kind="haven",
              color=STATUS_COLOURS.get(status, "#1e6b34"), popup=text_popup(*lines, link=link))


def finder_map(views: list[dict], start, found) -> dict:
    """Every active haven; with a search, the start point and the nearest ones in view."""
    focus = [(f.lon, f.lat) for f in found] + ([start] if start else [])
    fmap = _map(focus or [(v["lon"], v["lat"]) for v in views])
    for view in views:
        _haven_marker(fmap, view)
    if start:
        add_point(fmap, lat=start[1], lon=start[0], label="You searched from here",
                  kind="start", color=START_COLOUR, popup=text_popup("You searched from here"))
    return map_parts(fmap)


def haven_map(view: dict) -> dict:
    """A small map around one haven."""
    fmap = _map([(view["lon"], view["lat"])], zoom=16)
    _haven_marker(fmap, view)
    return map_parts(fmap)


def manage_map(views: list[dict]) -> dict:
    """The worker's havens coloured by status."""
    fmap = _map([(v["lon"], v["lat"]) for v in views])
    for view in views:
        _haven_marker(fmap, view)
    return map_parts(fmap)

"""Folium maps that load only our own copies of Leaflet (no CDN), with escaped popups; their
inline scripts carry the response's CSP nonce."""

import re
from dataclasses import dataclass

import folium
from flask import has_request_context
from markupsafe import Markup, escape

from core.security import csp_nonce

FOLIUM_VIEWPORT = re.compile(r'<meta\s+name="viewport"[^>]*>\s*')
INLINE_SCRIPT = "<script>"  # Folium's own inline scripts have no attributes


@dataclass(frozen=True)
class MapAssets:
    """Where our self-hosted Leaflet files are served."""

    leaflet_js: str
    leaflet_css: str
    jquery_js: str  # Folium's popups parse their HTML with jQuery


def base_map(*, center: tuple[float, float], zoom: int, tile_url: str, attribution: str,
             assets: MapAssets, bounds=None) -> folium.Map:
    """A Leaflet map with our own Leaflet copy and the configured tile layer only."""
    fmap = folium.Map(location=list(center), zoom_start=zoom, tiles=None, control_scale=True,
                      prefer_canvas=False)
    fmap.default_js = [("leaflet", assets.leaflet_js), ("jquery", assets.jquery_js)]
    fmap.default_css = [("leaflet_css", assets.leaflet_css)]
    folium.TileLayer(tiles=tile_url, attr=attribution, max_zoom=19, name="Basemap").add_to(fmap)
    if bounds:
        fmap.fit_bounds(bounds)
    return fmap


def safe_text(text: str) -> Markup:
    """Text escaped for HTML and for the JavaScript template literal Folium wraps it in
    (Folium escapes neither: `${...}` would run, a backslash would break the page)."""
    escaped = str(escape(text))
    for char, entity in (("$", "&#36;"), ("\\", "&#92;"), ("`", "&#96;")):
        escaped = escaped.replace(char, entity)
    return Markup(escaped)  # noqa: S704  (escaped just above)


def text_popup(*lines: str, link: tuple[str, str] | None = None) -> folium.Popup:
    """A popup whose text is escaped (Folium does not escape popup HTML itself)."""
    body = Markup("<br>").join(safe_text(line) for line in lines if line)
    if link:
        href, label = link
        body += Markup('<br><a href="{}">{}</a>').format(safe_text(href), safe_text(label))
    return folium.Popup(str(body), max_width=280)


def add_point(fmap: folium.Map, *, lat: float, lon: float, label: str,
              popup: folium.Popup, color: str = "#1d4ed8", kind: str = "point") -> None:
    """A round marker (CSS class `marker-{kind}`) with an escaped tooltip and popup."""
    folium.CircleMarker(location=[lat, lon], radius=7, color="#ffffff", weight=2,
                        class_name=f"marker-{kind}",
                        fill=True, fill_color=color, fill_opacity=0.95,
                        tooltip=folium.Tooltip(str(safe_text(label))), popup=popup).add_to(fmap)


def add_outline(fmap: folium.Map, *, geometry: dict, label: str) -> None:
    """A boundary drawn as an unfilled outline (for example a borough), with an escaped tooltip."""
    style = {"color": "#0b4f8a", "weight": 2, "fill": False, "dashArray": "6 4"}
    folium.GeoJson(geometry, style_function=lambda _feature: style,
                   tooltip=folium.Tooltip(str(safe_text(label)))).add_to(fmap)


def map_parts(fmap: folium.Map, nonce: str | None = None) -> dict[str, Markup]:
    """The map's head links, its div and its script, to place in our own templates; inline
    scripts carry `nonce` (by default this request's CSP nonce)."""
    if nonce is None:
        nonce = csp_nonce() if has_request_context() else ""
    opening = f'<script nonce="{escape(nonce)}">' if nonce else INLINE_SCRIPT
    root = fmap.get_root()
    root.render()
    # Folium adds a viewport that forbids zooming (WCAG 1.4.4); our layout has its own.
    # The head holds no user text (that is all in the script), so its tags are Folium's own.
    head = FOLIUM_VIEWPORT.sub("", root.header.render()).replace(INLINE_SCRIPT, opening)
    script = root.script.render()
    if "</script" in script.lower():
        # Only a string that escaped escaping could close our tag early: refuse, never bless it.
        raise ValueError("a map's script would close its own <script> element")
    # Folium's own output; every user-typed string in it was escaped when it was added.
    return {"head": Markup(head),  # noqa: S704
            "body": Markup(root.html.render()),  # noqa: S704
            "script": Markup(f"{opening}{script}</script>")}  # noqa: S704

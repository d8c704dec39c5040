"""The map of a school's Safe Havens as vector SVG, for print (pure).

Drawn in the work CRS at the frame's scale, in millimetres of the A4 design (the A3 poster is
the same drawing, bigger). Legible in black and white: havens are black circles with white
numbers, the school a black star, the walking area a dashed circle, and the basemap light greys
and tints that never compete with them.
"""

import math
import zlib
from dataclasses import dataclass, field

import numpy as np
from shapely.geometry.base import BaseGeometry
from shapely.ops import linemerge

from mapping import svg
from mapping.haven_map_layout import Box, Frame, Label, place_labels

HAVEN_RADIUS_MM = 2.6
NICE_METRES = (50, 100, 200, 250, 500, 1000, 2000, 2500, 5000)
WALK_METRES_PER_MINUTE = 70  # a child's walk, a little slower than an adult's
FONT = "DejaVu Sans, sans-serif"
LABEL_SPOTS = (0.5, 0.3, 0.7, 0.15, 0.85, 0.4, 0.6)  # fractions along a road

# Basemap styles, drawn in this order (areas first, then lines from minor to major).
AREA_STYLE = {"water": {"fill": "#b9d3e8"}, "park": {"fill": "#d5e8cf"}}
LINE_STYLE = {
    "waterway": [{"stroke": "#9cc1df", "stroke_width": 0.9}],
    "railway": [{"stroke": "#666", "stroke_width": 0.7},
                {"stroke": "#fff", "stroke_width": 0.35, "stroke_dasharray": "1.6 1.6"}],
    "path": [{"stroke": "#8c8c8c", "stroke_width": 0.25, "stroke_dasharray": "0.8 0.5"}],
}
ROAD_STYLE = {"road": ("#b3b3b3", 0.95, "#fff", 0.65),  # casing colour and width, then fill
              "major_road": ("#7a7a7a", 1.5, "#fbe7a4", 1.1)}
OUTLINE_STYLE = {"borough": {"stroke": "#444", "stroke_width": 0.6, "stroke_dasharray": "3 1.2"},
                 "ward": {"stroke": "#999", "stroke_width": 0.3, "stroke_dasharray": "1.2 0.8"}}


@dataclass(frozen=True)
class MapFeature:
    """Something drawn under the havens: a basemap layer or an outline, in ground metres."""

    layer: str  # water, park, waterway, railway, path, road, major_road, borough, ward
    geometry: BaseGeometry
    name: str | None = None


@dataclass(frozen=True)
class RasterBasemap:
    """A basemap picture already warped to the frame (PNG or JPEG bytes, as a data URI)."""

    data_uri: str


@dataclass(frozen=True)
class MapScene:
    """What one haven map shows."""

    frame: Frame
    school: tuple[float, float]
    radius_m: float
    havens: list[tuple[float, float]]  # ground positions, in number order
    features: list[MapFeature] = field(default_factory=list)
    raster: RasterBasemap | None = None
    title: str = "Map of Safe Havens"


def walk_minutes(radius_m: float) -> int:
    """About how many minutes a child takes to walk the radius, to the nearest 5."""
    return max(5, int(round(radius_m / WALK_METRES_PER_MINUTE / 5) * 5))


def distance_label(metres: float) -> str:
    """"800 m" or "1.5 km"."""
    return f"{metres:.0f} m" if metres < 1000 else f"{metres / 1000:.1f} km".replace(".0 ", " ")


def _to_page(frame: Frame):
    scale = frame.metres_per_mm

    def convert(coords: np.ndarray) -> np.ndarray:
        return np.column_stack(((coords[:, 0] - frame.west) / scale,
                                (frame.north - coords[:, 1]) / scale))
    return convert


def _basemap(features: list[MapFeature], to_page) -> str:
    by_layer: dict[str, list[BaseGeometry]] = {}
    for feature in features:
        by_layer.setdefault(feature.layer, []).append(feature.geometry)
    parts = [svg.path(svg.path_data(by_layer.get(layer, []), to_page), fill_rule="evenodd",
                      stroke="none", **style) for layer, style in AREA_STYLE.items()]
    for layer, strokes in LINE_STYLE.items():
        d = svg.path_data(by_layer.get(layer, []), to_page)
        parts += [svg.path(d, fill="none", stroke_linecap="round", **s) for s in strokes]
    roads = {layer: svg.path_data(by_layer.get(layer, []), to_page) for layer in ROAD_STYLE}
    for layer, (casing, casing_w, _, _) in ROAD_STYLE.items():  # casings under every fill
        parts.append(svg.path(roads[layer], fill="none", stroke=casing, stroke_width=casing_w,
                              stroke_linecap="round", stroke_linejoin="round"))
    for layer, (_, _, inner, inner_w) in ROAD_STYLE.items():
        parts.append(svg.path(roads[layer], fill="none", stroke=inner, stroke_width=inner_w,
                              stroke_linecap="round", stroke_linejoin="round"))
    for layer, style in OUTLINE_STYLE.items():
        parts.append(svg.path(svg.path_data(by_layer.get(layer, []), to_page), fill="none",
                              **style))
    return "".join(parts)


def _ward_names(features: list[MapFeature], frame: Frame, occupied: list[Box]) -> str:
    """Ward names in the schematic map (no streets), where they fit."""
    parts = []
    for feature in features:
        if feature.layer != "ward" or not feature.name:
            continue
        point = feature.geometry.representative_point()
        x, y = frame.to_page(point.x, point.y)
        box = _text_box(x, y, feature.name, 2.6)
        if _inside_page(box, frame) and not any(_overlap(box, o) for o in occupied):
            occupied.append(box)
            parts.append(svg.text(x, y + 0.9, feature.name.upper(), font_size=2.6,
                                  fill="#777", text_anchor="middle", font_family=FONT,
                                  letter_spacing=0.3, halo_mm=0.8))
    return "".join(parts)


def _text_box(x: float, y: float, content: str, size: float) -> Box:
    half = len(content) * size * 0.3
    return x - half, y - size * 0.6, x + half, y + size * 0.6


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _inside_page(box: Box, frame: Frame) -> bool:
    left, top, right, bottom = box
    return left > 1 and top > 1 and right < frame.width_mm - 1 and bottom < frame.height_mm - 1


def _road_labels(features: list[MapFeature], frame: Frame, occupied: list[Box],
                 limit: int = 40) -> str:
    """Street names along the longest stretch of each named road, where they fit."""
    lines: dict[tuple[str, str], list[BaseGeometry]] = {}
    for feature in features:
        if feature.layer in ROAD_STYLE and feature.name:
            lines.setdefault((feature.layer, feature.name), []).append(feature.geometry)
    candidates = []
    for (layer, name), geometries in lines.items():
        merged = linemerge([g for geom in geometries for g in getattr(geom, "geoms", [geom])
                            if g.geom_type == "LineString"])
        longest = max(getattr(merged, "geoms", [merged]), key=lambda g: g.length, default=None)
        if longest is not None and not longest.is_empty:
            candidates.append((layer != "major_road", -longest.length, name, longest))
    parts = []
    for _, _, name, line in sorted(candidates, key=lambda c: c[:2])[:limit * 2]:
        placed = _road_label(line, name, frame, occupied)
        if placed:
            parts.append(placed)
        if len(parts) == limit:
            break
    return "".join(parts)


def _road_label(line: BaseGeometry, name: str, frame: Frame, occupied: list[Box]) -> str:
    size = 2.2
    length_mm = len(name) * size * 0.6
    if line.length / frame.metres_per_mm < length_mm * 1.3:
        return ""
    # Try a few places along the road, starting somewhere that depends on the name, so that
    # parallel streets do not stack their names in one column.
    start = zlib.crc32(name.encode()) % len(LABEL_SPOTS)
    for spot in LABEL_SPOTS[start:] + LABEL_SPOTS[:start]:
        placed = _road_label_at(line, spot, name, size, length_mm, frame, occupied)
        if placed:
            return placed
    return ""


def _road_label_at(line, spot: float, name: str, size: float, length_mm: float, frame: Frame,
                   occupied: list[Box]) -> str:
    half_m = length_mm / 2 * frame.metres_per_mm
    along = spot * line.length
    if along < half_m or along > line.length - half_m:
        return ""
    middle = line.interpolate(along)
    behind, ahead = line.interpolate(along - half_m), line.interpolate(along + half_m)
    (x0, y0), (x1, y1) = frame.to_page(behind.x, behind.y), frame.to_page(ahead.x, ahead.y)
    angle = math.degrees(math.atan2(y1 - y0, x1 - x0))
    if angle > 90 or angle < -90:  # keep text upright
        angle -= math.copysign(180, angle)
    x, y = frame.to_page(middle.x, middle.y)
    reach = abs(math.cos(math.radians(angle))) * length_mm / 2 + size / 2
    rise = abs(math.sin(math.radians(angle))) * length_mm / 2 + size / 2
    box = (x - reach, y - rise, x + reach, y + rise)
    if not _inside_page(box, frame) or any(_overlap(box, o) for o in occupied):
        return ""
    occupied.append(box)
    return svg.text(x, y + size * 0.35, name, rotate=angle, font_size=size, fill="#333",
                    text_anchor="middle", font_family=FONT, halo_mm=0.7)


def _walk_circle(scene: MapScene, occupied: list[Box]) -> str:
    frame = scene.frame
    cx, cy = frame.to_page(*scene.school)
    r = scene.radius_m / frame.metres_per_mm
    label = (f"{distance_label(scene.radius_m)} from school: about "
             f"{walk_minutes(scene.radius_m)} minutes' walk")
    ty = max(cy - r + 3.2, 4.0)
    occupied.append(_text_box(cx, ty - 0.8, label, 2.6))
    return (f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" fill="none" stroke="#222" '
            f'stroke-width="0.5" stroke-dasharray="2.5 1.5"/>'
            + svg.text(cx, ty, label, font_size=2.6, font_weight="bold", fill="#222",
                       text_anchor="middle", font_family=FONT, halo_mm=1.0))


def _star(cx: float, cy: float, outer: float) -> str:
    points = []
    for k in range(10):
        radius = outer if k % 2 == 0 else outer * 0.45
        angle = -math.pi / 2 + k * math.pi / 5
        points.append(f"{cx + radius * math.cos(angle):.2f},{cy + radius * math.sin(angle):.2f}")
    return (f'<polygon points="{" ".join(points)}" fill="#000" stroke="#fff" '
            f'stroke-width="0.5" stroke-linejoin="round"/>')


# Where the word SCHOOL may go beside the star: (x offset, y offset, text anchor).
SCHOOL_WORD_SPOTS = ((4.8, 1.2, "start"), (-4.8, 1.2, "end"), (0.0, -5.0, "middle"),
                     (0.0, 7.4, "middle"))
SCHOOL_WORD_MM = 12.5


def _school_word_box(x: float, y: float, spot: tuple[float, float, str]) -> Box:
    dx, dy, anchor = spot
    left = {"start": x + dx, "end": x + dx - SCHOOL_WORD_MM,
            "middle": x - SCHOOL_WORD_MM / 2}[anchor]
    return left, y + dy - 3.0, left + SCHOOL_WORD_MM, y + dy + 0.8


def school_spot(scene: MapScene) -> tuple[float, float, str]:
    """The side of the star for the word SCHOOL with the fewest havens under it."""
    x, y = scene.frame.to_page(*scene.school)
    havens = [scene.frame.to_page(*h) for h in scene.havens]

    def crowding(spot) -> int:
        left, top, right, bottom = _school_word_box(x, y, spot)
        return sum(1 for hx, hy in havens
                   if left - 3 <= hx <= right + 3 and top - 3 <= hy <= bottom + 3)
    return min(SCHOOL_WORD_SPOTS, key=crowding)


def school_boxes(scene: MapScene, spot: tuple[float, float, str]) -> list[Box]:
    """Where the school's star and its word sit on the page (kept free of labels)."""
    x, y = scene.frame.to_page(*scene.school)
    return [(x - 4.0, y - 4.0, x + 4.0, y + 4.0), _school_word_box(x, y, spot)]


def _school(scene: MapScene, spot: tuple[float, float, str]) -> str:
    x, y = scene.frame.to_page(*scene.school)
    dx, dy, anchor = spot
    return _star(x, y, 3.8) + svg.text(x + dx, y + dy, "SCHOOL", font_size=3.0,
                                       font_weight="bold", fill="#000", font_family=FONT,
                                       text_anchor=anchor, halo_mm=1.0)


def _haven_labels(labels: list[Label]) -> str:
    r = HAVEN_RADIUS_MM
    leaders = "".join(
        f'<line x1="{lb.x:.2f}" y1="{lb.y:.2f}" x2="{lb.label_x:.2f}" y2="{lb.label_y:.2f}" '
        f'stroke="#000" stroke-width="0.35"/><circle cx="{lb.x:.2f}" cy="{lb.y:.2f}" r="0.8" '
        f'fill="#000" stroke="#fff" stroke-width="0.25"/>' for lb in labels if lb.moved)
    circles = []
    for lb in labels:
        size = 3.2 if lb.number < 100 else 2.4
        circles.append(f'<circle cx="{lb.label_x:.2f}" cy="{lb.label_y:.2f}" r="{r}" '
                       f'fill="#000" stroke="#fff" stroke-width="0.45"/>')
        circles.append(svg.text(lb.label_x, lb.label_y + size * 0.36, str(lb.number),
                                font_size=size, font_weight="bold", fill="#fff",
                                text_anchor="middle", font_family=FONT))
    return leaders + "".join(circles)


def _scale_bar(frame: Frame) -> tuple[str, Box]:
    """A bar of a round number of metres, about a fifth of the map's width, bottom left."""
    metres = max([m for m in NICE_METRES if m / frame.metres_per_mm <= frame.width_mm / 5]
                 or [NICE_METRES[0]])
    length = metres / frame.metres_per_mm
    left, bottom = 4.0, frame.height_mm - 4.0
    half = length / 2
    box = (left - 2, bottom - 8.5, left + length + 6, bottom + 2)
    ratio = round(frame.metres_per_mm * 1000, -2)
    body = (f'<rect x="{box[0]:.1f}" y="{box[1]:.1f}" width="{box[2] - box[0]:.1f}" '
            f'height="{box[3] - box[1]:.1f}" fill="#fff" fill-opacity="0.85"/>'
            f'<rect x="{left:.1f}" y="{bottom - 1.6:.1f}" width="{half:.2f}" height="1.6" '
            f'fill="#000"/>'
            f'<rect x="{left + half:.2f}" y="{bottom - 1.6:.1f}" width="{half:.2f}" height="1.6" '
            f'fill="#fff" stroke="#000" stroke-width="0.3"/>'
            + svg.text(left, bottom - 2.6, "0", font_size=2.4, font_family=FONT)
            + svg.text(left + length, bottom - 2.6, distance_label(metres), font_size=2.4,
                       text_anchor="middle", font_family=FONT)
            + svg.text(left + length + 5, bottom, f"1:{ratio:,.0f}".replace(",", " "),
                       font_size=2.0, fill="#444", font_family=FONT))
    return body, box


def _north_arrow(frame: Frame) -> tuple[str, Box]:
    x, top = frame.width_mm - 7.0, 3.0
    body = (f'<rect x="{x - 4:.1f}" y="{top - 1:.1f}" width="8" height="13" fill="#fff" '
            f'fill-opacity="0.85"/><path d="M{x:.1f} {top + 4:.1f}l-2.5 7.5l2.5-2l2.5 2z" '
            f'fill="#000"/>'
            + svg.text(x, top + 3.2, "N", font_size=3.4, font_weight="bold",
                       text_anchor="middle", font_family=FONT))
    return body, (x - 4, top - 1, x + 4, top + 12)


def map_svg(scene: MapScene) -> str:
    """The whole map as an SVG document sized in millimetres."""
    frame = scene.frame
    to_page = _to_page(frame)
    scale_bar, scale_box = _scale_bar(frame)
    north, north_box = _north_arrow(frame)
    spot = school_spot(scene)
    occupied = [scale_box, north_box, *school_boxes(scene, spot)]
    labels = place_labels([frame.to_page(x, y) for x, y in scene.havens],
                          radius_mm=HAVEN_RADIUS_MM,
                          page=(0.0, 0.0, frame.width_mm, frame.height_mm),
                          obstacles=occupied)
    circle = _walk_circle(scene, occupied)
    occupied += [(lb.label_x - HAVEN_RADIUS_MM, lb.label_y - HAVEN_RADIUS_MM,
                  lb.label_x + HAVEN_RADIUS_MM, lb.label_y + HAVEN_RADIUS_MM) for lb in labels]
    raster = (f'<image href="{scene.raster.data_uri}" x="0" y="0" width="{frame.width_mm:.1f}" '
              f'height="{frame.height_mm:.1f}" preserveAspectRatio="none"/>'
              if scene.raster else "")
    body = "".join([
        f'<rect width="{frame.width_mm:.1f}" height="{frame.height_mm:.1f}" fill="#fbfaf6"/>',
        raster, _basemap(scene.features, to_page), circle,
        _road_labels(scene.features, frame, occupied),
        _ward_names(scene.features, frame, occupied),
        _school(scene, spot), _haven_labels(labels), scale_bar, north,
        f'<rect width="{frame.width_mm:.1f}" height="{frame.height_mm:.1f}" fill="none" '
        f'stroke="#000" stroke-width="0.5"/>',
    ])
    return svg.document(frame.width_mm, frame.height_mm, body, title=scene.title)

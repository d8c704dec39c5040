"""What the map of a school's Safe Havens draws, and where (pure).

`plan_map` turns a scene (ground metres in the work CRS) into a plan in millimetres of the A4
design, y down (the A3 poster is the same drawing, bigger): basemap lines and areas with their
styles, the walking circle, texts, the school's star and the havens' numbered labels, all placed
so that nothing important collides. Two renderers draw a plan: `haven_map_svg` (SVG, for
WeasyPrint) and `haven_map_canvas` (a ReportLab canvas). Legible in black and white: havens are
black circles with white numbers, the school a black star, the walking area a dashed circle, and
the basemap light greys and tints that never compete with them.
"""

import math
import zlib
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from core.geo import scale_length_m
from mapping.haven_map_layout import Box, Frame, Label, place_labels

HAVEN_RADIUS_MM = 2.6
WALK_METRES_PER_MINUTE = 70  # a child's walk, a little slower than an adult's
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
BACKGROUND = "#fbfaf6"


@dataclass(frozen=True)
class MapFeature:
    """Something drawn under the havens: a basemap layer or an outline, in ground metres."""

    layer: str  # water, park, waterway, railway, path, road, major_road, borough, ward
    geometry: BaseGeometry
    name: str | None = None


@dataclass(frozen=True)
class RasterBasemap:
    """A basemap picture already warped to the frame (JPEG bytes)."""

    jpeg: bytes


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




Polyline = tuple[np.ndarray, bool]  # points in page millimetres, and whether it is closed


@dataclass(frozen=True)
class Text:
    """A piece of text on the map, anchored at (x, y) on its baseline."""

    x: float
    y: float
    content: str
    size: float
    bold: bool = False
    fill: str = "#000"
    anchor: str = "start"  # start, middle or end
    rotate: float = 0.0  # degrees, clockwise (y is down)
    halo_mm: float = 0.0  # a white outline under the text
    spacing: float = 0.0


@dataclass(frozen=True)
class Area:
    """Filled polygons (holes by the even-odd rule)."""

    colour: str
    rings: list[Polyline]


@dataclass(frozen=True)
class Line:
    """One stroke pass over lines (and polygon edges)."""

    colour: str
    width: float
    lines: list[Polyline]
    dash: tuple[float, ...] | None = None


@dataclass(frozen=True)
class ScaleBar:
    """A bar of a round number of metres, with its box and the map's scale ratio."""

    left: float
    bottom: float
    length_mm: float
    metres: int
    ratio: int
    box: Box


@dataclass(frozen=True)
class MapPlan:
    """Everything the map draws, in page millimetres (y down), in drawing order."""

    width_mm: float
    height_mm: float
    title: str
    raster: bytes | None
    areas: list[Area]
    lines: list[Line]
    circle: tuple[float, float, float]
    texts: list[Text]  # under the markers: the circle's words, street and ward names
    star: tuple[float, float, float]
    school_word: Text
    labels: list[Label]
    scale: ScaleBar
    north: tuple[float, float]


def page_transform(frame: Frame):
    """A function moving ground-metre coordinate arrays into the frame's page millimetres."""
    scale = frame.metres_per_mm

    def convert(coords: np.ndarray) -> np.ndarray:
        return np.column_stack(((coords[:, 0] - frame.west) / scale,
                                (frame.north - coords[:, 1]) / scale))
    return convert


def as_polylines(geometries: list[BaseGeometry], to_page) -> list[Polyline]:
    """Every line and polygon ring of the geometries, in page millimetres (all their points
    read and moved at once)."""
    pieces: list[BaseGeometry] = []
    closed: list[bool] = []
    _collect_pieces(geometries, pieces, closed)
    if not pieces:
        return []
    coords, owner = shapely.get_coordinates(pieces, return_index=True)
    ends = np.cumsum(np.bincount(owner, minlength=len(pieces)))[:-1]
    return [(points, ring) for points, ring in zip(np.split(to_page(coords), ends), closed,
                                                    strict=True) if len(points) >= 2]


def _collect_pieces(geometries: list[BaseGeometry], pieces: list, closed: list) -> None:
    for geometry in geometries:
        for part in getattr(geometry, "geoms", [geometry]):
            if part.is_empty:
                continue
            if part.geom_type == "Polygon":
                rings = [part.exterior, *part.interiors]
                pieces += rings
                closed += [True] * len(rings)
            elif part.geom_type in ("LineString", "LinearRing"):
                pieces.append(part)
                closed.append(False)
            elif part.geom_type == "GeometryCollection":
                _collect_pieces(list(part.geoms), pieces, closed)


def _dash(style: dict) -> tuple[float, ...] | None:
    pattern = style.get("stroke_dasharray")
    return tuple(float(v) for v in pattern.split()) if pattern else None


def basemap_shapes(features: list[MapFeature], to_page) -> tuple[list[Area], list[Line]]:
    """The basemap's areas and lines in page millimetres, styled by layer."""
    by_layer: dict[str, list[BaseGeometry]] = {}
    for feature in features:
        by_layer.setdefault(feature.layer, []).append(feature.geometry)
    shapes = {layer: as_polylines(found, to_page) for layer, found in by_layer.items()}
    areas = [Area(style["fill"], shapes[layer]) for layer, style in AREA_STYLE.items()
             if shapes.get(layer)]
    lines = [Line(s["stroke"], s["stroke_width"], shapes[layer], _dash(s))
             for layer, strokes in LINE_STYLE.items() if shapes.get(layer) for s in strokes]
    roads = [layer for layer in ROAD_STYLE if shapes.get(layer)]
    lines += [Line(ROAD_STYLE[r][0], ROAD_STYLE[r][1], shapes[r]) for r in roads]  # casings
    lines += [Line(ROAD_STYLE[r][2], ROAD_STYLE[r][3], shapes[r]) for r in roads]  # then fills
    lines += [Line(s["stroke"], s["stroke_width"], shapes[layer], _dash(s))
              for layer, s in OUTLINE_STYLE.items() if shapes.get(layer)]
    return areas, lines


def _text_box(x: float, y: float, content: str, size: float) -> Box:
    half = len(content) * size * 0.3
    return x - half, y - size * 0.6, x + half, y + size * 0.6


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _inside_page(box: Box, frame: Frame) -> bool:
    left, top, right, bottom = box
    return left > 1 and top > 1 and right < frame.width_mm - 1 and bottom < frame.height_mm - 1


def _ward_names(features: list[MapFeature], frame: Frame, occupied: list[Box]) -> list[Text]:
    """Ward names in the schematic map (no streets), where they fit."""
    names = []
    for feature in features:
        if feature.layer != "ward" or not feature.name:
            continue
        point = feature.geometry.representative_point()
        x, y = frame.to_page(point.x, point.y)
        box = _text_box(x, y, feature.name, 2.6)
        if _inside_page(box, frame) and not any(_overlap(box, o) for o in occupied):
            occupied.append(box)
            names.append(Text(x, y + 0.9, feature.name.upper(), 2.6, fill="#777",
                              anchor="middle", halo_mm=0.8, spacing=0.3))
    return names


def road_labels(features: list[MapFeature], frame: Frame, occupied: list[Box],
                 limit: int = 40) -> list[Text]:
    """Street names along the longest stretch of each named road, where they fit."""
    candidates = [(layer != "major_road", -line.length, name, line)
                  for (layer, name), line in _longest_stretches(features).items()]
    placed: list[Text] = []
    for _, _, name, line in sorted(candidates, key=lambda c: c[:2])[:limit * 2]:
        label = _road_label(line, name, frame, occupied)
        if label:
            placed.append(label)
        if len(placed) == limit:
            break
    return placed


def _longest_stretches(features: list[MapFeature]) -> dict[tuple[str, str], BaseGeometry]:
    """The longest stretch of each named road (its pieces joined where they meet), by layer and
    name in the order the roads first appear; all roads are merged at once, in GEOS."""
    groups: dict[tuple[str, str], int] = {}
    parts, owners = [], []
    for feature in features:
        if feature.layer in ROAD_STYLE and feature.name:
            group = groups.setdefault((feature.layer, feature.name), len(groups))
            for part in getattr(feature.geometry, "geoms", [feature.geometry]):
                if part.geom_type == "LineString":
                    parts.append(part)
                    owners.append(group)
    if not parts:
        return {}
    order = np.argsort(owners, kind="stable")  # each road's pieces together, in their order
    merged = shapely.line_merge(shapely.multilinestrings(np.asarray(parts)[order],
                                                         indices=np.asarray(owners)[order]))
    pieces, whose = shapely.get_parts(merged, return_index=True)
    lengths = shapely.length(pieces)
    longest: dict[int, int] = {}
    for index, group in enumerate(whose.tolist()):  # the first of the longest, as max() does
        if group not in longest or lengths[index] > lengths[longest[group]]:
            longest[group] = index
    return {key: pieces[longest[group]] for key, group in groups.items()
            if group in longest and not pieces[longest[group]].is_empty}


def _road_label(line: BaseGeometry, name: str, frame: Frame, occupied: list[Box]) -> Text | None:
    size = 2.2
    length_mm = len(name) * size * 0.6
    if line.length / frame.metres_per_mm < length_mm * 1.3:
        return None
    # Try a few places along the road, starting somewhere that depends on the name, so that
    # parallel streets do not stack their names in one column.
    start = zlib.crc32(name.encode()) % len(LABEL_SPOTS)
    for spot in LABEL_SPOTS[start:] + LABEL_SPOTS[:start]:
        label = _road_label_at(line, spot, name, size, length_mm, frame, occupied)
        if label:
            return label
    return None


def _road_label_at(line, spot: float, name: str, size: float, length_mm: float, frame: Frame,
                   occupied: list[Box]) -> Text | None:
    half_m = length_mm / 2 * frame.metres_per_mm
    along = spot * line.length
    if along < half_m or along > line.length - half_m:
        return None
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
        return None
    occupied.append(box)
    # The baseline sits a little below the road's centre line, across the text's direction.
    drop = size * 0.35
    return Text(x - drop * math.sin(math.radians(angle)), y + drop * math.cos(math.radians(angle)),
                name, size, fill="#333", anchor="middle", rotate=angle, halo_mm=0.7)


def _walk_circle(scene: MapScene, occupied: list[Box]) -> tuple[tuple[float, float, float], Text]:
    frame = scene.frame
    cx, cy = frame.to_page(*scene.school)
    label = (f"{distance_label(scene.radius_m)} from school: about "
             f"{walk_minutes(scene.radius_m)} minutes' walk")
    r = scene.radius_m / frame.metres_per_mm
    ty = max(cy - r + 3.2, 4.0)
    occupied.append(_text_box(cx, ty - 0.8, label, 2.6))
    return (cx, cy, r), Text(cx, ty, label, 2.6, bold=True, fill="#222", anchor="middle",
                             halo_mm=1.0)


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


def _scale_bar(frame: Frame) -> ScaleBar:
    """A bar of a round number of metres, about a fifth of the map's width, bottom left."""
    metres = scale_length_m(frame.east - frame.west)
    length = metres / frame.metres_per_mm
    left, bottom = 4.0, frame.height_mm - 4.0
    box = (left - 2, bottom - 8.5, left + length + 6, bottom + 2)
    return ScaleBar(left, bottom, length, metres, int(round(frame.metres_per_mm * 1000, -2)),
                    box)


def scale_texts(bar: ScaleBar) -> list[Text]:
    """The scale bar's words: 0, its length, and the ratio."""
    return [Text(bar.left, bar.bottom - 2.6, "0", 2.4),
            Text(bar.left + bar.length_mm, bar.bottom - 2.6, distance_label(bar.metres), 2.4,
                 anchor="middle"),
            Text(bar.left + bar.length_mm + 5, bar.bottom,
                 f"1:{bar.ratio:,.0f}".replace(",", " "), 2.0, fill="#444")]


def north_box(north: tuple[float, float]) -> Box:
    """The north arrow's white box."""
    x, top = north
    return x - 4, top - 1, x + 4, top + 12


def star_points(cx: float, cy: float, outer: float) -> list[tuple[float, float]]:
    """The ten corners of a five-pointed star, point up."""
    points = []
    for k in range(10):
        radius = outer if k % 2 == 0 else outer * 0.45
        angle = -math.pi / 2 + k * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return points


def plan_map(scene: MapScene) -> MapPlan:
    """Where everything on the map goes."""
    frame = scene.frame
    bar = _scale_bar(frame)
    north = (frame.width_mm - 7.0, 3.0)
    spot = school_spot(scene)
    occupied = [bar.box, north_box(north), *school_boxes(scene, spot)]
    labels = place_labels([frame.to_page(x, y) for x, y in scene.havens],
                          radius_mm=HAVEN_RADIUS_MM,
                          page=(0.0, 0.0, frame.width_mm, frame.height_mm),
                          obstacles=occupied)
    circle, circle_words = _walk_circle(scene, occupied)
    occupied += [(lb.label_x - HAVEN_RADIUS_MM, lb.label_y - HAVEN_RADIUS_MM,
                  lb.label_x + HAVEN_RADIUS_MM, lb.label_y + HAVEN_RADIUS_MM) for lb in labels]
    areas, lines = basemap_shapes(scene.features, page_transform(frame))
    texts = [circle_words, *road_labels(scene.features, frame, occupied),
             *_ward_names(scene.features, frame, occupied)]
    sx, sy = frame.to_page(*scene.school)
    word = Text(sx + spot[0], sy + spot[1], "SCHOOL", 3.0, bold=True, anchor=spot[2],
                halo_mm=1.0)
    return MapPlan(frame.width_mm, frame.height_mm, scene.title,
                   scene.raster.jpeg if scene.raster else None, areas, lines, circle, texts,
                   (sx, sy, 3.8), word, labels, bar, north)

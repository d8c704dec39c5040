"""The demo borough's basemap (pure): a made-up London suburb as OpenStreetMap-style features
(tags as properties) in EPSG:27700, reproducible from a seed. Parks and paths: greens.py;
street patterns: streets.py.

Main roads cross the borough in gentle curves (a High Street where the first two meet), lesser
roads divide it into neighbourhoods, each with its own mesh of residential streets; a river
meanders through with a stream, a pond and a riverside walk; one railway line crosses it; parks,
a cemetery and a wood have footpaths; every school has grounds with streets around them. The
data reaches MARGIN_M beyond the boundary, so maps of schools near the edge are full.
"""

import math
import random

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import LineString, Point, Polygon, mapping
from shapely.ops import nearest_points, substring, unary_union

from core.demo import greens, streets
from core.demo.streets import curve, cut, smooth_warp, warped

MARGIN_M = 1_500.0
ATTRIBUTION = "Synthetic demo streets (Safe Havens demo)"
SOURCE_NAME = "Havenbridge demo streets"
MAIN_ROADS = [  # (highway, ref, name before the centre, name after it)
    ("primary", "A216", "London Road", "Bromley Road"),
    ("primary", "A217", "Lewisham Road", "Eltham Road"),
    ("secondary", "B218", "Baring Road", "Burnt Ash Hill"),
    ("secondary", "B219", "Westhorne Avenue", "Station Road"),
]
STEMS = ["Albion", "Ardley", "Ashburnham", "Beacon", "Beechwood", "Belmont", "Birch",
         "Blenheim", "Brockley", "Carholme", "Cedar", "Chalsey", "Chestnut", "Clarendon",
         "Coniston", "Cranmer", "Dacre", "Dalrymple", "Dartmouth", "Devonshire", "Effingham",
         "Elmcroft", "Fairlawn", "Farley", "Fernbrook", "Glenfarg", "Granville", "Hafton",
         "Hambledon", "Harcourt", "Hazelbank", "Helder", "Highfield", "Holmdene", "Inchmery",
         "Jevington", "Kingswood", "Laleham", "Lampmead", "Leahurst", "Linden", "Lowther",
         "Manwood", "Marvels", "Meadowcourt", "Milborough", "Minard", "Newstead", "Northbrook",
         "Oakridge", "Ormside", "Oxleas", "Pascoe", "Penerley", "Pitfold", "Ravensworth",
         "Redberry", "Rosenthal", "Rushey", "St Mildred's", "Sandhurst", "Silverdale",
         "Southbrook", "Springbank", "Stondon", "Taunton", "Thornwood", "Upwood", "Verdant",
         "Wantage", "Weigall", "Westhorne", "Whitefoot", "Winn", "Woodyates", "Wyncham"]
STREET_SUFFIXES = ["Road"] * 6 + ["Avenue"] * 2 + ["Street", "Grove", "Gardens", "Crescent",
                                                    "Drive", "Way", "Rise", "Lane", "Terrace"]
CLOSE_SUFFIXES = ["Close", "Close", "Mews", "Court", "Place"]
LESSER_SUFFIXES = ["Lane", "Hill", "Avenue", "Road", "Road", "Park Road"]


class _Names:
    """Street names from the seed: a stem and a suffix, repeats allowed as in real suburbs."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def __call__(self, suffixes: list[str]) -> str:
        return f"{self.rng.choice(STEMS)} {self.rng.choice(suffixes)}"


def basemap_features(rng: random.Random, area: Polygon, schools: list[Point]) -> list[dict]:
    """GeoJSON features (EPSG:27700, OSM tags as properties) of the borough and its margin."""
    extent = area.buffer(MARGIN_M, quad_segs=8)
    names, centre = _Names(rng), area.centroid
    warp = smooth_warp(rng, 35.0, (1_200.0, 2_600.0))
    mains = _main_roads(rng, extent, centre, warp)
    river, stream = _river(rng, extent, centre, warp)
    railway = _railway(rng, extent, centre)
    sites = [_school_site(rng, school, i % 4 == 0) for i, school in enumerate(schools)]
    districts = _neighbourhoods(extent, [line for line, _ in mains])
    parks = greens.parks(rng, districts, area, river, unary_union(sites).buffer(40), names)
    water = [(river.buffer(6, cap_style="flat").intersection(extent),
              {"natural": "water", "water": "river", "name": "River Haven"})]
    water += greens.ponds(rng, parks)
    grounds = unary_union([shape for shape, _ in parks] + sites)
    blocked = unary_union([grounds, river.buffer(18), railway.buffer(14)])
    cells, lesser = _subdivide(rng, districts, warp, names)
    lesser = [(piece, tags) for line, tags in lesser
              for piece in cut([line], grounds if tags["highway"] == "tertiary" else blocked)]
    homes = _residential(rng, cells, centre, area, blocked, names)
    paths = greens.paths(rng, parks, river, railway)
    roads = mains + lesser + homes
    roads += _school_access(schools, sites, [line for line, _ in roads], names)
    features = (water + parks + _sports(sites) + paths + roads
                + [(river, {"waterway": "river", "name": "River Haven"}),
                   (stream, {"waterway": "stream", "name": "Hollow Brook"}),
                   (railway, {"railway": "rail", "name": "Havenbridge Line",
                              "usage": "main"})])
    return _as_geojson(features, extent)


def _as_geojson(features: list, extent: Polygon) -> list[dict]:
    shapes = shapely.intersection(np.array([shape for shape, _ in features], dtype=object),
                                  extent)
    shapes = shapely.transform(shapes, lambda xy: np.round(xy, 1))
    return [{"type": "Feature", "geometry": mapping(shape), "properties": tags}
            for shape, (_, tags) in zip(shapes, features, strict=True) if not shape.is_empty]


def _through(rng, extent: Polygon, anchor: Point, angle: float, bend_m: float,
             warp) -> LineString:
    """A curving line right across the extent through anchor at roughly this angle."""
    reach = 2 * math.sqrt(extent.area)
    dx, dy = math.cos(angle) * reach, math.sin(angle) * reach
    line = curve((anchor.x - dx, anchor.y - dy), (anchor.x + dx, anchor.y + dy), bend_m,
                 rng.uniform(0.6, 1.2), rng.uniform(0, 2 * math.pi))
    return _longest(warped(line, warp).intersection(extent))


def _longest(geometry) -> LineString:
    parts = [part for part in shapely.get_parts(geometry) if isinstance(part, LineString)]
    return max(parts, key=lambda part: part.length)


def _main_roads(rng, extent, centre: Point, warp) -> list[tuple]:
    """Four main roads: two meeting in the centre (the High Street is where the first runs
    through it), two further out; each named differently on either side of the centre."""
    angles = [math.pi / 2, 0.15, 3 * math.pi / 4, math.pi / 4]
    offsets = [(60, 0), (0, 80), (1_400, 2.2), (1_700, 5.3)]
    roads = []
    for (highway, ref, before, after), angle, (distance, bearing) in zip(
            MAIN_ROADS, angles, offsets, strict=True):
        anchor = Point(centre.x + distance * math.cos(bearing),
                       centre.y + distance * math.sin(bearing))
        line = _through(rng, extent, anchor, angle + rng.uniform(-0.2, 0.2), 120, warp)
        at = line.project(centre)
        tags = {"highway": highway, "ref": ref}
        if not roads:  # the first main road is the High Street in the centre
            roads.append((substring(line, at - 450, at + 450),
                          {**tags, "name": "High Street"}))
            roads += [(substring(line, 0, at - 450), {**tags, "name": before}),
                      (substring(line, at + 450, line.length), {**tags, "name": after})]
        else:
            roads += [(substring(line, 0, at), {**tags, "name": before}),
                      (substring(line, at, line.length), {**tags, "name": after})]
    return [(line, tags) for line, tags in roads if line.length > 0]


def _subdivide(rng, cells: list[Polygon], warp, names) -> tuple[list[Polygon], list[tuple]]:
    """Neighbourhoods of 0.2-0.45 km²: bigger land is cut by new roads across it, tertiary
    roads where the land is big, residential ones after that."""
    done, roads, queue = [], [], list(cells)
    while queue:
        cell = queue.pop()
        if cell.area < rng.uniform(200_000, 450_000):
            done.append(cell)
            continue
        pieces, road = streets.split(rng, cell, warp)
        if len(pieces) < 2:
            done.append(cell)
            continue
        queue += pieces
        tags = ({"highway": "tertiary", "name": names(LESSER_SUFFIXES)}
                if cell.area > 1_200_000 else
                {"highway": "residential", "name": names(STREET_SUFFIXES)})
        roads += [(piece, tags) for piece in streets.pieces(road)]
    return done, roads


def _river(rng, extent, centre: Point, warp) -> tuple[LineString, LineString]:
    """A meandering river right across, 700-1,200 m from the centre, and a stream into it."""
    side = rng.choice((-1, 1))
    anchor = Point(centre.x, centre.y + side * rng.uniform(700, 1_200))
    angle = rng.uniform(-0.3, 0.3)
    reach = 2 * math.sqrt(extent.area)
    t = np.linspace(-1, 1, int(2 * reach / 40))
    sway = (140 * np.sin(2 * math.pi * 3.1 * t + rng.uniform(0, 6.3))
            + 45 * np.sin(2 * math.pi * 8.3 * t + rng.uniform(0, 6.3)))
    x, y = t * reach, sway
    cos, sin = math.cos(angle), math.sin(angle)
    line = LineString(np.column_stack([anchor.x + x * cos - y * sin,
                                       anchor.y + x * sin + y * cos]))
    river = _longest(warped(line, warp).intersection(extent))
    source = Point(centre.x + rng.uniform(-1_500, 1_500), centre.y - side * 600)
    mouth = river.interpolate(river.project(source))
    stream = curve((source.x, source.y), (mouth.x, mouth.y), 50, 1.0, rng.uniform(0, 6.3))
    return river, stream


def _railway(rng, extent, centre: Point) -> LineString:
    """One railway across, in a long gentle curve, 300-800 m from the centre."""
    bearing = rng.uniform(0, 2 * math.pi)
    distance = rng.uniform(300, 800)
    anchor = Point(centre.x + distance * math.cos(bearing),
                   centre.y + distance * math.sin(bearing))
    return _through(rng, extent, anchor, rng.uniform(0.9, 2.2), 350, lambda xy: xy)


def _school_site(rng, school: Point, secondary: bool) -> Polygon:
    """School grounds around the school's point: bigger for secondary schools."""
    width, depth = (rng.uniform(190, 240), rng.uniform(140, 170)) if secondary else (
        rng.uniform(100, 140), rng.uniform(75, 100))
    shift_x, shift_y = rng.uniform(-20, 20), rng.uniform(-15, 15)
    site = affinity.translate(shapely.box(-width / 2, -depth / 2, width / 2, depth / 2),
                              school.x + shift_x, school.y + shift_y)
    return affinity.rotate(site, rng.uniform(0, 180), origin=school)


def _sports(sites: list[Polygon]) -> list[tuple]:
    """Playing fields in the grounds of the secondary schools (every fourth school)."""
    fields = []
    for site in sites[::4]:
        corners = list(site.exterior.coords)[:4]
        half = Polygon([corners[0], corners[1],
                        _middle(corners[1], corners[2]), _middle(corners[3], corners[0])])
        fields.append((half.buffer(-8), {"leisure": "pitch", "sport": "soccer"}))
    return fields


def _middle(a, b) -> tuple[float, float]:
    return ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)


def _neighbourhoods(extent: Polygon, roads: list[LineString]) -> list[Polygon]:
    """The pieces of land between the roads (a hair's breadth off their centre lines, so roads
    that end a rounding error short of the data's edge still divide it)."""
    land = extent.difference(unary_union(roads).buffer(0.05))
    return [part for part in shapely.get_parts(land) if isinstance(part, Polygon)]


def _residential(rng, cells, centre: Point, area: Polygon, blocked, names) -> list[tuple]:
    """Every neighbourhood's streets (denser near the centre, sparser beyond the borough; some
    neighbourhoods are estates of closes round a loop), stopped at parks, water, the railway
    and school grounds."""
    roads = []
    for cell in cells:
        layout = streets.estate(rng, cell) if rng.random() < 0.2 else None
        loop_name = names(["Drive", "Way", "Crescent"])
        if layout is None:
            layout = streets.neighbourhood(rng, cell, _spacing(rng, cell, centre, area))
            loop_name = None
        nearby = shapely.clip_by_rect(blocked, *cell.buffer(50).bounds)
        lines, crossings, closes = (cut(lines, nearby) for lines in layout)
        for line in streets.stop_short(rng, lines, 0.15):
            tags = _street_tags(rng, line, names)
            roads.append((line, {**tags, "name": loop_name} if loop_name else tags))
        for line in crossings:  # some short cross streets are alleys for walkers only
            alley = line.length < 130 and rng.random() < 0.15
            roads.append((line, {"highway": "footway"} if alley
                          else _street_tags(rng, line, names)))
        roads += [(line, {"highway": "residential", "name": names(CLOSE_SUFFIXES)})
                  for line in closes]
    return roads


def _spacing(rng, cell: Polygon, centre: Point, area: Polygon) -> float:
    point = cell.representative_point()
    spacing = rng.uniform(75, 100) if point.distance(centre) < 1_200 else rng.uniform(85, 125)
    if rng.random() < 0.15:  # villas: bigger gardens
        spacing *= 1.5
    return spacing if area.contains(point) else spacing * 1.1


def _street_tags(rng, line: LineString, names) -> dict:
    if line.length < 90 and rng.random() < 0.3:
        return {"highway": "service"}
    return {"highway": "residential", "name": names(STREET_SUFFIXES)}


def _school_access(schools, sites, roads: list[LineString], names) -> list[tuple]:
    """A short road to each school whose grounds no street reaches within 80 m."""
    network = unary_union(roads)
    access = []
    for school, site in zip(schools, sites, strict=True):
        if network.distance(school) <= 80:
            continue
        door, street = nearest_points(site.exterior, network)
        access.append((LineString([street, door]),
                       {"highway": "residential", "name": names(CLOSE_SUFFIXES)}))
    return access

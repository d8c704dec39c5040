"""Which basemap layer a feature belongs to, from OpenStreetMap tags or Ordnance Survey
attributes and layer names (pure).

`layer_for` answers a layer name, SKIP for recognisable map data we do not draw (buildings,
industrial land, bus stops, disused railways ...) and None for a feature we cannot recognise at
all (the importer rejects those with their row number).
"""

import re

SKIP = "skip"
MAJOR, ROAD, PATH = "major_road", "road", "path"
WATER, WATERWAY, PARK, RAILWAY = "water", "waterway", "park", "railway"
AREAS = frozenset({WATER, PARK})

# --- OpenStreetMap ---------------------------------------------------------------------------

HIGHWAY = {
    **dict.fromkeys(("motorway", "trunk", "primary", "secondary", "motorway_link", "trunk_link",
                     "primary_link", "secondary_link"), MAJOR),
    **dict.fromkeys(("tertiary", "tertiary_link", "residential", "unclassified",
                     "living_street", "service", "pedestrian", "road", "busway"), ROAD),
    **dict.fromkeys(("footway", "path", "cycleway", "steps", "bridleway", "track"), PATH),
}
RAILWAY_VALUES = frozenset({"rail", "light_rail", "subway", "tram", "narrow_gauge", "monorail",
                            "funicular", "preserved", "miniature"})
WATERWAY_LINES = frozenset({"river", "canal", "stream", "brook", "tidal_channel"})
WATERWAY_AREAS = frozenset({"riverbank", "dock"})
WATER_LANDUSE = frozenset({"reservoir", "basin"})
PARK_LEISURE = frozenset({"park", "garden", "playground", "recreation_ground", "pitch",
                          "common", "village_green", "nature_reserve", "dog_park",
                          "golf_course"})
PARK_LANDUSE = frozenset({"grass", "recreation_ground", "village_green", "cemetery", "forest",
                          "meadow", "allotments"})
PARK_NATURAL = frozenset({"wood", "scrub", "grassland", "heath"})
UNDERGROUND = frozenset({"yes", "culvert", "building_passage"})
# OpenStreetMap's primary keys (wiki "Map features"): a feature with one of them is map data,
# and is skipped rather than rejected when it is not something the basemap draws.
OSM_KEYS = frozenset({
    "aerialway", "aeroway", "amenity", "area:highway", "barrier", "boundary", "building",
    "building:part", "craft", "emergency", "geological", "healthcare", "highway", "historic",
    "indoor", "landuse", "leisure", "man_made", "military", "natural", "office", "place",
    "power", "public_transport", "railway", "route", "shop", "sport", "telecom", "tourism",
    "water", "waterway"})
OSM_ID = re.compile(r"^(node|way|relation)/\d+$")
OSM_ID_FIELDS = ("@id", "osm_id", "osm_way_id")
GEOFABRIK_WATER = frozenset({"water", "reservoir", "river", "riverbank", "dock", "basin"})


def osm_layer(tags: dict[str, str], is_area: bool) -> str | None:
    """The layer OpenStreetMap tags describe (SKIP for map data we leave out; None when the
    feature has no OSM tags at all). Buildings and things underground are skipped."""
    if _yes(tags.get("building")) or _yes(tags.get("building:part")):
        return SKIP
    candidates = [layer for layer in (_osm_line(tags), _osm_area(tags)) if layer]
    fitting = [layer for layer in candidates if (layer in AREAS) == is_area]
    if fitting or candidates:
        return (fitting or candidates)[0]
    return SKIP if OSM_KEYS & tags.keys() else None


def _osm_line(tags: dict[str, str]) -> str | None:
    underground = tags.get("tunnel") in UNDERGROUND or tags.get("location") == "underground"
    if tags.get("railway") in RAILWAY_VALUES:
        return None if underground else RAILWAY
    if tags.get("waterway") in WATERWAY_LINES:
        return None if underground else WATERWAY
    return HIGHWAY.get(tags.get("highway", ""))


def _osm_area(tags: dict[str, str]) -> str | None:
    if (tags.get("natural") == "water" or tags.get("waterway") in WATERWAY_AREAS
            or tags.get("landuse") in WATER_LANDUSE or _yes(tags.get("water"))):
        return WATER
    if (tags.get("leisure") in PARK_LEISURE or tags.get("landuse") in PARK_LANDUSE
            or tags.get("natural") in PARK_NATURAL or tags.get("amenity") == "grave_yard"):
        return PARK
    return None


def fclass_layer(fclass: str, is_area: bool) -> str:
    """The layer of a Geofabrik shapefile feature from its `fclass` (an OSM tag's value)."""
    value = fclass.lower()
    if value.startswith("track_grade"):
        return PATH
    if is_area and value in GEOFABRIK_WATER:
        return WATER
    for key in ("railway", "waterway", "highway", "natural", "landuse", "leisure"):
        layer = osm_layer({key: value}, is_area)
        if layer not in (None, SKIP):
            return layer
    return SKIP


def _yes(value: str | None) -> bool:
    return bool(value) and value != "no"


# --- Ordnance Survey -------------------------------------------------------------------------

OS_VALUES = {
    # OS Open Roads function/class, MasterMap Highways routeHierarchy, OpenMap Local
    # classification, Open Zoomstack road type
    **dict.fromkeys(("motorway", "a road", "a road primary", "b road", "primary road",
                     "trunk road", "primary"), MAJOR),
    **dict.fromkeys(("minor road", "local road", "local access road",
                     "restricted local access road", "secondary access road",
                     "restricted secondary access road", "local street", "minor", "local",
                     "restricted", "private road publicly accessible",
                     "private road restricted access", "pedestrianised street",
                     "shared use carriageway", "classified unnumbered", "unclassified",
                     "not classified"), ROAD),
    **dict.fromkeys(("path", "footpath", "footway", "cycle path", "cycle track", "bridleway",
                     "byway", "alley", "track"), PATH),
    # OS Open Greenspace function
    **dict.fromkeys(("public park or garden", "play space", "playing field",
                     "allotments or community growing spaces", "bowling green", "cemetery",
                     "religious grounds", "golf course", "other sports facility",
                     "tennis court"), PARK),
    # OS Open Rivers form
    **dict.fromkeys(("inlandriver", "tidalriver", "canal"), WATERWAY),
    "lake": WATER,
}
OS_KEYS = ("function", "roadfunction", "road_function", "routehierarchy", "route_hierarchy",
           "class", "roadclassification", "road_classification", "classification",
           "classifica", "form")
# Layer names of OS products (lower case, without _ or a grid-square prefix such as "TQ_").
OS_LAYERS = {
    **dict.fromkeys(("surfacewaterarea", "surfacewater", "tidalwater", "sea"), WATER),
    **dict.fromkeys(("surfacewaterline", "watercourselink", "waterlines"), WATERWAY),
    **dict.fromkeys(("railwaytrack", "rail"), RAILWAY),
    **dict.fromkeys(("woodland", "greenspace", "greenspacesite"), PARK),
    **dict.fromkeys(("road", "roadlink", "roadslocal", "roadsregional"), ROAD),
    "roadsnational": MAJOR,
    "pathlink": PATH,
    **dict.fromkeys(("building", "buildings", "localbuildings", "districtbuildings",
                     "importantbuilding", "glasshouse", "foreshore", "functionalsite",
                     "urbanareas", "sites", "land", "contours", "boundaries",
                     "administrativeboundary", "tidalboundary", "nationalparks", "etl",
                     "electricitytransmissionline"), SKIP),
}
OS_ID_FIELDS = ("identifier", "toid", "gml_id")
GRID_PREFIX = re.compile(r"^[a-z]{2}_")


def os_layer(attributes: dict[str, str], file_layer: str) -> str | None:
    """The layer Ordnance Survey attributes (road function or class, greenspace function,
    watercourse form) or the OS product's layer name describe; None when neither does."""
    normalised = normalise_layer_name(file_layer)
    keys = (*OS_KEYS, "type") if normalised.startswith("road") else OS_KEYS
    for key in keys:
        layer = OS_VALUES.get(attributes.get(key, "").lower())
        if layer:
            return layer
    return OS_LAYERS.get(normalised)


def normalise_layer_name(name: str) -> str:
    """A file's layer name as OS_LAYERS knows it: 'TQ_SurfaceWater_Area' → 'surfacewaterarea'."""
    return re.sub(r"[^a-z0-9]", "", GRID_PREFIX.sub("", name.lower()))


# --- both ------------------------------------------------------------------------------------

def layer_for(attributes: dict[str, str], file_layer: str, is_area: bool) -> str | None:
    """The basemap layer of one feature: OpenStreetMap tags first, then a Geofabrik `fclass`,
    then Ordnance Survey attributes and layer names. SKIP or None as in osm_layer."""
    layer = osm_layer(attributes, is_area)
    if layer is None and attributes.get("fclass"):
        layer = fclass_layer(attributes["fclass"], is_area)
    return layer or os_layer(attributes, file_layer)


def origin_of(attributes: dict[str, str], file_layer: str) -> str | None:
    """'osm' or 'os' when the feature looks like OpenStreetMap or Ordnance Survey data."""
    if (OSM_KEYS & attributes.keys() or "fclass" in attributes
            or any(attributes.get(field) for field in OSM_ID_FIELDS)
            or OSM_ID.match(attributes.get("id", ""))):
        return "osm"
    if (any(attributes.get(key, "").lower() in OS_VALUES for key in OS_KEYS)
            or normalise_layer_name(file_layer) in OS_LAYERS
            or any(attributes.get(field) for field in OS_ID_FIELDS)):
        return "os"
    return None

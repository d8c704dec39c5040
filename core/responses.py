"""Response helpers: GeoJSON negotiation and FeatureCollections built with the geojson package."""

import geojson
from flask import Response, request

GEOJSON_TYPE = "application/geo+json"


def wants_geojson() -> bool:
    """True for ?format=geojson or an Accept header preferring application/geo+json."""
    if request.args.get("format") == "geojson":
        return True
    best = request.accept_mimetypes.best_match(["application/json", GEOJSON_TYPE])
    return best == GEOJSON_TYPE and request.accept_mimetypes[GEOJSON_TYPE] > 0


def point_feature(lon: float, lat: float, properties: dict, feature_id=None) -> geojson.Feature:
    """A GeoJSON Point feature (coordinates rounded to ~10 cm)."""
    return geojson.Feature(geometry=geojson.Point((round(lon, 6), round(lat, 6))),
                           properties=properties, id=feature_id)


def geojson_response(obj, status: int = 200) -> Response:
    """Serialise a geojson object with the GeoJSON media type."""
    return Response(geojson.dumps(obj), status=status, mimetype=GEOJSON_TYPE)

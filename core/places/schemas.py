"""Query and response shapes for places (marshmallow; unknown parameters are refused)."""

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate

from core.errors import InvalidInput
from core.geo import parse_bbox


class BBox(fields.String):
    """'minlon,minlat,maxlon,maxlat' in EPSG:4326."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return parse_bbox(super()._deserialize(value, attr, data, **kwargs))
        except InvalidInput as exc:
            raise ValidationError(exc.message) from exc


class StrictQuery(Schema):
    """A query string where a mistyped parameter is an error, not silently ignored."""

    class Meta:
        unknown = RAISE

    format = fields.String(validate=validate.OneOf(["json", "geojson"]),
                           metadata={"description": "geojson for a FeatureCollection"})

    @pre_load
    def drop_empty(self, data, **_kwargs):
        """An empty value is "not chosen", as an HTML form's "All terms" option sends it."""
        if not hasattr(data, "keys") or all(data[key] != "" for key in data):
            return data  # untouched: webargs' proxy keeps list parameters as lists
        return {key: data[key] for key in data if data[key] != ""}


def empty_means_unset(_converter, field, ret: dict, **_kwargs) -> dict:
    """OpenAPI: an optional StrictQuery parameter may be sent empty, meaning "not chosen"."""
    if ret.get("in") == "query" and isinstance(field.parent, StrictQuery) and not field.required:
        return {"allowEmptyValue": True}
    return {}


class SchoolQuery(StrictQuery):
    """Filters for the school list."""

    borough = fields.String(validate=validate.Length(max=16),
                            metadata={"description": "Borough code, e.g. E09000023"})
    bbox = BBox(metadata={"description": "min lon,min lat,max lon,max lat (EPSG:4326)"})
    name = fields.String(validate=validate.Length(min=1, max=100),
                         metadata={"description": "Part of the school's name"})
    include_closed = fields.Boolean(load_default=False)
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


class School(Schema):
    """A school (all public information)."""

    urn = fields.Integer()
    name = fields.String()
    phase = fields.String(allow_none=True)
    type = fields.String(allow_none=True)
    status = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    postcode = fields.String(allow_none=True)
    borough = fields.String()
    lon = fields.Float()
    lat = fields.Float()


class Paged(Schema):
    """How much of a list a page holds."""

    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


class SchoolPage(Paged):
    """A page of schools."""

    items = fields.List(fields.Nested(School))


class PostcodeLocation(Schema):
    """A postcode's centre (lon/lat, EPSG:4326) and its borough when known."""

    postcode = fields.String()
    lon = fields.Float()
    lat = fields.Float()
    borough = fields.String(allow_none=True)


class Borough(Schema):
    """A borough with its bounding box [west, south, east, north]."""

    code = fields.String()
    name = fields.String()
    bbox = fields.List(fields.Float())


SCHOOL_PROPERTIES = ("urn", "name", "phase", "type", "status", "address", "postcode", "borough")

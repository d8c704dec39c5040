"""Shapes of teacher input (sessions, named places, moderation); unknown fields are refused."""

from marshmallow import RAISE, Schema, fields, pre_load, validate

from havens.schemas import CleanText
from mapping.haven_map_pdf import ORIENTATIONS, SIZES

CLASS_NAME = "Give the class a name of 1 to 60 characters (e.g. 7B)."


class SessionIn(Schema):
    """A new class session."""

    class Meta:
        unknown = RAISE

    school = fields.Integer(required=True, metadata={"description": "The school's URN"},
                            validate=validate.Range(1, 2**31 - 1, error="Choose the school."),
                            error_messages={"required": "Choose the school."})
    class_label = CleanText(required=True, validate=validate.Length(
        min=1, max=60, error=CLASS_NAME), error_messages={"required": CLASS_NAME})
    year_group = fields.Integer(required=True, validate=validate.Range(
        1, 13, error="The year group must be between 1 and 13."))
    opens_at = fields.AwareDateTime(load_default=None, default_timezone=None)
    closes_at = fields.AwareDateTime(load_default=None, default_timezone=None)
    expected_pupils = fields.Integer(load_default=None, allow_none=True,
                                     validate=validate.Range(1, 200))
    area = fields.Dict(load_default=None, allow_none=True, metadata={
        "description": "GeoJSON Polygon; default: 1.5 km around the school"})


class SessionOut(Schema):
    """A class session as its teacher sees it."""

    id = fields.Integer()
    join_code = fields.String()
    class_label = fields.String()
    year_group = fields.Integer()
    opens_at = fields.DateTime()
    closes_at = fields.DateTime()
    closed = fields.Boolean()
    open_now = fields.Boolean()
    expected_pupils = fields.Integer(allow_none=True)
    maps = fields.Integer()
    join_url = fields.String()


class PlaceIn(Schema):
    """A named place for the no-map list."""

    class Meta:
        unknown = RAISE

    name = CleanText(required=True, validate=validate.Length(min=1, max=80))
    area = fields.Dict(required=True)


class Received(Schema):
    """The answer to a pupil's map."""

    received = fields.Boolean()
    zones = fields.Integer()
    message = fields.String()


class HavenMapQuery(Schema):
    """A printed haven map: page size and orientation."""

    class Meta:
        unknown = RAISE

    size = fields.String(load_default="A4", validate=validate.OneOf(
        SIZES, error="size must be A4 or A3."))
    orientation = fields.String(load_default="portrait", validate=validate.OneOf(
        ORIENTATIONS, error="orientation must be portrait or landscape."))


class HavenMapsExportQuery(HavenMapQuery):
    """Every school's map in one ZIP: which borough, which sizes, all or only the changed."""

    size = fields.String(load_default="A4", validate=validate.OneOf(
        ["A4", "A3", "A4,A3"], error="size must be A4, A3 or A4,A3."))
    borough = fields.String(validate=validate.Length(max=16))
    which = fields.String(load_default="all", validate=validate.OneOf(
        ["all", "changed"], error="which must be all or changed."))


class HavenMapRadius(Schema):
    """A school's own walking radius for its map (empty: the borough default)."""

    class Meta:
        unknown = RAISE

    radius_m = fields.Integer(allow_none=True, load_default=None, validate=validate.Range(
        300, 3000, error="The radius must be between 300 and 3000 metres."),
        error_messages={"invalid": "The radius must be a whole number of metres."})
    csrf_token = fields.String(load_only=True)

    @pre_load
    def empty_is_default(self, data, **_kwargs):
        """An empty box means "use the default radius"."""
        data = dict(data)
        if data.get("radius_m") == "":
            data["radius_m"] = None
        return data

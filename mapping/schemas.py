"""Shapes of teacher input (sessions, named places, moderation); unknown fields are refused."""

from marshmallow import RAISE, Schema, fields, validate

from havens.schemas import CleanText

CLASS_NAME = "Give the class a name of 1 to 60 characters (e.g. 7B)."


class SessionIn(Schema):
    """A new class session."""

    class Meta:
        unknown = RAISE

    school = fields.Integer(required=True, metadata={"description": "The school's URN"},
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

"""Input and output shapes for havens; unknown fields are refused (no mass assignment)."""

import re
from datetime import date

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from core.places.postcodes import normalise_postcode
from core.places.schemas import BBox, Paged, StrictQuery
from core.text import without_bidi_controls
from havens import hours
from havens.models import BUSINESS_TYPES, OUTCOMES, STATUSES

PHONE_CHARS = re.compile(r"^[0-9 +()\-.]+$")


class CleanText(fields.String):
    """Text with outer spaces trimmed, inner runs of white space collapsed, bidi controls
    dropped."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        return " ".join(without_bidi_controls(text).split())


class OptionalText(CleanText):
    """Optional text: blank becomes None."""

    def __init__(self, max_length: int, **kwargs):
        super().__init__(allow_none=True, validate=validate.Length(max=max_length), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs) or None

    def _validate(self, value):
        if value is not None:  # blank text became None: there is no length to check
            super()._validate(value)


class Postcode(fields.String):
    """A UK postcode, normalised ('se136ph' -> 'SE13 6PH'); blank becomes None."""

    def _deserialize(self, value, attr, data, **kwargs):
        raw = super()._deserialize(value, attr, data, **kwargs).strip()
        if not raw:
            return None
        postcode = normalise_postcode(raw)
        if postcode is None:
            raise ValidationError(f"'{raw}' is not a UK postcode.")
        return postcode


class Phone(fields.String):
    """A phone number: digits with spaces, +, brackets or dashes; 7 to 15 digits."""

    def _deserialize(self, value, attr, data, **kwargs):
        raw = " ".join(super()._deserialize(value, attr, data, **kwargs).split())
        if not raw:
            return None
        digits = sum(c.isdigit() for c in raw)
        if not PHONE_CHARS.match(raw) or not 7 <= digits <= 15:
            raise ValidationError("That is not a phone number (use digits, e.g. 020 8123 4567).")
        return raw


class BlankableEmail(fields.Email):
    """An email address; blank becomes None."""

    def _deserialize(self, value, attr, data, **kwargs):
        if value is None or not str(value).strip():
            return None
        return super()._deserialize(str(value).strip(), attr, data, **kwargs).lower()


class PastDate(fields.Date):
    """A date that is not in the future; blank becomes None."""

    def _deserialize(self, value, attr, data, **kwargs):
        if value in (None, ""):
            return None
        day = super()._deserialize(value, attr, data, **kwargs)
        if day > date.today():
            raise ValidationError("That date is in the future.")
        return day


def check_not_swapped(data: dict) -> None:
    """Refuse lat/lon that look swapped for Great Britain (a common copy-paste mistake)."""
    lat, lon = data.get("lat"), data.get("lon")
    if lat is not None and lon is not None and -10 <= lat <= 3 and 49 <= lon <= 61:
        raise ValidationError("Latitude and longitude look swapped.", "lat")


class HavenFields(Schema):
    """What a worker may set on a haven (status and dates move through visits only)."""

    class Meta:
        unknown = RAISE

    name = CleanText(required=True, validate=validate.Length(
        min=1, max=200, error="The name must be 1 to 200 characters long."))
    business_type = fields.String(required=True, validate=validate.OneOf(BUSINESS_TYPES))
    address = OptionalText(300)
    postcode = Postcode(allow_none=True)
    lat = fields.Float(required=True, validate=validate.Range(-90, 90))
    lon = fields.Float(required=True, validate=validate.Range(-180, 180))
    opening_hours = fields.String(allow_none=True, validate=validate.Length(max=500),
                                  metadata={"description": "OpenStreetMap opening_hours"})
    hours = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True),
                        allow_none=True, metadata={"description": "Per weekday (mo..su): "
                                                   "'09:00-12:30, 13:30-17:30'; ph: "
                                                   "as_usual|closed"})
    contact_name = OptionalText(120)
    phone = Phone(allow_none=True)
    email = BlankableEmail(allow_none=True, error_messages={
        "invalid": "That is not an email address."})
    sticker_displayed = fields.Boolean()
    staff_briefed_count = fields.Integer(allow_none=True, validate=validate.Range(0, 500))
    staff_briefed_on = PastDate(allow_none=True)
    sells_knives = fields.Boolean()
    responsible_retailer_signed = fields.Boolean()
    notes = OptionalText(4000)

    @validates_schema
    def _not_swapped(self, data, **_kwargs):
        check_not_swapped(data)

    @post_load
    def _opening_hours(self, data, **_kwargs):
        if "opening_hours" in data and "hours" in data:
            raise ValidationError("Send opening_hours or hours, not both.", "hours")
        try:
            if data.get("opening_hours") is not None:
                data["opening_hours"] = hours.parse_osm(data["opening_hours"])
            elif "hours" in data:
                given = dict(data.pop("hours") or {})
                public_holidays = given.pop("ph", None) or "as_usual"
                data["opening_hours"] = hours.from_form(
                    {k: v or "" for k, v in given.items()}, public_holidays)
        except hours.HoursError as exc:
            raise ValidationError(exc.message, f"hours.{exc.day}" if exc.day else
                                  "opening_hours") from exc
        return data


class HavenCreate(HavenFields):
    """A new haven; confirm_duplicate saves it despite a possible duplicate nearby."""

    confirm_duplicate = fields.Boolean(load_default=False)


class VisitIn(Schema):
    """A visit to log."""

    class Meta:
        unknown = RAISE

    visited_on = PastDate(load_default=None)
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    staff_briefed_count = fields.Integer(allow_none=True, validate=validate.Range(0, 500))
    notes = OptionalText(4000)


class StatusIn(Schema):
    """A status change by hand, following the life-cycle rules."""

    class Meta:
        unknown = RAISE

    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    reason = OptionalText(200, load_default=None)

class HavenQuery(StrictQuery):
    """Filters for the haven list."""

    format = fields.String(validate=validate.OneOf(["json", "geojson", "csv"]))
    status = fields.List(fields.String(validate=validate.OneOf(STATUSES)))
    borough = fields.String(validate=validate.Length(max=16))
    bbox = BBox()
    due_before = fields.Date()
    name = fields.String(validate=validate.Length(min=1, max=100))
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=5000))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


class NearestQuery(Schema):
    """Where to search from, how many, and when they should be open."""

    class Meta:
        unknown = RAISE

    lat = fields.Float(required=True, validate=validate.Range(-90, 90))
    lon = fields.Float(required=True, validate=validate.Range(-180, 180))
    limit = fields.Integer(load_default=5, validate=validate.Range(min=1, max=50))
    open_at = fields.DateTime(metadata={
        "description": "ISO 8601; without an offset it is London time. Default: now."})
    open_only = fields.Boolean(load_default=False)
    format = fields.String(validate=validate.OneOf(["json", "geojson"]))

    @validates_schema
    def _not_swapped(self, data, **_kwargs):
        check_not_swapped(data)


class HavenPublic(Schema):
    """What anyone may see of an active haven."""

    id = fields.Integer()
    name = fields.String()
    business_type = fields.String()
    address = fields.String(allow_none=True)
    postcode = fields.String(allow_none=True)
    lat = fields.Float()
    lon = fields.Float()
    borough = fields.String()
    opening_hours = fields.String(metadata={"description": "OpenStreetMap opening_hours"})
    open_now = fields.Boolean(metadata={"description": "Open at the requested time"})


class HavenNearby(HavenPublic):
    """A haven with its straight-line distance."""

    distance_m = fields.Integer(metadata={"description": "Straight-line distance in metres "
                                                         "(not walking distance)"})


class HavenFull(HavenPublic):
    """Everything a worker sees, including private contact fields."""

    status = fields.String()
    status_reason = fields.String(allow_none=True)
    status_changed_on = fields.Date(allow_none=True)
    hours = fields.Dict()
    contact_name = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    sticker_displayed = fields.Boolean()
    staff_briefed_count = fields.Integer(allow_none=True)
    staff_briefed_on = fields.Date(allow_none=True)
    sells_knives = fields.Boolean()
    responsible_retailer_signed = fields.Boolean()
    joined_on = fields.Date(allow_none=True)
    last_verified_on = fields.Date(allow_none=True)
    next_visit_due = fields.Date(allow_none=True)
    notes = fields.String(allow_none=True)
    source = fields.String(allow_none=True)
    source_id = fields.String(allow_none=True)


class HavenPage(Paged):
    """A page of havens."""

    items = fields.List(fields.Dict())


class DueList(Schema):
    """Havens due for a re-check or overdue."""

    items = fields.List(fields.Dict())


class Visit(Schema):
    """A logged visit."""

    id = fields.Integer()
    visited_on = fields.Date()
    outcome = fields.String()
    staff_briefed_count = fields.Integer(allow_none=True)
    notes = fields.String(allow_none=True)
    worker = fields.String(allow_none=True)

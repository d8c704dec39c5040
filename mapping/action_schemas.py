"""Hot-spot actions: the query naming an area, and the forms that log and change an action."""

from datetime import date

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    pre_load,
    validate,
)

from core.errors import invalid_input
from core.places.schemas import StrictQuery
from havens.forms import check
from havens.schemas import CleanText
from mapping.action_models import ACTION_MAX, STATUSES
from mapping.hotspot_routes import HotSpotQuery

EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
FORM_FIELDS = ("action", "starts_on", "ends_on", "status", "seen_lon", "seen_lat")


class ActionAreaQuery(HotSpotQuery):
    """The hot-spot question of the planners' page, and the rank of one of its areas."""

    rank = fields.Integer(required=True, strict=False, validate=validate.Range(
        min=1, max=10_000, error="rank must be a whole number from 1."),
        error_messages={"invalid": "rank must be a whole number from 1.",
                        "required": "Say which hot spot (rank=1)."})


class BoroughQuery(StrictQuery):
    """A planner's own borough (the default), or the one an admin names."""

    borough = fields.String(validate=validate.Length(max=16))


def _date(name: str, **kwargs) -> fields.Date:
    words = f"{name} must be a date such as 2027-03-03"
    return fields.Date(validate=validate.Range(min=EARLIEST, max=LATEST, error=words + "."),
                       error_messages={"invalid": words + ".",
                                       "required": f"Give the {name}."}, **kwargs)


class ActionEdit(Schema):
    """What may change once an action is logged: its words, end date and status."""

    class Meta:
        unknown = RAISE

    action = CleanText(required=True, validate=validate.Length(
        min=1, max=ACTION_MAX, error=f"Say what was done in 1 to {ACTION_MAX} characters."),
        error_messages={"required": "Say what was done."})
    ends_on = _date("end date", allow_none=True, load_default=None)
    status = fields.String(required=True, validate=validate.OneOf(
        STATUSES, error="status must be planned, in_progress or done."),
        error_messages={"required": "Choose how far along the action is."})

    @pre_load
    def _tidy(self, data, **_kwargs):
        """An empty optional date is no date (the action's text is tidied by CleanText)."""
        data = dict(data)
        if data.get("ends_on") == "":
            data["ends_on"] = None
        return data


class ActionIn(ActionEdit):
    """A new action: also when it starts, and the point of the area the form was opened for."""

    starts_on = _date("start date", required=True)
    seen_lon = fields.Float(required=True, validate=validate.Range(min=-180, max=180))
    seen_lat = fields.Float(required=True, validate=validate.Range(min=-90, max=90))


def area_query(args) -> dict:
    """The area query from request arguments, or a clear 400."""
    try:
        return ActionAreaQuery(unknown=RAISE).load(args)
    except ValidationError as exc:
        raise invalid_input(exc) from exc


def borough_query(args) -> dict:
    """The borough query from request arguments, or a clear 400."""
    try:
        return BoroughQuery(unknown=RAISE).load(args)
    except ValidationError as exc:
        raise invalid_input(exc) from exc


def form_values(form, names=FORM_FIELDS) -> dict:
    """What the planner typed, to show again with errors."""
    return {name: form.get(name, "") for name in names}


def check_new(values: dict):
    """Validate the new-action form: (data, {}) or (None, {field: message})."""
    return check(ActionIn(), {k: v for k, v in values.items() if v != "" or k == "ends_on"})


def check_edit(values: dict):
    """Validate the change-action form."""
    wanted = ("action", "ends_on", "status")
    return check(ActionEdit(), {k: values[k] for k in wanted if values[k] != "" or
                                k == "ends_on"})

"""GET /api/v1/heatmap: published (suppressed, rounded) cells for planners, as GeoJSON."""

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import RAISE, ValidationError, fields, validate

from core import db
from core.accounts.auth import roles_required
from core.places.schemas import StrictQuery
from core.responses import geojson_response
from mapping import heatmap, vocabulary

api_blp = Blueprint("heatmap_api", __name__, url_prefix="/api/v1/heatmap",
                    description="Borough heatmap: aggregates only, never a single pupil.")
REFUSED = {  # parameters someone might try, each refused with a plain reason
    "school": "Planners cannot look at a single school: the borough picture is for many "
              "schools together.",
    "date": "Only whole terms can be chosen (term=2026-autumn), never days or date ranges.",
    "zones": "Single pupils' drawings are never published; only cells are.",
    "raw": "Single pupils' drawings are never published; only cells are.",
}


def _refused(name: str) -> fields.Raw:
    """A parameter that is named only to be refused with a plain reason."""
    def refuse(_value):
        raise ValidationError(REFUSED[name])
    return fields.Raw(validate=refuse, metadata={"description": "Not allowed: " + REFUSED[name]})


class HeatmapQuery(StrictQuery):
    """The allowed questions: a borough, a cell size, safe or unsafe, and fixed categories."""

    school = _refused("school")
    date = _refused("date")
    zones = _refused("zones")
    raw = _refused("raw")

    borough = fields.String(validate=validate.Length(max=16))
    cell = fields.Integer(load_default=150, metadata={"description": "Hexagon size in metres: "
                                                      "100, 150 or 250"})
    kind = fields.String(load_default="unsafe", validate=validate.OneOf(vocabulary.KINDS))
    term = fields.String(validate=validate.Length(max=16))
    reason = fields.String(validate=validate.Length(max=24))
    time = fields.String(validate=validate.Length(max=24))
    year = fields.String(validate=validate.OneOf(list(heatmap.YEAR_BANDS)))


@api_blp.route("")
@roles_required("planner")
@api_blp.arguments(HeatmapQuery, location="query", as_kwargs=True, unknown=RAISE)
@api_blp.doc(security=[{"bearerAuth": []}, {"cookieAuth": []}], responses={"200": {
    "description": "Published cells (GeoJSON FeatureCollection; counts rounded to 5)",
    "content": {"application/geo+json": {"schema": {"type": "object"}}}}})
def heatmap_cells(**args):
    """Cells where enough pupils from enough schools marked places, with rounded counts."""
    question = heatmap.Question(
        borough_id=heatmap.borough_for(db.session(), current_user, args.get("borough")),
        resolution=args["cell"], kind=args["kind"],
        term=args.get("term"), reason=args.get("reason"), time=args.get("time"),
        years=args.get("year"))
    cells = heatmap.published_cells(db_session=db.session(), question=question,
                                    rule=heatmap.rule_for_planners())
    return geojson_response(heatmap.feature_collection(db_session=db.session(),
                                                       question=question, cells=cells))

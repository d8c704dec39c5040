"""GET /api/v1/heatmap: published (suppressed, rounded) cells for planners, as GeoJSON."""

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import RAISE, ValidationError, fields, validate

from core import db
from core.accounts.auth import roles_required
from core.places.schemas import StrictQuery
from core.responses import geojson_response
from mapping import heat_cache, heatmap, queries

api_blp = Blueprint("heatmap_api", __name__, url_prefix="/api/v1/heatmap",
                    description="Borough heatmap: aggregates only, never a single pupil.")
REFUSED = {  # parameters someone might try, each refused with a plain reason
    "school": "Planners cannot look at a single school: the borough picture is for many "
              "schools together.",
    "date": "Only whole terms can be chosen (term=2026-autumn), never days or date ranges.",
    "zones": "Single pupils' drawings are never published; only cells are.",
    "raw": "Single pupils' drawings are never published; only cells are.",
}


def refused_field(name: str) -> fields.Raw:
    """A parameter that is named only to be refused with a plain reason."""
    def refuse(_value):
        raise ValidationError(REFUSED[name])
    return fields.Raw(validate=refuse, metadata={"description": "Not allowed: " + REFUSED[name]})


class HeatmapQuery(StrictQuery):
    """The allowed questions: a borough, a cell size, safe or unsafe, and fixed categories."""

    school = refused_field("school")
    date = refused_field("date")
    zones = refused_field("zones")
    raw = refused_field("raw")

    borough = fields.String(validate=validate.Length(max=16))
    cell = fields.Integer(load_default=150, metadata={"description": "Hexagon size in metres: "
                                                      "100, 150 or 250"})
    kind = fields.String(load_default="unsafe", validate=validate.OneOf(heatmap.KINDS),
                         metadata={"description": "unsafe or safe (share of pupils), or net "
                                                  "((unsafe - safe) / pupils)"})
    weighting = fields.String(load_default="pupils", validate=validate.OneOf(heatmap.WEIGHTINGS),
                              metadata={"description": "pupils (every pupil counts once) or "
                                                       "schools (every school counts once)"})
    term = fields.String(validate=validate.Length(max=16))
    reason = fields.String(validate=validate.Length(max=24))
    time = fields.String(validate=validate.Length(max=24))
    year = fields.String(validate=validate.OneOf(list(heatmap.YEAR_BANDS)))


class CellQuery(HeatmapQuery):
    """The same filters, for one cell named in the path."""

    class Meta(StrictQuery.Meta):
        exclude = ("cell",)


@api_blp.route("")
@roles_required("planner")
@api_blp.arguments(HeatmapQuery, location="query", as_kwargs=True, unknown=RAISE)
@api_blp.doc(security=[{"bearerAuth": []}, {"cookieAuth": []}], responses={"200": {
    "description": "Published cells (GeoJSON FeatureCollection; counts rounded to 5)",
    "content": {"application/geo+json": {"schema": {"type": "object"}}}}})
def heatmap_cells(**args):
    """Cells where enough pupils from enough schools marked places, with rounded counts."""
    question = borough_question(args, args["cell"])
    cells = heat_cache.published_cells(db_session=db.session(), question=question,
                                       rule=heatmap.rule_for_planners())
    return geojson_response(heatmap.feature_collection(db_session=db.session(),
                                                       question=question, cells=cells))


@api_blp.route("/cells/<int:cell>/<int:i>/<int:j>")
@roles_required("planner")
@api_blp.arguments(CellQuery, location="query", as_kwargs=True, unknown=RAISE)
@api_blp.doc(security=[{"bearerAuth": []}, {"cookieAuth": []}])
def heatmap_cell(cell: int, i: int, j: int, **args):
    """One published cell: rounded counts, top reasons and times (answers too small to publish
    are left out)."""
    question = borough_question(args, cell)
    return heatmap.cell_details(db_session=db.session(), question=question,
                                rule=heatmap.rule_for_planners(), cell=(i, j))


class CellAtQuery(HeatmapQuery):
    """The same filters, for the cell holding a point."""

    lon = fields.Float(required=True, validate=validate.Range(-180, 180))
    lat = fields.Float(required=True, validate=validate.Range(-90, 90))


@api_blp.route("/cell")
@roles_required("planner")
@api_blp.arguments(CellAtQuery, location="query", as_kwargs=True, unknown=RAISE)
@api_blp.doc(security=[{"bearerAuth": []}, {"cookieAuth": []}])
def heatmap_cell_at(lon: float, lat: float, **args):
    """The published cell holding a point (as for a cell named by its id), or 404."""
    question = borough_question(args, args["cell"])
    heatmap.check(question, db.session(), heatmap.rule_for_planners())
    cell = queries.cell_at(db.session(), question.resolution, lon, lat)
    return heatmap.cell_details(db_session=db.session(), question=question,
                                rule=heatmap.rule_for_planners(), cell=cell)


def borough_question(args: dict, resolution: int) -> heatmap.Question:
    """The planner's question from validated query arguments."""
    return heatmap.Question(
        borough_id=heatmap.borough_for(db.session(), current_user, args.get("borough")),
        resolution=resolution, kind=args.get("kind", "unsafe"), term=args.get("term"),
        reason=args.get("reason"), time=args.get("time"), years=args.get("year"),
        weighting=args.get("weighting", "pupils"))

"""A school's own heatmap: every session of the school together, compared with other schools."""

from dataclasses import replace
from datetime import date

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import current_user
from marshmallow import RAISE, ValidationError, fields, validate

from core import db
from core.accounts.auth import roles_required
from core.errors import NotFound, invalid_input
from core.places.models import School
from core.places.schemas import StrictQuery
from havens import queries as haven_queries
from mapping import (
    actions,
    heat_scale,
    heatmap,
    queries,
    school_view,
    services,
    terms,
    vocabulary,
)

pages = Blueprint("school_heatmap", __name__, url_prefix="/mapping/school-heatmap")


class SchoolHeatmapQuery(StrictQuery):
    """What a teacher may choose: one of their schools, safe or unsafe, a term, a cell size."""

    school = fields.Integer(metadata={"description": "The school's URN (one of yours)"})
    kind = fields.String(load_default="unsafe", validate=validate.OneOf(vocabulary.KINDS))
    term = fields.String(validate=validate.Length(max=16))
    cell = fields.Integer(load_default=100, validate=validate.OneOf(queries.RESOLUTIONS))


def _args() -> dict:
    try:
        return SchoolHeatmapQuery(unknown=RAISE).load(request.args)
    except ValidationError as exc:
        raise invalid_input(exc) from exc


def _school(urn: int | None) -> School:
    """The asked school if the teacher works there (any school for admins)."""
    schools = services.schools_for(db.session(), current_user)
    if not schools:
        raise NotFound("Your account is not linked to a school yet: ask your administrator.")
    if urn is None:
        return schools[0]
    if current_user.role == "admin":
        school = db.session().query(School).filter_by(urn=urn).one_or_none()
    else:
        school = next((s for s in schools if s.urn == urn), None)
    if school is None:
        raise NotFound("There is no school with that number among yours.")
    return school


def _question(args: dict, school: School) -> heatmap.Question:
    question = heatmap.Question(borough_id=school.borough_id, resolution=args["cell"],
                                kind=args["kind"], term=args.get("term"))
    # checked as the school's own view: a kept term has no maps left to show a school
    heatmap.check(replace(question, school_id=school.id), db.session(), heatmap.rule_for_school())
    return question


@pages.route("/cells")
@roles_required("teacher")
def cells():
    """The school's published cells and the other schools' cells, as two GeoJSON layers."""
    args = _args()
    school = _school(args.get("school"))
    return school_view.layers(db_session=db.session(), question=_question(args, school),
                              school_id=school.id, school_rule=heatmap.rule_for_school(),
                              borough_rule=heatmap.rule_for_planners())


@pages.route("")
@roles_required("teacher")
def page():
    """The school's heatmap page: a map, and how the school compares with other schools."""
    args = _args()
    school = _school(args.get("school"))
    question = _question(args, school)
    rules = {"school_rule": heatmap.rule_for_school(), "borough_rule": heatmap.rule_for_planners()}
    tables = {title: school_view.comparison(db_session=db.session(), question=question,
                                            school_id=school.id, column=column, **rules)
              for title, column in (("Why", "reasons"), ("When", "times"))}
    layers = school_view.layers(db_session=db.session(), question=question,
                                school_id=school.id, **rules)
    wanted = {k: v for k, v in args.items() if k in ("kind", "term", "cell") and v}
    lon, lat = haven_queries.school_location(db.session(), school.urn)
    config = {"layers": layers, "tiles": current_app.config["TILE_URL"],
              "attribution": current_app.config["TILE_ATTRIBUTION"],
              "school": {"name": school.name, "lon": lon, "lat": lat},
              "legend": heat_scale.legend(question.kind), "kind": question.kind}
    return render_template(
        "mapping/school_heatmap.html", school=school, args=args,
        schools=services.schools_for(db.session(), current_user),
        question=question, tables=tables, headline=school_view.headline(layers), config=config,
        json_url=url_for("school_heatmap.cells", school=school.urn, **wanted),
        terms=[(t, terms.label(t)) for t in queries.terms_with_maps(db.session(),
                                                                     school.borough_id)],
        legend=heat_scale.legend(question.kind), resolutions=queries.RESOLUTIONS,
        near=actions.actions_near(db.session(), lon, lat, services.DEFAULT_RADIUS_M,
                                  date.today()), radius_m=services.DEFAULT_RADIUS_M,
        school_min=current_app.config["PRIVACY_SCHOOL_MIN_PUPILS"],
        min_pupils=current_app.config["PRIVACY_MIN_PUPILS"],
        min_schools=current_app.config["PRIVACY_MIN_SCHOOLS"])

"""Planners log what was done about a hot spot, see their borough's actions and change them."""

from datetime import date

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core import db
from core.accounts.auth import roles_required
from core.errors import InvalidInput
from core.limits import export_limit
from core.places.models import Borough
from mapping import action_schemas, actions, heatmap, hotspots, terms
from mapping.action_models import ACTION_MAX

pages = Blueprint("hotspot_actions", __name__, url_prefix="/mapping/hotspots")
AREA_FILTERS = ("borough", "cell", "term", "year", "check")


@pages.app_context_processor
def _links() -> dict:
    """Lets the hot-spots page link each area to its action form."""
    return {"hotspot_action_url": new_action_url}


def new_action_url(rank: int, args: dict) -> str:
    """The action form for the area ranked `rank` under the hot-spot page's filters."""
    chosen = {k: args[k] for k in AREA_FILTERS if args.get(k) not in (None, "")}
    if chosen.get("check") == "normal":
        chosen.pop("check")
    return url_for("hotspot_actions.new_action", rank=rank, **chosen)


def _question(args: dict) -> hotspots.HotSpotQuestion:
    """The hot-spot question, built as the hot-spots page builds it."""
    borough_id = heatmap.borough_for(db.session(), current_user, args.get("borough"))
    return hotspots.HotSpotQuestion(borough_id=borough_id, resolution=args["cell"],
                                    term=args.get("term") or None, years=args.get("year"),
                                    cautious=args["check"] == "permutations")


def _defaults(area: dict) -> dict:
    return {"action": "", "starts_on": date.today().isoformat(), "ends_on": "",
            "status": "planned", "seen_lon": repr(area["lon"]), "seen_lat": repr(area["lat"])}


@pages.route("/actions/new", methods=["GET", "POST"])
@roles_required("planner")
def new_action():
    """The form that logs an action against one ranked hot-spot area."""
    args = action_schemas.area_query(request.args)
    question = _question(args)
    analysis = hotspots.analyse(db_session=db.session(), question=question,
                                rule=heatmap.rule_for_planners())
    area = actions.area_or_raise(analysis, args["rank"])
    values, errors = _defaults(area), {}
    if request.method == "POST":
        values = action_schemas.form_values(request.form)
        data, errors = action_schemas.check_new(values)
        if not errors:
            area = actions.area_or_raise(analysis, args["rank"],
                                         seen_at=(data.pop("seen_lon"), data.pop("seen_lat")))
            errors = _saved(lambda: actions.create(db_session=db.session(), user=current_user,
                                                   question=question, area=area, **data))
        if not errors:
            flash(f"Action logged for hot spot {area['rank']}.")
            return redirect(_list_url(question.borough_id))
    return render_template(
        "mapping/hotspot_action_new.html", area=area, question=question, values=values,
        errors=errors, statuses=actions.STATUS_LABELS, action_max=ACTION_MAX,
        term_label=terms.label(question.term) if question.term else "all terms",
        back=url_for("hotspots.hotspots_page", **{k: v for k, v in args.items()
                                                  if k in AREA_FILTERS and v})
    ), (422 if errors else 200)


def _saved(save) -> dict[str, str]:
    """Run a service call; a problem it finds becomes a form error, with nothing stored."""
    try:
        save()
    except InvalidInput as exc:
        db.session().rollback()
        return {exc.field or "action": exc.message}
    return {}


def _list_url(borough_id: int) -> str:
    """The action list; an admin's names the borough."""
    if current_user.role == "admin":
        return url_for("hotspot_actions.action_list",
                       borough=db.session().get(Borough, borough_id).code)
    return url_for("hotspot_actions.action_list")


def _borough_actions() -> tuple[int, list[dict]]:
    args = action_schemas.borough_query(request.args)
    borough_id = heatmap.borough_for(db.session(), current_user, args.get("borough"))
    return borough_id, actions.borough_actions(db_session=db.session(), borough_id=borough_id)


@pages.route("/actions")
@roles_required("planner")
def action_list():
    """The borough's actions, newest first."""
    borough_id, items = _borough_actions()
    return render_template("mapping/hotspot_actions.html", items=items,
                           borough=db.session().get(Borough, borough_id),
                           csv_url=url_for("hotspot_actions.action_csv",
                                           **request.args.to_dict()))


@pages.route("/actions.csv")
@roles_required("planner")
@export_limit
def action_csv():
    """The borough's actions as a spreadsheet (formula-safe, outlines as WKT)."""
    _borough_id, items = _borough_actions()
    return Response(actions.actions_csv(items), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="hotspot-actions.csv"',
                             "Cache-Control": "private, no-store"})


@pages.route("/actions/<int:action_id>/edit", methods=["GET", "POST"])
@roles_required("planner")
def edit_action(action_id: int):
    """Change what an action says, when it ends and how far along it is."""
    logged = actions.for_planner_or_raise(db_session=db.session(), user=current_user,
                                          action_id=action_id)
    values = {"action": logged.action, "status": logged.status,
              "ends_on": logged.ends_on.isoformat() if logged.ends_on else ""}
    errors = {}
    if request.method == "POST":
        values = action_schemas.form_values(request.form, ("action", "ends_on", "status"))
        data, errors = action_schemas.check_edit(values)
        if not errors:
            errors = _saved(lambda: actions.update(db_session=db.session(), user=current_user,
                                                   logged=logged, **data))
        if not errors:
            flash("Action updated.")
            return redirect(_list_url(logged.borough_id))
    return render_template("mapping/hotspot_action_edit.html", logged=logged, values=values,
                           errors=errors, statuses=actions.STATUS_LABELS,
                           action_max=ACTION_MAX, back=_list_url(logged.borough_id)
                           ), (422 if errors else 200)

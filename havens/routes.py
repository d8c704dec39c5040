"""Safe Haven pages: the public finder and haven pages, and the workers' registry pages."""

from datetime import timedelta

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core import db
from core.accounts.auth import roles_required
from core.errors import AppError, InvalidInput, NotFound
from core.limits import export_limit
from havens import finder, forms, hours, listing, maps, prospects, rules, services, upkeep
from havens.models import BUSINESS_TYPES, OUTCOMES, STATUSES
from havens.presenting import TYPE_LABELS
from havens.views import present, present_one

pages = Blueprint("havens", __name__, url_prefix="/havens")
LABELS = {"types": TYPE_LABELS, "statuses": rules.STATUS_LABELS,
          "outcomes": rules.OUTCOME_LABELS, "day_names": hours.DAY_NAMES}


@pages.context_processor
def _labels():
    return {"labels": LABELS, "weekdays": hours.WEEKDAYS, "business_types": BUSINESS_TYPES,
            "outcomes": OUTCOMES, "statuses": STATUSES,
            "manages": lambda borough_id: services.can_manage(current_user, borough_id)}


def _search_point():
    """Where the visitor asked to search from (postcode or school), or None."""
    postcode = (request.args.get("postcode") or "").strip()[:10]
    school = request.args.get("school") or ""
    if school.isdigit():
        return finder.start_point(db_session=db.session(), school_urn=int(school))
    if postcode:
        return finder.start_point(db_session=db.session(), postcode=postcode)
    return None


@pages.route("/")
def finder_page():
    """Find the nearest Safe Havens from a postcode or a school; open ones are marked."""
    at = finder.local_time(None)
    error, found, start = None, [], None
    try:
        start = _search_point()
    except AppError as exc:
        error = exc.message
    if start:
        found = finder.nearest(db_session=db.session(), lon=start[0], lat=start[1], limit=10,
                               at=at)
    havens, _total = listing.list_havens(db_session=db.session(), user=None,
                                         status=["active"], limit=2000)
    views = present(db.session(), havens, None, at)
    schools = finder.school_choices(db_session=db.session())
    return render_template("havens/finder.html", found=found, start=start, error=error,
                           schools=schools, args=request.args, at=at,
                           map=maps.finder_map(views, start, found)), (400 if error else 200)


@pages.route("/<int:haven_id>")
def haven_page(haven_id: int):
    """A haven's page: public details for everyone; workers also see contacts and visits."""
    haven = services.visible_or_raise(db_session=db.session(), haven_id=haven_id,
                                      user=current_user)
    at = finder.local_time(None)
    view = present_one(db.session(), haven, current_user, at)
    manager = services.can_manage(current_user, haven.borough_id)
    history = services.history(db_session=db.session(), haven_id=haven.id) if manager else []
    opening = hours.from_json(haven.opening_hours)
    return render_template(
        "havens/haven.html", haven=haven, view=view, manager=manager, history=history,
        week=hours.describe(opening), closed_on_holidays=opening.public_holidays == "closed",
        after_school=hours.open_throughout(opening, hours.WEEKDAYS[at.weekday()], "15:00",
                                           "18:00"),
        map=maps.haven_map(view), from_sticker=request.args.get("from") == "sticker")


@pages.route("/manage")
@roles_required("worker")
def manage():
    """Every haven the worker looks after, filtered by status and name."""
    status = [s for s in request.args.getlist("status") if s in STATUSES] or None
    name = (request.args.get("name") or "").strip()[:100] or None
    havens, total = listing.list_havens(db_session=db.session(), user=current_user,
                                        status=status, name=name, limit=1000)
    views = present(db.session(), havens, current_user, finder.local_time(None))
    return render_template("havens/manage.html", views=views, total=total, status=status or [],
                           name=name or "", map=maps.manage_map(views))


def _attempt(use_case) -> dict[str, str]:
    """Run a use case for a checked form: {} when it worked, else {field: message} (and the
    transaction is rolled back, so nothing is stored)."""
    try:
        use_case()
    except AppError as exc:
        db.session().rollback()
        return {forms.error_field(exc): exc.message}
    return {}


def _form_page(template: str, values: dict, errors: dict, status: int = 200, **extra):
    return render_template(template, values=values, errors=errors,
                           tile_url=maps.tile_url(), tile_attribution=maps.tile_attribution(),
                           **extra), status


@pages.route("/new", methods=["GET", "POST"])
@roles_required("worker")
def new():
    """Register a business: pin on the map, postcode, or the phone's location."""
    if request.method == "GET":
        return _form_page("havens/form.html", forms.blank_values(), {}, new=True)
    values = forms.haven_values(request.form)
    data, errors = forms.check_haven(values, new=True)
    if errors:
        return _form_page("havens/form.html", values, errors, 422, new=True)
    try:
        haven = services.create(db_session=db.session(), data=data, actor=current_user)
        if values["signed_up_today"]:
            services.log_visit(db_session=db.session(), haven_id=haven.id,
                               data={"outcome": "signed_up"}, actor=current_user)
    except services.PossibleDuplicate as exc:
        db.session().rollback()
        return _form_page("havens/form.html", values, {}, 409, new=True, duplicate=exc)
    except AppError as exc:
        db.session().rollback()
        return _form_page("havens/form.html", values, {forms.error_field(exc): exc.message},
                          exc.status, new=True)
    flash(f"Saved {haven.name}.")
    return redirect(url_for("havens.haven_page", haven_id=haven.id))


@pages.route("/<int:haven_id>/edit", methods=["GET", "POST"])
@roles_required("worker")
def edit(haven_id: int):
    """Change a haven's details."""
    haven = services.get_or_raise(db_session=db.session(), haven_id=haven_id)
    services.require_manage(current_user, haven.borough_id)
    if request.method == "GET":
        lon, lat = maps.lon_lat(haven)
        return _form_page("havens/form.html", forms.values_from(haven, lon, lat), {},
                          new=False, haven=haven)
    values = forms.haven_values(request.form)
    data, errors = forms.check_haven(values, new=False)
    errors = errors or _attempt(lambda: services.update(
        db_session=db.session(), haven_id=haven.id, data=data, actor=current_user))
    if not errors:
        flash("Saved.")
        return redirect(url_for("havens.haven_page", haven_id=haven.id))
    return _form_page("havens/form.html", values, errors, 422, new=False, haven=haven)


@pages.route("/<int:haven_id>/visit", methods=["GET", "POST"])
@roles_required("worker")
def visit(haven_id: int):
    """Log a visit to a haven."""
    haven = services.get_or_raise(db_session=db.session(), haven_id=haven_id)
    services.require_manage(current_user, haven.borough_id)
    values, errors = dict(request.form), {}
    if request.method == "POST":
        data, errors = forms.check_visit(request.form)
        errors = errors or _attempt(lambda: services.log_visit(
            db_session=db.session(), haven_id=haven.id, data=data, actor=current_user))
        if not errors:
            flash("Visit logged.")
            return redirect(url_for("havens.haven_page", haven_id=haven.id))
    return render_template("havens/visit.html", haven=haven, values=values, errors=errors,
                           today=services.today()), (422 if errors else 200)


@pages.route("/<int:haven_id>/status", methods=["POST"])
@roles_required("worker")
def status(haven_id: int):
    """Change a haven's status by hand."""
    haven = services.get_or_raise(db_session=db.session(), haven_id=haven_id)
    services.require_manage(current_user, haven.borough_id)  # before the form is read
    data, errors = forms.check_status(request.form)
    if errors:
        raise InvalidInput(next(iter(errors.values())), field=next(iter(errors)))
    services.change_status(db_session=db.session(), haven_id=haven_id, actor=current_user,
                           **data)
    flash("Status changed.")
    return redirect(url_for("havens.haven_page", haven_id=haven_id))


@pages.route("/<int:haven_id>/delete", methods=["POST"])
@roles_required("worker")
def delete(haven_id: int):
    """Delete a haven record."""
    services.delete(db_session=db.session(), haven_id=haven_id, actor=current_user)
    flash("The haven was deleted.")
    return redirect(url_for("havens.manage"))


@pages.route("/due")
@roles_required("worker")
def due():
    """Havens due for a re-check or overdue: nearest first from the worker, or by ward."""
    near = maps.near_from_args(request.args)
    items = upkeep.due_list(db_session=db.session(), borough_id=current_user.borough_id,
                            near=near)
    due_by = services.today() + timedelta(days=services.setting("HAVEN_DUE_SOON_DAYS"))
    return render_template("havens/due.html", items=items, near=near, due_by=due_by)


@pages.route("/due.csv")
@roles_required("worker")
@export_limit
def due_csv():
    """The due list as CSV (no private contact fields)."""
    items = upkeep.due_list(db_session=db.session(), borough_id=current_user.borough_id)
    return Response(forms.due_csv(items), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="havens-due.csv"'})


@pages.route("/prospects")
@roles_required("worker")
def prospects_page():
    """The businesses nearest each school that are not havens yet: where to walk next."""
    boroughs = finder.borough_choices(db_session=db.session(), user=current_user)
    chosen = request.args.get("borough") or (boroughs[0].code if boroughs else None)
    borough = next((b for b in boroughs if b.code == chosen), None)
    if borough is None and boroughs:
        raise NotFound("There is no such borough.")
    schools = (prospects.near_schools(db_session=db.session(),
                                      borough_id=finder.borough_id(db.session(), borough.code))
               if borough else [])
    return render_template("havens/prospects.html", schools=schools, boroughs=boroughs,
                           borough=borough, radius_m=prospects.NEAR_SCHOOL_M)


@pages.route("/recruit")
@roles_required("worker")
def recruit_page():
    """Where to recruit next: unsafe areas and schools with no haven near, or none open then."""
    from mapping import recruitment  # mapping builds on havens, not the other way round

    boroughs = finder.borough_choices(db_session=db.session(), user=current_user)
    chosen = request.args.get("borough") or (boroughs[0].code if boroughs else None)
    borough = next((b for b in boroughs if b.code == chosen), None)
    if borough is None:
        raise NotFound("There is no such borough.")
    borough_id = finder.borough_id(db.session(), borough.code)
    areas, no_areas = recruitment.area_gaps(db.session(), borough_id)
    return render_template("havens/recruit.html", boroughs=boroughs, borough=borough,
                           areas=areas, no_areas=no_areas,
                           schools=recruitment.school_gaps(db.session(), borough_id),
                           near_m=recruitment.NEAR_M,
                           within_m=recruitment.PROSPECTS_WITHIN_M)


@pages.route("/<int:haven_id>/sticker.pdf")
@roles_required("worker")
@export_limit
def sticker(haven_id: int):
    """The window sticker (A5 or A4) with a QR code to the haven's page."""
    from havens import stickers

    haven = services.get_or_raise(db_session=db.session(), haven_id=haven_id)
    services.require_manage(current_user, haven.borough_id)
    size = request.args.get("size", "A5")
    if size not in stickers.SIZES:
        raise InvalidInput("Size must be A5 or A4.", field="size")
    pdf = stickers.sticker_pdf(name=haven.name, url=maps.public_url(haven.id), size=size)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="safe-haven-{haven.id}-{size}.pdf"'})

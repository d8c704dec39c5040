"""Log in and out, change one's password, and the admin pages for users and tokens."""

from types import SimpleNamespace
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from flask_smorest import Blueprint as ApiBlueprint
from marshmallow import Schema, fields

from core import db
from core.accounts import auth, services
from core.accounts.schemas import (
    LoginForm,
    PasswordForm,
    ScopeForm,
    TokenForm,
    UserForm,
    split_urns,
)
from core.errors import AppError, Unauthenticated, render_error, wants_json
from core.extensions import limiter

pages = Blueprint("accounts", __name__)

HOME_BY_ROLE = {"admin": "accounts.admin_users"}
LOGIN_FAILED = "That email and password do not match an account. Check them and try again."


def _login_account_key() -> str:
    return "login-account:" + (request.form.get("email") or "").strip().lower()


def _safe_next(target: str | None) -> str:
    """Only same-site paths may be a redirect target after login."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and "\\" not in target:
            return target
    return url_for(HOME_BY_ROLE.get(current_user.role, "pages.home"))


@pages.app_errorhandler(Unauthenticated)
def _ask_to_log_in(exc: Unauthenticated):
    if wants_json() or auth.bearer_request():
        headers = exc.headers or {"WWW-Authenticate": 'Bearer realm="safe-havens"'}
        return render_error(401, exc.code, exc.message, exc.field, headers=headers)
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


@pages.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_CLIENT"], methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], methods=["POST"],
               key_func=_login_account_key)
def login():
    """The login form; the same answer for an unknown email and a wrong password."""
    form = LoginForm()
    if request.method == "POST" and form.validate_on_submit():
        user = services.authenticate(db_session=db.session(), email=form.email.data,
                                     password=form.password.data)
        if user is not None:
            _end_browser_session()
            session.clear()
            token = services.start_login_session(db_session=db.session(), user=user)
            user.session_token = token
            login_user(user)
            session.permanent = True
            return redirect(_safe_next(request.args.get("next")))
        return render_template("accounts/login.html", form=form, error=LOGIN_FAILED), 401
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/login.html", form=form, error=None), status


def _end_browser_session() -> None:
    """End the login session this browser already had, so a new login never keeps the old id."""
    token = current_user.get_id() if current_user.is_authenticated else None
    if token:
        services.end_login_session(db_session=db.session(), token=token)


@pages.route("/logout", methods=["POST"])
def logout():
    """End the login session on the server, then forget the cookie."""
    _end_browser_session()
    logout_user()
    session.clear()
    flash("You are logged out.")
    return redirect(url_for("pages.home"))


@pages.route("/account/password", methods=["GET", "POST"])
@auth.roles_required("admin", "worker", "teacher", "planner")
def change_password():
    """Change one's own password (other sessions end)."""
    form = PasswordForm()
    if _submitted(form, lambda: services.set_password(
            db_session=db.session(), user_id=current_user.id, password=form.password.data,
            actor_id=current_user.id)):
        flash("Your password has been changed. Please log in again.")
        logout_user()
        session.clear()
        return redirect(url_for("accounts.login"))
    return render_template("accounts/password.html", form=form), (422 if form.errors else 200)


@pages.route("/admin/users", methods=["GET", "POST"])
@auth.roles_required("admin")
def admin_users():
    """List every user and create new ones."""
    form = UserForm()
    if _submitted(form, lambda: services.create_user(
            db_session=db.session(), email=form.email.data, password=form.password.data,
            actor_id=current_user.id, **_scope_args(form))):
        flash(f"Created {form.email.data.strip().lower()}.")
        return redirect(url_for("accounts.admin_users"))
    users = services.list_users(db_session=db.session())
    return render_template("accounts/admin_users.html", form=form, users=users), (
        422 if form.errors else 200)


@pages.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@auth.roles_required("admin")
def admin_user(user_id: int):
    """One user: role and scope, password reset, API tokens."""
    user = services.get_or_raise(db_session=db.session(), user_id=user_id)
    form = ScopeForm(obj=None if request.method == "POST" else _scope_data(user))
    if _submitted(form, lambda: services.update_scope(
            db_session=db.session(), user_id=user.id, actor_id=current_user.id,
            **_scope_args(form))):
        flash(f"Saved {user.email}.")
        return redirect(url_for("accounts.admin_user", user_id=user.id))
    return _user_page(user, form, status=422 if form.errors else 200)


def _user_page(user, form, status=200, new_token=None, password_form=None):
    tokens = services.user_tokens(db_session=db.session(), user_id=user.id)
    return render_template(
        "accounts/admin_user.html", user=user, form=form, tokens=tokens, new_token=new_token,
        token_form=TokenForm(), password_form=password_form or PasswordForm()), status


@pages.route("/admin/users/<int:user_id>/password", methods=["POST"])
@auth.roles_required("admin")
def admin_set_password(user_id: int):
    """Set a user's password (their sessions end)."""
    user = services.get_or_raise(db_session=db.session(), user_id=user_id)
    form = PasswordForm()
    if _submitted(form, lambda: services.set_password(
            db_session=db.session(), user_id=user.id, password=form.password.data,
            actor_id=current_user.id)):
        flash(f"New password set for {user.email}.")
        return redirect(url_for("accounts.admin_user", user_id=user.id))
    return _user_page(user, ScopeForm(obj=_scope_data(user)), status=422, password_form=form)


@pages.route("/admin/users/<int:user_id>/active", methods=["POST"])
@auth.roles_required("admin")
def admin_set_active(user_id: int):
    """Deactivate or reactivate a user."""
    active = request.form.get("active") == "1"
    if user_id == current_user.id and not active:
        flash("You cannot deactivate your own account.")
    else:
        user = services.set_active(db_session=db.session(), user_id=user_id, active=active,
                                   actor_id=current_user.id)
        flash(f"{user.email} is now {'active' if active else 'deactivated'}.")
    return redirect(url_for("accounts.admin_users"))


@pages.route("/admin/users/<int:user_id>/tokens", methods=["POST"])
@auth.roles_required("admin")
def admin_create_token(user_id: int):
    """Create an API token for a user and show it once."""
    user = services.get_or_raise(db_session=db.session(), user_id=user_id)
    form = TokenForm()
    form.validate_on_submit()
    _token, secret = services.create_api_token(
        db_session=db.session(), email=user.email, label=form.label.data or "",
        actor_id=current_user.id)
    return _user_page(user, ScopeForm(obj=_scope_data(user)), new_token=secret)


@pages.route("/admin/tokens/<int:token_id>/revoke", methods=["POST"])
@auth.roles_required("admin")
def admin_revoke_token(token_id: int):
    """Revoke an API token."""
    services.revoke_api_token(db_session=db.session(), token_id=token_id,
                              actor_id=current_user.id)
    flash("The token was revoked.")
    return redirect(request.referrer if _same_site(request.referrer)
                    else url_for("accounts.admin_users"))


def _same_site(url: str | None) -> bool:
    return bool(url) and urlsplit(url).netloc in ("", request.host)


def _scope_data(user) -> SimpleNamespace:
    """A user's role and scope as the scope form shows them."""
    return SimpleNamespace(role=user.role, schools=", ".join(str(s.urn) for s in user.schools),
                           borough=user.borough.code if user.borough else "")


def _scope_args(form) -> dict:
    return {"role": form.role.data, "school_urns": split_urns(form.schools.data),
            "borough_code": (form.borough.data or "").strip() or None}


def _submitted(form, use_case) -> bool:
    """Run the use case for a valid form; an AppError is shown on the form and nothing stored."""
    if not form.validate_on_submit():
        return False
    try:
        use_case()
    except AppError as exc:
        db.session().rollback()
        _field_error(form, exc)
        return False
    return True


def _field_error(form, exc: AppError) -> None:
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        form.form_errors.append(exc.message)


api_blp = ApiBlueprint("accounts_api", __name__, url_prefix="/api/v1",
                       description="Who is calling (for scripts checking their token).")


class Me(Schema):
    """The caller's account."""

    email = fields.String()
    role = fields.String()
    borough = fields.String(allow_none=True)
    schools = fields.List(fields.Integer())


@api_blp.route("/me")
@api_blp.response(200, Me)
@api_blp.doc(security=[{"bearerAuth": []}, {"cookieAuth": []}])
@auth.roles_required("admin", "worker", "teacher", "planner")
def me():
    """The account behind this session or bearer token."""
    return {"email": current_user.email, "role": current_user.role,
            "borough": current_user.borough.code if current_user.borough else None,
            "schools": [school.urn for school in current_user.schools]}

"""Who is asking: session cookies and bearer tokens, and the role guard on views."""

from datetime import timedelta
from functools import wraps

from flask import current_app, request
from flask_login import current_user

from core import db
from core.accounts import services
from core.errors import Forbidden, Unauthenticated
from core.extensions import login_manager

login_manager.session_protection = None  # sessions are checked against login_session instead


@login_manager.user_loader
def _load_from_session(token: str):
    config = current_app.config
    user = services.user_for_login_session(
        db_session=db.session(), token=token,
        idle=timedelta(minutes=config["STAFF_IDLE_MINUTES"]),
        absolute=timedelta(hours=config["STAFF_ABSOLUTE_HOURS"]))
    if user is not None:
        user.session_token = token
    return user


@login_manager.request_loader
def _load_from_bearer(req):
    scheme, _, secret = req.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return services.user_for_api_token(db_session=db.session(), secret=secret.strip())


def has_role(user, *roles: str) -> bool:
    """Whether the user is signed in with one of the roles (admins may do everything)."""
    return bool(user.is_authenticated and (user.role == "admin" or user.role in roles))


def roles_required(*roles: str):
    """Refuse the view unless the caller has one of the roles: 401 anonymous, 403 others."""
    def decorator(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                raise Unauthenticated()
            if not has_role(current_user, *roles):
                raise Forbidden()
            return view(*args, **kwargs)
        return guarded
    return decorator


def bearer_request() -> bool:
    """Whether the request authenticates with a bearer token."""
    return request.headers.get("Authorization", "").lower().startswith("bearer ")

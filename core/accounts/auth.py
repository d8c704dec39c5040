"""Who is asking: session cookies and bearer tokens, and the role guard on views."""

import base64
from datetime import timedelta
from functools import wraps

from flask import current_app, request
from flask_login import current_user

from core import db
from core.accounts import services
from core.errors import OGC_PREFIX, Forbidden, Unauthenticated
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
def _load_from_token(req):
    secret = api_token(req)
    if not secret:
        return None
    return services.user_for_api_token(db_session=db.session(), secret=secret)


def api_token(req) -> str | None:
    """The API token a request carries: `Bearer <token>`, or, on the OGC API only, Basic with
    the token as the password (QGIS before 3.24 and ArcGIS Pro can send nothing else)."""
    scheme, _, value = req.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        return value.strip() or None
    if scheme.lower() == "basic" and req.path.startswith(OGC_PREFIX):
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (ValueError, UnicodeDecodeError):
            return None
        return decoded.partition(":")[2].strip() or None
    return None


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

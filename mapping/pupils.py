"""The pupil's short-lived cookie: it lets one browser send maps to one session, nothing else.

It holds only the session id, an expiry and a random number, signed; nothing about the pupil
or the device. The random number keeps two pupils who join in the same second apart, so each
has their own allowance of sends (mapping/api.py counts sends per cookie).
"""

import secrets
from datetime import datetime, timedelta

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from mapping import services

LONGEST = timedelta(hours=4)


def cookie_name() -> str:
    """The pupil cookie's name: `__Host-pupil` when cookies are Secure (production)."""
    return current_app.config["PUPIL_COOKIE_NAME"]


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="pupil-session")


def lifetime(closes_at: datetime, now: datetime | None = None) -> timedelta:
    """How long the pupil's cookie lives: until the session closes, at most four hours."""
    now = now or services.now()
    return max(timedelta(0), min(closes_at - now, LONGEST))


def set_cookie(response, session_id: int, closes_at: datetime) -> None:
    """Give this browser the right to send maps to this session until it closes."""
    max_age = int(lifetime(closes_at).total_seconds())
    token = _serializer().dumps({"s": session_id, "max": max_age,
                                 "n": secrets.token_urlsafe(6)})
    response.set_cookie(cookie_name(), token, max_age=max_age, httponly=True, samesite="Strict",
                        secure=current_app.config["SESSION_COOKIE_SECURE"], path="/")


def session_id() -> int | None:
    """The mapping session this browser joined, if its cookie is valid and not expired."""
    token = request.cookies.get(cookie_name())
    if not token:
        return None
    try:
        data, signed_at = _serializer().loads(token, return_timestamp=True)
    except BadSignature:
        return None
    if services.now() - signed_at > timedelta(seconds=data.get("max", 0)):
        return None
    return data.get("s")


"""Cookies, CSRF and the security headers every response carries."""

import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Flask, current_app, g, request, session

from core.extensions import csrf

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def configure_cookies(app: Flask) -> None:
    """HttpOnly, SameSite=Lax cookies; Secure and the __Host- prefix in production."""
    secure = app.config["SESSION_COOKIE_SECURE"]
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="__Host-session" if secure else "session",
        PUPIL_COOKIE_NAME="__Host-pupil" if secure else "pupil",
        # Browsers drop a __Host- cookie that has a Domain or a Path other than /.
        SESSION_COOKIE_DOMAIN=None,
        SESSION_COOKIE_PATH="/",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=app.config["STAFF_ABSOLUTE_HOURS"]),
        REMEMBER_COOKIE_DURATION=timedelta(seconds=0),
    )


def tile_origin(tile_url: str) -> str:
    """The origin of the tile URL for the CSP ('{s}' subdomains become a wildcard)."""
    parts = urlsplit(tile_url.replace("{s}.", "*."))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def csp_nonce() -> str:
    """This response's script nonce: inline scripts run only if they carry it."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def content_security_policy(tile_url: str, nonce: str) -> str:
    """Only our own script files and inline scripts with this response's nonce; our own styles
    and fonts; images from us and the configured tiles."""
    tiles = tile_origin(tile_url)
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        "style-src 'self' 'unsafe-inline'",
        f"img-src 'self' data: blob: {tiles}".strip(),
        "font-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "object-src 'none'",
    ])


def _check_csrf() -> None:
    """Check CSRF on every state-changing browser request; bearer-token callers are exempt."""
    if request.method not in UNSAFE_METHODS or request.routing_exception is not None:
        return
    if request.headers.get("Authorization", "").lower().startswith("bearer "):
        return
    csrf.protect()


def _private() -> bool:
    """Whether the response is for a signed-in staff member or a pupil (never to be stored)."""
    if request.endpoint == "static":
        return False  # our public files, whoever asks
    if "Authorization" in request.headers or \
            current_app.config["PUPIL_COOKIE_NAME"] in request.cookies:
        return True
    return "_user_id" in session  # flask-login's mark of a staff login (no database query)


def _add_headers(response):
    response.headers.setdefault("Content-Security-Policy", content_security_policy(
        current_app.config["TILE_URL"], csp_nonce()))
    if "Cache-Control" not in response.headers and _private():
        response.headers["Cache-Control"] = "no-store"
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Permissions-Policy",
                                "geolocation=(self), camera=(), microphone=()")
    if current_app.config["SESSION_COOKIE_SECURE"]:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def init_app(app: Flask) -> None:
    """Register the CSRF check and the response headers."""
    app.before_request(_check_csrf)
    app.after_request(_add_headers)

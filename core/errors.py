"""Application errors that carry their HTTP status, and the one handler that renders them."""

import contextlib
import logging
import math
import time

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from psycopg import errors as pg_errors
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from core import db
from core.extensions import limiter

log = logging.getLogger(__name__)


class AppError(Exception):
    """An error the client can act on: it knows its status, a stable code and a message."""

    status = 400
    code = "bad_request"
    message = "The request could not be understood."

    def __init__(self, message: str | None = None, *, field: str | None = None,
                 headers: dict | None = None, details: list | None = None):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.field = field
        self.headers = headers or {}
        self.details = details


class InvalidInput(AppError):
    status, code, message = 400, "invalid_input", "Some of the input is not valid."


class Unauthenticated(AppError):
    status, code, message = 401, "unauthenticated", "Please log in first."


class Forbidden(AppError):
    status, code, message = 403, "forbidden", "You do not have permission to do that."


class NotFound(AppError):
    status, code, message = 404, "not_found", "We could not find that."


class Conflict(AppError):
    status, code, message = 409, "conflict", "That clashes with something that already exists."


class Unprocessable(AppError):
    status, code, message = 422, "unprocessable", "The request is well formed but not valid."


class ServiceUnavailable(AppError):
    status, code, message = 503, "unavailable", "The service is unavailable; try again soon."


FRIENDLY = {
    400: ("bad_request", "The request could not be understood."),
    401: ("unauthenticated", "Please log in first."),
    403: ("forbidden", "You do not have permission to do that."),
    404: ("not_found", "We could not find that page."),
    405: ("method_not_allowed", "That action is not allowed here."),
    409: ("conflict", "That clashes with something that already exists."),
    413: ("too_large", "What you sent is too large."),
    415: ("unsupported_media_type", "That type of content is not accepted here."),
    422: ("invalid_input", "Some of the input is not valid."),
    429: ("too_many_requests", "Too many tries. Please wait a little and try again."),
    500: ("internal_error", "Something went wrong on our side. It has been logged."),
    503: ("unavailable", "The service is unavailable; try again soon."),
}


def retry_after_seconds() -> int | None:
    """Seconds until the rate limit this request hit lets the client in again, if one did."""
    hit = limiter.current_limit
    return max(1, math.ceil(hit.reset_at - time.time())) if hit is not None else None


def wait_message(seconds: int | None) -> str:
    """The 429 message in plain words, saying how long to wait when the limiter knows."""
    if not seconds:
        return FRIENDLY[429][1]
    minutes = max(1, round(seconds / 60))
    wait = "a minute" if minutes == 1 else f"{minutes} minutes"
    return f"Too many tries. Please wait {wait} and try again."


OGC_PREFIX = "/ogc"  # OGC API errors use its exception shape: {"code", "description"}


def wants_json() -> bool:
    """Whether the client should get a JSON error rather than an HTML page."""
    if request.path.startswith(("/api/", "/tiles/", "/healthz")):
        return True
    if request.path.startswith(OGC_PREFIX):  # GIS clients: JSON unless HTML is asked for
        return request.args.get("f") != "html" and request.accept_mimetypes.best_match(
            ["application/json", "text/html"]) != "text/html"
    best = request.accept_mimetypes.best_match(
        ["text/html", "application/json", "application/geo+json"])
    return best in ("application/json", "application/geo+json")


def render_error(status: int, code: str, message: str, field: str | None = None,
                 headers: dict | None = None, details: list | None = None):
    """Answer an error as JSON for APIs and as a friendly page for browsers."""
    if not wants_json():
        response = render_template("errors/error.html", status=status, message=message)
    elif request.path.startswith(OGC_PREFIX):
        response = jsonify({"code": code, "description": message, "status": status,
                            "field": field})
    else:
        body = {"error": {"code": code, "message": message, "field": field}}
        if details:
            body["error"]["details"] = details
        response = jsonify(body)
    return response, status, headers or {}


def _handle_app_error(exc: AppError):
    return render_error(exc.status, exc.code, exc.message, exc.field, exc.headers, exc.details)


def _first_validation_message(messages) -> tuple[str | None, str]:
    """Flatten webargs/marshmallow messages into (field, message) for the first problem."""
    if isinstance(messages, dict):
        for location in ("json", "query", "form", "headers", "files"):
            if location in messages:
                messages = messages[location]
                break
    if isinstance(messages, dict):  # a body that is not JSON at all gives a list here
        for field, problem in messages.items():
            sub_field, text = _first_validation_message(problem)
            name = str(field) if sub_field is None else f"{field}.{sub_field}"
            return (None if field == "_schema" else name), text
    if isinstance(messages, list) and messages:
        return _first_validation_message(messages[0])
    return None, str(messages)


def invalid_input(exc) -> InvalidInput:
    """A marshmallow ValidationError as a clear 400 naming the first bad field."""
    field, message = _first_validation_message(exc.normalized_messages())
    if message == "Unknown field.":
        message = f"'{field}' is not something this address accepts."
    return InvalidInput(message, field=field)


def _handle_http_exception(exc: HTTPException):
    status = exc.code or 500
    code, friendly = FRIENDLY.get(status, ("error", exc.description or "Error"))
    field = None
    messages = getattr(exc, "data", {}).get("messages") if hasattr(exc, "data") else None
    if isinstance(exc, CSRFError):
        code, message = "csrf_failed", exc.description
    elif messages:
        field, message = _first_validation_message(messages)
        if message == "Unknown field.":
            message = f"'{field}' is not something this address accepts."
        code = "invalid_input"
    elif status == 429:
        message = wait_message(retry_after_seconds())
    else:
        message = exc.description if exc.description and status != 500 else friendly
        if message and message.startswith("The requested URL was not found"):
            message = friendly
    headers = dict(exc.get_response().headers) if status in (405, 429) else {}
    headers.pop("Content-Type", None)
    headers.pop("Content-Length", None)
    return render_error(status, code, message, field, headers)


TRY_AGAIN = "Please try again in a moment."
TOO_SLOW = ("That took too long to work out, so we stopped it. Try again, or ask a narrower "
            "question (a smaller area, fewer filters or a shorter period).")


def _handle_database_error(exc: sa_exc.SQLAlchemyError):
    """A database that is down, restarting or too slow: 503 and try again, never a 500."""
    with contextlib.suppress(sa_exc.SQLAlchemyError):
        db.close_session()  # its transaction failed: anything the error page reads starts anew
    if isinstance(exc, sa_exc.DBAPIError) and isinstance(exc.orig, pg_errors.QueryCanceled):
        log.warning("statement timeout on %s %s", request.method, request.path)
        return render_error(503, "timeout", TOO_SLOW, headers={"Retry-After": "5"})
    transient = isinstance(exc, sa_exc.OperationalError | sa_exc.TimeoutError) or (
        isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated)
    if not transient:
        return _handle_unexpected(exc)
    log.warning("database unavailable on %s %s: %s", request.method, request.path,
                str(exc).splitlines()[0])
    # The error page must not look the user up in the database that just failed
    # (flask-login keeps the request's user in g._login_user).
    g._login_user = current_app.login_manager.anonymous_user()
    return render_error(503, "unavailable", TRY_AGAIN, headers={"Retry-After": "5"})


def _handle_unexpected(exc: Exception):
    log.exception("unhandled error on %s %s", request.method, request.path)
    code, message = FRIENDLY[500]
    return render_error(500, code, message)


def init_app(app: Flask) -> None:
    """Register the error handlers (after any extension that registers its own)."""
    app.register_error_handler(AppError, _handle_app_error)
    app.register_error_handler(HTTPException, _handle_http_exception)
    app.register_error_handler(sa_exc.SQLAlchemyError, _handle_database_error)
    app.register_error_handler(Exception, _handle_unexpected)

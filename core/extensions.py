"""Flask extensions, created once and bound to the app in the factory."""

import marshmallow as ma
from flask import request
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_smorest import Api
from flask_wtf.csrf import CSRFProtect


def client_address() -> str:
    """The client's address for rate limiting only (kept in the limiter's memory, never stored)."""
    return request.remote_addr or "unknown"


class ErrorDetail(ma.Schema):
    """What went wrong: a stable code, a message for people, the field at fault if one is."""

    code = ma.fields.String(required=True)
    message = ma.fields.String(required=True)
    field = ma.fields.String(allow_none=True)
    details = ma.fields.List(ma.fields.Raw())


class Error(ma.Schema):
    """The JSON API's error body, as core.errors.render_error writes it."""

    error = ma.fields.Nested(ErrorDetail, required=True)


class SafeHavensApi(Api):
    """flask-smorest documenting our error body rather than its own."""

    ERROR_SCHEMA = Error


api = SafeHavensApi()
csrf = CSRFProtect()
limiter = Limiter(key_func=client_address, headers_enabled=True)
login_manager = LoginManager()

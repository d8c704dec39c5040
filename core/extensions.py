"""Flask extensions, created once and bound to the app in the factory."""

from flask import request
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_smorest import Api
from flask_wtf.csrf import CSRFProtect


def client_address() -> str:
    """The client's address for rate limiting only (kept in the limiter's memory, never stored)."""
    return request.remote_addr or "unknown"


api = Api()
csrf = CSRFProtect()
limiter = Limiter(key_func=client_address, headers_enabled=True)
login_manager = LoginManager()

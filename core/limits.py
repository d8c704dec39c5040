"""Abuse limits shared by several blueprints: file exports, counted per signed-in user."""

from flask import current_app
from flask_login import current_user

from core.extensions import client_address, limiter


def user_key() -> str:
    """Who a limit counts against: the signed-in user, or the client's address when anonymous."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return "client:" + client_address()


def export_limit_when(is_export):
    """The export allowance for a view that answers a file only sometimes (e.g. ?format=csv)."""
    return limiter.shared_limit(lambda: current_app.config["EXPORT_LIMIT_PER_USER"],
                                scope="exports", key_func=user_key,
                                exempt_when=lambda: not is_export())


# One allowance for every download, so a script cannot spread its load over formats or pages.
export_limit = export_limit_when(lambda: True)

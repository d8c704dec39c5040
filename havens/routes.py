"""Safe Haven pages (the registry arrives with its own issue)."""

from flask import Blueprint, render_template

pages = Blueprint("havens", __name__, url_prefix="/havens")


@pages.route("/")
def index():
    """What a Safe Haven is; the registry and finder are being built."""
    return render_template("havens/index.html")

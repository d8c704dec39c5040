"""Safety-mapping pages (sessions, drawing and heatmaps arrive with their own issues)."""

from flask import Blueprint, render_template

pages = Blueprint("mapping", __name__, url_prefix="/mapping")


@pages.route("/")
def index():
    """What safety mapping is; sessions and heatmaps are being built."""
    return render_template("mapping/index.html")

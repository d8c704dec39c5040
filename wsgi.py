"""WSGI entry point: `gunicorn wsgi:app` or `flask --app wsgi ...`."""

from core.app import create_app
from mapping import hex_raster

app = create_app()
hex_raster.warm()  # each worker loads the hexagon finder before its first pupil map

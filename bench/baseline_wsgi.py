"""The app as `wsgi:app`, with the nearest-havens query swapped for the baseline (ORDER BY
ST_Distance, no index): `gunicorn bench.baseline_wsgi:app`, for the HTTP baseline only."""

from bench import nearest_sql
from havens import queries
from wsgi import app

queries.nearest_active = nearest_sql.baseline_active

__all__ = ["app"]

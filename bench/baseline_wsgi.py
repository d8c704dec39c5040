"""The app as `wsgi:app`, with the nearest-havens queries swapped for the baseline (ORDER BY
ST_Distance, no index): `gunicorn bench.baseline_wsgi:app`, for the HTTP baseline only."""

import re

from sqlalchemy import text

from bench import nearest_sql
from havens import queries
from wsgi import app

# The finder's own statement, same columns, with its KNN ORDER BY swapped for the distance.
BASELINE_PUBLIC, swapped = re.subn(r"ORDER BY .*?(?=LIMIT)", "ORDER BY distance_m\n     ",
                                   queries._NEAREST_PUBLIC, flags=re.DOTALL)
assert swapped == 1 and "<->" not in BASELINE_PUBLIC, "havens.queries._NEAREST_PUBLIC changed"


def baseline_public(db_session, lon: float, lat: float, limit: int):
    """havens.queries.nearest_public's rows, ordered by ST_Distance instead of the KNN index."""
    return db_session.execute(text(BASELINE_PUBLIC),
                              {"lon": lon, "lat": lat, "limit": limit}).all()


queries.nearest_active = nearest_sql.baseline_active
queries.nearest_public = baseline_public

__all__ = ["app"]

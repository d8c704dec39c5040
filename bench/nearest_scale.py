"""The nearest-havens query alone at London scale: 33 boroughs' worth of havens over a square
of London's size, inserted in a transaction, both queries timed, then rolled back."""

import math

from bench import load, nearest_sql, synthetic_havens
from bench.database import connect
from bench.synthetic import HALF_SIDE_M

BOROUGHS, POINTS, WARMUPS = 33, 100, 6


def london_loop(url: str, seed: int, borough_havens: int, srid: int, limit: int) -> dict:
    """time_both on BOROUGHS x borough_havens havens (the seeded ones stay; all rolled back)."""
    half_side = HALF_SIDE_M * math.sqrt(BOROUGHS)
    extra = synthetic_havens.generate(seed + 1, (BOROUGHS - 1) * borough_havens, half_side,
                                      first_id=borough_havens + 1)
    points = nearest_sql.query_points(seed + 1, POINTS, half_side)
    with connect(url, options="-c jit=off") as conn:
        try:
            load.copy_havens(conn, extra)
            conn.execute("ANALYZE haven")
            active = conn.execute("SELECT count(*) FROM haven WHERE status = 'active'"
                                  ).fetchone()[0]
            found = nearest_sql.time_both(conn, srid, points, limit, WARMUPS)
        finally:
            conn.rollback()
    return {**found, "havens": borough_havens * BOROUGHS, "active": active,
            "square_km": round((2 * half_side / 1000) ** 2)}

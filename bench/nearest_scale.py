"""Nearest havens at London scale: 33 boroughs' worth of havens over a square of London's size,
added to the bench database for the London rows (the query alone, and over HTTP) and deleted
afterwards."""

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from bench import load, nearest_sql, synthetic_havens
from bench.database import connect
from bench.synthetic import HALF_SIDE_M

BOROUGHS, POINTS = 33, 100


@dataclass(frozen=True)
class London:
    """The havens added, and where to ask from."""

    havens: int
    active: int
    square_km: int
    points: list


@contextmanager
def london_havens(url: str, seed: int, borough_havens: int) -> Iterator[London]:
    """BOROUGHS x borough_havens havens (the seeded ones stay), committed while the block runs
    (the app under test must see them), then deleted."""
    half_side = HALF_SIDE_M * math.sqrt(BOROUGHS)
    extra = synthetic_havens.generate(seed + 1, (BOROUGHS - 1) * borough_havens, half_side,
                                      first_id=borough_havens + 1)
    try:
        with connect(url) as conn:
            load.copy_havens(conn, extra)
            conn.commit()
            conn.execute("ANALYZE haven")
            active = conn.execute("SELECT count(*) FROM haven WHERE status = 'active'"
                                  ).fetchone()[0]
            conn.commit()
        yield London(borough_havens * BOROUGHS, active, round((2 * half_side / 1000) ** 2),
                     nearest_sql.query_points(seed + 1, POINTS, half_side))
    finally:
        forget(url, borough_havens)


def forget(url: str, borough_havens: int) -> None:
    """Delete the London havens (also those a killed run left)."""
    with connect(url, autocommit=True) as conn:
        conn.execute("DELETE FROM haven WHERE id > %s", [borough_havens])
        conn.execute("VACUUM ANALYZE haven")

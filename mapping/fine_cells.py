"""A pupil map's hexagons at the fine size (50 m, a school's own view), found in compiled loops
(mapping.hex_raster) from the zones' stored metres and kept as one row of arrays per map.

Used both when a map arrives and by a rebuild, so the two cannot disagree; the few pairs the
loops cannot call with a clear margin are settled by PostGIS's ST_Relate, which is what the
planners' sizes use (queries.add_zone_cells).
"""

import struct

import numpy as np
from sqlalchemy.orm import Session

from mapping import hex_raster, queries

BATCH_MAPS = 20_000  # maps per read in a rebuild (~200,000 zones, ~90 MB of outlines)

_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_COPY_TRAILER = struct.pack(">h", -1)
_INT4_OID = 23


def add(db_session: Session, *, pupil_map_ids: list[int]) -> int:
    """Store the fine cells of these (new) pupil maps; returns the (zone, cell) pairs stored."""
    return _store(db_session, queries.fine_zones(db_session, pupil_map_ids=pupil_map_ids))


def rebuild(db_session: Session) -> int:
    """Recompute every map's fine cells; returns the (zone, cell) pairs stored."""
    queries.clear_fine_cells(db_session)
    ids, pairs = queries.map_ids(db_session), 0
    for start in range(0, len(ids), BATCH_MAPS):
        batch = ids[start:start + BATCH_MAPS]
        zones = queries.fine_zones(db_session, first_map=batch[0], last_map=batch[-1])
        pairs += _store(db_session, zones, parallel=True)
    return pairs


def _store(db_session: Session, zones: list[tuple], *, parallel: bool = False) -> int:
    if not zones:
        return 0
    zone_ids = np.fromiter((row[0] for row in zones), np.int64, len(zones))
    map_ids = np.fromiter((row[1] for row in zones), np.int64, len(zones))
    found = hex_raster.overlaps([row[2] for row in zones], queries.FINE_M, parallel=parallel)
    polygon, i, j = found.polygon, found.i, found.j
    if len(found.undecided_polygon):
        meets = np.array(queries.fine_overlaps(
            db_session, queries.FINE_M, zone_ids[found.undecided_polygon].tolist(),
            found.undecided_i.tolist(), found.undecided_j.tolist()), dtype=bool)
        polygon = np.concatenate([polygon, found.undecided_polygon[meets]])
        i = np.concatenate([i, found.undecided_i[meets]])
        j = np.concatenate([j, found.undecided_j[meets]])
        order = np.lexsort((j, i, polygon))
        polygon, i, j = polygon[order], i[order], j[order]
    queries.copy_fine_cells(db_session, _copy_payload(map_ids[polygon], zone_ids[polygon], i, j))
    return len(polygon)


def _copy_payload(maps: np.ndarray, zones: np.ndarray, i: np.ndarray, j: np.ndarray) -> bytes:
    """fine_cell rows in PostgreSQL's binary COPY format: one row per map (`maps` is sorted),
    its pairs as three int4 arrays."""
    starts = np.flatnonzero(np.r_[True, maps[1:] != maps[:-1]])
    ends = np.r_[starts[1:], len(maps)]
    # Each array element is its length (4) then its value, big-endian.
    elements = [np.column_stack([np.full(len(v), 4), v]).astype(">i4").tobytes()
                for v in (zones, i, j)]
    out = [_COPY_HEADER]
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        n = end - start
        array_header = struct.pack(">iiiiii", 20 + 8 * n, 1, 0, _INT4_OID, n, 1)
        out.append(struct.pack(">hiiih", 5, 4, int(maps[start]), 2, queries.FINE_M))
        for data in elements:
            out.append(array_header)
            out.append(data[start * 8:end * 8])
    out.append(_COPY_TRAILER)
    return b"".join(out)

"""Keeping the heatmap's cell tables current: per map when it arrives, or all at once."""

from collections.abc import Callable

from sqlalchemy.orm import Session

from mapping import fine_cells, queries

BATCH = 500


def add_maps(db_session: Session, *, pupil_map_ids: list[int]) -> None:
    """Add new pupil maps' cells at every size (the heatmap stays current)."""
    queries.add_zone_cells(db_session, pupil_map_ids=pupil_map_ids)
    fine_cells.add(db_session, pupil_map_ids=pupil_map_ids)


def rebuild(*, db_session: Session, progress: Callable[[int], None] = lambda _n: None) -> int:
    """Recompute every cell from the zones and session areas; returns the number of maps."""
    queries.clear_aggregates(db_session)
    queries.add_session_cells(db_session)
    fine_cells.rebuild(db_session)
    queries.defer_cell_pupils(db_session)
    ids = queries.map_ids(db_session)
    for start in range(0, len(ids), BATCH):
        batch = ids[start:start + BATCH]
        queries.add_zone_cells(db_session, pupil_map_ids=batch)
        progress(len(batch))
    queries.count_cell_pupils(db_session)
    db_session.commit()
    return len(ids)

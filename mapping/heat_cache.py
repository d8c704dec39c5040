"""Published cells kept in memory per question until the aggregates change (per process).

Vector tiles ask the same question many times (one request per tile), as do the API and the
exports; computing the published cells once per question and data version keeps a tile to the
tile SQL itself. The version is a
counter bumped by a database trigger on every change to `zone_cell` or `session_cell`, so a new
pupil map, an edited area, a purge or a rebuild is seen by the next request in every worker.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from mapping import heatmap, queries, tile_cells
from mapping.publication import Rule

MAX_QUESTIONS = 128
_cache: OrderedDict = OrderedDict()
_lock = threading.Lock()


def remember(key, db_session: Session, compute: Callable[[], Any]) -> Any:
    """compute(), answered from memory while the aggregates are unchanged (key: hashable)."""
    version = queries.aggregates_version(db_session)
    with _lock:
        hit = _cache.get(key)
        if hit and hit[0] == version:
            _cache.move_to_end(key)
            return hit[1]
    value = compute()
    with _lock:
        _cache[key] = (version, value)
        _cache.move_to_end(key)
        while len(_cache) > MAX_QUESTIONS:
            _cache.popitem(last=False)
    return value


def published_cells(*, db_session: Session, question: heatmap.Question,
                    rule: Rule) -> list[dict]:
    """heatmap.published_cells, answered from memory while the aggregates are unchanged."""
    return remember(("published", question, rule), db_session, lambda: heatmap.published_cells(
        db_session=db_session, question=question, rule=rule))


def indexed_cells(*, db_session: Session, question: heatmap.Question,
                  rule: Rule) -> tile_cells.IndexedCells:
    """published_cells with their positions by (i, j), for picking each tile's cells."""
    return remember(("indexed", question, rule), db_session, lambda: tile_cells.indexed(
        published_cells(db_session=db_session, question=question, rule=rule)))


def clear() -> None:
    """Forget every cached answer."""
    with _lock:
        _cache.clear()

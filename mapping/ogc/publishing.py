"""Publishing heat cells and hot spots for the OGC layer: the heatmap's own publication rule,
run per term (and for all terms together) and cell size, copied into the published tables.

A borough's copy is made on its first read. Afterwards, a read that finds the aggregates changed
since the last copy, and that copy older than OGC_REFRESH_SECONDS, starts a new copy in a
background thread and is answered from the current one: a full copy takes seconds at borough
scale (half a minute with hot spots at 10,000 maps), far too long for a GIS client to wait.
A row lock taken with SKIP LOCKED keeps two workers from copying the same borough at once.
"""

import logging
import threading
from datetime import UTC, datetime, timedelta

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from core import db
from core.geo import work_srid
from mapping import heatmap, hotspot_exports, hotspots, queries, terms
from mapping.ogc import collections
from mapping.ogc import queries as ogc_queries
from mapping.publication import rate

log = logging.getLogger(__name__)
ALL_TERMS = "all"
_running: dict[tuple[int, str], threading.Thread] = {}
_running_lock = threading.Lock()


def _periods(db_session: Session, borough_id: int) -> list[tuple[str, tuple]]:
    """(term, (first day, last day)) for every term with maps, then all terms together."""
    found = sorted(heatmap.borough_terms(db_session, borough_id), key=terms.chronological)
    periods = [(term, terms.period(term)) for term in found]
    if periods:
        periods.append((ALL_TERMS, (periods[0][1][0], periods[-1][1][1])))
    return periods


def heat_cell_rows(db_session: Session, borough_id: int) -> list[dict]:
    """Every published cell of the borough, exactly as the heatmap API publishes it."""
    rule = heatmap.rule_for_planners()
    rows = []
    for term, (first, last) in _periods(db_session, borough_id):
        for size in heatmap.published_sizes(rule):
            # The net answer holds both sides' published counts (0: that side is not
            # published) and their coverage; asked directly, not through the tiles' cache.
            question = heatmap.Question(borough_id=borough_id, resolution=size, kind="net",
                                        term=None if term == ALL_TERMS else term)
            for cell in heatmap.published_cells(db_session=db_session, question=question,
                                                rule=rule):
                unsafe, safe, coverage = cell["unsafe"], cell["safe"], cell["coverage"]
                rows.append({
                    "term": term, "cell_m": size, "i": cell["i"], "j": cell["j"],
                    "term_start": first, "term_end": last,
                    "unsafe_pupils": unsafe or None, "safe_pupils": safe or None,
                    "coverage": coverage, "net": cell["net"],
                    "unsafe_rate": rate(unsafe, coverage) if unsafe else None,
                    "safe_rate": rate(safe, coverage) if safe else None})
    return rows


def hotspot_rows(db_session: Session, borough_id: int) -> list[dict]:
    """Every ranked hot-spot area of the borough, as the planners' hot spots page ranks them."""
    rule = heatmap.rule_for_planners()
    rows = []
    for term, (first, last) in _periods(db_session, borough_id):
        for size in heatmap.published_sizes(rule):
            question = hotspots.HotSpotQuestion(borough_id=borough_id, resolution=size,
                                                term=None if term == ALL_TERMS else term)
            try:
                analysis = hotspots.analyse(db_session=db_session, question=question, rule=rule)
            except hotspots.TooLittleData:
                continue
            for area in analysis["areas"]:
                members = [c for c in analysis["cells"] if c["area"] == area["rank"]]
                values = hotspot_exports.properties(area)
                rows.append({
                    "term": term, "cell_m": size, "term_start": first, "term_end": last,
                    **{name: values[name] for name in collections.HOTSPOTS.attributes
                       if name in values},
                    "ii": [c["i"] for c in members], "jj": [c["j"] for c in members]})
    return rows


BUILDERS = {"heat_cells": (heat_cell_rows, ogc_queries.replace_heat_cells),
            "hotspots": (hotspot_rows, ogc_queries.replace_hotspots)}
PUBLISHED = tuple(BUILDERS)


def _stale(record, version: int, now: datetime) -> bool:
    wait = timedelta(seconds=current_app.config["OGC_REFRESH_SECONDS"])
    return record.version != version and now - record.refreshed_at >= wait


def refresh(db_session: Session, borough_id: int, collection: str, *,
            force: bool = False) -> bool:
    """Rebuild a borough's published copy of a collection now if it was never made, or the
    aggregates changed since (and the copy is old enough), or when forced; commits. Whether it
    rebuilt (False too when another process is rebuilding it)."""
    record = ogc_queries.publication(db_session, borough_id, collection)
    if record is None:  # someone else is rebuilding it right now
        db_session.commit()
        return False
    version = queries.aggregates_version(db_session)
    now = datetime.now(UTC)
    if not (force or record.version < 0 or _stale(record, version, now)):
        db_session.commit()
        return False
    build, store = BUILDERS[collection]
    store(db_session, borough_id, build(db_session, borough_id), work_srid())
    record.version, record.refreshed_at = version, now
    db_session.commit()
    return True


def ensure_current(db_session: Session, borough_id: int, collection: str) -> None:
    """Make the first copy now; start a newer one in the background when this one is stale."""
    record = ogc_queries.publication_state(db_session, borough_id, collection)
    if record is None or record.version < 0:
        refresh(db_session, borough_id, collection)
    elif _stale(record, queries.aggregates_version(db_session), datetime.now(UTC)):
        if current_app.config["OGC_REFRESH_IN_BACKGROUND"]:
            g.setdefault("ogc_republish", set()).add((borough_id, collection))
        else:
            refresh(db_session, borough_id, collection)


def start_pending(_exc: BaseException | None = None) -> None:
    """After a request: start the copies it found stale, once its own session is closed (so a
    copy never shares a connection with the request that asked for it)."""
    pending = g.pop("ogc_republish", None)
    if not pending:
        return
    db.close_session()
    for borough_id, collection in sorted(pending):
        _start(current_app._get_current_object(), borough_id, collection)


def _start(app: Flask, borough_id: int, collection: str) -> None:
    key = (borough_id, collection)
    with _running_lock:
        if key in _running:
            return
        thread = threading.Thread(target=_refresh_in_background, args=(app, *key), daemon=True,
                                  name=f"ogc-publish-{borough_id}-{collection}")
        _running[key] = thread
    thread.start()


def _refresh_in_background(app: Flask, borough_id: int, collection: str) -> None:
    try:
        with app.app_context():
            refresh(db.session(), borough_id, collection)
    except Exception:  # a failed copy leaves the previous one in place; the next read retries
        log.exception("could not republish %s for borough %s", collection, borough_id)
    finally:
        with _running_lock:
            _running.pop((borough_id, collection), None)


def wait_for_background(timeout: float | None = None) -> None:
    """Wait for background copies started by this process to finish (tests and shutdown)."""
    with _running_lock:
        threads = list(_running.values())
    for thread in threads:
        thread.join(timeout)

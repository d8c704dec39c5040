"""What planners did about hot spots: logging, changing and listing actions, and the actions
near a school that teachers read out to a class ("you said, we did")."""

from datetime import UTC, date, datetime, timedelta

import shapely
from sqlalchemy.orm import Session

from core.audit import services as audit
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.exports import csv_text
from core.geo import as_multipolygon
from mapping import hotspots, queries, terms, vocabulary
from mapping.action_models import HotspotAction

STATUS_LABELS = {"planned": "Planned", "in_progress": "Under way", "done": "Done"}
# Teachers see an action until six months after it ended (a one-off "done" action ends on the
# day it started): long enough to tell the next class, short enough to stay news.
SHOWN_FOR_DAYS = 183
TIME_WORDS = {"before_school": "before school", "after_school": "after school",
              "evening": "in the evening", "night": "at night", "weekend": "at weekends"}
CSV_COLUMNS = ["id", "logged_at", "status", "action", "starts_on", "ends_on", "ward",
               "peak_time", "term", "years", "cell_m", "significance", "rank_then", "lon", "lat",
               "wkt"]


def area_or_raise(analysis: dict, rank: int, seen_at: tuple[float, float] | None = None) -> dict:
    """The area ranked `rank`; with `seen_at` (a point of the area the form was opened for),
    refuse when the ranking has changed since."""
    area = next((a for a in analysis["areas"] if a["rank"] == rank), None)
    if area is None:
        raise NotFound(f"There is no hot spot ranked {rank} with these filters. The hot spots "
                       "may have changed: open the hot spots page again.")
    if seen_at and not shapely.from_geojson(area["geometry"]).covers(shapely.Point(seen_at)):
        raise Conflict(f"The hot spot ranked {rank} is no longer the place this form was opened "
                       "for (new maps have arrived). Open the hot spots page again.")
    return area


def create(*, db_session: Session, user, question: hotspots.HotSpotQuestion, area: dict,
           action: str, starts_on: date, ends_on: date | None, status: str) -> HotspotAction:
    """Log an action against a hot-spot area, keeping a copy of the area's outline and context."""
    _check_dates(starts_on, ends_on)
    outline = as_multipolygon(shapely.from_geojson(area["geometry"]))
    logged = HotspotAction(
        borough_id=question.borough_id, created_by=user.id, action=action, starts_on=starts_on,
        ends_on=ends_on, status=status, area=f"SRID=4326;{outline.wkt}",
        location=f"SRID=4326;POINT({area['lon']} {area['lat']})", ward=area.get("ward"),
        peak_time=area.get("peak_time"), term=question.term, years=question.years,
        cell_m=question.resolution, rank=area["rank"],
        significance="permutations" if question.cautious else "normal")
    db_session.add(logged)
    db_session.flush()
    audit.record(db_session=db_session, action="hotspot_action.create", user_id=user.id,
                 object_type="hotspot_action", object_id=logged.id,
                 borough_id=question.borough_id,
                 detail={"rank": area["rank"], "cell": question.resolution,
                         "term": question.term, "status": status})
    db_session.commit()
    return logged


def for_planner_or_raise(*, db_session: Session, user, action_id: int) -> HotspotAction:
    """An action a planner of its borough (or an admin) may change."""
    found = db_session.get(HotspotAction, action_id)
    if found is None:
        raise NotFound("There is no such action.")
    if user.role != "admin" and found.borough_id != user.borough_id:
        raise Forbidden("Planners see their own borough's actions only.")
    return found


def update(*, db_session: Session, user, logged: HotspotAction, action: str,
           ends_on: date | None, status: str) -> HotspotAction:
    """Change an action's words, end date or status (where and when it started stay)."""
    _check_dates(logged.starts_on, ends_on)
    before = {"status": logged.status, "ends_on": _iso(logged.ends_on)}
    logged.action, logged.ends_on, logged.status = action, ends_on, status
    logged.updated_at = datetime.now(UTC)
    audit.record(db_session=db_session, action="hotspot_action.update", user_id=user.id,
                 object_type="hotspot_action", object_id=logged.id,
                 borough_id=logged.borough_id,
                 detail={"before": before, "after": {"status": status,
                                                     "ends_on": _iso(ends_on)}})
    db_session.commit()
    return logged


def _check_dates(starts_on: date, ends_on: date | None) -> None:
    if ends_on is not None and ends_on < starts_on:
        raise InvalidInput(f"The end date must be on or after the start "
                           f"({starts_on:%d %B %Y}).", field="ends_on")


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _plain(row) -> dict:
    """A database row as a plain dict with the words pages show."""
    item = dict(row._mapping)
    item["status_label"] = STATUS_LABELS[item["status"]]
    item["peak_time_label"] = vocabulary.TIMES.get(item["peak_time"] or "")
    item["term_label"] = terms.label(item["term"]) if item["term"] else "all terms"
    return item


def borough_actions(*, db_session: Session, borough_id: int) -> list[dict]:
    """A borough's actions, newest first, as plain dicts."""
    return [_plain(row) for row in queries.borough_actions(db_session, borough_id)]


def actions_csv(items: list[dict]) -> str:
    """Actions as CSV (formula-looking text neutralised), outlines as WKT in EPSG:4326."""
    rows = [{**item, "logged_at": item["created_at"].isoformat(timespec="seconds"),
             "peak_time": item["peak_time_label"] or "", "rank_then": item["rank"],
             "status": item["status_label"], "lon": round(item["lon"], 6),
             "lat": round(item["lat"], 6)} for item in items]
    return csv_text(CSV_COLUMNS, rows)


def actions_near(db_session: Session, lon: float, lat: float, radius_m: float,
                 today: date) -> list[dict]:
    """Actions within radius_m of a point, newest first, as plain dicts with a sentence a
    teacher can read out; those that ended more than six months ago are left out."""
    since = today - timedelta(days=SHOWN_FOR_DAYS)
    found = []
    for row in queries.actions_near(db_session, lon, lat, radius_m, since):
        item = _plain(row)
        item["distance_m"] = round(item["distance_m"])
        item.update(read_out(item))
        found.append(item)
    return found


def read_out(item: dict) -> dict:
    """'You said' and 'we did' sentences for one action near a school."""
    when = TIME_WORDS.get(item.get("peak_time") or "")
    distance = f"about {_rounded_distance(item['distance_m'])} m from school"
    place = f"in {item['ward']} ({distance})" if item.get("ward") else f"at a place {distance}"
    said = " ".join(part for part in ("Pupils said they feel unsafe", when, place) if part)
    return {"you_said": f"{said}.",
            "we_did": item["action"],
            "when_words": when_words(item["status"], item["starts_on"], item["ends_on"])}


def _rounded_distance(metres: float) -> int:
    return max(50, round(metres / 50) * 50)


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def when_words(status: str, starts_on: date, ends_on: date | None) -> str:
    """How far along an action is, in words: 'Under way since 3 March 2027'."""
    if status == "done":
        if ends_on and ends_on != starts_on:
            return f"Done: {_day(starts_on)} to {_day(ends_on)}"
        return f"Done on {_day(starts_on)}"
    until = f" until {_day(ends_on)}" if ends_on else ""
    if status == "in_progress":
        return f"Under way since {_day(starts_on)}{until}"
    return f"Planned from {_day(starts_on)}{until}"

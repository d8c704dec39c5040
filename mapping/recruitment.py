"""Where to recruit next: unsafe areas and schools with no Safe Haven near, or none open when it
matters, each with the nearest businesses that are not havens yet.

Engagement workers see where and when, never how many pupils: an unsafe area is named by its
ward, its nearest school and its peak time only.
"""

import json

from sqlalchemy.orm import Session

from havens import hours
from havens import queries as haven_queries
from mapping import heatmap, hotspots, patrol

NEAR_M = 300  # a haven this close counts as "near"
PROSPECTS_WITHIN_M = 600
PROSPECTS_SHOWN = 3


def _open_after_school(opening: dict) -> bool:
    return patrol.open_in(hours.from_json(opening), patrol.AFTER_SCHOOL_HAVEN) == "open"


def _open_at_peak(time_key: str | None):
    return lambda opening: patrol.open_during(hours.from_json(opening), time_key) == "open"


def _prospects(db_session: Session, shape: str, open_when_needed) -> list[dict]:
    """The nearest prospects, each marked open or not when a haven is needed there."""
    return [{"id": row.id, "name": row.name, "business_type": row.business_type,
             "address": row.address, "distance_m": int(row.distance_m),
             "open_when_needed": open_when_needed(row.opening_hours)}
            for row in haven_queries.prospects_near_shape(db_session, shape, PROSPECTS_WITHIN_M,
                                                          PROSPECTS_SHOWN)]


def school_gaps(db_session: Session, borough_id: int) -> list[dict]:
    """Open schools with no active haven within NEAR_M, or none open 15:00-18:00 on every
    school day, with the nearest prospects."""
    gaps = []
    for school in haven_queries.open_schools(db_session, borough_id):
        near = haven_queries.active_near_shape(db_session, school.location, NEAR_M)
        if near and any(_open_after_school(h.opening_hours) for h in near):
            continue
        gaps.append({"urn": school.urn, "name": school.name,
                     "problem": "none_near" if not near else "none_open_after_school",
                     "havens_near": [h.name for h in near],
                     "prospects": _prospects(db_session, school.location,
                                             _open_after_school)})
    return gaps


def area_gaps(db_session: Session, borough_id: int) -> tuple[list[dict], str | None]:
    """Borough hot-spot areas (planners' default question) with no active haven within NEAR_M
    of the area, or none open at its peak time; and a message when there are no hot spots."""
    question = hotspots.HotSpotQuestion(borough_id=borough_id)
    try:
        areas = hotspots.analyse(db_session=db_session, question=question,
                                 rule=heatmap.rule_for_planners())["areas"]
    except hotspots.TooLittleData as exc:
        return [], exc.message
    gaps = []
    for area in areas:
        near = haven_queries.active_near_shape(db_session, area["geometry"], NEAR_M)
        is_open = _open_at_peak(area["peak_time"])
        if near and (area["peak_time"] is None or any(is_open(h.opening_hours) for h in near)):
            continue
        point = json.dumps({"type": "Point", "coordinates": [area["lon"], area["lat"]]})
        gaps.append({"rank": area["rank"], "ward": area.get("ward"),
                     "school": (area.get("schools_near") or [{}])[0].get("name"),
                     "peak_time": area.get("peak_time_label"),
                     "window": patrol.window_for(area["peak_time"]),
                     "problem": "none_near" if not near else "none_open_then",
                     "havens_near": [h.name for h in near], "lon": area["lon"],
                     "lat": area["lat"], "prospects": _prospects(db_session, point, is_open)})
    return gaps, None

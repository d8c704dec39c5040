"""Opening hours of a Safe Haven: reading, checking, storing and showing them.

Times are minutes since the day's midnight. A closing time may run past midnight into the
next day, written as in OpenStreetMap's "extended time" (26:00 is 2 am the next day).
Pure: no Flask, no database.
"""

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo

import holidays

WEEKDAYS = ("mo", "tu", "we", "th", "fr", "sa", "su")
DAY_NAMES = {"mo": "Monday", "tu": "Tuesday", "we": "Wednesday", "th": "Thursday",
             "fr": "Friday", "sa": "Saturday", "su": "Sunday"}
PUBLIC_HOLIDAY_CHOICES = ("as_usual", "closed")
LONDON = ZoneInfo("Europe/London")

DAY = 24 * 60
LAST_START = DAY - 1
LAST_END = 2 * DAY
ALL_DAY = ((0, DAY),)

Interval = tuple[int, int]
Intervals = tuple[Interval, ...]

_TIME = re.compile(r"(\d{1,2}):(\d{2})")
_DASH = re.compile(r"\s*[-\u2013\u2014]\s*")  # hyphen, en dash or em dash: phones type both
_OSM_DAY = r"(?:mo|tu|we|th|fr|sa|su|ph)"
_OSM_SELECTOR = rf"{_OSM_DAY}(?:\s*[-,]\s*{_OSM_DAY})*"
_OSM_TIME = r"\d{1,2}:\d{2}"
_OSM_RANGE = rf"{_OSM_TIME}\s*-\s*{_OSM_TIME}"
_OSM_RULE = re.compile(
    rf"(?P<days>{_OSM_SELECTOR})?\s*(?P<what>off|closed|{_OSM_RANGE}(?:\s*,\s*{_OSM_RANGE})*)",
    re.IGNORECASE)


class HoursError(ValueError):
    """Opening hours that cannot be used; .message is for a shop worker to read, .day is the
    weekday key or None."""

    def __init__(self, message: str, day: str | None = None):
        super().__init__(message)
        self.message = message
        self.day = day


@dataclass(frozen=True)
class OpeningHours:
    """A week of opening hours; days with no key or no intervals are closed."""

    days: dict[str, Intervals]
    public_holidays: str = "as_usual"

    def __post_init__(self) -> None:
        if self.public_holidays not in PUBLIC_HOLIDAY_CHOICES:
            raise HoursError("public holidays must be 'as_usual' or 'closed'")
        # Normalised so that equal hours compare equal however they were written.
        object.__setattr__(self, "days", _normalise_days(self.days))

    def __hash__(self) -> int:
        return hash((tuple(self.days.items()), self.public_holidays))


# --- Times -----------------------------------------------------------------------------------

def _format_time(minutes: int) -> str:
    """Minutes as "HH:MM", extended past 24:00 when needed."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _format_range(interval: Interval) -> str:
    return f"{_format_time(interval[0])}-{_format_time(interval[1])}"


def _parse_time(text: str) -> int:
    """Read "HH:MM" (or "H:MM") as minutes; the range is checked with the whole interval."""
    text = text.strip()
    if not text:
        raise HoursError("a time is missing; write times like 09:00 or 17:30")
    match = _TIME.fullmatch(text)
    if not match:
        raise HoursError(f"we could not read the time '{text}'; write times like 09:00 or 17:30")
    hours, minutes = int(match[1]), int(match[2])
    if minutes > 59:
        raise HoursError(f"'{text}' is not a time: minutes go up to 59")
    return hours * 60 + minutes


def _parse_range(text: str) -> Interval:
    """Read "HH:MM-HH:MM" as a checked interval."""
    parts = _DASH.split(text.strip())
    if len(parts) != 2:
        raise HoursError(f"we could not read '{text.strip()}'; write opening hours like "
                         "09:00-17:30, with commas between them")
    interval = (_parse_time(parts[0]), _parse_time(parts[1]))
    _check_interval(interval)
    return interval


def _check_interval(interval: Interval, day: str | None = None) -> None:
    """Raise HoursError unless the interval opens within the day and closes after it opens."""
    start, end = interval
    if start > LAST_START:
        raise HoursError(f"{_format_time(start)} is too late to open: opening times go from "
                         "00:00 to 23:59", day)
    if end <= start:
        raise HoursError(f"closes before it opens ({_format_range(interval)}); for 2 am the "
                         "next day write 26:00", day)
    if end > LAST_END:
        raise HoursError(f"{_format_time(end)} is too late to close: closing times go up to "
                         "48:00 (midnight at the end of the next day)", day)


# --- Checking a week -------------------------------------------------------------------------

def _normalise_days(days: dict) -> dict[str, Intervals]:
    """Days in week order, intervals as sorted int tuples, closed days dropped; all checked."""
    unknown = set(days) - set(WEEKDAYS)
    if unknown:
        raise HoursError(f"unknown day '{sorted(unknown)[0]}'")
    result = {}
    for day in WEEKDAYS:
        intervals = tuple(sorted(_as_interval(item, day) for item in days.get(day) or ()))
        if intervals:
            result[day] = intervals
    _check_overlaps(result)
    return result


def _as_interval(item, day: str) -> Interval:
    """One (start, end) pair of whole minutes, checked."""
    if not (isinstance(item, list | tuple) and len(item) == 2
            and all(type(value) is int and value >= 0 for value in item)):
        raise HoursError(f"the times for {DAY_NAMES[day]} are not minutes since midnight", day)
    interval = (item[0], item[1])
    _check_interval(interval, day)
    return interval


def _check_overlaps(days: dict[str, Intervals]) -> None:
    """Raise HoursError if times overlap within a day or past midnight into the next day."""
    for index, day in enumerate(WEEKDAYS):
        intervals = days.get(day, ())
        for earlier, later in pairwise(intervals):
            if later[0] < earlier[1]:
                raise HoursError(f"times overlap on {DAY_NAMES[day]}: {_format_range(earlier)} "
                                 f"and {_format_range(later)}", day)
        if intervals:
            _check_spill(day, intervals[-1], WEEKDAYS[(index + 1) % 7], days)


def _check_spill(day: str, last: Interval, next_day: str, days: dict[str, Intervals]) -> None:
    """Raise HoursError if a day's last interval runs past midnight into the next day's first."""
    following = days.get(next_day)
    if following and following[0][0] < last[1] - DAY:
        raise HoursError(
            f"times overlap on {DAY_NAMES[day]} and {DAY_NAMES[next_day]}: "
            f"{DAY_NAMES[day]} {_format_range(last)} runs past midnight into "
            f"{DAY_NAMES[next_day]} {_format_range(following[0])}", day)


# --- The form: one text box per day ----------------------------------------------------------

def from_form(day_texts: dict[str, str], public_holidays: str = "as_usual") -> OpeningHours:
    """Opening hours from what a worker typed per day ("09:00-12:30, 13:30-17:30" or "closed")."""
    unknown = set(day_texts) - set(WEEKDAYS)
    if unknown:
        raise HoursError(f"unknown day '{sorted(unknown)[0]}'")
    days = {day: _parse_day_text(day_texts.get(day) or "", day) for day in WEEKDAYS}
    return OpeningHours(days=days, public_holidays=public_holidays)


def _parse_day_text(text: str, day: str) -> Intervals:
    """One day's text box as intervals; errors name the day."""
    if text.strip().lower() in ("", "closed"):
        return ()
    try:
        return tuple(_parse_range(item) for item in text.split(",") if item.strip())
    except HoursError as error:
        raise HoursError(error.message, day) from None


def to_form(hours: OpeningHours) -> dict[str, str]:
    """Each weekday's text box: "" when closed, otherwise intervals joined with ", "."""
    return {day: ", ".join(_format_range(i) for i in hours.days.get(day, ())) for day in WEEKDAYS}


# --- Storage ---------------------------------------------------------------------------------

def to_json(hours: OpeningHours) -> dict:
    """The storage form: every weekday's [opens, closes] pairs plus "ph"."""
    data: dict = {day: [[_format_time(start), _format_time(end)]
                        for start, end in hours.days.get(day, ())] for day in WEEKDAYS}
    data["ph"] = hours.public_holidays
    return data


def from_json(data: dict | None) -> OpeningHours:
    """Opening hours from the storage form, checked; None or {} is closed every day."""
    if not data:
        return EMPTY
    if not isinstance(data, dict):
        raise HoursError("stored opening hours are not a mapping of days to times")
    days = {key: _json_day(value, key) for key, value in data.items() if key != "ph"}
    return OpeningHours(days=days, public_holidays=data.get("ph", "as_usual"))


@lru_cache(maxsize=4096)
def from_json_text(text: str | None) -> OpeningHours:
    """from_json of the stored JSON text, parsed once per distinct text (the result is shared:
    never change its days)."""
    return from_json(None if text is None else json.loads(text))


def _json_day(value, day: str) -> Intervals:
    """One stored day's list of ["HH:MM", "HH:MM"] pairs as checked intervals."""
    if day not in WEEKDAYS:
        raise HoursError(f"unknown day '{day}' in stored opening hours")
    pairs_ok = isinstance(value, list) and all(
        isinstance(pair, list | tuple) and len(pair) == 2
        and all(isinstance(time, str) for time in pair) for pair in value)
    if not pairs_ok:
        raise HoursError(f"stored times for {DAY_NAMES[day]} are not [opens, closes] pairs", day)
    try:
        return tuple(_parse_range(f"{opens}-{closes}") for opens, closes in value)
    except HoursError as error:
        raise HoursError(error.message, day) from None


# --- OpenStreetMap opening_hours -------------------------------------------------------------

def parse_osm(text: str) -> OpeningHours:
    """Opening hours from the common OpenStreetMap opening_hours forms."""
    days: dict[str, Intervals] = {}
    public_holidays = "as_usual"
    for rule in (part.strip() for part in text.split(";")):
        if not rule:
            continue
        selected, intervals = _parse_osm_rule(rule)
        if "ph" in selected:
            public_holidays = "closed"
        # A later rule replaces earlier ones for the same days, as in OSM.
        days.update({day: intervals for day in selected if day != "ph"})
    return OpeningHours(days=days, public_holidays=public_holidays)


def _parse_osm_rule(rule: str) -> tuple[list[str], Intervals]:
    """One rule as (selected day keys, maybe "ph"; intervals, empty when off)."""
    if rule == "24/7":
        return list(WEEKDAYS), ALL_DAY
    match = _OSM_RULE.fullmatch(rule)
    if not match:
        raise HoursError(f"we cannot read this part of the opening hours: '{rule}'")
    selected = _parse_osm_days(match["days"], rule) if match["days"] else list(WEEKDAYS)
    if match["what"].lower() in ("off", "closed"):
        return selected, ()
    if "ph" in selected:
        raise HoursError(f"we cannot read this part of the opening hours: '{rule}'; public "
                         "holidays can only be marked closed (PH off)")
    return selected, tuple(_parse_range(item) for item in match["what"].split(","))


def _parse_osm_days(selector: str, rule: str) -> list[str]:
    """"Mo-Fr,Su" or "Sa-Mo" as day keys in the order written."""
    selected = []
    for item in selector.lower().split(","):
        ends = [part.strip() for part in item.split("-")]
        if len(ends) == 2 and "ph" not in ends:
            first, last = WEEKDAYS.index(ends[0]), WEEKDAYS.index(ends[1])
            selected += [WEEKDAYS[(first + step) % 7] for step in range((last - first) % 7 + 1)]
        elif len(ends) == 1:
            selected.append(ends[0])
        else:
            raise HoursError(f"we cannot read this part of the opening hours: '{rule}'")
    return selected


@lru_cache(maxsize=4096)
def to_osm(hours: OpeningHours) -> str:
    """The shortest common OpenStreetMap form, e.g. "Mo-Fr 09:00-17:30; Sa 10:00-16:00"."""
    if all(hours.days.get(day) == ALL_DAY for day in WEEKDAYS):
        rules = ["24/7"]
    else:
        rules = [f"{_osm_selector(days)} {','.join(_format_range(i) for i in intervals)}"
                 for intervals, days in _group_days(hours)]
    if hours.public_holidays == "closed":
        rules.append("PH off")
    return "; ".join(rules)


def _group_days(hours: OpeningHours) -> list[tuple[Intervals, list[int]]]:
    """Open days grouped by identical intervals, as weekday indexes."""
    groups: dict[Intervals, list[int]] = {}
    for index, day in enumerate(WEEKDAYS):
        if day in hours.days:
            groups.setdefault(hours.days[day], []).append(index)
    return sorted(groups.items(), key=lambda group: _week_runs(group[1])[0][0])


def _week_runs(indexes: list[int]) -> list[tuple[int, int]]:
    """Sorted weekday indexes as (first, last) runs of consecutive days; a run may wrap
    from Sunday to Monday, as in "Sa-Mo"."""
    runs: list[list[int]] = []
    for index in indexes:
        if runs and runs[-1][1] == index - 1:
            runs[-1][1] = index
        else:
            runs.append([index, index])
    if len(runs) > 1 and runs[0][0] == 0 and runs[-1][1] == 6:
        runs[0][0] = runs.pop()[0]
    return [(first, last) for first, last in runs]


def _osm_selector(indexes: list[int]) -> str:
    """Weekday indexes as an OSM day selector: "Mo-Fr", "Sa,Su", "Mo,We", "Sa-Mo"."""
    parts = []
    for first, last in _week_runs(indexes):
        names = [WEEKDAYS[first].title(), WEEKDAYS[last].title()]
        length = (last - first) % 7 + 1
        parts.append(names[0] if length == 1 else ("," if length == 2 else "-").join(names))
    return ",".join(parts)


# --- Is it open? -----------------------------------------------------------------------------

def is_open_at(hours: OpeningHours, moment: datetime, region: str = "ENG") -> bool:
    """Whether the haven is open at this moment, in London time, minding bank holidays."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("is_open_at needs a timezone-aware datetime")
    local = moment.astimezone(LONDON)
    today, yesterday = local.date(), local.date() - timedelta(days=1)
    minute = local.hour * 60 + local.minute
    return (_open_on(hours, today, region, minute)
            # Times past midnight belong to the day before, and to its holiday status.
            or _open_on(hours, yesterday, region, minute + DAY))


def _open_on(hours: OpeningHours, day: date, region: str, minute: int) -> bool:
    """Whether one date's own intervals cover the minute (counted from that date's midnight)."""
    holiday = _is_bank_holiday(day, region)
    if holiday and hours.public_holidays == "closed":
        return False
    intervals = hours.days.get(WEEKDAYS[day.weekday()], ())
    return any(start <= minute < end for start, end in intervals)


@lru_cache(maxsize=1024)
def _is_bank_holiday(day: date, region: str) -> bool:
    return day in _bank_holidays(region, day.year)


@lru_cache(maxsize=64)
def _bank_holidays(region: str, year: int) -> holidays.HolidayBase:
    """The UK bank holidays of one nation (ENG, WLS, SCT, NIR) for one year."""
    try:
        return holidays.country_holidays("GB", subdiv=region, years=year)
    except NotImplementedError:
        raise ValueError(f"unknown UK region '{region}'; use ENG, WLS, SCT or NIR") from None


def open_throughout(hours: OpeningHours, weekday: str, start: str, end: str) -> bool:
    """Whether the haven is open for the whole window ("15:00" to "18:00") on that weekday."""
    if weekday not in WEEKDAYS:
        raise HoursError(f"unknown day '{weekday}'")
    window = _parse_range(f"{start}-{end}")
    covered = window[0]
    for opens, closes in _reachable_intervals(hours, WEEKDAYS.index(weekday)):
        if opens > covered:
            break  # a gap: sorted, so nothing later can fill it
        covered = max(covered, closes)
        if covered >= window[1]:
            return True
    return False


def _reachable_intervals(hours: OpeningHours, index: int) -> list[Interval]:
    """The day's intervals, the previous day's past midnight, and the next day's, all in minutes
    from this day's midnight, sorted."""
    before = hours.days.get(WEEKDAYS[index - 1], ())
    today = hours.days.get(WEEKDAYS[index], ())
    after = hours.days.get(WEEKDAYS[(index + 1) % 7], ())
    spill = [(0, closes - DAY) for _, closes in before if closes > DAY]
    return sorted([*spill, *today, *((o + DAY, c + DAY) for o, c in after)])


# --- Showing them ----------------------------------------------------------------------------

def describe(hours: OpeningHours) -> list[tuple[str, str]]:
    """(day name, text) for every weekday, e.g. ("Monday", "9:00 to 17:30"), for display."""
    return [(DAY_NAMES[day], _describe_day(hours.days.get(day, ()))) for day in WEEKDAYS]


def _describe_day(intervals: Intervals) -> str:
    if not intervals:
        return "Closed"
    if intervals == ALL_DAY:
        return "Open all day"
    return ", ".join(f"{_spoken_time(start)} to {_spoken_time(end)}" for start, end in intervals)


def _spoken_time(minutes: int) -> str:
    """"9:00", "midnight", or "2:00 (next day)": no leading zeros, no 26:00."""
    if minutes == LAST_END:
        return "midnight (end of the next day)"
    if minutes > DAY:
        return f"{_spoken_time(minutes - DAY)} (next day)"
    if minutes in (0, DAY):
        return "midnight"
    return f"{minutes // 60}:{minutes % 60:02d}"


EMPTY = OpeningHours(days={})


SHORT_DAY = {"mo": "Mon", "tu": "Tue", "we": "Wed", "th": "Thu", "fr": "Fri", "sa": "Sat",
             "su": "Sun"}


def short_text(hours: OpeningHours) -> str:
    """The week in a few words for print: "Mon-Fri 7:00-22:00; Sat 8:00-20:00; Sun closed"."""
    if not hours.days:
        return "Hours not known"
    rules = [f"{_short_selector(days)} {', '.join(_short_range(i) for i in intervals)}"
             for intervals, days in _group_days(hours)]
    closed = [index for index, day in enumerate(WEEKDAYS) if day not in hours.days]
    if closed:
        rules.append(f"{_short_selector(closed)} closed")
    if hours.public_holidays == "closed":
        rules.append("closed on bank holidays")
    return "; ".join(rules)


def _short_selector(indexes: list[int]) -> str:
    if len(indexes) == 7:
        return "Every day"
    parts = []
    for first, last in _week_runs(indexes):
        length = (last - first) % 7 + 1
        names = [SHORT_DAY[WEEKDAYS[first]], SHORT_DAY[WEEKDAYS[last]]]
        parts.append(names[0] if length == 1 else ("," if length == 2 else "-").join(names))
    return ",".join(parts)


def _short_range(interval: Interval) -> str:
    if interval == (0, DAY):
        return "all day"
    return f"{_spoken_time(interval[0])}-{_spoken_time(interval[1])}"

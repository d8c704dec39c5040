"""School terms: the only time periods the heatmap can be filtered by (pure).

Whole terms, never arbitrary dates, so two allowed queries cannot be subtracted to isolate the
few pupils of one day.
"""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
TERM = re.compile(r"^(\d{4})-(autumn|spring|summer)$")
NAMES = {"autumn": "Autumn", "spring": "Spring", "summer": "Summer"}


def term_of(moment: datetime | date) -> str:
    """The term a moment falls in: autumn Sep-Dec, spring Jan-Mar, summer Apr-Aug."""
    day = moment.astimezone(LONDON).date() if isinstance(moment, datetime) else moment
    if day.month >= 9:
        season = "autumn"
    elif day.month <= 3:
        season = "spring"
    else:
        season = "summer"
    return f"{day.year}-{season}"


def is_term(text: str) -> bool:
    """Whether text names a term, like 2026-autumn."""
    return bool(TERM.match(text or ""))


SEASON_ORDER = {"spring": 0, "summer": 1, "autumn": 2}  # within a calendar year


def chronological(term: str) -> tuple[int, int]:
    """A sort key putting terms in time order: spring, summer, then autumn of each year."""
    year, season = TERM.match(term).groups()
    return int(year), SEASON_ORDER[season]


def label(term: str) -> str:
    """'2026-autumn' -> 'Autumn 2026'."""
    year, season = TERM.match(term).groups()
    return f"{NAMES[season]} {year}"


def period(term: str) -> tuple[date, date]:
    """A term's first and last day: autumn Sep-Dec, spring Jan-Mar, summer Apr-Aug."""
    year, season = TERM.match(term).groups()
    first, last = {"autumn": ((9, 1), (12, 31)), "spring": ((1, 1), (3, 31)),
                   "summer": ((4, 1), (8, 31))}[season]
    return date(int(year), *first), date(int(year), *last)

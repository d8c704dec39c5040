"""From a hot spot's peak time to a patrol suggestion, and whether a haven is open then (pure).

Pupils answer "when" in bands (before school, after school, evening, night, weekend). Each band
becomes a clock window on given days. Hot-spots policing trials in the UK used short, frequent
visits of about 15 minutes in the peak hours, so that is the pattern suggested.
"""

from dataclasses import dataclass

from havens import hours as opening

SCHOOL_DAYS = ("mo", "tu", "we", "th", "fr")
EVERY_DAY = (*SCHOOL_DAYS, "sa", "su")
VISIT_MINUTES = 15


@dataclass(frozen=True)
class Window:
    """When a time band happens: days (hours module keys), their name, and a clock window."""

    days: tuple[str, ...]
    days_label: str
    start: str
    end: str

    def described(self) -> str:
        """'15:00 to 17:00 on school days'."""
        return f"{self.start} to {self.end} {self.days_label}"


WINDOWS = {
    "before_school": Window(SCHOOL_DAYS, "on school days", "07:30", "09:00"),
    "after_school": Window(SCHOOL_DAYS, "on school days", "15:00", "17:00"),
    "evening": Window(EVERY_DAY, "every day", "17:00", "21:00"),
    "night": Window(EVERY_DAY, "every day", "21:00", "23:59"),
    "weekend": Window(("sa", "su"), "at weekends", "12:00", "18:00"),
}


def window_for(time_key: str | None) -> Window | None:
    """The clock window of a time band, or None when no peak time is known."""
    return WINDOWS.get(time_key) if time_key else None


def visit_pattern(time_key: str | None) -> str:
    """A suggested patrol pattern for a peak time, in plain words."""
    window = window_for(time_key)
    if window is None:
        return (f"{VISIT_MINUTES}-minute visits at different times of day until pupils' "
                "answers show when it matters most")
    return f"{VISIT_MINUTES}-minute visits between {window.start} and {window.end} " \
           f"{window.days_label}"


AFTER_SCHOOL_HAVEN = Window(SCHOOL_DAYS, "on school days", "15:00", "18:00")  # walking home


def open_during(hours: opening.OpeningHours, time_key: str | None) -> str:
    """open_in for the clock window of a time band; 'unknown' without one."""
    window = window_for(time_key)
    return "unknown" if window is None else open_in(hours, window)


def open_in(hours: opening.OpeningHours, window: Window) -> str:
    """'open' (for the whole window on every day of it), 'partly' or 'closed'."""
    days_open = [opening.open_throughout(hours, day, window.start, window.end)
                 for day in window.days]
    if all(days_open):
        return "open"
    return "partly" if any(days_open) else "closed"


OPEN_WORDS = {"open": "open then", "partly": "open then on some days only",
              "closed": "closed then", "unknown": "opening at the peak time unknown"}


def rank_key(area: dict) -> tuple:
    """Order of the briefing: most pupils first (rounded, as published), then the strongest
    statistic, then the larger area."""
    return (-(area["pupils"] or 0), -area["peak_z"], -area["cells"])

"""The haven life cycle: allowed status changes and what each visit outcome does (pure)."""

import calendar
from dataclasses import dataclass
from datetime import date

from core.errors import InvalidInput

# Which statuses each status may move to (by hand or through a visit).
TRANSITIONS = {
    "prospect": {"active", "withdrawn"},
    "active": {"lapsed", "withdrawn"},
    "lapsed": {"active", "withdrawn"},
    "withdrawn": {"prospect", "active"},
}
STATUS_LABELS = {"prospect": "Prospect", "active": "Active Safe Haven", "lapsed": "Lapsed",
                 "withdrawn": "Withdrawn"}
OUTCOME_LABELS = {
    "signed_up": "Signed up", "re_verified": "Re-verified (still taking part)",
    "sticker_replaced": "Sticker replaced", "staff_briefed": "Staff briefed",
    "declined": "Declined", "closed_down": "Closed down", "no_answer": "No answer",
}
VERIFYING = {"signed_up", "re_verified", "sticker_replaced", "staff_briefed"}


@dataclass(frozen=True)
class Change:
    """What a visit or status change does to a haven (None = leave as it is)."""

    status: str | None = None
    reason: str | None = None
    joined_on: date | None = None
    last_verified_on: date | None = None
    next_visit_due: date | None = None
    sticker_displayed: bool | None = None
    staff_briefed_on: date | None = None


def add_months(day: date, months: int) -> date:
    """The same day n months later (the month's last day when it has fewer days)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def check_transition(current: str, new: str) -> None:
    """Raise InvalidInput when a status change skips the rules."""
    if new == current:
        return
    if new not in TRANSITIONS.get(current, set()):
        allowed = ", ".join(STATUS_LABELS[s].lower() for s in sorted(TRANSITIONS[current]))
        raise InvalidInput(f"A {STATUS_LABELS[current].lower()} cannot become "
                           f"{STATUS_LABELS[new].lower()} directly; it can become: {allowed}.",
                           field="status")


def visit_change(*, status: str, outcome: str, on: date, interval_months: int,
                 joined_on: date | None) -> Change:
    """What logging this visit outcome does to a haven with the given status."""
    if outcome == "no_answer":
        return Change()
    if outcome in ("declined", "closed_down"):
        new_status = "withdrawn"
        check_transition(status, new_status)
        return Change(status=new_status, reason=OUTCOME_LABELS[outcome])
    if outcome != "signed_up" and status in ("prospect", "withdrawn"):
        raise InvalidInput("This business has not signed up yet: log 'Signed up' first.",
                           field="outcome")
    if outcome == "signed_up" and status in ("active", "lapsed"):
        raise InvalidInput("This business is already a Safe Haven: log 'Re-verified' instead.",
                           field="outcome")
    new_status = "active"
    check_transition(status, new_status)
    return Change(
        status=new_status if status != "active" else None,
        reason=OUTCOME_LABELS[outcome] if status != "active" else None,
        joined_on=on if outcome == "signed_up" and joined_on is None else None,
        last_verified_on=on, next_visit_due=add_months(on, interval_months),
        sticker_displayed=True if outcome == "sticker_replaced" else None,
        staff_briefed_on=on if outcome == "staff_briefed" else None)

"""The haven life cycle, without a database."""

from datetime import date

import pytest

from core.errors import InvalidInput
from havens.rules import Change, add_months, check_transition, visit_change


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2026, 1, 31), 1, date(2026, 2, 28)), (date(2024, 1, 31), 1, date(2024, 2, 29)),
    (date(2026, 11, 21), 12, date(2027, 11, 21)), (date(2026, 3, 15), -3, date(2025, 12, 15)),
    (date(2026, 5, 31), -3, date(2026, 2, 28)),
])
def test_add_months_keeps_the_day_or_the_last_day_of_the_month(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(("current", "new"), [("prospect", "lapsed"), ("lapsed", "prospect"),
                                              ("active", "prospect")])
def test_status_changes_that_skip_the_rules_are_refused(current, new):
    with pytest.raises(InvalidInput, match="cannot become"):
        check_transition(current, new)


@pytest.mark.parametrize(("current", "new"), [("prospect", "active"), ("active", "lapsed"),
                                              ("lapsed", "active"), ("withdrawn", "prospect"),
                                              ("active", "withdrawn"), ("active", "active")])
def test_allowed_status_changes(current, new):
    check_transition(current, new)


def test_signing_up_a_prospect_makes_it_active_with_a_re_check_in_a_year():
    change = visit_change(status="prospect", outcome="signed_up", on=date(2026, 11, 2),
                          interval_months=12, joined_on=None)
    assert (change.status, change.joined_on) == ("active", date(2026, 11, 2))
    assert (change.last_verified_on, change.next_visit_due) == (date(2026, 11, 2),
                                                                date(2027, 11, 2))


def test_re_verifying_a_lapsed_haven_reactivates_it():
    change = visit_change(status="lapsed", outcome="re_verified", on=date(2026, 6, 1),
                          interval_months=6, joined_on=date(2020, 1, 1))
    assert change.status == "active" and change.joined_on is None
    assert change.next_visit_due == date(2026, 12, 1)


def test_re_verifying_an_active_haven_only_moves_its_dates():
    change = visit_change(status="active", outcome="re_verified", on=date(2026, 6, 1),
                          interval_months=12, joined_on=date(2020, 1, 1))
    assert change.status is None and change.last_verified_on == date(2026, 6, 1)


@pytest.mark.parametrize("outcome", ["declined", "closed_down"])
def test_declined_or_closed_down_withdraws(outcome):
    change = visit_change(status="active", outcome=outcome, on=date(2026, 6, 1),
                          interval_months=12, joined_on=None)
    assert change.status == "withdrawn" and change.reason in ("Declined", "Closed down")


def test_no_answer_changes_nothing():
    change = visit_change(status="active", outcome="no_answer", on=date(2026, 6, 1),
                          interval_months=12, joined_on=None)
    assert change == Change()


@pytest.mark.parametrize(("status", "outcome", "message"), [
    ("prospect", "re_verified", "not signed up yet"),
    ("withdrawn", "sticker_replaced", "not signed up yet"),
    ("active", "signed_up", "already a Safe Haven"),
])
def test_visits_that_do_not_fit_the_status_are_explained(status, outcome, message):
    with pytest.raises(InvalidInput, match=message):
        visit_change(status=status, outcome=outcome, on=date(2026, 6, 1), interval_months=12,
                     joined_on=None)


def test_sticker_replaced_records_the_sticker_and_counts_as_a_check():
    change = visit_change(status="active", outcome="sticker_replaced", on=date(2026, 6, 1),
                          interval_months=12, joined_on=None)
    assert change.sticker_displayed is True and change.last_verified_on == date(2026, 6, 1)

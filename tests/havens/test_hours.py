"""Opening hours: the worker's form, OpenStreetMap text, storage, and "is it open now?"."""

import json
import random
import re
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from havens.hours import (
    DAY_NAMES,
    EMPTY,
    WEEKDAYS,
    HoursError,
    OpeningHours,
    describe,
    from_form,
    from_json,
    from_json_text,
    is_open_at,
    open_throughout,
    parse_osm,
    short_text,
    to_form,
    to_json,
    to_osm,
)

LONDON = ZoneInfo("Europe/London")
OFFICE = parse_osm("Mo-Fr 09:00-17:30")
OFFICE_PH_OFF = parse_osm("Mo-Fr 09:00-17:30; PH off")
LATE_BAR = parse_osm("Fr 18:00-26:00")  # 6 pm Friday to 2 am Saturday
SUNDAY_LATE = parse_osm("Mo 09:00-17:00; Su 18:00-26:00; PH off")


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def form(**days: str) -> dict[str, str]:
    return {day: days.get(day, "") for day in WEEKDAYS}


def raises_hours_error(message_start: str):
    return pytest.raises(HoursError, match="^" + re.escape(message_start))


# --- The model -------------------------------------------------------------------------------

def test_weekdays_are_monday_first_like_datetime():
    assert WEEKDAYS[london(2026, 6, 1, 12, 0).weekday()] == "mo"  # 1 June 2026 is a Monday
    assert [DAY_NAMES[day] for day in WEEKDAYS][::6] == ["Monday", "Sunday"]


def test_hours_written_differently_compare_equal():
    messy = OpeningHours(days={"tu": [[780, 1020], [540, 720]], "we": (), "mo": []})
    assert messy == OpeningHours(days={"tu": ((540, 720), (780, 1020))})
    assert messy.days == {"tu": ((540, 720), (780, 1020))}


def test_equal_hours_hash_equal():
    assert hash(parse_osm("Mo 09:00-17:00")) == hash(from_form({"mo": "9:00-17:00"}))
    assert len({EMPTY, OpeningHours(days={}), OFFICE}) == 2


def test_empty_is_closed_every_day():
    assert EMPTY.days == {}
    assert EMPTY.public_holidays == "as_usual"
    assert not is_open_at(EMPTY, london(2026, 6, 1, 12, 0))


def test_constructing_with_unknown_public_holiday_choice_is_refused():
    with raises_hours_error("public holidays must be 'as_usual' or 'closed'"):
        OpeningHours(days={}, public_holidays="open")


def test_constructing_with_unknown_day_is_refused():
    with raises_hours_error("unknown day 'xx'") as caught:
        OpeningHours(days={"xx": ((540, 600),)})
    assert caught.value.day is None


def test_constructing_with_non_minutes_is_refused():
    with raises_hours_error("the times for Monday are not minutes since midnight") as caught:
        OpeningHours(days={"mo": (("09:00", "17:00"),)})
    assert caught.value.day == "mo"


def test_constructing_checks_intervals_too():
    with raises_hours_error("closes before it opens (22:00-02:00)"):
        OpeningHours(days={"mo": ((1320, 120),)})


def test_hours_error_is_a_value_error_with_message_and_day():
    error = HoursError("times overlap", "we")
    assert isinstance(error, ValueError)
    assert (error.message, error.day, str(error)) == ("times overlap", "we", "times overlap")


# --- The worker's form -----------------------------------------------------------------------

def test_form_reads_split_day_and_closed_days():
    hours = from_form(form(mo="09:00-12:30, 13:30-17:30", tu="closed", sa="10:00-16:00"))
    assert hours.days == {"mo": ((540, 750), (810, 1050)), "sa": ((600, 960),)}
    assert hours.public_holidays == "as_usual"


def test_form_treats_closed_in_any_case_and_blank_as_closed():
    hours = from_form({"mo": "CLOSED", "tu": "  Closed ", "we": "", "th": "   "})
    assert hours == EMPTY


def test_form_missing_days_are_closed():
    assert from_form({"fr": "09:00-17:00"}).days == {"fr": ((540, 1020),)}


def test_form_accepts_single_digit_hours_and_normalises_them():
    hours = from_form({"mo": "9:00-17:30"})
    assert to_form(hours)["mo"] == "09:00-17:30"


def test_form_tolerates_spaces_dashes_and_a_trailing_comma():
    hours = from_form({"mo": "  09:00 - 12:00 ,13:00\u201317:00, "})
    assert hours.days["mo"] == ((540, 720), (780, 1020))


def test_form_sorts_intervals_typed_out_of_order():
    assert from_form({"mo": "13:00-17:00, 09:00-12:00"}).days["mo"] == ((540, 720), (780, 1020))


def test_form_keeps_touching_intervals_as_typed():
    hours = from_form({"mo": "09:00-13:00, 13:00-17:00"})
    assert hours.days["mo"] == ((540, 780), (780, 1020))
    assert to_form(hours)["mo"] == "09:00-13:00, 13:00-17:00"


def test_form_accepts_past_midnight_written_as_extended_time():
    assert from_form({"fr": "18:00-26:00"}).days == {"fr": ((1080, 1560),)}
    assert from_form({"fr": "00:00-48:00"}).days == {"fr": ((0, 2880),)}


def test_form_public_holidays_closed_is_kept():
    assert from_form({}, public_holidays="closed").public_holidays == "closed"


def test_form_refuses_unknown_public_holidays_choice():
    with raises_hours_error("public holidays must be 'as_usual' or 'closed'"):
        from_form({}, public_holidays="sometimes")


def test_form_refuses_unknown_day_key():
    with raises_hours_error("unknown day 'monday'") as caught:
        from_form({"monday": "09:00-17:00"})
    assert caught.value.day is None


@pytest.mark.parametrize(("typed", "message"), [
    ("22:00-02:00", "closes before it opens (22:00-02:00); for 2 am the next day write 26:00"),
    ("10:00-10:00", "closes before it opens (10:00-10:00); for 2 am the next day write 26:00"),
    ("9am-5pm", "we could not read the time '9am'; write times like 09:00 or 17:30"),
    ("25:00-26:00", "25:00 is too late to open: opening times go from 00:00 to 23:59"),
    ("24:00-25:00", "24:00 is too late to open"),
    ("12:60-13:00", "'12:60' is not a time: minutes go up to 59"),
    ("09:00-", "a time is missing; write times like 09:00 or 17:30"),
    ("09:00", "we could not read '09:00'; write opening hours like 09:00-17:30"),
    ("09:00-12:00; 13:00-17:00", "we could not read '09:00-12:00; 13:00-17:00'"),
    ("09:00-49:00", "49:00 is too late to close: closing times go up to 48:00"),
    ("09:00-48:30", "48:30 is too late to close"),
    ("09:00-13:00, 12:00-17:00", "times overlap on Wednesday: 09:00-13:00 and 12:00-17:00"),
    ("09:00-12:00, 09:00-12:00", "times overlap on Wednesday: 09:00-12:00 and 09:00-12:00"),
])
def test_form_errors_explain_the_problem_and_name_the_day(typed, message):
    with raises_hours_error(message) as caught:
        from_form(form(we=typed))
    assert caught.value.day == "we"
    assert caught.value.message.startswith(message)


def test_form_refuses_late_night_running_into_next_mornings_hours():
    with raises_hours_error("times overlap on Friday and Saturday: Friday 18:00-26:00 runs "
                            "past midnight into Saturday 01:00-05:00") as caught:
        from_form(form(fr="18:00-26:00", sa="01:00-05:00"))
    assert caught.value.day == "fr"


def test_form_refuses_sunday_night_running_into_monday_morning():
    with raises_hours_error("times overlap on Sunday and Monday") as caught:
        from_form(form(su="20:00-27:00", mo="02:00-04:00"))
    assert caught.value.day == "su"


def test_form_allows_late_night_ending_when_next_day_opens():
    hours = from_form(form(fr="18:00-26:00", sa="02:00-05:00"))
    assert hours.days["sa"] == ((120, 300),)


def test_to_form_writes_every_day_blank_when_closed():
    assert to_form(parse_osm("Mo 09:00-12:30,13:30-17:30; Fr 18:00-26:00")) == form(
        mo="09:00-12:30, 13:30-17:30", fr="18:00-26:00")


def test_to_form_leaves_public_holidays_out_so_it_feeds_back_into_from_form():
    hours = parse_osm("Mo-Sa 08:00-20:00; PH off")
    assert from_form(to_form(hours), hours.public_holidays) == hours


# --- Storage ---------------------------------------------------------------------------------

def test_json_lists_every_day_and_public_holidays():
    assert to_json(parse_osm("Mo 09:00-12:30,13:30-17:30; Fr 18:00-26:00; PH off")) == {
        "mo": [["09:00", "12:30"], ["13:30", "17:30"]], "tu": [], "we": [], "th": [],
        "fr": [["18:00", "26:00"]], "sa": [], "su": [], "ph": "closed"}


def test_json_round_trips():
    hours = parse_osm("Mo-Fr 07:30-12:00,12:00-19:00; Sa 18:00-26:00; Su 03:00-04:00; PH off")
    assert from_json(to_json(hours)) == hours


@pytest.mark.parametrize("stored", [None, {}])
def test_nothing_stored_means_closed_every_day(stored):
    assert from_json(stored) == EMPTY


def test_json_without_ph_means_holidays_as_usual():
    assert from_json({"sa": [["10:00", "16:00"]]}) == parse_osm("Sa 10:00-16:00")


@pytest.mark.parametrize(("stored", "message", "day"), [
    ({"mo": [["22:00", "02:00"]]}, "closes before it opens (22:00-02:00)", "mo"),
    ({"tu": [["9am", "17:00"]]}, "we could not read the time '9am'", "tu"),
    ({"we": [["09:00", "13:00"], ["12:00", "17:00"]]}, "times overlap on Wednesday", "we"),
    ({"th": "09:00-17:00"}, "stored times for Thursday are not [opens, closes] pairs", "th"),
    ({"th": [["09:00"]]}, "stored times for Thursday are not [opens, closes] pairs", "th"),
    ({"th": [[540, 1020]]}, "stored times for Thursday are not [opens, closes] pairs", "th"),
    ({"xx": []}, "unknown day 'xx' in stored opening hours", None),
    ({"ph": "maybe"}, "public holidays must be 'as_usual' or 'closed'", None),
])
def test_stored_hours_are_checked_when_read(stored, message, day):
    with raises_hours_error(message) as caught:
        from_json(stored)
    assert caught.value.day == day


def test_stored_hours_that_are_not_a_mapping_are_refused():
    with raises_hours_error("stored opening hours are not a mapping of days to times"):
        from_json(["mo"])  # type: ignore[arg-type]


# --- OpenStreetMap text ----------------------------------------------------------------------

def week(intervals, days=WEEKDAYS) -> dict:
    return dict.fromkeys(days, intervals)


@pytest.mark.parametrize(("text", "days"), [
    ("24/7", week(((0, 1440),))),
    ("Mo-Su 07:00-23:00", week(((420, 1380),))),
    ("Mo-Fr 09:00-17:30", week(((540, 1050),), WEEKDAYS[:5])),
    ("Mo,We,Fr 09:00-12:00", week(((540, 720),), ("mo", "we", "fr"))),
    ("Sa-Mo 10:00-16:00", week(((600, 960),), ("sa", "su", "mo"))),
    ("Mo-Fr,Su 08:00-09:00", week(((480, 540),), ("mo", "tu", "we", "th", "fr", "su"))),
    ("Tu 09:00-12:00,13:00-17:00", {"tu": ((540, 720), (780, 1020))}),
    ("10:00-18:00", week(((600, 1080),))),
    ("Fr 18:00-26:00", {"fr": ((1080, 1560),)}),
    ("mo-fr 9:00-17:00", week(((540, 1020),), WEEKDAYS[:5])),
    ("  Mo - We , Fr  09:00 - 12:00 , 13:00-17:00 ;; Sa 10:00-12:00 ; ",
     {**week(((540, 720), (780, 1020)), ("mo", "tu", "we", "fr")), "sa": ((600, 720),)}),
])
def test_osm_common_forms_are_read(text, days):
    hours = parse_osm(text)
    assert hours.days == days
    assert hours.public_holidays == "as_usual"


@pytest.mark.parametrize("text", ["", "   ", ";"])
def test_osm_empty_text_is_closed_every_day(text):
    assert parse_osm(text) == EMPTY


@pytest.mark.parametrize("text", ["Mo-Fr 09:00-17:00; PH off", "Mo-Fr 09:00-17:00; PH closed"])
def test_osm_ph_off_closes_on_public_holidays(text):
    hours = parse_osm(text)
    assert hours.public_holidays == "closed"
    assert hours.days == week(((540, 1020),), WEEKDAYS[:5])


def test_osm_later_rule_replaces_earlier_for_the_same_days():
    hours = parse_osm("Mo-Sa 09:00-12:00,13:00-18:00; Sa 10:00-14:00; We off")
    assert hours.days == {**week(((540, 720), (780, 1080)), ("mo", "tu", "th", "fr")),
                          "sa": ((600, 840),)}


def test_osm_days_closed_together_with_public_holidays():
    hours = parse_osm("Mo-Su 08:00-20:00; Su,PH off")
    assert "su" not in hours.days
    assert hours.public_holidays == "closed"


def test_osm_24_7_with_exceptions():
    hours = parse_osm("24/7; Su closed; PH off")
    assert hours.days == week(((0, 1440),), WEEKDAYS[:6])
    assert hours.public_holidays == "closed"


@pytest.mark.parametrize(("text", "part"), [
    ("Jan-Mar 10:00-12:00", "Jan-Mar 10:00-12:00"),
    ("Mo-Fr 10:00-12:00; Jan off", "Jan off"),
    ("week 1-10 Mo 10:00-12:00", "week 1-10 Mo 10:00-12:00"),
    ("Mo-Fr sunrise-sunset", "Mo-Fr sunrise-sunset"),
    ("Mo-Fr 10:00+", "Mo-Fr 10:00+"),
    ('Mo-Fr 10:00-12:00 "ring the bell"', 'Mo-Fr 10:00-12:00 "ring the bell"'),
    ("Mo-Fr 09:00-17:00; SH off", "SH off"),
    ("Mo-Fr", "Mo-Fr"),
    ("open", "open"),
    ("Mo-Fr 10:00-12:00 || Sa 10:00-12:00", "Mo-Fr 10:00-12:00 || Sa 10:00-12:00"),
    ("Mo 10:00-12:00, We 14:00-16:00", "Mo 10:00-12:00, We 14:00-16:00"),
    ("Mo-Fr-Sa 10:00-12:00", "Mo-Fr-Sa 10:00-12:00"),
    ("PH-Mo off", "PH-Mo off"),
    ("Mo[1] 10:00-12:00", "Mo[1] 10:00-12:00"),
])
def test_osm_forms_we_do_not_support_are_refused_naming_the_part(text, part):
    with raises_hours_error(f"we cannot read this part of the opening hours: '{part}'"):
        parse_osm(text)


def test_osm_special_hours_on_public_holidays_are_refused_with_a_hint():
    with raises_hours_error("we cannot read this part of the opening hours: 'PH 10:00-14:00'; "
                            "public holidays can only be marked closed (PH off)"):
        parse_osm("Mo-Fr 09:00-17:00; PH 10:00-14:00")


@pytest.mark.parametrize(("text", "message"), [
    ("Mo 22:00-02:00", "closes before it opens (22:00-02:00); for 2 am the next day write 26:00"),
    ("Mo-Su 25:00-26:00", "25:00 is too late to open"),
    ("Mo 12:60-13:00", "'12:60' is not a time"),
    ("Mo 09:00-13:00,12:00-17:00", "times overlap on Monday: 09:00-13:00 and 12:00-17:00"),
    ("Fr 18:00-26:00; Sa 01:00-05:00", "times overlap on Friday and Saturday"),
])
def test_osm_bad_times_are_refused_not_wrapped(text, message):
    with raises_hours_error(message):
        parse_osm(text)


@pytest.mark.parametrize(("text", "written"), [
    ("", ""),
    ("24/7", "24/7"),
    ("Mo-Su 00:00-24:00; PH off", "24/7; PH off"),
    ("PH off", "PH off"),
    ("Mo-Su 07:00-23:00", "Mo-Su 07:00-23:00"),
    ("Mo-Fr 09:00-17:30; Sa 10:00-16:00", "Mo-Fr 09:00-17:30; Sa 10:00-16:00"),
    ("Mo,We 09:00-12:00", "Mo,We 09:00-12:00"),
    ("Sa,Su 10:00-16:00", "Sa,Su 10:00-16:00"),
    ("Mo,Sa,Su 10:00-16:00; Tu-Fr 09:00-17:00", "Tu-Fr 09:00-17:00; Sa-Mo 10:00-16:00"),
    ("Mo-Fr 09:00-12:00,13:00-17:00; Su,PH off", "Mo-Fr 09:00-12:00,13:00-17:00; PH off"),
    ("Tu,Th,Sa 18:00-26:00", "Tu,Th,Sa 18:00-26:00"),
    ("Mo-We,Fr 09:00-17:00", "Mo-We,Fr 09:00-17:00"),
])
def test_osm_is_written_in_the_shortest_common_form(text, written):
    assert to_osm(parse_osm(text)) == written


def _random_day(rng: random.Random) -> tuple[tuple[int, int], ...]:
    if rng.random() < 0.1:
        return ((0, 1440),)
    points = sorted(rng.sample(range(0, 2881, rng.choice([15, 30, 60])), 2 * rng.randint(1, 3)))
    intervals = [[points[i], points[i + 1]] for i in range(0, len(points), 2)]
    if len(intervals) > 1 and rng.random() < 0.3:
        intervals[1][0] = intervals[0][1]  # touching
    return tuple((start, end) for start, end in intervals if start < 1440)


def _random_hours(rng: random.Random) -> OpeningHours | None:
    """Random hours, some days sharing a pattern; None when they happen to overlap."""
    shared = _random_day(rng)
    days = {day: rng.choice([shared, shared, (), _random_day(rng)]) for day in WEEKDAYS}
    try:
        return OpeningHours(days=days, public_holidays=rng.choice(["as_usual", "closed"]))
    except HoursError:
        return None


def _many_random_hours(count: int) -> list[OpeningHours]:
    rng = random.Random(20260329)
    found = [EMPTY, parse_osm("24/7"), parse_osm("24/7; PH off")]
    while len(found) < count:
        found += [hours for hours in [_random_hours(rng)] if hours is not None]
    return found


RANDOM_HOURS = _many_random_hours(600)


def test_every_valid_week_survives_osm_form_and_json_round_trips():
    for hours in RANDOM_HOURS:
        written = to_osm(hours)
        assert parse_osm(written) == hours, written
        assert from_form(to_form(hours), hours.public_holidays) == hours
        assert from_json(to_json(hours)) == hours


def test_random_weeks_cover_the_interesting_shapes():
    texts = [to_osm(hours) for hours in RANDOM_HOURS]
    assert any(re.search(r"\b(Mo|Tu|We|Th|Fr|Sa)-Mo\b", text) for text in texts)  # wrapping
    assert any(re.search(r"-(2[5-9]|[34]\d):", text) for text in texts)  # past midnight
    assert any(re.search(r"-(\d\d:\d\d),\1-", text) for text in texts)  # touching
    assert any("PH off" in text for text in texts)


# --- Is it open at this moment? --------------------------------------------------------------

def test_naive_datetime_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        is_open_at(OFFICE, datetime(2026, 6, 1, 12, 0))


def test_office_is_open_on_a_weekday_afternoon_and_closed_at_weekends():
    assert is_open_at(OFFICE, london(2026, 6, 3, 14, 0))  # Wednesday
    assert not is_open_at(OFFICE, london(2026, 6, 6, 14, 0))  # Saturday


def test_opening_minute_is_open_and_closing_minute_is_closed():
    assert not is_open_at(OFFICE, london(2026, 6, 3, 8, 59, 59))
    assert is_open_at(OFFICE, london(2026, 6, 3, 9, 0))
    assert is_open_at(OFFICE, london(2026, 6, 3, 17, 29, 59))
    assert not is_open_at(OFFICE, london(2026, 6, 3, 17, 30))


def test_gap_between_intervals_is_closed():
    hours = parse_osm("Mo 09:00-12:30,13:30-17:30")
    assert not is_open_at(hours, london(2026, 6, 1, 13, 0))
    assert is_open_at(hours, london(2026, 6, 1, 13, 30))


def test_shop_open_past_midnight_is_open_at_1am_next_day():
    assert is_open_at(LATE_BAR, london(2026, 6, 6, 1, 0))  # Saturday 1 am
    assert is_open_at(LATE_BAR, london(2026, 6, 5, 23, 59))  # Friday night


def test_shop_open_past_midnight_closes_at_the_extended_time():
    assert not is_open_at(LATE_BAR, london(2026, 6, 6, 2, 0))
    assert not is_open_at(LATE_BAR, london(2026, 6, 5, 1, 0))  # Friday 1 am: Thursday was shut


def test_sunday_night_spills_into_monday_across_the_week_boundary():
    assert is_open_at(SUNDAY_LATE, london(2026, 6, 8, 1, 30))  # Monday 1:30 am


def test_utc_input_is_converted_to_london_time():
    summer_9_30_am = utc(2026, 7, 1, 8, 30)  # 09:30 BST on a Wednesday
    assert is_open_at(OFFICE, summer_9_30_am)
    assert not is_open_at(OFFICE, utc(2026, 7, 1, 16, 45))  # 17:45 BST
    assert is_open_at(OFFICE, utc(2026, 1, 7, 17, 15))  # 17:15 GMT in winter


def test_other_offsets_are_converted_too():
    new_york = timezone(timedelta(hours=-4))
    assert is_open_at(OFFICE, datetime(2026, 7, 1, 12, 0, tzinfo=new_york))  # 17:00 BST
    assert not is_open_at(OFFICE, datetime(2026, 7, 1, 13, 0, tzinfo=new_york))  # 18:00 BST


def test_clocks_going_forward_follow_london_wall_clock():
    sunday = parse_osm("Su 09:00-17:00; Sa 20:00-26:00")
    assert is_open_at(sunday, utc(2026, 3, 29, 0, 30))  # 00:30 GMT, Saturday's late night
    assert not is_open_at(sunday, utc(2026, 3, 29, 1, 30))  # 02:30 BST: the hour was skipped
    assert is_open_at(sunday, utc(2026, 3, 29, 8, 30))  # 09:30 BST
    assert not is_open_at(sunday, utc(2026, 3, 22, 8, 30))  # a week earlier: 08:30 GMT


def test_clocks_going_back_follow_london_wall_clock():
    sunday = parse_osm("Su 09:00-17:00; Sa 20:00-26:00")
    assert is_open_at(sunday, utc(2026, 10, 25, 0, 30))  # 01:30 BST
    assert is_open_at(sunday, utc(2026, 10, 25, 1, 30))  # 01:30 GMT, the repeated hour
    assert not is_open_at(sunday, utc(2026, 10, 25, 2, 0))  # 02:00 GMT
    assert is_open_at(sunday, utc(2026, 10, 25, 16, 30))  # 16:30 GMT
    assert not is_open_at(sunday, utc(2026, 10, 18, 16, 30))  # a week earlier: 17:30 BST


@pytest.mark.parametrize("holiday", [
    london(2026, 12, 25, 12, 0),  # Christmas Day, a Friday
    london(2026, 4, 6, 12, 0),  # Easter Monday
    london(2026, 12, 28, 12, 0),  # Boxing Day (observed), a Monday
])
def test_closed_on_bank_holidays_only_when_ph_off(holiday):
    assert not is_open_at(OFFICE_PH_OFF, holiday)
    assert is_open_at(OFFICE, holiday)
    assert is_open_at(OFFICE_PH_OFF, holiday - timedelta(days=7))  # same weekday, no holiday


def test_late_night_before_a_bank_holiday_still_belongs_to_the_ordinary_day():
    easter_monday_1am = london(2026, 4, 6, 1, 0)  # Easter Sunday is not a bank holiday
    assert is_open_at(SUNDAY_LATE, easter_monday_1am)
    assert not is_open_at(SUNDAY_LATE, london(2026, 4, 6, 10, 0))


def test_late_night_after_a_bank_holiday_is_closed_with_it():
    good_friday_late = parse_osm("Fr 18:00-26:00; PH off")
    assert not is_open_at(good_friday_late, london(2026, 4, 4, 1, 0))  # after Good Friday
    assert is_open_at(parse_osm("Fr 18:00-26:00"), london(2026, 4, 4, 1, 0))
    assert is_open_at(good_friday_late, london(2026, 4, 11, 1, 0))  # a week later


def test_bank_holidays_follow_the_region():
    second_of_january = london(2026, 1, 2, 12, 0)  # a Friday; a bank holiday only in Scotland
    assert is_open_at(OFFICE_PH_OFF, second_of_january)
    assert is_open_at(OFFICE_PH_OFF, second_of_january, region="ENG")
    assert not is_open_at(OFFICE_PH_OFF, second_of_january, region="SCT")


def test_unknown_region_is_refused():
    with pytest.raises(ValueError, match="unknown UK region 'XX'"):
        is_open_at(OFFICE_PH_OFF, london(2026, 1, 2, 12, 0), region="XX")


# --- Open for a whole window? ----------------------------------------------------------------

def test_open_throughout_a_window_inside_one_interval():
    assert open_throughout(parse_osm("Mo 09:00-18:00"), "mo", "15:00", "18:00")


def test_not_open_throughout_when_closing_early_or_opening_late():
    hours = parse_osm("Mo 09:00-17:30; Tu 15:30-20:00")
    assert not open_throughout(hours, "mo", "15:00", "18:00")
    assert not open_throughout(hours, "tu", "15:00", "18:00")


def test_not_open_throughout_a_window_with_a_gap():
    hours = parse_osm("Mo 09:00-16:00,16:30-20:00")
    assert not open_throughout(hours, "mo", "15:00", "18:00")


def test_touching_intervals_cover_a_window():
    hours = parse_osm("Mo 09:00-16:00,16:00-17:00,17:00-19:00")
    assert open_throughout(hours, "mo", "15:00", "18:00")


def test_closed_day_is_not_open_throughout():
    assert not open_throughout(OFFICE, "sa", "15:00", "18:00")


def test_previous_nights_hours_cover_an_early_window():
    assert open_throughout(LATE_BAR, "sa", "00:00", "02:00")
    assert not open_throughout(LATE_BAR, "sa", "00:00", "02:01")
    assert open_throughout(parse_osm("Su 22:00-28:00"), "mo", "1:00", "4:00")


def test_window_past_midnight_is_covered_by_the_next_days_hours():
    hours = parse_osm("Fr 18:00-24:00; Sa 00:00-03:00")
    assert open_throughout(hours, "fr", "22:00", "26:00")
    assert not open_throughout(hours, "fr", "22:00", "27:30")


def test_open_throughout_refuses_unknown_day_and_bad_window():
    with raises_hours_error("unknown day 'monday'"):
        open_throughout(OFFICE, "monday", "15:00", "18:00")
    with raises_hours_error("closes before it opens (18:00-15:00)"):
        open_throughout(OFFICE, "mo", "18:00", "15:00")
    with raises_hours_error("we could not read the time '3pm'"):
        open_throughout(OFFICE, "mo", "3pm", "18:00")


# --- Showing them ----------------------------------------------------------------------------

def test_describe_reads_every_day_in_order_for_a_child():
    hours = parse_osm("Mo 09:00-17:30; Tu 09:00-12:30,13:30-17:30; We 00:00-24:00; "
                      "Th 00:00-06:00,18:00-24:00; Fr 18:00-26:00; Sa 03:00-06:00,07:00-48:00")
    assert describe(hours) == [
        ("Monday", "9:00 to 17:30"),
        ("Tuesday", "9:00 to 12:30, 13:30 to 17:30"),
        ("Wednesday", "Open all day"),
        ("Thursday", "midnight to 6:00, 18:00 to midnight"),
        ("Friday", "18:00 to 2:00 (next day)"),
        ("Saturday", "3:00 to 6:00, 7:00 to midnight (end of the next day)"),
        ("Sunday", "Closed"),
    ]


def test_describe_empty_hours_is_closed_all_week():
    assert describe(EMPTY) == [(DAY_NAMES[day], "Closed") for day in WEEKDAYS]


@pytest.mark.parametrize(("osm", "printed"), [
    ("Mo-Fr 07:00-22:00; Sa 08:00-20:00; PH off",
     "Mon-Fri 7:00-22:00; Sat 8:00-20:00; Sun closed; closed on bank holidays"),
    ("Mo-Su 06:00-26:00", "Every day 6:00-2:00 (next day)"),
    ("Mo,We 09:00-12:00,13:00-17:00", "Mon,Wed 9:00-12:00, 13:00-17:00; Tue,Thu-Sun closed"),
    ("Mo-Su 00:00-24:00", "Every day all day"),
])
def test_short_text_for_print_names_every_day(osm, printed):
    assert short_text(parse_osm(osm)) == printed


def test_short_text_says_when_hours_are_unknown():
    assert short_text(OpeningHours(days={})) == "Hours not known"


def test_stored_json_text_reads_as_from_json_and_each_text_once():
    stored = json.dumps(to_json(SUNDAY_LATE))
    assert from_json_text(stored) == from_json(json.loads(stored)) == SUNDAY_LATE
    assert from_json_text(stored) is from_json_text(stored)  # parsed once, then remembered
    assert from_json_text(None) == from_json_text("{}") == EMPTY
    with raises_hours_error("stored times for Monday"):
        from_json_text('{"mo": "9 to 5"}')

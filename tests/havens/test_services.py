"""Registry services on real PostGIS: locating, duplicates, visits, due list, lapsing, nearest."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.audit.models import AuditEvent
from core.errors import Forbidden, InvalidInput
from core.geo import transformer
from havens import finder, services, upkeep
from havens.models import Haven, HavenVisit
from havens.presenting import PUBLIC
from havens.views import present
from tests.factories import add_borough, add_user
from tests.havens.conftest import make_haven

pytestmark = pytest.mark.usefixtures("app_ctx")


def _offset(metres_east: float, metres_north: float = 0.0) -> tuple[float, float]:
    easting, northing = transformer(4326, 27700).transform(0.0, 51.45)
    return transformer(27700, 4326).transform(easting + metres_east, northing + metres_north)


def test_a_new_haven_is_a_prospect_in_the_borough_under_it(db_session, worker, borough_id):
    haven = make_haven(db_session, worker)
    assert (haven.status, haven.borough_id, haven.created_by_id) == ("prospect", borough_id,
                                                                     worker.id)
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "haven.create"))
    assert event.object_id == str(haven.id) and event.user_id == worker.id


def test_a_place_outside_every_borough_is_refused(db_session, worker):
    with pytest.raises(InvalidInput, match="outside every borough"):
        make_haven(db_session, worker, lon=-1.5, lat=53.0)


def test_similar_name_within_30_m_is_a_possible_duplicate(db_session, worker):
    make_haven(db_session, worker, name="Corner Shop")
    lon, lat = _offset(12)
    with pytest.raises(services.PossibleDuplicate, match="Corner Shop"):
        services.create(db_session=db_session, actor=worker, data={
            "name": "The Corner Shop Ltd", "business_type": "shop", "lon": lon, "lat": lat})
    db_session.rollback()
    assert db_session.scalar(select(func.count()).select_from(Haven)) == 1


@pytest.mark.parametrize(("name", "metres"), [("Corner Shop", 45), ("Station Pharmacy", 10)])
def test_far_enough_or_differently_named_is_not_a_duplicate(db_session, worker, name, metres):
    make_haven(db_session, worker, name="Corner Shop")
    lon, lat = _offset(metres)
    services.create(db_session=db_session, actor=worker, data={
        "name": name, "business_type": "shop", "lon": lon, "lat": lat})
    assert db_session.scalar(select(func.count()).select_from(Haven)) == 2


def test_similar_names(db_session):
    assert services.similar_names("Costcutter", "COSTCUTTER Ltd")
    assert services.similar_names("Patel's News & Food", "Patels News and Food")
    assert not services.similar_names("Greggs", "Boots")


def test_a_scoped_worker_cannot_touch_another_boroughs_haven(db_session, worker):
    add_borough(db_session, code="E09000998", name="Otherham", bounds=(0.02, 51.44, 0.05, 51.46))
    elsewhere = add_user(db_session, "worker", "other@example.org", borough_code="E09000998")
    haven = make_haven(db_session, worker)
    with pytest.raises(Forbidden):
        services.update(db_session=db_session, haven_id=haven.id, data={"name": "X"},
                        actor=elsewhere)
    with pytest.raises(Forbidden):
        make_haven(db_session, elsewhere, name="New")


def test_moving_a_haven_re_derives_its_borough_and_is_audited(db_session, worker):
    other = add_borough(db_session, code="E09000998", name="Otherham",
                        bounds=(0.02, 51.44, 0.05, 51.46))
    haven = make_haven(db_session, worker, phone="020 7946 0000")
    services.update(db_session=db_session, haven_id=haven.id, actor=worker,
                    data={"lon": 0.03, "lat": 51.45, "phone": "020 7946 0999"})
    assert haven.borough_id == other
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "haven.update"))
    assert event.detail["changed"]["location"] == "moved"
    assert event.detail["changed"]["phone"] == "(private)"


def test_signing_up_then_re_verifying_moves_status_and_dates(db_session, worker):
    haven = make_haven(db_session, worker, signed_up_on=date(2025, 3, 10))
    assert (haven.status, haven.joined_on) == ("active", date(2025, 3, 10))
    assert haven.next_visit_due == date(2026, 3, 10)
    services.log_visit(db_session=db_session, haven_id=haven.id, actor=worker,
                       data={"outcome": "re_verified", "visited_on": date(2026, 3, 1)})
    assert (haven.last_verified_on, haven.next_visit_due) == (date(2026, 3, 1), date(2027, 3, 1))
    assert [v.outcome for v in haven.visits] == ["re_verified", "signed_up"]


def test_a_back_dated_visit_does_not_move_dates_backwards(db_session, worker):
    haven = make_haven(db_session, worker, signed_up_on=date(2026, 3, 10))
    services.log_visit(db_session=db_session, haven_id=haven.id, actor=worker,
                       data={"outcome": "staff_briefed", "visited_on": date(2026, 1, 1),
                             "staff_briefed_count": 3})
    assert haven.last_verified_on == date(2026, 3, 10)
    assert (haven.staff_briefed_on, haven.staff_briefed_count) == (date(2026, 1, 1), 3)


def test_a_refused_visit_stores_nothing(db_session, worker):
    haven = make_haven(db_session, worker)
    with pytest.raises(InvalidInput):
        services.log_visit(db_session=db_session, haven_id=haven.id, actor=worker,
                           data={"outcome": "re_verified"})
    db_session.rollback()
    assert db_session.scalar(select(func.count()).select_from(HavenVisit)) == 0


def test_status_change_rules_and_reason(db_session, worker):
    haven = make_haven(db_session, worker)
    with pytest.raises(InvalidInput, match="cannot become lapsed"):
        services.change_status(db_session=db_session, haven_id=haven.id, status="lapsed",
                               reason=None, actor=worker)
    with pytest.raises(InvalidInput, match="Say why"):
        services.change_status(db_session=db_session, haven_id=haven.id, status="withdrawn",
                               reason=None, actor=worker)
    services.change_status(db_session=db_session, haven_id=haven.id, status="active",
                           reason="Signed up on paper", actor=worker)
    assert haven.status == "active" and haven.next_visit_due is not None


def test_lapse_job_lapses_only_havens_overdue_beyond_the_grace_period(db_session, worker):
    today = services.today()
    long_overdue = make_haven(db_session, worker, name="A", signed_up_on=today - timedelta(
        days=365 + 100))
    just_overdue = make_haven(db_session, worker, name="B", lon=0.005,
                              signed_up_on=today - timedelta(days=365 + 30))
    lapsed = upkeep.lapse_overdue(db_session=db_session)
    db_session.expire_all()
    assert [row.id for row in lapsed] == [long_overdue.id]
    assert (long_overdue.status, just_overdue.status) == ("lapsed", "active")
    assert upkeep.lapse_overdue(db_session=db_session) == []


def test_due_list_by_ward_or_nearest_first(db_session, worker):
    today = services.today()
    near = make_haven(db_session, worker, name="Near", lon=_offset(100)[0],
                      signed_up_on=today - timedelta(days=360))
    far = make_haven(db_session, worker, name="Far", lon=_offset(800)[0],
                     signed_up_on=today - timedelta(days=400))
    make_haven(db_session, worker, name="Not due", lon=_offset(300)[0],
               signed_up_on=today - timedelta(days=10))
    by_ward = upkeep.due_list(db_session=db_session, borough_id=None)
    assert [item.haven.name for item in by_ward] == ["Far", "Near"]  # most overdue first
    assert by_ward[0].overdue and not by_ward[1].overdue
    nearest_first = upkeep.due_list(db_session=db_session, borough_id=None, near=(0.0, 51.45))
    assert [item.haven.id for item in nearest_first] == [near.id, far.id]
    assert nearest_first[0].distance_m == pytest.approx(100, abs=2)


def test_nearest_orders_by_true_distance_and_says_open_or_closed(db_session, worker):
    signed = services.today() - timedelta(days=5)
    north = make_haven(db_session, worker, name="North", lon=_offset(0, 300)[0],
                       lat=_offset(0, 300)[1], opening="Mo-Fr 09:00-17:00", signed_up_on=signed)
    east = make_haven(db_session, worker, name="East", lon=_offset(250)[0], lat=_offset(250)[1],
                      opening="Mo-Su 00:00-24:00", signed_up_on=signed)
    make_haven(db_session, worker, name="Prospect", lon=_offset(50)[0])
    monday_evening = datetime(2026, 11, 23, 19, 0)
    found = finder.nearest(db_session=db_session, lon=0.0, lat=51.45, at=monday_evening)
    assert [f.haven.id for f in found] == [east.id, north.id]
    assert [round(f.distance_m) for f in found] == [250, 300]
    assert [f.open_now for f in found] == [True, False]
    open_only = finder.nearest(db_session=db_session, lon=0.0, lat=51.45, at=monday_evening,
                               open_only=True)
    assert [f.haven.id for f in open_only] == [east.id]


@pytest.mark.parametrize("open_only", [False, True])
def test_the_public_finder_answers_as_nearest_shown_publicly(db_session, worker, open_only):
    signed = services.today() - timedelta(days=5)
    for k, opening in enumerate(["Mo-Fr 09:00-17:00", "Mo-Su 00:00-24:00", "Sa 10:00-16:00",
                                 "Mo-Fr 18:00-26:00; PH off", "Mo-Su 00:00-24:00"]):
        lon, lat = _offset(80 * k + 40, 30 * k)
        make_haven(db_session, worker, name=f"Haven {k}", lon=lon, lat=lat, opening=opening,
                   signed_up_on=signed, phone="020 7946 0000")
    make_haven(db_session, worker, name="Prospect", lon=_offset(10)[0])
    for at in (datetime(2026, 11, 23, 19, 0), datetime(2026, 12, 25, 10, 0)):
        found = finder.nearest(db_session=db_session, lon=0.0, lat=51.45, limit=3, at=at,
                               open_only=open_only)
        expected = present(db_session, [f.haven for f in found], None, finder.local_time(at))
        for view, item in zip(expected, found, strict=True):
            view["distance_m"] = round(item.distance_m)
        assert finder.nearest_public(db_session=db_session, lon=0.0, lat=51.45, limit=3,
                                     at=at, open_only=open_only) == expected
        assert list(expected[0]) == [*PUBLIC, "lon", "lat", "borough", "opening_hours",
                                     "open_now", "distance_m"]


def test_local_time_treats_naive_times_as_london_time():
    naive = finder.local_time(datetime(2026, 7, 6, 9, 30))
    aware = finder.local_time(datetime.fromisoformat("2026-07-06T08:30:00+00:00"))
    assert naive == aware and naive.utcoffset() == timedelta(hours=1)

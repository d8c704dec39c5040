"""What each school's printed map shows, read from the database, and its fingerprint."""

from datetime import date

import pytest

from havens import hours
from mapping import haven_maps
from mapping.haven_map_pdf import haven_map_pdf
from tests.mapping.haven_maps import pdftools
from tests.mapping.haven_maps.conftest import ALDER, BIRCH, add_haven

TODAY = date(2026, 12, 4)
BASE = "https://havens.example.org"


def alder_map(db_session, **extra):
    return haven_maps.school_map(db_session=db_session, urn=ALDER, base_url=BASE, today=TODAY,
                                 **extra)


def test_only_active_havens_within_the_radius_are_listed_nearest_first(app_ctx, db_session,
                                                                        schools):
    add_haven(db_session, schools, "Near Newsagent", 200, 0)
    add_haven(db_session, schools, "Further Pharmacy", 0, 600)
    add_haven(db_session, schools, "Not Yet Bakery", 100, 0, status="prospect")
    add_haven(db_session, schools, "Lapsed Launderette", 150, 0, status="lapsed")
    add_haven(db_session, schools, "Withdrawn Wines", 0, 300, status="withdrawn")
    add_haven(db_session, schools, "Outside Off-Licence", 1200, 0)
    content = alder_map(db_session).content
    assert [(h.number, h.name) for h in content.havens] == [(1, "Near Newsagent"),
                                                             (2, "Further Pharmacy")]
    assert [h.distance_m for h in content.havens] == [200, 600]
    assert not content.beyond_radius
    assert content.finder_url == f"{BASE}/havens/?school={ALDER}"
    assert content.havens[0].hours == "Mon-Fri 8:00-18:30; Sat 9:00-17:00; Sun closed"
    assert content.havens[0].after_school == "every school day"
    assert content.havens[0].address == "1 High Street, SE13 6PH"


def test_the_printed_map_never_shows_private_or_inactive_details(app_ctx, db_session, schools,
                                                                 tmp_path):
    add_haven(db_session, schools, "Open Shop", 200, 0, contact_name="Priya Private",
              phone="020 8123 4567", email="priya@shop.example", notes="Key under the mat")
    add_haven(db_session, schools, "Lapsed Launderette", 150, 0, status="lapsed")
    add_haven(db_session, schools, "Not Yet Bakery", 100, 0, status="prospect")
    add_haven(db_session, schools, "Withdrawn Wines", 0, 300, status="withdrawn")
    pdf = pdftools.save(tmp_path, haven_map_pdf(alder_map(db_session).content))
    words = pdftools.flat(pdftools.text(pdf))
    assert "Open Shop" in words
    for secret in ("Priya", "8123", "priya@", "Key under", "Lapsed", "Bakery", "Withdrawn"):
        assert secret not in words


def test_after_school_is_every_school_day_some_days_or_not_at_all(app_ctx, db_session, schools):
    mornings = hours.to_json(hours.parse_osm("Mo-Fr 07:00-12:00"))
    some = hours.to_json(hours.parse_osm("Mo,We 09:00-19:00; Tu,Th,Fr 09:00-17:00"))
    add_haven(db_session, schools, "All Week", 100, 0)
    add_haven(db_session, schools, "Mornings", 200, 0, opening_hours=mornings)
    add_haven(db_session, schools, "Some Days", 300, 0, opening_hours=some)
    after = {h.name: h.after_school for h in alder_map(db_session).content.havens}
    assert after == {"All Week": "every school day", "Mornings": "", "Some Days": "Mon, Wed only"}


def test_no_haven_in_range_lists_the_three_nearest_beyond_it(app_ctx, db_session, schools):
    for n, dx in enumerate((1300, 1500, 1700, 1900), 1):
        add_haven(db_session, schools, f"Far Shop {n}", dx, 200)
    content = alder_map(db_session).content
    assert content.beyond_radius
    assert [h.name for h in content.havens] == ["Far Shop 1", "Far Shop 2", "Far Shop 3"]


def test_a_school_can_have_its_own_radius(app_ctx, db_session, schools):
    add_haven(db_session, schools, "Close", 300, 0)
    add_haven(db_session, schools, "Seven Hundred", 700, 0)
    assert len(alder_map(db_session).content.havens) == 2
    alder = haven_maps.school_or_raise(db_session=db_session, urn=ALDER)
    haven_maps.set_radius(db_session=db_session, school=alder, radius_m=500)
    content = alder_map(db_session).content
    assert content.radius_m == 500 and [h.name for h in content.havens] == ["Close"]
    haven_maps.set_radius(db_session=db_session, school=alder, radius_m=None)
    assert alder_map(db_session).content.radius_m == 1000


def test_fingerprint_follows_what_the_map_says(app_ctx, db_session, schools):
    near = add_haven(db_session, schools, "Near Shop", 200, 0)
    far = add_haven(db_session, schools, "Far Away", 2500, 0)
    first = alder_map(db_session).content.fingerprint
    assert alder_map(db_session).content.fingerprint == first  # stable
    near.phone, far.name = "020 7000 0000", "Renamed Far Away"
    db_session.commit()
    assert alder_map(db_session).content.fingerprint == first  # private field, other school
    near.name = "Near Shop & Post Office"
    db_session.commit()
    renamed = alder_map(db_session).content.fingerprint
    assert renamed != first
    near.opening_hours = hours.to_json(hours.parse_osm("Mo-Su 06:00-23:00"))
    db_session.commit()
    assert alder_map(db_session).content.fingerprint != renamed
    near.status = "lapsed"
    db_session.commit()
    lapsed = alder_map(db_session).content
    assert lapsed.beyond_radius and [h.name for h in lapsed.havens] == ["Renamed Far Away"]


def test_the_print_date_does_not_change_the_fingerprint(app_ctx, db_session, schools):
    add_haven(db_session, schools, "Near Shop", 200, 0)
    today = alder_map(db_session).content
    later = haven_maps.school_map(db_session=db_session, urn=ALDER, base_url=BASE,
                                  today=date(2027, 3, 1)).content
    assert today.fingerprint == later.fingerprint and today.printed_on != later.printed_on


def test_a_closed_or_unknown_school_has_no_map(app_ctx, db_session, schools):
    from core.errors import NotFound
    for urn in (100003, 999999):
        with pytest.raises(NotFound):
            haven_maps.school_map(db_session=db_session, urn=urn, base_url=BASE, today=TODAY)


def test_every_open_school_of_the_borough_gets_a_map(app_ctx, db_session, schools):
    maps = haven_maps.school_maps(db_session=db_session, base_url=BASE, today=TODAY,
                                  borough_id=schools)
    assert [m.content.urn for m in maps] == [ALDER, BIRCH]  # by name; the closed one left out
    assert all(m.changed for m in maps)
    haven_maps.record_exports(db_session=db_session, maps=maps[:1], at=haven_maps.datetime.now())
    again = haven_maps.school_maps(db_session=db_session, base_url=BASE, today=TODAY,
                                   borough_id=schools)
    assert [m.changed for m in again] == [False, True]

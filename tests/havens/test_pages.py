"""The haven pages through the test client: registering, the haven page, visits, status, the
due list, prospects, stickers and the public finder."""

import csv
import io
import re
import subprocess
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.geo import transformer
from havens import rules, services
from havens.models import Haven, HavenVisit
from tests.core.accounts.helpers import login, post_form
from tests.factories import add_borough, add_school, add_user
from tests.havens.conftest import HERE, make_haven

HOSTILE = "<img src=x onerror=alert(1)>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"
PRIVATE = {"contact_name": "Priya Privatename", "phone": "020 8123 4567",
           "email": "priya@corner.example", "notes": "Spare key under the mat"}
HTML = {"Accept": "text/html"}


def offset(metres_east: float, metres_north: float = 0.0) -> tuple[float, float]:
    """Lon/lat this many metres east and north of HERE."""
    easting, northing = transformer(4326, 27700).transform(*HERE)
    return transformer(27700, 4326).transform(easting + metres_east, northing + metres_north)


@pytest.fixture
def add_haven(app, db_session, worker):
    """Add a haven as the worker (inside an app context, released before any request)."""
    def add(name="Corner Shop", lon=HERE[0], lat=HERE[1], active=True, **extra):
        with app.app_context():
            return make_haven(db_session, worker, name=name, lon=lon, lat=lat,
                              signed_up_on=services.today() if active else None, **extra)
    return add


@pytest.fixture
def as_worker(client, worker):
    """The test client, logged in as the borough's worker."""
    assert login(client, "worker@example.org").status_code == 302
    return client


@pytest.fixture
def public(app, connection):
    """A second client that never logs in."""
    return app.test_client()


def form(**changes) -> dict:
    """A good registration form, with some fields changed."""
    data = {"name": "Kumar News", "business_type": "shop", "lat": "51.4505", "lon": "0.0012",
            "address": "12 High Street", "postcode": "SE13 6PH", "hours_mo": "09:00-17:30",
            "hours_tu": "", "hours_we": "", "hours_th": "", "hours_fr": "", "hours_sa": "",
            "hours_su": "", "hours_ph": "as_usual", "contact_name": "Mr Kumar",
            "phone": "020 8123 4567", "email": "kumar@news.example", "notes": ""}
    data.update(changes)
    return data


def count(db_session, model=Haven) -> int:
    return db_session.scalar(select(func.count()).select_from(model))


def text_of(response) -> str:
    return response.get_data(as_text=True)


def run(*args) -> str:
    return subprocess.run([str(a) for a in args], check=True, capture_output=True,
                          text=True).stdout


# --- Registering ---------------------------------------------------------------------------

def test_registering_a_business_stores_a_prospect_and_shows_its_page(as_worker, db_session):
    response = post_form(as_worker, "/havens/new", form())
    haven = db_session.scalar(select(Haven))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/havens/{haven.id}")
    assert (haven.name, haven.status, haven.phone, haven.postcode) == (
        "Kumar News", "prospect", "020 8123 4567", "SE13 6PH")
    assert haven.opening_hours["mo"] == [["09:00", "17:30"]]
    page = text_of(as_worker.get(f"/havens/{haven.id}"))
    assert "Saved Kumar News." in page and "<h1>Kumar News</h1>" in page


def test_registering_with_signed_up_today_makes_an_active_haven(as_worker, db_session):
    response = post_form(as_worker, "/havens/new", form(signed_up_today="on"))
    assert response.status_code == 302
    haven = db_session.scalar(select(Haven))
    today = services.today()
    assert (haven.status, haven.joined_on, haven.next_visit_due) == (
        "active", today, rules.add_months(today, 12))


@pytest.mark.parametrize(("changes", "field", "message", "status"), [
    ({"name": ""}, "name", "Missing data for required field.", 422),
    ({"name": "N" * 500}, "name", "The name must be 1 to 200 characters long.", 422),
    ({"phone": "abc"}, "phone", "That is not a phone number", 422),
    ({"email": "x@"}, "email", "That is not an email address.", 422),
    ({"hours_mo": "22:00-02:00"}, "hours_mo", "closes before it opens", 422),
    ({"hours_tu": "09:00-13:00, 12:00-17:00"}, "hours_tu", "times overlap on Tuesday", 422),
    ({"lat": "53.0", "lon": "-1.5"}, "lat", "outside every borough we cover", 400),
    ({"lat": "0.0012", "lon": "51.4505"}, "lat", "Latitude and longitude look swapped.", 422),
], ids=["empty-name", "long-name", "phone", "email", "hours-past-midnight", "hours-overlap",
        "outside-borough", "swapped"])
def test_a_bad_registration_shows_the_error_at_the_field_keeps_the_input_and_stores_nothing(
        as_worker, db_session, changes, field, message, status):
    data = form(**changes)
    response = post_form(as_worker, "/havens/new", data)
    html = text_of(response)
    assert response.status_code == status
    error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html)
    assert error, f"no error next to {field}"
    assert message in error.group(1)
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', html)
    assert 'id="error-summary"' in html and f'href="#{field}"' in html
    for kept in ("name", "address", "phone", "hours_mo", "hours_tu"):
        if data[kept]:
            assert f'value="{data[kept]}"' in html, f"{kept} was not kept"
    assert count(db_session) == 0


def test_a_similar_name_10_m_away_asks_before_saving_a_duplicate(
        as_worker, db_session, add_haven):
    existing = add_haven("Corner Shop")
    lon, lat = offset(10)
    data = form(name="The Corner Shop Ltd", lon=f"{lon:.6f}", lat=f"{lat:.6f}")
    warned = post_form(as_worker, "/havens/new", data)
    html = text_of(warned)
    assert warned.status_code == 409
    assert 'id="duplicate-warning"' in html and "Possible duplicate" in html
    assert f'href="/havens/{existing.id}">Corner Shop</a>' in html
    assert re.search(r'<input type="checkbox" id="confirm_duplicate" name="confirm_duplicate"',
                     html)
    assert 'value="The Corner Shop Ltd"' in html
    assert count(db_session) == 1
    saved = post_form(as_worker, "/havens/new", {**data, "confirm_duplicate": "on"})
    assert saved.status_code == 302
    assert count(db_session) == 2


# --- Hostile names -------------------------------------------------------------------------

def test_a_hostile_name_is_shown_escaped_on_every_page(as_worker, public, db_session, app,
                                                       add_haven, borough_id):
    haven = add_haven(HOSTILE + "Shop")
    add_school(db_session, 100001, "Alder Primary School")
    db_session.commit()
    pages = {"haven page": as_worker.get(f"/havens/{haven.id}"),
             "manage": as_worker.get("/havens/manage"),
             "finder": public.get("/havens/?school=100001")}
    for where, response in pages.items():
        html = text_of(response)
        assert response.status_code == 200, where
        assert HOSTILE not in html, f"raw name on the {where}"
        assert ESCAPED in html, f"name missing on the {where}"


def test_the_due_csv_neutralises_formula_names(as_worker, db_session, add_haven):
    haven = add_haven('=HYPERLINK("http://evil.example","Click")')
    haven.next_visit_due = services.today() - timedelta(days=3)
    db_session.commit()
    response = as_worker.get("/havens/due.csv")
    rows = list(csv.DictReader(io.StringIO(text_of(response))))
    assert response.mimetype == "text/csv"
    assert [row["name"] for row in rows] == ["'=HYPERLINK(\"http://evil.example\",\"Click\")"]


# --- The haven page ------------------------------------------------------------------------

def test_the_public_sees_a_havens_details_but_never_its_contacts(public, add_haven):
    haven = add_haven("Kumar News", address="12 High Street", opening="Mo 09:00-17:30",
                      **PRIVATE)
    html = text_of(public.get(f"/havens/{haven.id}"))
    assert "<h1>Kumar News</h1>" in html and "12 High Street" in html
    assert "9:00 to 17:30" in html
    for value in PRIVATE.values():
        assert value not in html
    assert "Log a visit" not in html and "Visits" not in html


def test_its_worker_sees_contacts_visits_and_log_a_visit(as_worker, add_haven):
    haven = add_haven("Kumar News", address="12 High Street", **PRIVATE)
    html = text_of(as_worker.get(f"/havens/{haven.id}"))
    for value in PRIVATE.values():
        assert value in html
    visits = re.search(r'<h3 id="visits">Visits</h3>(.*?)</table>', html, re.S)
    assert visits and "Signed up" in visits.group(1) and "worker@example.org" in visits.group(1)
    assert f'href="/havens/{haven.id}/visit">Log a visit</a>' in html


def test_the_sticker_notice_is_for_a_logged_in_worker_only(as_worker, public, add_haven):
    haven = add_haven()
    notice = "You scanned this haven's sticker"
    assert notice in text_of(as_worker.get(f"/havens/{haven.id}?from=sticker"))
    assert notice not in text_of(as_worker.get(f"/havens/{haven.id}"))
    scanned = public.get(f"/havens/{haven.id}?from=sticker")
    assert scanned.status_code == 200 and notice not in text_of(scanned)


def test_a_prospects_page_is_not_found_for_the_public(as_worker, public, add_haven):
    prospect = add_haven("Not Yet Shop", active=False)
    assert public.get(f"/havens/{prospect.id}", headers=HTML).status_code == 404
    assert as_worker.get(f"/havens/{prospect.id}").status_code == 200


# --- Visits and status ---------------------------------------------------------------------

def test_logging_signed_up_makes_a_prospect_active_for_a_year(as_worker, db_session, add_haven):
    haven = add_haven(active=False)
    response = post_form(as_worker, f"/havens/{haven.id}/visit", {"outcome": "signed_up"})
    assert response.status_code == 302
    db_session.expire_all()
    today = services.today()
    assert (haven.status, haven.joined_on, haven.next_visit_due) == (
        "active", today, rules.add_months(today, 12))
    assert [v.outcome for v in haven.visits] == ["signed_up"]


def test_re_verifying_a_prospect_is_refused_at_the_outcome(as_worker, db_session, add_haven):
    haven = add_haven(active=False)
    response = post_form(as_worker, f"/havens/{haven.id}/visit", {"outcome": "re_verified"})
    html = text_of(response)
    assert response.status_code == 422
    outcome = re.search(r'<fieldset[^>]*id="outcome">(.*?)</fieldset>', html, re.S).group(1)
    assert "has not signed up yet" in outcome
    assert 'value="re_verified" checked' in outcome
    db_session.expire_all()
    assert haven.status == "prospect" and count(db_session, HavenVisit) == 0


def test_a_visit_in_the_future_is_refused(as_worker, db_session, add_haven):
    haven = add_haven(active=False)
    tomorrow = (services.today() + timedelta(days=2)).isoformat()
    response = post_form(as_worker, f"/havens/{haven.id}/visit",
                         {"outcome": "signed_up", "visited_on": tomorrow})
    assert response.status_code == 422
    assert "That date is in the future." in text_of(response)
    db_session.expire_all()
    assert haven.status == "prospect" and count(db_session, HavenVisit) == 0


def test_a_prospect_cannot_be_marked_lapsed_by_hand(as_worker, db_session, add_haven):
    haven = add_haven(active=False)
    response = post_form(as_worker, f"/havens/{haven.id}/status",
                         {"status": "lapsed", "reason": "Shut for a refit"})
    assert 400 <= response.status_code < 500
    assert "cannot become lapsed" in text_of(response)
    db_session.expire_all()
    assert haven.status == "prospect"


def test_the_status_form_works_with_the_reason_left_empty(as_worker, db_session, add_haven):
    haven = add_haven()
    # What a browser sends from the haven page's form when "Why" is left empty.
    response = post_form(as_worker, f"/havens/{haven.id}/status",
                         {"status": "lapsed", "reason": ""})
    assert response.status_code == 302
    db_session.expire_all()
    assert (haven.status, haven.status_reason) == ("lapsed", None)


def test_deleting_a_haven_removes_it(as_worker, db_session, add_haven):
    haven_id = add_haven().id
    response = post_form(as_worker, f"/havens/{haven_id}/delete", {})
    assert response.status_code == 302 and response.headers["Location"].endswith("/manage")
    db_session.expire_all()
    assert db_session.get(Haven, haven_id) is None
    assert as_worker.get(f"/havens/{haven_id}", headers=HTML).status_code == 404


# --- Due list and prospects ----------------------------------------------------------------

def test_the_due_list_shows_overdue_and_due_soon_havens_nearest_first_when_asked(
        as_worker, db_session, add_haven):
    today = services.today()
    overdue = add_haven("Overdue Offie", **PRIVATE)
    soon = add_haven("Soon Sweets", *offset(800, 400))
    later = add_haven("Later Launderette", *offset(-500))
    overdue.next_visit_due = today - timedelta(days=10)
    soon.next_visit_due = today + timedelta(days=10)
    later.next_visit_due = today + timedelta(days=200)
    db_session.commit()

    by_date = text_of(as_worker.get("/havens/due"))
    assert "Later Launderette" not in by_date and "10 days overdue" in by_date
    assert by_date.index("Overdue Offie") < by_date.index("Soon Sweets")
    lon, lat = offset(800, 400)
    nearest = text_of(as_worker.get(f"/havens/due?lat={lat}&lon={lon}"))
    assert nearest.index("Soon Sweets") < nearest.index("Overdue Offie")
    assert "Nearest to you first" in nearest and "0 m away" in nearest

    download = as_worker.get("/havens/due.csv")
    rows = list(csv.DictReader(io.StringIO(text_of(download))))
    assert "attachment" in download.headers["Content-Disposition"]
    assert {row["name"] for row in rows} == {"Overdue Offie", "Soon Sweets"}
    assert not {"contact_name", "phone", "email", "notes"} & set(rows[0])
    assert not any(value in text_of(download) for value in PRIVATE.values())


def test_prospects_page_lists_prospects_near_each_school_nearest_first(
        as_worker, db_session, add_haven):
    add_school(db_session, 100001, "Alder Primary School")
    add_haven("Far Florist", *offset(500), active=False)
    add_haven("Near Newsagent", *offset(100), active=False)
    add_haven("Already Active Cafe", *offset(50))
    add_haven("Too Far Tyres", *offset(0, 900), active=False)
    db_session.commit()
    html = text_of(as_worker.get("/havens/prospects"))
    assert "Alder Primary School" in html
    assert html.index("Near Newsagent") < html.index("Far Florist")
    assert re.search(r"Near Newsagent</a> · Shop · 10\d m", html)
    assert "Already Active Cafe" not in html and "Too Far Tyres" not in html


# --- Stickers ------------------------------------------------------------------------------

def test_the_a5_sticker_is_one_page_with_the_name_and_a_qr_code_to_the_page(
        as_worker, add_haven, tmp_path):
    haven = add_haven("Patel's Corner Shop")
    response = as_worker.get(f"/havens/{haven.id}/sticker.pdf?size=A5")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = tmp_path / "sticker.pdf"
    pdf.write_bytes(response.data)
    info = run("pdfinfo", pdf)
    assert re.search(r"^Pages:\s+1$", info, re.M)
    width, height = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", info, re.M).groups()
    assert (round(float(width)), round(float(height))) == (420, 595)  # A5 in points
    assert "Patel'sCornerShop" in "".join(run("pdftotext", pdf, "-").split())
    run("pdftoppm", "-r", "150", "-png", "-singlefile", pdf, tmp_path / "page")
    decoded = run("zbarimg", "--raw", "-q", tmp_path / "page.png").split()
    assert len(decoded) == 1
    assert decoded[0].endswith(f"/havens/{haven.id}?from=sticker")


def test_sticker_sizes_other_than_a5_and_a4_are_refused_and_the_public_gets_none(
        as_worker, public, add_haven):
    haven = add_haven()
    assert as_worker.get(f"/havens/{haven.id}/sticker.pdf?size=B2").status_code == 400
    anonymous = public.get(f"/havens/{haven.id}/sticker.pdf?size=A5", headers=HTML)
    assert anonymous.status_code in (302, 401)
    assert anonymous.mimetype != "application/pdf"
    if anonymous.status_code == 302:
        assert "/login" in anonymous.headers["Location"]


# --- The public finder ---------------------------------------------------------------------

def test_an_unknown_postcode_gets_a_clear_message_and_the_map_stays(public, borough_id):
    response = public.get("/havens/?postcode=ZZ99 9ZZ")
    html = text_of(response)
    assert response.status_code == 400
    assert 'role="alert" id="search-error"' in html
    assert "We do not know the postcode ZZ99 9ZZ." in html
    assert 'aria-label="Map of Safe Havens"' in html and "L.map(" in html
    assert 'value="ZZ99 9ZZ"' in html


def test_searching_from_a_school_lists_the_nearest_active_havens_in_metres(
        public, db_session, add_haven):
    add_school(db_session, 100001, "Alder Primary School")
    add_haven("Far Pharmacy", *offset(300))
    add_haven("Near Newsagent", *offset(100))
    add_haven("Prospect Pizza", *offset(50), active=False)
    db_session.commit()
    html = text_of(public.get("/havens/?school=100001"))
    listed = re.findall(r'<a href="/havens/\d+">([^<]+)</a>\s*<span class="badge (?:open|closed)">'
                        r'(?:Open now|Closed now)</span>.*?(\d+) m in a straight line', html, re.S)
    assert [name for name, _m in listed] == ["Near Newsagent", "Far Pharmacy"]
    assert [round(int(m), -1) for _name, m in listed] == [100, 300]
    assert "Prospect Pizza" not in html


def test_only_active_havens_are_on_the_finder_map(public, app, db_session, add_haven, worker):
    add_haven("Active Arcade")
    lapsed = add_haven("Lapsed Launderette", *offset(200))
    add_haven("Prospect Pizza", *offset(-200), active=False)
    with app.app_context():
        services.change_status(db_session=db_session, haven_id=lapsed.id, status="lapsed",
                               reason=None, actor=worker)
    html = text_of(public.get("/havens/"))
    assert "Active Arcade" in html and "marker-haven" in html
    assert "Prospect Pizza" not in html and "Lapsed Launderette" not in html


def test_map_pages_let_a_phone_zoom_the_page(public, add_haven):
    haven = add_haven()
    for url in ("/havens/", f"/havens/{haven.id}"):
        viewports = re.findall(r'<meta name="viewport" content="([^"]*)"', text_of(public.get(url)))
        assert viewports, url
        for content in viewports:
            assert "user-scalable=no" not in content and "maximum-scale=1" not in content, url


# --- Boroughs ------------------------------------------------------------------------------

def test_a_worker_of_another_borough_cannot_edit_a_haven(client, db_session, add_haven, worker):
    haven = add_haven()
    add_borough(db_session, code="E09000998", name="Otherham", bounds=(0.02, 51.44, 0.05, 51.46))
    add_user(db_session, "worker", "other@example.org", borough_code="E09000998")
    db_session.commit()
    login(client, "other@example.org")
    assert client.get(f"/havens/{haven.id}/edit", headers=HTML).status_code == 403
    refused = post_form(client, f"/havens/{haven.id}/edit", form(name="Hijacked"))
    assert refused.status_code == 403
    db_session.expire_all()
    assert db_session.get(Haven, haven.id).name == "Corner Shop"


def test_its_own_worker_edits_a_haven_from_a_prefilled_form(as_worker, db_session, add_haven):
    haven = add_haven("Corner Shop", opening="Mo 09:00-17:30", phone="020 8123 4567")
    html = text_of(as_worker.get(f"/havens/{haven.id}/edit"))
    assert 'value="Corner Shop"' in html and 'value="09:00-17:30"' in html
    assert 'value="020 8123 4567"' in html and 'value="51.45"' in html
    response = post_form(as_worker, f"/havens/{haven.id}/edit",
                         form(name="Corner Shop & Post Office", lat="51.45", lon="0.0"))
    assert response.status_code == 302
    db_session.expire_all()
    assert haven.name == "Corner Shop & Post Office" and haven.email == "kumar@news.example"

"""Printed maps over HTTP: the public PDF, the workers' page, the radius form and the ZIP."""

import io
import re
import zipfile

import pytest

from tests.conftest import csrf_token
from tests.core.accounts.helpers import login
from tests.factories import add_borough, add_school, add_user
from tests.mapping.haven_maps import pdftools
from tests.mapping.haven_maps.conftest import ALDER, BIRCH, CLOSED, add_haven

PAGE = "/mapping/haven-maps"
ZIP = "/exports/haven-maps.zip"


@pytest.fixture
def as_worker(client, worker):
    login(client, "worker@example.org")
    return client


def test_anyone_can_print_a_schools_map(client, schools, db_session, tmp_path):
    add_haven(db_session, schools, "Near Shop", 200, 0)
    response = client.get(f"/schools/{ALDER}/haven-map.pdf?size=A3&orientation=landscape")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f'filename="{ALDER}-alder-primary-school-A3-landscape.pdf"' in (
        response.headers["Content-Disposition"])
    pdf = pdftools.save(tmp_path, response.data)
    assert pdftools.pages(pdf)[0] == pdftools.A3_PTS[::-1]
    assert "Near Shop" in pdftools.text(pdf)
    assert pdftools.qr_codes(pdf, tmp_path) == [f"http://localhost/havens/?school={ALDER}"]


def test_the_school_page_links_to_its_printable_maps(client, schools):
    html = client.get(f"/schools/{ALDER}").get_data(as_text=True)
    assert f"/schools/{ALDER}/haven-map.pdf?size=A4" in html
    assert f"/schools/{ALDER}/haven-map.pdf" not in client.get(f"/schools/{CLOSED}").get_data(
        as_text=True)


@pytest.mark.parametrize(("query", "message"), [
    ("size=A5", "size must be A4 or A3."),
    ("orientation=sideways", "orientation must be portrait or landscape."),
    ("zoom=3", "'zoom' is not something this address accepts."),
])
def test_a_bad_pdf_request_says_what_is_wrong(client, schools, query, message):
    response = client.get(f"/schools/{ALDER}/haven-map.pdf?{query}",
                          headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == message


def test_closed_and_unknown_schools_have_no_map(client, schools):
    assert client.get(f"/schools/{CLOSED}/haven-map.pdf").status_code == 404
    assert client.get("/schools/999999/haven-map.pdf").status_code == 404


def test_the_page_is_for_workers_and_admins_only(client, schools, db_session):
    assert "/login" in client.get(PAGE).headers["Location"]  # a browser is sent to log in
    assert client.get(ZIP, headers={"Accept": "application/json"}).status_code == 401
    add_user(db_session, "teacher", "teacher@example.org", school_urns=[ALDER])
    add_user(db_session, "planner", "planner@example.org", borough_code="E09000999")
    db_session.commit()
    for email in ("teacher@example.org", "planner@example.org"):
        login(client, email)
        assert client.get(PAGE).status_code == 403
        assert client.get(ZIP).status_code == 403
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


def test_the_page_lists_every_open_school_and_what_changed(as_worker, schools, db_session):
    add_haven(db_session, schools, "Near Shop", 200, 0)
    html = as_worker.get(PAGE).get_data(as_text=True)
    assert "Alder Primary School" in html and "Birch Academy" in html
    assert "Old Closed School" not in html
    assert "2 of 2 schools</strong>" in html and html.count("Never printed") == 2


def test_the_radius_form_saves_a_good_distance_and_refuses_a_bad_one(as_worker, schools,
                                                                     db_session):
    token = csrf_token(as_worker, PAGE)
    saved = as_worker.post(f"{PAGE}/{ALDER}/radius", data={"radius_m": "600",
                                                           "csrf_token": token})
    assert saved.status_code == 302
    assert 'value="600"' in as_worker.get(PAGE).get_data(as_text=True)
    for bad, message in (("5", "between 300 and 3000"), ("far", "whole number")):
        response = as_worker.post(f"{PAGE}/{ALDER}/radius",
                                  data={"radius_m": bad, "csrf_token": token})
        assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert 'value="600"' in as_worker.get(PAGE).get_data(as_text=True)  # nothing stored
    unprotected = as_worker.post(f"{PAGE}/{ALDER}/radius", data={"radius_m": "900"})
    assert unprotected.status_code == 400
    assert 'value="600"' in as_worker.get(PAGE).get_data(as_text=True)


def test_a_worker_of_another_borough_cannot_change_its_schools(client, schools, db_session):
    add_borough(db_session, code="E09000998", name="Otherham",
                bounds=(0.02, 51.44, 0.05, 51.46))
    add_school(db_session, 100009, "Other School", 0.03, 51.45)
    add_user(db_session, "worker", "other@example.org", borough_code="E09000998")
    db_session.commit()
    login(client, "other@example.org")
    token = csrf_token(client, PAGE)
    html = client.get(PAGE).get_data(as_text=True)
    assert "Other School" in html and "Alder Primary School" not in html
    assert client.get(f"{PAGE}?borough=E09000999").status_code == 400
    response = client.post(f"{PAGE}/{ALDER}/radius", data={"radius_m": "600",
                                                           "csrf_token": token})
    assert response.status_code == 403


def _zip(response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.get_data()))


def test_the_zip_holds_one_map_per_school_and_a_get_records_nothing(as_worker, schools):
    archive = _zip(as_worker.get(f"{ZIP}?size=A4,A3"))
    assert sorted(archive.namelist()) == sorted([
        f"{ALDER}-alder-primary-school-A4.pdf", f"{ALDER}-alder-primary-school-A3.pdf",
        f"{BIRCH}-birch-academy-A4.pdf", f"{BIRCH}-birch-academy-A3.pdf", "schools.csv"])
    assert "2 of 2 schools</strong>" in as_worker.get(PAGE).get_data(as_text=True)


def test_downloading_from_the_page_marks_the_maps_as_printed(as_worker, schools, db_session):
    add_haven(db_session, schools, "Alder Shop", 100, 0)
    token = csrf_token(as_worker, PAGE)
    form = {"csrf_token": token, "which": "all", "size": "A4", "orientation": "portrait",
            "borough": "E09000999"}
    archive = _zip(as_worker.post(ZIP, data=form))
    assert len([n for n in archive.namelist() if n.endswith(".pdf")]) == 2
    html = as_worker.get(PAGE).get_data(as_text=True)
    assert "0 of 2 schools</strong>" in html and "Up to date" in html

    add_haven(db_session, schools, "New Birch Haven", -900, -1000)
    listing = as_worker.get(PAGE).get_data(as_text=True)
    assert listing.index("Birch Academy") < listing.index("Alder Primary School")  # changed first
    changed = _zip(as_worker.post(ZIP, data={**form, "which": "changed"}))
    assert [n for n in changed.namelist() if n.endswith(".pdf")] == [
        f"{BIRCH}-birch-academy-A4.pdf"]
    refused = as_worker.post(ZIP, data={**form, "which": "changed"},
                             headers={"Accept": "application/json"})
    assert refused.status_code == 400
    assert "No school's map has changed" in refused.get_json()["error"]["message"]


@pytest.mark.parametrize(("query", "field"), [("size=A5", "size"), ("which=some", "which"),
                                              ("borough=E00000000", "borough"),
                                              ("colour=red", "colour")])
def test_a_bad_zip_request_says_what_is_wrong(as_worker, schools, query, field):
    response = as_worker.get(f"{ZIP}?{query}", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == field


def test_a_borough_without_schools_says_so_and_offers_no_download(as_worker, db_session):
    add_borough(db_session, code="E09000997", name="Emptyham", bounds=(0.02, 51.44, 0.05, 51.46))
    db_session.commit()
    html = as_worker.get(f"{PAGE}?borough=E09000997").get_data(as_text=True)
    assert "There are no open schools in this borough yet" in html
    assert re.search(r'<button type="submit" disabled>Download the maps', html)


def test_a_bad_download_from_the_page_records_nothing(as_worker, schools):
    token = csrf_token(as_worker, PAGE)
    response = as_worker.post(ZIP, data={"csrf_token": token, "which": "all", "size": "A5",
                                         "orientation": "portrait", "borough": "E09000999"},
                              headers={"Accept": "application/json"})
    assert response.status_code == 400 and response.get_json()["error"]["field"] == "size"
    assert "2 of 2 schools</strong>" in as_worker.get(PAGE).get_data(as_text=True)

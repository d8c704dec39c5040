"""Teachers' pages: create a session, show the code, name places, read and moderate results."""

import re
import subprocess

from sqlalchemy import select

from mapping import codes
from mapping.models import MappingSession, NamedPlace, Zone
from tests.core.accounts.helpers import login, post_form
from tests.mapping.conftest import feature, square, submit


def test_teacher_creates_a_session_and_sees_its_code_and_qr(client, db_session, teacher):
    login(client, "teacher@example.org")
    page = client.get("/mapping/sessions/new").get_data(as_text=True)
    assert "Alder Primary School" in page and 'name="opens_at"' in page
    response = post_form(client, "/mapping/sessions/new", {
        "school": "100001", "class_label": "7B", "year_group": "7",
        "opens_at": "", "closes_at": "", "expected_pupils": "28"},
        token_page="/mapping/sessions/new")
    assert response.status_code == 302
    created = db_session.scalar(select(MappingSession))
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert codes.display(created.join_code) in html and "<svg" in html
    assert created.expected_pupils == 28


def test_bad_session_form_keeps_what_was_typed(client, db_session, teacher):
    login(client, "teacher@example.org")
    response = post_form(client, "/mapping/sessions/new", {
        "school": "100001", "class_label": "", "year_group": "7",
        "opens_at": "2026-11-21T10:00", "closes_at": "2026-11-21T09:00"},
        token_page="/mapping/sessions/new")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Give the class a name" in html and 'value="2026-11-21T09:00"' in html
    assert db_session.scalar(select(MappingSession)) is None


def test_board_shows_the_code_and_the_live_count(app, client, db_session, open_session):
    submit(app, db_session, open_session, feature(square(100, 100)))
    login(client, "teacher@example.org")
    html = client.get(f"/mapping/sessions/{open_session.id}/board").get_data(as_text=True)
    assert codes.display(open_session.join_code) in html
    assert re.search(r'<span id="map-count">1</span>', html)
    count = client.get(f"/api/v1/sessions/{open_session.id}").json
    assert count["maps"] == 1 and count["open_now"] is True


def test_teacher_names_a_place_and_closes_then_reopens(client, db_session, open_session):
    import json
    login(client, "teacher@example.org")
    page = f"/mapping/sessions/{open_session.id}"
    post_form(client, f"{page}/places", {"name": "The park", "area": json.dumps(
        square(100, 100))}, token_page=page)
    assert db_session.scalar(select(NamedPlace.name)) == "The park"
    post_form(client, f"{page}/close", {}, token_page=page)
    db_session.expire_all()
    assert open_session.closed_at is not None
    assert "Reopen the session" in client.get(page).get_data(as_text=True)
    post_form(client, f"{page}/reopen", {}, token_page=page)
    db_session.expire_all()
    assert open_session.closed_at is None


def test_results_show_counts_and_moderation_reaches_the_board(app, client, db_session,
                                                              open_session):
    hostile = '<img src=x onerror=alert(1)>'
    submit(app, db_session, open_session,
           feature(square(100, 100), reasons=["dark", "dogs"], comment=hostile))
    login(client, "teacher@example.org")
    base = f"/mapping/sessions/{open_session.id}"
    results = client.get(f"{base}/results").get_data(as_text=True)
    assert "Dark or badly lit" in results and "&lt;img src=x onerror=alert(1)&gt;" in results
    assert hostile not in results
    assert "img src=x" not in client.get(f"{base}/show").get_data(as_text=True)
    zone = db_session.scalar(select(Zone))
    post_form(client, f"{base}/moderate", {"zone": zone.id, "what": "comment",
                                           "decision": "approved"}, token_page=f"{base}/results")
    board = client.get(f"{base}/show").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;" in board and hostile not in board


def test_summary_pdf_and_csv(app, client, db_session, open_session, tmp_path):
    submit(app, db_session, open_session, feature(square(100, 100), reasons=["traffic"],
                                                  comment="Secret, not approved"))
    login(client, "teacher@example.org")
    base = f"/mapping/sessions/{open_session.id}"
    csv_text = client.get(f"{base}/summary.csv").get_data(as_text=True)
    assert "Why?,Dangerous traffic,1,0" in csv_text
    pdf = client.get(f"{base}/summary.pdf")
    assert pdf.mimetype == "application/pdf"
    path = tmp_path / "summary.pdf"
    path.write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout
    assert "class 7B" in text and "Dangerous traffic" in text and "Secret" not in text
    pages = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True,
                           text=True).stdout
    assert re.search(r"Pages:\s+1\b", pages)

"""The schools map page: self-hosted Leaflet, escaped names, a list for screen readers."""

from tests.factories import add_borough, add_school

HOSTILE = '<img src=x onerror="alert(1)">School'


def test_schools_page_lists_and_maps_schools_with_escaped_names(client, db_session):
    add_borough(db_session)
    add_school(db_session, 100001, HOSTILE)
    db_session.commit()
    html = client.get("/schools").get_data(as_text=True)
    assert HOSTILE not in html
    assert "&lt;img src=x onerror=" in html
    assert "/static/vendor/leaflet/leaflet.js" in html
    assert "cdn.jsdelivr" not in html and "code.jquery.com" not in html
    assert "https://tiles.example.test/{z}/{x}/{y}.png" in html


def test_school_page_and_search(client, db_session):
    add_borough(db_session)
    add_school(db_session, 100001, "Alder Primary School")
    add_school(db_session, 100002, "Birch Academy")
    db_session.commit()
    found = client.get("/schools?name=birch").get_data(as_text=True)
    assert "Birch Academy" in found and "Alder Primary School" not in found
    page = client.get("/schools/100001")
    assert page.status_code == 200 and "Alder Primary School" in page.get_data(as_text=True)
    assert client.get("/schools/424242", headers={"Accept": "text/html"}).status_code == 404


def test_schools_page_filters_by_borough(client, db_session):
    add_borough(db_session)
    add_borough(db_session, code="E09000998", name="Otherham", bounds=(0.02, 51.44, 0.05, 51.46))
    add_school(db_session, 100001, "Alder Primary School", lon=0.0, lat=51.45)
    add_school(db_session, 100002, "Birch Academy", lon=0.03, lat=51.45)
    db_session.commit()
    html = client.get("/schools?borough=E09000998").get_data(as_text=True)
    assert "Birch Academy" in html and "Alder Primary School" not in html
    assert '<option value="E09000998" selected>Otherham</option>' in html
    unknown = client.get("/schools?borough=nonsense").get_data(as_text=True)
    assert "Alder Primary School" in unknown and "Birch Academy" in unknown

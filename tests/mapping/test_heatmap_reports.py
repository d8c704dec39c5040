"""Planners' heatmap files: the same published cells as the API, in five formats."""

import csv
import io
import subprocess

import pytest
from sqlalchemy import text

from tests.mapping.test_heatmap import _crowd, classes  # noqa: F401  (fixture)
from tests.mapping.test_heatmap_layers import planner  # noqa: F401  (fixture)


@pytest.fixture
def crowded(app, db_session, classes):  # noqa: F811
    _crowd(app, db_session, classes, per_school=4)


def test_geojson_and_csv_hold_the_published_cells(planner, crowded):  # noqa: F811
    published = planner.get("/api/v1/heatmap?cell=100").json["features"]
    assert published
    geojson = planner.get("/mapping/heatmap/export.geojson?cell=100")
    assert geojson.mimetype == "application/geo+json"
    assert 'filename="heatmap-unsafe-all-terms-100m.geojson"' in \
        geojson.headers["Content-Disposition"]
    assert geojson.json["features"] == published
    table = planner.get("/mapping/heatmap/export.csv?cell=100")
    assert table.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(table.get_data(as_text=True))))
    assert sorted(r["cell_id"] for r in rows) == sorted(f["id"] for f in published)
    assert all(r["pupils"] == "10" and r["wkt"].startswith("POLYGON") for r in rows)


def test_the_standalone_map_needs_nothing_from_our_server(planner, crowded):  # noqa: F811
    page = planner.get("/mapping/heatmap/export.html?cell=100")
    assert page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "<script src=" not in html and "L.map" in html
    assert "Test Borough" in html or "E09000999" in html or "Where young people" in html
    assert "heat-cell" in html


@pytest.mark.parametrize("fmt", ["png", "pdf"])
def test_report_pictures_render(planner, crowded, fmt, tmp_path):  # noqa: F811
    answer = planner.get(f"/mapping/heatmap/export.{fmt}?cell=100&kind=net")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "private, no-store"
    if fmt == "png":
        assert answer.data.startswith(b"\x89PNG")
        return
    path = tmp_path / "heatmap.pdf"
    path.write_bytes(answer.data)
    words = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                           check=True).stdout
    assert "feel unsafe rather than safe" in words and "rounded to 5" in words


def test_exports_refuse_what_the_api_refuses(planner):  # noqa: F811
    assert planner.get("/mapping/heatmap/export.csv?cell=50").status_code == 400
    assert planner.get("/mapping/heatmap/export.csv?school=100001").status_code == 400
    assert planner.get("/mapping/heatmap/export.xls").status_code == 404


def test_exports_are_recorded_in_the_audit_log(db_session, planner):  # noqa: F811
    planner.get("/mapping/heatmap/export.csv?cell=100")
    logged = db_session.execute(text(
        "SELECT count(*) FROM audit_event "
        "WHERE detail->>'path' LIKE '/mapping/heatmap/export%'")).scalar()
    assert logged == 1

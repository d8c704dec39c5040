"""`flask import ...`: good files, bad rows reported by number, other CRSs, and re-runs."""

import pytest
from shapely.geometry import box
from sqlalchemy import func, select, text

from core.geo import transformer
from core.places.models import Borough, Postcode, School, Ward
from tests.core.places.files import (
    ATLAS_HEADER,
    GIAS_HEADER,
    boroughs_file,
    feature,
    write_csv,
    write_geojson,
)


def _count(db_session, model) -> int:
    return db_session.scalar(select(func.count()).select_from(model))


def _grid(lon, lat):
    easting, northing = transformer(4326, 27700).transform(lon, lat)
    return round(easting, 1), round(northing, 1)


def _invoke(runner, *args):
    result = runner.invoke(args=["import", *map(str, args)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


@pytest.fixture
def borough(runner, tmp_path, db_session):
    _invoke(runner, "boroughs", boroughs_file(tmp_path / "boroughs.geojson"))
    return db_session.scalar(select(Borough).where(Borough.code == "E09000999"))


def test_boroughs_import_reports_counts_and_is_idempotent(runner, tmp_path, db_session):
    path = boroughs_file(tmp_path / "b.geojson")
    first = _invoke(runner, "boroughs", path)
    second = _invoke(runner, "boroughs", path)
    assert "Boroughs: 1 created, 0 updated, 0 rejected." in first.output
    assert "Boroughs: 0 created, 1 updated, 0 rejected." in second.output
    assert _count(db_session, Borough) == 1


def test_boroughs_in_british_national_grid_land_in_the_right_place(runner, tmp_path,
                                                                     db_session):
    _invoke(runner, "boroughs", boroughs_file(tmp_path / "b.geojson", crs=27700))
    bounds = db_session.execute(text(
        "SELECT ST_XMin(boundary), ST_YMax(boundary), ST_SRID(boundary) FROM borough")).one()
    assert bounds[0] == pytest.approx(-0.015, abs=1e-6)
    assert bounds[1] == pytest.approx(51.46, abs=1e-6)
    assert bounds[2] == 4326


def test_bad_borough_rows_are_listed_with_row_numbers_and_good_rows_still_import(
        runner, tmp_path, db_session):
    path = boroughs_file(tmp_path / "b.geojson", extra=[
        feature(None, LAD22CD="E09000998", LAD22NM="Nowhere"),
        feature(box(0.1, 51.4, 0.2, 51.5), LAD22CD="", LAD22NM="Nameless code")])
    result = _invoke(runner, "boroughs", path)
    assert "1 created, 0 updated, 2 rejected" in result.output
    assert "rejected row 2: E09000998: no polygon geometry" in result.output
    assert "rejected row 3: missing LAD22CD or LAD22NM" in result.output
    assert _count(db_session, Borough) == 1


def test_boroughs_with_other_property_names(runner, tmp_path, db_session):
    path = write_geojson(tmp_path / "b.geojson", [feature(box(0, 51, 0.1, 51.1), CODE="X1",
                                                          NAME="Exton")])
    _invoke(runner, "boroughs", path, "--code-field", "CODE", "--name-field", "NAME")
    assert db_session.scalar(select(Borough.name).where(Borough.code == "X1")) == "Exton"


def test_an_unreadable_file_fails_with_a_clear_message(runner, tmp_path):
    path = tmp_path / "b.geojson"
    path.write_text("{not json")
    result = runner.invoke(args=["import", "boroughs", str(path)])
    assert result.exit_code == 1
    assert "Cannot read" in result.output


def test_wards_join_their_borough_by_code_or_by_location(runner, tmp_path, borough,
                                                         db_session):
    path = write_geojson(tmp_path / "w.geojson", [
        feature(box(-0.015, 51.44, 0.0, 51.46), WD22CD="W1", WD22NM="West", LAD22CD="E09000999"),
        feature(box(0.0, 51.44, 0.015, 51.46), WD22CD="W2", WD22NM="East", LAD22CD="E09000999"),
        feature(box(1.0, 52.0, 1.1, 52.1), WD22CD="W3", WD22NM="Far", LAD22CD="E09000001"),
    ])
    result = _invoke(runner, "wards", path)
    assert "2 created, 0 updated, 1 rejected" in result.output
    assert "rejected row 3: W3: not in any imported borough" in result.output
    again = _invoke(runner, "wards", path, "--borough-field", "")
    assert "0 created, 2 updated" in again.output
    assert set(db_session.scalars(select(Ward.borough_id))) == {borough.id}


def test_gias_schools_import_with_bad_rows_outside_schools_and_la_filter(
        runner, tmp_path, borough, db_session):
    inside, outside = _grid(0.0, 51.45), _grid(-0.3, 51.5)
    rows = [
        ["100001", "Inside Primary", "Community school", "Primary", "Open", "1 Road", "London",
         "se136ph", *inside, "Testham"],
        ["abc", "Bad URN", "", "", "Open", "", "", "", *inside, "Testham"],
        ["100003", "No Place School", "", "", "Open", "", "", "", "", "", "Testham"],
        ["100004", "", "", "", "Open", "", "", "", *inside, "Testham"],
        ["100005", "Far Away School", "", "Secondary", "Open", "", "", "", *outside, "Testham"],
        ["100006", "Other LA School", "", "", "Open", "", "", "", *inside, "Elsewhere"],
    ]
    path = write_csv(tmp_path / "gias.csv", GIAS_HEADER, rows, encoding="cp1252")
    result = _invoke(runner, "schools", path, "--la", "testham")
    assert "Schools: 1 created, 0 updated, 1 skipped, 3 rejected." in result.output
    assert "rejected row 3: URN 'abc' is not a number" in result.output
    assert "rejected row 4: URN 100003: no usable easting/northing" in result.output
    assert "rejected row 5: URN 100004: no school name" in result.output
    assert "1 outside every imported borough" in result.output
    assert "row 6: URN 100005 Far Away School" in result.output
    school = db_session.scalar(select(School).where(School.urn == 100001))
    assert (school.postcode, school.borough_id, school.address) == ("SE13 6PH", borough.id,
                                                                    "1 Road, London")
    lon, lat = db_session.execute(text(
        "SELECT ST_X(location), ST_Y(location) FROM school WHERE urn = 100001")).one()
    assert lon == pytest.approx(0.0, abs=2e-6) and lat == pytest.approx(51.45, abs=2e-6)


def test_london_schools_atlas_csv_imports_and_rerun_updates(runner, tmp_path, borough,
                                                            db_session):
    rows = [["200001", "Atlas School", "Academy", "Secondary", "2 Street", "London", "SE4 1AA",
             "Open", *_grid(0.005, 51.45), "Testham"]]
    path = write_csv(tmp_path / "atlas.csv", ATLAS_HEADER, rows)
    first = _invoke(runner, "schools", path)
    rows[0][1] = "Atlas School (renamed)"
    write_csv(path, ATLAS_HEADER, rows)
    second = _invoke(runner, "schools", path)
    assert "1 created, 0 updated" in first.output and "0 created, 1 updated" in second.output
    assert db_session.scalars(select(School.name)).all() == ["Atlas School (renamed)"]


def test_a_csv_that_is_not_a_school_register_is_refused(runner, tmp_path):
    path = write_csv(tmp_path / "x.csv", ["id", "label"], [["1", "x"]])
    result = runner.invoke(args=["import", "schools", str(path)])
    assert result.exit_code == 1 and "not a GIAS or London Schools Atlas CSV" in result.output


def test_onspd_postcodes_normalised_terminated_skipped_bad_rows_numbered(
        runner, tmp_path, borough, db_session):
    path = write_csv(tmp_path / "onspd.csv", ["pcd", "pcds", "doterm", "lat", "long"], [
        ["SE136PH", "se13 6ph", "", "51.45", "0.0"],
        ["SE1 1AA", "SE1 1AA", "", "51.50", "-0.09"],
        ["SE9 9ZZ", "SE9 9ZZ", "202001", "51.44", "0.05"],
        ["NOPE", "NOPE", "", "51.45", "0.0"],
        ["SE4 4ZZ", "SE4 4ZZ", "", "99.999999", "0.000000"],
    ])
    first = _invoke(runner, "postcodes", path)
    second = _invoke(runner, "postcodes", path)
    assert "Postcodes: 2 created, 0 updated, 1 skipped, 2 rejected." in first.output
    assert "rejected row 5: 'NOPE' is not a UK postcode" in first.output
    assert "rejected row 6: SE4 4ZZ: no location" in first.output
    assert "Postcodes: 0 created, 2 updated" in second.output
    located = dict(db_session.execute(select(Postcode.postcode, Postcode.borough_id)).all())
    assert located == {"SE13 6PH": borough.id, "SE1 1AA": None}


def test_code_point_open_postcodes_without_header_in_27700(runner, tmp_path, borough,
                                                           db_session):
    easting, northing = _grid(0.001, 51.451)
    path = tmp_path / "se.csv"
    path.write_text(f'"SE13 7AB",10,{easting},{northing},"E92000001"\n'
                    f'"SE137AC",10,,,"E92000001"\n')
    result = _invoke(runner, "postcodes", path)
    assert "1 created, 0 updated, 1 rejected" in result.output
    lon, lat, borough_id = db_session.execute(text(
        "SELECT ST_X(location), ST_Y(location), borough_id FROM postcode")).one()
    assert (round(lon, 5), round(lat, 5), borough_id) == (0.001, 51.451, borough.id)


def test_importing_a_borough_after_its_postcodes_locates_them(runner, tmp_path, db_session):
    path = write_csv(tmp_path / "onspd.csv", ["pcds", "lat", "long"],
                     [["SE13 6PH", "51.45", "0.0"]])
    _invoke(runner, "postcodes", path)
    assert db_session.scalar(select(Postcode.borough_id)) is None
    _invoke(runner, "boroughs", boroughs_file(tmp_path / "b.geojson"))
    assert db_session.scalar(select(Postcode.borough_id)) is not None

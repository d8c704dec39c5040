"""Pure parsing: postcode normalisation and boundary files with bad rows."""

import pytest
from shapely import wkt
from shapely.geometry import Polygon, box

from core.places import readers
from core.places.postcodes import normalise_postcode
from tests.core.places.files import boroughs_file, feature, write_geojson


@pytest.mark.parametrize(("raw", "expected"), [
    ("se136ph", "SE13 6PH"), (" SE13  6PH ", "SE13 6PH"), ("w1a1aa", "W1A 1AA"),
    ("EC1A 1BB", "EC1A 1BB"), ("m11ae", "M1 1AE"),
])
def test_postcodes_are_normalised(raw, expected):
    assert normalise_postcode(raw) == expected


@pytest.mark.parametrize("raw", ["", None, "hello", "12345", "SE13 6P", "SE136PHX1"])
def test_malformed_postcodes_are_refused(raw):
    assert normalise_postcode(raw) is None


def test_area_file_in_27700_is_reprojected_to_lon_lat(tmp_path):
    rows = readers.read_areas(boroughs_file(tmp_path / "b.geojson", crs=27700),
                              "LAD22CD", "LAD22NM")
    assert len(rows.good) == 1 and not rows.rejected
    west, _south, _east, north = wkt.loads(rows.good[0].wkt).bounds
    assert west == pytest.approx(-0.015, abs=1e-6) and north == pytest.approx(51.46, abs=1e-6)


def test_bad_features_are_rejected_with_their_numbers_and_reasons(tmp_path):
    bowtie = Polygon([(0, 51), (0.01, 51.01), (0.01, 51), (0, 51.01)])
    path = write_geojson(tmp_path / "b.geojson", [
        feature(box(0, 51, 0.01, 51.01), LAD22CD="E1", LAD22NM="Good"),
        feature(box(0, 51, 0.01, 51.01), LAD22CD="", LAD22NM="No code"),
        feature(None, LAD22CD="E3", LAD22NM="No geometry"),
        feature(bowtie, LAD22CD="E4", LAD22NM="Self-crossing but repairable"),
    ])
    rows = readers.read_areas(path, "LAD22CD", "LAD22NM")
    assert [area.code for area in rows.good] == ["E1", "E4"]
    assert [(r.row, r.reason) for r in rows.rejected] == [
        (2, "missing LAD22CD or LAD22NM"), (3, "E3: no polygon geometry")]


def test_a_file_without_the_code_property_says_which_properties_it_has(tmp_path):
    path = write_geojson(tmp_path / "b.geojson", [feature(box(0, 51, 1, 52), CODE="x", NM="y")])
    with pytest.raises(readers.UnreadableFile, match=r"no 'LAD22CD' property.*CODE"):
        readers.read_areas(path, "LAD22CD", "LAD22NM")


def test_a_file_that_is_not_geodata_is_unreadable(tmp_path):
    path = tmp_path / "notes.geojson"
    path.write_text("this is not json")
    with pytest.raises(readers.UnreadableFile):
        readers.read_areas(path, "LAD22CD", "LAD22NM")

"""Reading police.uk street-level CSVs: columns checked first, every row good, skipped or
rejected with its number and reason, and stable keys for rows without a Crime ID."""

from datetime import date

import pytest

from core.crimes import readers
from core.crimes.readers import COLUMNS, CrimeRow, NoLocation
from core.places.readers import Rejected, UnreadableFile
from tests.crimes.conftest import crime, write_crimes


def read(path) -> list:
    return list(readers.read_crimes(path))


def test_a_police_uk_row_becomes_a_located_crime(tmp_path):
    [row] = read(write_crimes(tmp_path / "c.csv", [crime(7, location="On or near Park")]))
    assert isinstance(row, CrimeRow)
    assert row.row == 2 and row.month == date(2026, 10, 1) and row.crime_type == "Burglary"
    assert row.import_key == f"2026-10/{7:064x}" and row.crime_id == f"{7:064x}"
    assert (row.lon, row.lat) == (0.0, 51.45) and row.location == "On or near Park"
    assert row.context is None  # empty cells are stored as nothing


def test_missing_columns_are_named_before_any_row_is_read(tmp_path):
    columns = [c for c in COLUMNS if c not in ("Latitude", "Crime type")]
    path = write_crimes(tmp_path / "outcomes.csv", [crime()], columns=columns)
    with pytest.raises(UnreadableFile) as error:
        readers.check_file(path)
    message = str(error.value)
    assert "'Latitude'" in message and "'Crime type'" in message and "outcomes.csv" in message
    with pytest.raises(UnreadableFile):
        read(path)


def test_an_empty_file_is_unreadable(tmp_path):
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(UnreadableFile, match="empty"):
        readers.check_file(tmp_path / "empty.csv")


def test_a_header_only_file_has_no_rows(tmp_path):
    path = write_crimes(tmp_path / "c.csv", [])
    readers.check_file(path)
    assert read(path) == []


def test_rows_without_coordinates_are_counted_apart(tmp_path):
    [row] = read(write_crimes(tmp_path / "c.csv", [crime(lon="", lat="")]))
    assert row == NoLocation(2)


@pytest.mark.parametrize(("lon", "lat", "words"), [
    ("abc", "51.45", "not numbers"),
    ("0.0", "", "not numbers"),  # one of the two missing
    ("nan", "51.45", "not finite"),
    ("0.0", "200", "not in the United Kingdom"),
    ("0", "0", "not in the United Kingdom"),
    ("2.35", "48.85", "not in the United Kingdom"),  # Paris
])
def test_bad_coordinates_are_rejected_with_the_reason(tmp_path, lon, lat, words):
    [row] = read(write_crimes(tmp_path / "c.csv", [crime(lon=lon, lat=lat)]))
    assert isinstance(row, Rejected) and row.row == 2 and words in row.reason


@pytest.mark.parametrize(("fields", "words"), [
    ({"month": "2026-13"}, "not a month"),
    ({"month": "October 2026"}, "not a month"),
    ({"crime_type": "Alien abduction"}, "unknown crime type"),
    ({"crime_id": "x" * 101}, "too long"),
])
def test_other_bad_rows_are_rejected_with_the_reason(tmp_path, fields, words):
    [row] = read(write_crimes(tmp_path / "c.csv", [crime(**fields)]))
    assert isinstance(row, Rejected) and words in row.reason


def test_good_rows_after_bad_ones_keep_their_row_numbers(tmp_path):
    rows = read(write_crimes(tmp_path / "c.csv", [crime(1, month="bad"), crime(2),
                                                  crime(3, lon="", lat="")]))
    assert [type(r).__name__ for r in rows] == ["Rejected", "CrimeRow", "NoLocation"]
    assert [r.row for r in rows] == [2, 3, 4]


def test_rows_without_a_crime_id_get_keys_numbered_among_identical_rows(tmp_path):
    asb = {"crime_id": "", "crime_type": "Anti-social behaviour", "outcome": ""}
    rows = [crime(**asb), crime(**asb), crime(**asb, location="On or near Other Street"),
            crime(**asb, month="2026-11")]
    path = write_crimes(tmp_path / "asb.csv", rows)
    keys = [row.import_key for row in read(path)]
    assert len(set(keys)) == 4
    assert keys[0].endswith("/1") and keys[1].endswith("/2") and keys[0][:-2] == keys[1][:-2]
    assert keys[2].endswith("/1") and keys[3].startswith("2026-11/anon:")
    assert [row.import_key for row in read(path)] == keys  # the same file, the same keys
    assert all(row.crime_id is None for row in read(path))


def test_the_same_crime_in_another_month_is_another_row(tmp_path):
    path = write_crimes(tmp_path / "c.csv", [crime(1), crime(1, month="2026-11")])
    assert {row.import_key for row in read(path)} == {f"2026-10/{1:064x}", f"2026-11/{1:064x}"}


def test_hostile_text_is_read_as_text_and_cut_to_the_column_size(tmp_path):
    hostile = '=HYPERLINK("http://evil.example","x")<script>alert(1)</script>' * 10
    [row] = read(write_crimes(tmp_path / "c.csv", [crime(location=hostile)]))
    assert row.location == hostile[:200]


def test_a_byte_order_mark_and_padded_headers_are_fine(tmp_path):
    path = write_crimes(tmp_path / "c.csv", [crime()])
    text = path.read_text().replace("Crime ID,", "\ufeffCrime ID ,", 1)
    path.write_text(text)
    [row] = read(path)
    assert isinstance(row, CrimeRow)

"""CSV exports neutralise formula injection but keep numbers and text as they are."""

import csv
import io

import pytest

from core.exports import csv_text, safe_cell


@pytest.mark.parametrize("hostile", ["=HYPERLINK(\"http://x\",\"y\")", "+1+2", "-2+3",
                                     "@SUM(A1)", "\tcmd", "\r=1"])
def test_formula_looking_text_is_prefixed_with_a_quote(hostile):
    assert safe_cell(hostile) == "'" + hostile


@pytest.mark.parametrize(("value", "expected"), [(None, ""), (-0.25, "-0.25"), (12, "12"),
                                                  ("Corner Shop", "Corner Shop"),
                                                  ("<b>x</b>", "<b>x</b>")])
def test_ordinary_values_are_unchanged(value, expected):
    assert safe_cell(value) == expected


def test_csv_round_trips_through_a_reader():
    text = csv_text(["name", "lat"], [{"name": "=cmd|' /C calc'!A0", "lat": 51.5},
                                      {"name": 'Quote "this", please', "lat": None}])
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0] == {"name": "'=cmd|' /C calc'!A0", "lat": "51.5"}
    assert rows[1] == {"name": 'Quote "this", please', "lat": ""}

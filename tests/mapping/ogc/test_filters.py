"""CQL2 text filters become SQL conditions: every operator checked against real PostGIS rows,
and every mistake refused with a 400 an analyst can act on."""

import random

import pytest
import shapely
from sqlalchemy import Boolean, Date, Float, Integer, String, column, func, select, table, text

from core.errors import InvalidInput
from mapping.ogc.filters import to_clause

PLACES = table("filter_places", column("id", Integer), column("name", String),
               column("cell_m", Integer), column("rate", Float), column("term_start", Date),
               column("ok", Boolean), column("geometry"))
COLUMNS = {name: PLACES.c[name] for name in ("name", "cell_m", "rate", "term_start", "ok")}
TYPES = {"name": "string", "cell_m": "integer", "rate": "number", "term_start": "date",
         "ok": "boolean"}

# id, name, cell_m, rate, term_start, ok, lon, lat
ROWS = [
    (1, "Oak Road", 150, 0.2, "2026-09-01", True, 0.1, 51.5),
    (2, "Oak Lane", 300, 0.5, "2027-01-05", False, 0.3, 51.5),
    (3, "O'Brien Close", 150, None, "2026-04-13", True, 1.5, 52.5),
    (4, "Elm Road", 600, 0.9, "2026-09-01", None, -0.5, 51.0),
    (5, None, 300, 0.0, None, False, 2.0, 2.0),
]


def intersects(geometry: shapely.Geometry):
    """The feature geometry meets a literal given in lon/lat."""
    return func.ST_Intersects(PLACES.c.geometry,
                              func.ST_SetSRID(func.ST_GeomFromText(geometry.wkt), 4326))


def clause(filter_text: str, **overrides):
    """The filter translated over the test table's queryables."""
    options = {"columns": COLUMNS, "types": TYPES, "intersects": intersects, **overrides}
    return to_clause(filter_text, **options)


@pytest.fixture
def places(db_session):
    """A session holding the five rows above in a temporary table."""
    db_session.execute(text(
        "CREATE TEMP TABLE filter_places (id int, name text, cell_m int, rate float8, "
        "term_start date, ok boolean, geometry geometry(Point, 4326)) ON COMMIT DROP"))
    for row_id, name, cell_m, rate, term_start, ok, lon, lat in ROWS:
        db_session.execute(text(
            "INSERT INTO filter_places VALUES (:id, :name, :cell_m, :rate, "
            "CAST(:term_start AS date), :ok, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"),
            {"id": row_id, "name": name, "cell_m": cell_m, "rate": rate,
             "term_start": term_start, "ok": ok, "lon": lon, "lat": lat})
    return db_session


def ids(session, filter_text: str, **overrides) -> set[int]:
    """The ids of the rows the filter keeps."""
    query = select(PLACES.c.id).where(clause(filter_text, **overrides))
    return set(session.execute(query).scalars())


def refusal(filter_text: str, **overrides) -> InvalidInput:
    """The InvalidInput the filter is refused with."""
    with pytest.raises(InvalidInput) as raised:
        clause(filter_text, **overrides)
    assert raised.value.status == 400
    assert raised.value.field == "filter"
    return raised.value


def nested(levels: int) -> str:
    """A filter whose brackets alternate OR and AND, `levels` times."""
    filter_text = "cell_m = 150"
    for level in range(levels):
        filter_text = f"cell_m = 150 {'AND' if level % 2 else 'OR'} ({filter_text})"
    return filter_text


# --- What filters keep ---------------------------------------------------------------------------

@pytest.mark.parametrize(("filter_text", "expected"), [
    ("cell_m = 150", {1, 3}),
    ("cell_m <> 150", {2, 4, 5}),
    ("cell_m < 300", {1, 3}),
    ("cell_m <= 300", {1, 2, 3, 5}),
    ("cell_m > 300", {4}),
    ("cell_m >= 300", {2, 4, 5}),
    ("cell_m > 149.6", {1, 2, 3, 4, 5}),  # a fraction is not rounded to the column's integer
    ("rate > 0.25", {2, 4}),
    ("rate = 0", {5}),
    ("cell_m = -5", set()),
    ("name = 'Oak Road'", {1}),
    ("name = 'O''Brien Close'", {3}),
    ("name > 'N'", {1, 2, 3}),
    ("ok = TRUE", {1, 3}),
    ("ok <> TRUE", {2, 5}),
    ("ok = false", {2, 5}),
    ('"cell_m" = 600', {4}),
], ids=str)
def test_comparisons(places, filter_text, expected):
    assert ids(places, filter_text) == expected


@pytest.mark.parametrize(("filter_text", "expected"), [
    ("150 = cell_m", {1, 3}),
    ("300 < cell_m", {4}),
    ("300 >= cell_m", {1, 2, 3, 5}),
    ("0.5 <= rate", {2, 4}),
    ("'Oak Lane' = name", {2}),
    ("DATE('2026-09-01') > term_start", {3}),
], ids=str)
def test_a_value_may_come_first(places, filter_text, expected):
    assert ids(places, filter_text) == expected


@pytest.mark.parametrize(("filter_text", "expected"), [
    ("cell_m = 150 AND ok = TRUE", {1, 3}),
    ("cell_m = 150 OR cell_m = 600", {1, 3, 4}),
    # AND binds tighter than OR, whichever comes first
    ("cell_m = 300 OR cell_m = 150 AND ok = TRUE", {1, 2, 3, 5}),
    ("cell_m = 150 AND ok = TRUE OR cell_m = 600", {1, 3, 4}),
    ("(cell_m = 300 OR cell_m = 150) AND ok = TRUE", {1, 3}),
    ("cell_m = 300 and ok = false or name = 'Elm Road'", {2, 4, 5}),
    # NOT binds tighter than AND, and may negate a bracketed condition
    ("NOT cell_m = 150", {2, 4, 5}),
    ("NOT cell_m = 150 AND ok = FALSE", {2, 5}),
    ("NOT (cell_m = 150 OR cell_m = 300)", {4}),
    ("NOT (cell_m = 300 AND ok = FALSE) AND cell_m < 600", {1, 3}),
    ("NOT NOT cell_m = 600", {4}),
    ("((cell_m = 600))", {4}),
], ids=str)
def test_and_or_not(places, filter_text, expected):
    assert ids(places, filter_text) == expected


@pytest.mark.parametrize(("filter_text", "expected"), [
    ("cell_m IN (150, 600)", {1, 3, 4}),
    ("cell_m NOT IN (150, 600)", {2, 5}),
    ("name IN ('Oak Road', 'Elm Road')", {1, 4}),
    ("cell_m BETWEEN 200 AND 600", {2, 4, 5}),
    ("cell_m NOT BETWEEN 200 AND 600", {1, 3}),
    ("rate BETWEEN 0.1 AND 0.5", {1, 2}),
    ("cell_m BETWEEN 150 AND 300 AND ok = TRUE", {1, 3}),
], ids=str)
def test_in_and_between(places, filter_text, expected):
    assert ids(places, filter_text) == expected


@pytest.mark.parametrize(("filter_text", "expected"), [
    ("name LIKE 'Oak%'", {1, 2}),
    ("name LIKE '%Road'", {1, 4}),
    ("name LIKE 'Oak L_ne'", {2}),
    ("name LIKE 'Oak R_d'", set()),  # _ is exactly one character
    ("name LIKE 'O''B%'", {3}),
    ("name NOT LIKE 'Oak%'", {3, 4}),
    ("name LIKE 'oak%'", set()),  # LIKE is case-sensitive
], ids=str)
def test_like(places, filter_text, expected):
    assert ids(places, filter_text) == expected


@pytest.mark.parametrize(("filter_text", "expected"), [
    ("rate IS NULL", {3}),
    ("name IS NULL", {5}),
    ("name IS NOT NULL", {1, 2, 3, 4}),
    ("ok IS NULL OR ok = TRUE", {1, 3, 4}),
], ids=str)
def test_is_null(places, filter_text, expected):
    assert ids(places, filter_text) == expected


@pytest.mark.parametrize(("filter_text", "expected"), [
    ("term_start = DATE('2026-09-01')", {1, 4}),
    ("term_start >= DATE('2026-09-01')", {1, 2, 4}),
    ("term_start BETWEEN DATE('2026-01-01') AND DATE('2026-12-31')", {1, 3, 4}),
    ("term_start IN (DATE('2026-04-13'), DATE('2027-01-05'))", {2, 3}),
    ("term_start < '2026-09-01'", {3}),  # an ISO date in quotes is read as a date too
], ids=str)
def test_dates(places, filter_text, expected):
    assert ids(places, filter_text) == expected


@pytest.mark.parametrize(("filter_text", "expected"), [
    ("S_INTERSECTS(geometry, POLYGON((0 51, 1 51, 1 52, 0 52, 0 51)))", {1, 2}),
    ("S_INTERSECTS(POLYGON((0 51, 1 51, 1 52, 0 52, 0 51)), geometry)", {1, 2}),
    ("S_INTERSECTS(geometry, BBOX(-1, 50.5, 0.2, 51.6))", {1, 4}),
    ("S_INTERSECTS(geometry, BBOX(-1, 50.5, 0, 0.2, 51.6, 10))", {1, 4}),
    ("S_INTERSECTS(geometry, POINT(1.5 52.5))", {3}),
    ("S_INTERSECTS(geometry, MULTIPOINT((1.5 52.5), (2 2)))", {3, 5}),
    ("S_INTERSECTS(geometry, LINESTRING(0.1 51.5, 0.3 51.5))", {1, 2}),
    ("s_intersects(geometry, BBOX(0, 51, 1, 52)) AND cell_m = 300", {2}),
    ("NOT S_INTERSECTS(geometry, BBOX(0, 51, 1, 52))", {3, 4, 5}),
], ids=str)
def test_s_intersects(places, filter_text, expected):
    assert ids(places, filter_text) == expected


def test_the_geometry_reaches_the_caller_as_written():
    seen = []

    def remember(geometry):
        seen.append(geometry)
        return intersects(geometry)

    clause("S_INTERSECTS(geometry, BBOX(51.4, -0.2, 51.6, 0.1))", intersects=remember)
    clause("S_INTERSECTS(geometry, POLYGON((51 0, 52 0, 52 1, 51 0)))", intersects=remember)
    assert seen[0].equals(shapely.box(51.4, -0.2, 51.6, 0.1))
    assert seen[1].equals(shapely.Polygon([(51, 0), (52, 0), (52, 1)]))


def test_the_geometry_attribute_may_have_another_name(places):
    found = ids(places, "S_INTERSECTS(geom, BBOX(1, 52, 2, 53))", geometry_name="geom")
    assert found == {3}
    assert "S_INTERSECTS(geom," in refusal("S_INTERSECTS(geometry, POINT(0 0))",
                                           geometry_name="geom").message


def test_values_are_bound_parameters():
    compiled = clause("name = 'Oak Road' AND cell_m IN (150, 300) AND "
                      "term_start > DATE('2026-09-01') AND name LIKE 'O%'").compile()
    sql = str(compiled)
    assert "Oak Road" not in sql and "150" not in sql and "2026" not in sql and "O%" not in sql
    assert set(compiled.params.values()) >= {"Oak Road", 150, 300, "O%"}


def test_a_hostile_string_is_only_a_value(places):
    assert ids(places, "name = 'x''; DROP TABLE filter_places; --'") == set()
    assert ids(places, "name LIKE '%''; DELETE FROM filter_places; --'") == set()
    assert places.execute(text("SELECT count(*) FROM filter_places")).scalar() == len(ROWS)


def test_a_hostile_attribute_name_is_unknown(places):
    error = refusal('"name; DROP TABLE filter_places" = 1')
    assert "Unknown attribute in the filter" in error.message
    assert places.execute(text("SELECT count(*) FROM filter_places")).scalar() == len(ROWS)


def test_a_long_flat_chain_is_one_level(places):
    chain = " OR ".join(["cell_m = 600"] * 250)
    assert len(chain) < 4000
    assert ids(places, chain) == {4}


def test_thirty_levels_are_allowed(places):
    assert ids(places, nested(29)) == {1, 3}


# --- What is refused -----------------------------------------------------------------------------

@pytest.mark.parametrize(("filter_text", "phrase"), [
    ("cell_m = = 150", "The filter could not be read: '=' at character 10 was not expected"),
    ("cell_m = 150 AND", "The filter could not be read: it ends too soon"),
    ("name = 'Oak", "the quote at character 8 is never closed"),
    ("cell_m 150", "The filter could not be read"),
    ("cell_m = 150)", "The filter could not be read"),
    ("", "it is empty"),
    ("cell_m = 1\x00", "NUL character"),
    ("term_start = DATE('2026-02-30')", "DATE('2026-02-30') is not a real date"),
    ("term_start = DATE('20260901')", "write dates as DATE('YYYY-MM-DD')"),
], ids=repr)
def test_unreadable_filters(filter_text, phrase):
    message = refusal(filter_text).message
    assert phrase in message
    assert message.endswith("Filters use CQL2 text, e.g. term = '2026-autumn' AND cell_m = 150.")


def test_unknown_attributes_list_what_can_be_used():
    assert refusal("colour = 'red'").message == (
        "Unknown attribute in the filter: colour. "
        "You can filter on: cell_m, name, ok, rate, term_start.")
    assert "Unknown attribute in the filter: Cell_M." in refusal("Cell_M = 150").message
    assert "Unknown attribute in the filter: colour." in refusal("colour IS NULL").message


@pytest.mark.parametrize(("filter_text", "message"), [
    ("cell_m = '150'", "cell_m is a number; compare it with a number, e.g. cell_m = 150."),
    ("cell_m = TRUE", "cell_m is a number; compare it with a number, e.g. cell_m = 150."),
    ("rate > 'high'", "rate is a number; compare it with a number, e.g. rate = 0.5."),
    ("name = 150", "name is text; compare it with text in single quotes, e.g. name = 'some text'."),
    ("ok = 1", "ok is true or false; compare it with TRUE or FALSE, e.g. ok = TRUE."),
    ("term_start = 'next week'",
     "term_start is a date; compare it with a date, e.g. term_start = DATE('2026-09-01')."),
    ("term_start = '2026-02-30'", "term_start is a date; compare it with a date"),
    ("term_start > TIMESTAMP('2026-09-01T10:00:00Z')", "term_start is a date"),
    ("term_start = 20260901", "term_start is a date"),
    ("name = DATE('2026-09-01')", "name is text"),
    ("cell_m IN (150, 'x')", "cell_m is a number"),
    ("cell_m BETWEEN 100 AND 'x'", "cell_m is a number"),
    ("'big' = cell_m", "cell_m is a number"),
    ("cell_m < 9223372036854775808", "The number 9223372036854775808 is too large"),
], ids=repr)
def test_values_of_the_wrong_type(filter_text, message):
    assert message in refusal(filter_text).message


@pytest.mark.parametrize(("filter_text", "phrase"), [
    ("cell_m LIKE '15%'", "LIKE only works on text, and cell_m is a number"),
    ("term_start LIKE '2026%'", "LIKE only works on text, and term_start is a date"),
    ("name LIKE 5", "LIKE needs a text pattern in single quotes"),
    ("ok > FALSE", "ok is true or false, so > means nothing for it"),
    ("ok BETWEEN FALSE AND TRUE", "so BETWEEN means nothing for it"),
    ("cell_m = rate", "Compare cell_m with a value, not with another attribute"),
    ("150 = 150", "Each condition needs an attribute on one side"),
    ("geometry = 1", "geometry can only be used inside S_INTERSECTS"),
    ("geometry IS NULL", "geometry can only be used inside S_INTERSECTS"),
    ("name = POINT(0 0)", "A geometry can only be used as the second argument of S_INTE"),
], ids=repr)
def test_comparisons_that_mean_nothing(filter_text, phrase):
    assert phrase in refusal(filter_text).message


@pytest.mark.parametrize(("filter_text", "phrase"), [
    ("term_start T_AFTER DATE('2026-01-01')",
     "T_AFTER is not supported here; compare dates with =, <, <=, >, >= or BETWEEN"),
    ("term_start T_DURING INTERVAL('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z')",
     "T_DURING is not supported here"),
    ("S_WITHIN(geometry, POINT(0 0))", "S_WITHIN is not supported here; use S_INTERSECTS"),
    ("term_start T_CONTAINS DATE('2026-01-01')", "T_CONTAINS is not supported here"),
    ("S_DISJOINT(geometry, POINT(0 0))", "S_DISJOINT is not supported here"),
    ("S_CONTAINS(geometry, POINT(0 0))", "S_CONTAINS is not supported here"),
    ("RELATE(geometry, POINT(0 0), 'T********')", "RELATE is not supported here"),
    ("BBOX(geometry, 0, 51, 1, 52)",
     "BBOX(geometry, ...) on its own is not supported here; use S_INTERSECTS(geometry, "),
    ("cell_m + 1 = 151", "Arithmetic (+) is not supported here"),
    ("cell_m * 2 > 300", "Arithmetic (*) is not supported here"),
    ("300 = cell_m / 2", "Arithmetic (/) is not supported here"),
    ("CASEI(name) = CASEI('oak road')", "CASEI() is not supported here"),
    ("upper(name) = 'OAK ROAD'", "UPPER() is not supported here"),
    ("INCLUDE", "INCLUDE and EXCLUDE are not supported here"),
], ids=repr)
def test_unsupported_operators_and_functions(filter_text, phrase):
    assert phrase in refusal(filter_text).message


@pytest.mark.parametrize(("filter_text", "phrase"), [
    ("S_INTERSECTS(name, POINT(0 0))", "S_INTERSECTS needs geometry as its first argument"),
    ("S_INTERSECTS(geom, POINT(0 0))", "geom is not the features' geometry"),
    ("S_INTERSECTS(geometry, name)", "S_INTERSECTS needs a geometry as its second argument"),
    ("S_INTERSECTS(geometry, 'POINT(0 0)')", "S_INTERSECTS needs a geometry as its second"),
    ("S_INTERSECTS(geometry, POLYGON((0 0, 1 1)))",
     "The geometry in the filter could not be built"),
    ("S_INTERSECTS(geometry, POLYGON((0 0, 1 1, 1 0, 0 1, 0 0)))",
     "The geometry in the filter is not valid (Self-intersection"),
    ("S_INTERSECTS(geometry, SRID=4326;POINT(0 51))", "Leave out the SRID=...; prefix"),
    ("S_INTERSECTS(geometry, BBOX(1, 51, 0, 52))", "BBOX needs west before east"),
    ("S_INTERSECTS(geometry, BBOX(0, 51, 1))", "BBOX needs four numbers"),
    ("S_INTERSECTS(geometry, BBOX(0, 51, 1, 'x'))", "BBOX needs four numbers"),
], ids=repr)
def test_bad_spatial_filters(filter_text, phrase):
    assert phrase in refusal(filter_text).message


def test_a_filter_over_4000_characters_is_refused():
    long_filter = " OR ".join(["cell_m = 600"] * 400)
    assert "The filter is too long (6,396 characters); the limit is 4,000." in (
        refusal(long_filter).message)


@pytest.mark.parametrize("filter_text", [nested(30), "NOT " * 31 + "cell_m = 150"],
                         ids=["31 levels", "31 NOTs"])
def test_filters_nested_over_30_levels_are_refused(filter_text):
    assert "nested too deeply (more than 30 levels" in refusal(filter_text).message


def test_brackets_that_change_nothing_are_not_levels(places):
    assert ids(places, "(" * 100 + "cell_m = 150" + ")" * 100) == {1, 3}


def test_whitelist_mistakes_are_ours_not_the_clients():
    with pytest.raises(ValueError, match="queryable 'rate' needs a type"):
        clause("cell_m = 1", types={**TYPES, "rate": "float"})


def test_no_parser_error_escapes():
    tokens = ["cell_m", "name", "term_start", "ok", "geometry", "=", "<>", "<", ">=", "AND",
              "OR", "NOT", "(", ")", ",", "'", "''", "'x'", "150", "-", "1.5", "TRUE", "LIKE",
              "IN", "BETWEEN", "IS", "NULL", "DATE('2026-09-01')", "DATE(", "S_INTERSECTS(",
              "BBOX(", "POINT(0 0)", "POLYGON((", "T_BEFORE", "CASEI(", "+", "*", "\"", ";"]
    randomness = random.Random(20260901)
    for _ in range(400):
        filter_text = " ".join(randomness.choices(tokens, k=randomness.randint(1, 9)))
        try:
            clause(filter_text).compile()
        except InvalidInput as error:
            assert error.status == 400 and error.field == "filter"


@pytest.mark.parametrize(("filter_text", "expected"), [
    ("cell_m < 9223372036854775807", {1, 2, 3, 4, 5}),
    ("cell_m = 3000000000", set()),
    ("rate < 1e400", {1, 2, 4, 5}),
    ("name = ''", set()),
    ("name = 'Ōak Road ☂'", set()),
], ids=str)
def test_extreme_values(places, filter_text, expected):
    assert ids(places, filter_text) == expected

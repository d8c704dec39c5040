"""`flask import crimes`: rows placed in boroughs, idempotent re-imports, other forces' rows
and bad files, with a summary a person can read."""

from sqlalchemy import func, select, text

from core.crimes import services
from core.crimes.models import Crime
from core.crimes.readers import COLUMNS
from tests.crimes.conftest import crime, write_crimes
from tests.factories import add_borough

KENT = (0.52, 51.27)  # Maidstone: no borough of ours


def stored(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Crime))


def run(runner, *paths):
    return runner.invoke(args=["import", "crimes", *map(str, paths)])


def test_crimes_are_stored_in_the_borough_under_them(runner, db_session, tmp_path):
    borough_id = add_borough(db_session)
    path = write_crimes(tmp_path / "c.csv", [crime(1), crime(2, crime_type="Robbery")])
    result = run(runner, path)
    assert result.exit_code == 0, result.output
    assert "2 read, 2 imported, 0 already there" in result.output
    rows = db_session.execute(select(Crime.borough_id, Crime.crime_type, Crime.month,
                                     func.ST_AsText(Crime.geom))).all()
    assert {r.crime_type for r in rows} == {"Burglary", "Robbery"}
    assert {r.borough_id for r in rows} == {borough_id}
    assert rows[0][3] == "POINT(0 51.45)" and str(rows[0].month) == "2026-10-01"


def test_importing_the_same_file_again_changes_nothing(runner, db_session, tmp_path):
    add_borough(db_session)
    asb = {"crime_id": "", "crime_type": "Anti-social behaviour", "outcome": ""}
    path = write_crimes(tmp_path / "c.csv", [crime(1), crime(2), crime(**asb), crime(**asb)])
    assert "4 imported" in run(runner, path).output
    again = run(runner, path)
    assert "4 read, 0 imported, 4 already there" in again.output
    assert stored(db_session) == 4


def test_a_newer_file_updates_the_outcome_of_a_crime_it_already_has(runner, db_session,
                                                                   tmp_path):
    add_borough(db_session)
    run(runner, write_crimes(tmp_path / "old.csv", [crime(1)]))
    run(runner, write_crimes(tmp_path / "new.csv", [crime(1, outcome="Offender sent to prison")]))
    assert db_session.scalars(select(Crime.last_outcome)).all() == ["Offender sent to prison"]


def test_a_crime_listed_twice_in_a_file_is_stored_once(runner, db_session, tmp_path):
    add_borough(db_session)
    path = write_crimes(tmp_path / "c.csv", [crime(1), crime(1, outcome="Local resolution")])
    assert "2 read, 1 imported, 1 already there" in run(runner, path).output
    assert db_session.scalars(select(Crime.last_outcome)).all() == ["Local resolution"]


def test_other_forces_rows_and_rows_without_coordinates_are_counted_and_skipped(
        runner, db_session, tmp_path):
    add_borough(db_session)
    rows = [crime(1), crime(2, at=KENT, falls_within="Kent Police", reported_by="Kent Police"),
            crime(3, at=KENT, falls_within="Kent Police"), crime(4, lon="", lat=""),
            crime(5, lon="east", lat="north")]
    result = run(runner, write_crimes(tmp_path / "c.csv", rows))
    assert result.exit_code == 0
    assert ("5 read, 1 imported, 0 already there (updated), 1 without coordinates (skipped), "
            "2 outside our boroughs (skipped), 1 bad rows.") in result.output
    assert "Kent Police: 2" in result.output
    assert "bad row 6 of c.csv: Longitude/Latitude 'east', 'north' are not numbers" \
        in result.output
    assert stored(db_session) == 1


def test_a_file_with_missing_columns_stores_nothing_from_any_file(runner, db_session, tmp_path):
    add_borough(db_session)
    good = write_crimes(tmp_path / "good.csv", [crime(1)])
    bad = write_crimes(tmp_path / "bad.csv", [crime(2)],
                       columns=[c for c in COLUMNS if c != "Longitude"])
    result = run(runner, good, bad)
    assert result.exit_code != 0
    assert "bad.csv is not a police.uk street-level crime CSV" in result.output
    assert "'Longitude'" in result.output
    assert stored(db_session) == 0


def test_a_missing_file_is_a_clear_error(runner, db_session, tmp_path):
    result = run(runner, tmp_path / "nowhere.csv")
    assert result.exit_code != 0 and "does not exist" in result.output


def test_a_crime_on_the_line_between_two_boroughs_is_stored_once(db_session, tmp_path):
    west = add_borough(db_session, "E09000998", "Westham", (-0.03, 51.44, 0.0, 51.46))
    add_borough(db_session, "E09000997", "Eastham", (0.0, 51.44, 0.03, 51.46))
    path = write_crimes(tmp_path / "c.csv", [crime(1, at=(0.0, 51.45))])
    report = services.import_crimes(db_session=db_session, paths=[path])
    assert (report.imported, report.outside) == (1, 0)
    assert db_session.scalars(select(Crime.borough_id)).all() == [west]


def test_the_read_index_serves_a_borough_and_months(db_session):
    db_session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = db_session.execute(text("""
        EXPLAIN SELECT * FROM crime WHERE borough_id = 1
           AND month = ANY(ARRAY[DATE '2026-09-01', DATE '2026-10-01'])""")).scalars().all()
    assert any("ix_crime_read" in line for line in plan)


def test_a_broken_csv_is_a_clear_error_and_stores_nothing(runner, db_session, tmp_path):
    add_borough(db_session)
    path = write_crimes(tmp_path / "c.csv", [crime(1), crime(2, context="x" * 200_000)])
    result = run(runner, path)
    assert result.exit_code != 0 and "c.csv: the CSV is broken near line 3" in result.output
    assert stored(db_session) == 0

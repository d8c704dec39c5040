"""`flask demo seed`: a plausible fictional borough, reproducible, through the real importers."""

from sqlalchemy import func, select, text

from core.accounts.models import User
from core.demo import generator
from core.places.models import Borough, Postcode, School, Ward


def _count(db_session, model):
    return db_session.scalar(select(func.count()).select_from(model))


def test_demo_seed_builds_a_borough_with_wards_schools_postcodes_and_logins(
        runner, db_session, app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    result = runner.invoke(args=["demo", "seed", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert (_count(db_session, Borough), _count(db_session, Ward)) == (1, 9)
    assert _count(db_session, School) == 20 and _count(db_session, Postcode) == 300
    roles = set(db_session.scalars(select(User.role)))
    assert roles == {"admin", "worker", "teacher", "planner"}
    logins = (tmp_path / "demo-logins.txt").read_text()
    assert "teacher@demo.safehavens.test" in result.output and "teacher@" in logins
    assert (tmp_path / "demo-logins.txt").stat().st_mode & 0o077 == 0
    area_km2 = db_session.scalar(text("SELECT ST_Area(boundary::geography) / 1e6 FROM borough"))
    assert 10 < area_km2 < 60
    outside = db_session.scalar(text(
        "SELECT count(*) FROM school s JOIN borough b ON NOT ST_Covers(b.boundary, s.location)"))
    assert outside == 0


def test_demo_seed_if_empty_leaves_existing_data_alone(runner, db_session, app, tmp_path,
                                                       monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    runner.invoke(args=["demo", "seed"])
    again = runner.invoke(args=["demo", "seed", "--if-empty"])
    assert "already has data" in again.output
    assert _count(db_session, School) == 20


def test_same_seed_gives_the_same_borough_and_another_seed_a_different_one(tmp_path):
    first, second, other = (tmp_path / "a", tmp_path / "b", tmp_path / "c")
    for folder in (first, second, other):
        folder.mkdir()
    generator.write_files(first, seed=3)
    generator.write_files(second, seed=3)
    generator.write_files(other, seed=4)
    assert (first / "schools.csv").read_text() == (second / "schools.csv").read_text()
    assert (first / "boroughs.geojson").read_text() == (second / "boroughs.geojson").read_text()
    assert (first / "schools.csv").read_text() != (other / "schools.csv").read_text()

"""`flask demo seed`: a plausible fictional borough, reproducible, through the real importers."""

import random

from shapely.geometry import box
from sqlalchemy import func, select, text

from core.accounts.models import User
from core.basemap.models import LAYERS, BasemapFeature, BasemapSource
from core.demo import generator, greens, services, suburb
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
    assert (first / "basemap.geojson").read_text() == (second / "basemap.geojson").read_text()
    assert (first / "basemap.geojson").read_text() != (other / "basemap.geojson").read_text()


# Per school: road features within 250 m, and how far the nearest one is (metres).
_ROADS_NEAR_SCHOOLS = text("""
    SELECT s.urn,
           (SELECT count(*) FROM basemap_feature f
             WHERE f.layer IN ('road', 'major_road')
               AND ST_DWithin(f.geometry::geography, s.location::geography, 250)) AS near,
           (SELECT min(ST_Distance(f.geometry::geography, s.location::geography))
              FROM basemap_feature f
             WHERE f.layer IN ('road', 'major_road')
               AND ST_DWithin(f.geometry::geography, s.location::geography, 1000)) AS nearest_m
      FROM school s
""")

# How far the basemap reaches beyond the borough's boundary, east, west, north and south.
_REACH_BEYOND = text("""
    SELECT ST_XMax(e) - ST_XMax(b), ST_XMin(b) - ST_XMin(e), ST_YMax(e) - ST_YMax(b),
           ST_YMin(b) - ST_YMin(e)
      FROM (SELECT ST_Transform(boundary, 27700) AS b FROM borough) AS bb,
           (SELECT ST_Transform(ST_SetSRID(ST_Extent(geometry), 4326), 27700) AS e
              FROM basemap_feature) AS ee
""")


def test_demo_seed_draws_a_basemap_with_streets_around_every_school(db_session):
    services.seed(db_session=db_session, seed=7)
    layers = dict(db_session.execute(select(BasemapFeature.layer, func.count())
                                     .group_by(BasemapFeature.layer)).all())
    assert set(layers) == set(LAYERS)
    assert 1_000 < sum(layers.values()) < 5_000 and layers["road"] > 1_000
    assert layers["park"] >= 3 and layers["railway"] == 1 and layers["major_road"] >= 4
    source = db_session.execute(select(BasemapSource.name, BasemapSource.attribution)).one()
    assert source == (suburb.SOURCE_NAME, "Synthetic demo streets (Safe Havens demo)")
    schools = db_session.execute(_ROADS_NEAR_SCHOOLS).all()
    assert len(schools) == 20
    assert all(school.near >= 4 and school.nearest_m < 100 for school in schools), schools
    assert all(margin > 1_000 for margin in db_session.execute(_REACH_BEYOND).one())
    names = set(db_session.scalars(select(BasemapFeature.name)
                                   .where(BasemapFeature.layer == "major_road")))
    assert "High Street" in names and sum(name.endswith(" Road") for name in names) >= 3
    services.seed(db_session=db_session, seed=7)  # seeding again adds nothing
    assert db_session.scalar(select(func.count()).select_from(BasemapFeature)) == sum(
        layers.values())


def test_a_big_park_with_a_narrow_neck_gets_a_path_round_each_half():
    halves = box(0, 0, 400, 400).union(box(600, 0, 1000, 400))
    park = halves.union(box(390, 190, 610, 210))  # joined by a 20 m neck: too thin for a ring
    rings = [path for path in greens._park_paths(random.Random(1), park)
             if path.is_ring and path.length > 1_000]
    assert len(rings) == 2

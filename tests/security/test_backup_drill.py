"""Backups: the restore drill on committed data (backup, empty or fresh database, restore,
identical tables), and the refusals that must change nothing."""

import re
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from core.backup import services
from core.demo.services import DEMO_DOMAIN
from core.migrate import upgrade
from tests.conftest import create_database, drop_database, make_app

PLANNER = f"planner@{DEMO_DOMAIN}"
HEATMAP = "/api/v1/heatmap?cell=150"
OGC_CELLS = "/ogc/collections/heat_cells/items?limit=10000"

_RELATIONS = text("""
    SELECT n.nspname, c.relname, c.relkind FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE (n.nspname = 'public' AND c.relkind IN ('r', 'p', 'S')
            OR n.nspname = 'ogc' AND c.relkind = 'v')
       AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid
                        AND d.classid = 'pg_class'::regclass AND d.deptype = 'e')
     ORDER BY 1, 2""")


def snapshot(url: str) -> dict[str, tuple]:
    """Per table and OGC view: row count and an md5 of every row; per sequence: its position."""
    engine = create_engine(url)
    state = {}
    with engine.connect() as conn:
        for schema, name, kind in conn.execute(_RELATIONS).all():
            relation = f'"{schema}"."{name}"'
            if kind == "S":
                state[f"sequence {schema}.{name}"] = tuple(conn.execute(text(
                    f"SELECT last_value, is_called FROM {relation}")).one())  # noqa: S608
            else:
                rows = f"SELECT count(*), md5(string_agg(t::text, '|' ORDER BY t::text)) FROM {relation} t"  # noqa: E501, S608
                state[f"{schema}.{name}"] = tuple(conn.execute(text(rows)).one())
    engine.dispose()
    return state


@dataclass
class World:
    """A committed demo borough in its own database, its backup and what the API said."""

    url: str
    app: object
    state: dict
    backup: Path
    backup_output: str
    token: str
    heatmap: dict
    ogc_cells: dict


def _read(app, path: str, token: str) -> dict:
    answer = app.test_client().get(path, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    return answer.json


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Seed the demo borough (havens, visits, sessions, pupil maps, aggregates), publish the
    OGC copies, read the heatmap as a planner, then back it all up with `flask backup create`."""
    url = create_database("safehavens_backup")
    app = None
    try:
        upgrade(url)
        app = make_app(url)
        app.instance_path = str(tmp_path_factory.mktemp("instance"))
        runner = app.test_cli_runner()
        for args in (["demo", "seed", "--no-logins"], ["ogc", "publish"]):
            result = runner.invoke(args=args)
            assert result.exit_code == 0, result.output
        token = runner.invoke(args=["users", "token", PLANNER]).stdout.strip().splitlines()[-1]
        heat, cells = _read(app, HEATMAP, token), _read(app, OGC_CELLS, token)
        state = snapshot(url)
        made = runner.invoke(args=["backup", "create"])
        assert made.exit_code == 0, made.output
        path = Path(re.search(r"read back \(\d+ entries\): (\S+)", made.output).group(1))
        yield World(url, app, state, path, made.output, token, heat, cells)
    finally:
        if app is not None:
            app.extensions["db"]["engine"].dispose()
        drop_database(url)


@pytest.fixture
def fresh_database():
    """An empty database with PostGIS, as an operator creates it for a restore."""
    url = create_database("safehavens_restore")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION postgis"))
    engine.dispose()
    yield url
    drop_database(url)


def test_the_world_is_big_enough_to_mean_something(world):
    tables = {name: value for name, value in world.state.items()
              if not name.startswith("sequence ")}
    filled = [name for name, (count, _) in tables.items() if count]
    for name in ("borough", "school", "haven", "haven_visit", "mapping_session", "pupil_map",
                 "zone", "app_user", "alembic_version", "published_heat_cell"):
        assert world.state[f"public.{name}"][0] > 0, name
    assert world.state["ogc.heat_cells"][0] > 0 and world.heatmap["features"]
    assert len(filled) >= 20


def test_a_backup_is_private_timestamped_checksummed_and_holds_both_schemas(world):
    path = world.backup
    assert path.parent == Path(world.app.instance_path) / "backups"
    assert re.fullmatch(r"safehavens_backup_\w+-\d{8}T\d{6}Z\.dump", path.name)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert f"SHA-256: {services.sha256(path)}" in world.backup_output
    assert f"Size: {path.stat().st_size:,} bytes" in world.backup_output
    assert not list(path.parent.glob("*.partial"))
    pg_restore = services.find_tool("pg_restore", _major(world))
    toc = "\n".join(services.read_archive(pg_restore, path).toc)
    for entry in ("TABLE DATA public alembic_version", "TABLE DATA public pupil_map",
                  "VIEW ogc heat_cells", "ACL ogc TABLE heat_cells", "SCHEMA - ogc"):
        assert entry in toc, entry


def test_drill_restore_into_a_fresh_database_gives_identical_tables_and_a_working_app(
        world, fresh_database):
    app = make_app(fresh_database)
    try:
        result = app.test_cli_runner().invoke(args=["backup", "restore", str(world.backup),
                                                    "--yes"])
        assert result.exit_code == 0, result.output
        restored = snapshot(fresh_database)
        assert restored == world.state
        maps = world.state["public.pupil_map"][0]
        assert f"  {'pupil_map':<32} {maps:>10,}" in result.output
        client = app.test_client()
        health = client.get("/healthz")
        assert health.status_code == 200 and health.json["status"] == "ok"
        assert health.json["postgis"]
        # the planner's token came back with the accounts; the OGC role's grants with the views
        assert _read(app, HEATMAP, world.token) == world.heatmap
        assert _read(app, OGC_CELLS, world.token)["features"] == world.ogc_cells["features"]
    finally:
        app.extensions["db"]["engine"].dispose()


def test_restore_over_the_live_database_undoes_everything_done_since_the_backup(world):
    engine = create_engine(world.url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM haven_visit"))
        conn.execute(text("UPDATE school SET name = 'Renamed' WHERE urn IN "
                          "(SELECT urn FROM school LIMIT 3)"))
        conn.execute(text("DELETE FROM pupil_map WHERE id IN (SELECT id FROM pupil_map LIMIT 5)"))
    engine.dispose()
    world.app.test_cli_runner().invoke(args=["users", "token", PLANNER])
    assert snapshot(world.url) != world.state
    result = world.app.test_cli_runner().invoke(args=["backup", "restore", str(world.backup),
                                                      "--yes"])
    assert result.exit_code == 0, result.output
    assert snapshot(world.url) == world.state
    assert _read(world.app, HEATMAP, world.token) == world.heatmap


def test_a_restore_that_fails_half_way_is_rolled_back(world, tmp_path):
    cut = tmp_path / "cut.dump"
    data = world.backup.read_bytes()
    cut.write_bytes(data[: len(data) * 2 // 3])  # a copy cut short: the table list still reads
    before = snapshot(world.url)
    result = world.app.test_cli_runner().invoke(args=["backup", "restore", str(cut), "--yes"])
    assert result.exit_code == 1
    assert "rolled back: the database is as it was before" in result.output
    assert "Traceback" not in result.output
    assert snapshot(world.url) == before


def test_restore_refuses_without_yes_and_changes_nothing(world):
    before = snapshot(world.url)
    result = world.app.test_cli_runner().invoke(args=["backup", "restore", str(world.backup)])
    assert result.exit_code == 1
    assert "replaces every table" in result.output and "--yes" in result.output
    assert snapshot(world.url) == before


def test_restore_refuses_a_file_that_is_not_a_backup(world, tmp_path):
    before = snapshot(world.url)
    runner = world.app.test_cli_runner()
    notes = tmp_path / "notes.dump"
    notes.write_text("-- not a backup\nDROP TABLE school;\n")
    result = runner.invoke(args=["backup", "restore", str(notes), "--yes"])
    assert result.exit_code == 1
    assert "is not a backup made by `flask backup create`" in result.output
    other = tmp_path / "other.dump"  # a real pg_dump archive, of one table only
    subprocess.run(
        [services.find_tool("pg_dump", _major(world)), "--format=custom", "--table=school",
         f"--file={other}", f"--dbname={services.target_from_url(world.url).conninfo}"],
        check=True)
    result = runner.invoke(args=["backup", "restore", str(other), "--yes"])
    assert result.exit_code == 1 and "not a Safe Havens backup" in result.output
    assert runner.invoke(args=["backup", "restore", str(tmp_path / "missing.dump"),
                               "--yes"]).exit_code == 2
    assert snapshot(world.url) == before


def test_missing_client_programs_are_named_and_nothing_is_written(world, tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    app = make_app(world.url, PG_BIN_DIR=str(empty))
    try:
        runner = app.test_cli_runner()
        out = tmp_path / "b.dump"
        made = runner.invoke(args=["backup", "create", "--out", str(out)])
        assert made.exit_code == 1 and "Traceback" not in made.output
        assert f"pg_dump was not found in PG_BIN_DIR ({empty})" in made.output
        assert list(tmp_path.glob("b.dump*")) == []
        before = snapshot(world.url)
        restored = runner.invoke(args=["backup", "restore", str(world.backup), "--yes"])
        assert restored.exit_code == 1 and "pg_restore was not found" in restored.output
        assert snapshot(world.url) == before
    finally:
        app.extensions["db"]["engine"].dispose()


def test_create_will_not_overwrite_an_existing_file(world, tmp_path):
    out = tmp_path / "taken.dump"
    out.write_text("keep me")
    made = world.app.test_cli_runner().invoke(args=["backup", "create", "--out", str(out)])
    assert made.exit_code == 1 and "already exists" in made.output
    assert out.read_text() == "keep me"


@pytest.mark.parametrize(("url", "conninfo", "password"), [
    ("postgresql+psycopg://safehavens@/safehavens?host=/srv/pg/sock",
     {"host": "/srv/pg/sock", "user": "safehavens", "dbname": "safehavens"}, None),
    ("postgresql+psycopg://app:s3cr%40t@db.internal:6543/havens?sslmode=require",
     {"host": "db.internal", "port": "6543", "user": "app", "dbname": "havens",
      "sslmode": "require"}, "s3cr@t"),
])
def test_database_urls_become_libpq_parameters_with_the_password_kept_out_of_them(
        url, conninfo, password):
    from psycopg.conninfo import conninfo_to_dict
    target = services.target_from_url(url)
    assert conninfo_to_dict(target.conninfo) == conninfo
    assert target.password == password
    assert "s3cr" not in target.conninfo and "s3cr" not in target.label


def test_a_url_that_is_not_postgresql_is_refused_plainly():
    with pytest.raises(services.BackupError, match="not a PostgreSQL URL"):
        services.target_from_url("sqlite:///x.db")
    with pytest.raises(services.BackupError, match="DATABASE_URL is not set"):
        services.target_from_url("")


def _major(world) -> int:
    return services.server_major(world.app.extensions["db"]["engine"])
